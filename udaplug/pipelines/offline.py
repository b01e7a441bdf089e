"""What the offline writers (translated datasets, pseudo-labels) share:
reading a dataset without random transforms, sharding it across processes,
loading a trained model once, and writing files and JSON safely."""
import copy
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Callable, Iterable, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.dist import (all_gather_object, barrier, get_dist_info,
                           is_main_process)

from udaplug.registry import DATASETS, MODELS

#: Meta keys PackSegInputs keeps for the writers (mmseg's defaults plus the
#: label and depth paths).
PACK_META_KEYS = ('img_path', 'seg_map_path', 'depth_map_path', 'ori_shape',
                  'img_shape', 'pad_shape', 'scale_factor', 'flip',
                  'flip_direction', 'reduce_zero_label')
#: Transforms that read or resize deterministically; everything else in a
#: training pipeline (flips, crops, photometric noise) is left out.
LOADING_TRANSFORMS = ('LoadImageFromFile', 'LoadDepthFromFile',
                      'LoadAnnotations', 'Resize', 'PackSegInputs')


def type_name(cfg) -> str:
    """The ``type`` of a config dict without its scope prefix."""
    return str(cfg.get('type', '')).split('.')[-1]


def plain(cfg) -> dict:
    """A deep, plain-dict copy of a (Config)dict."""
    cfg = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg
    return copy.deepcopy(cfg)


def deterministic_pipeline(pipeline: Sequence,
                           keep: Sequence[str] = LOADING_TRANSFORMS,
                           log: Optional[Callable[[str], None]] = None,
                           what: str = '') -> List[dict]:
    """``pipeline`` with only the transforms named in ``keep``; the final
    ``PackSegInputs`` keeps :data:`PACK_META_KEYS`."""
    kept = []
    for t in pipeline:
        name = type_name(t)
        if name not in keep:
            if log is not None:
                log(f'{what}leaving out {name} (not a loading or resizing '
                    'transform)')
            continue
        t = plain(t)
        if name == 'PackSegInputs':
            t['meta_keys'] = PACK_META_KEYS
        kept.append(t)
    if not kept or type_name(kept[-1]) != 'PackSegInputs':
        kept.append(dict(type='PackSegInputs', meta_keys=PACK_META_KEYS))
    return kept


def resolve_device(device: Optional[str] = None) -> str:
    """``device``, or the current CUDA device when there is one, else
    ``'cpu'``."""
    if device:
        return device
    if torch.cuda.is_available():
        return f'cuda:{torch.cuda.current_device()}'
    return 'cpu'


def unwrap_ddp_keys(state_dict: dict, expected) -> dict:
    """Checkpoint keys of networks saved inside their DDP wrapper
    (``segmentor.module.backbone...``, as ``UDADistributedDataParallel``
    trains them) renamed to the plain model's (``segmentor.backbone...``);
    keys the model has as they are (e.g. an EMA network's ``.module.``)
    stay."""
    expected = set(expected)
    renamed = OrderedDict()
    for key, value in state_dict.items():
        if key not in expected:
            name, sep, rest = key.partition('.module.')
            if sep and '.' not in name and f'{name}.{rest}' in expected:
                key = f'{name}.{rest}'
        renamed[key] = value
    return renamed


def load_model(cfg,
               checkpoint: str,
               device: str,
               check: Optional[Callable] = None):
    """Build ``cfg.model`` once, let ``check`` inspect it (raise before
    loading weights), load ``checkpoint`` (every weight must match; weights
    saved by distributed training are unwrapped) and put it in eval mode on
    ``device``."""
    from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint} '
                                f'(absolute: {osp.abspath(checkpoint)})')
    model = MODELS.build(cfg.model)
    if check is not None:
        check(model)
    from udaplug.utils import mmengine_checkpoint_io
    with mmengine_checkpoint_io():  # torch's weights_only loading
        loaded = _load_checkpoint(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded)
    state = unwrap_ddp_keys(state, model.state_dict().keys())
    try:
        load_state_dict(model, state, strict=True)
    except RuntimeError as err:
        raise RuntimeError(f'{checkpoint}: its weights do not fit the model '
                           f'{type(model).__name__} of the config: '
                           f'{err}') from None
    return model.to(device).eval()


