# One round of self-training on the embedded demo pair: the network, its
# initialisation and optimiser of configs/demo/source_only_demo.py, trained
# on the labelled GTA5-style source plus the pseudo-labelled Cityscapes-style
# target training set (one shuffled ConcatDataset, batches of 4).
#
# A stage of configs/demo/self_training_demo.py, which hands it the
# pseudo-labels (and the checkpoint to start from); on its own it reads the
# pseudo-labels written by
#   python tools/pseudo_label.py configs/demo/source_only_demo.py CKPT \
#       --out work_dirs/pseudo_labels_demo --threshold classwise \
#       --target-config configs/_base_/datasets/uda_demo_gta5_to_cityscapes.py
_base_ = ['./source_only_demo.py']

# The target training images with the pseudo-labels of
# udaplug.pipelines.pseudo_label_writer (paths from the working directory).
pseudo_labelled_target = dict(
    type='CityscapesDataset',
    data_root=None,
    data_prefix=dict(
        img_path=_base_.target_data_root + '/leftImg8bit/train',
        seg_map_path='work_dirs/pseudo_labels_demo/labels'),
    seg_map_suffix='_pseudo_labelTrainIds.png',
    prepare_hint='python tools/pseudo_label.py (see the top of '
    'configs/demo/self_training_round_demo.py)',
    pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        *_base_.target_pipeline[1:],
    ])
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[_base_.train_dataloader.dataset, pseudo_labelled_target]))
