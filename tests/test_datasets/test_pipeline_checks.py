"""Which transforms a pipeline holds, as the pre-training checks ask it
(depth for GIO-Ada, target labels for pseudo-label training)."""
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose
from mmseg.datasets.transforms import LoadAnnotations

from udaplug.datasets.checks import (pipeline_has, pipeline_loads_depth,
                                     pipeline_loads_labels)
from udaplug.registry import TRANSFORMS


@TRANSFORMS.register_module(force=True)
class _LoadLabelsSubclassForTest(LoadAnnotations):
    pass


@TRANSFORMS.register_module(force=True)
class _NotALoaderForTest(BaseTransform):

    def transform(self, results):
        return results


def test_pipeline_has_configs_instances_scopes_and_subclasses():
    base = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]
    assert not pipeline_loads_labels(base)
    assert not pipeline_loads_labels(None)
    assert not pipeline_loads_labels([])
    for labels in ('LoadAnnotations', 'mmseg.LoadAnnotations',
                   '_LoadLabelsSubclassForTest', LoadAnnotations):
        pipeline = base[:1] + [dict(type=labels)] + base[1:]
        assert pipeline_loads_labels(pipeline), labels
    # built pipelines (Compose) and transform instances
    assert pipeline_loads_labels(Compose([LoadAnnotations()]))
    assert pipeline_loads_labels([_LoadLabelsSubclassForTest()])
    # a transform whose name merely resembles, or an unknown type, is not
    # a label loader
    assert not pipeline_loads_labels([dict(type='_NotALoaderForTest')])
    assert not pipeline_loads_labels([dict(type='LoadAnnotationsTypo')])
    assert not pipeline_has([dict(type='LoadAnnotations')], _NotALoaderForTest)


def test_pipeline_loads_depth():
    assert pipeline_loads_depth(
        [dict(type='LoadImageFromFile'),
         dict(type='LoadDepthFromFile')])
    assert pipeline_loads_depth([dict(type='udaplug.LoadDepthFromFile')])
    assert not pipeline_loads_depth([dict(type='LoadAnnotations')])
