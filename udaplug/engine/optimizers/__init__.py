from .mixed_precision_optim_wrapper import MixedPrecisionOptimWrapper
from .uda_optim_wrapper_constructor import (UDAOptimWrapperConstructor,
                                            plan_optimizers)

__all__ = [
    'MixedPrecisionOptimWrapper', 'UDAOptimWrapperConstructor',
    'plan_optimizers'
]
