# Toldo et al.'s data protocol shared by the GTA5 and SYNTHIA configs (paper
# Sec. 4 "Training details"; official utils/reader_patch.py, train_S.py,
# train_DA.py). The dataset configs build their pipelines from these.

# Adaptation stage: "random patches of 600x600 pixels from training samples,
# which were previously resized to have a predefined width and the original
# aspect ratio" (Sec. 4); batch size 1 for the full framework. The official
# train_DA.py defaults --crop_height/--crop_width to 800 although their help
# says 600: the paper's 600 is used (docs/cyclefeat.md). No flipping.
crop_size = (600, 600)  # (h, w)
adapt_batch_size = 1

# Source pre-training stage: 90k steps with batch 5 (Sec. 4); official
# train_S.py crops 800x800 (the paper gives no size).
pretrain_crop_size = (800, 800)
pretrain_batch_size = 5

# Official model_val: the 500 Cityscapes val images at their full 2048x1024
# (val_crop_size [1024, 2048]), logits upsampled to the image.
full_resolution_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
