# Musto & Zinelli, "Semantically Adaptive Image-to-image Translation for
# Domain Adaptation of Semantic Segmentation" (BMVC 2020):
# GTA5 -> Cityscapes, FCN-8s VGG-16: Table 1 "Ours" F, 46.5 mIoU
# (19 classes).
# Not trained at full scale here.
#
#   python tools/train.py configs/sai2i_gta_fcn8s.py
#   tools/dist_train.sh configs/sai2i_gta_fcn8s.py 8
#
# The pipeline of configs/sai2i_gta_deeplabv2.py (rounds of translation,
# translate, pseudo-labels, segmentation; see that file and docs/sai2i.md)
# with this setting's stage configs, configs/sai2i/gta_fcn8s_*.py.
#
# M0, the first round's M (Sec. 4: "We initialize the segmentation networks
# from [BDL]"): BDL's released GTA5_VGG model
# (github.com/liyunsheng13/BDL, README), converted once:
#   python tools/convert_models/fcn8s.py GTA5_VGG.pth \
#       checkpoints/sai2i_gta_fcn8s_init.pth
_base_ = ['./sai2i_gta_deeplabv2.py']


def _renamed(node):
    """``node`` with the GTA5/DeepLab-v2 file names made this setting's."""
    if isinstance(node, dict):
        return {k: _renamed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v) for v in node]
    if isinstance(node, str):
        return node.replace('gta_deeplabv2', 'gta_fcn8s')
    return node


stages = _renamed(_base_.stages)
