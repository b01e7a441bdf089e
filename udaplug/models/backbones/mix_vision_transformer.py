"""mmseg's MixVisionTransformer (MiT) with a checked pretrained load."""
import os.path as osp
import re
from typing import Dict, Optional

import mmseg
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader, load_state_dict
from mmseg.models.backbones import \
    MixVisionTransformer as MMSegMixVisionTransformer

from udaplug.registry import MODELS

# keys of the original SegFormer / DAFormer MiT files (NVlabs/SegFormer
# ``mit_b*.pth``): patch_embed1.proj.weight, block1.0.attn.q.weight, norm1.*
_ORIGINAL_KEY = re.compile(r'^(patch_embed\d|block\d|norm\d)\.')
_MMSEG_KEY = re.compile(r'^layers\.\d+\.')


class MiTCheckpointLayoutError(ValueError):
    """A MiT checkpoint is not in mmseg's layout."""


def mit2mmseg_script() -> str:
    """Path of mmseg's own MiT converter (shipped with the mmseg package;
    ``tools/model_converters/mit2mmseg.py`` in an mmsegmentation
    checkout)."""
    shipped = osp.join(
        osp.dirname(mmseg.__file__), '.mim', 'tools', 'model_converters',
        'mit2mmseg.py')
    if osp.isfile(shipped):
        return shipped
    return 'tools/model_converters/mit2mmseg.py'


def converted_name(path: str) -> str:
    stem, ext = osp.splitext(path)
    return f'{stem}_mmseg{ext or ".pth"}'


def conversion_command(path: str) -> str:
    return f'python {mit2mmseg_script()} {path} {converted_name(path)}'


def mit_checkpoint_layout(state_dict: Dict[str, object]) -> str:
    """``'mmseg'``, ``'original'`` (NVlabs SegFormer / DAFormer
    ``mit_b*.pth``) or ``'unknown'``."""
    keys = list(state_dict)
    if any(_MMSEG_KEY.match(k) for k in keys):
        return 'mmseg'
    if any(_ORIGINAL_KEY.match(k) for k in keys):
        return 'original'
    return 'unknown'


def _state_dict_of(checkpoint) -> dict:
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint, dict) and key in checkpoint and \
                isinstance(checkpoint[key], dict):
            return checkpoint[key]
    return checkpoint


@MODELS.register_module()
class MixVisionTransformer(MMSegMixVisionTransformer):
    """mmseg's :class:`~mmseg.models.backbones.MixVisionTransformer`
    (SegFormer's MiT encoder, the encoder of DAFormer) whose pretrained
    weights are checked when loaded.

    Registered under mmseg's name in the ``udaplug`` scope
    (``mmseg.MixVisionTransformer`` is the unchecked one). With
    ``init_cfg=dict(type='Pretrained', checkpoint=PATH)``:

    - a checkpoint in the original layout of the SegFormer / DAFormer MiT
      files (``patch_embed1.proj.weight``, ``block1.0.attn.q.weight``, ...),
      which mmseg would load silently as nothing, raises
      :class:`MiTCheckpointLayoutError` with the command that converts it
      with mmseg's converter::

          python <mmseg>/.mim/tools/model_converters/mit2mmseg.py \\
              pretrained/mit_b5.pth pretrained/mit_b5_mmseg.pth

    - a missing file raises ``FileNotFoundError`` naming it and that
      command;
    - keys of the encoder that the file lacks, or keys of the file that the
      encoder does not have (other than the converter-dropped
      classification ``head``), raise an error listing them.

    ``prefix`` in the init_cfg selects a sub-module of a whole-model
    checkpoint (e.g. ``'backbone.'``), as mmengine's ``PretrainedInit``.
    """

    def init_weights(self) -> None:
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            self.load_pretrained(cfg['checkpoint'], cfg.get('prefix'))
            self._is_init = True
            return
        super().init_weights()

    def load_pretrained(self, path: str, prefix: Optional[str] = None) -> None:
        """Load mmseg-layout MiT weights from ``path`` (see the class
        docstring for the checks)."""
        is_url = path.startswith(('http://', 'https://'))
        if not is_url and not osp.isfile(path):
            raise FileNotFoundError(
                f'MiT weights not found: {path} (absolute: '
                f'{osp.abspath(path)}). Download the ImageNet-pretrained MiT '
                'weights (e.g. mit_b5.pth of NVlabs/SegFormer) and convert '
                f'them to mmseg\'s layout: {conversion_command(path)}')
        state_dict = _state_dict_of(
            CheckpointLoader.load_checkpoint(path, map_location='cpu'))
        if prefix:
            state_dict = {
                k[len(prefix):]: v
                for k, v in state_dict.items() if k.startswith(prefix)
            }
            if not state_dict:
                raise KeyError(f'{path}: no keys start with prefix '
                               f'"{prefix}"')
        layout = mit_checkpoint_layout(state_dict)
        if layout == 'original':
            raise MiTCheckpointLayoutError(
                f'{path} holds MiT weights in the original SegFormer layout '
                '(keys such as patch_embed1.proj.weight, '
                'block1.0.attn.q.weight), which mmseg\'s MixVisionTransformer '
                'cannot load. Convert them with mmseg\'s converter:\n  '
                f'{conversion_command(path)}\nand point init_cfg.checkpoint '
                'at the converted file.')
        own = set(self.state_dict())
        given = set(state_dict)
        missing = sorted(own - given)
        unexpected = sorted(k for k in given - own
                            if not k.startswith('head.'))
        if missing or unexpected:
            lines = [
                f'{path} does not fit this MixVisionTransformer '
                f'(layout: {layout}):'
            ]
            if missing:
                lines.append(f'  {len(missing)} encoder keys missing, e.g. '
                             f'{missing[:5]}')
            if unexpected:
                lines.append(f'  {len(unexpected)} unexpected keys, e.g. '
                             f'{unexpected[:5]} (another MiT size? check '
                             'embed_dims and num_layers)')
            raise MiTCheckpointLayoutError('\n'.join(lines))
        state_dict = {k: v for k, v in state_dict.items() if k in own}
        load_state_dict(self, state_dict, strict=True)
        print_log(f'MixVisionTransformer: loaded {path}', logger='current')
