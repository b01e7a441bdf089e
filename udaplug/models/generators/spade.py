"""Spatially-adaptive denormalisation (SPADE, Park et al., CVPR 2019) as
used by the semantically adaptive generator of Musto & Zinelli (BMVC 2020,
Sec. 3.2, Eq. 6)."""
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from udaplug.registry import MODELS

RESIZE_MODES = ('nearest', 'bilinear')


@MODELS.register_module()
class SPADE(nn.Module):
    """SPADE normalisation: a parameter-free instance norm of the
    activations, then a per-pixel affine transformation predicted from a
    semantic map.

    With ``x`` of shape (N, C', H', W') and the semantic map ``m`` of shape
    (N, C, H, W) (C classes, any size)::

        m'    = resize(m, (H', W'))                  # resize_mode
        a     = ReLU(conv_k(m'))                     # hidden_channels
        gamma = conv_k(a),  beta = conv_k(a)         # C' channels each
        y     = x_hat * (gamma_offset + gamma) + beta

    where ``x_hat = (x - mu_{n,c}) / sigma_{n,c}`` is instance
    normalisation without affine parameters (Eq. 6). Musto & Zinelli feed
    the segmentor's *unnormalised* logits as ``m`` (Sec. 3.2, App. A).

    What the paper leaves open follows the SPADE authors' released code
    (NVlabs/SPADE, ``models/networks/normalization.py``): a shared 3x3 conv
    to 128 hidden channels with ReLU, 3x3 convs (zero padding, with bias,
    no spectral norm) for gamma and beta, nearest-neighbour resizing of the
    map, ``x_hat * (1 + gamma) + beta`` (``gamma_offset=1``; Eq. 6 of
    both papers writes ``gamma * x_hat``, which is ``gamma_offset=0``) and
    SPADE's Xavier initialisation with gain 0.02.

    Args:
        norm_channels (int): Channels C' of the normalised activations.
        label_channels (int): Channels C of the semantic map.
        hidden_channels (int): Width of the shared conv. Defaults to 128.
        kernel_size (int): Kernel of the three convs. Defaults to 3.
        resize_mode (str): ``'nearest'`` (default) or ``'bilinear'``.
        gamma_offset (float): 1 (default, SPADE's code) or 0 (Eq. 6).
        eps (float): Instance norm epsilon. Defaults to 1e-5.
    """

    def __init__(self,
                 norm_channels: int,
                 label_channels: int,
                 hidden_channels: int = 128,
                 kernel_size: int = 3,
                 resize_mode: str = 'nearest',
                 gamma_offset: float = 1.0,
                 eps: float = 1e-5):
        super().__init__()
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f'SPADE: resize_mode must be one of '
                             f'{RESIZE_MODES}, got {resize_mode!r}')
        if kernel_size % 2 != 1:
            raise ValueError(
                f'SPADE: kernel_size must be odd, got {kernel_size}')
        self.norm_channels = norm_channels
        self.label_channels = label_channels
        self.resize_mode = resize_mode
        self.gamma_offset = float(gamma_offset)
        self.param_free_norm = nn.InstanceNorm2d(
            norm_channels, affine=False, eps=eps)
        pad = kernel_size // 2
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(
                label_channels,
                hidden_channels,
                kernel_size=kernel_size,
                padding=pad), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(
            hidden_channels, norm_channels, kernel_size, padding=pad)
        self.mlp_beta = nn.Conv2d(
            hidden_channels, norm_channels, kernel_size, padding=pad)
        self.init_weights()

    def init_weights(self) -> None:
        """SPADE's ``init_type='xavier'``, ``init_variance=0.02``: conv
        weights Xavier-normal with gain 0.02, biases 0, so that the
        modulation starts close to the identity."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.weight, gain=0.02)
                nn.init.zeros_(m.bias)

    def resize(self, segmap: Tensor, size) -> Tensor:
        """The semantic map at the activations' size."""
        if tuple(segmap.shape[2:]) == tuple(size):
            return segmap
        if self.resize_mode == 'nearest':
            return F.interpolate(segmap, size=size, mode='nearest')
        return F.interpolate(
            segmap, size=size, mode='bilinear', align_corners=False)

    def modulation(self, segmap: Tensor, size) -> tuple:
        """(gamma, beta), each (N, C', H', W'), for a map resized to
        ``size``."""
        actv = self.mlp_shared(self.resize(segmap, size))
        return self.mlp_gamma(actv), self.mlp_beta(actv)

    def forward(self, x: Tensor, segmap: Optional[Tensor]) -> Tensor:
        if segmap is None:
            raise ValueError('SPADE needs a semantic map (segmap=None)')
        if segmap.shape[1] != self.label_channels:
            raise ValueError(
                f'SPADE expects a semantic map with {self.label_channels} '
                f'channels (one per class), got {segmap.shape[1]}')
        if segmap.shape[0] != x.shape[0]:
            raise ValueError(
                f'SPADE: batch of the semantic map ({segmap.shape[0]}) '
                f'differs from the activations\' ({x.shape[0]})')
        gamma, beta = self.modulation(segmap, x.shape[2:])
        return self.param_free_norm(x) * (self.gamma_offset + gamma) + beta

    def extra_repr(self) -> str:
        return (f'norm_channels={self.norm_channels}, label_channels='
                f'{self.label_channels}, resize_mode={self.resize_mode}, '
                f'gamma_offset={self.gamma_offset}')
