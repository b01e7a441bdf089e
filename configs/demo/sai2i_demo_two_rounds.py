# configs/demo/sai2i_demo.py with the two rounds of
# configs/sai2i_gta_deeplabv2.py (round 2: a new translation network guided
# by round 1's M, the source translated again, pseudo-labels from round 1's
# M, segmentation from round 1's M). About twice the demo's CPU time; its
# control is sai2i_demo_control_two_rounds.py. Run it with the demo's work
# dir to reuse M0 and round 1:
#
#   OMP_NUM_THREADS=1 python tools/train.py \
#       configs/demo/sai2i_demo_two_rounds.py --work-dir work_dirs/sai2i_demo
_base_ = ['./sai2i_demo.py']
stages = _base_._two_rounds
