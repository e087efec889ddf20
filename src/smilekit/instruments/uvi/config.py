"""The UVI instrument configuration: one frozen object holding every number of the imager model.

The published requirements come from the SMILE handbook chapter :cite:`branduardiraymont2022` (section 3.2,
"The UltraViolet Imager"): a four-mirror reflective imager with a 10 x 10 deg field, a 160-180 nm (LBH)
passband made by coatings that reject the visible by more than 1e16, an image intensifier (photocathode,
microchannel plate, phosphor) read by a CCD, 150 km or better resolution from beyond 15 RE geocentric and
150 R or better sensitivity in 1-min exposures. The chapter gives no aperture, quantum efficiency, gain
or noise figure; those fields are **assumptions**: a documented design that meets the requirements, built
like the comparable intensified FUV cameras that are published (the IMAGE Wideband Imaging Camera,
:cite:`mende2000wic`; the Polar UVI, :cite:`torr1995`), to be replaced by a calibration file later.

Geometry shared by the UVI modules
----------------------------------
The image is ``pixels x pixels`` square pixels covering the field of view, array index ``[iy, ix]``;
pixel centres sit at the gnomonic angles ``(i + 0.5) * pitch - fov / 2`` (deg) along the instrument
frame's +X (``ix``) and +Y (``iy``) axes of :data:`smilekit.mission.fov.UVI`. A brightness map handed to
:func:`~smilekit.instruments.uvi.simulate.simulate_image` is on this grid, one value per pixel (the mean
brightness over the pixel, rayleighs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.instruments.config import InstrumentConfig
from smilekit.mission.fov import UVI

__all__ = ["MAX_PIXELS", "UVIConfig", "UVIValues"]

#: The most pixels per image side smilekit makes (a 4096^2 frame of float64 maps is ~130 MB each).
MAX_PIXELS = 4096


class UVIValues(NamedTuple):
    """The configuration as plain floats in fixed units, for the numeric kernels (see :class:`UVIConfig`)."""

    fov_deg: float
    pixels: int
    band_lo_nm: float
    band_hi_nm: float
    aperture_cm2: float
    throughput: float
    qe: float
    mcp_gain: float
    mcp_shape: float
    phosphor_yield: float
    coupling: float
    ccd_qe: float
    ccd_gain: float  # e- per DN
    read_noise_e: float
    ccd_dark_e: float  # e- s^-1 per pixel
    full_well_e: float
    frame_s: float
    dark_rate_cm2: float  # counts s^-1 cm^-2 of photocathode
    cathode_mm: float
    optics_fwhm_deg: float
    intensifier_fwhm_deg: float
    rejection: float
    solar_photons_cm2: float  # photons cm^-2 s^-1 at 1 AU, visible/near-IR band
    albedo: float
    exposure_s: float


@dataclass(frozen=True, eq=False, repr=False)
class UVIConfig(InstrumentConfig):
    """The UVI instrument model: optics, image intensifier, CCD and out-of-band leak (defaults documented).

    Build one with the defaults (``UVIConfig()``) or change fields with :func:`dataclasses.replace`.
    Every field is an astropy Quantity (or a plain number where dimensionless); :attr:`values` gives the
    same numbers as plain floats in fixed units for the kernels.

    Attributes
    ----------
    fov : Quantity
        Full field of view, 10 deg (square): :data:`smilekit.mission.fov.UVI`, from the seed chapter
        :cite:`branduardiraymont2022` ("a 10° x 10° FOV").
    pixels : int
        Pixels per image side, 512 (**assumption**): 1.17 arcmin pixels, 33 km at 15 RE, so that the
        150 km resolution element at 15 RE (5.40 arcmin) spans 4.6 pixels (Nyquist sampling with margin).
    passband : Quantity
        160-180 nm, the LBH band (seed chapter). Used for the documentation of the band and the photon
        energy; the response is taken as flat across it (a band-averaged model).
    aperture_diameter : Quantity
        Entrance pupil diameter, 4 cm (**assumption**; 12.6 cm^2).
    optics_throughput : float
        In-band transmission of the four mirrors with their band-selecting coatings and the filter, 0.25
        (**assumption**: ~0.7 per FUV multilayer reflection to the fourth power, with the filter). With the
        aperture, an in-band effective area ``A_eff`` = 3.1 cm^2.
    photocathode_qe : float
        Band-averaged quantum efficiency of the photocathode at 160-180 nm, 0.10 (**assumption**, *check*:
        CsI photocathodes give of order 10-20 % at 160-180 nm, falling towards their ~200 nm cut-off;
        the IMAGE WIC used a CsI photocathode on its intensifier for 140-190 nm, :cite:`mende2000wic`).
    mcp_gain : float
        Mean electron gain of the microchannel plate per photoelectron, 1000 (**assumption**; a single
        plate gives ~1e3-1e4, :cite:`wiza1979`).
    mcp_gain_shape : float
        Shape ``k`` of the pulse-height distribution, taken as a Polya (gamma) law with mean
        :attr:`mcp_gain` and variance ``mcp_gain**2 / k``. 1.0, the quasi-exponential distribution of a
        single plate operated below saturation (:cite:`wiza1979`; a saturated chevron pair gives a peaked
        distribution, ``k`` of a few); the exponential is the conservative choice, with an excess noise
        factor ``1 + 1/k`` = 2.
    phosphor_yield : float
        Photons emitted by the phosphor per MCP output electron, 300 (**assumption**: a P43-like phosphor
        at ~5 kV, ~15 % energy efficiency at 2.3 eV per photon).
    relay_coupling : float
        Fraction of the phosphor photons that reach the CCD through the fibre-optic or lens relay, 0.02
        (**assumption**).
    ccd_qe : float
        CCD quantum efficiency at the phosphor's emission (~545 nm), 0.5 (**assumption**).
    ccd_gain : Quantity
        CCD conversion gain, 10 electron per DN (**assumption**). With the three factors above one
        photoevent gives 1000 x 300 x 0.02 x 0.5 = 3000 electrons, 300 DN on average.
    read_noise : Quantity
        CCD read noise, 15 electron rms per pixel per frame (**assumption**).
    ccd_dark_current : Quantity
        CCD dark current, 1 electron s^-1 per pixel (**assumption**, a cooled CCD).
    full_well : Quantity
        Full well of an image pixel per frame, 3e5 electron (**assumption**, an image pixel being a
        binned group of CCD pixels): 100 photoevents per frame, ~36 kR with 1-s frames.
    frame_time : Quantity
        CCD frame time, 1 s (**assumption**); an exposure is a whole number of frames summed on board, so
        the read noise enters once per frame.
    dark_count_rate : Quantity
        Intensifier (photocathode and MCP) dark counts, 1 count s^-1 cm^-2 (**assumption**, the order of
        the MCP background quoted by :cite:`wiza1979` and above it); these carry the MCP gain like a
        photoevent but are not blurred by the optics.
    photocathode_size : Quantity
        Width of the photocathode image of the field, 25 mm (**assumption**, a standard 25-mm intensifier);
        sets the photocathode area of a pixel for the dark counts.
    optics_psf_fwhm : Quantity
        FWHM of the optics' point spread function (Gaussian), 3 arcmin (**assumption**).
    intensifier_psf_fwhm : Quantity
        FWHM of the intensifier's blur (MCP, phosphor, relay) referred to the sky, 2.5 arcmin
        (**assumption**). The system FWHM (quadrature sum, 3.9 arcmin) is below the 5.40 arcmin that
        150 km spans from 15 RE (seed chapter).
    visible_rejection : float
        Ratio of the in-band to the visible response per photon, 1e16 (seed chapter: ">10^16 rejection in
        the visible"; the text reads "1016").
    solar_photon_irradiance : Quantity
        Solar photon irradiance at 1 AU in the visible and near infrared (300-1100 nm), 3.4e21 photons
        m^-2 s^-1 (**assumption** derived from the ASTM E-490 spectrum, :cite:`astme490`: ~1050 W m^-2 in
        the band at a mean photon energy of ~3.1e-19 J).
    visible_albedo : float
        Reflectance of the sunlit Earth in that band, 1.0 (worst case: bright cloud or snow; the global
        mean is ~0.3), as a Lambertian reflector: radiance ``albedo * F / pi``, 1.4e12 R equivalent.
    exposure : Quantity
        Nominal exposure, 60 s (the seed chapter's "1 min exposures").

    Raises
    ------
    InputError
        For a field with the wrong unit or out of range (e.g. a negative area, ``photocathode_qe``
        outside (0, 1], ``visible_rejection`` below 1).

    Examples
    --------
    >>> import astropy.units as u
    >>> cfg = UVIConfig()
    >>> round(float(cfg.effective_area.to_value(u.cm**2)), 2)
    3.14
    >>> round(float(cfg.pixel_angle.to_value(u.arcmin)), 3)
    1.172
    """

    fov: u.Quantity = field(default_factory=lambda: UVI.fov[0].copy())
    pixels: int = 512
    passband: u.Quantity = field(default_factory=lambda: [160.0, 180.0] * u.nm)
    aperture_diameter: u.Quantity = field(default_factory=lambda: 4.0 * u.Unit("cm"))
    optics_throughput: float = 0.25
    photocathode_qe: float = 0.10
    mcp_gain: float = 1000.0
    mcp_gain_shape: float = 1.0
    phosphor_yield: float = 300.0
    relay_coupling: float = 0.02
    ccd_qe: float = 0.5
    ccd_gain: u.Quantity = field(default_factory=lambda: 10.0 * u.Unit("electron / adu"))
    read_noise: u.Quantity = field(default_factory=lambda: 15.0 * u.Unit("electron"))
    ccd_dark_current: u.Quantity = field(default_factory=lambda: 1.0 * u.Unit("electron / s"))
    full_well: u.Quantity = field(default_factory=lambda: 3e5 * u.Unit("electron"))
    frame_time: u.Quantity = field(default_factory=lambda: 1.0 * u.Unit("s"))
    dark_count_rate: u.Quantity = field(default_factory=lambda: 1.0 * u.Unit("ct / (s cm2)"))
    photocathode_size: u.Quantity = field(default_factory=lambda: 25.0 * u.Unit("mm"))
    optics_psf_fwhm: u.Quantity = field(default_factory=lambda: 3.0 * u.Unit("arcmin"))
    intensifier_psf_fwhm: u.Quantity = field(default_factory=lambda: 2.5 * u.Unit("arcmin"))
    visible_rejection: float = 1e16
    solar_photon_irradiance: u.Quantity = field(default_factory=lambda: 3.4e21 * u.Unit("ph / (m2 s)"))
    visible_albedo: float = 1.0
    exposure: u.Quantity = field(default_factory=lambda: 60.0 * u.Unit("s"))

    @cached_property
    def values(self) -> UVIValues:
        """The configuration as plain floats (deg, nm, cm^2, electron, s, mm; see :class:`UVIValues`)."""
        fov = np.atleast_1d(as_value(self.fov, u.deg, "fov", positive=True))
        if fov.shape != (1,) or fov[0] >= 90.0:
            raise InputError(f"fov must be one angle below 90 deg (the square field's side), got {self.fov}")
        bad = not isinstance(self.pixels, int | np.integer) or isinstance(self.pixels, bool)
        if bad or not 8 <= self.pixels <= MAX_PIXELS:
            raise InputError(f"pixels must be an integer from 8 to {MAX_PIXELS}, got {self.pixels!r}")
        band = np.atleast_1d(as_value(self.passband, u.nm, "passband", positive=True))
        if band.shape != (2,) or not band[0] < band[1]:
            raise InputError(f"passband must be two increasing wavelengths, got {self.passband}")

        def fraction(name):
            x = getattr(self, name)
            if not isinstance(x, float | int) or isinstance(x, bool) or not 0.0 < x <= 1.0:
                raise InputError(f"{name} must be a number in (0, 1], got {x!r}")
            return float(x)

        def positive_number(name, minimum=0.0):
            x = getattr(self, name)
            if not isinstance(x, float | int) or isinstance(x, bool) or not math.isfinite(x) or x <= minimum:
                raise InputError(f"{name} must be a finite number > {minimum:g}, got {x!r}")
            return float(x)

        def scalar(name, unit, **checks):
            out = as_value(getattr(self, name), unit, name, **checks)
            if out.ndim != 0:
                raise InputError(f"{name} must be a single value, got shape {out.shape}")
            return float(out)

        if not isinstance(self.visible_rejection, float | int) or not self.visible_rejection >= 1.0:
            raise InputError(f"visible_rejection must be a number >= 1, got {self.visible_rejection!r}")
        albedo = self.visible_albedo
        if not isinstance(albedo, float | int) or isinstance(albedo, bool) or not 0.0 <= albedo <= 1.0:
            raise InputError(f"visible_albedo must be a number in [0, 1], got {albedo!r}")
        d_cm = scalar("aperture_diameter", u.cm, positive=True)
        return UVIValues(
            fov_deg=float(fov[0]),
            pixels=int(self.pixels),
            band_lo_nm=float(band[0]),
            band_hi_nm=float(band[1]),
            aperture_cm2=math.pi * 0.25 * d_cm**2,
            throughput=fraction("optics_throughput"),
            qe=fraction("photocathode_qe"),
            mcp_gain=positive_number("mcp_gain"),
            mcp_shape=positive_number("mcp_gain_shape"),
            phosphor_yield=positive_number("phosphor_yield"),
            coupling=fraction("relay_coupling"),
            ccd_qe=fraction("ccd_qe"),
            ccd_gain=scalar("ccd_gain", u.electron / u.adu, positive=True),
            read_noise_e=scalar("read_noise", u.electron, nonnegative=True),
            ccd_dark_e=scalar("ccd_dark_current", u.electron / u.s, nonnegative=True),
            full_well_e=scalar("full_well", u.electron, positive=True),
            frame_s=scalar("frame_time", u.s, positive=True),
            dark_rate_cm2=scalar("dark_count_rate", u.ct / (u.s * u.cm**2), nonnegative=True),
            cathode_mm=scalar("photocathode_size", u.mm, positive=True),
            optics_fwhm_deg=scalar("optics_psf_fwhm", u.deg, positive=True),
            intensifier_fwhm_deg=scalar("intensifier_psf_fwhm", u.deg, nonnegative=True),
            rejection=float(self.visible_rejection),
            solar_photons_cm2=scalar("solar_photon_irradiance", u.ph / (u.cm**2 * u.s), nonnegative=True),
            albedo=float(albedo),
            exposure_s=scalar("exposure", u.s, positive=True),
        )

    # -------------------------------------------------------------------------------------------
    # Derived quantities
    # -------------------------------------------------------------------------------------------
    @property
    def effective_area(self) -> u.Quantity:
        """In-band effective area of the optics, ``pi (d/2)^2 * optics_throughput`` (cm^2)."""
        v = self.values
        return v.aperture_cm2 * v.throughput * u.cm**2

    @property
    def pixel_angle(self) -> u.Quantity:
        """Side of a pixel on the sky, ``fov / pixels``."""
        v = self.values
        return (v.fov_deg / v.pixels) * u.deg

    @property
    def electrons_per_event(self) -> u.Quantity:
        """Mean CCD electrons per photoevent: MCP gain x phosphor yield x relay coupling x CCD QE."""
        return electrons_per_event(self.values) * u.electron


def electrons_per_event(v: UVIValues) -> float:
    """Kernel: mean CCD electrons per photoevent (see :attr:`UVIConfig.electrons_per_event`)."""
    return v.mcp_gain * v.phosphor_yield * v.coupling * v.ccd_qe
