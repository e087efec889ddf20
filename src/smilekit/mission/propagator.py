"""Numerical orbit propagation: two-body gravity plus J2 and Sun and Moon third-body perturbations.

Cowell's method: the Cartesian state (position km, velocity km/s) is integrated directly in GEI, the mean
equator and equinox of date of :mod:`smilekit.frames`, treated as inertial. The frame's own slow rotation
(precession, 50 arcsec/yr) is not modelled, so node and perigee angles carry an error of order 0.014 deg per
year; everything the acceleration uses (Earth's figure axis for J2, Sun and Moon positions) is expressed in
that same frame, so the forces stay mutually consistent. The acceleration is

* two-body: ``-mu r / r^3`` (``mu`` = :data:`smilekit.constants.GM_EARTH_KM3_S2`);
* J2, the Earth's oblateness: the gradient of ``-mu J2 R^2 (3 sin^2(lat) - 1) / (2 r^3)``, i.e.
  Vallado (2013) eq. 8-30, :cite:`vallado2013` (Montenbruck & Gill 2000, sect. 3.2, for degree 2, order 0,
  :cite:`montenbruck2000`):
  ``a = -(3/2) J2 mu R^2 / r^5 * (x (1 - 5 z^2/r^2), y (1 - 5 z^2/r^2), z (3 - 5 z^2/r^2))``
  (``R`` = :data:`~smilekit.constants.R_EARTH_EQ_KM`, ``J2`` = :data:`~smilekit.constants.J2_EARTH`);
* Sun and Moon as point masses, the direct attraction minus the Earth's (the indirect term),
  Montenbruck & Gill (2000) eq. 3.37, ``a = GM_b ((s - r)/|s - r|^3 - s/|s|^3)``, evaluated in Battin's
  (1999, *An Introduction to the Mathematics and Methods of Astrodynamics*, rev. ed., ch. 8, the function
  of Encke's method, :cite:`battin1999`) form ``a = -GM_b/|r - s|^3 (r + F(q) s)``, ``q = r.(r - 2s)/s^2``,
  ``F(q) = q (3 + 3q + q^2) / (1 + (1 + q)^(3/2))``, which avoids the cancellation of two nearly equal
  terms; Sun and Moon positions from :mod:`smilekit.mission.ephemeris`.

The integrator is the embedded Runge-Kutta pair of Dormand and Prince of order 8 with error estimators of
orders 5 and 3 and a dense output of order 7 (DOP853; Hairer, Norsett & Wanner 1993, *Solving Ordinary
Differential Equations I*, 2nd ed., ch. II and their code DOP853, :cite:`hairer1993`; the step-size control,
error norm and
starting step as in :class:`scipy.integrate.DOP853`). Its coefficients are read at import time from scipy
(``scipy.integrate._ivp.dop853_coefficients``, a private module: the import is guarded, and the tests
check the tableau's quadrature order conditions and measure the order). The whole integration, stages,
step control and the dense output at the requested times, runs in one numba kernel: no Python per step.
Tolerances act on the state scaled by the orbit (positions by the initial semi-major axis ``a``,
velocities by ``sqrt(mu/a)``): ``rtol`` (default 1e-13) is both the relative and the scaled absolute
tolerance.

Measured (``tests/mission/test_propagator.py``, ``benchmarks/bench_propagator.py``): two-body propagation
of the science orbit agrees with analytic Kepler to 4 cm over 10 orbits at the default tolerance (0.6 m at
rtol 1e-12), and the dense output adds under 0.02 mm; energy and angular momentum are conserved to 1.2e-11
and 1.4e-12 relative; the J2-only secular node and perigee rates (-2.76 and -2.71 deg/yr) agree with
Vallado (2013) eq. 9-41 to 0.1 % and 0.4 %; the Sun-only change of eccentricity matches the doubly
averaged quadrupole (Kozai 1962, :cite:`kozai1962`) rate to 4 %. Three years from 2026-03-01 (node 0 deg, the
placeholder of
:func:`~smilekit.mission.orbit.science_orbit`) with J2, Sun and Moon, perigee to perigee: perigee
altitude 5 037 -> 5 397 -> 6 974 -> 9 425 km, apogee altitude 121 137 -> 120 789 -> 119 229 -> 116 772 km,
inclination 73.01 -> 72.78 -> 72.16 -> 71.24 deg, node -20 to -15 deg per year, while the semi-major
axis (from the radius extrema) stays within 0.05 %: the Sun- and Moon-driven (Lidov-Kozai-like) exchange
of eccentricity and inclination that orbit maintenance has to counter; J2 alone changes neither
(benchmarks/README.md has the table; 1.7 s on one core for 1.58 million 1-min outputs).
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pandas as pd

from smilekit.constants import GM_EARTH_KM3_S2, GM_MOON_KM3_S2, GM_SUN_KM3_S2, J2_EARTH, R_EARTH_EQ_KM
from smilekit.errors import InputError, ModelDomainError
from smilekit.mission.ephemeris import check_ephemeris_range, moon_gei_km, sun_gei_km
from smilekit.mission.orbit import KeplerianElements, Track, state_to_elements_values
from smilekit.times import as_datetime64, julian_centuries_j2000

__all__ = ["PERTURBATIONS", "orbit_evolution", "propagate"]

#: The perturbations :func:`propagate` knows (names are case-insensitive on input).
PERTURBATIONS = ("J2", "sun", "moon")

_SECONDS_PER_CENTURY = 86400.0 * 36525.0


# ---------------------------------------------------------------------------------------------------
# The DOP853 tableau, from scipy (private module: guarded)
# ---------------------------------------------------------------------------------------------------
def _load_dop853_tableau() -> dict[str, np.ndarray]:
    """DOP853 coefficients from ``scipy.integrate._ivp.dop853_coefficients``, checked for shape.

    Raises
    ------
    ImportError
        If scipy no longer provides the module or its layout changed, with what to do about it.
    """
    try:
        from scipy.integrate._ivp import dop853_coefficients as tableau
    except ImportError as exc:
        raise ImportError(
            "smilekit.mission.propagator takes the Dormand-Prince 8(5,3) coefficients from scipy's private "
            "module scipy.integrate._ivp.dop853_coefficients, which this scipy does not provide "
            f"({exc}); install a scipy that has it (1.4 to at least 1.17 do)"
        ) from None
    expected = {"A": (16, 16), "B": (12,), "C": (16,), "E3": (13,), "E5": (13,), "D": (4, 16)}
    out = {}
    for name, shape in expected.items():
        value = np.ascontiguousarray(getattr(tableau, name, np.empty(0)), dtype=np.float64)
        if value.shape != shape:
            raise ImportError(
                f"scipy.integrate._ivp.dop853_coefficients.{name} has shape {value.shape}, expected {shape}: "
                "the layout of scipy's private DOP853 module changed; smilekit.mission.propagator needs "
                "updating"
            )
        out[name] = value
    return out


_TABLEAU = _load_dop853_tableau()


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64 (km, s)
# ---------------------------------------------------------------------------------------------------
# Parameter vector p: [mu_earth, J2 (0: off), R_eq, GM_sun (0: off), GM_moon (0: off), T of t = 0 (centuries)]
@numba.njit(cache=True)
def _third_body(x, y, z, sx, sy, sz, gm):
    """Battin's form of the third-body acceleration of a satellite at r by a body at s (geocentric)."""
    s2 = sx * sx + sy * sy + sz * sz
    q = (x * (x - 2.0 * sx) + y * (y - 2.0 * sy) + z * (z - 2.0 * sz)) / s2
    fq = q * (3.0 + 3.0 * q + q * q) / (1.0 + (1.0 + q) ** 1.5)
    dx, dy, dz = x - sx, y - sy, z - sz
    d2 = dx * dx + dy * dy + dz * dz
    k = -gm / (d2 * np.sqrt(d2))
    return k * (x + fq * sx), k * (y + fq * sy), k * (z + fq * sz)


