from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .discriminators import *  # noqa: F401,F403
from .generators import *  # noqa: F401,F403,E402
from .losses import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403
