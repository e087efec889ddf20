"""Synthetic solar-wind scenarios with explicit parameters: steady, pressure pulse, IMF rotation, CME.

Every scenario is deterministic (no noise), samples a regular grid ``start + k * cadence`` for
``0 <= k * cadence <= duration``, and returns a :class:`~smilekit.solarwind.series.SolarWind` whose
dataset attribute ``scenario_parameters`` lists the parameters used. Velocities are GSE and fields GSM
(the frame the magnetospheric models want); the other frame is computed with
:func:`smilekit.frames.transform` at each record's time.
"""

from __future__ import annotations

import json

import astropy.units as u
import numpy as np
from scipy import special

from smilekit._validation import as_value, as_vector
from smilekit.errors import InputError
from smilekit.solarwind.series import SolarWind, as_time, as_timedelta

__all__ = ["DEFAULT_START", "cme_sheath_cloud", "imf_rotation", "pressure_pulse", "steady"]

#: Default start time of the scenarios (an arbitrary, documented epoch: the 2021 March equinox day).
DEFAULT_START = "2021-03-20T00:00:00"

#: First zero of the Bessel function J0: the force-free constant alpha times the flux-rope radius
#: when the axial field vanishes at the boundary (Lundquist 1950, :cite:`lundquist1950`; Burlaga 1988,
#: :cite:`burlaga1988`).
J0_FIRST_ZERO = 2.404825557695773