@numba.njit(cache=True)
def _acceleration(t, x, y, z, p):
    """Acceleration (km/s^2) at time ``t`` (s after the epoch) and GEI position (km)."""
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    k = -p[0] / (r2 * r)
    ax, ay, az = k * x, k * y, k * z
    if p[1] != 0.0:
        z2 = z * z / r2
        kj = -1.5 * p[1] * p[0] * p[2] * p[2] / (r2 * r2 * r)
        ax += kj * x * (1.0 - 5.0 * z2)
        ay += kj * y * (1.0 - 5.0 * z2)
        az += kj * z * (3.0 - 5.0 * z2)
    if p[3] != 0.0 or p[4] != 0.0:
        centuries = p[5] + t / _SECONDS_PER_CENTURY
        if p[3] != 0.0:
            sx, sy, sz = sun_gei_km(centuries)
            bx, by, bz = _third_body(x, y, z, sx, sy, sz, p[3])
            ax += bx
            ay += by
            az += bz
        if p[4] != 0.0:
            sx, sy, sz = moon_gei_km(centuries)
            bx, by, bz = _third_body(x, y, z, sx, sy, sz, p[4])
            ax += bx
            ay += by
            az += bz
    return ax, ay, az


@numba.njit(cache=True)
def _rhs(t, state, out, p):
    """d(state)/dt for the state (x, y, z, vx, vy, vz), written into ``out``."""
    out[0] = state[3]
    out[1] = state[4]
    out[2] = state[5]
    out[3], out[4], out[5] = _acceleration(t, state[0], state[1], state[2], p)


