"""Line-of-sight imaging, with no instrument knowledge: emissivity integrated along rays from a spacecraft.

:func:`los_intensity` (any rays; its kernel :func:`los_integral_values` in :mod:`smilekit.imaging.los`, by
default through the adaptive scheme of :mod:`smilekit.imaging.adaptive`) and :func:`cube_integral_values` (the
exact walk through a gridded cube, :mod:`smilekit.imaging.cube_walk`). The instruments build their images on
them (SXI: :func:`smilekit.instruments.sxi.intensity_map`).
"""

from smilekit.imaging.adaptive import ray_lengths_values
from smilekit.imaging.cube_walk import cube_integral_values
from smilekit.imaging.los import INTENSITY_FACTOR, adjacent_rays, los_integral_values, los_intensity

__all__ = [
    "INTENSITY_FACTOR",
    "adjacent_rays",
    "cube_integral_values",
    "los_integral_values",
    "los_intensity",
    "ray_lengths_values",
]