def build_dataset(dataset_cfg: dict):
    """Build and fully initialise a dataset from its config."""
    dataset = DATASETS.build(plain(dataset_cfg))
    dataset.full_init()
    return dataset


def image_stem(dataset, img_path: str) -> str:
    """The image path relative to the dataset's image folder, minus the
    image suffix: the name its derived files are written under."""
    rel = osp.relpath(img_path, dataset.data_prefix['img_path'])
    suffix = getattr(dataset, 'img_suffix', '')
    if suffix and rel.endswith(suffix):
        rel = rel[:-len(suffix)]
    return rel


class _Samples(torch.utils.data.Dataset):
    """Samples ``indices`` of a dataset through its pipeline, with the
    labels in the label files' own space when ``file_space_labels`` (the
    dataset's metainfo class selection, ``label_map``, is not applied)."""

    def __init__(self, dataset, indices: Sequence[int],
                 file_space_labels: bool) -> None:
        self.dataset = dataset
        self.indices = list(indices)
        self.file_space_labels = file_space_labels

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        idx = self.indices[i]
        info = self.dataset.get_data_info(idx)
        if self.file_space_labels:
            info['label_map'] = None
        return idx, self.dataset.pipeline(info)


def model_space_lut(dataset) -> np.ndarray:
    """``lut[v]``: the class index that the dataset's metainfo class
    selection (mmseg's ``label_map``) gives label value ``v`` as
    :func:`sample_batches` returns it with ``file_space_labels=True``
    (``label_map`` left out; ``reduce_zero_label``, which mmseg's
    ``LoadAnnotations`` applies first, already applied). Values the map
    does not name, 255 included, stay."""
    lut = np.arange(256)
    for old, new in (dataset.metainfo.get('label_map') or {}).items():
        lut[old] = new
    return lut


def file_value_lut(dataset) -> np.ndarray:
    """``lut[v]``: the label-file value that the dataset reads back as ``v``
    when labels are read with ``file_space_labels=True`` (see
    :func:`sample_batches`): the identity, or for a dataset with
    ``reduce_zero_label`` its inverse (``v -> v + 1``, ``255 -> 0``; mmseg's
    ``LoadAnnotations`` reads 0 as 255 and ``v`` as ``v - 1``)."""
    if not dataset.metainfo.get('reduce_zero_label', False):
        return np.arange(256, dtype=np.uint8)
    lut = np.arange(1, 257) % 256
    return lut.astype(np.uint8)


def in_model_space(data_samples: Sequence, lut: np.ndarray) -> list:
    """Copies of ``data_samples`` whose ``gt_sem_seg`` (read with
    ``file_space_labels=True``, see :func:`sample_batches`) is mapped
    through ``lut``
    (:func:`model_space_lut`); the samples themselves when ``lut`` is the
    identity."""
    if np.array_equal(lut, np.arange(256)):
        return list(data_samples)
    table = torch.as_tensor(lut)
    out = []
    for sample in data_samples:
        sample, field = sample.clone(), sample.gt_sem_seg
        labels = field.data
        # a new field: the clone shares the original's fields
        sample.gt_sem_seg = type(field)(
            metainfo=field.metainfo,
            data=table.to(labels.device)[labels.long()].to(labels.dtype))
        out.append(sample)
    return out


def _collate(batch):
    indices = [idx for idx, _ in batch]
    return indices, pseudo_collate([sample for _, sample in batch])


def rank_indices(total: int) -> List[int]:
    """The indices of ``range(total)`` this process handles (every
    ``world_size``-th, so that all processes share the work)."""
    rank, world_size = get_dist_info()
    return list(range(rank, total, world_size))


def sample_batches(dataset,
                   indices: Sequence[int],
                   batch_size: int = 1,
                   num_workers: int = 0,
                   file_space_labels: bool = False) -> Iterable:
    """``(dataset indices, collated batch)`` pairs over ``indices``, loaded
    by ``num_workers`` worker processes (0: in this process)."""
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    return torch.utils.data.DataLoader(
        _Samples(dataset, indices, file_space_labels),
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=_collate,
        shuffle=False)