@numba.njit(cache=True)
def _stage(t, y, h, s, p, A, C, K, work):
    """Stage ``s``: K[s] = f(t + c_s h, y + h sum_j a_sj K[j])."""
    for i in range(6):
        acc = 0.0
        for j in range(s):
            acc += A[s, j] * K[j, i]
        work[i] = y[i] + h * acc
    _rhs(t + C[s] * h, work, K[s], p)


@numba.njit(cache=True)
def _dop853_step(t, y, h, p, A, B, C, K, y_new, work):
    """One DOP853 step of size h from (t, y), K[0] = f(t, y) given; fills K[1:13] and y_new.

    K[12] becomes f(t + h, y_new) (first same as last).
    """
    for s in range(1, 12):
        _stage(t, y, h, s, p, A, C, K, work)
    for i in range(6):
        acc = 0.0
        for j in range(12):
            acc += B[j] * K[j, i]
        y_new[i] = y[i] + h * acc
    _rhs(t + h, y_new, K[12], p)


@numba.njit(cache=True)
def _error_norm(K, h, y, y_new, scale_abs, rtol, E3, E5):
    """Hairer's DOP853 error norm (as scipy's DOP853._estimate_error_norm)."""
    err5_2 = 0.0
    err3_2 = 0.0
    for i in range(6):
        e5 = 0.0
        e3 = 0.0
        for j in range(13):
            e5 += E5[j] * K[j, i]
            e3 += E3[j] * K[j, i]
        sc = scale_abs[i] * rtol + rtol * max(abs(y[i]), abs(y_new[i]))
        err5_2 += (e5 / sc) ** 2
        err3_2 += (e3 / sc) ** 2
    if err5_2 == 0.0 and err3_2 == 0.0:
        return 0.0
    return abs(h) * err5_2 / np.sqrt((err5_2 + 0.01 * err3_2) * 6.0)


@numba.njit(cache=True)
def _dense_coefficients(t, y, y_new, h, p, A, C, D, K, F, work):
    """The 7th-order interpolant of a step (three extra stages), as scipy's DOP853._dense_output_impl."""
    for s in range(13, 16):
        _stage(t, y, h, s, p, A, C, K, work)
    for i in range(6):
        dy = y_new[i] - y[i]
        F[0, i] = dy
        F[1, i] = h * K[0, i] - dy
        F[2, i] = 2.0 * dy - h * (K[12, i] + K[0, i])
        for m in range(4):
            acc = 0.0
            for j in range(16):
                acc += D[m, j] * K[j, i]
            F[3 + m, i] = h * acc


@numba.njit(cache=True)
def _dense_evaluate(x, y_old, F, out):
    """Evaluate the interpolant at the step fraction x in [0, 1]."""
    for i in range(6):
        acc = 0.0
        for m in range(6, -1, -1):
            acc += F[m, i]
            acc *= x if (6 - m) % 2 == 0 else 1.0 - x
        out[i] = y_old[i] + acc


@numba.njit(cache=True)
def _initial_step(y0, f0, p, rtol, scale_abs, t_end, work):
    """Hairer, Norsett & Wanner (1993) sect. II.4 starting step (as scipy's select_initial_step)."""
    d0 = 0.0
    d1 = 0.0
    for i in range(6):
        sc = rtol * (scale_abs[i] + abs(y0[i]))
        d0 += (y0[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = np.sqrt(d0 / 6.0)
    d1 = np.sqrt(d1 / 6.0)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, t_end)
    y1 = np.empty(6)
    for i in range(6):
        y1[i] = y0[i] + h0 * f0[i]
    _rhs(h0, y1, work, p)
    d2 = 0.0
    for i in range(6):
        sc = rtol * (scale_abs[i] + abs(y0[i]))
        d2 += ((work[i] - f0[i]) / sc) ** 2
    d2 = np.sqrt(d2 / 6.0) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / 8.0)
    return min(100.0 * h0, h1, t_end)


