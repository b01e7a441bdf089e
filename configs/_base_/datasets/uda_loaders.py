# The dataloaders and the metric that the UDA dataset configs here share;
# a config inheriting this file adds the datasets, their pipelines and the
# training batch size. Training draws (source, random target) pairs from an
# endless shuffled stream; validation and test go through the target's
# labelled split in order.
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UDADataset', target_sampling='random'))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
# mIoU over all classes of the dataset, plus IoU per class.
val_evaluator = dict(type='SubsetIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
