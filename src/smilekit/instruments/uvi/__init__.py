"""The UltraViolet Imager: the instrument model (optics, intensifier, CCD) and the frame simulator.

The chain: a brightness map in rayleighs on the detector's pixel grid (160-180 nm, LBH) ->
:func:`simulate_image` (PSF, photocathode, Polya MCP gain, phosphor and CCD, dark and read noise, the
visible leak; :class:`UVIConfig` holds the instrument) -> the summed CCD image of one exposure in DN
(or, from telemetry, :func:`image_from_telemetry`: the telemetered image with the housekeeping attitude
and the orbit) -> :func:`make_l1` (dark, flat, ct/s and R) -> :func:`make_l2` (dayglow removed, vertical
column, on magnetic latitude x MLT). The sky (:func:`~smilekit.instruments.uvi.sky.model_sky`) is made on
the detector's pixel grid, one definition (:func:`~smilekit.instruments.uvi.detector.tangent_edges_values`).
:func:`expected_snr` gives the analytic sensitivity the simulation reproduces.
"""

from smilekit.instruments.uvi.config import UVIConfig
from smilekit.instruments.uvi.detector import (
    counts_per_rayleigh,
    expected_snr,
    pixel_centres,
    psf_fwhm,
    requirement_resolution,
    visible_leak,
)
from smilekit.instruments.uvi.l1 import image_from_telemetry, make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.simulate import simulate_image

__all__ = [
    "UVIConfig",
    "counts_per_rayleigh",
    "expected_snr",
    "image_from_telemetry",
    "make_l1",
    "make_l2",
    "pixel_centres",
    "psf_fwhm",
    "requirement_resolution",
    "simulate_image",
    "visible_leak",
]