@numba.njit(cache=True)
def _integrate(y0, t_out, p, rtol, scale_abs, A, B, C, E3, E5, D, max_steps):
    """Integrate from t = 0 to t_out[-1] (s, increasing, >= 0) and return the states at t_out.

    Returns ``(positions (N, 3), velocities (N, 3), accepted steps, rejected steps, right-hand-side
    evaluations, status)``; status 0: done, 1: more than ``max_steps`` steps, 2: step size underflow.
    """
    n_out = t_out.size
    out_r = np.empty((n_out, 3))
    out_v = np.empty((n_out, 3))
    state = np.empty(6)
    K = np.empty((16, 6))
    F = np.empty((7, 6))
    work = np.empty(6)
    y = y0.copy()
    y_new = np.empty(6)
    _rhs(0.0, y, K[0], p)
    n_rhs = 1
    t = 0.0
    j = 0
    while j < n_out and t_out[j] <= 0.0:
        out_r[j] = y[:3]
        out_v[j] = y[3:]
        j += 1
    if j == n_out:
        return out_r, out_v, 0, 0, n_rhs, 0
    t_end = t_out[n_out - 1]
    h = _initial_step(y, K[0], p, rtol, scale_abs, t_end, work)
    n_rhs += 1
    accepted = 0
    rejected = 0
    previous_rejected = False
    while j < n_out:
        if accepted + rejected >= max_steps:
            return out_r, out_v, accepted, rejected, n_rhs, 1
        if h <= 1e-12 * max(1.0, abs(t)):
            return out_r, out_v, accepted, rejected, n_rhs, 2
        remaining = t_end - t
        last = h >= remaining * (1.0 - 1e-9)  # never leave a sliver of a step before t_end
        if last:
            h = remaining
        _dop853_step(t, y, h, p, A, B, C, K, y_new, work)
        n_rhs += 12
        error = _error_norm(K, h, y, y_new, scale_abs, rtol, E3, E5)
        if error < 1.0:
            factor = 10.0 if error == 0.0 else min(10.0, 0.9 * error ** (-1.0 / 8.0))
            if previous_rejected:
                factor = min(1.0, factor)
            t_new = t_end if last else t + h
            if t_out[j] <= t_new:
                _dense_coefficients(t, y, y_new, h, p, A, C, D, K, F, work)
                n_rhs += 3
                while j < n_out and t_out[j] <= t_new:
                    _dense_evaluate((t_out[j] - t) / h, y, F, state)
                    out_r[j] = state[:3]
                    out_v[j] = state[3:]
                    j += 1
            t = t_new
            for i in range(6):
                y[i] = y_new[i]
                K[0, i] = K[12, i]
            h *= factor
            accepted += 1
            previous_rejected = False
        else:
            h *= max(0.2, 0.9 * error ** (-1.0 / 8.0))
            rejected += 1
            previous_rejected = True
    return out_r, out_v, accepted, rejected, n_rhs, 0


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------
def _perturbation_names(perturbations) -> tuple[str, ...]:
    if isinstance(perturbations, str):
        perturbations = (perturbations,)
    try:
        names = tuple(perturbations)
    except TypeError:
        raise InputError(
            f"perturbations must be a sequence of names from {PERTURBATIONS}, got {perturbations!r}"
        ) from None
    known = {name.lower(): name for name in PERTURBATIONS}
    out = []
    for name in names:
        if not isinstance(name, str) or name.lower() not in known:
            raise InputError(
                f"unknown perturbation {name!r}; accepted are {', '.join(PERTURBATIONS)} (any case), or () "
                "for pure two-body motion"
            )
        out.append(known[name.lower()])
    return tuple(out)


