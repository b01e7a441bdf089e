# Musto & Zinelli (BMVC 2020), GTA5 -> Cityscapes, DeepLab-v2 ResNet-101: the
# segmentation stage (Sec. 3.4) of one round of configs/sai2i_gta_deeplabv2.py
# (Table 1 "Ours" D: 50.4 mIoU). The pipeline replaces the source with the
# translated set, the target with the pseudo-labelled one and the initial
# weights with the previous M. Alone it trains on the original source images
# with the target's pseudo-labels in `train_dataloader.dataset.target` (set
# them yourself).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sai2i_deeplabv2_r101.py',
    '../_base_/datasets/sai2i_gta5_to_cityscapes.py',
    '../_base_/schedules/sai2i_bdl_sgd_poly.py',
]

# M's initial weights (Sec. 4: "We initialize the segmentation networks from
# [BDL]"): BDL's released GTA5_deeplab model (github.com/liyunsheng13/BDL
# README), converted with tools/convert_models/adaptsegnet.py; in the pipeline,
# the previous round's M.
model = dict(
    segmentor=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/sai2i_gta_deeplabv2_init.pth',
            prefix='segmentor.')))
# The target set carries (pseudo-)labels.
train_dataloader = dict(dataset=dict(allow_target_labels=True))
