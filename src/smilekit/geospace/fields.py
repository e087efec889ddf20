"""The magnetic field inside the magnetopause: the IGRF-14 main field plus the Tsyganenko T89c external field.

**Internal field.** The IGRF-14 spherical-harmonic expansion to degree 13 (:cite:`igrf14`), with the
coefficients shipped in :mod:`smilekit.igrf` (interpolated linearly in time between the 5-yearly epochs,
secular variation after 2025.0). The potential is
``V = a sum_n (a/r)^(n+1) sum_m (g_n^m cos m phi + h_n^m sin m phi) P_n^m(cos theta)`` with the Schmidt
semi-normalised associated Legendre functions ``P_n^m`` and the reference radius a = 6371.2 km, in
geocentric spherical coordinates of GEO; ``B = -grad V`` (e.g. Alken et al. 2021, :cite:`alken2021`). The
Legendre functions come from the standard recursions in m and n (e.g. Winch et al. 2005,
:cite:`winch2005`); the synthesis agrees with ppigrf's to 1e-6 nT (tests).

**External field.** Tsyganenko's T89 model (Tsyganenko 1989, Planet. Space Sci. 37, 5,
:cite:`tsyganenko1989`): the field of the ring current, of a tail current sheet warped by the dipole tilt
and bent in Y, of its closure currents, and of the Chapman-Ferraro and Birkeland currents (an expansion in
exp(x/dx)), each a closed form in GSM. The coefficients are those of the revised "T89c" (1992: ISEE-1/2
data added, two tilt-dependent tail terms, seven Kp levels), as Tsyganenko distributed them with the model
code (the revision is described in the code's notes, not in a journal paper; :cite:`tsyganenko1989` is the
reference the author asks for). The seven levels are Kp = 0, 0+ | 1-, 1, 1+ | 2-, 2, 2+ | 3-, 3, 3+ |
4-, 4, 4+ | 5-, 5, 5+ | >= 6-. The model is fitted to 4-70 RE and holds inside the magnetopause only; the
formulas are implemented here from the model's equations (vectorised numpy) and tested against IRBEM's
T89 (through spacepy) point by point.

Frames: positions and fields in GSE or GSM (any :data:`smilekit.frames.FRAMES`), positions in RE
(6371 km); T89 takes GSM and the dipole tilt (:func:`smilekit.frames.dipole_tilt`).
"""

from __future__ import annotations

import functools

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.frames import FRAMES, dipole_tilt_values, rotation_matrix
from smilekit.igrf import check_igrf_range, igrf14
from smilekit.times import as_datetime64, decimal_year
from smilekit.units import RE, RE_KM

__all__ = [
    "IGRF_REFERENCE_RADIUS_KM",
    "MAX_FIELD_RADIUS_RE",
    "T89_KP_LEVELS",
    "T89_PARAMETERS",
    "igrf_field",
    "igrf_values",
    "magnetospheric_field",
    "t89_field",
    "t89_level",
    "t89_values",
]

#: The largest geocentric distance (RE) the field functions accept: far beyond the magnetosphere (T89 is
#: fitted to 70 RE), and below where its exp(x / dx) terms overflow.
MAX_FIELD_RADIUS_RE = 1000.0

#: The IGRF reference radius a (km), the "magnetic reference spherical radius" of the SHC file.
IGRF_REFERENCE_RADIUS_KM = 6371.2

#: The Kp ranges of the seven T89c levels (inclusive lower bound of each, in Kp units; thirds of a unit
#: are the Kp steps - and +).
T89_KP_LEVELS = ("0, 0+", "1-, 1, 1+", "2-, 2, 2+", "3-, 3, 3+", "4-, 4, 4+", "5-, 5, 5+", ">= 6-")

