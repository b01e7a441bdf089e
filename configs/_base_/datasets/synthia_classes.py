# The 16 classes of SYNTHIA-RAND-CITYSCAPES in Cityscapes order (=
# udaplug.datasets.label_sets.SYNTHIA_CLASSES, the train ids 0..15 the
# SYNTHIA converter writes: Cityscapes' 19 without terrain, truck and train)
# and the 13 of them without wall, fence and pole (AdaptSegNet's "mIoU*",
# GIO-Ada's Table 4). Inherited next to a dataset config by the SYNTHIA
# configs, real and demo.
synthia_classes = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                   'traffic light', 'traffic sign', 'vegetation', 'sky',
                   'person', 'rider', 'car', 'bus', 'motorcycle', 'bicycle')
synthia13_classes = ('road', 'sidewalk', 'building', 'traffic light',
                     'traffic sign', 'vegetation', 'sky', 'person', 'rider',
                     'car', 'bus', 'motorcycle', 'bicycle')