def write_png(path: str, array: np.ndarray) -> None:
    """Write ``array`` as PNG (8 or 16 bit, 1 or 3 channels, BGR)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, array):
        raise OSError(f'could not write {path}')


def write_json(path: str, obj) -> None:
    """Write ``obj`` as JSON through a temporary file, so that a reader
    never sees half a file."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


#: mmengine's predefined config variable for the folder of the config file
#: being read (``Config.fromfile`` substitutes it before parsing, also in
#: ``_base_`` files): written config files name the paths under their own
#: folder with it, so the folder can be moved or copied whole.
FILE_DIR = '{{ fileDirname }}'


def replace_path_prefix(obj, old: str, new: str):
    """``obj`` (nested dicts, lists, tuples) with every string that is the
    path ``old`` or a path under it rewritten to start with ``new``
    instead; other values unchanged. ``old`` is compared as written (no
    normalisation): pass absolute, normalised paths."""
    old = old.rstrip('/\\') or old
    if isinstance(obj, str):
        if obj == old:
            return new
        if obj.startswith(old) and obj[len(old)] in '/\\':
            return new + obj[len(old):]
        return obj
    if isinstance(obj, dict):
        return type(obj)(
            (k, replace_path_prefix(v, old, new)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(replace_path_prefix(v, old, new) for v in obj)
    return obj


def replace_path_in_file(path: str, old: str, new: str) -> bool:
    """Rewrite the text file ``path`` with every occurrence of the path
    ``old`` that is a whole path or a folder of one (followed by a path
    separator, a quote or the end of a line) replaced by ``new``. Returns
    whether the file changed."""
    import re
    old = old.rstrip('/\\') or old
    with open(path) as f:
        text = f.read()
    changed = re.sub(
        re.escape(old) + r'(?=[/\\\'"]|$)',
        lambda _: new,
        text,
        flags=re.MULTILINE)
    if changed == text:
        return False
    with open(path, 'w') as f:
        f.write(changed)
    return True


def write_dataset_config(path: str, variable: str, dataset_cfg: dict,
                         comment: str) -> None:
    """Write a config file defining ``variable = dataset_cfg`` (read it
    with ``_base_`` inheritance or ``Config.fromfile``). Paths under the
    file's own folder are written relative to it (:data:`FILE_DIR`), so
    the folder stays usable when it is moved."""
    import pprint
    folder = osp.dirname(osp.abspath(path))
    dataset_cfg = replace_path_prefix(dataset_cfg, folder, FILE_DIR)
    with open(path, 'w') as f:
        f.write(''.join(f'# {line}\n' for line in comment.splitlines()))
        f.write(f"# '{FILE_DIR}' is this file's folder (mmengine's "
                'Config.fromfile and _base_\n# substitute it).\n')
        f.write(f'{variable} = ' +
                pprint.pformat(dataset_cfg, sort_dicts=False, width=76) + '\n')


def add_writer_args(parser) -> None:
    """The options tools/translate.py and tools/pseudo_label.py share:
    ``config``, ``checkpoint``, ``--out``, ``--batch-size``,
    ``--num-workers``, ``--device``, ``--cfg-options``."""
    from mmengine.config import DictAction
    parser.add_argument('config', help='config of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=0,
        help='data-loading worker processes')
    parser.add_argument(
        '--device',
        default=None,
        help='cuda or cpu (default: cuda when available)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')


def read_json(path: str):
    with open(path) as f:
        return json.load(f)


def gather_lists(local: list) -> list:
    """Concatenate every process's list (in rank order); the local list when
    not distributed."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return list(local)
    gathered = all_gather_object(list(local))
    return [item for part in gathered for item in part]


def on_main_process(fn: Callable, *args, **kwargs):
    """Run ``fn`` on the main process only, then wait until every process
    gets here (so that all of them see what it wrote)."""
    result = fn(*args, **kwargs) if is_main_process() else None
    barrier()
    return result


def progress(total: int, quiet: bool = False):
    """A progress bar on the main process (a no-op elsewhere)."""
    from mmengine.utils import ProgressBar

    class _Silent:

        def update(self, n: int = 1) -> None:
            pass

    if quiet or not is_main_process() or total == 0:
        return _Silent()
    return ProgressBar(total)