#: T89c parameters, one row per Kp level (7 x 30): a1-a17 linear (a1, a2 tail; a3, a4 closure currents;
#: a5 ring current; a6-a15 Chapman-Ferraro + Birkeland; a16, a17 the tilt terms of the tail) and
#: a18-a30 non-linear (dx, a_RC, D0, gamma_RC, R_c, G, a_T, D_y, Delta, Q, x_0, gamma_T, D_yc), the
#: notation of :cite:`tsyganenko1989` (which tabulates the original six levels; these are the T89c
#: values as distributed with the model code).
T89_PARAMETERS = np.array(
    [
        # Kp = 0, 0+
        [-116.53, -10719.0, 42.375, 59.753, -11363.0, 1.7844, 30.268, -0.035372, -0.066832, 0.016456,
         -1.3024, 0.0016529, 0.0020293, 20.289, -0.025203, 224.91, -9234.8, 22.788, 7.8813, 1.8362,
         -0.27228, 8.8184, 2.8714, 14.468, 32.177, 0.01, 0.0, 7.0459, 4.0, 20.0],
        # Kp = 1-, 1, 1+
        [-55.553, -13198.0, 60.647, 61.072, -16064.0, 2.2534, 34.407, -0.038887, -0.094571, 0.027154,
         -1.3901, 0.001346, 0.0013238, 23.005, -0.030565, 55.047, -3875.7, 20.178, 7.9693, 1.4575,
         0.89471, 9.4039, 3.5215, 14.474, 36.555, 0.01, 0.0, 7.0787, 4.0, 20.0],
        # Kp = 2-, 2, 2+
        [-101.34, -13480.0, 111.35, 12.386, -24699.0, 2.6459, 38.948, -0.03408, -0.12404, 0.029702,
         -1.4052, 0.0012103, 0.0016381, 24.49, -0.037705, -298.32, 4400.9, 18.692, 7.9064, 1.3047,
         2.4541, 9.7012, 7.1624, 14.288, 33.822, 0.01, 0.0, 6.7442, 4.0, 20.0],
        # Kp = 3-, 3, 3+
        [-181.69, -12320.0, 173.79, -96.664, -39051.0, 3.2633, 44.968, -0.046377, -0.16686, 0.048298,
         -1.5473, 0.0010277, 0.0031632, 27.341, -0.050655, -514.1, 12482.0, 16.257, 8.5834, 1.0194,
         3.6148, 8.6042, 5.5057, 13.778, 32.373, 0.01, 0.0, 7.3195, 4.0, 20.0],
        # Kp = 4-, 4, 4+
        [-436.54, -9001.0, 323.66, -410.08, -50340.0, 3.9932, 58.524, -0.038519, -0.26822, 0.074528,
         -1.4268, -0.0010985, 0.0096613, 27.557, -0.056522, -867.03, 20652.0, 14.101, 8.3501, 0.72996,
         3.8149, 9.2908, 6.4674, 13.729, 28.353, 0.01, 0.0, 7.4237, 4.0, 20.0],
        # Kp = 5-, 5, 5+
        [-707.77, -4471.9, 432.81, -435.51, -60400.0, 4.6229, 68.178, -0.088245, -0.21002, 0.11846,
         -2.6711, 0.0022305, 0.01091, 27.547, -0.05408, -424.23, 1100.2, 13.954, 7.5337, 0.89714,
         3.7813, 8.2945, 5.174, 14.213, 25.237, 0.01, 0.0, 7.0037, 4.0, 20.0],
        # Kp >= 6-
        [-1190.4, 2749.9, 742.56, -1110.3, -77193.0, 7.6727, 102.05, -0.096015, -0.74507, 0.11214,
         -1.3614, 0.0015157, 0.022283, 23.164, -0.074146, -2219.1, 48253.0, 12.714, 7.6777, 0.57138,
         2.9633, 9.3909, 9.7263, 11.123, 21.558, 0.01, 0.0, 4.4518, 4.0, 20.0],
    ],
    dtype=np.float64,
)  # fmt: skip
T89_PARAMETERS.setflags(write=False)

