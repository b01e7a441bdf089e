# Brehm et al. (ICAART 2022), phase (c): the final model M1, a new mean
# teacher trained on GTA5 images and their translations ("a 50/50 split of
# synthetic and transformed data", Sec. 4.2; Eq. 11) with the consistency
# loss on Cityscapes (Eq. 12). Table 4 "L_FS,seg + SSL + I2I": 50.1 mIoU19.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sci2i_vgg16.py',
    '../_base_/datasets/sci2i_gta5_to_cityscapes.py',
    '../_base_/schedules/sci2i_segmentation_adam.py',
]
# The GTA5 set translated by the I2I model's EMA generator
# (tools/translate.py layout); the pipeline config fills it in.
translated_dir = 'work_dirs/sci2i_gta/translated'

model = _base_.mean_teacher
train_dataloader = dict(
    dataset=dict(
        type='TranslatedSourceUDADataset',
        translated=dict(
            type='GTA5Dataset',
            data_root=translated_dir,
            pipeline=_base_.source_pipeline)))
