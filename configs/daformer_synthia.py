# DAFormer, SYNTHIA -> Cityscapes (Hoyer et al., CVPR 2022, Table 6: 60.9
# mIoU16, 67.4 mIoU13): daformer_gta.py on the SYNTHIA data of
# _base_/datasets/uda_synthia_to_cityscapes_512x512.py (official
# experiments.py, id 7: the same method on synthia -> cityscapes). 16 classes
# (DAFormer trains 19 and converts); the thing classes of the feature
# distance in SYNTHIA's 16-class ids: traffic light 6, traffic sign 7,
# person 10, rider 11, car 12, bus 13, motorcycle 14, bicycle 15 (truck and
# train do not exist in SYNTHIA).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/daformer_mitb5.py',
    './_base_/datasets/uda_synthia_to_cityscapes_512x512.py',
    './_base_/schedules/daformer_adamw_warmup.py',
]
num_classes = 16
model = dict(
    segmentor=dict(decode_head=dict(num_classes=num_classes)),
    feature_distance=dict(
        num_classes=num_classes, classes=[6, 7, 10, 11, 12, 13, 14, 15]))
# Rare-class sampling of daformer_gta.py, from
# data/synthia/synthia_class_stats.json (written by the SYNTHIA converter).
rcs = dict(
    type='RareClassSampler',
    temperature=0.01,
    min_pixels=3000,
    min_crop_ratio=0.5,
    crop_retries=10)
train_dataloader = dict(sampler=dict(rcs, _delete_=True))