def _grid(start, duration, cadence) -> np.ndarray:
    t0 = np.datetime64(as_time(start, "start").reshape(-1)[0], "ns")
    length = as_timedelta(duration, "duration")
    step = as_timedelta(cadence, "cadence")
    count = int(length // step) + 1
    if count < 2:
        raise InputError(f"duration {duration} must hold at least two samples of cadence {cadence}")
    if count > 10_000_000:
        raise InputError(f"duration {duration} at cadence {cadence} would make {count} records; at most 1e7")
    return t0 + np.arange(count) * step


def _elapsed(time: np.ndarray) -> np.ndarray:
    """Seconds since the first sample."""
    return (time - time[0]) / np.timedelta64(1, "s")


def _seconds(value, name: str, *, positive: bool = False) -> float:
    if not isinstance(value, u.Quantity):
        return float(as_timedelta(value, name) / np.timedelta64(1, "ns")) * 1e-9
    out = as_value(value, u.s, name, positive=positive, nonnegative=not positive)
    if out.ndim:
        raise InputError(f"{name} must be a single duration, got shape {out.shape}")
    return float(out)


def _scalar(value, unit, name: str, **checks) -> float:
    out = as_value(value, unit, name, **checks)
    if out.ndim:
        raise InputError(f"{name} must be a single value, got shape {out.shape}")
    return float(out)


def _vector(value, unit, name: str) -> np.ndarray:
    out = as_vector(value, unit, name)
    if out.shape != (3,):
        raise InputError(f"{name} must be one vector of shape (3,), got shape {out.shape}")
    return out


def _ratio(value, name: str, minimum: float) -> float:
    if isinstance(value, u.Quantity):
        value = _scalar(value, u.one, name)
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(f"{name} must be a number (a dimensionless ratio), got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < minimum:
        raise InputError(f"{name} must be a finite ratio >= {minimum:g}, got {value:g}")
    return value


def _params_text(**params) -> str:
    return json.dumps({k: str(v) for k, v in params.items()})


def _raised_cosine_ramp(x: np.ndarray) -> np.ndarray:
    """0 for x <= 0, 1 for x >= 1, (1 - cos(pi x)) / 2 between: a smooth step with zero end slopes."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(np.pi * x))


def _build(time, n, v, b_gsm, t, name: str, params: str, description: str) -> SolarWind:
    return SolarWind(
        time,
        n=n * u.cm**-3,
        v_gse=v * (u.km / u.s),
        b_gsm=b_gsm * u.nT,
        t=t * u.K,
        source=f"smilekit scenario {name}",
        attrs={"scenario": name, "scenario_parameters": params, "description": description},
    )


def steady(
    *,
    start=DEFAULT_START,
    duration=6 * u.h,
    cadence=1 * u.min,
    n=5.0 * u.cm**-3,
    v_gse=[-400.0, 0.0, 0.0] * u.km / u.s,
    b_gsm=[0.0, 0.0, -5.0] * u.nT,
    t=1.0e5 * u.K,
) -> SolarWind:
    """Constant solar wind: every record holds the same n, V (GSE), B (GSM) and T.

    Parameters
    ----------
    start : datetime-like
        First sample (UTC); default :data:`DEFAULT_START`.
    duration, cadence : Quantity (time), numpy.timedelta64 or str
        Length of the series (inclusive of both ends) and sampling step.
    n : Quantity
        Proton density (cm^-3), > 0.
    v_gse : Quantity, shape (3,)
        Bulk velocity in GSE (km/s).
    b_gsm : Quantity, shape (3,)
        IMF in GSM (nT).
    t : Quantity
        Proton temperature (K), > 0.

    Examples
    --------
    >>> import astropy.units as u
    >>> sw = steady(duration=1 * u.h, n=10 * u.cm**-3)
    >>> len(sw), float(sw.pdyn.max().round(2))
    (61, 3.2)
    """
    time = _grid(start, duration, cadence)
    n0 = _scalar(n, u.cm**-3, "n", positive=True)
    v0 = _vector(v_gse, u.km / u.s, "v_gse")
    b0 = _vector(b_gsm, u.nT, "b_gsm")
    t0 = _scalar(t, u.K, "t", positive=True)
    size = time.size
    params = _params_text(
        start=time[0], duration=duration, cadence=cadence, n=n, v_gse=v_gse, b_gsm=b_gsm, t=t
    )
    return _build(
        time,
        np.full(size, n0),
        np.tile(v0, (size, 1)),
        np.tile(b0, (size, 1)),
        np.full(size, t0),
        "steady",
        params,
        "Steady solar wind",
    )


def pressure_pulse(
    *,
    start=DEFAULT_START,
    duration=6 * u.h,
    cadence=1 * u.min,
    n=5.0 * u.cm**-3,
    n_peak=20.0 * u.cm**-3,
    v_gse=[-400.0, 0.0, 0.0] * u.km / u.s,
    b_gsm=[0.0, 0.0, -5.0] * u.nT,
    t=1.0e5 * u.K,
    onset=2 * u.h,
    rise_time=10 * u.min,
    hold=30 * u.min,
    decay_time=10 * u.min,
) -> SolarWind:
    """A dynamic-pressure pulse made by a density enhancement at constant speed, field and temperature.

    The density rises from ``n`` to ``n_peak`` over ``rise_time`` starting at ``start + onset``, stays
    at ``n_peak`` for ``hold``, and falls back over ``decay_time``. Ramps are raised-cosine steps,
    ``(1 - cos(pi s)) / 2`` for s from 0 to 1 (smooth, no overshoot), so the pressure never exceeds the
    plateau value ``2e-6 n_peak V^2`` nPa (OMNI definition). ``rise_time`` or ``decay_time`` zero gives
    a step (the plateau then ends just before ``onset + rise_time + hold``).

    Parameters
    ----------
    start, duration, cadence, v_gse, b_gsm, t
        As in :func:`steady`.
    n : Quantity
        Background density (cm^-3), > 0.
    n_peak : Quantity
        Density on the plateau of the pulse (cm^-3), > 0 (smaller than ``n`` gives a rarefaction).
    onset, rise_time, hold, decay_time : Quantity (time)
        Start of the rise after ``start``, rise duration, plateau duration, decay duration (>= 0).

    Examples
    --------
    >>> import astropy.units as u
    >>> sw = pressure_pulse(n=5 * u.cm**-3, n_peak=20 * u.cm**-3)
    >>> float(sw.ds["n"].max()), float(sw.pdyn.max().round(2))
    (20.0, 6.4)
    """
    time = _grid(start, duration, cadence)
    n0 = _scalar(n, u.cm**-3, "n", positive=True)
    n1 = _scalar(n_peak, u.cm**-3, "n_peak", positive=True)
    v0 = _vector(v_gse, u.km / u.s, "v_gse")
    b0 = _vector(b_gsm, u.nT, "b_gsm")
    t0 = _scalar(t, u.K, "t", positive=True)
    t_on = _seconds(onset, "onset")
    rise = _seconds(rise_time, "rise_time")
    plateau = _seconds(hold, "hold")
    decay = _seconds(decay_time, "decay_time")
    if plateau == 0 and decay == 0:
        raise InputError(
            "hold and decay_time are both zero: the pulse would end as it peaks; give either > 0"
        )
    s = _elapsed(time)
    up = _raised_cosine_ramp((s - t_on) / rise) if rise > 0 else (s >= t_on).astype(float)
    t_down = t_on + rise + plateau
    down = _raised_cosine_ramp((s - t_down) / decay) if decay > 0 else (s >= t_down).astype(float)
    shape = up * (1.0 - down)
    density = n0 + (n1 - n0) * shape
    size = time.size
    params = _params_text(
        start=time[0],
        duration=duration,
        cadence=cadence,
        n=n,
        n_peak=n_peak,
        v_gse=v_gse,
        b_gsm=b_gsm,
        t=t,
        onset=onset,
        rise_time=rise_time,
        hold=hold,
        decay_time=decay_time,
    )
    return _build(
        time,
        density,
        np.tile(v0, (size, 1)),
        np.tile(b0, (size, 1)),
        np.full(size, t0),
        "pressure_pulse",
        params,
        "Dynamic-pressure pulse (density enhancement, raised-cosine ramps)",
    )


def imf_rotation(
    *,
    start=DEFAULT_START,
    duration=6 * u.h,
    cadence=1 * u.min,
    n=5.0 * u.cm**-3,
    v_gse=[-400.0, 0.0, 0.0] * u.km / u.s,
    t=1.0e5 * u.K,
    b_magnitude=5.0 * u.nT,
    bx=0.0 * u.nT,
    clock_start=0.0 * u.deg,
    rotation=180.0 * u.deg,
    onset=2 * u.h,
    rotation_time=30 * u.min,
) -> SolarWind:
    """An IMF rotation at constant ``|B|``: the GSM clock angle turns linearly in time.

    The clock angle (atan2(By, Bz), GSM; 0 north, 90 deg duskward) is ``clock_start`` until
    ``start + onset``, turns by ``rotation`` (signed: positive from +Z towards +Y) over
    ``rotation_time``, and stays at ``clock_start + rotation`` afterwards. Bx GSM is constant and
    ``B_T = sqrt(|B|^2 - Bx^2)``, so ``|B|`` is the same at every record (a rotational discontinuity
    when ``rotation_time`` is short). The default turns a northward IMF southward through dusk.

    Parameters
    ----------
    start, duration, cadence, n, v_gse, t
        As in :func:`steady`.
    b_magnitude : Quantity
        ``|B|`` (nT), > 0.
    bx : Quantity
        Bx GSM (nT), ``|bx| <= b_magnitude``.
    clock_start, rotation : Quantity (angle)
        Initial clock angle and signed rotation.
    onset, rotation_time : Quantity (time)
        When the rotation begins (after ``start``) and how long it takes (0 for a jump).

    Examples
    --------
    >>> import astropy.units as u
    >>> sw = imf_rotation(clock_start=0 * u.deg, rotation=180 * u.deg)
    >>> float(sw.clock_angle[0]), float(sw.clock_angle[-1]), float(sw.b_magnitude.std()) < 1e-12
    (0.0, 180.0, True)
    """
    time = _grid(start, duration, cadence)
    n0 = _scalar(n, u.cm**-3, "n", positive=True)
    v0 = _vector(v_gse, u.km / u.s, "v_gse")
    t0 = _scalar(t, u.K, "t", positive=True)
    bmag = _scalar(b_magnitude, u.nT, "b_magnitude", positive=True)
    bx0 = _scalar(bx, u.nT, "bx")
    if abs(bx0) > bmag:
        raise InputError(f"|bx| = {abs(bx0):g} nT exceeds b_magnitude = {bmag:g} nT; need |bx| <= |B|")
    theta0 = np.radians(_scalar(clock_start, u.deg, "clock_start"))
    turn = np.radians(_scalar(rotation, u.deg, "rotation"))
    t_on = _seconds(onset, "onset")
    span = _seconds(rotation_time, "rotation_time")
    s = _elapsed(time)
    frac = np.clip((s - t_on) / span, 0.0, 1.0) if span > 0 else (s >= t_on).astype(float)
    theta = theta0 + turn * frac
    bt = np.sqrt(bmag**2 - bx0**2)
    size = time.size
    b = np.stack([np.full(size, bx0), bt * np.sin(theta), bt * np.cos(theta)], axis=1)
    params = _params_text(
        start=time[0],
        duration=duration,
        cadence=cadence,
        n=n,
        v_gse=v_gse,
        t=t,
        b_magnitude=b_magnitude,
        bx=bx,
        clock_start=clock_start,
        rotation=rotation,
        onset=onset,
        rotation_time=rotation_time,
    )
    return _build(
        time,
        np.full(size, n0),
        np.tile(v0, (size, 1)),
        b,
        np.full(size, t0),
        "imf_rotation",
        params,
        "IMF rotation at constant |B| (clock angle linear in time)",
    )


def lundquist_field(fraction, b0: float, *, leading_bz: str = "south", axis_y: int = 1) -> np.ndarray:
    """Field of a force-free (Lundquist) flux rope crossed through its axis, in GSM (nT).

    A constant-alpha force-free cylinder has the axial field ``B0 J0(alpha r)`` and the azimuthal field
    ``H B0 J1(alpha r)`` (Lundquist 1950, :cite:`lundquist1950`; applied to magnetic clouds by Burlaga 1988,
    J. Geophys. Res. 93, 7217, :cite:`burlaga1988`, and Lepping et al. 1990, J. Geophys. Res. 95, 11957,
    :cite:`lepping1990`), with ``alpha R = 2.405`` (the first
    zero of J0) so that the field is azimuthal at the boundary. The rope's axis lies along ``axis_y``
    times +Y GSM and the spacecraft crosses it along X through the axis (zero impact parameter): at
    ``fraction`` f in [0, 1] of the crossing, ``r / R = |2 f - 1|``. The azimuthal field is then along
    Z, so Bz rotates from south to north (``leading_bz="south"``) or north to south, and By peaks at
    ``axis_y * B0`` at the centre: the bipolar, smoothly rotating field of Burlaga et al. (1981,
    J. Geophys. Res. 86, 6673, :cite:`burlaga1981`).

    Parameters
    ----------
    fraction : array
        Position in the crossing, 0 at the leading edge, 1 at the trailing edge.
    b0 : float
        Axial field on the axis (nT).
    leading_bz : {"south", "north"}
    axis_y : {1, -1}

    Returns
    -------
    ndarray, shape (..., 3)
        (Bx, By, Bz) GSM in nT.
    """
    if leading_bz not in ("south", "north"):
        raise InputError(f"leading_bz must be 'south' or 'north', got {leading_bz!r}")
    if axis_y not in (1, -1):
        raise InputError(f"axis_y must be +1 or -1 (the rope axis along +Y or -Y GSM), got {axis_y!r}")
    f = np.asarray(fraction, dtype=np.float64)
    x = J0_FIRST_ZERO * np.abs(2.0 * f - 1.0)
    sign = np.where(f < 0.5, -1.0, 1.0) * (1.0 if leading_bz == "south" else -1.0)
    by = axis_y * b0 * special.j0(x)
    bz = sign * b0 * special.j1(x)
    return np.stack([np.zeros_like(f), by, bz], axis=-1)


def cme_sheath_cloud(
    *,
    start=DEFAULT_START,
    duration=36 * u.h,
    cadence=1 * u.min,
    n=5.0 * u.cm**-3,
    v_gse=[-400.0, 0.0, 0.0] * u.km / u.s,
    b_gsm=[0.0, 3.0, -1.0] * u.nT,
    t=1.0e5 * u.K,
    shock_at=4 * u.h,
    density_jump=3.0,
    speed_jump=200.0 * u.km / u.s,
    field_jump=3.0,
    t_sheath=5.0e5 * u.K,
    sheath_duration=10 * u.h,
    cloud_duration=20 * u.h,
    cloud_b0=20.0 * u.nT,
    cloud_n=3.0 * u.cm**-3,
    cloud_t=3.0e4 * u.K,
    leading_bz: str = "south",
    axis_y: int = 1,
) -> SolarWind:
    """An interplanetary CME: fast-forward shock, uniform compressed sheath, then a magnetic cloud.

    The structure follows the classic picture of a magnetic cloud behind an interplanetary shock
    (Burlaga et al. 1981, J. Geophys. Res. 86, 6673, :cite:`burlaga1981`):

    - upstream (until ``start + shock_at``): ``n``, ``v_gse``, ``b_gsm``, ``t``;
    - shock: an abrupt jump (one sample) to the sheath;
    - sheath (``sheath_duration``): density ``density_jump * n``, velocity ``v_gse`` plus
      ``speed_jump`` along -X (anti-sunward), field ``field_jump * b_gsm`` (same direction, as behind a
      quasi-perpendicular shock), temperature ``t_sheath``; uniform (no turbulence);
    - magnetic cloud (``cloud_duration``): a force-free Lundquist flux rope crossed through its axis
      (:func:`lundquist_field`, peak ``cloud_b0``), density ``cloud_n``, temperature ``cloud_t``
      (clouds are cool and tenuous), moving at the sheath velocity;
    - afterwards: the upstream wind again.

    Parameters
    ----------
    start, duration, cadence, n, v_gse, b_gsm, t
        As in :func:`steady`, for the upstream wind.
    shock_at : Quantity (time)
        Shock arrival after ``start``.
    density_jump, field_jump : float
        Sheath-to-upstream ratios of density and of the field vector (>= 1; the Rankine-Hugoniot limit
        for gamma 5/3 is 4).
    speed_jump : Quantity
        Speed increase at the shock (km/s), >= 0, applied along -X GSE.
    t_sheath : Quantity
        Sheath temperature (K).
    sheath_duration, cloud_duration : Quantity (time)
        Durations of the sheath and the cloud.
    cloud_b0 : Quantity
        Axial field at the cloud centre (nT).
    cloud_n, cloud_t : Quantity
        Density and temperature inside the cloud.
    leading_bz, axis_y
        Orientation of the flux rope; see :func:`lundquist_field`. The default (south-to-north Bz,
        axis +Y) is the "SWN"-type cloud whose leading half drives a storm.

    Examples
    --------
    >>> import astropy.units as u
    >>> sw = cme_sheath_cloud()
    >>> round(float(sw.b_magnitude.max()), 6), round(float(sw.ds["n"].max()), 6)
    (20.0, 15.0)
    """
    time = _grid(start, duration, cadence)
    n0 = _scalar(n, u.cm**-3, "n", positive=True)
    v0 = _vector(v_gse, u.km / u.s, "v_gse")
    b0 = _vector(b_gsm, u.nT, "b_gsm")
    t0 = _scalar(t, u.K, "t", positive=True)
    t_shock = _seconds(shock_at, "shock_at")
    rn = _ratio(density_jump, "density_jump", 1.0)
    rb = _ratio(field_jump, "field_jump", 1.0)
    dv = _scalar(speed_jump, u.km / u.s, "speed_jump", nonnegative=True)
    ts = _scalar(t_sheath, u.K, "t_sheath", positive=True)
    sheath = _seconds(sheath_duration, "sheath_duration", positive=True)
    cloud = _seconds(cloud_duration, "cloud_duration", positive=True)
    bc = _scalar(cloud_b0, u.nT, "cloud_b0", positive=True)
    nc = _scalar(cloud_n, u.cm**-3, "cloud_n", positive=True)
    tc = _scalar(cloud_t, u.K, "cloud_t", positive=True)
    s = _elapsed(time)
    in_sheath = (s >= t_shock) & (s < t_shock + sheath)
    t_cloud = t_shock + sheath
    in_cloud = (s >= t_cloud) & (s <= t_cloud + cloud)
    size = time.size
    density = np.full(size, n0)
    velocity = np.tile(v0, (size, 1))
    field = np.tile(b0, (size, 1))
    temperature = np.full(size, t0)
    v_sheath = v0 + np.array([-dv, 0.0, 0.0])
    density[in_sheath] = rn * n0
    velocity[in_sheath | in_cloud] = v_sheath
    field[in_sheath] = rb * b0
    temperature[in_sheath] = ts
    density[in_cloud] = nc
    temperature[in_cloud] = tc
    field[in_cloud] = lundquist_field(
        (s[in_cloud] - t_cloud) / cloud, bc, leading_bz=leading_bz, axis_y=axis_y
    )
    params = _params_text(
        start=time[0],
        duration=duration,
        cadence=cadence,
        n=n,
        v_gse=v_gse,
        b_gsm=b_gsm,
        t=t,
        shock_at=shock_at,
        density_jump=density_jump,
        speed_jump=speed_jump,
        field_jump=field_jump,
        t_sheath=t_sheath,
        sheath_duration=sheath_duration,
        cloud_duration=cloud_duration,
        cloud_b0=cloud_b0,
        cloud_n=cloud_n,
        cloud_t=cloud_t,
        leading_bz=leading_bz,
        axis_y=axis_y,
    )
    return _build(
        time,
        density,
        velocity,
        field,
        temperature,
        "cme_sheath_cloud",
        params,
        "CME: shock, uniform sheath, Lundquist magnetic cloud (Burlaga et al. 1981)",
    )
