"""Earth-shadow eclipses and the power budget along the orbit: generation, load and battery charge.

**Shadow.** Two models of the Earth's shadow, for a spherical Earth of radius 6378.137 km (oblateness,
21 km at the poles, moves a shadow boundary by a few seconds at perigee speed and is neglected):

``"cylindrical"``
    The shadow is the cylinder of the Earth's radius behind the Earth, parallel to the Sun direction: the
    spacecraft at r is in shadow when r . s < 0 and ``|r - (r . s) s|`` < R_E (s the unit vector to the Sun).
    Vallado (2013), *Fundamentals of Astrodynamics and Applications*, 4th ed., sec. 5.3 and algorithm 34
    (SHADOW) without its penumbra cone, :cite:`vallado2013`; Montenbruck & Gill (2000), *Satellite Orbits*,
    sec. 3.4.2, eq. 3.79, :cite:`montenbruck2000`. The shadow function is 0 or 1. The Sun direction is
    :func:`smilekit.frames.sun_direction`.
``"conical"``
    Umbra and penumbra from the apparent radii of the Sun, a = asin(R_sun / ``|r_sun - r|``), and of the
    Earth, b = asin(R_E / ``|r|``), and their apparent separation c, with the overlap area of two discs
    (Montenbruck & Gill 2000, sec. 3.4.2, eqs. 3.85-3.87): c >= a + b, sunlit; c <= b - a, umbra; else
    the hidden fraction of the solar disc. R_sun = 695 700 km (IAU 2015 Resolution B3 nominal solar
    radius, :cite:`prsa2016`). The Sun's position (with its distance) comes from
    :func:`smilekit.mission.ephemeris.sun_position`; if that module is not available, the Sun direction at 1
    AU (the annual +-1.7 % in
    distance changes the penumbra's width by as much, a fraction of a second at perigee).

:func:`shadow_fraction` gives the hidden fraction of the solar disc (0 sunlit, 1 umbra), :func:`in_shadow`
whether any of it is hidden, and :func:`eclipses` the eclipse intervals, their boundaries refined between
samples by linear interpolation of a continuous margin function (cylinder: distance from the shadow
axis minus R_E on the night side; cone: c - (a + b)).

**Power.** :func:`power_budget` follows the battery state of charge (SoC) along a track:

* generation = array power x (1 - shadow fraction) x max(cos(incidence), 0). The array gives 850 W from
  4.2 m^2 of cells (the handbook chapter :cite:`branduardiraymont2022`, sec. 4.1), taken
  as the output at normal incidence; the seasonal
  change of solar flux (+-3.4 %) and cell degradation are neglected. In RSM3 the panels point to the Sun
  (:cite:`branduardiraymont2022`, sec. 4.4: "Sun acquisition"), incidence 0. In the science modes the
  incidence angle is ``sun_angle`` (from the attitude, per sample, when known); the default 0 deg assumes the
  array drive keeps the panels Sun-facing, an assumption: :cite:`branduardiraymont2022` gives no array
  articulation.
* load per mode (:data:`DEFAULT_LOAD`, assumed) between the 447 W survival minimum and the 665 W maximum
  of :cite:`branduardiraymont2022` (sec. 4.1: "the maximum power of 665 W is required during communications
  and transfer of data to the receiving ground station"), which is the load while downlinking (``downlink``
  flags, e.g. from :func:`smilekit.mission.ground.contact_mask`).
* the battery takes the difference: charging power x ``charge_efficiency``, discharging power /
  ``discharge_efficiency``; SoC = stored energy / ``battery_capacity``, clipped to [0, 1] (a full battery
  sheds the surplus through the shunt; an empty one leaves load unmet, visible as SoC = 0). Each sample's
  powers hold until the next sample (explicit Euler in time, exact for piecewise-constant powers).
  The capacity is an assumption (:data:`DEFAULT_BATTERY_CAPACITY`): no value is published in the sources
  found.
"""

