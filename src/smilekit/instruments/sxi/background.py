"""SXI backgrounds: the astrophysical X-ray sky along the pointing, the particle background, stray light.

Astrophysical background
------------------------
* 3/4 keV: the ROSAT All-Sky Survey diffuse-background map in the R4+R5 band (Snowden et al. 1995, ApJ
  454, 643, :cite:`snowden1995`), shipped in ``smilekit/data/xray_background`` (see ``data/PROVENANCE.md``),
  in 1e-6 counts s^-1 arcmin^-2 (the RASS map convention; the file's header says only "10**(-6)counts/s").
  Zero-valued gaps are filled from the nearest valid pixel; the value of a direction is that of the map
  pixel (0.675 deg) containing it.
* 1/4 keV: no map is available; a uniform typical R1+R2 rate is used (``SXIConfig.r12_rate``,
  **assumption**).

A ROSAT rate R becomes a photon intensity ``N = R / (A_band Omega_arcmin2)`` (A_band: a band-averaged
PSPC effective area, **assumption**) with a flat photon spectrum across the band, so an energy intensity
``I = N <E>`` in keV cm^-2 s^-1 sr^-1, the unit of the SWCX images; :func:`xrb_spectra` gives those
spectra for the SXI response. Directions go GSE -> GEI (mean equator and equinox of date, Hapgood 1992,
:cite:`hapgood1992`, via
:mod:`smilekit.frames`) -> Galactic with astropy, treating GEI of date as FK5 with the equinox of the
date (the difference between the true and the mean equinox, nutation below 0.005 deg, is neglected;
leaving out the precession from J2000 would shift directions by 0.36 deg in 2026, half a map pixel).

Particle background
-------------------
A flat spectrum of ``SXIConfig.particle_background`` counts s^-1 cm^-2 keV^-1 of sensitive detector
area over the measured energies kept (threshold to the top PI channel), not vignetted, no PSF.

Stray light and the Sun
-----------------------
The Sun is at GSE +X (the definition of GSE) at 1 AU; its angle from the boresight includes the
spacecraft's parallax. Stray light adds ``rate (angle_0 / sun_angle)^index`` counts s^-1 cm^-2 of
detector at low measured energies, held constant for Sun angles inside the FOV half-diagonal (15.6 deg)
where the frame is flagged anyway (all **assumptions**, see
:class:`~smilekit.instruments.sxi.config.SXIConfig`). A frame with the Sun inside the field of view, or
closer than the Sun-avoidance angle, is flagged by the simulator.
"""

from __future__ import annotations

import math
from functools import lru_cache

import astropy.units as u
import numpy as np
from astropy.coordinates import FK5, CartesianRepresentation, Galactic, SkyCoord
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS
from scipy.ndimage import distance_transform_edt

from smilekit._data import data_path
from smilekit._validation import as_value, as_vector
from smilekit.constants import AU_KM
from smilekit.errors import InputError
from smilekit.frames import rotation_matrix
from smilekit.instruments.sxi.config import SXIConfig
from smilekit.instruments.sxi.response import band_edges_values
from smilekit.instruments.sxi.spectrum import LineSpectrum, band_limits, flat_spectrum
from smilekit.mission.pointing import fov_distance_values
from smilekit.times import as_datetime64
from smilekit.units import RE, RE_KM

__all__ = [
    "ROSAT_MAP",
    "ROSAT_UNIT",
    "astrophysical_intensity",
    "gse_to_galactic",
    "particle_rate",
    "rosat_r45",
    "stray_light_rate",
    "sun_geometry",
    "xrb_spectra",
]

#: The packaged ROSAT 3/4 keV map (relative to ``smilekit/data``).
ROSAT_MAP = "xray_background/allsky_rosat_rass_3-4keV_aitoff_galactic.fits"

#: The unit of the RASS diffuse maps: 1e-6 counts s^-1 arcmin^-2.
ROSAT_UNIT = u.def_unit("rass_unit", 1e-6 * u.ct / u.s / u.arcmin**2, doc="RASS SXRB map unit")