# Fixed shape constants of T89 (:cite:`tsyganenko1989`): the ring-current thickening scale (a0^2, RE^2),
# the tail sheet's X confinement (half-width^2 and start x_0 enter W(x, y)), its hinge-thickening scale
# (xd, Delta_x^2), and the closure currents' image distance and X confinement.
_RC_A02 = 25.0
_TAIL_XLW2 = 170.0
_TAIL_XD = 0.0
_TAIL_XLD2 = 40.0
_CLOSURE_RT = 30.0
_CLOSURE_SX = 4.0
_CLOSURE_XLW2 = 50.0


# ---------------------------------------------------------------------------------------------------------
# IGRF
@functools.cache
def _igrf_rows() -> tuple[int, dict[tuple[int, int], int]]:
    model = igrf14()
    rows = {(int(n), int(m)): k for k, (n, m) in enumerate(zip(model.degree, model.order, strict=True))}
    return int(model.degree.max()), rows


def _coefficients_at(year: np.ndarray) -> np.ndarray:
    """IGRF-14 coefficients at decimal years, shape (n_coefficients, N), linear between the epochs."""
    model = igrf14()
    years = np.unique(year)
    table = np.empty((model.coefficients.shape[0], years.size))
    for k, row in enumerate(model.coefficients):
        table[k] = np.interp(years, model.epochs, row)
    return table[:, np.searchsorted(years, year)]


def igrf_values(r_km, colatitude, longitude, year, *, max_degree: int | None = None):
    """Kernel: IGRF-14 (B_r, B_theta, B_phi) in nT at geocentric spherical GEO points (plain floats).

    ``r_km`` (km), ``colatitude`` and ``longitude`` (rad) and ``year`` (decimal year) broadcast against each
    other. ``B_theta`` points south (increasing colatitude), ``B_phi`` east. The poles (sin theta = 0) are
    treated as sin theta = 1e-12 (the limit of B_phi is finite, the computation is then accurate to
    round-off only).
    """
    r, theta, phi, year = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (r_km, colatitude, longitude, year))
    )
    top, rows = _igrf_rows()
    nmax = top if max_degree is None else min(int(max_degree), top)
    coef = _coefficients_at(year.ravel()).reshape(-1, *r.shape)
    cos_t, sin_t = np.cos(theta), np.sin(theta)
    sin_safe = np.where(np.abs(sin_t) < 1e-12, 1e-12, sin_t)
    ratio = IGRF_REFERENCE_RADIUS_KM / r
    powers = [ratio ** (n + 2) for n in range(nmax + 1)]  # (a/r)^(n+2)
    b_r, b_t, b_p = np.zeros(r.shape), np.zeros(r.shape), np.zeros(r.shape)
    p_diag, dp_diag = np.ones(r.shape), np.zeros(r.shape)  # P_m^m and its theta derivative
    for m in range(nmax + 1):
        if m == 1:
            p_diag, dp_diag = sin_t.copy(), cos_t.copy()
        elif m > 1:
            f = np.sqrt((2.0 * m - 1.0) / (2.0 * m))
            p_diag, dp_diag = f * sin_t * p_diag, f * (sin_t * dp_diag + cos_t * p_diag)
        cos_m, sin_m = np.cos(m * phi), np.sin(m * phi)
        p_prev, dp_prev = np.zeros(r.shape), np.zeros(r.shape)  # P_(n-2)^m
        p_n, dp_n = p_diag, dp_diag
        for n in range(max(m, 1), nmax + 1):
            if n > m:  # P_n^m from P_(n-1)^m and P_(n-2)^m (Schmidt semi-normalised recursion)
                k1 = np.sqrt(n * n - m * m)
                k2 = np.sqrt((n - 1.0) ** 2 - m * m)
                p_new = ((2 * n - 1) * cos_t * p_n - k2 * p_prev) / k1
                dp_new = ((2 * n - 1) * (cos_t * dp_n - sin_t * p_n) - k2 * dp_prev) / k1
                p_prev, dp_prev, p_n, dp_n = p_n, dp_n, p_new, dp_new
            g = coef[rows[(n, m)]]
            h = coef[rows[(n, -m)]] if m > 0 else 0.0
            cosine = g * cos_m + h * sin_m
            b_r += (n + 1) * powers[n] * cosine * p_n
            b_t -= powers[n] * cosine * dp_n
            if m > 0:
                b_p += powers[n] * m * (g * sin_m - h * cos_m) * p_n / sin_safe
    return b_r, b_t, b_p


