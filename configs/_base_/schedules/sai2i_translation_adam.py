# Optimisation of Musto & Zinelli's translation stage (Sec. 4): Adam with
# beta1 0.9, beta2 0.99, TTUR with an initial learning rate of 1e-4, poly
# decay (power 0.9) to 0 after 1,000,000 iterations, batch size 1.
# The TTUR split is not stated; SPADE's (pix2pix_model.py: G_lr, D_lr =
# lr / 2, lr * 2): 5e-5 for the encoders and generators, 2e-4 for the
# discriminators. No weight decay (none stated).
_base_ = ['../default_hooks.py']
max_iters = 1000000  # Sec. 4
optim_wrapper = dict(
    constructor='UDAOptimWrapperConstructor',
    # the discriminators (D_lr = 2 x 1e-4)
    default=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.9, 0.99))),
    # one optimizer for E_S, E_T, G_S, G_T (one loss, Eq. 1): G_lr = 1e-4/2
    generators=dict(
        networks=['enc_s', 'enc_t', 'gen_s', 'gen_t'],
        optimizer=dict(lr=5e-5)))
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
# no validation (M is frozen); tools/test.py tests M
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=50000, max_keep_ckpts=2))
# source | translated to target | M's segmentation | target | translated to
# source, every 1000 iterations in <work_dir>/vis
custom_hooks = [
    dict(type='TranslationVisualizationHook', interval=1000, out_dir='vis')
]
randomness = dict(seed=0)