_ARCMIN2_SR = (math.pi / 180.0 / 60.0) ** 2


@lru_cache(maxsize=1)
def _rosat_map():
    """The map with its gaps filled (nearest valid pixel), and its WCS; read once."""

    with fits.open(data_path(ROSAT_MAP)) as hdul:
        header = hdul[0].header
        data = np.asarray(hdul[0].data, dtype=np.float64)
    wcs = WCS(header)
    invalid = ~(data > 0.0)
    _, (iy, ix) = distance_transform_edt(invalid, return_indices=True)
    return data[iy, ix], wcs


def _time(time) -> np.datetime64:
    if time is None:
        raise InputError(
            "time is required for the astrophysical background (GSE turns against the sky over a year)"
        )
    t = as_datetime64(time)
    if t.ndim != 0:
        raise InputError(f"time must be a single time, got shape {t.shape}")
    return t[()]


@lru_cache(maxsize=64)
def _gei_to_galactic(day_ns: int) -> np.ndarray:
    # TT is taken equal to UTC (69 s of precession is nothing) so no leap-second table is needed
    equinox = Time(np.datetime64(day_ns, "ns"), scale="tt")
    basis = CartesianRepresentation(np.eye(3))  # columns: the GEI unit vectors
    gal = SkyCoord(basis, frame=FK5(equinox=equinox)).transform_to(Galactic())
    return np.asarray(gal.cartesian.xyz.value, dtype=np.float64)  # (3, 3): column k = image of e_k


def gse_to_galactic_values(t: np.datetime64) -> np.ndarray:
    """Kernel: the 3 x 3 rotation GSE -> Galactic at one time (``v_gal = M @ v_gse``)."""

    gse_to_gei = rotation_matrix(t, "GSE", "GEI")
    # the equinox of date is taken at the start of the day (precession: 0.014 deg per year)
    day = int(np.datetime64(t, "D").astype("datetime64[ns]").astype(np.int64))
    return _gei_to_galactic(day) @ gse_to_gei


def rosat_r45_values(directions_gse: np.ndarray, t: np.datetime64) -> np.ndarray:
    """Kernel: the RASS 3/4 keV map (1e-6 counts s^-1 arcmin^-2) along unit GSE directions (..., 3)."""
    data, wcs = _rosat_map()
    d = np.asarray(directions_gse, dtype=np.float64)
    g = d @ gse_to_galactic_values(t).T
    lon = np.degrees(np.arctan2(g[..., 1], g[..., 0])) % 360.0
    lat = np.degrees(np.arcsin(np.clip(g[..., 2] / np.linalg.norm(g, axis=-1), -1.0, 1.0)))
    x, y = wcs.world_to_pixel_values(lon.ravel(), lat.ravel())
    ix = np.clip(np.rint(x), 0, data.shape[1] - 1).astype(np.intp)
    iy = np.clip(np.rint(y), 0, data.shape[0] - 1).astype(np.intp)
    return data[iy, ix].reshape(lon.shape)


def xrb_spectra(config=None) -> dict[str, LineSpectrum]:
    """Photon spectra of the 3/4 keV and 1/4 keV background components (flat across each ROSAT band).

    Examples
    --------
    >>> sorted(xrb_spectra())
    ['xrb_1/4keV', 'xrb_3/4keV']
    """
    v = SXIConfig.resolve(config).values
    return {
        "xrb_3/4keV": flat_spectrum(v.r45_lo_kev * u.keV, v.r45_hi_kev * u.keV, name="ROSAT R45 band, flat"),
        "xrb_1/4keV": flat_spectrum(v.r12_lo_kev * u.keV, v.r12_hi_kev * u.keV, name="ROSAT R12 band, flat"),
    }


def r45_to_intensity_values(r45, v) -> np.ndarray:
    """Kernel: RASS R45 rate (1e-6 ct s^-1 arcmin^-2) -> energy intensity (keV cm^-2 s^-1 sr^-1)."""
    mean_e = 0.5 * (v.r45_lo_kev + v.r45_hi_kev)
    return np.asarray(r45, dtype=np.float64) * 1e-6 / (v.r45_area_cm2 * _ARCMIN2_SR) * mean_e


