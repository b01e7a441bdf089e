"""Write the source training set of an input-level UDA model (e.g.
GIO-Ada) translated into the target style, as a new dataset.

Used by ``tools/translate.py`` and the pipelines' ``TranslateStage``.

The source dataset is the config's ``train_dataloader.dataset.source`` (or
``train_dataloader.dataset`` when it is not a ``UDADataset``), read with its
training pipeline minus the random transforms (only LoadImageFromFile,
LoadDepthFromFile, LoadAnnotations, Resize and PackSegInputs are kept).

Output layout (GTA5-style; ``<stem>`` is the image path relative to the
source's image folder without its suffix, sub-folders kept)::

    OUT/images/<stem>.png                 translated image (8-bit RGB PNG)
    OUT/labels/<stem>_labelTrainIds.png   its label (8-bit), in the label
                                          space of the source dataset's own
                                          label files (before any metainfo
                                          class selection; with
                                          reduce_zero_label undone, so they
                                          read back as the source's),
                                          255 = ignore (0 for a source
                                          with reduce_zero_label)
    OUT/depth/<stem>_depth.png            its depth (16-bit), in the unit of
                                          the source depth files (only when
                                          the pipeline loads depth)
    OUT/translated_source.py              dataset config reading the above
    OUT/translate_info.json               what was written, from what

``translated_source.py`` holds ``translated_source = dict(...)``: the source
dataset config (same type, metainfo and training pipeline) with
``data_root=OUT``, ``data_prefix=dict(img_path='images',
seg_map_path='labels'[, depth_path='depth'])`` and the suffixes above.
Images, labels and depth keep the size the pipeline gives them (after
``Resize``, if any).

``translate_info.json`` is written first with ``"status": "incomplete"``
and the list of images to write, and marked ``"complete"`` at the end;
training on an unfinished or partly deleted translation stops with an error
naming the missing images (:func:`udaplug.pipelines.checks.
check_translated_dataset`).

Model interface: a udaplug model whose ``can_translate_source`` is true and
whose ``translate_source(inputs, data_samples)`` returns (N, 3, H, W) RGB in
[0, 1] for the data preprocessor's output of a batch of source samples
(with ``training=True``, so labels and depth are padded alike; the labels in
the model's class space, as in training).

Under ``torchrun`` every process translates its share of the images
(every world-size-th); the main process writes the dataset config and the
info file once all of them are done.
"""
import os.path as osp
import time
from typing import Optional

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info, is_main_process
from mmengine.logging import print_log

from udaplug.datasets.checks import pipeline_loads_labels
from udaplug.registry import DATASETS
from .offline import (build_dataset, deterministic_pipeline, file_value_lut,
                      image_stem, in_model_space, load_model, model_space_lut,
                      on_main_process, plain, progress, rank_indices,
                      read_json, resolve_device, sample_batches, type_name,
                      write_dataset_config, write_json, write_png)

TRANSLATE_INFO = 'translate_info.json'
TRANSLATED_DATASET_FILE = 'translated_source.py'
LABEL_SUFFIX = '_labelTrainIds.png'
DEPTH_SUFFIX = '_depth.png'
INFO_FORMAT = 'udaplug translated dataset 1'


def source_dataset_cfg(cfg, what: Optional[str] = None) -> dict:
    """The labelled source dataset of a training config (``what``: how
    errors name the config; default its file name)."""
    loader = cfg.get('train_dataloader') or {}
    if not loader.get('dataset'):
        raise ValueError(
            f'translate: {what or getattr(cfg, "filename", None)} has no '
            'train_dataloader.dataset to take the source set from')
    dataset = plain(loader['dataset'])
    if type_name(dataset) == 'UDADataset':
        dataset = dataset['source']
    if type_name(dataset) in ('ConcatDataset', 'RepeatDataset'):
        raise ValueError(
            f'translate: the source dataset is a {type_name(dataset)}; '
            'translate each dataset on its own')
    return dataset


