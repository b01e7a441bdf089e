"""The VGG-16 encoder of FCN-8s (Long, Shelhamer and Darrell, "Fully
Convolutional Networks for Semantic Segmentation", CVPR 2015)."""
from typing import Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import VGG
from mmcv.cnn.vgg import make_vgg_layer
from mmengine.model import BaseModule
from mmengine.runner import CheckpointLoader
from torch import Tensor

from udaplug.registry import MODELS

# Output name -> index in ``features`` (torchvision's VGG-16 numbering).
_POOL_INDICES = {'pool3': 16, 'pool4': 23, 'pool5': 30}


@MODELS.register_module()
class FCNVGG(BaseModule):
    """VGG-16 "convolutionalized" as in FCN (Sec. 3.1 and 4.1 of the FCN
    paper; the public Caffe nets ``voc-fcn8s``/``voc-fcn8s-atonce`` and
    their PyTorch port in BDL, ``model/fcn8s.py``):

    * conv1-conv5 with 2x2 max-pools after each stage, ``ceil_mode=True``
      (Caffe's pooling rounds up), built with mmcv's VGG stage builder and
      torchvision's module indices (``features.0`` = conv1_1 ...
      ``features.30`` = pool5);
    * conv1_1 padded by 100 pixels (``caffe_padding``), which lets fc6 see
      at least a 7x7 window for any input; the decode head
      (:class:`FCN8sHead`) crops its outputs back to the input;
    * ``fc6``: 7x7 conv 512 -> 4096 without padding, ReLU, Dropout2d(0.5);
      ``fc7``: 1x1 conv 4096 -> 4096, ReLU, Dropout2d(0.5).

    Returns the feature maps named in ``out_features`` (default
    ``('pool3', 'pool4', 'fc7')``, the three inputs of FCN-8s' skip
    architecture) as a tuple.

    Input size: with ``caffe_padding`` the head recovers the input size
    from pool3 (``8 * size(pool3) - 200``), which is exact when both sides
    are multiples of 8; other sizes are refused with a clear error (pad
    them with the data preprocessor's ``size_divisor=8``).

    Initialisation: ``init_cfg=dict(type='Pretrained',
    checkpoint='torchvision://vgg16')`` loads ImageNet VGG-16: conv1-conv5
    directly, and the fully connected ``classifier.0``/``classifier.3``
    reshaped into fc6 (4096x512x7x7) and fc7 (4096x4096x1x1), the FCN
    paper's convolutionalization. Note that torchvision's VGG expects RGB
    input normalised by mean/std, whereas the Caffe VGG-16 that FCN and BDL
    start from expects BGR minus the mean; the sai2i configs start from
    BDL's trained FCN-8s checkpoints instead (see docs/sai2i.md).

    Args:
        base_channels (int): Channels of conv1 (64 = VGG-16); smaller
            values give small demo/test models.
        fc_channels (int): Channels of fc6/fc7. Defaults to 4096.
        caffe_padding (int): Padding of conv1_1. Defaults to 100 (FCN).
        fc_dropout (float): Dropout2d probability after fc6 and fc7.
            Defaults to 0.5 (FCN, BDL).
        out_features (Sequence[str]): Any of ``'pool3'``, ``'pool4'``,
            ``'pool5'``, ``'fc7'``, in the order returned.
        init_cfg (dict, optional): mmengine init config (see above).
    """

    def __init__(self,
                 base_channels: int = 64,
                 fc_channels: int = 4096,
                 caffe_padding: int = 100,
                 fc_dropout: float = 0.5,
                 out_features: Sequence[str] = ('pool3', 'pool4', 'fc7'),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        unknown = set(out_features) - {*_POOL_INDICES, 'fc7'}
        if unknown:
            raise ValueError(f'FCNVGG: unknown out_features {sorted(unknown)}'
                             f'; choose from {[*_POOL_INDICES, "fc7"]}')
        if caffe_padding != 100:
            raise ValueError(
                'FCNVGG: the FCN-8s head crops for conv1_1 padding 100 '
                f'(the FCN nets); got caffe_padding={caffe_padding}')
        self.out_features = tuple(out_features)
        self.base_channels = base_channels
        layers, in_channels = [], 3
        self.stage_channels = []
        for stage, num_blocks in enumerate(VGG.arch_settings[16]):
            channels = base_channels * 2**min(stage, 3)
            layers += make_vgg_layer(
                in_channels, channels, num_blocks, ceil_mode=True)
            self.stage_channels.append(channels)
            in_channels = channels
        layers[0].padding = (caffe_padding, caffe_padding)
        self.features = nn.Sequential(*layers)
        self.fc6 = nn.Conv2d(in_channels, fc_channels, 7)
        self.fc7 = nn.Conv2d(fc_channels, fc_channels, 1)
        self.relu = nn.ReLU(inplace=True)
        self.drop6 = nn.Dropout2d(fc_dropout)
        self.drop7 = nn.Dropout2d(fc_dropout)
        self.out_channels = {
            'pool3': self.stage_channels[2],
            'pool4': self.stage_channels[3],
            'pool5': self.stage_channels[4],
            'fc7': fc_channels
        }

    def init_weights(self) -> None:
        cfg = self.init_cfg or {}
        if cfg.get('type') != 'Pretrained':
            return super().init_weights()
        state = CheckpointLoader.load_checkpoint(
            cfg['checkpoint'], map_location='cpu')
        state = state.get('state_dict', state)
        prefix = cfg.get('prefix')
        if prefix:
            prefix = prefix if prefix.endswith('.') else prefix + '.'
            state = {
                k[len(prefix):]: v
                for k, v in state.items() if k.startswith(prefix)
            }
        # torchvision's fully connected fc6/fc7 -> convolutions
        for fc, conv in (('classifier.0', 'fc6'), ('classifier.3', 'fc7')):
            for name in ('weight', 'bias'):
                if f'{fc}.{name}' in state:
                    shape = getattr(getattr(self, conv), name).shape
                    state[f'{conv}.{name}'] = state.pop(
                        f'{fc}.{name}').reshape(shape)
        state = {
            k: v
            for k, v in state.items()
            if k.startswith(('features.', 'fc6.', 'fc7.'))
        }
        missing, _ = self.load_state_dict(state, strict=False)
        if missing:
            raise KeyError(
                f'FCNVGG: {cfg["checkpoint"]} lacks {len(missing)} weights '
                f'of the network, e.g. {missing[:5]}')
        self._is_init = True

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """(N, 3, H, W), H and W multiples of 8 -> the ``out_features``
        maps."""
        if x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(
                f'FCNVGG: input size {tuple(x.shape[2:])} is not a multiple '
                'of 8; FCN-8s crops its outputs back to the input size only '
                'then (set size_divisor=8 in the data preprocessor)')
        outs = {}
        stops = {v: k for k, v in _POOL_INDICES.items()}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in stops:
                outs[stops[i]] = x
        x = self.drop6(self.relu(self.fc6(x)))
        outs['fc7'] = self.drop7(self.relu(self.fc7(x)))
        return tuple(outs[name] for name in self.out_features)
