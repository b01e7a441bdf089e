from .deeplabv2_head import DeepLabV2Head

__all__ = ['DeepLabV2Head']
from .joint_semantic_depth_head import JointSemanticDepthHead  # noqa: E402

__all__ += ['JointSemanticDepthHead']
from .daformer_head import DAFormerHead  # noqa: E402

__all__ += ['DAFormerHead']
