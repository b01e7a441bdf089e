# SYNTHIA -> Cityscapes (16 classes, mIoU16 and mIoU13) for Musto &
# Zinelli's segmentation stage: SYNTHIA images at 1024x512 (Sec. 4; BDL's
# code uses 1280x760), Cityscapes at 1024x512.
_base_ = ['./uda_synthia_to_cityscapes.py']
source_scale = (1024, 512)  # Sec. 4
source_pipeline = [
    dict(t, scale=source_scale) if t['type'] == 'Resize' else t
    for t in _base_.source_pipeline
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
