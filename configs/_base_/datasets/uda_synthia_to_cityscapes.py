# SYNTHIA-RAND-CITYSCAPES -> Cityscapes, 16 classes (Cityscapes' 19 without
# terrain, truck and train), reported as mIoU16 and mIoU13 (also without
# wall, fence and pole; AdaptSegNet's "mIoU*", GIO-Ada's Table 4).
# Protocol of AdaptSegNet's official code; prepare the data with
# tools/convert_datasets/{synthia,cityscapes}.py (see docs/datasets.md).
# Everything but the source and the classes is uda_gta5_to_cityscapes.py's:
# target 1024x512, evaluation at 1024x512 upsampled to the 2048x1024 labels
# (LoadAnnotations after Resize keeps labels full size), official code's
# --batch-size 1, no mirror/scaling.
_base_ = ['./uda_gta5_to_cityscapes.py', './synthia_classes.py']

source_data_root = 'data/synthia'
# AdaptSegNet's SYNTHIA input size: images (1280x760) used at 1280x760.
source_scale = (1280, 760)
# The GTA5 source pipeline at this size.
source_pipeline = [
    dict(t, scale=source_scale) if t['type'] == 'Resize' else t
    for t in _base_.source_pipeline
]

# The Cityscapes datasets get the 16 classes too (synthia_classes.py), so
# their 19-class labels are mapped to these 16 (the other three become 255).
train_dataloader = dict(
    dataset=dict(
        source=dict(
            type='SynthiaDataset',
            data_root=source_data_root,
            data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
            pipeline=source_pipeline),
        target=dict(metainfo=dict(classes=_base_.synthia_classes))))
val_dataloader = dict(
    dataset=dict(metainfo=dict(classes=_base_.synthia_classes)))
test_dataloader = val_dataloader
val_evaluator = dict(
    all_name='mIoU16', subsets=dict(mIoU13=list(_base_.synthia13_classes)))
test_evaluator = val_evaluator
