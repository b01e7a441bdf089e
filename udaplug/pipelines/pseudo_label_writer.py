"""Write pseudo-labels for a target training set with a trained model.

Used by ``tools/pseudo_label.py`` and the pipelines' ``PseudoLabelStage``.

The model's prediction network (``model.test_step``, i.e. ``predict`` mode:
the network udaplug models predict with, e.g. a mean teacher) gives each
target image's logits at the image's original size; their softmax is
thresholded (:mod:`udaplug.models.uda.pseudo_labels`) and written as label
files that the target dataset reads like its own labels.

Threshold settings (``threshold=``):

* ``None``: every pixel gets its arg-max class;
* a number, e.g. ``0.9`` (Musto & Zinelli, Eq. 9): keep pixels whose
  largest probability reaches it;
* a list of one number per class: class-wise thresholds;
* ``'classwise'``: BDL's class-wise thresholds (``liyunsheng13/BDL``,
  ``SSL.py``): per class, the median confidence of the pixels predicted as
  that class over the whole target set, capped at 0.9 (``quantile`` and
  ``cap`` change both); computed from per-class histograms with ``bins``
  bins (precision ``1 / bins``, see :class:`~udaplug.models.uda.
  pseudo_labels.ClassThresholdHistogram`), which costs a first prediction
  pass over the set.

Output layout (``<stem>``: the image path relative to the dataset's image
folder without the image suffix, sub-folders kept)::

    OUT/labels/<stem>_pseudo_labelTrainIds.png   8-bit labels, 255 = ignore
    OUT/pseudo_labelled_target.py                 dataset config (below)
    OUT/pseudo_label_info.json                    what was written, from what

Labels are written in the target dataset's own *label-file* space: when its
metainfo selects a subset of the classes the files hold (SYNTHIA's 16 of
Cityscapes' 19), the model's class ``i`` is written as the file value that
the dataset's ``label_map`` turns into ``i``, so the dataset reads them back
like its real labels (``reduce_zero_label`` is undone too). Each label has
its image's original size.

``pseudo_labelled_target.py`` holds ``pseudo_labelled_target = dict(...)``:
the target dataset config (same type, images, metainfo) with
``data_prefix['seg_map_path'] = OUT/labels``, ``seg_map_suffix=
'_pseudo_labelTrainIds.png'`` and its training pipeline with
``LoadAnnotations`` added after the loading transforms (so flips, crops and
resizes move the labels with the image). In a paired ``UDADataset`` set
``allow_target_labels=True``; or mix it into the source set (e.g. a
``ConcatDataset``).

``pseudo_label_info.json``: status (``incomplete`` until the end), the
model, checkpoint and dataset, the classes and the label-file classes, the
threshold settings and the thresholds used, the number of images, each
image's size, and the kept pixels per class. Training checks a
pseudo-labelled dataset against it before it starts
(:func:`udaplug.pipelines.checks.check_pseudo_label_dataset`).

Under ``torchrun`` every process predicts its share of the images (every
world-size-th); class-wise thresholds come from the histograms of all
processes summed; the main process writes the dataset config and the info
file.
"""
import os.path as osp
import time
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info, is_main_process
from mmengine.logging import print_log

from udaplug.models.uda.pseudo_labels import (BDL_CAP, BDL_QUANTILE,
                                              DEFAULT_BINS, IGNORE_INDEX,
                                              ClassThresholdHistogram,
                                              as_threshold,
                                              confidence_pseudo_labels)
from udaplug.registry import DATASETS
from .offline import (build_dataset, deterministic_pipeline, gather_lists,
                      image_stem, load_model, on_main_process, plain, progress,
                      rank_indices, read_json, resolve_device, sample_batches,
                      type_name, write_dataset_config, write_json, write_png)

PSEUDO_LABEL_INFO = 'pseudo_label_info.json'
PSEUDO_LABEL_SUFFIX = '_pseudo_labelTrainIds.png'
PSEUDO_LABEL_DIR = 'labels'
PSEUDO_LABEL_DATASET_FILE = 'pseudo_labelled_target.py'
INFO_FORMAT = 'udaplug pseudo-labels 1'
CLASSWISE = 'classwise'
#: Transforms kept to predict on target images.
PREDICT_TRANSFORMS = ('LoadImageFromFile', 'Resize', 'PackSegInputs')
#: Loading transforms after which LoadAnnotations goes.
_LOADERS = ('LoadImageFromFile', 'LoadDepthFromFile')

