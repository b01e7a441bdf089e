"""The stage configs of Musto & Zinelli's method (configs/sai2i/): their
numbers are the paper's (or BDL's / SPADE's where the paper is silent), and
each trains for one real iteration on tiny data in GTA5 / SYNTHIA /
Cityscapes' released formats."""
import os.path as osp

import pytest
from mmengine.config import ConfigDict

from udaplug.apis import build_runner, load_config, trainable_networks
from udaplug.engine.optimizers import plan_optimizers

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'sai2i')
SETTINGS = {
    'gta_deeplabv2': dict(classes=19, net='deeplab', source='GTA5Dataset'),
    'gta_fcn8s': dict(classes=19, net='fcn8s', source='GTA5Dataset'),
    'synthia_deeplabv2':
    dict(classes=16, net='deeplab', source='SynthiaDataset'),
    'synthia_fcn8s': dict(classes=16, net='fcn8s', source='SynthiaDataset'),
}


def config(name):
    return load_config(osp.join(CONFIG_DIR, f'{name}.py'))


def plan(cfg):
    """Optimizer key -> (networks, complete optim wrapper config)."""
    optims = plan_optimizers(
        trainable_networks(cfg.model), {
            k: v
            for k, v in cfg.optim_wrapper.items() if k != 'constructor'
        })
    return {k: (nets, ConfigDict(c)) for k, (nets, c) in optims.items()}


def resize_scale(pipeline):
    return [t.scale for t in pipeline if t.type == 'Resize']


@pytest.mark.parametrize('name', sorted(SETTINGS))
def test_translation_stage_settings(name):
    expect = SETTINGS[name]
    cfg = config(f'{name}_translation')
    model = cfg.model
    assert model.type == 'SAI2ITranslator'
    assert model.segmentor.role == 'frozen'
    assert model.segmentor.decode_head.num_classes == expect['classes']
    # Sec. 4: lambda_recon 10, GAN 1, CCI 10, CCH 1, SCE 10; Eq. 5 weights
    assert model.loss_weights == dict(
        recon=10.0, gan=1.0, cycle_image=10.0, cycle_latent=1.0, sce=10.0)
    assert (model.sce_loss.alpha, model.sce_loss.beta) == (1.0, 1.0)
    for d in ('s', 't'):
        gen = model.generators[f'gen_{d}']
        assert gen.label_channels == expect['classes'] and gen.with_spade
        assert gen.spade_cfg == dict(
            hidden_channels=128,
            kernel_size=3,
            resize_mode='nearest',
            gamma_offset=1.0)
        assert (gen.in_channels, gen.num_res_blocks) == (256, 4)
        enc = model.generators[f'enc_{d}']
        assert (enc.base_channels, enc.num_downsamples,
                enc.num_res_blocks) == (64, 2, 4)
        disc = model.discriminators[f'disc_{d}']
        assert disc.num_scales == 3
        assert disc.channels == (64, 128, 256, 512)
        assert disc.gan_loss.gan_type == 'lsgan'
    # Eq. 3 labels: real images 0, translations 1
    assert (model.discriminators.disc_s.gan_loss.source_label,
            model.discriminators.disc_s.gan_loss.target_label) == (0.0, 1.0)
    assert (model.discriminators.disc_t.gan_loss.source_label,
            model.discriminators.disc_t.gan_loss.target_label) == (1.0, 0.0)
    # Adam (0.9, 0.99), TTUR around 1e-4 (SPADE's split), poly 0.9 to 1M
    optims = plan(cfg)
    assert set(optims) == {'generators', 'disc_s', 'disc_t'}
    assert optims['generators'][0] == ['enc_s', 'enc_t', 'gen_s', 'gen_t']
    gen_opt = optims['generators'][1]['optimizer']
    disc_opt = optims['disc_s'][1]['optimizer']
    assert (gen_opt.type, gen_opt.lr, gen_opt.betas) == ('Adam', 5e-5, (0.9,
                                                                        0.99))
    assert (disc_opt.type, disc_opt.lr, disc_opt.betas) == ('Adam', 2e-4,
                                                            (0.9, 0.99))
    poly = cfg.param_scheduler[0]
    assert (poly.type, poly.power, poly.eta_min, poly.end) == ('PolyLR', 0.9,
                                                               0.0, 1000000)
    assert cfg.train_cfg.max_iters == 1000000
    # 1024x512 images, 512x512 random crops, batch 1 (Sec. 4)
    loader = cfg.train_dataloader
    assert loader.batch_size == 1
    assert loader.dataset.source.type == expect['source']
    for domain in ('source', 'target'):
        pipeline = loader.dataset[domain].pipeline
        assert resize_scale(pipeline) == [(1024, 512)]
        crops = [t.crop_size for t in pipeline if t.type == 'RandomCrop']
        assert crops == [(512, 512)]
    assert cfg.val_dataloader is None and cfg.val_cfg is None


