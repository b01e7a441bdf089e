"""The discriminator of Brehm et al., "Semantically Consistent Image-to-Image
Translation for Unsupervised Domain Adaptation", ICAART 2022, Sec. 3.2
("Discriminator")."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmagic.models.archs import ResidualBlockNoBN
from mmcv.cnn import ConvModule
from mmcv.cnn.vgg import make_vgg_layer
from mmengine.model import BaseModule
from torch import Tensor, nn

from udaplug.registry import MODELS

# torchvision's ImageNet VGG-16 (the file torchvision.models.vgg16(
# weights='IMAGENET1K_V1') caches in ~/.cache/torch/hub/checkpoints/).
VGG16_URL = 'https://download.pytorch.org/models/vgg16-397923af.pth'
# VGG-16 stages up to block3_conv3: (convs, channels).
_VGG16_STAGES = ((2, 64), (2, 128), (3, 256))
# torchvision index of the ReLU after block3_conv3 (conv3_3 is index 14).
_BLOCK3_CONV3_END = 16
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGCheckpointError(ValueError):
    """A VGG checkpoint file that does not hold torchvision's VGG-16."""


def vgg16_state_shapes() -> Dict[str, tuple]:
    """Key -> shape of torchvision's VGG-16 state dict (built on the meta
    device: no memory, no download)."""
    import torchvision
    with torch.device('meta'):
        model = torchvision.models.vgg16(weights=None)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def load_vgg16_features(path: str, num_layers: int) -> Dict[str, Tensor]:
    """The ``features.<i>.*`` weights (``i < num_layers``) of a torchvision
    VGG-16 checkpoint file, checked against VGG-16's keys and shapes.

    The file may hold the whole model or only its ``features`` (the
    ``classifier`` keys are optional), plain or under ``state_dict``. Any
    other difference (another VGG depth, batch norm, another network) raises
    :class:`VGGCheckpointError` listing the missing, unexpected and
    mis-shaped keys.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'VGG-16 checkpoint "{path}" does not exist. Get torchvision\'s '
            f'ImageNet VGG-16 ({VGG16_URL}, the file torchvision.models.'
            'vgg16(weights="IMAGENET1K_V1") caches in ~/.cache/torch/hub/'
            'checkpoints/) and put it there, or set vgg_checkpoint to its '
            'path.')
    try:
        state = torch.load(
            path, map_location='cpu', weights_only=True, mmap=True)
    except RuntimeError:  # old (non-zip) serialisation: no mmap
        state = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    if not isinstance(state, dict):
        raise VGGCheckpointError(
            f'VGG-16 checkpoint "{path}" does not hold a state dict '
            f'(got {type(state).__name__})')
    expected = vgg16_state_shapes()
    missing = [
        k for k in expected if k.startswith('features.') and k not in state
    ]
    unexpected = [k for k in state if k not in expected]
    mis_shaped = [
        f'{k}: {tuple(state[k].shape)} instead of {expected[k]}' for k in state
        if k in expected and tuple(state[k].shape) != expected[k]
    ]
    if missing or unexpected or mis_shaped:
        parts = []
        for what, keys in (('missing keys', missing), ('unexpected keys',
                                                       unexpected),
                           ('keys with other shapes', mis_shaped)):
            if keys:
                parts.append(f'{what} ({len(keys)}): {", ".join(keys)}')
        raise VGGCheckpointError(
            f'"{path}" is not a torchvision VGG-16 checkpoint: ' +
            '; '.join(parts) + f'. Use torchvision\'s ImageNet VGG-16 '
            f'({VGG16_URL}).')
    return {
        k[len('features.'):]: v.clone()
        for k, v in state.items()
        if k.startswith('features.') and int(k.split('.')[1]) < num_layers
    }


def load_backbone_vgg_features(
        path: str, prefix: str, expected: Dict[str,
                                               tuple]) -> Dict[str, Tensor]:
    """The VGG trunk of a segmentation checkpoint: the keys
    ``<prefix>features.<i>.*`` of ``path`` whose ``<i>.*`` is in
    ``expected`` (key -> shape of the discriminator's ``vgg``), returned
    as ``<i>.*``.

    udaplug's :class:`~udaplug.models.backbones.DeepLabVGG` keeps
    torchvision's ``features`` indices (``features.14`` = conv3_3), so e.g.
    ``prefix='segmentor.backbone.'`` takes the trunk of a whole-model
    checkpoint of a segmentor with that backbone. Missing or mis-shaped keys
    raise :class:`VGGCheckpointError` listing them.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'VGG checkpoint "{path}" (vgg_prefix={prefix!r}) does not exist')
    from mmengine.runner.checkpoint import _load_checkpoint
    state = _load_checkpoint(path, map_location='cpu')
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    head = prefix + 'features.'
    found = {k[len(head):]: v for k, v in state.items() if k.startswith(head)}
    missing = [head + k for k in expected if k not in found]
    mis_shaped = [
        f'{head}{k}: {tuple(found[k].shape)} instead of {shape}'
        for k, shape in expected.items()
        if k in found and tuple(found[k].shape) != shape
    ]
    if missing or mis_shaped:
        parts = []
        for what, keys in (('missing keys', missing), ('keys with other '
                                                       'shapes', mis_shaped)):
            if keys:
                parts.append(f'{what} ({len(keys)}): {", ".join(keys)}')
        raise VGGCheckpointError(
            f'"{path}" has no VGG trunk under "{head}" matching the '
            'discriminator (vgg_base_channels): ' + '; '.join(parts))
    return {k: found[k].clone() for k in expected}


