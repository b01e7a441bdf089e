# Source-only training on Virtual KITTI (10 classes, with depth), evaluated
# on the 200 KITTI training images: the data of uda_vkitti_to_kitti.py
# without the target training set.
_base_ = ['./uda_vkitti_to_kitti.py']
train_dataloader = dict(
    dataset=dict(_base_.train_dataloader.dataset.source, _delete_=True))