def propagate(
    initial: KeplerianElements,
    times,
    *,
    perturbations=PERTURBATIONS,
    rtol: float = 1e-13,
    max_steps: int = 10_000_000,
    return_stats: bool = False,
):
    """Propagate an orbit numerically (Cowell, DOP853) and sample it at the requested UTC times.

    Parameters
    ----------
    initial : KeplerianElements
        The osculating elements whose epoch is the start of the integration.
    times : time-like
        Output UTC times (one, or a 1-D array), strictly increasing, none before ``initial.epoch``.
    perturbations : sequence of str
        Any of :data:`PERTURBATIONS` ("J2", "sun", "moon"; any case); ``()`` is pure two-body motion.
    rtol : float
        Tolerance of the step-size control, relative and (on the state scaled by the orbit, see the module
        notes) absolute; between 1e-14 and 1e-3. The default keeps the two-body error below 5 cm over ten
        science orbits (a 3-year propagation costs about 60 000 steps).
    max_steps : int
        Give up (ModelDomainError) after this many steps.
    return_stats : bool
        Also return a dict with ``steps`` (accepted), ``rejected``, ``rhs_evaluations``.

    Returns
    -------
    Track
        GEI positions (km) and velocities (km/s) at ``times``; with ``return_stats`` a tuple
        ``(track, stats)``.

    Raises
    ------
    InputError
        If ``initial`` is not a KeplerianElements, times are not strictly increasing or precede the epoch,
        a perturbation name is unknown, ``rtol`` is out of range, or (with "sun" or "moon") the epoch or a
        time lies outside :data:`smilekit.mission.ephemeris.EPHEMERIS_RANGE`.
    ModelDomainError
        If the integration needs more than ``max_steps`` steps or the step size underflows (e.g. an orbit
        that hits the Earth's centre).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import science_orbit, sample_times
    >>> orbit = science_orbit("2026-03-01")
    >>> track = propagate(orbit, sample_times("2026-03-01", "2026-03-03", 600 * u.s), perturbations=())
    >>> len(track), round(float(track.altitude[0].to_value("km")))
    (289, 121182)
    """
    if not isinstance(initial, KeplerianElements):
        raise InputError(f"initial must be a KeplerianElements, got {type(initial).__name__}")
    names = _perturbation_names(perturbations)
    try:
        tolerance = float(rtol)
    except (TypeError, ValueError):
        raise InputError(f"rtol must be a number between 1e-14 and 1e-3, got {rtol!r}") from None
    if not 1e-14 <= tolerance <= 1e-3:
        raise InputError(f"rtol must be between 1e-14 and 1e-3, got {tolerance:g}")
    t = np.atleast_1d(as_datetime64(times))
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"times must be a non-empty 1-D array of times, got shape {t.shape}")
    if t[0] < initial.epoch:
        raise InputError(
            f"times must not precede the epoch of the initial elements ({initial.epoch}); the first is {t[0]}"
        )
    if t.size > 1 and np.any(np.diff(t) <= np.timedelta64(0, "ns")):
        raise InputError("times must be strictly increasing")
    if "sun" in names or "moon" in names:
        check_ephemeris_range(np.array([initial.epoch, t[-1]], dtype="datetime64[ns]"))
    seconds = (t - initial.epoch) / np.timedelta64(1, "s")
    r0, v0 = initial.state_values(initial.epoch)
    y0 = np.concatenate([r0.reshape(3), v0.reshape(3)]).astype(np.float64)
    params = np.array(
        [
            GM_EARTH_KM3_S2,
            J2_EARTH if "J2" in names else 0.0,
            R_EARTH_EQ_KM,
            GM_SUN_KM3_S2 if "sun" in names else 0.0,
            GM_MOON_KM3_S2 if "moon" in names else 0.0,
            float(julian_centuries_j2000(initial.epoch)),
        ]
    )
    length = initial.a_km
    speed = np.sqrt(GM_EARTH_KM3_S2 / length)
    scale_abs = np.array([length] * 3 + [speed] * 3)
    tab = _TABLEAU
    positions, velocities, accepted, rejected, n_rhs, status = _integrate(
        y0,
        np.ascontiguousarray(seconds, dtype=np.float64),
        params,
        tolerance,
        scale_abs,
        tab["A"],
        tab["B"],
        tab["C"],
        tab["E3"],
        tab["E5"],
        tab["D"],
        int(max_steps),
    )
    if status == 1:
        raise ModelDomainError(
            f"the integration needed more than max_steps={max_steps} steps; raise max_steps or rtol"
        )
    if status == 2:
        raise ModelDomainError("the integration step size underflowed (a collision with the Earth's centre?)")
    track = Track(t, positions, velocities)
    if return_stats:
        return track, {"steps": int(accepted), "rejected": int(rejected), "rhs_evaluations": int(n_rhs)}
    return track


