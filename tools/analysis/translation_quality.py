"""Image quality of translated images: Frechet Inception Distance (FID)
to a set of real target images and Inception Score (IS), as in Table 4 of
Musto & Zinelli (BMVC 2020).

    python tools/analysis/translation_quality.py TRANSLATED_DIR REAL_DIR \
        --inception checkpoints/inception-2015-12-05.pt \
        [--max-images N] [--resize W H] [--splits 10] [--batch-size 16] \
        [--device cpu|cuda] [--out result.json]

TRANSLATED_DIR: the translated source images (e.g. ``images/`` written by
the translate stage or ``tools/translate.py``); REAL_DIR: the real target
images (e.g. ``data/cityscapes/leftImg8bit/train``). Both are searched
recursively for ``.png``/``.jpg``/``.jpeg`` files, sorted by path.

The metrics are mmagic's (``FrechetInceptionDistance``, ``InceptionScore``:
features and class probabilities of the TorchScript Inception-v3 of the
TensorFlow FID/IS reference, "Tero's Inception"). The network is read from
a **local** file only; nothing is downloaded. Get it once from

    https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/inception-2015-12-05.pt

(the file mmagic's metrics use, ~100 MB) and pass its path with
``--inception`` (default ``checkpoints/inception-2015-12-05.pt``).

Images are read as 8-bit BGR (OpenCV) and fed to mmagic's metric code as
it expects (it converts to RGB; the network resizes to 299x299 itself).
``--resize W H`` resizes every image first (e.g. to compare sets of
different resolutions on equal terms); by default images keep their size.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import sys
import types
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from torch import nn

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg')
INCEPTION_URL = ('https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/'
                 'pretrained/metrics/inception-2015-12-05.pt')
DEFAULT_INCEPTION = 'checkpoints/inception-2015-12-05.pt'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('translated_dir', help='translated source images')
    parser.add_argument('real_dir', help='real target images')
    parser.add_argument(
        '--inception',
        default=DEFAULT_INCEPTION,
        help='local TorchScript Inception file (inception-2015-12-05.pt)')
    parser.add_argument(
        '--max-images',
        type=int,
        default=None,
        help='use at most N images of each set (the first N by path)')
    parser.add_argument(
        '--resize', type=int, nargs=2, default=None, metavar=('W', 'H'))
    parser.add_argument(
        '--splits',
        type=int,
        default=10,
        help='IS: number of groups (mmagic and the IS reference: 10)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def list_images(root: str, max_images: Optional[int] = None) -> List[str]:
    """Image files under ``root`` (recursive, sorted), at most
    ``max_images``."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'image folder not found: {root}')
    paths = sorted(
        osp.join(d, f) for d, _, files in os.walk(root) for f in files
        if f.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise FileNotFoundError(
            f'no {"/".join(IMAGE_SUFFIXES)} images under {root}')
    return paths[:max_images] if max_images else paths


def load_inception(path: str) -> nn.Module:
    """The TorchScript Inception network from a local file; a clear error
    (with where to download it) otherwise."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Inception weights not found at {path}. Download '
            f'{INCEPTION_URL} (the network of mmagic\'s FID/IS metrics) and '
            'pass its path with --inception; nothing is downloaded at run '
            'time.')
    try:
        model = torch.jit.load(path, map_location='cpu')
    except Exception as err:  # a corrupt or non-TorchScript file
        raise RuntimeError(
            f'{path} is not a TorchScript Inception network '
            f'({type(err).__name__}: {err}); expected {INCEPTION_URL}'
        ) from err
    return model.eval()


def _import_mmagic_metrics():
    """``mmagic.evaluation.metrics``. Importing it imports all of mmagic's
    data transforms, one of which needs ``albumentations`` (an optional
    mmagic dependency, its ``all`` extra) at import time although no metric
    uses it. Without that package a placeholder module stands in during
    the import and is removed again, so nothing else sees it."""
    if 'mmagic.evaluation.metrics' in sys.modules or \
            importlib.util.find_spec('albumentations') is not None:
        import mmagic.evaluation.metrics as metrics
        return metrics
    sys.modules['albumentations'] = types.ModuleType('albumentations')
    try:
        import mmagic.evaluation.metrics as metrics
    finally:
        del sys.modules['albumentations']
    return metrics


def _metric_classes():
    """mmagic's FID and IS metrics, given an already loaded network (their
    own loader would fall back to downloading)."""
    metrics = _import_mmagic_metrics()
    FrechetInceptionDistance = metrics.FrechetInceptionDistance
    InceptionScore = metrics.InceptionScore

    class LocalFID(FrechetInceptionDistance):

        def __init__(self, inception: nn.Module, **kwargs):
            self._local_inception = inception
            super().__init__(**kwargs)

        def _load_inception(self, inception_style, inception_path):
            return self._local_inception, 'StyleGAN'

    class LocalIS(InceptionScore):

        def __init__(self, inception: nn.Module, **kwargs):
            self._local_inception = inception
            super().__init__(**kwargs)

        def _load_inception(self, inception_style, inception_path):
            return self._local_inception, 'StyleGAN'

    return LocalFID, LocalIS


def read_images(paths: Sequence[str],
                resize: Optional[Sequence[int]] = None) -> List[torch.Tensor]:
    """(3, H, W) float tensors, BGR, 0-255 (mmagic's image convention)."""
    images = []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise OSError(f'cannot read image {path}')
        if resize is not None:
            img = cv2.resize(
                img, tuple(resize), interpolation=cv2.INTER_LINEAR)
        images.append(torch.from_numpy(img).permute(2, 0, 1).float())
    return images


def _batches(items: Sequence, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def inception_features(metric, paths, resize, batch_size) -> torch.Tensor:
    """Pool features of ``paths`` with the FID metric's network."""
    feats = []
    for chunk in _batches(paths, batch_size):
        images = read_images(chunk, resize)
        if all(img.shape == images[0].shape for img in images):
            feats.append(metric.forward_inception(torch.stack(images)))
        else:
            feats += [metric.forward_inception(img[None]) for img in images]
    return torch.cat(feats).cpu()


def translation_quality(translated_dir: str,
                        real_dir: str,
                        inception: str = DEFAULT_INCEPTION,
                        max_images: Optional[int] = None,
                        resize: Optional[Sequence[int]] = None,
                        splits: int = 10,
                        batch_size: int = 16,
                        device: str = 'cpu') -> dict:
    """FID(translated, real) and IS(translated) with mmagic's metrics."""
    fake_paths = list_images(translated_dir, max_images)
    real_paths = list_images(real_dir, max_images)
    if len(fake_paths) < splits:
        raise ValueError(
            f'IS needs at least --splits={splits} translated images, found '
            f'{len(fake_paths)} under {translated_dir}')
    network = load_inception(inception).to(device)
    LocalFID, LocalIS = _metric_classes()
    fid = LocalFID(network, fake_nums=len(fake_paths))
    fid.device = device
    real = inception_features(fid, real_paths, resize, batch_size).numpy()
    fid.real_mean = np.mean(real, 0)
    fid.real_cov = np.cov(real, rowvar=False)
    fake = inception_features(fid, fake_paths, resize, batch_size)
    fid_result = fid.compute_metrics([fake])

    inception_score = LocalIS(
        network, fake_nums=len(fake_paths), splits=splits)
    inception_score.device = device
    for chunk in _batches(fake_paths, batch_size):
        inception_score.process(
            {}, [dict(fake_img=img) for img in read_images(chunk, resize)])
    is_result = inception_score.compute_metrics(inception_score.fake_results)
    return dict(
        fid=fid_result['fid'],
        fid_mean_term=fid_result['mean'],
        fid_cov_term=fid_result['cov'],
        inception_score=is_result['is'],
        inception_score_std=is_result['is_std'],
        num_translated=len(fake_paths),
        num_real=len(real_paths),
        translated_dir=translated_dir,
        real_dir=real_dir,
        inception=inception)


def main(argv=None):
    args = parse_args(argv)
    result = translation_quality(
        args.translated_dir,
        args.real_dir,
        inception=args.inception,
        max_images=args.max_images,
        resize=args.resize,
        splits=args.splits,
        batch_size=args.batch_size,
        device=args.device)
    print(f'FID {result["fid"]:.2f} ({result["num_translated"]} translated '
          f'vs {result["num_real"]} real images)')
    print(f'IS  {result["inception_score"]:.2f} '
          f'+- {result["inception_score_std"]:.2f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