ThresholdSpec = Union[None, float, str, Sequence[float]]


def target_dataset_cfg(cfg, what: str = 'the config') -> dict:
    """The (unlabelled) target training set of a UDA training config."""
    dataset = plain(cfg.train_dataloader.dataset)
    if type_name(dataset) != 'UDADataset':
        raise ValueError(
            f'pseudo-labels: {what} trains on a {type_name(dataset)}, not a '
            'UDADataset, so it names no target set: give the target dataset '
            'config (PseudoLabelStage: dataset=dict(...) or the path of a '
            'UDA config; tools/pseudo_label.py: --target-config)')
    return dataset['target']


def parse_threshold(threshold: ThresholdSpec,
                    quantile: float = BDL_QUANTILE,
                    cap: Optional[float] = BDL_CAP,
                    bins: int = DEFAULT_BINS) -> dict:
    """The threshold settings as written to the info file."""
    if isinstance(threshold, str):
        text = threshold.strip().lower()
        if text in ('', 'none'):
            threshold = None
        elif text == CLASSWISE:
            return dict(
                mode=CLASSWISE, quantile=quantile, cap=cap, bins=int(bins))
        else:
            try:
                values = [float(v) for v in text.split(',')]
            except ValueError:
                raise ValueError(
                    f'pseudo-label threshold "{threshold}": expected a '
                    'number (e.g. 0.9), one number per class separated by '
                    f'commas, "{CLASSWISE}" (BDL) or "none"') from None
            threshold = values[0] if len(values) == 1 else values
    if threshold is None:
        return dict(mode='none')
    if isinstance(threshold, (int, float)):
        as_threshold(float(threshold), 1)
        return dict(mode='fixed', value=float(threshold))
    values = [float(v) for v in threshold]
    as_threshold(values, len(values))
    return dict(mode='per_class', values=values)


def file_space_lut(dataset) -> tuple:
    """``(lut, file_classes)``: ``lut[i]`` is the label-file value of the
    dataset's class ``i`` (255 -> 255), undoing its ``label_map`` (metainfo
    class selection) and ``reduce_zero_label``; ``file_classes`` are the
    classes of the label files."""
    meta = dataset.metainfo
    classes = list(meta['classes'])
    label_map = meta.get('label_map') or None
    file_classes = list(
        getattr(type(dataset), 'METAINFO', {}).get('classes') or classes)
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    if label_map:
        for old, new in label_map.items():
            if new != IGNORE_INDEX:
                lut[new] = old
    else:
        lut[:len(classes)] = np.arange(len(classes))
    if meta.get('reduce_zero_label', False):
        # LoadAnnotations: 0 -> 255, v -> v - 1 (255 stays 255)
        lut[:len(classes)] += 1
    return lut, file_classes


def allowed_file_values(dataset) -> np.ndarray:
    """The label-file values that the dataset reads as one of its classes,
    plus 255."""
    lut, _ = file_space_lut(dataset)
    n = len(dataset.metainfo['classes'])
    return np.unique(np.append(lut[:n], IGNORE_INDEX))


def pseudo_labelled_dataset_cfg(target_cfg: dict, out: str) -> dict:
    """The target dataset config reading the pseudo-labels in ``out``."""
    dataset = plain(target_cfg)
    prefix = dict(dataset.get('data_prefix') or {})
    if 'img_path' not in prefix:
        cls = DATASETS.get(dataset['type'])
        default = _default_arg(cls, 'data_prefix') or {}
        if 'img_path' in default:
            prefix['img_path'] = default['img_path']
    prefix['seg_map_path'] = osp.abspath(osp.join(out, PSEUDO_LABEL_DIR))
    dataset['data_prefix'] = prefix
    dataset['seg_map_suffix'] = PSEUDO_LABEL_SUFFIX
    pipeline = [plain(t) for t in dataset.get('pipeline', [])]
    if not any(type_name(t) == 'LoadAnnotations' for t in pipeline):
        at = 0
        for i, t in enumerate(pipeline):
            if type_name(t) in _LOADERS:
                at = i + 1
        pipeline.insert(at, dict(type='LoadAnnotations'))
    dataset['pipeline'] = pipeline
    return dataset