def _spherical_to_cartesian_field(b_r, b_t, b_p, theta, phi):
    st, ct, sp, cp = np.sin(theta), np.cos(theta), np.sin(phi), np.cos(phi)
    bx = b_r * st * cp + b_t * ct * cp - b_p * sp
    by = b_r * st * sp + b_t * ct * sp + b_p * cp
    bz = b_r * ct - b_t * st
    return np.stack([bx, by, bz], axis=-1)


def _igrf_geo_cartesian(pos_geo_km: np.ndarray, year: np.ndarray) -> np.ndarray:
    x, y, z = pos_geo_km[..., 0], pos_geo_km[..., 1], pos_geo_km[..., 2]
    r = np.sqrt(x * x + y * y + z * z)
    theta = np.arccos(np.clip(z / r, -1.0, 1.0))
    phi = np.arctan2(y, x)
    b_r, b_t, b_p = igrf_values(r, theta, phi, year)
    return _spherical_to_cartesian_field(b_r, b_t, b_p, theta, phi)


# ---------------------------------------------------------------------------------------------------------
# T89
def t89_level(kp) -> np.ndarray:
    """The T89c level (1-7) for Kp values (0-9, decimal: 1- = 0.67, 1+ = 1.33): round to the nearest
    integer Kp, plus one; Kp >= 5.5 (6- and above) is level 7.

    Examples
    --------
    >>> t89_level([0.0, 0.33, 0.67, 2.0, 5.33, 5.67, 9.0]).tolist()
    [1, 1, 2, 3, 6, 7, 7]
    """
    try:
        kp = np.asarray(kp, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"Kp must be a real number or an array of them in [0, 9], got {kp!r}") from None
    if not np.isfinite(kp).all() or (kp < 0).any() or (kp > 9).any():
        bad = kp[~(np.isfinite(kp) & (kp >= 0) & (kp <= 9))].ravel()[0]
        raise InputError(f"Kp must lie in [0, 9] (decimal, 1- = 0.67), got {bad:g}")
    return np.clip(np.floor(kp + 0.5).astype(np.int64) + 1, 1, 7)


def _rotate_tilt(bx_sm, by, bz_sm, cps, sps):
    """From the tilted (solar-magnetic-like) axes of the current sheet back to GSM."""
    return bx_sm * cps + bz_sm * sps, by, bz_sm * cps - bx_sm * sps