def _parabola_extremum(times_s: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Vertex (time, value) of the parabola through three samples, kept within their time span."""
    centre = times_s[1]
    c2, c1, c0 = np.polyfit(times_s - centre, values, 2)
    if c2 == 0.0:
        return float(centre), float(values[1])
    vertex = min(max(-c1 / (2.0 * c2), times_s[0] - centre), times_s[2] - centre)
    return float(centre + vertex), float(c0 + c1 * vertex + c2 * vertex * vertex)


def _refined_extremum(seconds: np.ndarray, radius: np.ndarray, index: int) -> tuple[float, float]:
    lo = min(max(index - 1, 0), radius.size - 3)
    return _parabola_extremum(seconds[lo : lo + 3], radius[lo : lo + 3])


def orbit_evolution(track: Track) -> pd.DataFrame:
    """One row per complete orbit (perigee to perigee) of a track: altitudes, angles and period.

    Perigee and apogee are the radius extrema of the track, each refined by a parabola through the three
    samples around it (at 1-min sampling the perigee altitude is good to about a metre);
    altitudes are measured from :data:`~smilekit.constants.R_EARTH_EQ_KM`. The inclination, node and
    argument of perigee are the osculating elements (Vallado 2013, algorithm 9) at the track sample nearest
    each perigee. The period is the time from one perigee to the next (the anomalistic period).

    Parameters
    ----------
    track : Track
        A sampled orbit (e.g. from :func:`propagate`) covering at least one complete orbit.

    Returns
    -------
    pandas.DataFrame
        Columns ``orbit`` (1 for the first complete orbit), ``perigee_time`` (UTC), ``perigee_alt_km``,
        ``apogee_alt_km``, ``inclination_deg``, ``raan_deg``, ``arg_perigee_deg``, ``period_h``.

    Raises
    ------
    InputError
        If ``track`` is not a Track or covers no complete orbit.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import science_orbit, sample_times
    >>> track = propagate(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-08", 60 * u.s),
    ...                   perturbations=())
    >>> table = orbit_evolution(track)
    >>> len(table), round(float(table.period_h[0]), 2), round(float(table.apogee_alt_km[0]))
    (2, 50.62, 121182)
    """
    if not isinstance(track, Track):
        raise InputError(f"track must be a Track, got {type(track).__name__}")
    orbit = track.orbit_number()
    passages = np.flatnonzero(np.diff(orbit) > 0) + 1  # first sample after each perigee passage
    if passages.size < 2:
        raise InputError(
            f"the track ({track.time[0]} to {track.time[-1]}, {len(track)} samples) covers "
            f"{max(passages.size - 1, 0)} complete orbits (perigee to perigee); at least one is needed"
        )
    radius = track.radius_km
    seconds = (track.time - track.time[0]) / np.timedelta64(1, "s")
    perigees = []
    for k in passages:
        lo = max(k - 1, 0)
        index = lo + int(np.argmin(radius[lo : k + 1]))
        perigees.append((index, *_refined_extremum(seconds, radius, index)))
    rows = []
    for (i0, t0, r0), (i1, t1, _) in itertools.pairwise(perigees):
        index = i0 + int(np.argmax(radius[i0 : i1 + 1]))
        _, r_apogee = _refined_extremum(seconds, radius, index)
        elements = state_to_elements_values(track.position_gei_km[i0], track.velocity_gei_km_s[i0])
        rows.append(
            {
                "orbit": len(rows) + 1,
                "perigee_time": track.time[0] + np.timedelta64(round(t0 * 1e9), "ns"),
                "perigee_alt_km": r0 - R_EARTH_EQ_KM,
                "apogee_alt_km": r_apogee - R_EARTH_EQ_KM,
                "inclination_deg": float(np.degrees(elements["inclination"])),
                "raan_deg": float(np.degrees(elements["raan"])),
                "arg_perigee_deg": float(np.degrees(elements["arg_perigee"])),
                "period_h": (t1 - t0) / 3600.0,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["description"] = (
        "perigee/apogee altitudes from the track's radius extrema (parabola-refined) above the equatorial "
        "radius 6378.137 km; inclination, node, argument of perigee osculating at perigee; period from "
        "perigee to perigee"
    )
    return table
