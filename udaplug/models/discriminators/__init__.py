from .fc_discriminator import FCDiscriminator

__all__ = ['FCDiscriminator']
from .patch_gan_discriminator import PatchGANDiscriminator  # noqa: E402

__all__ += ['PatchGANDiscriminator']
from .multi_scale_discriminator import MultiScaleDiscriminator  # noqa: E402

__all__ += ['MultiScaleDiscriminator']
from .ac_head_discriminator import ACHeadDiscriminator  # noqa: E402

__all__ += ['ACHeadDiscriminator']

from .strided_patch_discriminator import StridedPatchDiscriminator  # noqa

__all__ += ['StridedPatchDiscriminator']
