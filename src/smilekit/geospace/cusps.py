"""The polar cusps: footprint latitude from IMF Bz and dipole tilt, a funnel mapped to altitude, the edges.

The geometry (documented so that it can serve as the truth that SXI cusp-edge retrievals are measured
against):

1. **Footprint.** At the ionosphere (r = 1 RE) the cusp is centred, at noon, on the magnetic (SM)
   latitude

   ``lambda_c = 76.6 deg + 0.45 deg/nT * Bz + (alpha1 psi_h + alpha2 psi_h^2)`` (the last term in rad).

   The Bz part is the linear fit of DMSP cusp latitude to IMF Bz of Newell et al. (2006) :cite:`newell2006`,
   "Cusp latitude and the optimal solar wind coupling function", JGR 111, A09207, Table 1 (Bz row: intercept
   76.6 deg, slope 0.45 deg/nT; transcribed from the public code of Horaites et al. 2023,
   doi:10.1029/2023JA031374). The tilt part is the cusp tilt dependence of Tsyganenko & Russell (1999), JGR
   104, 24939 :cite:`tsyganenko1999` (alpha1 = 0.1287, alpha2 = 0.0314, psi_h in radians: the tilt for the
   north, minus the tilt for the south; the cusp moves poleward in the summer hemisphere), converted from
   colatitude to latitude. The equatorward and poleward edges are ``lambda_c -/+ width / 2``; the default
   width of 2 deg is an *assumption* of the order of the DMSP cusp widths (Newell & Meng 1988-1992), not a
   fit. The cusp spans ``mlt_width`` (default 3 h, an assumption) centred on noon; IMF By shifts are not
   modelled.
2. **Mapping to altitude.** A footprint colatitude c1 maps to the SM colatitude c at geocentric
   distance r by Tsyganenko & Russell (1999)'s cusp-line form
   ``sin^2 c = r / (r + 1/sin^2 c1 - 1)`` (dipole-like near the Earth, flaring less than a dipole
   beyond a few RE). The funnel is the set of points whose inverse-mapped footprint lies within the edges.
3. **Frame.** SM is turned into GSM by the dipole tilt about Y (positive: north pole sunward).

Limitations: statistical, steady; the high-altitude cusp shape near the magnetopause is only roughly
represented by the mapping (Lin et al. 2010, :cite:`lin2010`, place the cusp indentation of the magnetopause
at zenith angle ~63 deg); no By, no dependence on pressure; the mapping is not a field-line trace.

Density in the cusp (used by :mod:`smilekit.geospace.magnetosheath`): :data:`CUSP_DENSITY_FRACTION` of
the adjacent magnetosheath density at the magnetopause, an *assumption*. Compared with observations: at
5-9 RE it gives 0.9-2.0 times the upstream density (median 1.5 over winds of 2-20 cm^-3, 350-700 km/s,
tilts of +-25 deg; tested), against the average n_cusp / n_sw ~ 0.8 that Walsh et al. (2016, JGR Space
Physics 121(3), Polar 1998-2005; :cite:`walsh2016`) found in the mid- and high-altitude cusp (r > 4 RE): the
model's cusp is about twice as dense as the observed mean, generous for the SXI cusp signal.

Extent, compared: the 2 deg width and 3 h MLT extent are of the order of the low-altitude cusp proper
(DMSP: Newell et al. 1989, JGR 94, 8921, :cite:`newell1989`, a statistical full MLT width of 2.1 h for
northward IMF). At high altitude Polar found cusp footprints between 08 and 16 MLT, centred at 80.3 deg
invariant latitude at noon (Zhou et al. 2000, JGR 105, 245, :cite:`zhou2000`): a broader region of sheath-like
plasma than this funnel, which the model does not represent.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import astropy.units as u
import numba
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.units import RE

__all__ = [
    "CUSP_DENSITY_FRACTION",
    "CuspEdges",
    "cusp_edges",
    "cusp_footprint_values",
    "cusp_mask_values",
    "cusp_point",
    "cusp_point_parameters",
    "gsm_to_sm_values",
    "sm_to_gsm_values",
]

#: Newell et al. (2006), Table 1, Bz row: cusp latitude intercept (deg MLAT) and slope (deg / nT).
NEWELL2006_BZ_INTERCEPT_DEG = 76.6
NEWELL2006_BZ_SLOPE_DEG_PER_NT = 0.45
#: Tsyganenko & Russell (1999) tilt coefficients of the cusp colatitude (rad per rad, rad per rad^2).
TR1999_ALPHA1 = 0.1287
TR1999_ALPHA2 = 0.0314
#: Default cusp latitudinal width at the ionosphere (deg) and MLT extent (h): assumptions.
DEFAULT_WIDTH_DEG = 2.0
DEFAULT_MLT_WIDTH_H = 3.0
#: Cusp density as a fraction of the adjacent magnetosheath density (assumption, see module docstring).
CUSP_DENSITY_FRACTION = 0.5


class CuspEdges(NamedTuple):
    """Cusp edges in the noon meridian at one altitude (GSM latitudes; positions in GSM, RE)."""

    #: Angle of the equatorward edge in the GSM X-Z plane from +X towards +Z (deg): the GSM latitude in
    #: the noon meridian; negative in the south, beyond +-90 deg if a tilted edge lies past the pole.
    equatorward: u.Quantity
    #: The same for the poleward edge (deg).
    poleward: u.Quantity
    equatorward_gsm: u.Quantity  #: position of the equatorward edge, (..., 3) in RE
    poleward_gsm: u.Quantity  #: position of the poleward edge, (..., 3) in RE
    footprint_equatorward: u.Quantity  #: SM magnetic latitude of the edge at r = 1 RE (deg, > 0)
    footprint_poleward: u.Quantity  #: SM magnetic latitude of the edge at r = 1 RE (deg, > 0)


def gsm_to_sm_values(x, y, z, tilt):
    """Plain floats: GSM -> SM (rotation about Y by the tilt in rad, positive: north pole sunward)."""
    c, s = np.cos(tilt), np.sin(tilt)
    return x * c - z * s, y, x * s + z * c


def sm_to_gsm_values(x, y, z, tilt):
    """Plain floats: SM -> GSM (inverse of :func:`gsm_to_sm_values`)."""
    c, s = np.cos(tilt), np.sin(tilt)
    return x * c + z * s, y, -x * s + z * c


def cusp_footprint_values(bz, tilt, hemisphere_sign, width_deg=DEFAULT_WIDTH_DEG, offset_deg=0.0):
    """Plain floats: (equatorward, poleward) SM magnetic latitudes (deg, > 0) of the cusp at r = 1 RE.

    ``bz`` in nT, ``tilt`` in rad, ``hemisphere_sign`` +1 (north) or -1 (south); ``offset_deg`` moves the
    centre poleward (> 0) from the statistical latitude.
    """
    psi = hemisphere_sign * np.asarray(tilt, dtype=np.float64)
    centre = (
        np.asarray(offset_deg, dtype=np.float64)
        + NEWELL2006_BZ_INTERCEPT_DEG
        + NEWELL2006_BZ_SLOPE_DEG_PER_NT * np.asarray(bz, dtype=np.float64)
        + np.degrees(TR1999_ALPHA1 * psi + TR1999_ALPHA2 * psi**2)
    )
    half = 0.5 * np.asarray(width_deg, dtype=np.float64)
    return np.clip(centre - half, 1.0, 89.9), np.clip(centre + half, 1.0, 89.9)


def _colatitude_at(r, footprint_lat_deg):
    """SM colatitude (rad) at distance r of the cusp line with footprint latitude (deg) at r = 1."""
    s1 = np.sin(np.radians(90.0 - footprint_lat_deg)) ** 2
    return np.arcsin(np.sqrt(r / (r + 1.0 / s1 - 1.0)))


def _footprint_latitude(r, colatitude):
    """Inverse of :func:`_colatitude_at`: footprint latitude (deg) of the line through (r, colatitude)."""
    s2 = np.sin(colatitude) ** 2
    s1 = s2 / np.maximum(r * np.cos(colatitude) ** 2 + s2, 1e-300)
    return 90.0 - np.degrees(np.arcsin(np.sqrt(np.clip(s1, 0.0, 1.0))))


def cusp_mask_values(
    x, y, z, *, bz, tilt, width_deg=DEFAULT_WIDTH_DEG, mlt_width_h=DEFAULT_MLT_WIDTH_H, offset_deg=0.0
) -> np.ndarray:
    """Plain floats: True for GSM points (RE) inside either cusp funnel (magnetopause not applied).

    ``bz`` in nT and ``tilt`` in rad (scalars); ``offset_deg`` as in :func:`cusp_footprint_values`. A
    point is in a cusp when r >= 1 RE, its SM longitude from noon is within ``mlt_width_h / 2`` hours and
    its inverse-mapped footprint latitude lies between that hemisphere's edges (see the module docstring).
    """
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    xs, ys, zs = gsm_to_sm_values(x, y, z, tilt)
    r = np.sqrt(xs * xs + ys * ys + zs * zs)
    lon_h = np.abs(np.degrees(np.arctan2(ys, xs))) / 15.0
    ok = (r >= 1.0) & (lon_h <= 0.5 * mlt_width_h)
    mask = np.zeros(x.shape, dtype=bool)
    for sign in (1.0, -1.0):
        eq, pw = cusp_footprint_values(bz, tilt, sign, width_deg, offset_deg)
        with np.errstate(invalid="ignore", divide="ignore"):
            colat = np.arccos(np.clip(sign * zs / np.where(r > 0, r, 1.0), -1.0, 1.0))
        lat_f = _footprint_latitude(r, colat)
        mask |= ok & (sign * zs > 0) & (lat_f >= eq) & (lat_f <= pw)
    return mask


def cusp_point_parameters(
    *, bz, tilt, width_deg=DEFAULT_WIDTH_DEG, mlt_width_h=DEFAULT_MLT_WIDTH_H, offset_deg=0.0
) -> np.ndarray:
    """The numbers :func:`cusp_point` takes for the funnels of :func:`cusp_mask_values` (same arguments).

    ``[cos tilt, sin tilt, mlt_width_h / 2, q_lo north, q_hi north, q_lo south, q_hi south]``: a
    footprint latitude lat_f lies between the edges (eq, pw) exactly when q = cos^2(lat_f) lies between
    cos^2(pw) and cos^2(eq), so the compiled test needs no inverse sine.
    """
    out = [np.cos(tilt), np.sin(tilt), 0.5 * mlt_width_h]
    for sign in (1.0, -1.0):
        eq, pw = cusp_footprint_values(bz, tilt, sign, width_deg, offset_deg)
        out += [np.cos(np.radians(pw)) ** 2, np.cos(np.radians(eq)) ** 2]
    return np.array(out, dtype=np.float64)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def cusp_point(x, y, z, params, at=0):  # pragma: no cover - compiled by numba
    """Kernel: whether one GSM point (RE) lies in either cusp funnel (:func:`cusp_mask_values`, point by
    point; ``params[at:]`` from :func:`cusp_point_parameters`).

    The footprint test uses the mapping of :func:`_footprint_latitude` as q = cos^2(lat_f) = s2 / (r u^2
    + s2) with u the cosine of the SM colatitude and s2 = 1 - u^2.
    """
    c, s = params[at], params[at + 1]
    xs, zs = x * c - z * s, x * s + z * c
    r = math.sqrt(xs * xs + y * y + zs * zs)
    if not r >= 1.0:
        return False
    for h in range(2):
        sign = 1.0 if h == 0 else -1.0
        if not sign * zs > 0.0:
            continue
        u = sign * zs / r
        u2 = min(u * u, 1.0)
        s2 = 1.0 - u2
        q = s2 / max(r * u2 + s2, 1e-300)
        if params[at + 3 + 2 * h] <= q <= params[at + 4 + 2 * h]:
            return abs(math.degrees(math.atan2(y, xs))) / 15.0 <= params[at + 2]
    return False


def cusp_edges(
    state=None,
    hemisphere: str = "north",
    *,
    altitude,
    bz=None,
    tilt=0 * u.deg,
    width=DEFAULT_WIDTH_DEG * u.deg,
    offset=0 * u.deg,
) -> CuspEdges:
    """Equatorward and poleward cusp edges at an altitude, in the noon meridian, GSM.

    Parameters
    ----------
    state : SolarWindState, optional
        Upstream state; its IMF Bz (GSM) is used unless ``bz`` is given.
    hemisphere : {"north", "south"}
    altitude : Quantity
        Altitude above the Earth's surface (>= 0), any shape; geocentric r = 1 RE + altitude.
    bz : Quantity, optional
        IMF Bz in GSM (nT); needed when ``state`` is None.
    tilt : Quantity
        Dipole tilt (positive: north pole sunward).
    width : Quantity
        Cusp latitudinal width at the ionosphere (assumption, default 2 deg).
    offset : Quantity
        Poleward shift of the footprint centre from the statistical latitude (default 0), e.g. to explore
        the scatter about the Newell et al. (2006) fit.

    Returns
    -------
    CuspEdges
        Noon-meridian GSM latitudes (deg, measured from +X in the X-Z plane, so they exceed 90 deg if
        a strongly tilted edge lies beyond the pole) of the two edges, their GSM positions (RE) and the
        footprint (SM, r = 1 RE) latitudes.

    Examples
    --------
    >>> import astropy.units as u
    >>> e = cusp_edges(bz=0 * u.nT, altitude=0 * u.km)
    >>> print(f"{e.equatorward:.1f} {e.poleward:.1f}")
    75.6 deg 77.6 deg
    """
    if hemisphere not in ("north", "south"):
        raise InputError(f"hemisphere must be 'north' or 'south', got {hemisphere!r}")
    if bz is None:
        if state is None:
            raise InputError("give a SolarWindState or bz (IMF Bz in GSM, nT)")
        bz = state.bz
    bz_v = as_value(bz, u.nT, "bz")
    tilt_v = as_value(tilt, u.rad, "tilt")
    if (np.abs(tilt_v) > np.pi / 2).any():
        raise InputError(f"tilt must lie in [-90, 90] deg, got {np.degrees(tilt_v).max():g} deg")
    width_v = as_value(width, u.deg, "width", positive=True)
    offset_v = as_value(offset, u.deg, "offset")
    r = 1.0 + as_value(altitude, RE, "altitude", nonnegative=True)
    sign = 1.0 if hemisphere == "north" else -1.0
    eq_f, pw_f = cusp_footprint_values(bz_v, tilt_v, sign, width_v, offset_v)
    out = []
    for lat_f in (eq_f, pw_f):
        colat = _colatitude_at(r, lat_f)
        xs, zs = r * np.sin(colat), sign * r * np.cos(colat)
        xg, yg, zg = sm_to_gsm_values(xs, np.zeros_like(xs), zs, tilt_v)
        lat = np.degrees(np.arctan2(zg, xg))
        out.append((lat * u.deg, np.stack(np.broadcast_arrays(xg, yg, zg), axis=-1) * RE))
    return CuspEdges(out[0][0], out[1][0], out[0][1], out[1][1], eq_f * u.deg, pw_f * u.deg)
