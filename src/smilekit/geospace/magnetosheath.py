"""Magnetosheath plasma (density, flow speed, temperature) between the bow shock and the magnetopause.

The model is the gas-dynamic analogue of the solar-wind flow around the magnetosphere (Spreiter, Summers
& Alksne 1966, Planet. Space Sci. 14, 223, :cite:`spreiter1966`), reduced to closed forms that are cheap on
large arrays:

1. **Shock jump.** At the bow shock point on the same radial line as the query point (the Jelínek et al.
   2012 paraboloid by default, :cite:`jelinek2012`), with its local normal n, the upstream flow (-V along X,
   aberration ignored) crosses an oblique shock with normal Mach number M_n = M ``|n_x|``, where M is the fast
   magnetosonic Mach number (Spreiter et al. 1966 use the magnetosonic Mach number in the gas-dynamic
   analogue). The Rankine-Hugoniot relations for a perfect gas (e.g. Landau & Lifshitz, *Fluid Mechanics*,
   section 89, :cite:`landau1987`; Kivelson & Russell 1995, Eqs. 5.33-5.35, :cite:`kivelson1995`): density
   ratio X = (gamma+1) M_n^2 / ((gamma-1) M_n^2 + 2), pressure ratio (2 gamma M_n^2 - (gamma-1)) / (gamma+1);
   the tangential velocity is continuous, the normal velocity drops by X. Where M_n <= 1 the shock has
   degenerated into a Mach wave and nothing jumps.
2. **Magnetopause side.** On the magnetopause point of the same radial line, the pressure follows the
   modified Newtonian law p = p_stag cos^2(psi) + p_inf sin^2(psi) (psi the angle between the
   magnetopause normal and the upstream flow; Spreiter et al. 1966, Petrinec & Russell 1997,
   :cite:`petrinec1997`), with p_stag the stagnation pressure behind the normal shock. The flow there expands
   isentropically from the stagnation point along the magnetopause, so it is tangent to the magnetopause and
   its speed is zero at the subsolar stagnation point and tends to the solar-wind speed far down the flanks.
3. **Across the sheath.** With s = (r - r_mp) / (r_bs - r_mp) (0 at the magnetopause, 1 at the shock),
   the velocity vector is interpolated linearly in s; the temperature follows from Bernoulli's law
   (total enthalpy is uniform in steady adiabatic flow from a uniform upstream, and is conserved across
   the shock), and the density from the adiabat n / T^(1/(gamma-1)), whose constant is interpolated in
   log between its two end values (entropy: that of the local shock at s = 1, that of the normal shock at
   the magnetopause, where the stagnation streamline runs).

The "temperature" is that of a plasma with Te = Tp (the convention of :mod:`smilekit.solarwind.derived`,
p = 2 n k T); because the magnetosonic Mach number is used, the IMF's magnetic pressure is carried as
thermal pressure downstream, so the sheath temperature is an upper bound on the ion temperature. Limitations:
no magnetic field draping (no plasma depletion layer), no foreshock, no asymmetry from the IMF, steady
state; the profile across the sheath is an interpolation, not a solution of the flow equations.
Regions: 0 solar wind, 1 magnetosheath, 2 magnetosphere (closed field, n = 0, speed = 0, T = 0), 3 cusp
(inside the magnetopause, within the :mod:`~smilekit.geospace.cusps` funnel; the adjacent sheath state at
the magnetopause with the density scaled by :data:`~smilekit.geospace.cusps.CUSP_DENSITY_FRACTION`).
"""

from __future__ import annotations

import math

import astropy.units as u
import numba
import numpy as np

from smilekit._validation import as_scalar, as_value, as_vector
from smilekit.constants import ADIABATIC_INDEX, K_B, M_P, MU_0
from smilekit.errors import InputError, ModelDomainError
from smilekit.geospace import cusps as _cusps
from smilekit.geospace.boundaries import (
    axisymmetric_shape,
    cartesian_to_angles,
    model_kernel,
    resolve_model,
    shape_point,
)
from smilekit.geospace.validity import FitRange
from smilekit.solarwind import derived
from smilekit.solarwind.series import check_physical
from smilekit.solarwind.state import as_state
from smilekit.units import RE

