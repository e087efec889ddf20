"""The mission's SXI frames over a period: every 5-min interval in which SXI observes, as evaluation cases.

:func:`mission_frames` lays the period ``[start, end)`` out in 5-min intervals (the SXI exposure) and keeps
those in which SXI observes, then gives each the solar wind of its time; the result is a case table
(:data:`~smilekit.campaign.cases.CASE_COLUMNS`) that :func:`~smilekit.campaign.evaluate.evaluate_cases`
runs (``smilekit campaign``). Step by step:

1. **Orbit.** The nominal science orbit (:func:`~smilekit.mission.orbit.science_orbit`, epoch ``start``)
   propagated over the period with J2, Sun and Moon (:func:`~smilekit.mission.propagator.propagate`),
   sampled at the start of every interval: the orbit's drift over months and years is in the track.
2. **Modes.** An interval is observed when SXI is on with its shutter open at its start
   (:func:`~smilekit.mission.modes.mode_timeline`: above 50 000 km).
3. **Aim.** The SXI team's limb rule (``aim="limb"``: 20.3 deg from the Earth's limb, on the +X GSE axis,
   :func:`~smilekit.mission.pointing.limb_offset_aim_points`) or the subsolar rule (``aim="subsolar"``: the
   Shue et al. 1998 subsolar magnetopause of the interval's solar wind,
   :func:`~smilekit.mission.pointing.subsolar_aim_points`). An interval without an aim point, or where the
   Sun, the Earth or the Moon excludes the pointing (:func:`~smilekit.mission.pointing.exclusions`), is
   not observed.
4. **Solar wind.** By default the shipped hourly OMNI2 series of 2000 (King & Papitashvili 2005; a year near
   solar maximum) mapped onto the mission's dates by the time of year: an interval at a given time after
   1 January of its year takes the OMNI hour at the same time after 1 January 2000 (2000 is a leap year,
   so every date has its hour; the calendar day shifts by at most one). Or a user's series
   (``solar_wind=``, any file :func:`~smilekit.solarwind.readers.read_solar_wind` reads, or a
   :class:`~smilekit.solarwind.SolarWind`), interpolated to the middle of each interval; the period must lie
   within it. An interval whose solar wind is missing (an OMNI gap) is counted and not run.

The counts of each step are :func:`mission_frames`'s second result (``schedule.json`` of a campaign).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit._data import data_path
from smilekit.campaign.cases import CASE_COLUMNS, DEFAULT_SEED
from smilekit.errors import InputError
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import sample_times, science_orbit
from smilekit.mission.pointing import (
    AIM_RULES,
    attitude,
    exclusions,
    limb_offset_aim_points,
    subsolar_aim_points,
)
from smilekit.mission.propagator import propagate
from smilekit.solarwind import SolarWind
from smilekit.times import as_datetime64
from smilekit.units import RE

__all__ = [
    "AIM_RULES",
    "FRAMES_FILE",
    "FRAME_S",
    "MAX_DAYS",
    "OMNI_YEAR",
    "SCHEDULE_FILE",
    "mission_frames",
    "omni_on_mission_dates",
    "read_user_solar_wind",
    "solar_wind_digest",
    "solar_wind_series",
]

#: The length of an interval: one 5-min SXI exposure (75 CCD frames of 4 s).
FRAME_S = 300.0
#: Where a campaign's folder keeps :func:`mission_frames`' frames (a case file) and its schedule (JSON).
FRAMES_FILE, SCHEDULE_FILE = "frames.csv", "schedule.json"
#: The year of the shipped hourly OMNI2 series.
OMNI_YEAR = 2000
#: The longest period (days): the 3-year mission and a margin.
MAX_DAYS = 4 * 366


@functools.cache
def _omni():
    from smilekit.solarwind.readers import read_omni2

    return read_omni2(data_path(f"omni/omni2_{OMNI_YEAR}.dat"))


def omni_on_mission_dates(times) -> dict[str, np.ndarray]:
    """The shipped OMNI2 hours of 2000 at the same time of year as ``times`` (module docstring, step 4).

    Returns
    -------
    dict
        ``n`` (cm^-3), ``v`` (km/s, the speed), ``b_gsm`` (nT, (N, 3)), ``t`` (K) and ``omni_time`` (the
        OMNI hour used), NaN where OMNI has no value.
    """
    t = np.atleast_1d(as_datetime64(times))
    year_start = t.astype("datetime64[Y]").astype("datetime64[ns]")
    mapped = np.datetime64(f"{OMNI_YEAR}-01-01", "ns") + (t - year_start)
    hour = mapped.astype("datetime64[h]").astype("datetime64[ns]")
    sw = _omni()
    index = np.searchsorted(sw.time.values, hour)
    found = (index < len(sw)) & (sw.time.values[np.minimum(index, len(sw) - 1)] == hour)
    index = np.minimum(index, len(sw) - 1)

    def pick(values):
        out = np.asarray(values, dtype=np.float64)[index]
        out[~found] = np.nan
        return out

    return {
        "n": pick(sw.ds["n"].values),
        "v": pick(np.linalg.norm(sw.ds["v_gse"].values, axis=-1)),
        "b_gsm": pick(sw.ds["b_gsm"].values),
        "t": pick(sw.ds["t"].values),
        "omni_time": hour,
    }


def solar_wind_series(start, end, solar_wind=None) -> SolarWind:
    """The campaign's solar wind over ``[start, end]`` as a series: the shipped OMNI2 hours mapped onto the
    mission's dates (:func:`omni_on_mission_dates`, one record per hour of the mission, NaN where OMNI has
    no value: a gap) or the user's :class:`~smilekit.solarwind.SolarWind` there. The UVI frames' OVATION
    Prime driver averages the Newell coupling (V and B only) of the 4 hours before a frame and leaves out
    the hours without it."""
    a, b = as_datetime64(start)[()], as_datetime64(end)[()]
    if solar_wind is not None:
        return solar_wind.select(a, b)
    hours = np.arange(a.astype("datetime64[h]"), b.astype("datetime64[h]") + np.timedelta64(2, "h"))
    hours = hours.astype("datetime64[ns]")
    w = omni_on_mission_dates(hours)
    zeros = np.zeros((hours.size, 2))
    return SolarWind(
        hours, n=w["n"] * u.cm**-3, v_gse=np.column_stack([-w["v"], zeros]) * u.km / u.s,
        b_gsm=w["b_gsm"] * u.nT, t=w["t"] * u.K, allow_gaps=True,
    )  # fmt: skip


def solar_wind_digest(solar_wind) -> str:
    """What a campaign's solar wind is, to tell a rerun on other data: the SHA-256 of the file (the shipped
    OMNI2 series' for None, or the user's) or of a :class:`~smilekit.solarwind.SolarWind`'s times (ns) and
    values (n, V, B, T as float64; whatever else it carries left out)."""
    digest = hashlib.sha256()
    if isinstance(solar_wind, SolarWind):
        ds = solar_wind.ds
        digest.update(np.ascontiguousarray(ds["time"].values.astype("datetime64[ns]")).tobytes())
        for name in ("n", "v_gse", "b_gse", "b_gsm", "t"):
            digest.update(name.encode() + np.ascontiguousarray(ds[name].values, dtype=np.float64).tobytes())
    else:
        file = data_path(f"omni/omni2_{OMNI_YEAR}.dat") if solar_wind is None else Path(solar_wind)
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()


def read_user_solar_wind(solar_wind) -> SolarWind:
    """A user's solar wind: a :class:`~smilekit.solarwind.SolarWind` as it is, or a file
    :func:`~smilekit.solarwind.readers.read_solar_wind` reads."""
    if isinstance(solar_wind, SolarWind):
        return solar_wind
    from smilekit.solarwind.readers import read_solar_wind

    return read_solar_wind(Path(solar_wind))


def _user_solar_wind(solar_wind, middles: np.ndarray) -> dict[str, np.ndarray]:
    solar_wind = read_user_solar_wind(solar_wind)
    first, last = solar_wind.time.values[0], solar_wind.time.values[-1]
    if middles.min() < first or middles.max() > last:
        raise InputError(
            f"the period's frames run from {middles.min()} to {middles.max()} (middles), outside the solar "
            f"wind data ({first} to {last}); give a period within it"
        )
    states = [solar_wind.at(t) for t in middles]
    return {
        "n": np.array([s.n.to_value(u.cm**-3) for s in states]),
        "v": np.array([np.linalg.norm(s.v_gse.to_value(u.km / u.s)) for s in states]),
        "b_gsm": np.array([s.b_gsm.to_value(u.nT) for s in states]),
        "t": np.array([s.t.to_value(u.K) for s in states]),
    }


def _period(start, end) -> tuple[np.datetime64, np.datetime64]:
    a, b = as_datetime64(start), as_datetime64(end)
    if a.ndim or b.ndim:
        raise InputError("start and end are one time each")
    a, b = a[()], b[()]
    if not a < b:
        raise InputError(f"the end {b} must come after the start {a}")
    if (b - a) > np.timedelta64(MAX_DAYS, "D"):
        raise InputError(f"a period is at most {MAX_DAYS} days, got {(b - a) / np.timedelta64(1, 'D'):.0f}")
    if (b - a) < np.timedelta64(int(FRAME_S), "s"):
        raise InputError(f"the period must hold at least one {FRAME_S:g}-s frame")
    return a, b


def mission_frames(start, end, *, aim: str = "limb", solar_wind=None, seed: int = DEFAULT_SEED):
    """Every 5-min interval of ``[start, end)`` in which SXI observes, as a case table (module docstring).

    Parameters
    ----------
    start, end : time
        The period (UTC); at most :data:`MAX_DAYS` days.
    aim : {"limb", "subsolar"}
        The aim rule.
    solar_wind : path or SolarWind, optional
        The solar wind (default: the shipped OMNI2 of 2000 mapped onto the mission's dates).
    seed : int
        Seed of the frames' photon seeds (one per frame, in time order).

    Returns
    -------
    frames : pandas.DataFrame
        :data:`~smilekit.campaign.cases.CASE_COLUMNS`, one row per observed interval with its solar wind,
        ``case_id`` ``"f<YYYYMMDDThhmmss>"``, in time order.
    schedule : dict
        The counts: ``intervals`` (in the period), ``sxi_observing`` (SXI on, shutter open), ``no_aim``,
        ``excluded`` (Sun, Earth or Moon), ``no_solar_wind``, ``frames``; and how the solar wind and the
        aim were chosen.

    Raises
    ------
    InputError
        For an end not after the start, a period too long or shorter than a frame, an unknown aim rule, or
        a period outside the user's solar wind.
    """
    if aim not in AIM_RULES:
        raise InputError(f"aim {aim!r} is not one of {', '.join(AIM_RULES)}")
    a, b = _period(start, end)
    step = np.timedelta64(int(FRAME_S), "s")
    count = int((b - a) // step)
    starts = a + np.arange(count) * step
    middles = starts + step // 2
    winds = omni_on_mission_dates(middles) if solar_wind is None else _user_solar_wind(solar_wind, middles)

    track = propagate(science_orbit(a), sample_times(a, starts[-1], FRAME_S * u.s, include_stop=True))
    timeline = mode_timeline(track)
    observing = np.asarray(timeline.sxi_on & timeline.sxi_shutter_open)
    position = track.position("GSE")
    has_wind = np.isfinite(winds["n"]) & np.isfinite(winds["v"]) & np.isfinite(winds["b_gsm"]).all(axis=1)
    if aim == "limb":
        aims = limb_offset_aim_points(position, errors="nan")
    else:
        wind = SolarWind(
            starts[has_wind], n=winds["n"][has_wind] * u.cm**-3,
            v_gse=np.column_stack([-winds["v"][has_wind], np.zeros((has_wind.sum(), 2))]) * u.km / u.s,
            b_gsm=winds["b_gsm"][has_wind] * u.nT, t=np.nan_to_num(winds["t"][has_wind], nan=1e5) * u.K,
        )  # fmt: skip
        aims = np.full((count, 3), np.nan) * RE
        aims[has_wind] = subsolar_aim_points(starts[has_wind], wind)
    has_aim = np.isfinite(aims.to_value(RE)).all(axis=1)
    safe = np.where(has_aim[:, None], aims.to_value(RE), [[10.0, 0.0, 0.0]]) * RE  # placeholder, not kept
    excluded = exclusions(track, attitude(track, safe))["excluded"].to_numpy()
    keep = observing & has_aim & ~excluded & has_wind
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**31 - 1, size=count)[keep]
    sc = np.round(position.to_value(RE)[keep], 3)
    target = np.round(aims.to_value(RE)[keep], 3) + 0.0
    stamps = np.datetime_as_string(starts[keep], unit="s")
    frames = pd.DataFrame(
        {
            "case_id": ["f" + s.replace("-", "").replace(":", "") for s in stamps],
            "time": stamps,
            "sc_x": sc[:, 0], "sc_y": sc[:, 1], "sc_z": sc[:, 2],
            "aim_x": target[:, 0], "aim_y": target[:, 1], "aim_z": target[:, 2],
            "n": np.round(winds["n"][keep], 2), "v": np.round(winds["v"][keep], 1),
            "bx": np.round(winds["b_gsm"][keep, 0], 2), "by": np.round(winds["b_gsm"][keep, 1], 2),
            "bz": np.round(winds["b_gsm"][keep, 2], 2),
            "exposure_s": np.full(int(keep.sum()), FRAME_S), "seed": seeds.astype(np.int64),
        }
    )[list(CASE_COLUMNS)]  # fmt: skip
    schedule = {
        "start": str(a),
        "end": str(b),
        "frame_s": FRAME_S,
        "aim": aim,
        "solar_wind": (
            f"OMNI2 hourly {OMNI_YEAR} (shipped) at the same time of year"
            if solar_wind is None
            else str(getattr(solar_wind, "name", solar_wind))
        ),
        "seed": int(seed),
        "intervals": count,
        "sxi_observing": int(observing.sum()),
        "no_aim": int((observing & ~has_aim).sum()),
        "excluded": int((observing & has_aim & excluded).sum()),
        "no_solar_wind": int((observing & has_aim & ~excluded & ~has_wind).sum()),
        "frames": int(keep.sum()),
    }
    return frames, schedule
