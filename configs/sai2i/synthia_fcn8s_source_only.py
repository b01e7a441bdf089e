# Musto & Zinelli (BMVC 2020), SYNTHIA -> Cityscapes, FCN-8s VGG-16: the
# segmentor M trained on the source alone (no adaptation; Table 3's "lower
# bound"), with the segmentation stage's network, data (1024x512) and BDL
# optimiser. In configs/sai2i_synthia_fcn8s.py it is the model definition of
# the first round's M (BDL's released model, segmentor weights only) for
# writing pseudo-labels.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_fcn8s_vgg16.py',
    '../_base_/datasets/sai2i_synthia_to_cityscapes.py',
    '../_base_/schedules/sai2i_bdl_adam_step.py',
]
num_classes = 16  # SYNTHIA -> Cityscapes: 16 classes
model = dict(
    _delete_=True,
    _scope_='udaplug',  # see configs/_base_/default_runtime.py
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=dict(
        _base_.segmentor,
        decode_head=dict(
            _base_.segmentor.decode_head, num_classes=num_classes)))
train_dataloader = dict(
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
optim_wrapper = dict(
    _delete_=True,
    constructor='UDAOptimWrapperConstructor',
    segmentor=_base_.optim_wrapper.segmentor)
# BDL starts its FCN-8s from a source-trained model ("initial weights of
# GTA5/SYNTHIA for VGG16-FCN", BDL README), converted with
# tools/convert_models/fcn8s.py; this config is that source-only model's
# definition (and trains one from load_from if given).
load_from = None