__all__ = [
    "REGION_CUSP",
    "REGION_MAGNETOSHEATH",
    "REGION_MAGNETOSPHERE",
    "REGION_SOLAR_WIND",
    "Magnetosheath",
    "check_upstream_values",
    "plasma_point",
    "rankine_hugoniot_values",
]

REGION_SOLAR_WIND = 0
REGION_MAGNETOSHEATH = 1
REGION_MAGNETOSPHERE = 2
REGION_CUSP = 3


def rankine_hugoniot_values(mach_normal, gamma=ADIABATIC_INDEX):
    """Gas-dynamic Rankine-Hugoniot ratios (density, pressure, temperature) for a normal Mach number.

    ``X = (g+1) M^2 / ((g-1) M^2 + 2)``, ``P = (2 g M^2 - (g-1)) / (g+1)``, ``T = P / X``
    (Landau & Lifshitz, Fluid Mechanics, section 89). Mach numbers below 1 are treated as 1 (no jump).

    Examples
    --------
    >>> x, p, t = rankine_hugoniot_values(8.0)
    >>> round(float(x), 3)
    3.821
    """
    m2 = np.maximum(np.asarray(mach_normal, dtype=np.float64), 1.0) ** 2
    density = (gamma + 1.0) * m2 / ((gamma - 1.0) * m2 + 2.0)
    pressure = (2.0 * gamma * m2 - (gamma - 1.0)) / (gamma + 1.0)
    return density, pressure, pressure / density


def _unit_vectors(theta, phi):
    st, ct, sp, cp = np.sin(theta), np.cos(theta), np.sin(phi), np.cos(phi)
    r_hat = np.stack([ct, st * cp, st * sp], axis=-1)
    t_hat = np.stack([-st, ct * cp, ct * sp], axis=-1)
    p_hat = np.stack([np.zeros_like(phi), -sp, cp], axis=-1)
    return r_hat, t_hat, p_hat


