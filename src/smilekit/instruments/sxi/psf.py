"""The SXI optic's imaging: the lobster-eye point spread function and the vignetting.

PSF
---
SXI focuses with a square-pore micropore optic in the lobster-eye geometry (Angel 1979, ApJ 233, 364,
:cite:`angel1979`; seed chapter, :cite:`branduardiraymont2022`: "PSF: central spot plus cruciform arms"). A
photon reflected once by the walls of one axis
is focused along that axis; reflected by both wall pairs it lands in the central spot, by one pair in a
cruciform arm, by neither in an unfocused diffuse patch. With a probability p of reflection per wall pair
(:attr:`~smilekit.instruments.sxi.config.SXIConfig.psf_reflection_probability`) the four components are
(focal-plane offsets, all axis-aligned Gaussians in the CCD x, y axes, the pore axes):

=============  ============  ================  ================
component      weight        sigma along x     sigma along y
=============  ============  ================  ================
central spot   p^2           s_spot            s_spot
arm along x    p (1 - p)     s_wing            s_spot
arm along y    p (1 - p)     s_spot            s_wing
diffuse        (1 - p)^2     s_wing            s_wing
=============  ============  ================  ================

``s_spot`` is the central-spot FWHM (8 arcmin, :cite:`branduardiraymont2022`) / 2.3548 and ``s_wing`` the wing
sigma (1 deg, assumption), both times the focal length. The arms are as narrow as the spot across their length
because the focusing along that axis is the same. Real arms have a profile set by the pore geometry and the
energy; Gaussians keep every detection probability analytic (:func:`box_probability_values`).

Vignetting
----------
The effective area relative to on-axis, as a function of the off-axis angle theta of the source:
``V = 1 - (1 - V_c) (theta / theta_c)^2`` (clipped to [0, 1]) with ``theta_c`` the angle of the FOV corner
and ``V_c`` the configured corner value (**assumption**; lobster-eye optics vignette little across the
field because every pore plate sees the source alike, apart from the optic's edge).
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

from smilekit._validation import as_value
from smilekit.instruments.sxi.config import SXIConfig

__all__ = [
    "axis_profile_values",
    "box_probability_values",
    "psf_components_values",
    "psf_density",
    "psf_fwhm",
    "psf_offsets_values",
    "vignetting",
    "vignetting_values",
]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def psf_components_values(v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: weights (4,), sigma_x (4,) and sigma_y (4,) in mm of spot, x-arm, y-arm and diffuse."""
    p = v.p_reflect
    s, w = v.psf_sigma_mm, v.wing_sigma_mm
    weights = np.array([p * p, p * (1.0 - p), p * (1.0 - p), (1.0 - p) ** 2])
    sx = np.array([s, w, s, w])
    sy = np.array([s, s, w, w])
    return weights, sx, sy