def _default_arg(cls, name: str):
    import inspect
    for klass in getattr(cls, '__mro__', ()):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        param = inspect.signature(init).parameters.get(name)
        if param is not None and param.default is not param.empty:
            return param.default
    return None


def model_num_classes(model) -> Optional[int]:
    """The number of classes a udaplug UDA model
    (``BaseUDASegmentor.num_classes``) or an mmseg encoder-decoder (its
    decode head's) predicts; None for other models."""
    from mmseg.models.segmentors import EncoderDecoder

    from udaplug.models.uda import BaseUDASegmentor
    if isinstance(model, BaseUDASegmentor):
        return model.num_classes
    if isinstance(model, EncoderDecoder):
        return model.decode_head.num_classes
    return None


def predict_probs(model, batch) -> list:
    """Softmax probabilities (C, H, W) of each sample of a collated batch,
    at the images' original size (``predict`` mode)."""
    with torch.no_grad():
        results = model.test_step(batch)
    return [torch.softmax(r.seg_logits.data.float(), dim=0) for r in results]


def write_pseudo_labels(cfg,
                        checkpoint: str,
                        out: str,
                        dataset: Optional[dict] = None,
                        threshold: ThresholdSpec = None,
                        quantile: float = BDL_QUANTILE,
                        cap: Optional[float] = BDL_CAP,
                        bins: int = DEFAULT_BINS,
                        batch_size: int = 1,
                        num_workers: int = 0,
                        device: Optional[str] = None,
                        command: Optional[str] = None,
                        quiet: bool = False) -> dict:
    """Predict every image of the target training set with ``cfg``'s model
    (weights from ``checkpoint``) and write pseudo-labels to ``out``
    (layout and threshold settings in the module docstring).

    Args:
        cfg (Config): Config of the model (a training config).
        checkpoint (str): The model's checkpoint.
        out (str): Output folder.
        dataset (dict, optional): The target dataset config; defaults to
            the target set of ``cfg``'s ``UDADataset``.
        threshold: See the module docstring.
        quantile (float): ``'classwise'``: the order statistic (BDL: 0.5).
        cap (float, optional): ``'classwise'``: the cap (BDL: 0.9).
        bins (int): ``'classwise'``: histogram bins.
        batch_size (int): Images per forward pass.
        num_workers (int): Data-loading worker processes.
        device (str, optional): Defaults to the current CUDA device, or CPU.
        command (str, optional): The command that writes ``out`` (for the
            info file).
        quiet (bool): No progress bar.

    Returns:
        dict: The contents of ``pseudo_label_info.json``.
    """
    settings = parse_threshold(threshold, quantile, cap, bins)
    device = resolve_device(device)
    target_cfg = plain(dataset) if dataset is not None else \
        target_dataset_cfg(cfg)
    read_cfg = dict(
        target_cfg,
        pipeline=deterministic_pipeline(
            target_cfg['pipeline'],
            keep=PREDICT_TRANSFORMS,
            log=None if quiet else print_log,
            what='pseudo-labels: '))
    data = build_dataset(read_cfg)
    classes = list(data.metainfo['classes'])

    def check(model):
        n = model_num_classes(model)
        if n is not None and n != len(classes):
            raise ValueError(
                f'pseudo-labels: the model predicts {n} classes but the '
                f'target dataset {type(data).__name__} '
                f'({target_cfg.get("data_root")}) has {len(classes)} '
                f'classes {tuple(classes)}; give the dataset the model\'s '
                'classes (metainfo=dict(classes=...))')

    model = load_model(cfg, checkpoint, device, check=check)
    lut, file_classes = file_space_lut(data)
    total = len(data)
    stems = [
        image_stem(data,
                   data.get_data_info(i)['img_path']) for i in range(total)
    ]
    info = dict(
        format=INFO_FORMAT,
        status='incomplete',
        config=getattr(cfg, 'filename', None),
        checkpoint=osp.abspath(checkpoint),
        model=type(model).__name__,
        command=command,
        dataset=dict(
            type=target_cfg.get('type'),
            data_root=target_cfg.get('data_root'),
            data_prefix=target_cfg.get('data_prefix'),
            ann_file=target_cfg.get('ann_file')),
        classes=classes,
        num_classes=len(classes),
        file_classes=file_classes,
        file_values=[int(v) for v in lut[:len(classes)]],
        labels=f'{PSEUDO_LABEL_DIR}/<stem>{PSEUDO_LABEL_SUFFIX}',
        threshold=settings,
        num_images=total,
        started=time.strftime('%Y-%m-%d %H:%M:%S'))
    info_path = osp.join(out, PSEUDO_LABEL_INFO)
    on_main_process(write_json, info_path, info)

    indices = rank_indices(total)

    def batches():
        return sample_batches(data, indices, batch_size, num_workers)

    thresholds = None
    if settings['mode'] == 'fixed':
        thresholds = settings['value']
    elif settings['mode'] == 'per_class':
        thresholds = as_threshold(settings['values'], len(classes))
    elif settings['mode'] == CLASSWISE:
        hist = ClassThresholdHistogram(len(classes), bins, quantile, cap)
        bar = progress(len(indices), quiet)
        for _, batch in batches():
            for probs in predict_probs(model, batch):
                hist.update(probs.to(device))
                bar.update()
        if not quiet and is_main_process():
            print()
        hist.all_reduce()
        thresholds = hist.thresholds()
        settings = dict(
            settings,
            values=[round(float(t), 8) for t in thresholds],
            pixels_per_class=[int(n) for n in hist.pixels_per_class])
        if not quiet:
            print_log(
                'pseudo-labels: class-wise thresholds ' +
                ', '.join(f'{c}={float(t):.4f}'
                          for c, t in zip(classes, thresholds)),
                logger='current')

    records = []
    kept = np.zeros(len(classes), dtype=np.int64)
    ignored = 0
    bar = progress(len(indices), quiet)
    for batch_indices, batch in batches():
        for idx, probs in zip(batch_indices, predict_probs(model, batch)):
            labels = confidence_pseudo_labels(probs[None], thresholds)[0]
            labels = labels.cpu().numpy()
            counts = np.bincount(
                np.where(labels == IGNORE_INDEX, len(classes), labels).ravel(),
                minlength=len(classes) + 1)
            kept += counts[:len(classes)]
            ignored += int(counts[len(classes)])
            write_png(
                osp.join(out, PSEUDO_LABEL_DIR,
                         stems[idx] + PSEUDO_LABEL_SUFFIX),
                lut[labels.astype(np.int64)])
            records.append((stems[idx], list(labels.shape)))
            bar.update()
    if not quiet and is_main_process():
        print()
    records = gather_lists(records)
    kept_all = gather_lists([kept.tolist()])
    ignored_all = sum(gather_lists([ignored]))
    barrier()
    class_pixels = np.sum(np.array(kept_all, dtype=np.int64), axis=0)
    dataset_cfg = pseudo_labelled_dataset_cfg(target_cfg, out)
    order = {stem: i for i, stem in enumerate(stems)}
    sizes = dict(sorted(records, key=lambda r: order[r[0]]))

    def finish():
        write_dataset_config(
            osp.join(out, PSEUDO_LABEL_DATASET_FILE), 'pseudo_labelled_target',
            dataset_cfg, 'Target dataset config reading the pseudo-labels of '
            f'{type(model).__name__}\n(checkpoint: {osp.abspath(checkpoint)}).'
        )
        total_pixels = int(class_pixels.sum()) + ignored_all
        write_json(
            info_path,
            dict(
                info,
                status='complete',
                threshold=settings,
                class_pixels=[int(n) for n in class_pixels],
                ignored_pixels=ignored_all,
                kept_fraction=(float(class_pixels.sum()) /
                               total_pixels if total_pixels else 0.0),
                images=sizes,
                finished=time.strftime('%Y-%m-%d %H:%M:%S'),
                world_size=get_dist_info()[1]))

    on_main_process(finish)
    return read_json(info_path)
