# Musto & Zinelli (BMVC 2020), SYNTHIA -> Cityscapes, DeepLab-v2 ResNet-101:
# the segmentation stage (Sec. 3.4) of one round of
# configs/sai2i_synthia_deeplabv2.py (Table 2 "Ours" D: 55.1 mIoU13). The
# pipeline replaces the source with the translated set, the target with the
# pseudo-labelled one and the initial weights with the previous M. Alone it
# trains on the original source images with the target's pseudo-labels in
# `train_dataloader.dataset.target` (set them yourself).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r101.py',
    '../_base_/datasets/sai2i_synthia_to_cityscapes.py',
    '../_base_/schedules/sai2i_bdl_sgd_poly.py',
]
num_classes = 16  # SYNTHIA -> Cityscapes: 16 classes
# M's initial weights (Sec. 4: "We initialize the segmentation networks from
# [BDL]"): BDL's released SYNTHIA_deeplab model (github.com/liyunsheng13/BDL
# README), converted with tools/convert_models/adaptsegnet.py and cut to the 16
# classes with tools/convert_models/select_classes.py --subset synthia16; in
# the pipeline, the previous round's M.
model = dict(
    segmentor=dict(
        decode_head=dict(num_classes=num_classes),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/sai2i_synthia_deeplabv2_init.pth',
            prefix='segmentor.')),
    discriminators=dict(disc_out=dict(in_channels=num_classes)))
# The target set carries (pseudo-)labels.
train_dataloader = dict(dataset=dict(allow_target_labels=True))
