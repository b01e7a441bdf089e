"""Fixtures of the tool tests: an independent mIoU computation to check the
numbers the tools report against the predictions they write."""
import numpy as np
import pytest


@pytest.fixture(scope='session')
def miou_by_hand():
    """``miou_by_hand(pairs, num_classes)``: per-class IoU and mIoU (in %)
    of ``(prediction, label)`` train-id maps, accumulated over the pairs:
    label 255 is ignored, a class with an empty union is left out of the
    mean. Returns ``(miou, ious)``."""

    def miou_by_hand(pairs, num_classes: int):
        inter = np.zeros(num_classes)
        union = np.zeros(num_classes)
        for pred, label in pairs:
            pred, label = np.asarray(pred), np.asarray(label)
            assert pred.shape == label.shape, (pred.shape, label.shape)
            valid = label != 255
            for c in range(num_classes):
                p, g = (pred == c) & valid, (label == c) & valid
                inter[c] += (p & g).sum()
                union[c] += (p | g).sum()
        with np.errstate(invalid='ignore', divide='ignore'):
            ious = 100 * inter / union
        return float(np.nanmean(ious)), ious

    return miou_by_hand


@pytest.fixture(scope='session')
def decode_colours():
    """``decode_colours(rgb, palette)``: the train-id map of an RGB image
    coloured with ``palette`` (255 where a colour is not in it)."""

    def decode_colours(rgb, palette):
        rgb = np.asarray(rgb)
        ids = np.full(rgb.shape[:2], 255, np.uint8)
        colours = [tuple(c) for c in palette]
        assert len(set(colours)) == len(colours), 'palette colours repeat'
        for i, colour in enumerate(colours):
            ids[(rgb == np.array(colour, np.uint8)).all(-1)] = i
        return ids

    return decode_colours
