from typing import Dict

from mmengine.optim import OptimWrapper
from torch import Tensor

from udaplug.registry import MODELS
from ..uda import BaseUDASegmentor


@MODELS.register_module()
class SourceOnly(BaseUDASegmentor):
    """The no-adaptation baseline: the segmentation network trained with the
    supervised loss on labelled source images only (the "Baseline" /
    "non-adapt" rows of the papers).

    Accepts plain batches (a source dataset) and paired UDA batches (the
    target half is ignored), so it shares configs with the adapted models;
    its checkpoints load into them (``load_from``).
    """

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        data = self.data_preprocessor(data, True)
        source = data.get('source', data)
        seg_optim = self.optimizer_of(optim_wrapper, 'segmentor')
        with seg_optim.optim_context(self.segmentor):
            outputs = self.segmentor_outputs(source['inputs'])
            losses = self.supervised_losses(outputs, source['data_samples'])
        log_vars = self.backward(seg_optim, losses)
        self.step(seg_optim)
        return log_vars
