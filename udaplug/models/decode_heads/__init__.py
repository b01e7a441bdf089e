from .deeplabv2_head import DeepLabV2Head
from .multi_output_head import MultiOutputHead

__all__ = ['DeepLabV2Head', 'MultiOutputHead']
from .joint_semantic_depth_head import JointSemanticDepthHead  # noqa: E402

__all__ += ['JointSemanticDepthHead']
from .fcn8s_head import FCN8sHead  # noqa: E402

__all__ += ['FCN8sHead']
from .daformer_head import DAFormerHead  # noqa: E402

__all__ += ['DAFormerHead']
