from typing import Union

import torch
from mmengine.device import get_device
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from udaplug.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class MixedPrecisionOptimWrapper(AmpOptimWrapper):
    """Automatic mixed precision on whatever device trains.

    On GPUs (and other accelerators mmengine supports) this is mmengine's
    :class:`AmpOptimWrapper`: fp16 autocast with a dynamic loss scaler owned
    by this optimizer, so in adversarial training every network (segmentor,
    each discriminator) scales its losses on its own. On CPU, where
    ``AmpOptimWrapper`` refuses to run, it autocasts to bfloat16, which has
    float32's exponent range and needs no loss scaling (the scaler is
    disabled). ``tools/train.py --amp`` selects it.

    Args:
        loss_scale (str | float | dict): GradScaler settings (GPU only).
            Defaults to ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype. Defaults to
            float16 on GPU and bfloat16 on CPU.
        **kwargs: Passed to :class:`OptimWrapper`.
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 **kwargs):
        if get_device() != 'cpu':
            super().__init__(loss_scale=loss_scale, dtype=dtype, **kwargs)
            return
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype or torch.bfloat16