def r12_intensity_value(v) -> float:
    """Kernel: the uniform 1/4 keV energy intensity (keV cm^-2 s^-1 sr^-1)."""
    mean_e = 0.5 * (v.r12_lo_kev + v.r12_hi_kev)
    return v.r12_rate * 1e-6 / (v.r12_area_cm2 * _ARCMIN2_SR) * mean_e


def _kept_band(v, band_kev):
    lo, hi = v.threshold_kev, v.pi_channels * v.pi_width_kev
    if band_kev is not None:
        b_lo, b_hi = band_edges_values(*band_kev, v)
        lo, hi = max(lo, b_lo), min(hi, b_hi)
    return lo, hi


def particle_rate_values(v, band_kev=None) -> float:
    """Kernel: particle background (counts s^-1 cm^-2) measured in a band (keV pair; None: all kept)."""
    lo, hi = _kept_band(v, band_kev)
    return v.particle_rate * max(0.0, hi - lo)


def stray_rate_values(sun_angle_deg, v, band_kev=None):
    """Kernel: stray-light event rate (counts s^-1 cm^-2) in a band, for Sun angles (deg)."""
    lo, hi = _kept_band(v, band_kev)
    overlap = max(0.0, min(hi, v.stray_hi_kev) - max(lo, v.stray_lo_kev)) / (v.stray_hi_kev - v.stray_lo_kev)
    # inside the FOV half-diagonal the Sun shines into the optic: the frame is flagged and the model is
    # held at its value at that angle (it is not meant to describe direct sunlight)
    half_diagonal = math.degrees(
        math.atan(
            math.hypot(math.tan(math.radians(0.5 * v.fov_u_deg)), math.tan(math.radians(0.5 * v.fov_v_deg)))
        )
    )
    angle = np.maximum(np.asarray(sun_angle_deg, dtype=np.float64), half_diagonal)
    return v.stray_rate * (v.stray_angle_deg / angle) ** v.stray_index * overlap


def sun_geometry_values(position_re: np.ndarray, rotation: np.ndarray, v) -> tuple[float, bool]:
    """Kernel: the Sun's angle from the boresight (deg) and whether it lies inside the FOV rectangle."""

    sun = np.array([AU_KM / RE_KM, 0.0, 0.0]) - np.asarray(position_re, dtype=np.float64)
    sun /= np.linalg.norm(sun)
    body = sun @ rotation
    angle = math.degrees(math.atan2(math.hypot(body[0], body[1]), body[2]))
    inside = bool(fov_distance_values(body[None], v.fov_u_deg, v.fov_v_deg)[0] <= 0.0)
    return angle, inside


# ---------------------------------------------------------------------------------------------------
# Public Quantity API
# ---------------------------------------------------------------------------------------------------
def gse_to_galactic(time) -> np.ndarray:
    """The rotation matrix GSE -> Galactic at ``time`` (``v_gal = M @ v_gse``).

    Examples
    --------
    The GSE Z axis is the ecliptic north pole, at Galactic (l, b) = (96.38, 29.81) deg:

    >>> m = gse_to_galactic("2026-03-20")
    >>> z = m @ [0.0, 0.0, 1.0]
    >>> round(float(np.degrees(np.arctan2(z[1], z[0]))), 1), round(float(np.degrees(np.arcsin(z[2]))), 1)
    (96.4, 29.8)
    """
    return gse_to_galactic_values(_time(time))


def _directions(directions_gse) -> np.ndarray:
    if isinstance(directions_gse, u.Quantity):
        d = as_vector(directions_gse, u.dimensionless_unscaled, "directions_gse")
    else:
        try:
            d = np.asarray(directions_gse, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                f"directions_gse must be an array of shape (..., 3), got {directions_gse!r:.60}"
            ) from None
        if d.ndim == 0 or d.shape[-1] != 3:
            raise InputError(f"directions_gse must have shape (..., 3), got {d.shape}")
    norm = np.linalg.norm(d, axis=-1, keepdims=True)
    if not np.isfinite(d).all() or (norm == 0).any():
        raise InputError("directions_gse must be finite and non-zero")
    return d / norm


