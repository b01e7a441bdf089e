from .checks import (ClassMismatchError, DepthMapError, DepthNotFoundError,
                     LabelNotFoundError, MissingLabelsError, SampleLoadError,
                     check_depth_available, check_num_classes,
                     check_same_classes)
from .cityscapes import CityscapesDataset
from .gta5 import GTA5Dataset
from .kitti import KittiSegDataset
from .rare_class_sampler import (ClassStatsNotFoundError, RareClassIndex,
                                 RareClassSampler, load_class_stats,
                                 rare_class_probabilities)
from .synscapes import SynscapesDataset
from .synthia import SynthiaDataset
from .transforms import LoadDepthFromFile
from .translated_source_uda_dataset import (TranslatedSourceUDADataset,
                                            TranslationMismatchError)
from .uda_dataset import UDADataset
from .vkitti import VKittiDataset

__all__ = [
    'CityscapesDataset', 'GTA5Dataset', 'KittiSegDataset', 'SynscapesDataset',
    'SynthiaDataset', 'VKittiDataset', 'UDADataset',
    'TranslatedSourceUDADataset', 'TranslationMismatchError',
    'LoadDepthFromFile', 'check_num_classes', 'check_same_classes',
    'check_depth_available', 'ClassMismatchError', 'DepthMapError',
    'DepthNotFoundError', 'LabelNotFoundError', 'MissingLabelsError',
    'SampleLoadError', 'RareClassSampler', 'RareClassIndex',
    'ClassStatsNotFoundError', 'load_class_stats', 'rare_class_probabilities'
]