from __future__ import annotations

import astropy.units as u
import numba
import numpy as np
import pandas as pd

from smilekit._validation import as_value
from smilekit.constants import AU_KM, R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.frames import sun_direction
from smilekit.mission.ephemeris import sun_position
from smilekit.mission.intervals import crossing_edges, runs
from smilekit.mission.modes import MODES, ModeTimeline, check_timeline
from smilekit.mission.orbit import Track, as_track

__all__ = [
    "DEFAULT_ARRAY_POWER",
    "DEFAULT_BATTERY_CAPACITY",
    "DEFAULT_DOWNLINK_LOAD",
    "DEFAULT_LOAD",
    "R_SUN_KM",
    "SHADOW_MODELS",
    "eclipses",
    "in_shadow",
    "power_budget",
    "power_summary",
    "shadow_fraction",
    "shadow_fraction_values",
]

#: Nominal solar radius, km (IAU 2015 Resolution B3, :cite:`prsa2016`).
R_SUN_KM: float = 695700.0

#: The shadow models :func:`shadow_fraction` knows.
SHADOW_MODELS = ("cylindrical", "conical")

#: Solar array output at normal incidence: 4.2 m^2 of cells give 850 W (:cite:`branduardiraymont2022`,
#: sec. 4.1).
DEFAULT_ARRAY_POWER = 850.0 * u.W

#: Assumed load per mode (W), between the 447 W survival minimum and the 665 W maximum
#: (:cite:`branduardiraymont2022`, sec. 4.1): platform and thermal control near the survival level plus the
#: instruments on (the imagers draw the most). Not published per mode; replace with the spacecraft's budget
#: when known.
DEFAULT_LOAD: dict[str, u.Quantity] = {
    "FSM": 600.0 * u.W,
    "RSM1": 570.0 * u.W,
    "RSM2": 530.0 * u.W,
    "RSM3": 480.0 * u.W,
}

#: Load while transmitting to a ground station: the maximum of :cite:`branduardiraymont2022`, 665 W (sec.
#: 4.1).
DEFAULT_DOWNLINK_LOAD = 665.0 * u.W

