"""A procedural street-scene generator: a small synthetic -> real domain pair
stored in the real on-disk formats of GTA5, SYNTHIA and Cityscapes.

Every scene is sampled from one distribution of street layouts (a straight
street with road, sidewalks, grass verges, façades of buildings, walls,
fences and hedges, a far end, poles with signs and traffic lights, trees,
cars, trucks, buses, pedestrians and cyclists) and rendered with a pinhole
camera, so the horizon, the road trapezoid and the shrinking of far objects
follow perspective. The two domains share the scene statistics but not the
look:

* source ("synthetic"): flat saturated colours, crisp aliased edges, even
  lighting, camera 1.6 m above the road, horizon at ~42 % of the height;
* target ("real"): a different, muted palette, texture grain and blotches,
  cast shadows, a lighting gradient, vignetting, blur, sensor noise, gamma,
  the ego vehicle's bonnet at the bottom (label: ego vehicle, ignored) and a
  lower camera (1.25 m) with the horizon at ~50 %.

Files written under ``out`` (see :func:`make_demo_data`)::

    gta5/images/00001.png
    gta5/labels/00001.png              Cityscapes label ids, 8-bit palette
                                       PNG with Cityscapes' colours (as
                                       GTA5 releases its labels)
    synthia/RGB/0000000.png
    synthia/GT/LABELS/0000000.png      16-bit, R = SYNTHIA class id,
                                       G = instance id (0 for stuff)
    synthia/Depth/Depth/0000000.png    16-bit, 3 equal channels, cm
    cityscapes/leftImg8bit/{train,val}/<city>/
        <city>_000000_NNNNNN_leftImg8bit.png
    cityscapes/gtFine/{train,val}/<city>/
        <city>_000000_NNNNNN_gtFine_labelIds.png

and then the converters' ``*_labelTrainIds.png`` / ``*_depth_cm.png`` and
class statistics. The GTA5 and SYNTHIA folders hold the same source scenes.

Modules: :mod:`.styles` (the two domains' looks and cameras, shared
constants), :mod:`.scenes` (street layouts), :mod:`.canvas` (render
buffers), :mod:`.render` (camera, :func:`render_sample`), :mod:`.objects`
(object drawing), :mod:`.look` (a domain's look), :mod:`.writers` (files,
converters, preview).
"""
from .render import render_sample
from .scenes import sample_scene
from .styles import (DEFAULT_SIZE, DEMO_CITIES, DEMO_DEPTH_RANGE,
                     DEMO_MAX_DEPTH_CM, DUSK_STYLE, EGO_VEHICLE, LANE_MARKING,
                     SOURCE_STYLE, TARGET_STYLE, TARGET_STYLES, DomainStyle)
from .writers import make_demo_data, write_preview

__all__ = [
    'DEFAULT_SIZE', 'DEMO_CITIES', 'DEMO_DEPTH_RANGE', 'DEMO_MAX_DEPTH_CM',
    'DUSK_STYLE', 'EGO_VEHICLE', 'LANE_MARKING', 'SOURCE_STYLE',
    'TARGET_STYLE', 'TARGET_STYLES', 'DomainStyle', 'make_demo_data',
    'render_sample', 'sample_scene', 'write_preview'
]
