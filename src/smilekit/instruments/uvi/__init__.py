"""The UltraViolet Imager: the instrument model (optics, intensifier, CCD) and the frame simulator.

The chain: a brightness map in rayleighs on the detector's pixel grid (160-180 nm, LBH) ->
:func:`simulate_image` (PSF, photocathode, Polya MCP gain, phosphor and CCD, dark and read noise, the
visible leak; :class:`UVIConfig` holds the instrument) -> the summed CCD image of one exposure in DN.
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
from smilekit.instruments.uvi.simulate import simulate_image

__all__ = [
    "UVIConfig",
    "counts_per_rayleigh",
    "expected_snr",
    "pixel_centres",
    "psf_fwhm",
    "requirement_resolution",
    "simulate_image",
    "visible_leak",
]