#: Assumed battery capacity (no published value found). Sized so that the longest eclipse of the science
#: orbit over a year, 77 min near perigee (conical :func:`eclipses` over 2026-03 to 2027-03 for nodes 0, 90,
#: 180 and 270 deg; the node sets the eclipse seasons), at the 665 W downlink load, about 900 Wh with the
#: discharge efficiency, takes under 40 % of it: a usual depth of discharge for Li-ion cells over the few
#: hundred eclipses of a 3-year mission.
DEFAULT_BATTERY_CAPACITY = 2400.0 * u.W * u.h


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64
# ---------------------------------------------------------------------------------------------------
def _shadow_values(r_km: np.ndarray, sun_km: np.ndarray, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(hidden fraction of the solar disc, margin) for positions r (N, 3) and Sun positions (N, 3), km.

    The margin is continuous and negative exactly where the fraction is > 0 (for refining boundaries).
    """
    rn = np.linalg.norm(r_km, axis=-1)
    if model == "cylindrical":
        s = sun_km / np.linalg.norm(sun_km, axis=-1, keepdims=True)
        along = np.sum(r_km * s, axis=-1)
        off_axis = np.linalg.norm(r_km - along[:, None] * s, axis=-1)
        margin = np.where(along < 0.0, off_axis, rn) - R_EARTH_EQ_KM
        return (margin < 0.0).astype(np.float64), margin
    to_sun = sun_km - r_km
    dn = np.linalg.norm(to_sun, axis=-1)
    a = np.arcsin(np.clip(R_SUN_KM / dn, -1.0, 1.0))
    b = np.arcsin(np.clip(R_EARTH_EQ_KM / rn, -1.0, 1.0))
    cos_c = -np.sum(r_km * to_sun, axis=-1) / (rn * dn)
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))
    margin = c - (a + b)
    fraction = np.zeros_like(c)
    umbra = c <= b - a
    annular = c <= a - b
    partial = (margin < 0.0) & ~umbra & ~annular
    fraction[umbra] = 1.0
    fraction[annular] = (b[annular] / a[annular]) ** 2
    if partial.any():  # Montenbruck & Gill (2000) eq. 3.87: overlap area of two discs
        ap, bp, cp = a[partial], b[partial], c[partial]
        x = (cp**2 + ap**2 - bp**2) / (2.0 * cp)
        y = np.sqrt(np.clip(ap**2 - x**2, 0.0, None))
        area = (
            ap**2 * np.arccos(np.clip(x / ap, -1.0, 1.0))
            + bp**2 * np.arccos(np.clip((cp - x) / bp, -1.0, 1.0))
            - cp * y
        )
        fraction[partial] = np.clip(area / (np.pi * ap**2), 0.0, 1.0)
    return fraction, margin


def shadow_fraction_values(r_km, sun_km, model: str = "cylindrical") -> np.ndarray:
    """Kernel of :func:`shadow_fraction`: positions and Sun positions (N, 3) in km, the same frame."""
    r = np.atleast_2d(np.asarray(r_km, dtype=np.float64))
    sun = np.broadcast_to(np.asarray(sun_km, dtype=np.float64), r.shape)
    return _shadow_values(r, sun, _model(model))[0]


@numba.njit(cache=True)
def _battery_kernel(net_w, dt_s, capacity_wh, soc0, eta_charge, eta_discharge):  # pragma: no cover - numba
    n = net_w.shape[0]
    soc = np.empty(n)
    into = np.empty(n)
    soc[0] = soc0
    for i in range(n):
        p = net_w[i] * eta_charge if net_w[i] > 0.0 else net_w[i] / eta_discharge
        into[i] = p
        if i + 1 < n:
            value = soc[i] + p * dt_s[i] / 3600.0 / capacity_wh
            soc[i + 1] = min(1.0, max(0.0, value))
    return soc, into


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------
def _model(model) -> str:
    if not isinstance(model, str) or model.lower() not in SHADOW_MODELS:
        raise InputError(f"model must be one of {', '.join(SHADOW_MODELS)}, got {model!r}")
    return model.lower()


def _sun_gei_km(time: np.ndarray, model: str) -> np.ndarray:
    """Sun positions (km, GEI): the ephemeris where available for the cone, else the direction at 1 AU."""
    if model == "conical":
        return np.asarray(as_value(sun_position(time), u.km, "sun_position"), dtype=np.float64)
    return sun_direction(time, "GEI") * AU_KM


def _shadow(track: Track, model) -> tuple[np.ndarray, np.ndarray]:
    track = as_track(track)
    name = _model(model)
    if len(track) == 0:
        return np.empty(0), np.empty(0)
    return _shadow_values(track.position_gei_km, _sun_gei_km(track.time, name), name)


def shadow_fraction(track: Track, *, model: str = "cylindrical") -> u.Quantity:
    """Fraction of the solar disc hidden by the Earth at each sample (0 sunlit, 1 umbra).

    Parameters
    ----------
    track : Track
        The spacecraft track (GEI).
    model : {"cylindrical", "conical"}
        Shadow model (module notes).

    Returns
    -------
    astropy.units.Quantity
        Dimensionless, shape (N,).

    Raises
    ------
    InputError
        For an unknown model, a track that is not a :class:`Track`, or (conical) a time outside the Sun
        ephemeris range.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> times = sample_times("2026-03-01", "2026-03-03T03:00", 60 * u.s)
    >>> track = kepler_track(science_orbit("2026-03-01"), times)
    >>> f = shadow_fraction(track, model="conical")
    >>> bool(f.max() == 1), bool(f.min() == 0)
    (True, True)
    """
    return _shadow(track, model)[0] * u.dimensionless_unscaled


def in_shadow(track: Track, *, model: str = "cylindrical") -> np.ndarray:
    """Whether any of the solar disc is hidden by the Earth at each sample (bool, shape (N,))."""
    return _shadow(track, model)[0] > 0.0


def _refined_runs(
    flag: np.ndarray, margin: np.ndarray, t_s: np.ndarray
) -> list[tuple[float, float, int, int]]:
    """(start s, stop s, first index, last index) of each run of ``flag``, edges interpolated on margin."""
    pairs = runs(flag)
    start, stop, _, _ = crossing_edges(t_s, margin, pairs)
    return [
        (float(a), float(b), int(i0), int(i1) - 1) for (i0, i1), a, b in zip(pairs, start, stop, strict=True)
    ]


def eclipses(track: Track, *, model: str = "cylindrical"):
    """Eclipse intervals (Earth shadow) along a track.

    Parameters
    ----------
    track : Track
        The spacecraft track.
    model : {"cylindrical", "conical"}
        Shadow model; with "conical" an eclipse includes the penumbra.

    Returns
    -------
    pandas.DataFrame
        One row per eclipse: ``start``, ``stop`` (UTC datetime64; refined between samples, see the
        module notes), ``duration_min``, ``orbit`` (orbit number at the start), ``max_shadow_fraction``,
        ``truncated`` (cut by the start or end of the track).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> times = sample_times("2026-03-01", "2026-03-03T03:00", 30 * u.s)
    >>> track = kepler_track(science_orbit("2026-03-01"), times)
    >>> table = eclipses(track)
    >>> len(table), round(float(table.duration_min.iloc[0]), 1)
    (1, 20.8)
    """

    track = as_track(track)
    fraction, margin = _shadow(track, model)
    columns = ["start", "stop", "duration_min", "orbit", "max_shadow_fraction", "truncated"]
    if len(track) == 0:
        return pd.DataFrame(columns=columns)
    origin = track.time[0]
    t_s = (track.time - origin).astype(np.int64) / 1e9
    orbit = track.orbit_number()
    rows = []
    for start, stop, i0, i1 in _refined_runs(fraction > 0.0, margin, t_s):
        rows.append(
            {
                "start": origin + np.timedelta64(round(start * 1e9), "ns"),
                "stop": origin + np.timedelta64(round(stop * 1e9), "ns"),
                "duration_min": (stop - start) / 60.0,
                "orbit": int(orbit[i0]),
                "max_shadow_fraction": float(fraction[i0 : i1 + 1].max()),
                "truncated": i0 == 0 or i1 == len(track) - 1,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _per_sample(value, n: int, unit, name: str, **checks) -> np.ndarray:
    array = as_value(value, unit, name, **checks)
    if array.ndim == 0:
        return np.full(n, float(array))
    if array.shape != (n,):
        raise InputError(f"{name} must be one value or one per track sample ({n}), got shape {array.shape}")
    return array


def _efficiency(value, name: str) -> float:
    eta = float(as_value(value, u.dimensionless_unscaled, name))
    if not 0.0 < eta <= 1.0:
        raise InputError(f"{name} must be in (0, 1], got {eta:g}")
    return eta


def power_budget(
    track: Track,
    timeline: ModeTimeline,
    *,
    array_power=DEFAULT_ARRAY_POWER,
    load=None,
    downlink=None,
    downlink_load=DEFAULT_DOWNLINK_LOAD,
    battery_capacity=DEFAULT_BATTERY_CAPACITY,
    initial_soc=1.0 * u.dimensionless_unscaled,
    charge_efficiency=0.95 * u.dimensionless_unscaled,
    discharge_efficiency=0.95 * u.dimensionless_unscaled,
    sun_angle=0.0 * u.deg,
    model: str = "cylindrical",
):
    """Solar generation, load and battery state of charge at each sample of a track.

    Parameters
    ----------
    track : Track
        The spacecraft track.
    timeline : ModeTimeline
        Modes at the track's samples (:func:`smilekit.mission.modes.mode_timeline`).
    array_power : astropy.units.Quantity
        Array output in full Sun at normal incidence (default 850 W, :cite:`branduardiraymont2022`, sec. 4.1).
    load : dict, optional
        Mode name -> power (Quantity); default :data:`DEFAULT_LOAD` (assumed). Every mode in the timeline
        needs a value.
    downlink : array of bool, optional
        True while transmitting to the ground (e.g. :func:`smilekit.mission.ground.contact_mask`); the
        load is then ``downlink_load`` (default 665 W, the maximum of :cite:`branduardiraymont2022`).
    battery_capacity : astropy.units.Quantity
        Usable energy (default :data:`DEFAULT_BATTERY_CAPACITY`, assumed).
    initial_soc : astropy.units.Quantity
        State of charge at the first sample, dimensionless in [0, 1] (default 1).
    charge_efficiency, discharge_efficiency : astropy.units.Quantity
        Dimensionless in (0, 1] (default 0.95 each, assumed, typical of Li-ion round trips near 0.9).
    sun_angle : astropy.units.Quantity
        Angle between the panel normal and the Sun in the science modes (FSM, RSM1, RSM2), one value or
        one per sample; RSM3 is Sun-pointed (0 deg).
    model : {"cylindrical", "conical"}
        Shadow model.

    Returns
    -------
    pandas.DataFrame
        One row per sample: ``time``, ``mode``, ``orbit``, ``shadow_fraction``, ``eclipse`` (bool),
        ``downlink`` (bool), ``generation_W``, ``load_W``, ``battery_W`` (power into the battery after
        the efficiencies, negative when discharging, before any clipping), ``soc`` (0-1). ``attrs`` holds
        the inputs (``battery_capacity_Wh``, ``array_power_W``, ``model``, ...).

    Raises
    ------
    InputError
        For a timeline not built on the track, a mode without a load, values without proper units or out
        of range (negative power, SoC outside [0, 1], efficiency outside (0, 1]), or a bad ``downlink``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.modes import mode_timeline
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-06", 60 * u.s))
    >>> budget = power_budget(track, mode_timeline(track))
    >>> round(float(budget.soc.min()), 2)
    0.88
    """

    track = as_track(track)
    check_timeline(timeline, track)
    n = len(track)
    if n == 0:
        raise InputError("the track is empty")
    array_w = float(as_value(array_power, u.W, "array_power", nonnegative=True))
    downlink_w = float(as_value(downlink_load, u.W, "downlink_load", nonnegative=True))
    capacity_wh = float(as_value(battery_capacity, u.W * u.h, "battery_capacity", positive=True))
    soc0 = float(as_value(initial_soc, u.dimensionless_unscaled, "initial_soc"))
    if not 0.0 <= soc0 <= 1.0:
        raise InputError(f"initial_soc must be in [0, 1], got {soc0:g}")
    eta_c = _efficiency(charge_efficiency, "charge_efficiency")
    eta_d = _efficiency(discharge_efficiency, "discharge_efficiency")
    angle = np.radians(_per_sample(sun_angle, n, u.deg, "sun_angle"))
    loads = DEFAULT_LOAD if load is None else load
    if not isinstance(loads, dict):
        raise InputError(f"load must be a dict mode -> Quantity (W), got {type(loads).__name__}")
    load_w = np.empty(n)
    for name in np.unique(timeline.mode):
        if name not in loads:
            raise InputError(f"load has no value for mode {name!r}; give one for each of {', '.join(MODES)}")
        load_w[timeline.mode == name] = float(as_value(loads[name], u.W, f"load[{name!r}]", nonnegative=True))
    if downlink is None:
        transmitting = np.zeros(n, dtype=bool)
    else:
        transmitting = np.asarray(downlink)
        if transmitting.dtype != bool or transmitting.shape != (n,):
            raise InputError(
                f"downlink must be booleans, one per track sample ({n}), got dtype {transmitting.dtype} "
                f"and shape {transmitting.shape}"
            )
    load_w = np.where(transmitting, downlink_w, load_w)

    name = _model(model)
    fraction = _shadow(track, name)[0]
    sun_pointed = timeline.mode == "RSM3"
    cosine = np.where(sun_pointed, 1.0, np.clip(np.cos(angle), 0.0, None))
    generation = array_w * (1.0 - fraction) * cosine
    dt = timeline.sample_durations_s()
    soc, into = _battery_kernel(generation - load_w, dt, capacity_wh, soc0, eta_c, eta_d)
    table = pd.DataFrame(
        {
            "time": track.time,
            "mode": timeline.mode.astype(str),
            "orbit": timeline.orbit,
            "shadow_fraction": fraction,
            "eclipse": fraction > 0.0,
            "downlink": transmitting,
            "generation_W": generation,
            "load_W": load_w,
            "battery_W": into,
            "soc": soc,
        }
    )
    table.attrs.update(
        {
            "battery_capacity_Wh": capacity_wh,
            "array_power_W": array_w,
            "charge_efficiency": eta_c,
            "discharge_efficiency": eta_d,
            "model": name,
        }
    )
    return table


def power_summary(budget):
    """Per-orbit summary of a :func:`power_budget` table.

    Returns
    -------
    pandas.DataFrame
        One row per orbit number: ``orbit``, ``min_soc``, ``eclipse_min`` (total time in shadow,
        resolved to the sampling step), ``eclipses`` (number of eclipses starting in the orbit),
        ``generated_Wh``, ``consumed_Wh``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.modes import mode_timeline
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-06", 60 * u.s))
    >>> summary = power_summary(power_budget(track, mode_timeline(track)))
    >>> list(summary.columns)
    ['orbit', 'min_soc', 'eclipse_min', 'eclipses', 'generated_Wh', 'consumed_Wh']
    """

    needed = {"time", "orbit", "eclipse", "generation_W", "load_W", "soc"}
    if not hasattr(budget, "columns") or not needed <= set(budget.columns):
        raise InputError(f"budget must be a power_budget() table with columns {', '.join(sorted(needed))}")
    time = np.asarray(budget["time"], dtype="datetime64[ns]")
    dt = np.zeros(len(time))
    dt[:-1] = np.diff(time).astype(np.int64) / 1e9
    eclipse = np.asarray(budget["eclipse"], dtype=bool)
    starts = np.zeros(len(time), dtype=bool)
    starts[1:] = eclipse[1:] & ~eclipse[:-1]
    if len(time):
        starts[0] = eclipse[0]
    frame = pd.DataFrame(
        {
            "orbit": np.asarray(budget["orbit"]),
            "soc": np.asarray(budget["soc"], dtype=np.float64),
            "eclipse_s": eclipse * dt,
            "start": starts,
            "gen_Wh": np.asarray(budget["generation_W"], dtype=np.float64) * dt / 3600.0,
            "load_Wh": np.asarray(budget["load_W"], dtype=np.float64) * dt / 3600.0,
        }
    )
    grouped = frame.groupby("orbit", sort=True)
    return pd.DataFrame(
        {
            "orbit": grouped.size().index.to_numpy(),
            "min_soc": grouped["soc"].min().to_numpy(),
            "eclipse_min": grouped["eclipse_s"].sum().to_numpy() / 60.0,
            "eclipses": grouped["start"].sum().to_numpy().astype(np.int64),
            "generated_Wh": grouped["gen_Wh"].sum().to_numpy(),
            "consumed_Wh": grouped["load_Wh"].sum().to_numpy(),
        }
    )