def depth_to_file_unit(depth: np.ndarray, loader) -> np.ndarray:
    """Undo LoadDepthFromFile's scaling: the values of the 16-bit file."""
    if loader.normalize:
        lo, hi = loader.depth_range
        raw = depth * (hi - lo) + lo
    else:
        raw = depth / loader.scale
    return np.clip(np.round(raw), 0, 65535).astype(np.uint16)


def _depth_loader(dataset):
    from udaplug.datasets.transforms import LoadDepthFromFile
    for t in getattr(dataset.pipeline, 'transforms', []):
        if isinstance(t, LoadDepthFromFile):
            return t
    return None


def check_can_translate(model) -> None:
    """Raise ``TypeError`` unless ``model`` declares a source-to-target
    generator (:attr:`BaseUDASegmentor.can_translate_source`)."""
    from udaplug.models.uda import BaseUDASegmentor
    if not (isinstance(model, BaseUDASegmentor)
            and model.can_translate_source):
        raise TypeError(f'translate: this {type(model).__name__} model has no '
                        'source-to-target generator (a BaseUDASegmentor whose '
                        'can_translate_source is True and that implements '
                        'translate_source; GIOAda: input_level=True)')


def _accepts_prepare_hint(dataset_type: str) -> bool:
    from udaplug.datasets.base import CheckedDatasetMixin
    cls = DATASETS.get(dataset_type)
    return isinstance(cls, type) and issubclass(cls, CheckedDatasetMixin)


def translated_dataset_cfg(source_cfg: dict,
                           out: str,
                           with_depth: bool,
                           prepare_hint: Optional[str] = None) -> dict:
    """The source dataset config reading the translated copy in ``out``."""
    dataset = plain(source_cfg)
    prefix = dict(img_path='images', seg_map_path='labels')
    if with_depth:
        prefix['depth_path'] = 'depth'
        dataset['depth_suffix'] = DEPTH_SUFFIX
    dataset.update(
        data_root=osp.abspath(out),
        data_prefix=prefix,
        img_suffix='.png',
        seg_map_suffix=LABEL_SUFFIX)
    dataset.pop('ann_file', None)
    if prepare_hint and _accepts_prepare_hint(dataset.get('type')):
        dataset['prepare_hint'] = prepare_hint
    elif 'prepare_hint' in dataset:
        dataset.pop('prepare_hint')
    return dataset


def _write_sample(out: str, stem: str, rgb: torch.Tensor, data_sample,
                  depth_loader, to_file: np.ndarray) -> None:
    h, w = data_sample.metainfo['img_shape'][:2]
    image = rgb[:, :h, :w].permute(1, 2, 0).float().cpu().numpy() * 255
    write_png(
        osp.join(out, 'images', stem + '.png'),
        np.round(image).clip(0, 255).astype(np.uint8)[..., ::-1])
    label = data_sample.gt_sem_seg.data[0, :h, :w].cpu().numpy()
    write_png(
        osp.join(out, 'labels', stem + LABEL_SUFFIX),
        to_file[label.astype(np.uint8)])
    if depth_loader is not None:
        depth = data_sample.gt_depth_map.data[0, :h, :w].float().cpu().numpy()
        write_png(
            osp.join(out, 'depth', stem + DEPTH_SUFFIX),
            depth_to_file_unit(depth, depth_loader))


