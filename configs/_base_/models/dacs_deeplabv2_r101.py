# DACS (Tranheden et al., WACV 2021) on DeepLab-v2 ResNet-101: self-training
# with a mean teacher and ClassMix, as in the official code
# (vikolss/DACS trainUDA.py, configs/configUDA.json).
_base_ = ['./adaptsegnet_deeplabv2_r101.py']
num_classes = 19

# The official Res_Deeplab (model/deeplabv2.py): the single-level DeepLab-v2
# of AdaptSegNet (same caffe-style ResNet-101, ASPP classifier on layer4 whose
# forward returns inside its loop: num_summed_branches=2), BGR images minus
# IMG_MEAN (data_preprocessor of adaptsegnet_deeplabv2_r101.py). BN layers in
# training mode with frozen affine parameters, as AdaptSegNet's.
segmentor = dict(_base_.segmentor, auxiliary_head=None)

model = dict(
    _delete_=True,
    type='DACS',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=segmentor,
    # The mean teacher: an exponential moving average of the segmentor,
    # updated by MeanTeacherHook (custom_hooks below). train_mode=True: the
    # official ema_model is in training mode (BN on batch statistics) when
    # it predicts the pseudo-labels.
    networks=dict(
        teacher=dict(role='ema', ema_of='segmentor', train_mode=True)),
    # evaluateUDA.py evaluates the student ("model"), not the EMA model
    predict_on='segmentor',
    # "pixel_weight": "threshold_uniform": every pseudo-label pixel is
    # weighted by the fraction of target pixels whose max softmax
    # probability is >= 0.968 (over the batch, as the code computes it)
    pseudo_threshold=0.968,
    # no pseudo-label crop in DACS (DAFormer's uda/dacs.py:
    # pseudo_weight_ignore_top=0, pseudo_weight_ignore_bottom=0)
    pseudo_weight_ignore_top=0,
    pseudo_weight_ignore_bottom=0,
    # "mix_mask": "class": ClassMix of each source image (half of the
    # classes of its label, the ignore value included as in the code) into
    # the target image of the same batch index
    mix=dict(type='ClassMix', class_pool='image', mix_ignore=True),
    # "color_jitter": true -> colorJitter(s=0.25), applied if u > 0.2
    color_jitter=dict(type='BatchColorJitter', strength=0.25, prob=0.8),
    # "blur": true -> gaussian_blur: applied if u > 0.5, sigma ~ U(0.15,
    # 1.15), kernel ~10% of the image side
    blur=dict(
        type='BatchGaussianBlur',
        prob=0.5,
        sigma_range=(0.15, 1.15),
        kernel_ratio=0.1),
    # "consistency_weight": 1 (L = L_source + 1 * L_mix)
    mix_loss_weight=1.0)

# update_ema_variables: alpha_teacher = 0.99, with the warm-up
# alpha_t = min(1 - 1 / (t + 1), 0.99). The official code averages the
# parameters only; its EMA model's BN statistics follow its own forward
# passes, which use batch statistics (training mode) and so never affect the
# pseudo-labels. buffers='copy' gives the teacher the student's statistics,
# averaged over the processes under DDP, so that all processes hold the same
# teacher.
custom_hooks = [
    dict(
        type='MeanTeacherHook',
        decay=0.99,
        warmup=True,
        interval=1,
        buffers='copy')
]
