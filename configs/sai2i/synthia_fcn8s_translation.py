# Musto & Zinelli (BMVC 2020), SYNTHIA -> Cityscapes, FCN-8s VGG-16: the
# translation stage (Sec. 3.1-3.2, App. B) of one round of
# configs/sai2i_synthia_fcn8s.py. M (the segmentor) is frozen: it guides SPADE
# and checks the translations (SCE); its weights come from the previous stage
# (the pipeline sets model.segmentor.init_cfg.checkpoint).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_fcn8s_vgg16.py',
    '../_base_/models/sai2i_translator.py',
    '../_base_/datasets/sai2i_synthia_to_cityscapes.py',
    '../_base_/datasets/sai2i_translation_crops.py',
    '../_base_/schedules/sai2i_translation_adam.py',
]
num_classes = 16  # SYNTHIA -> Cityscapes: 16 classes
# SPADE reads M's logits: one channel per class (App. A).
label_generator = dict(_base_.generator, label_channels=num_classes)
model = dict(
    _base_.translator,
    _delete_=True,
    data_preprocessor=_base_.data_preprocessor,
    segmentor=dict(
        _base_.segmentor,
        decode_head=dict(
            _base_.segmentor.decode_head, num_classes=num_classes),
        role='frozen',
        # BDL's released SYNTHIA_VGG model, converted with
        # tools/convert_models/fcn8s.py and cut to the 16 classes with
        # tools/convert_models/select_classes.py --subset synthia16 (Sec. 4);
        # in the pipeline, the previous round's M.
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/sai2i_synthia_fcn8s_init.pth',
            prefix='segmentor.')),
    generators=dict(
        _base_.translator.generators,
        gen_s=label_generator,
        gen_t=label_generator))
train_dataloader = dict(
    batch_size=1,  # Sec. 4
    dataset=dict(
        source=dict(pipeline=_base_.translation_pipeline),
        target=dict(pipeline=_base_.translation_pipeline)))
# No validation: the segmentor does not change in this stage (the test
# settings stay: tools/test.py and mmseg's inference APIs test the frozen M).
val_dataloader = None
val_evaluator = None
val_cfg = None
