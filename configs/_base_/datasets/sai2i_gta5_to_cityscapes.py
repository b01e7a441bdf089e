# GTA5 -> Cityscapes for Musto & Zinelli's segmentation stage (Sec. 4:
# "Both networks are trained on images downsampled to 1024x512 with batch
# size 1"): uda_gta5_to_cityscapes.py with the GTA5 images at 1024x512
# (BDL's and AdaptSegNet's code use 1280x720; the paper states 1024x512).
# In the pipeline configs the source is replaced by the translated set
# (written at this size by the translate stage) and the target by the
# pseudo-label stage's dataset (this target pipeline + the pseudo-labels).
_base_ = ['./uda_gta5_to_cityscapes.py']
source_scale = (1024, 512)  # Sec. 4
source_pipeline = [
    dict(t, scale=source_scale) if t['type'] == 'Resize' else t
    for t in _base_.source_pipeline
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
