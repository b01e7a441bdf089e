"""SubsetIoUMetric: per-class IoU, all-class and subset means, checks."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from udaplug.datasets import ClassMismatchError
from udaplug.datasets.label_sets import SYNTHIA13_CLASSES, SYNTHIA_CLASSES
from udaplug.evaluation import SubsetIoUMetric
from udaplug.registry import METRICS

CLASSES = ('road', 'sidewalk', 'building', 'wall')


def sample(pred, label, num_classes=len(CLASSES)):
    s = SegDataSample()
    s.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    s.gt_sem_seg = PixelData(data=torch.as_tensor(label)[None])
    s.seg_logits = PixelData(
        data=torch.zeros((num_classes, ) + tuple(np.shape(pred))))
    return s.to_dict()


def evaluate(metric, pairs):
    for pred, label in pairs:
        metric.process({}, [sample(pred, label)])
    return metric.evaluate(len(pairs))


def test_per_class_subset_and_all_name():
    metric = METRICS.build(
        dict(
            type='SubsetIoUMetric',
            all_name='mIoU4',
            subsets=dict(mIoU2=['road', 'building'])))
    metric.dataset_meta = dict(classes=CLASSES)
    label = np.array([[0, 0, 1, 1], [2, 2, 3, 255]])
    pred = np.array([[0, 0, 1, 0], [2, 3, 3, 1]])
    res = evaluate(metric, [(pred, label)])
    # road: I=2, U=3; sidewalk: I=1, U=2; building: I=1, U=2; wall: I=1, U=2
    assert res['IoU.road'] == pytest.approx(66.67)
    assert res['IoU.sidewalk'] == pytest.approx(50.0)
    assert res['IoU.building'] == pytest.approx(50.0)
    assert res['IoU.wall'] == pytest.approx(50.0)
    assert res['mIoU'] == pytest.approx(54.17)
    assert res['mIoU4'] == res['mIoU']
    assert res['mIoU2'] == pytest.approx(58.33)
    assert res['aAcc'] == pytest.approx(100 * 5 / 7, abs=0.01)


def test_absent_classes_are_left_out_of_means():
    metric = SubsetIoUMetric(subsets=dict(rw=['road', 'wall']))
    metric.dataset_meta = dict(classes=CLASSES)
    label = np.array([[0, 0, 1, 1]])
    res = evaluate(metric, [(label.copy(), label)])
    assert res['mIoU'] == 100.0  # building and wall absent: NaN, skipped
    assert res['rw'] == 100.0
    assert np.isnan(res['IoU.wall'])


def test_synthia_16_and_13():
    metric = SubsetIoUMetric(
        all_name='mIoU16', subsets=dict(mIoU13=list(SYNTHIA13_CLASSES)))
    metric.dataset_meta = dict(classes=SYNTHIA_CLASSES)
    label = np.arange(16).reshape(2, 8)
    pred = label.copy()
    pred[label == SYNTHIA_CLASSES.index('wall')] = 0  # wall wrong
    for i in range(16):
        metric.process({}, [sample(pred, label, 16)])
    res = metric.evaluate(16)
    # road: I=1, U=2 -> 50; wall 0; the other 14 classes 100
    assert res['mIoU16'] == pytest.approx((50 + 0 + 14 * 100) / 16, abs=0.01)
    assert res['mIoU13'] == pytest.approx((50 + 12 * 100) / 13, abs=0.01)


def test_unknown_subset_class_is_refused():
    metric = SubsetIoUMetric(subsets=dict(mIoU13=['road', 'lorry']))
    with pytest.raises(ClassMismatchError, match='lorry'):
        metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match='empty'):
        SubsetIoUMetric(subsets=dict(none=[]))


def test_model_with_wrong_number_of_classes():
    metric = SubsetIoUMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    label = np.zeros((2, 2), np.int64)
    with pytest.raises(ClassMismatchError, match='seg_logits'):
        metric.process({}, [sample(label, label, num_classes=19)])


def test_binary_single_channel_output_is_accepted():
    metric = SubsetIoUMetric()
    metric.dataset_meta = dict(classes=('background', 'object'))
    label = np.array([[0, 1]])
    metric.process({}, [sample(label, label, num_classes=1)])
    assert metric.evaluate(1)['mIoU'] == 100.0