def t89_values(level, tilt, x, y, z):
    """Kernel: the T89c external field (Bx, By, Bz) in nT, GSM, at GSM points (RE) (plain floats).

    ``level`` (1-7, :func:`t89_level`), ``tilt`` (rad) and ``x, y, z`` broadcast. Each current system is
    one closed-form term of :cite:`tsyganenko1989`: the ring current, the warped and hinged tail sheet
    (the hinging distance R_c of its Eq. 11, the thickness and confinement W(x, y) of its Eq. 13), the
    closure currents, and the Chapman-Ferraro + Birkeland expansion of its Eq. 20, whose remaining Bz
    coefficients div B = 0 fixes.
    """
    level, tilt, x, y, z = np.broadcast_arrays(
        np.asarray(level, dtype=np.int64), *(np.asarray(v, dtype=np.float64) for v in (tilt, x, y, z))
    )
    a = T89_PARAMETERS[level - 1]  # (..., 30)
    c = [a[..., k] for k in range(30)]
    dx, adr, d0, dd, rc, g, at, p, delta, q, sx, gam, dyc = c[17:30]
    sps, cps = np.sin(tilt), np.cos(tilt)
    y2 = y * y
    xsm = x * cps - z * sps
    zsm = x * sps + z * cps

    # the warped, hinged current-sheet surface z_s(x, y) and its slopes
    xrc = xsm + rc
    sxrc = np.sqrt(xrc * xrc + 16.0)
    zs_hinge = 0.5 * np.tan(tilt) * (xrc - sxrc)
    y4 = y2 * y2
    warp = sps / (y4 + 1.0e4)
    zs = zs_hinge - g * warp * y4
    dzs_dx = -zs_hinge / sxrc
    dzs_dy = -g * warp / (y4 + 1.0e4) * 4.0e4 * y2 * y
    zr = zsm - zs
    ro2 = xsm * xsm + y2
    slope = xsm * dzs_dx + y * dzs_dy

    # ring current, a half-thickness growing from night to day
    root = np.sqrt(xsm * xsm + _RC_A02)
    fa0 = 0.5 * (1.0 + xsm / root)
    dfa0 = 0.5 * _RC_A02 / root**3
    thick = d0 + dd * fa0
    tr = np.sqrt(zr * zr + thick * thick)
    adrt = adr + tr
    fk = 1.0 / (adrt * adrt + ro2)
    fc = fk * fk * np.sqrt(fk)
    facxy = 3.0 * adrt * fc / tr
    rc_x = facxy * xsm * zr
    rc_y = facxy * y * zr
    rc_z = fc * (2.0 * adrt * adrt - ro2) + facxy * (zr * slope - thick * dd * dfa0 * xsm)
    rc_x, rc_y, rc_z = _rotate_tilt(rc_x, rc_y, rc_z, cps, sps)

    # tail current sheet: thickness D(x, y), confinement W(x, y), two radial modes
    xxd = xsm - _TAIL_XD
    rqd = 1.0 / (xxd * xxd + _TAIL_XLD2)
    hinge = 0.5 * (1.0 + xxd * np.sqrt(rqd))
    dhinge = 0.5 * _TAIL_XLD2 * rqd * np.sqrt(rqd)
    d = d0 + delta * y2 + gam * hinge
    dd_dx_term = -d * xsm * gam * dhinge
    t = np.sqrt(zr * zr + d * d)
    xsmx = xsm - sx
    rdsq2 = 1.0 / (xsmx * xsmx + _TAIL_XLW2)
    rdsq = np.sqrt(rdsq2)
    v = 0.5 * (1.0 - xsmx * rdsq)
    dv_dx = -0.5 * _TAIL_XLW2 * rdsq * rdsq2
    om = np.sqrt(np.sqrt(xsm * xsm + 16.0) - xsm)
    dom = -om / (om * om + xsm) * 0.5
    rdy = 1.0 / (p + q * om)
    fy = 1.0 / (1.0 + y2 * rdy * rdy)
    w = v * fy
    yfy1 = 2.0 * fy * y2 * rdy * rdy
    dw_dx = dv_dx * fy + yfy1 * rdy * fy * q * dom * v
    y_dw_dy = -v * yfy1 * fy
    att = at + t
    s1 = np.sqrt(att * att + ro2)
    f5 = 1.0 / s1
    f7 = 1.0 / (s1 + att)
    f1 = f5 * f7
    f3 = f5**3
    f9 = att * f3
    fs = zr * slope - d * y * 2.0 * delta * y + dd_dx_term
    xdw = xsm * dw_dx + y_dw_dy
    wt = w / t
    amp1 = c[0] + c[15] * tilt * tilt
    amp2 = c[1] + c[16] * tilt * tilt
    tail_x = wt * (amp1 * f1 + amp2 * f3) * xsm * zr
    tail_y = wt * (amp1 * f1 + amp2 * f3) * y * zr
    tail_z = amp1 * (w * f5 + xdw * f7 + wt * fs * f1) + amp2 * (w * f9 + xdw * f1 + wt * fs * f3)
    tail_x, tail_y, tail_z = _rotate_tilt(tail_x, tail_y, tail_z, cps, sps)

    # closure currents: two images at z = +-R_T, confined in X and Y (GSM axes, not tilted)
    zpl, zmn = z + _CLOSURE_RT, z - _CLOSURE_RT
    rho2 = x * x + y2
    spl = np.sqrt(zpl * zpl + rho2)
    smn = np.sqrt(zmn * zmn + rho2)
    xsxc = x - _CLOSURE_SX
    rqc2 = 1.0 / (xsxc * xsxc + _CLOSURE_XLW2)
    rqc = np.sqrt(rqc2)
    fyc = 1.0 / (1.0 + y2 / (dyc * dyc))
    wc = 0.5 * (1.0 - xsxc * rqc) * fyc
    dwc_dx = -0.5 * _CLOSURE_XLW2 * rqc2 * rqc * fyc
    dwc_dy = -2.0 / (dyc * dyc) * wc * fyc * y
    szrp = 1.0 / (spl + zpl)
    szrm = 1.0 / (smn - zmn)
    xywc = x * dwc_dx + y * dwc_dy
    plus = (x * wc / spl * szrp, y * wc / spl * szrp, wc / spl + xywc * szrp)
    minus = (-x * wc / smn * szrm, -y * wc / smn * szrm, wc / smn + xywc * szrm)
    cl = [c[2] * (pp + mm) + c[3] * sps * (pp - mm) for pp, mm in zip(plus, minus, strict=True)]

    # Chapman-Ferraro + Birkeland: polynomial x exp(x / dx); the Bz coefficients from div B = 0
    ex = np.exp(x / dx)
    ec, es = ex * cps, ex * sps
    z2 = z * z
    cf_x = c[5] * ec * z + c[6] * es + c[7] * es * y2 + c[8] * es * z2
    cf_y = c[9] * ec * z * y + c[10] * es * y + c[11] * es * y2 * y + c[12] * es * y * z2
    cf_z = (
        c[13] * ec
        + c[14] * ec * y2
        + (-0.5 * c[5] / dx - 0.5 * c[9]) * ec * z2
        + (-c[6] / dx - c[10]) * es * z
        + (-c[7] / dx - 3.0 * c[11]) * es * z * y2
        + (-c[8] / (3.0 * dx) - c[12] / 3.0) * es * z2 * z
    )

    bx = c[4] * rc_x + tail_x + cl[0] + cf_x
    by = c[4] * rc_y + tail_y + cl[1] + cf_y
    bz = c[4] * rc_z + tail_z + cl[2] + cf_z
    return bx, by, bz


