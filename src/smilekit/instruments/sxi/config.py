"""The SXI instrument configuration: one frozen object holding every number of the instrument model.

Each field says where its default comes from. "Table 1" is that of the SMILE handbook chapter
:cite:`branduardiraymont2022` ("Main parameters of the Soft X-ray Imager", from the ESA Red Book,
:cite:`branduardiraymont2018`). Values marked **assumption** are not published for SXI (or were not
found); they are our choices, stated so that they can be replaced by a calibration file later.

Geometry used throughout the SXI chain
--------------------------------------
The focal plane is flat and perpendicular to the boresight (body +Z). A direction with FOV angular
coordinates (u, v) (u along body +X, the 27 deg axis; v along body +Y, the 16 deg axis) is
normalise(tan u X + tan v Y + Z) and is imaged at the focal-plane position
``(x, y) = focal_length * (tan u, tan v)`` (gnomonic projection, the convention shared by the SXI modules).
The two CCDs lie side by side along x, symmetric about the boresight, with a gap between them:
CCD 1 covers ``x`` in ``[-gap/2 - size, -gap/2]``, CCD 2 ``[gap/2, gap/2 + size]``, both ``|y| <= size/2``.
The field of view (the baffle and optic frame) limits the sensitive area further to
``|x| <= f tan(fov_u / 2)``, ``|y| <= f tan(fov_v / 2)``. With the defaults each CCD spans
``2 atan(4.05 / 30) = 15.4 deg`` (the "15.5 deg" also quoted for the short axis), and the 27 deg axis is
set by the frame, not by the CCDs (two 8.1 cm CCDs would span 30 deg).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import NamedTuple

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.instruments.config import InstrumentConfig
from smilekit.instruments.sxi.spectrum import SWCX_SPECTRUM, LineSpectrum
from smilekit.mission.fov import SXI

__all__ = ["SXIConfig", "SXIValues"]


class SXIValues(NamedTuple):
    """The configuration as plain floats in fixed units, for the numeric kernels (see :class:`SXIConfig`)."""

    focal_mm: float
    fov_u_deg: float
    fov_v_deg: float
    ccd_mm: float
    ccd_pixels: int
    gap_mm: float
    psf_sigma_mm: float
    p_reflect: float
    wing_sigma_mm: float
    area_peak_cm2: float
    filter_kev: float
    cutoff_kev: float
    qe: float
    fwhm_ref_kev: float
    e_ref_kev: float
    frame_s: float
    pi_width_kev: float
    pi_channels: int
    threshold_kev: float
    vignetting_corner: float
    particle_rate: float  # counts s^-1 cm^-2 keV^-1
    stray_rate: float  # counts s^-1 cm^-2 at stray_angle_deg
    stray_angle_deg: float
    stray_index: float
    stray_lo_kev: float
    stray_hi_kev: float
    sun_avoidance_deg: float
    r45_area_cm2: float
    r45_lo_kev: float
    r45_hi_kev: float
    r12_rate: float  # 1e-6 counts s^-1 arcmin^-2
    r12_area_cm2: float
    r12_lo_kev: float
    r12_hi_kev: float
    sky_pixel_deg: float


@dataclass(frozen=True, eq=False)
class SXIConfig(InstrumentConfig):
    """The SXI instrument model: optics, detectors, response and backgrounds (all defaults documented).

    Build one with the defaults (``SXIConfig()``) or change fields with :func:`dataclasses.replace`.
    Every field is an astropy Quantity (or a plain number where dimensionless); :attr:`values` gives the
    same numbers as plain floats in fixed units for the kernels.

    Attributes
    ----------
    focal_length : Quantity
        30 cm (Table 1).
    fov : Quantity
        Full field of view (along u = body X, along v = body Y): (27, 16) deg, the payload's
        :data:`smilekit.mission.fov.SXI` (Table 1; the Leicester SXI pages, :cite:`leicestersxi`,
        quote 26.5 x 15.5 deg). Here it is the frame that bounds the sensitive focal-plane area.
    ccd_size : Quantity
        Side of each (square) CCD, 8.1 cm (the Leicester SXI pages, :cite:`leicestersxi`).
    ccd_pixels : int
        Pixels per CCD side, 4510 (**assumption**: the Teledyne-e2v CCD370, 4510 x 4510 pixels of 18 um,
        *check*); only used for the RAWX/RAWY event columns.
    ccd_gap : Quantity
        Gap between the two CCDs along x, 2 mm (**assumption**; 0.38 deg on the sky).
    psf_fwhm : Quantity
        FWHM of the central spot, 8 arcmin (Table 1: "Point Spread Function FWHM ~ 8 arcmin").
    psf_reflection_probability : float
        Probability p that a photon is reflected by one pair of pore walls, 0.5 (**assumption**). In a
        square-pore lobster eye (Angel 1979, ApJ 233, 364, :cite:`angel1979`) a photon is focused along an
        axis when it is
        reflected once by the walls of that axis; reflections in the two orthogonal wall pairs taken as
        independent give the central spot a fraction p^2, each cruciform arm p(1 - p) and the unfocused
        diffuse patch (1 - p)^2: 25 %, 2 x 25 % and 25 % for p = 0.5, the budget usually quoted for an
        ideal square-pore optic.
    psf_wing_sigma : Quantity
        Gaussian sigma of the arms (along their length) and of the diffuse patch, 1 deg
        (**assumption**: unfocused rays spread over the pore acceptance, about d/L rad, ~1.1 deg for a pore
        length-to-width ratio L/d ~ 50).
    effective_area : Quantity
        Peak optic effective area (optic and optical blocking filter), 15 cm^2 (Table 1: "Optic
        effective area 15 cm2"). Its energy dependence is in
        :func:`~smilekit.instruments.sxi.response.effective_area`.
    filter_energy, optic_cutoff_energy : Quantity
        Shape of the effective-area curve (**assumption**): the filter transmission
        ``exp(-(filter_energy / E)^3)`` (photoabsorption ~ E^-3) with filter_energy = 0.25 keV, and the
        grazing-incidence reflectivity roll-off ``1 / (1 + (E / cutoff)^4)`` with cutoff = 1.5 keV.
    qe : float
        CCD quantum efficiency 0.89 (Table 1), taken as flat over the band.
    energy_resolution : Quantity
        FWHM at :attr:`energy_resolution_reference`: 50 eV at 500 eV (Table 1); the FWHM scales
        as sqrt(E) (Fano-limited charge statistics).
    energy_resolution_reference : Quantity
        500 eV.
    frame_time : Quantity
        CCD frame integration time, 4 s (Table 1: "~ 4 sec").
    pi_channel_width : Quantity
        Width of a PI channel, 5 eV (**assumption**; PI = floor(E / width)).
    pi_channels : int
        Number of PI channels, 1024 (0 to 5.12 keV).
    event_threshold : Quantity
        Lowest measured energy kept as an event, 0.1 keV (**assumption**; the science band starts at
        0.2 keV, :cite:`branduardiraymont2022`).
    vignetting_corner : float
        Relative effective area at the FOV corner, 0.8 (**assumption**). The vignetting is
        ``1 - (1 - vignetting_corner) (theta / theta_corner)^2`` with theta the off-axis angle.
    particle_background : Quantity
        Quiescent particle background, 2e-3 counts s^-1 cm^-2 keV^-1, flat in energy, not vignetted
        (**assumption**, *check*: the order of the quiescent particle background of the XMM-Newton EPIC
        CCDs in their high orbit, e.g. Kuntz & Snowden 2008, A&A 478, 575, :cite:`kuntz2008`; the SXI-specific
        Geant4 estimate is in Hubbard et al. 2023, Earth Planet. Phys. 8, 1, :cite:`hubbard2023`).
    stray_light_rate, stray_light_angle, stray_light_index : Quantity, Quantity, float
        Optical stray light from the Sun scattered by the baffle, as detected events:
        ``rate = stray_light_rate (stray_light_angle / sun_angle)^index`` per cm^2 of detector, 1e-3
        counts s^-1 cm^-2 at 30 deg with index 4 (**assumption**; a baffle-attenuation-like fall-off).
    stray_light_band : Quantity
        Measured energies of stray-light events, uniform in (0.1, 0.3) keV (**assumption**: optical
        loading raises the signal of low-energy events near the threshold).
    sun_avoidance_angle : Quantity
        Frames with the Sun closer than this to the boresight are flagged, 30 deg (the **assumption** of
        :func:`smilekit.mission.pointing.exclusions`).
    r45_effective_area, r45_band : Quantity
        Conversion of the ROSAT PSPC 3/4 keV (R4+R5) map to photons: band-averaged PSPC survey effective
        area 150 cm^2 (**assumption**, *check*: the PSPC on-axis area is ~200 cm^2 near 1 keV) and a flat
        photon spectrum over the band 0.44-1.21 keV (the nominal R4+R5 band, Snowden et al. 1997, ApJ
        485, 125, :cite:`snowden1997`, *check*).
    r12_rate, r12_effective_area, r12_band : Quantity
        The 1/4 keV (R1+R2) component, for which no map ships: a uniform 500e-6 counts s^-1 arcmin^-2
        (**assumption**: a typical level of the RASS R12 map, Snowden et al. 1997, between the ~300 of the
        Galactic plane and ~1000 at high latitude), band-averaged PSPC area 150 cm^2 (**assumption**, as for
        R45) and a flat photon spectrum over 0.11-0.284 keV.
    sky_pixel : Quantity
        Pixel of the event-list sky coordinates X, Y (tangent plane), 1 arcmin (**assumption**; 1/8 of
        the PSF FWHM).
    spectrum : LineSpectrum
        The SWCX source spectrum (default :data:`~smilekit.instruments.sxi.spectrum.SWCX_SPECTRUM`).

    Raises
    ------
    InputError
        For a field with the wrong unit or out of range (e.g. a negative area, ``qe`` outside (0, 1]).

    Examples
    --------
    >>> import dataclasses
    >>> import astropy.units as u
    >>> cfg = SXIConfig()
    >>> round(float(cfg.ccd_angle.to_value(u.deg)), 2)  # one CCD on the sky
    15.38
    >>> dataclasses.replace(cfg, ccd_gap=5 * u.mm).values.gap_mm
    5.0
    """

    focal_length: u.Quantity = field(default_factory=lambda: 30.0 * u.Unit("cm"))
    fov: u.Quantity = field(default_factory=lambda: SXI.fov.copy())
    ccd_size: u.Quantity = field(default_factory=lambda: 8.1 * u.Unit("cm"))
    ccd_pixels: int = 4510
    ccd_gap: u.Quantity = field(default_factory=lambda: 2.0 * u.Unit("mm"))
    psf_fwhm: u.Quantity = field(default_factory=lambda: 8.0 * u.Unit("arcmin"))
    psf_reflection_probability: float = 0.5
    psf_wing_sigma: u.Quantity = field(default_factory=lambda: 1.0 * u.Unit("deg"))
    effective_area: u.Quantity = field(default_factory=lambda: 15.0 * u.Unit("cm2"))
    filter_energy: u.Quantity = field(default_factory=lambda: 0.25 * u.Unit("keV"))
    optic_cutoff_energy: u.Quantity = field(default_factory=lambda: 1.5 * u.Unit("keV"))
    qe: float = 0.89
    energy_resolution: u.Quantity = field(default_factory=lambda: 50.0 * u.Unit("eV"))
    energy_resolution_reference: u.Quantity = field(default_factory=lambda: 500.0 * u.Unit("eV"))
    frame_time: u.Quantity = field(default_factory=lambda: 4.0 * u.Unit("s"))
    pi_channel_width: u.Quantity = field(default_factory=lambda: 5.0 * u.Unit("eV"))
    pi_channels: int = 1024
    event_threshold: u.Quantity = field(default_factory=lambda: 0.1 * u.Unit("keV"))
    vignetting_corner: float = 0.8
    particle_background: u.Quantity = field(default_factory=lambda: 2e-3 * u.Unit("ct s-1 cm-2 keV-1"))
    stray_light_rate: u.Quantity = field(default_factory=lambda: 1e-3 * u.Unit("ct s-1 cm-2"))
    stray_light_angle: u.Quantity = field(default_factory=lambda: 30.0 * u.Unit("deg"))
    stray_light_index: float = 4.0
    stray_light_band: u.Quantity = field(default_factory=lambda: [0.1, 0.3] * u.keV)
    sun_avoidance_angle: u.Quantity = field(default_factory=lambda: 30.0 * u.Unit("deg"))
    r45_effective_area: u.Quantity = field(default_factory=lambda: 150.0 * u.Unit("cm2"))
    r45_band: u.Quantity = field(default_factory=lambda: [0.44, 1.21] * u.keV)
    r12_rate: u.Quantity = field(default_factory=lambda: 500e-6 * u.Unit("ct s-1 arcmin-2"))
    r12_effective_area: u.Quantity = field(default_factory=lambda: 150.0 * u.Unit("cm2"))
    r12_band: u.Quantity = field(default_factory=lambda: [0.11, 0.284] * u.keV)
    sky_pixel: u.Quantity = field(default_factory=lambda: 1.0 * u.Unit("arcmin"))
    spectrum: LineSpectrum = SWCX_SPECTRUM

    @cached_property
    def values(self) -> SXIValues:
        """The configuration as plain floats (mm, deg, keV, s, cm^2; see :class:`SXIValues`)."""
        f_mm = float(as_value(self.focal_length, u.mm, "focal_length", positive=True))
        fov = np.atleast_1d(as_value(self.fov, u.deg, "fov", positive=True))
        if fov.shape != (2,) or (fov >= 180.0).any():
            raise InputError(f"fov must be two angles below 180 deg (along u, along v), got {self.fov}")
        for name in ("ccd_pixels", "pi_channels"):
            n = getattr(self, name)
            if not isinstance(n, int | np.integer) or n < 1:
                raise InputError(f"{name} must be a positive integer, got {n!r}")
        p = self.psf_reflection_probability
        if not isinstance(p, float | int) or not 0.0 < p <= 1.0:
            raise InputError(f"psf_reflection_probability must lie in (0, 1], got {p!r}")
        if not isinstance(self.qe, float | int) or not 0.0 < self.qe <= 1.0:
            raise InputError(f"qe must lie in (0, 1], got {self.qe!r}")
        vc = self.vignetting_corner
        if not isinstance(vc, float | int) or not 0.0 < vc <= 1.0:
            raise InputError(f"vignetting_corner must lie in (0, 1], got {vc!r}")
        if not isinstance(self.stray_light_index, float | int) or self.stray_light_index < 0:
            raise InputError(f"stray_light_index must be >= 0, got {self.stray_light_index!r}")
        if not isinstance(self.spectrum, LineSpectrum):
            raise InputError(f"spectrum must be a LineSpectrum, got {type(self.spectrum).__name__}")

        def band(value, name):
            b = np.atleast_1d(as_value(value, u.keV, name, nonnegative=True))
            if b.shape != (2,) or not b[0] < b[1]:
                raise InputError(f"{name} must be two increasing energies, got {value}")
            return float(b[0]), float(b[1])

        stray = band(self.stray_light_band, "stray_light_band")
        r45 = band(self.r45_band, "r45_band")
        r12 = band(self.r12_band, "r12_band")
        fwhm_to_sigma = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))
        psf_rad = float(as_value(self.psf_fwhm, u.rad, "psf_fwhm", positive=True))
        wing_rad = float(as_value(self.psf_wing_sigma, u.rad, "psf_wing_sigma", positive=True))
        gap_mm = float(as_value(self.ccd_gap, u.mm, "ccd_gap", nonnegative=True))
        frame_width_mm = 2.0 * f_mm * math.tan(math.radians(0.5 * float(fov[0])))
        if gap_mm >= frame_width_mm:
            raise InputError(
                f"ccd_gap {gap_mm:g} mm is as wide as the field along u ({frame_width_mm:.3g} mm at "
                f"{float(fov[0]):g} deg): no CCD would see the sky; the gap must be narrower"
            )
        return SXIValues(
            focal_mm=f_mm,
            fov_u_deg=float(fov[0]),
            fov_v_deg=float(fov[1]),
            ccd_mm=float(as_value(self.ccd_size, u.mm, "ccd_size", positive=True)),
            ccd_pixels=int(self.ccd_pixels),
            gap_mm=gap_mm,
            psf_sigma_mm=f_mm * psf_rad * fwhm_to_sigma,
            p_reflect=float(p),
            wing_sigma_mm=f_mm * wing_rad,
            area_peak_cm2=float(as_value(self.effective_area, u.cm**2, "effective_area", positive=True)),
            filter_kev=float(as_value(self.filter_energy, u.keV, "filter_energy", nonnegative=True)),
            cutoff_kev=float(as_value(self.optic_cutoff_energy, u.keV, "optic_cutoff_energy", positive=True)),
            qe=float(self.qe),
            fwhm_ref_kev=float(as_value(self.energy_resolution, u.keV, "energy_resolution", positive=True)),
            e_ref_kev=float(
                as_value(
                    self.energy_resolution_reference, u.keV, "energy_resolution_reference", positive=True
                )
            ),
            frame_s=float(as_value(self.frame_time, u.s, "frame_time", positive=True)),
            pi_width_kev=float(as_value(self.pi_channel_width, u.keV, "pi_channel_width", positive=True)),
            pi_channels=int(self.pi_channels),
            threshold_kev=float(as_value(self.event_threshold, u.keV, "event_threshold", nonnegative=True)),
            vignetting_corner=float(vc),
            particle_rate=float(
                as_value(
                    self.particle_background,
                    u.ct / u.s / u.cm**2 / u.keV,
                    "particle_background",
                    nonnegative=True,
                )
            ),
            stray_rate=float(
                as_value(self.stray_light_rate, u.ct / u.s / u.cm**2, "stray_light_rate", nonnegative=True)
            ),
            stray_angle_deg=float(
                as_value(self.stray_light_angle, u.deg, "stray_light_angle", positive=True)
            ),
            stray_index=float(self.stray_light_index),
            stray_lo_kev=stray[0],
            stray_hi_kev=stray[1],
            sun_avoidance_deg=float(
                as_value(self.sun_avoidance_angle, u.deg, "sun_avoidance_angle", nonnegative=True)
            ),
            r45_area_cm2=float(
                as_value(self.r45_effective_area, u.cm**2, "r45_effective_area", positive=True)
            ),
            r45_lo_kev=r45[0],
            r45_hi_kev=r45[1],
            r12_rate=float(
                as_value(self.r12_rate, 1e-6 * u.ct / u.s / u.arcmin**2, "r12_rate", nonnegative=True)
            ),
            r12_area_cm2=float(
                as_value(self.r12_effective_area, u.cm**2, "r12_effective_area", positive=True)
            ),
            r12_lo_kev=r12[0],
            r12_hi_kev=r12[1],
            sky_pixel_deg=float(as_value(self.sky_pixel, u.deg, "sky_pixel", positive=True)),
        )

    # -------------------------------------------------------------------------------------------
    # Derived geometry
    # -------------------------------------------------------------------------------------------
    @property
    def ccd_angle(self) -> u.Quantity:
        """The angle one CCD spans on the sky across the boresight, ``2 atan(size / 2 f)``."""
        v = self.values
        return 2.0 * math.degrees(math.atan(0.5 * v.ccd_mm / v.focal_mm)) * u.deg

    def ccd_rectangles_values(self) -> np.ndarray:
        """Sensitive focal-plane rectangles (mm), shape (2, 4): ``[x0, x1, y0, y1]`` for CCD 1 and CCD 2.

        The CCD areas clipped to the field-of-view frame (see the module docstring).
        """
        return ccd_rectangles(self.values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!s}" for f in fields(self) if f.name != "spectrum")
        return f"SXIConfig({shown}, spectrum={self.spectrum.name!r})"


def ccd_rectangles(v: SXIValues) -> np.ndarray:
    """Kernel: the two sensitive rectangles ``[x0, x1, y0, y1]`` (mm) from :class:`SXIValues`."""
    x_lim = v.focal_mm * math.tan(math.radians(0.5 * v.fov_u_deg))
    y_lim = v.focal_mm * math.tan(math.radians(0.5 * v.fov_v_deg))
    half_gap = 0.5 * v.gap_mm
    y0, y1 = max(-0.5 * v.ccd_mm, -y_lim), min(0.5 * v.ccd_mm, y_lim)
    left = [max(-half_gap - v.ccd_mm, -x_lim), -half_gap, y0, y1]
    right = [half_gap, min(half_gap + v.ccd_mm, x_lim), y0, y1]
    return np.array([left, right], dtype=np.float64)
