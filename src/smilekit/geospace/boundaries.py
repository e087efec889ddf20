"""Empirical magnetopause and bow-shock surfaces: Shue 1997, Shue 1998, Lin 2010, Jelínek 2012.

The models are those of Shue et al. (1997) :cite:`shue1997`, Shue et al. (1998) :cite:`shue1998`,
Lin et al. (2010) :cite:`lin2010` and Jelínek et al. (2012) :cite:`jelinek2012`.

Frame and conventions (all models): GSM, X towards the Sun, Z north, positions in Earth radii
(``smilekit.units.RE``, 6371 km); the solar-wind aberration (about 4 deg) is ignored, so the model axis is
the GSM X axis. A direction is given by ``theta``, the angle from +X (0 at the subsolar point, 180 deg
down the tail), and ``phi``, the azimuth about X measured from +Y towards +Z (0 along +Y = dusk, 90 deg
along +Z = north). A point is ``x = r cos(theta)``, ``y = r sin(theta) cos(phi)``,
``z = r sin(theta) sin(phi)``. The dipole tilt is positive when the northern magnetic pole leans sunward
(the GSM convention).

Every model has two layers (the house pattern):

* a plain-float kernel ``<model>_values(theta, phi, ...)`` taking radians, nPa and nT as float64 arrays
  that broadcast, returning r in RE, with no astropy in the loop (used by the magnetosheath and the SWCX
  emissivity on large arrays);
* the public Quantity function ``<model>(theta, phi=0 deg, *, pdyn, ...)`` that checks its input with
  :func:`smilekit._validation.as_value` and returns r as a Quantity in RE.

Each model function carries the solar-wind range its fit covers as ``fit_range`` (a
:class:`~smilekit.geospace.validity.FitRange`, the one home of those numbers; the docstrings quote it).
Outside it a model still returns a value, flagged: the public functions issue a
:class:`~smilekit.errors.ModelDomainWarning` with the reason (``warn=False`` for callers that report the
range themselves, as the main job's stages do with :func:`smilekit.geospace.validity.check_fit_range`).
Unphysical input raises :class:`~smilekit.errors.InputError`: NaN, unitless or complex numbers, wrong
units, shapes that do not broadcast, theta outside [0, 180] deg, and drivers outside their physical
range (:data:`smilekit.solarwind.series.PHYSICAL_DRIVER_RANGES`: pdyn below 1e-3 nPa, say).

The generic helpers take a model as a function or a name (:data:`MAGNETOPAUSE_MODELS`,
:data:`BOW_SHOCK_MODELS`): :func:`standoff`, :func:`surface_points`, :func:`is_inside`,
:func:`model_parameters`. :func:`smilekit.solarwind.drivers.drivers_at` builds the drivers every model
takes (pdyn, pm, Bz and the dipole tilt) from a solar-wind series or state at given times (or at a
series' own records).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import astropy.units as u
import numba
import numpy as np

from smilekit._validation import as_value, check_broadcast
from smilekit.errors import InputError
from smilekit.geospace.validity import DriverRange, FitRange, warn_outside
from smilekit.solarwind.series import check_physical
from smilekit.solarwind.state import as_state
from smilekit.units import RE

__all__ = [
    "BOW_SHOCK_MODELS",
    "JELINEK2012_FIT_RANGE",
    "LIN2010_COEFFICIENTS",
    "LIN2010_FIT_RANGE",
    "MAGNETOPAUSE_MODELS",
    "SHAPE_JELINEK",
    "SHAPE_SHUE",
    "SHUE1997_FIT_RANGE",
    "SHUE1998_FIT_RANGE",
    "axisymmetric_shape",
    "flat_positions",
    "is_inside",
    "is_inside_values",
    "jelinek2012_bow_shock",
    "jelinek2012_bow_shock_values",
    "jelinek2012_magnetopause",
    "jelinek2012_magnetopause_values",
    "lin2010",
    "lin2010_values",
    "model_kernel",
    "model_parameters",
    "resolve_model",
    "shape_point",
    "shue1997",
    "shue1997_alpha_values",
    "shue1997_values",
    "shue1998",
    "shue1998_values",
    "standoff",
    "surface_points",
]

# ------------------------------------------------------------------------------------------------------
# Plain-float kernels (theta, phi in rad; pdyn, pm in nPa; bz in nT; tilt in rad; r in RE)
# ------------------------------------------------------------------------------------------------------


def _shue_shape(theta, r0, alpha):
    """r = r0 (2 / (1 + cos theta))^alpha (Shue et al. 1997, Eq. 1); inf at theta = 180 deg."""
    with np.errstate(divide="ignore"):
        return r0 * (2.0 / (1.0 + np.cos(theta))) ** alpha


def shue1997_alpha_values(bz, pdyn):
    """Shue et al. (1997) flaring exponent, eq. (13): alpha = (0.58 - 0.010 Bz)(1 + 0.010 Dp) (nT, nPa)."""
    return (0.58 - 0.010 * bz) * (1.0 + 0.010 * pdyn)


def shue1997_values(theta, phi=0.0, *, pdyn, bz=0.0):
    """Shue et al. (1997) magnetopause, plain floats (theta rad, pdyn nPa, bz nT) -> r in RE.

    ``phi`` is accepted for a uniform kernel signature and ignored (the model is axisymmetric).
    """
    theta, phi, pdyn, bz = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (theta, phi, pdyn, bz))
    )
    return _shue_shape(theta, *_shue1997_parameters(pdyn, bz))


def _shue1997_parameters(pdyn, bz):
    """(r0 in RE, alpha) of Shue et al. (1997), Eqs. 12-13 (pdyn nPa, bz nT)."""
    slope = np.where(bz >= 0.0, 0.013, 0.140)
    return (11.4 + slope * bz) * pdyn ** (-1.0 / 6.6), shue1997_alpha_values(bz, pdyn)


def shue1998_values(theta, phi=0.0, *, pdyn, bz=0.0):
    """Shue et al. (1998) magnetopause, plain floats (theta rad, pdyn nPa, bz nT) -> r in RE.

    ``phi`` is accepted for a uniform kernel signature and ignored (the model is axisymmetric).
    """
    theta, phi, pdyn, bz = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (theta, phi, pdyn, bz))
    )
    return _shue_shape(theta, *_shue1998_parameters(pdyn, bz))


def _shue1998_parameters(pdyn, bz):
    """(r0 in RE, alpha) of Shue et al. (1998), Eqs. 9-10 (pdyn nPa, bz nT)."""
    r0 = (10.22 + 1.29 * np.tanh(0.184 * (bz + 8.14))) * pdyn ** (-1.0 / 6.6)
    return r0, (0.58 - 0.007 * bz) * (1.0 + 0.024 * np.log(pdyn))


#: Lin et al. (2010) fitted coefficients a0 ... a21 (their coefficient table, :cite:`lin2010`; identical in
#: the public implementations the docstring of :func:`lin2010` names).
LIN2010_COEFFICIENTS = (
    12.544, -0.194, 0.305, 0.0573, 2.178, 0.0571, -0.999, 16.473, 0.00152, 0.382, 0.0431,
    -0.00763, -0.210, 0.0405, -4.430, -0.636, -2.600, 0.832, -5.328, 1.103, -0.907, 1.450,
)  # fmt: skip


def _lin_step(a0, a1, a2, bz):
    """a0 (exp(a1 Bz) - 1) / (exp(a2 Bz) + 1), the Bz switch of Lin et al. (2010)."""
    with np.errstate(over="ignore"):
        return a0 * np.expm1(a1 * bz) / (np.exp(a2 * bz) + 1.0)


def lin2010_values(theta, phi=0.0, *, pdyn, pm=0.0, bz=0.0, tilt=0.0):
    """Lin et al. (2010) magnetopause, plain floats (rad, nPa, nT) -> r in RE. See :func:`lin2010`."""
    a = LIN2010_COEFFICIENTS
    theta, phi, pdyn, pm, bz, tilt = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (theta, phi, pdyn, pm, bz, tilt))
    )
    p = pdyn + pm
    r0 = a[0] * p ** a[1] * (1.0 + _lin_step(a[2], a[3], a[4], bz))
    beta0 = a[6] + _lin_step(a[7], a[8], a[9], bz)
    beta1 = a[10]
    beta2 = a[11] + a[12] * tilt
    beta3 = a[13]
    exponent = beta0 + beta1 * np.cos(phi) + beta2 * np.sin(phi) + beta3 * np.sin(phi) ** 2
    base = np.cos(theta / 2.0) + a[5] * np.sin(2.0 * theta) * (1.0 - np.exp(-theta))
    with np.errstate(divide="ignore", over="ignore"):
        f = np.maximum(base, 1e-300) ** exponent
    c = a[14] * p ** a[15]
    r = r0 * f
    for sign, phi_cusp in ((1.0, 0.5 * np.pi), (-1.0, 1.5 * np.pi)):
        d = a[16] + sign * a[17] * tilt + a[18] * tilt**2
        theta_cusp = a[19] + sign * a[20] * tilt
        cos_psi = np.cos(theta) * np.cos(theta_cusp) + np.sin(theta) * np.sin(theta_cusp) * np.cos(
            phi - phi_cusp
        )
        psi = np.arccos(np.clip(cos_psi, -1.0, 1.0))
        r = r + c * np.exp(d * psi ** a[21])
    return r


def _jelinek_shape(theta, r_nose, lam):
    """Paraboloid r = 2 R / (cos theta + sqrt(cos^2 theta + lambda^2 sin^2 theta)); inf at 180 deg."""
    cos_t = np.cos(theta)
    den = cos_t + np.sqrt(cos_t**2 + (lam * np.sin(theta)) ** 2)
    with np.errstate(divide="ignore"):
        return np.where(den > 1e-15, 2.0 * r_nose / np.maximum(den, 1e-300), np.inf)


#: Jelínek et al. (2012) parameters (R in RE at 1 nPa, lambda, epsilon).
JELINEK2012_MAGNETOPAUSE = (12.82, 1.54, 5.26)
JELINEK2012_BOW_SHOCK = (15.02, 1.17, 6.55)


def jelinek2012_magnetopause_values(theta, phi=0.0, *, pdyn):
    """Jelínek et al. (2012) magnetopause, plain floats (theta rad, pdyn nPa) -> r in RE."""
    big_r, lam, eps = JELINEK2012_MAGNETOPAUSE
    theta, phi, pdyn = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (theta, phi, pdyn)))
    return _jelinek_shape(theta, big_r * pdyn ** (-1.0 / eps), lam)


def jelinek2012_bow_shock_values(theta, phi=0.0, *, pdyn):
    """Jelínek et al. (2012) bow shock, plain floats (theta rad, pdyn nPa) -> r in RE."""
    big_r, lam, eps = JELINEK2012_BOW_SHOCK
    theta, phi, pdyn = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (theta, phi, pdyn)))
    return _jelinek_shape(theta, big_r * pdyn ** (-1.0 / eps), lam)


# ------------------------------------------------------------------------------------------------------
# Axisymmetric surfaces point by point (compiled): r(theta) and d ln r / d theta in closed form
# ------------------------------------------------------------------------------------------------------

#: Shape families of :func:`axisymmetric_shape`: Shue-type r0 (2 / (1 + cos theta))^alpha and the
#: Jelínek-type paraboloid 2 R / (cos theta + sqrt(cos^2 theta + lambda^2 sin^2 theta)).
SHAPE_SHUE = 0
SHAPE_JELINEK = 1


def axisymmetric_shape(kernel, **params) -> tuple[int, float, float] | None:
    """``(family, a, b)`` of an axisymmetric boundary kernel at scalar drivers (kernel units), or None.

    Shue et al. (1997, 1998): ``(SHAPE_SHUE, r0, alpha)``; Jelínek et al. (2012) magnetopause and bow
    shock: ``(SHAPE_JELINEK, R pdyn^(-1/epsilon), lambda)``; None for a surface that is not axisymmetric
    (Lin et al. 2010). :func:`shape_point` evaluates the surface from these numbers.
    """
    shape = _AXISYMMETRIC.get(kernel)
    if shape is None:
        return None
    return shape(**{k: np.float64(v) for k, v in params.items()})


def _shue1997_shape(pdyn, bz=0.0):
    r0, alpha = _shue1997_parameters(pdyn, bz)
    return SHAPE_SHUE, float(r0), float(alpha)


def _shue1998_shape(pdyn, bz=0.0):
    r0, alpha = _shue1998_parameters(pdyn, bz)
    return SHAPE_SHUE, float(r0), float(alpha)


def _jelinek2012_shape(coefficients, pdyn):
    big_r, lam, eps = coefficients
    return SHAPE_JELINEK, float(big_r * pdyn ** (-1.0 / eps)), float(lam)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def shape_point(family, a, b, cos_t, sin_t):  # pragma: no cover - compiled by numba
    """Kernel: (r in RE, d ln r / d theta) of an :func:`axisymmetric_shape` at one direction.

    ``cos_t``, ``sin_t``: cosine and sine (>= 0) of theta, the angle from +X. r is inf where the surface
    does not close (theta = 180 deg), as in the array kernels; the derivative is then 0.
    """
    if family == SHAPE_SHUE:  # r = r0 (2 / (1 + cos))^alpha, d ln r / d theta = alpha sin / (1 + cos)
        base = 1.0 + cos_t
        if base <= 0.0:
            return math.inf, 0.0
        return a * (2.0 / base) ** b, b * sin_t / base
    # r = 2 R / D, D = cos + sqrt(cos^2 + lambda^2 sin^2), d ln r / d theta = -D' / D
    root = math.sqrt(cos_t * cos_t + (b * sin_t) ** 2)
    den = cos_t + root
    if not den > 1e-15:
        return math.inf, 0.0
    d_den = -sin_t + sin_t * cos_t * (b * b - 1.0) / root
    return 2.0 * a / den, -d_den / den


# ------------------------------------------------------------------------------------------------------
# Input checks shared by the Quantity functions
# ------------------------------------------------------------------------------------------------------

_PARAMETER_UNITS = {"pdyn": u.nPa, "pm": u.nPa, "bz": u.nT, "tilt": u.rad}


def _check_angles(theta, phi):
    theta_v = as_value(theta, u.rad, "theta")
    if ((theta_v < 0.0) | (theta_v > np.pi * (1 + 1e-12))).any():
        raise InputError(
            f"theta is the angle from +X and must lie in [0, 180] deg, got values from "
            f"{np.degrees(theta_v.min()):g} to {np.degrees(theta_v.max()):g} deg"
        )
    phi_v = as_value(phi, u.rad, "phi")
    return np.minimum(theta_v, np.pi), phi_v


def _check_parameter(name, value):
    if name in ("pdyn", "pm", "bz"):
        out = as_value(value, _PARAMETER_UNITS[name], name, positive=name == "pdyn", nonnegative=name == "pm")
        check_physical(name, out)  # smilekit.solarwind.series.PHYSICAL_DRIVER_RANGES
        return out
    if name == "tilt":
        tilt = as_value(value, u.rad, "tilt")
        if (np.abs(tilt) > np.pi / 2).any():
            raise InputError(f"tilt must lie in [-90, 90] deg, got {np.degrees(tilt).max():g} deg")
        return tilt
    raise InputError(f"unknown model parameter {name!r}")  # pragma: no cover - internal


def _evaluate(func, theta, phi, warn, **params):
    """Check the inputs of a public boundary function, flag its fitted range, and run its kernel."""
    theta_v, phi_v = _check_angles(theta, phi)
    values = _split_params(func, params)
    check_broadcast(theta=theta_v, phi=phi_v, **values)
    if warn:
        _warn_fit_range(func, values, stacklevel=4)
    return _SPECS[func].kernel(theta_v, phi_v, **values) * RE


def _warn_fit_range(func, values: dict, stacklevel: int) -> None:
    """A ModelDomainWarning when the (kernel-unit) drivers are outside ``func.fit_range``."""
    drivers = dict(values)
    if "tilt" in drivers:  # the kernels take radians, the fitted ranges degrees
        drivers["tilt"] = np.degrees(drivers["tilt"])
    warn_outside(func.fit_range, stacklevel=stacklevel + 1, **drivers)


# ------------------------------------------------------------------------------------------------------
# Public Quantity functions
# ------------------------------------------------------------------------------------------------------


def shue1997(theta, phi=0 * u.deg, *, pdyn, bz=0 * u.nT, warn=True):
    r"""Shue et al. (1997) magnetopause: radial distance at (theta, phi), GSM, in RE.

    .. math::
        r = r_0 \left(\frac{2}{1 + \cos\theta}\right)^{\alpha},\quad
        r_0 = (11.4 + K B_z) D_p^{-1/6.6},\quad \alpha = (0.58 - 0.010 B_z)(1 + 0.010 D_p)

    with K = 0.013 for Bz >= 0 and K = 0.140 for Bz < 0 (Shue et al. 1997, JGR 102, 9497, Eqs. 1, 12
    and 13; the break in slope at Bz = 0 is stated in their abstract). 0.140 is the published value and
    the one SpacePy's ``empiricals.getMPstandoff`` uses; some public code has 0.13, which is wrong.
    The surface is axisymmetric about X (``phi`` has no effect) and r = inf at theta = 180 deg.

    Fitted range (``shue1997.fit_range``, checked by :func:`smilekit.geospace.validity.check_fit_range`):
    <fit range>

    Parameters
    ----------
    theta : Quantity
        Angle from +X_GSM, in [0, 180] deg.
    phi : Quantity, optional
        Azimuth about X from +Y towards +Z (ignored; the model is axisymmetric).
    pdyn : Quantity
        Solar-wind dynamic pressure (> 0), e.g. nPa.
    bz : Quantity, optional
        IMF Bz in GSM (nT), default 0.
    warn : bool, optional
        Issue a :class:`~smilekit.errors.ModelDomainWarning` when a driver is outside the model's fitted
        range (default True); callers that report the range themselves pass False.

    Returns
    -------
    Quantity
        r in RE, the broadcast shape of the inputs.

    Raises
    ------
    InputError
        For a wrong type, unit or shape, or an unphysical driver (outside
        :data:`smilekit.solarwind.series.PHYSICAL_DRIVER_RANGES`, e.g. pdyn < 1e-3 nPa).

    Warns
    -----
    ModelDomainWarning
        When a driver is outside the fitted range (and ``warn``).

    Examples
    --------
    >>> import astropy.units as u
    >>> r = shue1997(0 * u.deg, pdyn=1 * u.nPa, bz=0 * u.nT)
    >>> print(f"{r:.2f}")
    11.40 RE
    """
    return _evaluate(shue1997, theta, phi, warn, pdyn=pdyn, bz=bz)


def shue1998(theta, phi=0 * u.deg, *, pdyn, bz=0 * u.nT, warn=True):
    r"""Shue et al. (1998) magnetopause: radial distance at (theta, phi), GSM, in RE.

    .. math::
        r = r_0 \left(\frac{2}{1 + \cos\theta}\right)^{\alpha},\quad
        r_0 = \{10.22 + 1.29 \tanh[0.184 (B_z + 8.14)]\} D_p^{-1/6.6},\quad
        \alpha = (0.58 - 0.007 B_z)[1 + 0.024 \ln D_p]

    (Shue et al. 1998, JGR 103, 17691, :cite:`shue1998`, Eqs. 9 and 10, as given identically in public
    implementations: OVT ``Shue97.java``, pyrfu ``magnetosphere.py``, rbamlib ``mp.S1998``). For
    moderate conditions it reduces to the Shue 1997 fit (r0 = 11.39 vs 11.4 RE at Bz = 0, 1 nPa);
    the tanh saturates r0 between 8.93 and 11.51 RE x Dp^(-1/6.6) for extreme Bz.

    Fitted range (``shue1998.fit_range``, checked by :func:`smilekit.geospace.validity.check_fit_range`):
    <fit range>

    Axisymmetric about X; r = inf at theta = 180 deg.

    Parameters
    ----------
    theta : Quantity
        Angle from +X_GSM, in [0, 180] deg.
    phi : Quantity, optional
        Azimuth about X (ignored; the model is axisymmetric).
    pdyn : Quantity
        Solar-wind dynamic pressure (> 0).
    bz : Quantity, optional
        IMF Bz in GSM (nT), default 0.
    warn : bool, optional
        Issue a :class:`~smilekit.errors.ModelDomainWarning` when a driver is outside the model's fitted
        range (default True); callers that report the range themselves pass False.

    Returns
    -------
    Quantity
        r in RE.

    Examples
    --------
    >>> import astropy.units as u
    >>> print(f"{shue1998(0 * u.deg, pdyn=2 * u.nPa, bz=0 * u.nT):.2f}")
    10.25 RE
    """
    return _evaluate(shue1998, theta, phi, warn, pdyn=pdyn, bz=bz)


def lin2010(theta, phi=0 * u.deg, *, pdyn, pm=0 * u.nPa, bz=0 * u.nT, tilt=0 * u.deg, warn=True):
    r"""Lin et al. (2010) 3-D asymmetric magnetopause with cusp indentations and dipole tilt, in RE.

    Lin, R. L., X. X. Zhang, S. Q. Liu, Y. L. Wang and J. C. Gong (2010), A three-dimensional asymmetric
    magnetopause model, JGR 115, A04207, doi:10.1029/2009JA014235, their Eqs. (19)-(21):

    .. math::
        r = r_0 \left[\cos\frac{\theta}{2} + a_5 \sin 2\theta\,(1 - e^{-\theta})\right]^{\beta(\varphi)}
            + c_n e^{d_n \psi_n^{e}} + c_s e^{d_s \psi_s^{e}}

    with :math:`r_0 = a_0 (D_p + P_m)^{a_1}[1 + a_2 (e^{a_3 B_z} - 1)/(e^{a_4 B_z} + 1)]`,
    :math:`\beta = \beta_0 + \beta_1\cos\varphi + \beta_2\sin\varphi + \beta_3\sin^2\varphi`,
    :math:`\beta_0 = a_6 + a_7 (e^{a_8 B_z} - 1)/(e^{a_9 B_z} + 1)`, :math:`\beta_1 = a_{10}`,
    :math:`\beta_2 = a_{11} + a_{12}\Phi`, :math:`\beta_3 = a_{13}`,
    :math:`c_{n,s} = a_{14} (D_p+P_m)^{a_{15}}`,
    :math:`d_{n,s} = a_{16} \pm a_{17}\Phi + a_{18}\Phi^2`, cusp zenith angles
    :math:`\theta_{n,s} = a_{19} \pm a_{20}\Phi`, :math:`e = a_{21}`, and :math:`\psi_{n,s}` the angle
    between the direction (theta, phi) and the cusp direction (theta_n, phi = 90 deg) or
    (theta_s, phi = 270 deg). Phi is the dipole tilt in radians (positive: north pole sunward, so the
    northern cusp moves sunward). Coefficients :data:`LIN2010_COEFFICIENTS` (:cite:`lin2010`). The paper text
    was not accessible here: the form was checked against two independent public implementations
    (the Lin10MagnetopauseModel class citing "eq. (19), (20)", and the ``MP_Lin2010`` function of
    Nguyen et al. 2022), which agree with each other and with this one term by term.

    Fitted range (``lin2010.fit_range``, checked by :func:`smilekit.geospace.validity.check_fit_range`):
    <fit range>

    The surface has no
    exact mirror symmetry: beta1 cos(phi) is a fitted dawn-dusk asymmetry and a11 sin(phi) a small
    north-south one even at zero tilt (both change r by well under 1 RE); the tilt adds a larger
    north-south asymmetry. Near the cusps the indentation depth c ~ (Dp + Pm)^-0.636 shrinks faster than
    r0 ~ (Dp + Pm)^-0.194, so r there can grow slightly with pressure; away from the cusps
    (theta <~ 45 deg, or the equatorial plane) r decreases with pressure.

    Parameters
    ----------
    theta : Quantity
        Angle from +X_GSM, in [0, 180] deg.
    phi : Quantity, optional
        Azimuth about X from +Y towards +Z (90 deg is north), default 0.
    pdyn : Quantity
        Solar-wind dynamic pressure (> 0).
    pm : Quantity, optional
        IMF magnetic pressure B^2 / 2 mu0 (>= 0), default 0 (``SolarWindState.pm``).
    bz : Quantity, optional
        IMF Bz in GSM, default 0.
    tilt : Quantity, optional
        Dipole tilt angle, in [-90, 90] deg, default 0.
    warn : bool, optional
        Issue a :class:`~smilekit.errors.ModelDomainWarning` when a driver is outside the model's fitted
        range (default True); callers that report the range themselves pass False.

    Returns
    -------
    Quantity
        r in RE.

    Examples
    --------
    >>> import astropy.units as u
    >>> print(f"{lin2010(0 * u.deg, pdyn=2 * u.nPa, pm=0.01 * u.nPa):.2f}")
    10.67 RE
    """
    return _evaluate(lin2010, theta, phi, warn, pdyn=pdyn, pm=pm, bz=bz, tilt=tilt)


_JELINEK_DOC = r"""Jelínek et al. (2012) {what}: radial distance at (theta, phi), GSM, in RE.

    Jelínek, K., Z. Němeček and J. Šafránková (2012), A new approach to magnetopause and bow shock
    modeling based on automated region identification, JGR 117, A05208, doi:10.1029/2011JA017252:

    .. math::
        r = \frac{{2 R D_p^{{-1/\epsilon}}}}{{\cos\theta + \sqrt{{\cos^2\theta + \lambda^2 \sin^2\theta}}}}

    a paraboloid of revolution about X (the polar form of
    :math:`x = R' - \lambda^2 (y^2 + z^2) / (4 R')` with :math:`R' = R D_p^{{-1/\epsilon}}`, so that
    r(theta = 0) = R' and, at 1 nPa, the stand-off equals R exactly). {what_cap} parameters fitted to THEMIS
    2007-2009 crossings: R = {R} RE, lambda = {lam}, epsilon = {eps} (:cite:`jelinek2012`; the paper text
    was not accessible here, the values agree with public implementations, e.g. the bow shock of Mshpy,
    :cite:`jung2024`). Pressure is the only driver; phi is ignored. r = inf at theta = 180 deg. With
    lambda^2 > 2 (the magnetopause, lambda = 1.54) the Earth lies beyond the centre of curvature of the
    vertex, so r is smallest at theta ~ 31 deg (1.2 % below the stand-off), not at the nose.

    Fitted range (``{func}.fit_range``, checked by :func:`smilekit.geospace.validity.check_fit_range`):
    <fit range>

    Parameters
    ----------
    theta : Quantity
        Angle from +X_GSM, in [0, 180] deg.
    phi : Quantity, optional
        Azimuth about X (ignored).
    pdyn : Quantity
        Solar-wind dynamic pressure (> 0).
    warn : bool, optional
        Issue a :class:`~smilekit.errors.ModelDomainWarning` when a driver is outside the model's fitted
        range (default True); callers that report the range themselves pass False.

    Returns
    -------
    Quantity
        r in RE.

    Examples
    --------
    >>> import astropy.units as u
    >>> print(f"{{{func}(0 * u.deg, pdyn=1 * u.nPa):.2f}}")
    {R:.2f} RE
    """


def jelinek2012_magnetopause(theta, phi=0 * u.deg, *, pdyn, warn=True):
    return _evaluate(jelinek2012_magnetopause, theta, phi, warn, pdyn=pdyn)


def jelinek2012_bow_shock(theta, phi=0 * u.deg, *, pdyn, warn=True):
    return _evaluate(jelinek2012_bow_shock, theta, phi, warn, pdyn=pdyn)


jelinek2012_magnetopause.__doc__ = _JELINEK_DOC.format(
    what="magnetopause", what_cap="Magnetopause", R=12.82, lam=1.54, eps=5.26, func="jelinek2012_magnetopause"
)
jelinek2012_bow_shock.__doc__ = _JELINEK_DOC.format(
    what="bow shock", what_cap="Bow-shock", R=15.02, lam=1.17, eps=6.55, func="jelinek2012_bow_shock"
)


# ------------------------------------------------------------------------------------------------------
# Fitted ranges (the one home of these numbers; the docstrings below are written from them)
# ------------------------------------------------------------------------------------------------------

_NOT_CONFIRMED = (
    "The limits are those of the data set as this package has documented them; the paper's text was not "
    "accessible here, so the exact table or section they come from is not confirmed."
)

#: Shue et al. (1997): the solar wind of their ISEE 1/2, AMPTE/IRM and IMP 8 crossings.
SHUE1997_FIT_RANGE = FitRange(
    "shue1997",
    (
        DriverRange("pdyn", 0.5, 8.5, "Shue et al. 1997"),
        DriverRange("bz", -18.0, 15.0, "Shue et al. 1997"),
    ),
    ":cite:`shue1997`, the upstream conditions of their ISEE 1/2, AMPTE/IRM and IMP 8 crossings",
    "Not reliable for extreme driving (Shue et al. 1998 was refitted for it). " + _NOT_CONFIRMED,
)

#: Shue et al. (1998): the 1997 data set plus the crossings of the January 1997 magnetic cloud.
SHUE1998_FIT_RANGE = FitRange(
    "shue1998",
    (
        DriverRange("pdyn", 0.5, 60.0, "Shue et al. 1998"),
        DriverRange("bz", -18.0, 15.0, "Shue et al. 1998"),
    ),
    ":cite:`shue1998`, the Shue et al. (1997) crossings plus the 10-11 January 1997 magnetic-cloud "
    "event (LANL 1994-084, GMS 4, Geotail and Interball 1, as their abstract lists)",
    "The extreme-pressure end (above about 10 nPa) rests on a few crossings of one event. " + _NOT_CONFIRMED,
)

#: Lin et al. (2010): 980 crossings; the pressure bounds Dp (the model's pressure is Dp + Pm).
LIN2010_FIT_RANGE = FitRange(
    "lin2010",
    (
        DriverRange("pdyn", 0.5, 30.0, "Lin et al. 2010"),
        DriverRange("bz", -20.0, 20.0, "Lin et al. 2010"),
        DriverRange("tilt", -35.0, 35.0, "Lin et al. 2010"),
    ),
    ":cite:`lin2010`, the upstream conditions and dipole tilts of their 980 crossings",
    "Few crossings above 10 nPa. " + _NOT_CONFIRMED,
)

#: Jelínek et al. (2012): THEMIS 2007-2009 dayside and near-flank crossings (magnetopause and bow shock).
JELINEK2012_FIT_RANGE = FitRange(
    "jelinek2012",
    (DriverRange("pdyn", 0.5, 10.0, "Jelínek et al. 2012"),),
    ":cite:`jelinek2012`, the THEMIS 2007-2009 crossings at X > about -10 RE",
    "The authors note that the Dp^(-1/epsilon) scaling departs from observations above about 3-4 nPa. "
    + _NOT_CONFIRMED,
)


def _with_fit_range(func: Callable, fit_range: FitRange) -> Callable:
    """Attach ``fit_range`` to a model function and write it into its docstring."""
    func.fit_range = fit_range
    func.__doc__ = func.__doc__.replace("<fit range>", fit_range.describe())
    return func


for _func, _range in (
    (shue1997, SHUE1997_FIT_RANGE),
    (shue1998, SHUE1998_FIT_RANGE),
    (lin2010, LIN2010_FIT_RANGE),
    (jelinek2012_magnetopause, JELINEK2012_FIT_RANGE),
    (jelinek2012_bow_shock, JELINEK2012_FIT_RANGE),
):
    _with_fit_range(_func, _range)


# ------------------------------------------------------------------------------------------------------
# Registry and generic helpers
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ModelSpec:
    name: str
    kind: str  # "magnetopause" or "bow_shock"
    kernel: Callable
    parameters: tuple[str, ...]


_SPECS: dict[Callable, _ModelSpec] = {
    shue1997: _ModelSpec("shue1997", "magnetopause", shue1997_values, ("pdyn", "bz")),
    shue1998: _ModelSpec("shue1998", "magnetopause", shue1998_values, ("pdyn", "bz")),
    lin2010: _ModelSpec("lin2010", "magnetopause", lin2010_values, ("pdyn", "pm", "bz", "tilt")),
    jelinek2012_magnetopause: _ModelSpec(
        "jelinek2012", "magnetopause", jelinek2012_magnetopause_values, ("pdyn",)
    ),
    jelinek2012_bow_shock: _ModelSpec("jelinek2012", "bow_shock", jelinek2012_bow_shock_values, ("pdyn",)),
}
_KERNEL_TO_FUNC = {spec.kernel: func for func, spec in _SPECS.items()}
#: The axisymmetric kernels and the functions of their drivers that give their shape (see
#: :func:`axisymmetric_shape`).
_AXISYMMETRIC: dict[Callable, Callable] = {
    shue1997_values: _shue1997_shape,
    shue1998_values: _shue1998_shape,
    jelinek2012_magnetopause_values: lambda pdyn: _jelinek2012_shape(JELINEK2012_MAGNETOPAUSE, pdyn),
    jelinek2012_bow_shock_values: lambda pdyn: _jelinek2012_shape(JELINEK2012_BOW_SHOCK, pdyn),
}

#: Magnetopause models by name.
MAGNETOPAUSE_MODELS: dict[str, Callable] = {
    "shue1997": shue1997,
    "shue1998": shue1998,
    "lin2010": lin2010,
    "jelinek2012": jelinek2012_magnetopause,
}

#: Bow-shock models by name.
BOW_SHOCK_MODELS: dict[str, Callable] = {"jelinek2012": jelinek2012_bow_shock}


def resolve_model(model, kind: str = "magnetopause") -> Callable:
    """Return the Quantity model function for ``model`` (a function, its kernel, or a name).

    A name is looked up in :data:`MAGNETOPAUSE_MODELS` (``kind="magnetopause"``) or
    :data:`BOW_SHOCK_MODELS` (``kind="bow_shock"``); ``"jelinek2012"`` means the surface of that kind.
    """
    if isinstance(model, str):
        table = BOW_SHOCK_MODELS if kind == "bow_shock" else MAGNETOPAUSE_MODELS
        if model not in table:
            raise InputError(f"unknown {kind.replace('_', ' ')} model {model!r}; accepted: {sorted(table)}")
        return table[model]
    if model in _SPECS:
        return model
    if model in _KERNEL_TO_FUNC:
        return _KERNEL_TO_FUNC[model]
    raise InputError(
        f"model must be one of the boundary functions or a name in {sorted(MAGNETOPAUSE_MODELS)} "
        f"(magnetopause) / {sorted(BOW_SHOCK_MODELS)} (bow shock), got {model!r}"
    )


def model_kernel(model, kind: str = "magnetopause") -> tuple[Callable, tuple[str, ...]]:
    """Return ``(kernel, parameter names)`` of a model: the plain-float function and what it takes."""
    spec = _SPECS[resolve_model(model, kind)]
    return spec.kernel, spec.parameters


def _kind_of(model) -> str:
    if model in _SPECS:
        return _SPECS[model].kind
    return "magnetopause"


def _check_names(func, params: dict) -> None:
    """Refuse keyword parameters that ``func`` does not take (an InputError, not Python's TypeError)."""
    spec = _SPECS[func]
    unknown = set(params) - set(spec.parameters)
    if unknown:
        raise InputError(
            f"model {spec.name} ({spec.kind}) takes {list(spec.parameters)}, got unexpected {sorted(unknown)}"
        )


def _split_params(func, params: dict) -> dict:
    """Check the keyword parameters of ``func`` and return them as plain floats (kernel units)."""
    spec = _SPECS[func]
    _check_names(func, params)
    if "pdyn" not in params:
        raise InputError(f"model {spec.name} needs pdyn (a pressure Quantity)")
    return {k: _check_parameter(k, v) for k, v in params.items()}


def standoff(model, *, warn=True, **params) -> u.Quantity:
    """Stand-off distance r(theta = 0) of a boundary model, in RE.

    Parameters
    ----------
    model : callable or str
        A boundary function (e.g. :func:`shue1998`) or a magnetopause name ("shue1997", "shue1998",
        "lin2010", "jelinek2012"); for the bow shock pass :func:`jelinek2012_bow_shock`.
    warn : bool, optional
        Flag a driver outside the model's fitted range with a
        :class:`~smilekit.errors.ModelDomainWarning` (default True).
    **params
        The model's keyword Quantities (pdyn, and bz, pm, tilt where it takes them).

    Examples
    --------
    >>> import astropy.units as u
    >>> print(f"{standoff('jelinek2012', pdyn=1 * u.nPa):.2f}")
    12.82 RE
    """
    func = resolve_model(model)
    _check_names(func, params)
    return func(0 * u.deg, 0 * u.deg, warn=warn, **params)


def surface_points(
    model, *, theta_max=120 * u.deg, n_theta: int = 61, n_phi: int = 72, warn=True, **params
) -> u.Quantity:
    """Points on a boundary surface on a (theta, phi) grid, GSM, in RE, shape (n_theta, n_phi, 3).

    theta runs from 0 to ``theta_max`` inclusive, phi from 0 to 360 deg exclusive (0 along +Y, 90 deg
    along +Z). Model parameters as in :func:`standoff`.

    Examples
    --------
    >>> import astropy.units as u
    >>> pts = surface_points("shue1998", n_theta=3, n_phi=4, pdyn=2 * u.nPa, bz=0 * u.nT)
    >>> pts.shape
    (3, 4, 3)
    """
    func = resolve_model(model)
    _check_names(func, params)
    theta_max_v = float(as_value(theta_max, u.rad, "theta_max", positive=True))
    if theta_max_v > np.pi:
        raise InputError(f"theta_max must be <= 180 deg, got {np.degrees(theta_max_v):g} deg")
    if not all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in (n_theta, n_phi)):
        raise InputError(f"n_theta and n_phi must be whole numbers >= 1, got {n_theta!r}, {n_phi!r}")
    if int(n_theta) < 1 or int(n_phi) < 1:
        raise InputError(f"n_theta and n_phi must be >= 1, got {n_theta}, {n_phi}")
    theta = np.linspace(0.0, theta_max_v, int(n_theta))[:, None]
    phi = np.linspace(0.0, 2 * np.pi, int(n_phi), endpoint=False)[None, :]
    r = func(theta * u.rad, phi * u.rad, warn=warn, **params).to_value(RE)
    xyz = np.stack(
        np.broadcast_arrays(
            r * np.cos(theta), r * np.sin(theta) * np.cos(phi), r * np.sin(theta) * np.sin(phi)
        ),
        axis=-1,
    )
    return xyz * RE


def cartesian_to_angles(x, y, z):
    """Plain floats: (r, theta, phi) of GSM points, theta from +X, phi from +Y towards +Z (radians)."""
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    r = np.sqrt(x * x + y * y + z * z)
    rho = np.hypot(y, z)
    theta = np.arctan2(rho, x)
    phi = np.arctan2(z, y)
    return r, theta, phi


def flat_positions(x, y, z) -> tuple[tuple[int, ...], np.ndarray, np.ndarray, np.ndarray]:
    """Plain floats: the broadcast shape of x, y, z and each as a flat, contiguous, writeable float64 array
    (what the compiled point kernels loop over; views of ``np.broadcast_arrays`` are not passed to numba)."""
    arrays = [np.asarray(v, dtype=np.float64) for v in (x, y, z)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = []
    for a in arrays:
        if a.shape != shape:
            a = np.broadcast_to(a, shape)
        a = np.ascontiguousarray(a).reshape(-1)
        flat.append(a if a.flags.writeable else a.copy())
    return shape, flat[0], flat[1], flat[2]


def is_inside_values(kernel, x, y, z, **params) -> np.ndarray:
    """Plain floats: True where r < r_model(theta, phi) at each point's own angles (x, y, z in RE)."""
    r, theta, phi = cartesian_to_angles(x, y, z)
    return r < kernel(theta, phi, **params)


def is_inside(model, x, y, z, *, warn=True, **params) -> np.ndarray:
    """Whether GSM points lie inside a boundary surface (earthward of it).

    A point is inside when r < r_model(theta, phi) at its own theta (from +X) and phi (about X, from +Y
    towards +Z). The origin is inside.

    Parameters
    ----------
    model : callable or str
        Boundary function or magnetopause name (see :func:`standoff`).
    x, y, z : Quantity
        GSM positions (lengths), broadcastable.
    **params
        The model's keyword Quantities.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> import astropy.units as u
    >>> is_inside("shue1998", [5, 15] * RE, 0 * RE, 0 * RE, pdyn=2 * u.nPa, bz=0 * u.nT)
    array([ True, False])
    """
    func = resolve_model(model)
    values = _split_params(func, params)
    xv = as_value(x, RE, "x")
    yv = as_value(y, RE, "y")
    zv = as_value(z, RE, "z")
    check_broadcast(x=xv, y=yv, z=zv, **values)
    if warn:
        _warn_fit_range(func, values, stacklevel=2)
    return is_inside_values(_SPECS[func].kernel, xv, yv, zv, **values)


def model_parameters(model, state, tilt=0 * u.deg) -> dict:
    """Keyword arguments (Quantities) that ``model`` takes, from a :class:`SolarWindState`.

    Maps ``state.pdyn`` (OMNI definition), ``state.bz`` (GSM), ``state.pm`` (IMF magnetic pressure) and
    ``tilt`` to the subset the model uses, so that ``shue1998(theta, **model_parameters(shue1998, state))``
    works for any model.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind.state import SolarWindState
    >>> sw = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -5] * u.nT)
    >>> sorted(model_parameters("lin2010", sw))
    ['bz', 'pdyn', 'pm', 'tilt']
    """
    func = resolve_model(model, _kind_of(model) if not isinstance(model, str) else "magnetopause")
    state = as_state(state)
    _check_parameter("tilt", tilt)
    available = {"pdyn": state.pdyn, "bz": state.bz, "pm": state.pm, "tilt": tilt}
    return {name: available[name] for name in _SPECS[func].parameters}
