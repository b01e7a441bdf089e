# Source-only baseline on the embedded demo pair: the network of
# configs/demo/adaptsegnet_demo.py trained on the GTA5-style synthetic source
# alone, same initialisation, optimiser and schedule, evaluated (mIoU) on the
# Cityscapes-style "real" target val split.
#
#   python tools/make_demo_data.py            # writes data/demo (seconds)
#   python tools/train.py configs/demo/source_only_demo.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/adaptsegnet_deeplabv2_r18.py',
    '../_base_/datasets/demo_gta5.py',
    '../_base_/schedules/demo_sgd_poly.py',
]
model = dict(
    _delete_=True,
    _scope_='udaplug',  # see ../_base_/default_runtime.py
    type='SourceOnly',
    data_preprocessor=_base_.data_preprocessor,
    segmentor=_base_.model.segmentor)
# the source batch of configs/demo/adaptsegnet_demo.py, for a fair comparison
train_dataloader = dict(batch_size=4)
