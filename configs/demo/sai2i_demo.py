# Musto & Zinelli (BMVC 2020) on the embedded demo pair (GTA5-style source
# -> Cityscapes-style target, 19 classes), a pipeline like
# configs/sai2i_gta_deeplabv2.py, shrunk to run on a CPU:
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   OMP_NUM_THREADS=1 python tools/train.py configs/demo/sai2i_demo.py
#
# Stages (work dirs under work_dirs/sai2i_demo/):
#   adapted: M0, the demo segmentor adapted by output-space adversarial
#      training (sai2i_demo_adapted.py, 600 iterations), the stand-in for
#      the adapted model of BDL the paper starts from (Sec. 4), which has
#      no demo counterpart;
#   then the first round of configs/sai2i_gta_deeplabv2.py, with the
#      demo's stage configs: translation_1 (sai2i_demo_translation.py, 600
#      iterations, M0 frozen) -> translate_1 (the 200 source images,
#      128x64) -> pseudo_labels_1 (M0, threshold 0.9) -> segmentation_1
#      (sai2i_demo_segmentation.py, 300 iterations from M0).
# What is shrunk: images (128x64, crops 64x64 for the translation),
# network widths (half-width ResNet-18 DeepLab-v2, narrow translation
# networks), schedules, and one round instead of two (the paper repeats
# the rounds while M improves; configs/sai2i_gta_deeplabv2.py runs two;
# the rounds' hand-over is tested in tests/test_pipelines/
# test_sai2i_pipeline.py). See the stage configs.
_base_ = ['../sai2i_gta_deeplabv2.py']


def _renamed(node):
    """``node`` with the GTA5/DeepLab-v2 stages' files made the demo's (M0
    the adapted stage's checkpoint, labelling the target with its own
    config)."""
    if isinstance(node, dict):
        return {k: _renamed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v) for v in node]
    if isinstance(node, str):
        return node.replace('checkpoints/sai2i_gta_deeplabv2_init.pth',
                            '@adapted.checkpoint').replace(
                                'sai2i/gta_deeplabv2_source_only.py',
                                'sai2i_demo_adapted.py').replace(
                                    'sai2i/gta_deeplabv2_', 'sai2i_demo_')
    return node


# both rounds of configs/sai2i_gta_deeplabv2.py with the demo's stage
# configs (the end-to-end test runs them)
_two_rounds = [
    dict(type='TrainStage', name='adapted', config='sai2i_demo_adapted.py'),
    *_renamed(_base_.stages),
]
# the demo: M0 and round 1 (the base's first four stages)
stages = _two_rounds[:5]