def _surface_normal(kernel, params, theta, phi, step=1e-4):
    """Outward unit normal of the surface r = R(theta, phi) by central differences (plain floats)."""
    r0 = kernel(theta, phi, **params)
    t_hi = np.minimum(theta + step, np.pi)
    t_lo = np.maximum(theta - step, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dr_dt = (kernel(t_hi, phi, **params) - kernel(t_lo, phi, **params)) / (t_hi - t_lo)
        dr_dp = (kernel(theta, phi + step, **params) - kernel(theta, phi - step, **params)) / (2 * step)
        sin_t = np.sin(theta)
        phi_term = np.where(sin_t > 1e-9, dr_dp / (r0 * np.where(sin_t > 1e-9, sin_t, 1.0)), 0.0)
        r_hat, t_hat, p_hat = _unit_vectors(theta, phi)
        normal = r_hat - (dr_dt / r0)[..., None] * t_hat - phi_term[..., None] * p_hat
        normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    return np.nan_to_num(normal, nan=0.0), r0


# Layout of Magnetosheath.point_parameters (indices into the array plasma_point takes).
_MP, _BS = 0, 3  # (family, a, b) of the magnetopause and of the bow shock (axisymmetric_shape)
_N1, _V1, _T1, _T1_EFF, _T0, _MACH, _GAMMA, _CP = 6, 7, 8, 9, 10, 11, 12, 13
_P1, _P_STAG, _N_STAG, _CUSP_FRACTION = 14, 15, 16, 17
_ADIABAT_MP, _ADIABAT_SW = 18, 19  # log n - k log T at the magnetopause (stagnation) and upstream
_CUSP = 20  # cusp_point_parameters from here on


# Not cached: numba's cache does not see changes in the compiled functions of other modules it calls.
# (Compiled into the SWCX emissivity's kernel, they are cached there, under a key that follows their
# sources: smilekit.geospace.emissivity._compiled_swcx_loop.)
@numba.njit(nogil=True, error_model="numpy")
def _boundary_point(p, at, c, s):  # pragma: no cover - compiled by numba
    """r (RE) and the outward unit normal (x, rho components, in the meridian plane) of a boundary."""
    r, g = shape_point(int(p[at]), p[at + 1], p[at + 2], c, s)
    # normal ~ r_hat - (d ln r / d theta) theta_hat, r_hat = (c, s), theta_hat = (-s, c)
    nx, nr = c + g * s, s - g * c
    norm = math.sqrt(nx * nx + nr * nr)
    if not (norm > 0.0 and math.isfinite(norm)):
        return r, 0.0, 0.0
    return r, nx / norm, nr / norm


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _magnetopause_point(p, nx, nr):  # pragma: no cover - compiled by numba
    """Velocity (x, rho; km/s) and temperature (K) just outside the magnetopause of normal (nx, nr)."""
    g = p[_GAMMA]
    cos_psi = min(max(nx, 0.0), 1.0)
    pressure = p[_P_STAG] * cos_psi**2 + p[_P1] * (1.0 - cos_psi**2)
    t = p[_T0] * (pressure / p[_P_STAG]) ** ((g - 1.0) / g)
    speed = math.sqrt(max(2.0 * p[_CP] * (p[_T0] - t), 0.0)) / 1e3
    tx, tr = -1.0 + nx * nx, nx * nr  # the flow (-1, 0) less its normal part
    norm = math.sqrt(tx * tx + tr * tr)
    if not norm > 1e-12:
        return 0.0, 0.0, t
    return tx / norm * speed, tr / norm * speed, t


@numba.njit(nogil=True, error_model="numpy")  # not cached, as _boundary_point
def plasma_point(p, x, y, z):  # pragma: no cover - compiled by numba
    """Kernel: (n [cm^-3], speed [km/s], temperature [K]) at one GSM point (RE) of the sheath given by
    :meth:`Magnetosheath.point_parameters`: :meth:`Magnetosheath.plasma_values` point by point.

    The boundaries are axisymmetric, so the flow lies in the meridian plane of the point and the surface
    normals follow from d ln r / d theta in closed form (:func:`~smilekit.geospace.boundaries.shape_point`;
    :meth:`~Magnetosheath.plasma_values` takes them by central differences, which agree to about 1e-8).
    """
    r = math.sqrt(x * x + y * y + z * z)
    rho = math.sqrt(y * y + z * z)
    c, s = (x / r, rho / r) if r > 0.0 else (1.0, 0.0)
    r_mp, mx, mr = _boundary_point(p, _MP, c, s)
    if r < r_mp:  # magnetosphere, or cusp
        if not _cusps.cusp_point(x, y, z, p, _CUSP):
            return 0.0, 0.0, 0.0
        vx, vr, t = _magnetopause_point(p, mx, mr)
        n = p[_CUSP_FRACTION] * p[_N_STAG] * (t / p[_T0]) ** (1.0 / (p[_GAMMA] - 1.0))
        return n, math.sqrt(vx * vx + vr * vr), t
    r_bs, bx, br = _boundary_point(p, _BS, c, s)
    if not r < r_bs:
        return p[_N1], p[_V1], p[_T1]
    g = p[_GAMMA]
    k = 1.0 / (g - 1.0)
    vmx, vmr, _ = _magnetopause_point(p, mx, mr)
    # behind the shock: Rankine-Hugoniot at the normal Mach number (rankine_hugoniot_values)
    m2 = max(p[_MACH] * abs(bx), 1.0) ** 2
    ratio_n = (g + 1.0) * m2 / ((g - 1.0) * m2 + 2.0)
    ratio_p = (2.0 * g * m2 - (g - 1.0)) / (g + 1.0)
    v1n = -p[_V1] * bx
    vbx = -p[_V1] - v1n * bx + v1n * bx / ratio_n
    vbr = -v1n * br + v1n * br / ratio_n
    gap = r_bs - r_mp
    f = min(max((r - r_mp) / (gap if gap > 0.0 else 1.0), 0.0), 1.0)
    vx, vr = (1.0 - f) * vmx + f * vbx, (1.0 - f) * vmr + f * vbr
    speed2 = (vx * 1e3) ** 2 + (vr * 1e3) ** 2
    t = max(p[_T0] - speed2 / (2.0 * p[_CP]), 1e-3 * p[_T1])
    adiabat_bs = p[_ADIABAT_SW] + math.log(ratio_n) - k * math.log(ratio_p / ratio_n)
    n = math.exp((1.0 - f) * p[_ADIABAT_MP] + f * adiabat_bs + k * math.log(t))
    return n, math.sqrt(vx * vx + vr * vr), t


def check_upstream_values(n, speed, t, b_gsm, tilt, times=None) -> None:
    """Refuse upstream values that :class:`Magnetosheath` does not take, for one record or many.

    Parameters
    ----------
    n, speed, t, tilt : float or numpy.ndarray
        Density (cm^-3), bulk speed (km/s, the flow taken along -X), temperature (K) and dipole tilt (rad),
        scalars or of shape (N,).
    b_gsm : numpy.ndarray
        IMF in GSM (nT), shape (3,) or (N, 3).
    times : numpy.ndarray, optional
        The records' times (N,), to say which one is refused.

    Raises
    ------
    InputError
        For a value that is not finite, a density, speed or temperature that is not positive, one outside
        its physical range (:func:`smilekit.solarwind.series.check_physical`) or a tilt beyond 90 deg; the
        message names the first such value (and its time).
    """
    n, speed, t, tilt = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (n, speed, t, tilt))
    b = np.asarray(b_gsm, dtype=np.float64).reshape(-1, 3)
    labels = None if times is None else np.asarray(times).reshape(-1)

    def refuse(name: str, values: np.ndarray, bad: np.ndarray, unit: str, accepted: str) -> None:
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            value = values[k].tolist() if values.ndim > 1 else f"{values[k]:g}"
            at = "" if labels is None else f" (the record at {labels[k]})"
            raise InputError(f"{name} must {accepted}, got {value} {unit}{at}")

    scalars = (("n", n, "cm^-3"), ("v", speed, "km/s"), ("t", t, "K"))
    for name, values, unit in (*scalars, ("tilt", tilt, "rad")):
        refuse(name, values, ~np.isfinite(values), unit, "be finite")
    refuse("b_gsm", b, ~np.isfinite(b).all(axis=1), "nT", "be finite")
    for name, values, unit in scalars:
        refuse(name, values, ~(values > 0), unit, f"be > 0 {unit}")
    check_physical("v_gse", np.column_stack([-speed, np.zeros_like(speed), np.zeros_like(speed)]), labels)
    check_physical("n", n, labels)
    check_physical("t", t, labels)
    check_physical("b_gsm", b, labels)
    refuse("tilt", np.degrees(tilt), ~(np.abs(tilt) <= np.pi / 2), "deg", "lie in [-90, 90] deg")