# ---------------------------------------------------------------------------------------------------------
# public, Quantity-wrapped
def _frame(name: str, argument: str = "frame") -> str:
    if not isinstance(name, str) or name.upper() not in FRAMES:
        raise InputError(f"{argument} must be one of {', '.join(FRAMES)}, got {name!r}")
    return name.upper()


def _positions_times(positions, time) -> tuple[np.ndarray, np.ndarray]:
    pos = as_value(positions, RE, "positions")
    if pos.ndim != 2 or pos.shape[-1] != 3:
        raise InputError(f"positions must have shape (N, 3), got {pos.shape}")
    t = np.atleast_1d(as_datetime64(time))
    if t.ndim != 1 or t.size not in (1, pos.shape[0]):
        raise InputError(f"time must be one time or one per position ({pos.shape[0]}), got shape {t.shape}")
    check_igrf_range(t)
    t = np.broadcast_to(t, (pos.shape[0],))
    r = np.linalg.norm(pos, axis=-1)
    if (r > MAX_FIELD_RADIUS_RE).any():
        raise InputError(
            f"positions must lie within {MAX_FIELD_RADIUS_RE:g} RE (T89 is fitted to 70 RE), "
            f"got r = {r.max():g} RE"
        )
    if (r < 1.0).any():
        raise InputError(
            f"positions must lie at or above the Earth's surface (r >= 1 RE), got r = {r.min():g} RE"
        )
    return pos, t


