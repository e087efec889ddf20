"""Science from the SXI images: the magnetopause stand-off distance, the cusp edges, the L3 products."""

from smilekit.science.geometry import ImageGeometry, image_geometry

__all__ = ["ImageGeometry", "image_geometry"]
