# Musto & Zinelli, "Semantically Adaptive Image-to-image Translation for
# Domain Adaptation of Semantic Segmentation" (BMVC 2020):
# SYNTHIA -> Cityscapes, FCN-8s VGG-16: Table 2 "Ours" F, 41.5 mIoU16.
# Not trained at full scale here.
#
#   python tools/train.py configs/sai2i_synthia_fcn8s.py
#   tools/dist_train.sh configs/sai2i_synthia_fcn8s.py 8
#
# The pipeline of configs/sai2i_gta_deeplabv2.py (rounds of translation,
# translate, pseudo-labels, segmentation; see that file and docs/sai2i.md)
# with this setting's stage configs, configs/sai2i/synthia_fcn8s_*.py.
#
# M0, the first round's M (Sec. 4: "We initialize the segmentation networks
# from [BDL]"): BDL's released SYNTHIA_VGG model
# (github.com/liyunsheng13/BDL, README), converted once (BDL predicts all
# 19 Cityscapes train ids; the SYNTHIA setting has 16):
#   python tools/convert_models/fcn8s.py SYNTHIA_VGG.pth s19.pth
#   python tools/convert_models/select_classes.py s19.pth \
#       checkpoints/sai2i_synthia_fcn8s_init.pth --subset synthia16
_base_ = ['./sai2i_gta_deeplabv2.py']


def _renamed(node):
    """``node`` with the GTA5/DeepLab-v2 file names made this setting's."""
    if isinstance(node, dict):
        return {k: _renamed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v) for v in node]
    if isinstance(node, str):
        return node.replace('gta_deeplabv2', 'synthia_fcn8s')
    return node


stages = _renamed(_base_.stages)