class Magnetosheath:
    """Gas-dynamic magnetosheath between a bow shock and a magnetopause model (see the module docstring).

    Parameters
    ----------
    n : Quantity
        Upstream proton density (> 0), cm^-3.
    v : Quantity
        Upstream bulk speed (> 0), km/s, or the velocity vector (its magnitude is used; the flow is taken
        along -X_GSM, aberration ignored).
    t : Quantity
        Upstream proton temperature (> 0), K (Te = Tp assumed).
    b_gsm : Quantity
        IMF vector in GSM (nT), shape (3,).
    tilt : Quantity
        Dipole tilt (positive: north pole sunward); used by Lin 2010 (:cite:`lin2010`) and the cusps.
    magnetopause, bow_shock : str or callable
        Boundary models (names of :data:`~smilekit.geospace.boundaries.MAGNETOPAUSE_MODELS` and
        :data:`~smilekit.geospace.boundaries.BOW_SHOCK_MODELS`).
    gamma : float
        Ratio of specific heats, default 5/3.
    cusp_width, cusp_mlt_width : Quantity
        Cusp footprint width (deg) and MLT extent (h); see :mod:`smilekit.geospace.cusps`.
    cusp_density_fraction : float
        Cusp density as a fraction of the adjacent sheath density at the magnetopause.
    cusp_latitude_offset : Quantity
        Poleward shift of the cusp footprint from its statistical latitude (deg, default 0).

    Attributes
    ----------
    magnetopause_standoff_re, bow_shock_standoff_re : float
        The nose stand-off distances (RE, on +X) of the two boundary models at this solar wind.

    Examples
    --------
    >>> import astropy.units as u
    >>> ms = Magnetosheath(n=5 * u.cm**-3, v=400 * u.km / u.s, t=1e5 * u.K, b_gsm=[0, 0, -2] * u.nT)
    >>> n, speed, temp, region = ms.plasma_values([20.0, 11.0, 5.0], 0.0, 0.0)
    >>> region.tolist()
    [0, 1, 2]
    """

    def __init__(
        self,
        *,
        n,
        v,
        t,
        b_gsm,
        tilt=0 * u.deg,
        magnetopause="shue1998",
        bow_shock="jelinek2012",
        gamma: float = ADIABATIC_INDEX,
        cusp_width=_cusps.DEFAULT_WIDTH_DEG * u.deg,
        cusp_mlt_width=_cusps.DEFAULT_MLT_WIDTH_H * u.hourangle,
        cusp_density_fraction: float = _cusps.CUSP_DENSITY_FRACTION,
        cusp_latitude_offset=0 * u.deg,
    ):
        self.n1 = as_scalar(n, u.cm**-3, "n", positive=True)
        v_arr = as_value(v, u.km / u.s, "v")
        # math.hypot scales: no overflow for an absurd speed, which check_physical then refuses
        speed = math.hypot(*v_arr.ravel()) if v_arr.ndim else float(v_arr)
        if v_arr.ndim and v_arr.shape != (3,):
            raise InputError(f"v must be a speed or a (3,) velocity vector, got shape {v_arr.shape}")
        self.v1 = speed
        self.t1 = as_scalar(t, u.K, "t", positive=True)
        b = as_vector(b_gsm, u.nT, "b_gsm")
        if b.shape != (3,):
            raise InputError(f"b_gsm must have shape (3,), got {b.shape}")
        self.b_gsm = b
        self.tilt = as_scalar(tilt, u.rad, "tilt")
        check_upstream_values(self.n1, speed, self.t1, b, self.tilt)
        if v_arr.ndim:  # a velocity: its direction too (the values checked take the flow along -X)
            check_physical("v_gse", v_arr)
        if not (1.0 < float(gamma) < 3.0):
            raise InputError(f"gamma must lie in (1, 3), got {gamma}")
        self.gamma = float(gamma)
        if not (0.0 <= float(cusp_density_fraction) <= 1.0):
            raise InputError(f"cusp_density_fraction must lie in [0, 1], got {cusp_density_fraction}")
        self.cusp_density_fraction = float(cusp_density_fraction)
        self.cusp_width_deg = as_scalar(cusp_width, u.deg, "cusp_width", positive=True)
        self.cusp_mlt_width_h = as_scalar(cusp_mlt_width, u.hourangle, "cusp_mlt_width", positive=True)
        self.cusp_offset_deg = as_scalar(cusp_latitude_offset, u.deg, "cusp_latitude_offset")
        self._derive(magnetopause, bow_shock)

    @classmethod
    def _from_checked(cls, n: float, speed: float, t: float, b_gsm: np.ndarray, tilt: float, *, magnetopause,
                      bow_shock) -> Magnetosheath:  # fmt: skip
        """A sheath of the default gamma and cusp from plain values already checked as ``__init__`` checks
        them (cm^-3, km/s, K, nT in GSM, rad): the per-record sheaths of a validated solar-wind series
        (:func:`smilekit.geospace.insitu.insitu_truth`, which checks them all at once with
        :func:`check_upstream_values`), without a Quantity round trip and the checks per record."""
        self = cls.__new__(cls)
        self.n1, self.v1, self.t1, self.tilt = float(n), float(speed), float(t), float(tilt)
        self.b_gsm = np.array(b_gsm, dtype=np.float64)
        self.gamma = ADIABATIC_INDEX
        self.cusp_density_fraction = float(_cusps.CUSP_DENSITY_FRACTION)
        self.cusp_width_deg = float(_cusps.DEFAULT_WIDTH_DEG)
        self.cusp_mlt_width_h = float(_cusps.DEFAULT_MLT_WIDTH_H)
        self.cusp_offset_deg = 0.0
        self._derive(magnetopause, bow_shock)
        return self

    def _derive(self, magnetopause, bow_shock) -> None:
        """The boundaries, the upstream effective gas and the stagnation state, from the checked inputs."""
        b = self.b_gsm
        b_mag = float(np.linalg.norm(b))
        self.pdyn = float(derived.pdyn(self.n1, self.v1))
        self.pm = float(derived.magnetic_pressure(b_mag))
        self.bz = float(b[2])
        available = {"pdyn": self.pdyn, "pm": self.pm, "bz": self.bz, "tilt": self.tilt}
        self._mp_kernel, mp_names = model_kernel(magnetopause, "magnetopause")
        self._bs_kernel, bs_names = model_kernel(bow_shock, "bow_shock")
        self._mp_params = {k: available[k] for k in mp_names}
        self._bs_params = {k: available[k] for k in bs_names}
        self.magnetopause = magnetopause
        self.bow_shock = bow_shock
        r_mp = float(self._mp_kernel(0.0, 0.0, **self._mp_params))
        r_bs = float(self._bs_kernel(0.0, 0.0, **self._bs_params))
        #: The nose stand-off distances (RE, on +X) of the two boundary models.
        self.magnetopause_standoff_re, self.bow_shock_standoff_re = r_mp, r_bs
        if not r_mp < r_bs:
            raise ModelDomainError(
                f"the magnetopause ({magnetopause}) stand-off {r_mp:.4g} RE is at or beyond the bow shock "
                f"({bow_shock}) stand-off {r_bs:.4g} RE at pdyn {self.pdyn:.3g} nPa: no magnetosheath "
                "between them; the models do not hold together at this pressure (choose other models or a "
                "denser wind)"
            )

        # Upstream effective gas (gas-dynamic analogue with the fast magnetosonic speed).
        g = self.gamma
        rho = self.n1 * 1e6 * M_P
        cs2 = (derived.sound_speed(self.t1, gamma=g) * 1e3) ** 2
        va2 = (b_mag * 1e-9) ** 2 / (MU_0 * rho)
        self.mach = self.v1 * 1e3 / np.sqrt(cs2 + va2)
        self._p1 = rho * (cs2 + va2) / g  # effective upstream pressure, Pa
        self._t1_eff = self._p1 / (2.0 * self.n1 * 1e6 * K_B)  # K, p = 2 n k T
        self._cp = g / (g - 1.0) * 2.0 * K_B / M_P  # J / (kg K) per proton mass, Te = Tp
        self.t0 = self._t1_eff + (self.v1 * 1e3) ** 2 / (2.0 * self._cp)  # stagnation temperature
        # Normal shock at the nose and the stagnation state behind it.
        x_n, _, t_n = rankine_hugoniot_values(self.mach, g)
        self._n2n, self._t2n = self.n1 * x_n, self._t1_eff * t_n
        self.n_stag = self._n2n * (self.t0 / self._t2n) ** (1.0 / (g - 1.0))
        self._p_stag = 2.0 * self.n_stag * 1e6 * K_B * self.t0

    @property
    def fit_range(self) -> FitRange:
        """The solar-wind range where both boundary models hold: their fitted ranges intersected.

        The gas-dynamic solution itself has no fitted range (it needs a super-magnetosonic wind, which
        the shock jump handles by degrading to no jump); its boundaries are empirical fits.
        """
        mp = resolve_model(self.magnetopause, "magnetopause").fit_range
        bs = resolve_model(self.bow_shock, "bow_shock").fit_range
        return mp.combine(
            bs,
            model=f"gas-dynamic sheath ({mp.model} magnetopause, {bs.model} bow shock)",
            note="The sheath is bounded by two empirical fits; both ranges must hold.",
        )

    @classmethod
    def from_solar_wind(cls, state, *, tilt=0 * u.deg, **kw):
        """Build from a :class:`~smilekit.solarwind.state.SolarWindState` (n, ``|v|``, t, b_gsm)."""
        state = as_state(state)
        return cls(n=state.n, v=state.speed, t=state.t, b_gsm=state.b_gsm, tilt=tilt, **kw)

    # ---------------------------------------------------------------------------------------------
    def _regions(self, r, theta, phi, x, y, z):
        r_bs = self._bs_kernel(theta, phi, **self._bs_params)
        r_mp = self._mp_kernel(theta, phi, **self._mp_params)
        region = np.full(r.shape, REGION_SOLAR_WIND, dtype=np.int8)
        region[r < r_bs] = REGION_MAGNETOSHEATH
        inside = r < r_mp
        region[inside] = REGION_MAGNETOSPHERE
        cusp = inside & _cusps.cusp_mask_values(
            x,
            y,
            z,
            bz=self.bz,
            tilt=self.tilt,
            width_deg=self.cusp_width_deg,
            mlt_width_h=self.cusp_mlt_width_h,
            offset_deg=self.cusp_offset_deg,
        )
        region[cusp] = REGION_CUSP
        return region, r_bs, r_mp

    def _magnetopause_state(self, theta, phi):
        """Velocity vector (km/s), temperature (K), density (cm^-3) just outside the magnetopause."""
        g = self.gamma
        normal, _ = _surface_normal(self._mp_kernel, self._mp_params, theta, phi)
        cos_psi = np.clip(normal[..., 0], 0.0, 1.0)
        p = self._p_stag * cos_psi**2 + self._p1 * (1.0 - cos_psi**2)
        t = self.t0 * (p / self._p_stag) ** ((g - 1.0) / g)
        speed = np.sqrt(np.maximum(2.0 * self._cp * (self.t0 - t), 0.0)) / 1e3
        flow = np.zeros(normal.shape)
        flow[..., 0] = -1.0
        tangent = flow - np.sum(flow * normal, axis=-1, keepdims=True) * normal
        norm = np.linalg.norm(tangent, axis=-1, keepdims=True)
        tangent = np.where(norm > 1e-12, tangent / np.where(norm > 1e-12, norm, 1.0), 0.0)
        n = self.n_stag * (t / self.t0) ** (1.0 / (g - 1.0))
        return tangent * speed[..., None], t, n

    def _shock_state(self, theta, phi):
        """Velocity vector (km/s), temperature (K), density (cm^-3) just behind the bow shock."""
        normal, _ = _surface_normal(self._bs_kernel, self._bs_params, theta, phi)
        cos_n = np.abs(normal[..., 0])
        x_n, _, t_ratio = rankine_hugoniot_values(self.mach * cos_n, self.gamma)
        v1 = np.zeros(normal.shape)
        v1[..., 0] = -self.v1
        v1n = np.sum(v1 * normal, axis=-1, keepdims=True)
        v2 = v1 - v1n * normal + v1n * normal / x_n[..., None]
        return v2, self._t1_eff * t_ratio, self.n1 * x_n

    def _evaluate(self, x, y, z):
        x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
        if not (np.isfinite(x).all() and np.isfinite(y).all() and np.isfinite(z).all()):
            raise InputError("x, y, z must be finite (GSM positions in RE)")
        r, theta, phi = cartesian_to_angles(x, y, z)
        region, r_bs, r_mp = self._regions(r, theta, phi, x, y, z)
        n = np.zeros(r.shape)
        velocity = np.zeros((*r.shape, 3))
        temp = np.zeros(r.shape)
        sw = region == REGION_SOLAR_WIND
        n[sw], temp[sw], velocity[sw, 0] = self.n1, self.t1, -self.v1

        sheath = region == REGION_MAGNETOSHEATH
        if sheath.any():
            th, ph = theta[sheath], phi[sheath]
            v_mp, t_mp, n_mp = self._magnetopause_state(th, ph)
            v_bs, t_bs, n_bs = self._shock_state(th, ph)
            gap = r_bs[sheath] - r_mp[sheath]
            s = np.clip((r[sheath] - r_mp[sheath]) / np.where(gap > 0, gap, 1.0), 0.0, 1.0)
            vel = (1.0 - s)[:, None] * v_mp + s[:, None] * v_bs
            speed2 = np.sum((vel * 1e3) ** 2, axis=-1)
            t = np.maximum(self.t0 - speed2 / (2.0 * self._cp), 1e-3 * self.t1)
            k = 1.0 / (self.gamma - 1.0)
            log_adiabat = (1.0 - s) * (np.log(n_mp) - k * np.log(t_mp)) + s * (
                np.log(n_bs) - k * np.log(t_bs)
            )
            n[sheath] = np.exp(log_adiabat + k * np.log(t))
            temp[sheath] = t
            velocity[sheath] = vel

        cusp = region == REGION_CUSP
        if cusp.any():
            v_mp, t_mp, n_mp = self._magnetopause_state(theta[cusp], phi[cusp])
            n[cusp] = self.cusp_density_fraction * n_mp
            temp[cusp] = t_mp
            velocity[cusp] = v_mp
        return n, velocity, temp, region

    # ---------------------------------------------------------------------------------------------
    def point_parameters(self) -> np.ndarray | None:
        """This sheath as the numbers :func:`plasma_point` takes, or None where a boundary model is not
        axisymmetric (Lin et al. 2010: use :meth:`plasma_values`)."""
        mp = axisymmetric_shape(self._mp_kernel, **self._mp_params)
        bs = axisymmetric_shape(self._bs_kernel, **self._bs_params)
        if mp is None or bs is None:
            return None
        k = 1.0 / (self.gamma - 1.0)
        cusp = _cusps.cusp_point_parameters(
            bz=self.bz,
            tilt=self.tilt,
            width_deg=self.cusp_width_deg,
            mlt_width_h=self.cusp_mlt_width_h,
            offset_deg=self.cusp_offset_deg,
        )
        head = [*mp, *bs, self.n1, self.v1, self.t1, self._t1_eff, self.t0, self.mach, self.gamma, self._cp]
        head += [self._p1, self._p_stag, self.n_stag, self.cusp_density_fraction]
        head += [math.log(self.n_stag) - k * math.log(self.t0)]
        head += [math.log(self.n1) - k * math.log(self._t1_eff)]
        return np.concatenate([np.array(head, dtype=np.float64), cusp])

    def plasma_values(self, x, y, z):
        """Plain floats: (n [cm^-3], speed [km/s], temperature [K], region [int8]) at GSM points in RE.

        ``x, y, z`` broadcast; region codes 0 solar wind, 1 magnetosheath, 2 magnetosphere (n = speed =
        T = 0), 3 cusp.
        """
        n, velocity, temp, region = self._evaluate(x, y, z)
        return n, np.linalg.norm(velocity, axis=-1), temp, region

    def velocity_values(self, x, y, z) -> np.ndarray:
        """Plain floats: flow velocity vector in GSM (km/s), shape (..., 3), at GSM points in RE."""
        return self._evaluate(x, y, z)[1]

    def region(self, x, y, z) -> np.ndarray:
        """Region codes (int8) at GSM points; ``x, y, z`` Quantities (lengths) or plain floats in RE."""
        xv, yv, zv = (self._coordinate(c, name) for c, name in ((x, "x"), (y, "y"), (z, "z")))
        xv, yv, zv = np.broadcast_arrays(xv, yv, zv)
        r, theta, phi = cartesian_to_angles(xv, yv, zv)
        return self._regions(r, theta, phi, xv, yv, zv)[0]

    @staticmethod
    def _coordinate(value, name):
        if isinstance(value, u.Quantity):
            return as_value(value, RE, name)
        return np.asarray(value, dtype=np.float64)

    def plasma(self, x, y, z) -> dict:
        """The Quantity wrapper of :meth:`plasma_values`: x, y, z GSM Quantities (lengths).

        Returns
        -------
        dict
            ``n`` (cm^-3), ``speed`` (km/s), ``t`` (K), ``velocity_gsm`` (km/s, (..., 3)) Quantities and
            ``region`` (int8 ndarray).
        """
        xv, yv, zv = (as_value(c, RE, name) for c, name in ((x, "x"), (y, "y"), (z, "z")))
        n, velocity, temp, region = self._evaluate(xv, yv, zv)
        return {
            "n": n * u.cm**-3,
            "speed": np.linalg.norm(velocity, axis=-1) * (u.km / u.s),
            "t": temp * u.K,
            "velocity_gsm": velocity * (u.km / u.s),
            "region": region,
        }