def rosat_r45(directions_gse, time) -> u.Quantity:
    """The RASS 3/4 keV diffuse background along GSE directions at ``time`` (1e-6 ct s^-1 arcmin^-2).

    Examples
    --------
    >>> r = rosat_r45([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], "2026-03-20")
    >>> r.unit == ROSAT_UNIT, r.shape
    (True, (2,))
    """
    return rosat_r45_values(_directions(directions_gse), _time(time)) * ROSAT_UNIT


def astrophysical_intensity(directions_gse, time, config=None) -> dict[str, u.Quantity]:
    """The astrophysical background as energy intensities along GSE directions, by component.

    Returns
    -------
    dict
        ``"xrb_3/4keV"`` (from the ROSAT map) and ``"xrb_1/4keV"`` (uniform), each a Quantity in
        keV cm^-2 s^-1 sr^-1 of the directions' shape; their spectra are :func:`xrb_spectra`.

    Examples
    --------
    >>> import numpy as np
    >>> i = astrophysical_intensity([0.0, 0.0, 1.0], "2026-03-20")
    >>> bool(np.all(i["xrb_3/4keV"].value > 0)), round(float(i["xrb_1/4keV"].value), 1)
    (True, 7.8)
    """
    v = SXIConfig.resolve(config).values
    d = _directions(directions_gse)
    r45 = rosat_r45_values(d, _time(time))
    unit = u.keV / (u.cm**2 * u.s * u.sr)
    return {
        "xrb_3/4keV": r45_to_intensity_values(r45, v) * unit,
        "xrb_1/4keV": np.full(d.shape[:-1], r12_intensity_value(v)) * unit,
    }


def particle_rate(config=None, band=None) -> u.Quantity:
    """Particle background per cm^2 of detector measured in ``band`` (default: every kept event).

    Examples
    --------
    >>> particle_rate(band="broad")
    <Quantity 0.0046 ct / (s cm2)>
    """
    v = SXIConfig.resolve(config).values
    return particle_rate_values(v, None if band is None else band_limits(band)) * u.ct / u.s / u.cm**2


def stray_light_rate(sun_angle, config=None, band=None) -> u.Quantity:
    """Stray-light events per cm^2 of detector for a Sun at ``sun_angle`` from the boresight.

    Examples
    --------
    >>> import astropy.units as u
    >>> stray_light_rate([30, 60] * u.deg).to_value("ct s-1 cm-2").tolist()
    [0.001, 6.25e-05]
    """
    v = SXIConfig.resolve(config).values
    a = as_value(sun_angle, u.deg, "sun_angle", nonnegative=True)
    return stray_rate_values(a, v, None if band is None else band_limits(band)) * u.ct / u.s / u.cm**2


def sun_geometry(sc_position, rotation, config=None) -> tuple[u.Quantity, bool]:
    """The Sun's angle from the SXI boresight and whether the Sun lies inside the field of view.

    Parameters
    ----------
    sc_position : Quantity
        Spacecraft position (GSE, length), shape (3,).
    rotation : array_like
        Body -> GSE rotation (3 x 3; columns body X, Y, Z in GSE).

    Examples
    --------
    >>> import numpy as np
    >>> from smilekit.units import RE
    >>> angle, inside = sun_geometry([0, 0, 20] * RE, np.eye(3)[:, [1, 2, 0]])  # boresight along GSE +X
    >>> round(float(angle.value), 3), inside
    (0.049, True)
    """
    v = SXIConfig.resolve(config).values
    p = as_vector(sc_position, RE, "sc_position")
    rot = np.asarray(rotation, dtype=np.float64)
    if rot.shape != (3, 3) or not np.isfinite(rot).all():
        raise InputError(f"rotation must be a finite 3 x 3 matrix, got shape {rot.shape}")
    angle, inside = sun_geometry_values(p, rot, v)
    return angle * u.deg, inside