def translate_dataset(cfg,
                      checkpoint: str,
                      out: str,
                      max_images: Optional[int] = None,
                      device: Optional[str] = None,
                      source: Optional[dict] = None,
                      batch_size: int = 1,
                      num_workers: int = 0,
                      command: Optional[str] = None,
                      quiet: bool = False) -> dict:
    """Translate the source set of ``cfg``'s model (weights from
    ``checkpoint``) into ``out`` (layout in the module docstring).

    Args:
        cfg (Config): Training config of the model.
        checkpoint (str): Its checkpoint.
        out (str): Output folder.
        max_images (int, optional): Translate only the first N images.
        device (str, optional): Defaults to the current CUDA device, or CPU.
        source (dict, optional): The source dataset config; defaults to the
            config's training source.
        batch_size (int): Images per forward pass.
        num_workers (int): Data-loading worker processes.
        command (str, optional): The command that writes ``out``, shown when
            the folder is missing later.
        quiet (bool): No progress bar.

    Returns:
        dict: The contents of ``translate_info.json``.
    """
    device = resolve_device(device)
    model = load_model(cfg, checkpoint, device, check=check_can_translate)
    source_cfg = plain(source) if source is not None else \
        source_dataset_cfg(cfg)
    read_cfg = dict(
        source_cfg,
        pipeline=deterministic_pipeline(
            source_cfg['pipeline'],
            log=None if quiet else print_log,
            what='translate: '))
    if not pipeline_loads_labels(read_cfg['pipeline']):
        raise ValueError(
            f'translate: the source set {source_cfg.get("type")} (data_root '
            f'{source_cfg.get("data_root")}) loads no labels: its pipeline '
            'has no LoadAnnotations, and the translated set keeps the source '
            'labels. Translate the source set of a config that loads them '
            '(tools/translate.py --source-config CONFIG; a TranslateStage\'s '
            'dataset=...), or add LoadAnnotations to the source pipeline.')
    dataset = build_dataset(read_cfg)
    depth_loader = _depth_loader(dataset)
    to_model = model_space_lut(dataset)
    to_file = file_value_lut(dataset)
    total = len(dataset) if max_images is None else min(
        len(dataset), max_images)
    stems = [
        image_stem(dataset,
                   dataset.get_data_info(i)['img_path']) for i in range(total)
    ]
    with_depth = depth_loader is not None
    info = dict(
        format=INFO_FORMAT,
        status='incomplete',
        config=getattr(cfg, 'filename', None),
        checkpoint=osp.abspath(checkpoint),
        model=type(model).__name__,
        source_dataset=source_cfg.get('type'),
        source_data_root=source_cfg.get('data_root'),
        classes=list(dataset.metainfo.get('classes') or []) or None,
        num_images=total,
        depth=with_depth,
        layout=dict(
            images='images/<stem>.png',
            labels=f'labels/<stem>{LABEL_SUFFIX}',
            depth=f'depth/<stem>{DEPTH_SUFFIX}' if with_depth else None),
        images=stems,
        started=time.strftime('%Y-%m-%d %H:%M:%S'))
    info_path = osp.join(out, TRANSLATE_INFO)
    on_main_process(write_json, info_path, info)

    indices = rank_indices(total)
    bar = progress(len(indices), quiet)
    for batch_indices, batch in sample_batches(
            dataset, indices, batch_size, num_workers, file_space_labels=True):
        data = model.data_preprocessor(batch, True)
        with torch.no_grad():
            # the labels are written as read from the files, but the model
            # (GIO-Ada's G_img takes them as input) gets them in the class
            # space it was trained in
            rgb = model.translate_source(
                data['inputs'], in_model_space(data['data_samples'], to_model))
        for k, idx in enumerate(batch_indices):
            _write_sample(out, stems[idx], rgb[k], data['data_samples'][k],
                          depth_loader, to_file)
            bar.update()
    if not quiet and is_main_process():
        print()
    barrier()

    dataset_cfg = translated_dataset_cfg(source_cfg, out, with_depth, command)

    def finish():
        write_dataset_config(
            osp.join(out, TRANSLATED_DATASET_FILE), 'translated_source',
            dataset_cfg, 'Dataset config of the source images translated by '
            f'{type(model).__name__}\n(checkpoint: {osp.abspath(checkpoint)}).'
        )
        write_json(
            info_path,
            dict(
                info,
                status='complete',
                finished=time.strftime('%Y-%m-%d %H:%M:%S'),
                world_size=get_dist_info()[1]))

    on_main_process(finish)
    return read_json(info_path)
