# Source-only training on SYNTHIA (16 classes), evaluated on Cityscapes val
# (mIoU16 and mIoU13): the data of uda_synthia_to_cityscapes.py without the
# target training set.
_base_ = ['./uda_synthia_to_cityscapes.py']
train_dataloader = dict(
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
