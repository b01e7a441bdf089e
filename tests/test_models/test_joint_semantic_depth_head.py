import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.models.decode_heads import JointSemanticDepthHead
from udaplug.models.decode_heads.joint_semantic_depth_head import \
    MissingDepthError
from udaplug.registry import MODELS

C = 4


def _feats(n=2, c=8, size=(4, 8)):
    torch.manual_seed(0)
    return [torch.randn(n, c, *size)]


def _sample(h=16, w=32, depth=True, img_shape=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
    sample = SegDataSample()
    sample.set_metainfo(
        dict(img_path=f'img_{seed}.png', img_shape=img_shape or (h, w)))
    sample.gt_sem_seg = PixelData(
        data=torch.randint(0, C, (1, h, w), generator=gen))
    if depth:
        sample.gt_depth_map = PixelData(
            data=torch.rand(1, h, w, generator=gen))
    return sample


def _head(**kwargs):
    head = JointSemanticDepthHead(in_channels=8, num_classes=C, **kwargs)
    head.init_weights()
    return head


def test_registered_and_two_aspp_decoders():
    assert MODELS.get('JointSemanticDepthHead') is JointSemanticDepthHead
    head = _head()
    keys = list(head.state_dict())
    assert [k for k in keys if k.startswith('aspp_convs')] == [
        f'aspp_convs.{i}.{p}' for i in range(4) for p in ('weight', 'bias')
    ]
    assert [k for k in keys if k.startswith('depth_decoder')] == [
        f'depth_decoder.aspp_convs.{i}.{p}' for i in range(4)
        for p in ('weight', 'bias')
    ]
    for seg, depth, d in zip(head.aspp_convs, head.depth_decoder.aspp_convs,
                             (6, 12, 18, 24)):
        assert seg.dilation == depth.dilation == (d, d)
        assert seg.out_channels == C and depth.out_channels == 1
    assert head.depth_loss_weight == 0.1  # lambda_depth, Sec. 3.5


def test_forward_returns_semantics_and_outputs_both():
    head = _head()
    feats = _feats()
    seg = head(feats)
    assert seg.shape == (2, C, 4, 8)
    outputs = head.forward_outputs(feats)
    assert set(outputs) == {'seg', 'depth'}
    torch.testing.assert_close(outputs['seg'], seg)
    assert outputs['depth'].shape == (2, 1, 4, 8)
    expected = sum(conv(feats[0]) for conv in head.depth_decoder.aspp_convs)
    torch.testing.assert_close(outputs['depth'], expected)
    sig = _head(depth_act='sigmoid').forward_outputs(feats)['depth']
    assert ((sig > 0) & (sig < 1)).all()


def test_losses_ce_plus_weighted_l1():
    head = _head(depth_loss_weight=0.5)
    feats = _feats()
    samples = [_sample(seed=0), _sample(seed=1)]
    outputs = head.forward_outputs(feats)
    losses = head.loss_by_outputs(outputs, samples)
    assert set(losses) == {'loss_ce', 'acc_seg', 'loss_depth'}
    up = torch.nn.functional.interpolate(
        outputs['depth'], size=(16, 32), mode='bilinear', align_corners=False)
    gt = torch.stack([s.gt_depth_map.data for s in samples])
    torch.testing.assert_close(losses['loss_depth'],
                               0.5 * (up - gt).abs().mean())
    torch.testing.assert_close(
        losses['loss_ce'],
        head.loss_by_feat(outputs['seg'], samples)['loss_ce'])
    # mmseg's loss mode goes through the same losses
    assert set(head.loss(feats, samples, None)) == set(losses)


def test_depth_loss_ignores_padding_and_ignore_value():
    head = _head(depth_ignore_value=0.0)
    feats = _feats(n=1)
    outputs = head.forward_outputs(feats)
    clean = _sample(img_shape=(12, 20))
    loss = head.loss_by_outputs(outputs, [clean])['loss_depth']
    padded = _sample(img_shape=(12, 20))
    padded.gt_depth_map.data[:, 12:, :] = 255  # mmseg's seg_pad_val
    padded.gt_depth_map.data[:, :, 20:] = 255
    padded.gt_depth_map.data[:, 0, 0] = 0.0  # ignored value
    clean.gt_depth_map.data[:, 0, 0] = 0.0
    torch.testing.assert_close(
        head.loss_by_outputs(outputs, [padded])['loss_depth'],
        head.loss_by_outputs(outputs, [clean])['loss_depth'])
    assert not torch.equal(loss, torch.zeros(()))


def test_gradients_reach_both_decoders():
    head = _head()
    feats = [f.requires_grad_() for f in _feats()]
    losses = head.loss_by_outputs(
        head.forward_outputs(feats),
        [_sample(seed=0), _sample(seed=1)])
    (losses['loss_ce'] + losses['loss_depth']).backward()
    assert head.aspp_convs[0].weight.grad.abs().sum() > 0
    assert head.depth_decoder.aspp_convs[0].weight.grad.abs().sum() > 0
    assert feats[0].grad.abs().sum() > 0


def test_missing_depth_names_the_image_and_key():
    head = _head()
    outputs = head.forward_outputs(_feats())
    with pytest.raises(MissingDepthError, match=r"img_1\.png.*gt_depth_map"):
        head.loss_by_outputs(
            outputs,
            [_sample(seed=0), _sample(depth=False, seed=1)])


def test_predict_through_encoder_decoder():
    model = MODELS.build(
        dict(
            type='MultiOutputEncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor'),
            backbone=dict(type='DeepLabVGG', base_channels=4, fc_channels=8),
            decode_head=dict(
                type='JointSemanticDepthHead', in_channels=8, num_classes=C),
            test_cfg=ConfigDict(mode='whole')))
    model.init_weights()
    img = torch.rand(1, 3, 32, 48)
    outputs = model(img, mode='outputs')
    assert outputs['seg'].shape == (1, C, 4, 6)
    assert outputs['depth'].shape == (1, 1, 4, 6)
    sample = SegDataSample()
    sample.set_metainfo(
        dict(
            img_shape=(32, 48),
            ori_shape=(32, 48),
            pad_shape=(32, 48),
            padding_size=[0, 0, 0, 0]))
    pred = model.predict(img, [sample])[0]
    assert pred.pred_sem_seg.data.shape == (1, 32, 48)
    assert pred.seg_logits.data.shape == (C, 32, 48)


def test_multi_output_interface_is_declared():
    """MultiOutputEncoderDecoder calls forward_outputs / loss_by_outputs on
    heads that declare the MultiOutputHead interface (the joint head does);
    a head declaring it without implementing it says so."""
    from mmseg.models.decode_heads.decode_head import BaseDecodeHead

    from udaplug.models.decode_heads import MultiOutputHead
    assert isinstance(_head(), MultiOutputHead)

    class Unfinished(BaseDecodeHead, MultiOutputHead):

        def forward(self, inputs):
            return self.cls_seg(inputs[0])

    head = Unfinished(in_channels=8, channels=8, num_classes=C)
    with pytest.raises(
            NotImplementedError,
            match='Unfinished must '
            'implement forward_outputs'):
        head.forward_outputs(_feats())
    with pytest.raises(NotImplementedError, match='loss_by_outputs'):
        head.loss_by_outputs({}, [])