def psf_offsets_values(n: int, v, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``n`` random focal-plane offsets (mm) drawn from the PSF, and the component of each."""
    weights, sx, sy = psf_components_values(v)
    component = rng.choice(4, size=n, p=weights)
    dx = rng.standard_normal(n) * sx[component]
    dy = rng.standard_normal(n) * sy[component]
    return dx, dy, component


def psf_density_values(dx_mm, dy_mm, v) -> np.ndarray:
    """Kernel: the PSF density (per mm^2) at focal-plane offsets (mm)."""
    weights, sx, sy = psf_components_values(v)
    x = np.asarray(dx_mm, dtype=np.float64)[..., None]
    y = np.asarray(dy_mm, dtype=np.float64)[..., None]
    g = np.exp(-0.5 * ((x / sx) ** 2 + (y / sy) ** 2)) / (2.0 * math.pi * sx * sy)
    return np.sum(weights * g, axis=-1)


def _int_ndtr(z: np.ndarray) -> np.ndarray:
    """Antiderivative of the standard normal CDF: z Phi(z) + phi(z)."""
    return z * ndtr(z) + np.exp(-0.5 * z * z) / _SQRT_2PI


def _box_gauss(lo, hi, a, b, sigma) -> np.ndarray:
    """P(a <= X + N(0, sigma) < b) for X uniform in [lo, hi] (lo == hi: a point), elementwise.

    Boxes narrower than 1e-4 sigma are taken as a point at their centre (error < (width / sigma)^2 / 24 <
    5e-10): below that the difference of the integrated CDFs loses its digits to rounding (at 5e-13 sigma
    it was wrong by 1 %, a Hypothesis find).
    """
    width = hi - lo
    mid = 0.5 * (lo + hi)
    point = ndtr((b - mid) / sigma) - ndtr((a - mid) / sigma)
    wide = width > 1e-4 * sigma
    safe = np.where(wide, width, 1.0)
    smeared = (sigma / safe) * (
        (_int_ndtr((b - lo) / sigma) - _int_ndtr((b - hi) / sigma))
        - (_int_ndtr((a - lo) / sigma) - _int_ndtr((a - hi) / sigma))
    )
    return np.where(wide, smeared, point)


def axis_profile_values(lo, hi, a, b, v) -> np.ndarray:
    """Kernel: along one focal-plane axis, the probability that a photon uniform in ``[lo, hi]`` (mm) lands
    in ``[a, b)`` after the PSF: ``p B(s) + (1 - p) B(w)``, ``B(sigma)`` the box-smeared Gaussian, ``s`` the
    spot's and ``w`` the arms' sigma, ``p`` the reflection probability.

    The PSF is this profile along x times the same along y: its four components
    (:func:`psf_components_values`, weights p^2, p(1 - p), p(1 - p), (1 - p)^2 on the sigma pairs (s, s),
    (w, s), (s, w), (w, w)) are the four products of the profile's two terms. So for one rectangle
    :func:`box_probability_values` is ``axis_profile_values`` along x times along y, and a pixel-to-pixel
    kernel is an outer product (a separable convolution).
    """
    p = v.p_reflect
    spot, arm = _box_gauss(lo, hi, a, b, v.psf_sigma_mm), _box_gauss(lo, hi, a, b, v.wing_sigma_mm)
    return p * spot + (1.0 - p) * arm


def box_probability_values(x_lo, x_hi, y_lo, y_hi, rectangles, v) -> np.ndarray:
    """Kernel: probability that a photon uniform in a focal-plane box (mm) lands in rectangles after the PSF.

    Parameters
    ----------
    x_lo, x_hi, y_lo, y_hi : numpy.ndarray
        The source boxes (focal-plane mm), any shape (broadcast together).
    rectangles : numpy.ndarray
        Disjoint target rectangles ``[x0, x1, y0, y1]`` (mm), shape (k, 4).
    v : SXIValues

    Returns
    -------
    numpy.ndarray
        Probabilities, the broadcast shape of the boxes. Exact for the Gaussian components (the uniform
        box convolved with a Gaussian has the closed-form CDF used in :func:`_box_gauss`).
    """
    weights, sx, sy = psf_components_values(v)
    x_lo, x_hi, y_lo, y_hi = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (x_lo, x_hi, y_lo, y_hi))
    )
    total = np.zeros(x_lo.shape)
    for x0, x1, y0, y1 in np.asarray(rectangles, dtype=np.float64):
        for k in range(4):
            px = _box_gauss(x_lo, x_hi, x0, x1, sx[k])
            py = _box_gauss(y_lo, y_hi, y0, y1, sy[k])
            total += weights[k] * px * py
    return total


def vignetting_values(tan_u, tan_v, v) -> np.ndarray:
    """Kernel: vignetting (relative effective area) for directions given by tan(u), tan(v)."""
    tu, tv = np.asarray(tan_u, dtype=np.float64), np.asarray(tan_v, dtype=np.float64)
    theta = np.arctan(np.hypot(tu, tv))
    corner = math.atan(
        math.hypot(math.tan(math.radians(0.5 * v.fov_u_deg)), math.tan(math.radians(0.5 * v.fov_v_deg)))
    )
    return np.clip(1.0 - (1.0 - v.vignetting_corner) * (theta / corner) ** 2, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------------
# Public Quantity API
# ---------------------------------------------------------------------------------------------------
def psf_density(dx, dy, config=None) -> u.Quantity:
    """The PSF (normalised to 1) at angular offsets ``dx``, ``dy`` from the source image, per arcmin^2.

    Offsets are along the CCD x (body X) and y axes; angles map to the focal plane as f * angle (small
    offsets).

    Examples
    --------
    >>> import astropy.units as u
    >>> peak = psf_density(0 * u.arcmin, 0 * u.arcmin)
    >>> round(float(peak.to_value(u.arcmin**-2)), 5)
    0.00385
    """
    cfg = SXIConfig.resolve(config)
    v = cfg.values
    to_mm = v.focal_mm * (math.pi / 180.0 / 60.0)
    x = as_value(dx, u.arcmin, "dx") * to_mm
    y = as_value(dy, u.arcmin, "dy") * to_mm
    return psf_density_values(x, y, v) * to_mm**2 / u.arcmin**2


def psf_fwhm(config=None) -> u.Quantity:
    """FWHM of the whole PSF (all four components) along a cut through its peak along x (= along y).

    The arms raise the wings slightly, so this exceeds the central-spot FWHM by a few percent.

    Examples
    --------
    >>> round(float(psf_fwhm().to_value(u.arcmin)), 2)
    8.33
    """
    cfg = SXIConfig.resolve(config)
    v = cfg.values
    peak = float(psf_density_values(0.0, 0.0, v))
    half = brentq(lambda x: float(psf_density_values(x, 0.0, v)) - 0.5 * peak, 0.0, 10.0 * v.psf_sigma_mm)
    return (2.0 * half / v.focal_mm) * u.rad.to(u.arcmin) * u.arcmin


def vignetting(u_angle, v_angle, config=None) -> np.ndarray:
    """Vignetting (relative effective area, 1 on axis) at FOV angular coordinates (u, v).

    Examples
    --------
    >>> import astropy.units as u
    >>> vignetting([0.0, 13.5] * u.deg, [0.0, 8.0] * u.deg).round(3)  # on axis and at the FOV corner
    array([1. , 0.8])
    """
    cfg = SXIConfig.resolve(config)
    uu = as_value(u_angle, u.rad, "u_angle")
    vv = as_value(v_angle, u.rad, "v_angle")
    return vignetting_values(np.tan(uu), np.tan(vv), cfg.values)
