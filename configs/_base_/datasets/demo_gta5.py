# The embedded demo pair (tools/make_demo_data.py, default data/demo):
# source-only training on the GTA5-style synthetic source, evaluated on the
# Cityscapes-style "real" target val split (19 classes): the data of
# uda_demo_gta5_to_cityscapes.py without the target training set.
_base_ = ['./uda_demo_gta5_to_cityscapes.py']
train_batch_size = 8
train_dataloader = dict(
    batch_size=train_batch_size,
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