def _igrf_in(pos_re: np.ndarray, t: np.ndarray, frame: str) -> np.ndarray:
    to_geo = rotation_matrix(t, frame, "GEO")
    pos_geo = np.einsum("...ij,...j->...i", to_geo, pos_re) * RE_KM
    b_geo = _igrf_geo_cartesian(pos_geo, decimal_year(t))
    return np.einsum("...ji,...j->...i", to_geo, b_geo)  # back: the transpose


def _t89_in(pos_re: np.ndarray, t: np.ndarray, frame: str, level: np.ndarray) -> np.ndarray:
    to_gsm = rotation_matrix(t, frame, "GSM")
    pos_gsm = np.einsum("...ij,...j->...i", to_gsm, pos_re) * (RE_KM / IGRF_REFERENCE_RADIUS_KM)
    b = np.stack(t89_values(level, dipole_tilt_values(t), *np.moveaxis(pos_gsm, -1, 0)), axis=-1)
    return np.einsum("...ji,...j->...i", to_gsm, b)


def _levels(kp, size: int) -> np.ndarray:
    kp_values = as_value(kp, u.dimensionless_unscaled, "kp") if isinstance(kp, u.Quantity) else kp
    level = t89_level(kp_values)
    if level.ndim > 1 or level.size not in (1, size):
        raise InputError(f"kp must be one value or one per position ({size}), got shape {level.shape}")
    return np.broadcast_to(level, (size,))


def igrf_field(positions, time, frame: str = "GSE") -> u.Quantity:
    """The IGRF-14 main field (nT) at positions (RE) and times, both in ``frame``.

    Parameters
    ----------
    positions : Quantity
        Shape (N, 3), lengths, in ``frame``, at r >= 1 RE.
    time : time-like
        One time or N times.
    frame : str
        One of :data:`smilekit.frames.FRAMES`; default GSE.

    Returns
    -------
    Quantity
        B in nT, shape (N, 3), components in ``frame``.

    Examples
    --------
    >>> import astropy.units as u
    >>> b = igrf_field([[0.0, 0.0, 1.0]] * RE, "2025-01-01", frame="GEO")  # at the geographic north pole
    >>> round(float(b[0, 2].to_value(u.nT)))  # downward; the axial dipole alone gives 2 g10 = -58700 nT
    -56513
    """
    f = _frame(frame)
    pos, t = _positions_times(positions, time)
    return _igrf_in(pos, t, f) * u.nT


def t89_field(positions, time, kp, frame: str = "GSE") -> u.Quantity:
    """The T89c external field (nT) at positions (RE) and times, in ``frame`` (see the module notes).

    ``kp`` is one Kp value or one per position (decimal, 0-9; :func:`t89_level` picks the model level).
    Valid inside the magnetopause at 4-70 RE (the data the model was fitted to); elsewhere it returns the
    formula's values, which are not a physical field.
    """
    f = _frame(frame)
    pos, t = _positions_times(positions, time)
    return _t89_in(pos, t, f, _levels(kp, pos.shape[0])) * u.nT


def magnetospheric_field(positions, time, kp, frame: str = "GSE") -> u.Quantity:
    """IGRF-14 plus T89c (nT): the total field inside the magnetopause, in ``frame``."""
    f = _frame(frame)
    pos, t = _positions_times(positions, time)
    level = _levels(kp, pos.shape[0])
    return (_igrf_in(pos, t, f) + _t89_in(pos, t, f, level)) * u.nT
