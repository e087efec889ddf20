"""The Soft X-ray Imager: line-of-sight imaging, the instrument model, photon events (L1) and images (L2).

The chain: :func:`intensity_map` (emissivity integrated along each line of sight of the SXI field of view
by :mod:`smilekit.imaging`, keV cm⁻² s⁻¹ sr⁻¹) -> :func:`simulate_events` (Poisson photon events through
the optics, CCDs and backgrounds; :class:`SXIConfig` holds the instrument) -> an :class:`EventList` (L1)
(or :func:`event_list_from_telemetry`, the L1 from what the instrument telemeters)
-> :func:`make_l2` (background-subtracted, vignetting-corrected images at 1- or 5-min cadence; the
background levels estimated from the data by default, :mod:`~smilekit.instruments.sxi.background_fit`). The
products are made here in memory; their files (OGIP FITS event lists and images) are written and read by
:mod:`smilekit.products.sxi_fits`.
"""

from smilekit.imaging import los_intensity
from smilekit.instruments.sxi.background import (
    astrophysical_intensity,
    gse_to_galactic,
    particle_rate,
    rosat_r45,
    stray_light_rate,
    sun_geometry,
    xrb_spectra,
)
from smilekit.instruments.sxi.background_fit import estimate_particle_level
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.l1 import EventList, event_list_from_telemetry
from smilekit.instruments.sxi.l2 import CADENCES, make_l2
from smilekit.instruments.sxi.psf import psf_density, psf_fwhm, vignetting
from smilekit.instruments.sxi.response import (
    band_efficiency,
    counts_per_intensity,
    effective_area,
    energy_resolution,
)
from smilekit.instruments.sxi.simulate import expected_counts, simulate_events
from smilekit.instruments.sxi.sky import intensity_map
from smilekit.instruments.sxi.spectrum import (
    BANDS,
    SWCX_SPECTRUM,
    LineSpectrum,
    band_limits,
    flat_spectrum,
    monochromatic,
)

__all__ = [
    "BANDS",
    "CADENCES",
    "SWCX_SPECTRUM",
    "EventList",
    "LineSpectrum",
    "SXIConfig",
    "astrophysical_intensity",
    "band_efficiency",
    "band_limits",
    "counts_per_intensity",
    "effective_area",
    "energy_resolution",
    "estimate_particle_level",
    "event_list_from_telemetry",
    "expected_counts",
    "flat_spectrum",
    "gse_to_galactic",
    "intensity_map",
    "los_intensity",
    "make_l2",
    "monochromatic",
    "particle_rate",
    "psf_density",
    "psf_fwhm",
    "rosat_r45",
    "simulate_events",
    "stray_light_rate",
    "sun_geometry",
    "vignetting",
    "xrb_spectra",
]
