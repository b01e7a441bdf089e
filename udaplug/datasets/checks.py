"""Consistency checks between datasets, pipelines and models, and the
errors they raise."""
from collections.abc import Mapping
from typing import Any, List, Sequence, Tuple


class LabelNotFoundError(FileNotFoundError):
    """An image of a labelled dataset has no (converted) label file."""


class DepthNotFoundError(FileNotFoundError):
    """A pipeline loads depth but the dataset has no depth for a sample."""


class DepthMapError(ValueError):
    """A depth map has the wrong shape, channels or values."""


class ClassMismatchError(ValueError):
    """Class names or class counts disagree (dataset, metainfo, model)."""


class SampleLoadError(RuntimeError):
    """Loading one sample failed (e.g. a corrupt or truncated file)."""


class MissingLabelsError(ValueError):
    """A model needs labels (e.g. target pseudo-labels) that its training
    pipeline does not load."""


def _collect_num_classes(obj: Any, path: str = '') -> List[Tuple[str, int]]:
    """All ``num_classes`` values in a (nested) config or model, with the
    place each one was found."""
    found = []
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            where = f'{path}.{key}' if path else str(key)
            if key == 'num_classes' and isinstance(value, int):
                found.append((where, value))
            else:
                found += _collect_num_classes(value, where)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            found += _collect_num_classes(value, f'{path}[{i}]')
    elif hasattr(obj, 'named_modules'):  # a torch module
        for name, module in obj.named_modules():
            value = getattr(module, 'num_classes', None)
            if isinstance(value, int):
                found.append(
                    (f'{path or "model"}.{name}'.rstrip('.') + '.num_classes',
                     value))
    return found


def check_num_classes(model_cfg_or_num: Any,
                      dataset_meta: Mapping,
                      what: str = 'model') -> int:
    """Check that a model predicts as many classes as a dataset has.

    Args:
        model_cfg_or_num (int | dict | nn.Module): A class count, a model
            config (every ``num_classes`` found in it, at any depth, is
            checked) or a built model (the ``num_classes`` attribute of every
            sub-module is checked).
        dataset_meta (dict): The dataset's metainfo, with ``classes``.
        what (str): What ``model_cfg_or_num`` is, for the message.

    Returns:
        int: The number of classes.

    Raises:
        ClassMismatchError: If a ``num_classes`` differs from
            ``len(dataset_meta['classes'])``.
    """
    classes = tuple(dataset_meta.get('classes') or ())
    if not classes:
        raise ClassMismatchError('the dataset metainfo has no "classes"')
    if isinstance(model_cfg_or_num, int):
        found = [('num_classes', model_cfg_or_num)]
    else:
        found = _collect_num_classes(model_cfg_or_num)
    wrong = [(where, n) for where, n in found if n != len(classes)]
    if wrong:
        places = ', '.join(f'{where}={n}' for where, n in wrong)
        raise ClassMismatchError(
            f'The {what} has {places}, but the dataset has {len(classes)} '
            f'classes {classes}. Set num_classes={len(classes)} in the model '
            'config, or give the dataset the classes the model was built '
            'for (metainfo=dict(classes=...)).')
    return len(classes)


def check_same_classes(first: Mapping, second: Mapping, first_name: str,
                       second_name: str) -> None:
    """Raise :class:`ClassMismatchError` unless two metainfos have the same
    classes in the same order."""
    a = tuple(first.get('classes') or ())
    b = tuple(second.get('classes') or ())
    if a != b:
        raise ClassMismatchError(
            f'{first_name} and {second_name} have different classes:\n'
            f'  {first_name} ({len(a)}): {a}\n'
            f'  {second_name} ({len(b)}): {b}\n'
            'Give both datasets the same metainfo=dict(classes=...) (e.g. '
            'SYNTHIA_CLASSES for SYNTHIA -> Cityscapes); mmseg maps a '
            "dataset's labels to a subset of its classes.")


def pipeline_has(pipeline: Any, transform: type) -> bool:
    """Whether a pipeline (a :class:`mmengine.dataset.Compose` or a list of
    transforms / transform configs) contains a ``transform`` or a subclass
    of it. Config types are looked up in udaplug's ``TRANSFORMS`` registry
    (and mmseg's, its parent), so ``'LoadAnnotations'``,
    ``'mmseg.LoadAnnotations'`` and registered subclasses all count."""
    from udaplug.registry import TRANSFORMS
    transforms: Sequence = getattr(pipeline, 'transforms', pipeline) or []
    for t in transforms:
        kind = t.get('type') if isinstance(t, Mapping) else type(t)
        if isinstance(kind, str):
            kind = TRANSFORMS.get(kind)
        if isinstance(kind, type) and issubclass(kind, transform):
            return True
    return False


def pipeline_loads_depth(pipeline: Any) -> bool:
    """Whether a pipeline (see :func:`pipeline_has`) contains a
    depth-loading transform (:class:`LoadDepthFromFile`)."""
    from udaplug.datasets.transforms.loading import LoadDepthFromFile
    return pipeline_has(pipeline, LoadDepthFromFile)


def pipeline_loads_labels(pipeline: Any) -> bool:
    """Whether a pipeline (see :func:`pipeline_has`) loads segmentation
    labels (mmseg's ``LoadAnnotations`` or a subclass)."""
    from mmseg.datasets.transforms import LoadAnnotations
    return pipeline_has(pipeline, LoadAnnotations)


def check_depth_available(dataset: Any, name: str = None) -> None:
    """Raise :class:`DepthNotFoundError` if ``dataset``'s pipeline loads
    depth but its samples have no ``depth_map_path``."""
    if not pipeline_loads_depth(getattr(dataset, 'pipeline', None)):
        return
    name = name or type(dataset).__name__
    if len(dataset) == 0:
        return
    info = dataset.get_data_info(0)
    if 'depth_map_path' in info:
        return
    has_depth = getattr(dataset, 'HAS_DEPTH', None)
    if has_depth is False:
        hint = (f'{name} has no depth maps; remove LoadDepthFromFile from '
                'its pipeline or use a dataset with depth (SynthiaDataset, '
                'VKittiDataset).')
    else:
        hint = ("set data_prefix['depth_path'] to the dataset's depth "
                "folder (e.g. 'Depth/Depth' for SYNTHIA, "
                "'vkitti_1.3.1_depthgt' for Virtual KITTI).")
    raise DepthNotFoundError(
        f'{name}: the pipeline contains LoadDepthFromFile, but the samples '
        f"have no 'depth_map_path' (first sample: {info.get('img_path')}); " +
        hint)
