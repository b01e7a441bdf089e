# Source-only training on GTA5, evaluated on Cityscapes val: the data of
# uda_gta5_to_cityscapes.py without the target training set.
_base_ = ['./uda_gta5_to_cityscapes.py']
train_dataloader = dict(
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
