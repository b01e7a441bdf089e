# Musto & Zinelli (BMVC 2020), GTA5 -> Cityscapes, DeepLab-v2 ResNet-101: the
# segmentor M trained on the source alone (no adaptation; Table 3's "lower
# bound"), with the segmentation stage's network, data (1024x512) and BDL
# optimiser. In configs/sai2i_gta_deeplabv2.py it is the model definition of
# the first round's M (BDL's released model, segmentor weights only) for
# writing pseudo-labels.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r101.py',
    '../_base_/datasets/sai2i_gta5_to_cityscapes.py',
    '../_base_/schedules/sai2i_bdl_sgd_poly.py',
]
model = dict(
    _delete_=True,
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.segmentor)
train_dataloader = dict(
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
optim_wrapper = dict(
    _delete_=True,
    constructor='UDAOptimWrapperConstructor',
    segmentor=_base_.optim_wrapper.segmentor)
# The DeepLab-v2 ImageNet/COCO init BDL and AdaptSegNet start from
# (DeepLab_resnet_pretrained_init-f81d91e8.pth), converted with
# tools/convert_models/adaptsegnet.py (see configs/adaptsegnet_gta.py).
load_from = 'checkpoints/adaptsegnet_deeplabv2_r101_init.pth'