@MODELS.register_module()
class ACHeadDiscriminator(BaseModule):
    """Discriminator with a GAN head and an auxiliary-classifier (AC)
    segmentation head on frozen ImageNet VGG-16 features (Brehm et al.,
    Sec. 3.2, Fig. 1).

    - ``vgg``: torchvision's VGG-16 ``features`` up to block3_conv3 (and its
      ReLU; stride 4, 256 channels), loaded from a local torchvision
      checkpoint file (``vgg_checkpoint``; nothing is downloaded) and never
      fine-tuned: its parameters have ``requires_grad=False`` and it stays in
      ``eval()`` mode under ``train()``. Gradients still flow through it to
      the input (the generator's losses). Inputs in [-1, 1] are mapped to
      [0, 1] and normalised with ImageNet's mean and std first.
    - "3 residual blocks (He et al., 2016) on top of these features":
      mmagic's ``ResidualBlockNoBN`` (conv-ReLU-conv + identity), trainable.
    - two decoders "at image resolution": each two stride-2 transposed
      convs (4x4, leaky ReLU 0.2) and a 3x3 output conv; the GAN head
      outputs ``1 + num_classes`` maps (a domain map, then one per class,
      Eq. 2-6), the AC head ``num_classes`` segmentation logits (Eq. 1).
      An input size that is not a multiple of 4 is matched by bilinear
      resizing of the outputs.

    The decoder layout and widths and the residual blocks' type are not
    stated in the paper.

    Args:
        num_classes (int): |C|, the number of segmentation classes.
        vgg_checkpoint (str, optional): Path of torchvision's VGG-16
            checkpoint (``vgg16-397923af.pth``). A file that is not VGG-16
            fails with the missing/unexpected keys listed. ``None`` keeps a
            random (still frozen) VGG initialised as torchvision initialises
            VGG-16 (Kaiming normal, fan-out), for tests and demos without
            ImageNet weights.
        vgg_prefix (str, optional): Read the VGG trunk from a segmentation
            checkpoint instead (``vgg_checkpoint`` then names e.g. an
            mmengine checkpoint): the keys ``<vgg_prefix>features.<i>.*``
            (``'segmentor.backbone.'`` for a segmentor with udaplug's
            ``DeepLabVGG`` backbone, which keeps torchvision's indices),
            checked against this discriminator's VGG widths
            (``vgg_base_channels``). Used by the demo, where a source-trained
            segmentor's VGG stands in for ImageNet's. Defaults to None
            (torchvision's VGG-16 file).
        num_res_blocks (int): Residual blocks. Defaults to 3 (Sec. 3.2).
        decoder_channels (Sequence[int]): Widths of the two transposed
            convs of each decoder. Defaults to (128, 64) (not stated).
        vgg_base_channels (int): Width of VGG's conv1 (64 for VGG-16; a
            smaller value makes a narrow VGG for tests and demos, which
            cannot load the checkpoint).
        init_cfg (dict, optional): Initialisation of the trainable parts;
            it never touches the VGG weights.
    """

    def __init__(self,
                 num_classes: int,
                 vgg_checkpoint: Optional[str] = None,
                 num_res_blocks: int = 3,
                 decoder_channels: Sequence[int] = (128, 64),
                 vgg_base_channels: int = 64,
                 vgg_prefix: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if num_classes < 1:
            raise ValueError('ACHeadDiscriminator: num_classes must be >= 1, '
                             f'got {num_classes}')
        if vgg_prefix is not None and vgg_checkpoint is None:
            raise ValueError('ACHeadDiscriminator: vgg_prefix needs the '
                             'checkpoint to read it from (vgg_checkpoint)')
        if vgg_checkpoint is not None and vgg_prefix is None and \
                vgg_base_channels != 64:
            raise ValueError('ACHeadDiscriminator: a VGG-16 checkpoint needs '
                             f'vgg_base_channels=64, got {vgg_base_channels}')
        self.num_classes = num_classes
        self.in_channels = 3
        self.vgg_checkpoint = vgg_checkpoint
        self.vgg_prefix = vgg_prefix

        layers: List[nn.Module] = []
        in_channels = 3
        for num_convs, channels in _VGG16_STAGES:
            width = channels * vgg_base_channels // 64
            layers += make_vgg_layer(in_channels, width, num_convs)
            in_channels = width
        self.vgg = nn.Sequential(*layers[:_BLOCK3_CONV3_END])
        self.feat_channels = in_channels
        # torchvision's VGG initialisation (replaced by the checkpoint's
        # weights in init_weights); PyTorch's default conv initialisation
        # would shrink the signal through the seven frozen ReLU convs to
        # almost nothing.
        for m in self.vgg.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(
                    m.weight, mode='fan_out', nonlinearity='relu')
                nn.init.zeros_(m.bias)
        self.vgg.requires_grad_(False)
        self.vgg.eval()
        self.register_buffer('mean',
                             torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1),
                             False)
        self.register_buffer('std',
                             torch.tensor(IMAGENET_STD).view(1, 3, 1, 1),
                             False)

        self.res_blocks = nn.Sequential(*[
            ResidualBlockNoBN(self.feat_channels)
            for _ in range(num_res_blocks)
        ])
        self.gan_head = self._decoder(decoder_channels, 1 + num_classes)
        self.ac_head = self._decoder(decoder_channels, num_classes)

    def _decoder(self, channels: Sequence[int],
                 out_channels: int) -> nn.Sequential:
        if len(channels) != 2:
            raise ValueError('ACHeadDiscriminator: decoder_channels needs two '
                             'widths (two 2x up-samplings back to image '
                             f'resolution), got {tuple(channels)}')
        layers: List[nn.Module] = []
        in_channels = self.feat_channels
        for width in channels:
            layers.append(
                ConvModule(
                    in_channels,
                    width,
                    kernel_size=4,
                    stride=2,
                    padding=1,
                    conv_cfg=dict(type='deconv'),
                    act_cfg=dict(type='LeakyReLU', negative_slope=0.2)))
            in_channels = width
        layers.append(nn.Conv2d(in_channels, out_channels, 3, padding=1))
        return nn.Sequential(*layers)

    def init_weights(self) -> None:
        """Initialise the trainable parts and load the frozen VGG-16 from
        ``vgg_checkpoint`` (without one the VGG keeps its initialisation).

        Loading here, not at construction, is what lets a model be built
        without the file (mmseg's ``init_model`` for inference, whose
        checkpoint holds these weights); the runner calls it before
        training, so a missing or wrong file stops the run before the first
        iteration.
        """
        if self.vgg_prefix is not None:
            vgg_state = load_backbone_vgg_features(
                self.vgg_checkpoint, self.vgg_prefix, {
                    k: tuple(v.shape)
                    for k, v in self.vgg.state_dict().items()
                })
        elif self.vgg_checkpoint is not None:
            vgg_state = load_vgg16_features(self.vgg_checkpoint,
                                            _BLOCK3_CONV3_END)
        else:
            vgg_state = {
                k: v.clone()
                for k, v in self.vgg.state_dict().items()
            }
        super().init_weights()
        self.vgg.load_state_dict(vgg_state)

    def train(self, mode: bool = True) -> 'ACHeadDiscriminator':
        super().train(mode)
        self.vgg.eval()  # frozen: never in training mode
        return self

    def features(self, x: Tensor) -> Tensor:
        """Frozen VGG-16 block3_conv3 features of images in [-1, 1]."""
        x = ((x + 1) / 2 - self.mean) / self.std
        return self.vgg(x)

    def forward(self, x: Tensor) -> Dict[str, Tensor]:
        """Images (N, 3, H, W) in [-1, 1] -> ``dict(gan=(N, 1 + C, H, W),
        seg=(N, C, H, W))``: GAN-head logits (channel 0 the domain map,
        channel 1 + c the map of class c) and AC-head segmentation logits.
        """
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError('ACHeadDiscriminator: expected (N, 3, H, W) '
                             f'images, got {tuple(x.shape)}')
        feat = self.res_blocks(self.features(x))
        out = dict(gan=self.gan_head(feat), seg=self.ac_head(feat))
        size = x.shape[-2:]
        for key, value in out.items():
            if value.shape[-2:] != size:
                out[key] = F.interpolate(
                    value, size=size, mode='bilinear', align_corners=False)
        return out
