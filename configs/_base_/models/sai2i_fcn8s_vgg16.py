# Musto & Zinelli (BMVC 2020), feature-level alignment stage (Sec. 3.4)
# with the "F" network: FCN-8s VGG-16 (BDL's model/fcn8s.py: the at-once
# FCN-8s with conv1_1 padding 100, skips scaled by 0.01/0.0001, fixed
# bilinear upsampling). lambda_adv = 1e-4 (Sec. 3.4).
_base_ = ['./sai2i_deeplabv2_r101.py']
segmentor = dict(
    _delete_=True,
    type='MultiOutputEncoderDecoder',
    data_preprocessor=None,
    backbone=dict(
        type='FCNVGG',
        base_channels=64,
        fc_channels=4096,
        caffe_padding=100,  # BDL/FCN conv1_1 padding=100
        fc_dropout=0.5,  # BDL drop6/drop7 (Dropout2d, p=0.5)
        out_features=('pool3', 'pool4', 'fc7')),
    decode_head=dict(
        type='FCN8sHead',
        in_channels=(256, 512, 4096),
        num_classes={{_base_.num_classes}},
        skip_scales=(0.01, 0.0001),  # BDL: pool4 * 0.01, pool3 * 0.0001
        learn_upsampling=False,  # BDL's optimiser leaves the deconvs out
        align_corners=False,
        loss_decode=_base_.seg_loss),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
model = dict(
    segmentor=segmentor,
    adversarial_levels=dict(
        seg=dict(discriminator='disc_out', loss_weight=0.0001)))