@pytest.mark.parametrize('name', sorted(SETTINGS))
def test_segmentation_stage_settings(name):
    expect = SETTINGS[name]
    cfg = config(f'{name}_segmentation')
    model = cfg.model
    assert model.type == 'SAI2I' and model.ssl_loss_weight == 1.0
    head = model.segmentor.decode_head
    assert head.num_classes == expect['classes']
    assert model.discriminators.disc_out.in_channels == expect['classes']
    assert model.discriminators.disc_out.type == 'FCDiscriminator'
    assert model.gan_loss.gan_type == 'vanilla'
    level = model.adversarial_levels.seg
    assert level.discriminator == 'disc_out'
    optims = plan(cfg)
    seg = optims['segmentor'][1]
    disc = optims['disc_out'][1]['optimizer']
    assert (disc.type, disc.lr, disc.betas) == ('Adam', 1e-4, (0.9, 0.99))
    if expect['net'] == 'deeplab':
        assert level.loss_weight == 1e-3  # Sec. 3.4
        assert head.type == 'DeepLabV2Head'
        assert head.num_summed_branches is None  # BDL sums all four
        opt = seg['optimizer']
        assert (opt.type, opt.lr, opt.momentum,
                opt.weight_decay) == ('SGD', 2.5e-4, 0.9, 5e-4)
        assert seg['paramwise_cfg'].custom_keys.decode_head.lr_mult == 10.0
        poly = cfg.param_scheduler[0]
        assert (poly.type, poly.power, poly.end) == ('PolyLR', 0.9, 250000)
    else:
        assert level.loss_weight == 1e-4  # Sec. 3.4
        assert head.type == 'FCN8sHead'
        opt = seg['optimizer']
        assert (opt.type, opt.lr, opt.betas) == ('Adam', 1e-5, (0.9, 0.99))
        assert seg['paramwise_cfg'].bias_lr_mult == 2.0
        step = cfg.param_scheduler[0]
        assert (step.type, step.step_size, step.gamma) == ('StepLR', 50000,
                                                           0.1)
    assert cfg.train_cfg.max_iters == 120000  # BDL --num-steps-stop
    loader = cfg.train_dataloader
    assert loader.batch_size == 1 and loader.dataset.allow_target_labels
    # Sec. 4: 1024x512 for both domains
    assert resize_scale(loader.dataset.source.pipeline) == [(1024, 512)]
    assert resize_scale(loader.dataset.target.pipeline) == [(1024, 512)]
    assert model.segmentor.init_cfg.prefix == 'segmentor.'


def _shrink_networks(cfg, net):
    """Narrow networks (the configs' layouts, fewer channels) without
    pretrained weights, for a CPU iteration."""
    seg = cfg.model.segmentor
    seg.init_cfg = None
    if net == 'deeplab':
        seg.backbone.depth = 18
        seg.decode_head.in_channels = 512
    else:
        seg.backbone.update(base_channels=4, fc_channels=8)
        seg.decode_head.in_channels = (16, 32, 8)
    if cfg.model.type == 'SAI2ITranslator':
        for name, net_cfg in cfg.model.generators.items():
            if name.startswith('enc'):
                net_cfg.update(base_channels=4, num_res_blocks=1)
            else:
                net_cfg.update(
                    in_channels=16,
                    num_res_blocks=1,
                    spade_cfg=dict(net_cfg.spade_cfg, hidden_channels=8))
        for disc in cfg.model.discriminators.values():
            disc.channels = (4, 4, 4, 4)
    else:
        cfg.model.discriminators.disc_out.channels = (4, 4, 4, 4)


@pytest.mark.parametrize('name', sorted(SETTINGS))
@pytest.mark.parametrize('stage', ['translation', 'segmentation'])
def test_one_training_iteration_on_native_data(name, stage, demo_data,
                                               tmp_path, shrink_for_cpu):
    cfg = config(f'{name}_{stage}')
    _shrink_networks(cfg, SETTINGS[name]['net'])
    if stage == 'segmentation':
        # the target's labels stand in for pseudo-labels (8-bit train ids)
        target = cfg.train_dataloader.dataset.target
        target.data_prefix.seg_map_path = 'gtFine/train'
        target.pipeline.insert(1, dict(type='LoadAnnotations'))
    cfg = shrink_for_cpu(
        cfg, {
            'data/gta5': demo_data + '/gta5',
            'data/synthia': demo_data + '/synthia',
            'data/cityscapes': demo_data + '/cityscapes',
        },
        work_dir=str(tmp_path))
    runner = build_runner(cfg)
    runner.train()
    losses = {
        k[len('train/'):]: v.current()
        for k, v in runner.message_hub.log_scalars.items()
        if k.startswith('train/') and 'loss' in k
    }
    if stage == 'translation':
        assert {
            'loss_recon', 'loss_gan', 'loss_cycle_image', 'loss_cycle_latent',
            'loss_sce', 'disc_s.loss_source', 'disc_t.loss_target'
        } <= set(losses)
    else:
        assert {'decode.loss_ce', 'ssl.decode.loss_ce',
                'loss_adv_seg'} <= set(losses)
    assert all(v == v for v in losses.values())  # finite (not NaN)
