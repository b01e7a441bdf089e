"""The look and camera of the demo's two domains, and the constants the
generator's modules share."""
from dataclasses import dataclass
from typing import Dict, Tuple

from ..label_sets import CITYSCAPES_CLASSES, SYNTHIA_ID_NAMES

#: Depth of the sky and the cap of all depths in the demo data (cm).
DEMO_MAX_DEPTH_CM = 10000
#: ``depth_range`` of the demo's depth maps for ``LoadDepthFromFile`` (cm).
DEMO_DEPTH_RANGE = (0, DEMO_MAX_DEPTH_CM)
DEMO_CITIES = dict(train='demoville', val='demoburg')
DEFAULT_SIZE = (256, 128)  # (width, height)
EGO_VEHICLE = 'ego vehicle'
LANE_MARKING = 'lanemarking'

#: Cityscapes class name -> train id (the canvas holds train ids).
TRAIN_ID = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}
#: SYNTHIA class name -> SYNTHIA class id.
SYNTHIA_ID = {name: i for i, name in SYNTHIA_ID_NAMES.items()}
#: Cityscapes class names that SYNTHIA names differently.
CITYSCAPES_TO_SYNTHIA_NAME = {
    'person': 'pedestrian',
}


@dataclass
class DomainStyle:
    """How one domain looks and where its camera is."""
    name: str
    camera_height: Tuple[float, float]  # metres, uniform range
    horizon: Tuple[float, float]  # fraction of the image height
    palette: Dict[str, Tuple[int, int, int]]
    grain: float = 0.0  # std of per-pixel multiplicative texture
    blotches: float = 0.0  # std of low-frequency texture
    shadows: int = 0  # max number of cast shadows on the ground
    light_gradient: float = 0.0
    vignette: float = 0.0
    blur: float = 0.0  # Gaussian sigma in pixels (at 256 px width)
    noise: float = 0.0  # sensor noise std (0..1 scale)
    gamma: Tuple[float, float] = (1.0, 1.0)
    ego_hood: bool = False


SOURCE_STYLE = DomainStyle(
    name='synthetic',
    camera_height=(1.45, 1.75),
    horizon=(0.37, 0.47),
    palette=dict(
        road=(88, 86, 96),
        marking=(235, 235, 225),
        sidewalk=(196, 150, 176),
        building=(172, 128, 96),
        wall=(190, 184, 150),
        fence=(140, 100, 60),
        pole=(150, 150, 160),
        light=(30, 30, 30),
        sign=(245, 205, 20),
        vegetation=(50, 170, 40),
        terrain=(150, 210, 90),
        sky=(90, 160, 245),
        person=(200, 40, 50),
        rider=(230, 90, 20),
        car=(40, 60, 200),
        truck=(60, 140, 160),
        bus=(230, 180, 40),
        bicycle=(150, 20, 60),
        window=(60, 90, 140)),
    light_gradient=0.03)

TARGET_STYLE = DomainStyle(
    name='real',
    camera_height=(1.15, 1.35),
    horizon=(0.45, 0.55),
    palette=dict(
        road=(105, 103, 100),
        marking=(210, 210, 200),
        sidewalk=(160, 152, 156),
        building=(140, 125, 118),
        wall=(165, 160, 140),
        fence=(125, 105, 80),
        pole=(130, 130, 135),
        light=(45, 45, 45),
        sign=(215, 190, 70),
        vegetation=(75, 115, 55),
        terrain=(140, 170, 100),
        sky=(165, 185, 205),
        person=(150, 60, 70),
        rider=(180, 100, 60),
        car=(70, 80, 160),
        truck=(80, 125, 135),
        bus=(190, 160, 80),
        bicycle=(120, 50, 70),
        window=(70, 85, 110)),
    grain=0.05,
    blotches=0.06,
    shadows=2,
    light_gradient=0.12,
    vignette=0.2,
    blur=0.6,
    noise=0.015,
    gamma=(0.85, 1.15),
    ego_hood=True)


def _dusk_colour(rgb: Tuple[int, int, int]) -> Tuple[int, int, int]:
    """A colour of the "real" palette in late-evening light: darker and
    warmer (red kept most, blue least)."""
    r, g, b = rgb
    return (min(255, int(0.75 * r + 12)), int(0.62 * g + 4), int(0.5 * b))


#: A second "real" target domain for checking that a method is not fitted
#: to the first (``tools/make_demo_data.py --target-style dusk``): the same
#: scenes and classes in a darker, warmer light under a hazy orange-grey
#: sky, with more sensor noise, grain and vignetting, stronger blur, no
#: cast shadows and no bonnet, seen from a higher camera (a van's).
DUSK_STYLE = DomainStyle(
    name='dusk',
    camera_height=(1.7, 2.1),
    horizon=(0.38, 0.48),
    palette=dict(
        {
            name: _dusk_colour(rgb)
            for name, rgb in TARGET_STYLE.palette.items()
        },
        sky=(150, 122, 112),
        light=(70, 60, 40)),
    grain=0.08,
    blotches=0.08,
    shadows=0,
    light_gradient=0.15,
    vignette=0.35,
    blur=0.9,
    noise=0.03,
    gamma=(1.05, 1.3),
    ego_hood=False)

#: The target looks ``make_demo_data(target_style=...)`` can write, by name.
TARGET_STYLES = dict(cityscapes=TARGET_STYLE, dusk=DUSK_STYLE)
