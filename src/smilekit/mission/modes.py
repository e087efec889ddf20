"""SMILE's operating modes along the orbit: which instruments collect data, and when.

The four modes are those of the ESA/CAS mission description (the handbook chapter
:cite:`branduardiraymont2022`, sec. 4.4 and its Fig. 17, after the definition study report
:cite:`branduardiraymont2018`):

=======  ====================  ===============================================================
mode     instruments on        where
=======  ====================  ===============================================================
FSM      SXI, UVI, LIA, MAG    above 50 000 km (the SXI lower altitude limit)
RSM1     SXI, LIA, MAG         above 50 000 km, UVI not operating
RSM2     UVI, LIA, MAG         30 000 km (the UVI lower limit) to 50 000 km
RSM3     LIA, MAG              perigee to 30 000 km; Sun acquisition (solar panels to the Sun)
=======  ====================  ===============================================================

:func:`mode_timeline` applies this rule sample by sample: SXI collects data above its altitude limit when
it is available (pointing constraints from the attitude or visibility studies can switch it off), UVI
likewise above its own limit, and the mode is the one whose instrument set is on (both imagers: FSM; SXI
only: RSM1; UVI only: RSM2; neither: RSM3). With both imagers available this gives, along an orbit,
RSM3 -> RSM2 -> FSM -> RSM2 -> RSM3 from perigee to perigee. Altitudes are above the equatorial radius
(6378.137 km), as the mission quotes them (see :mod:`smilekit.mission.orbit`).

**SXI shutter.** The handbook chapter (:cite:`branduardiraymont2022`, sec. 3.1) says only that the SXI
shutter is closed as the
spacecraft approaches perigee, to protect the CCDs from the radiation belts. smilekit closes it whenever
the spacecraft is below ``shutter_altitude``, by default the SXI operating limit itself (50 000 km,
geocentric distance 56 378 km = 8.85 RE). Rationale: in a dipole field a point at geocentric distance r
lies on a drift shell L >= r / RE (L = r / cos^2 lambda_m), so above 8.85 RE the spacecraft is outside
L = 8.85 whatever its magnetic latitude, beyond the outer electron belt's usual outer edge (L ~ 7-8, as in
the AE8 trapped-electron model, Vette 1991, NSSDC/WDC-A-R&S 91-24, :cite:`vette1991`); below it, on the
inbound leg, the
orbit descends into the outer belt. The shutter state is a radiation rule, independent of whether SXI is
collecting data (it stays open above the limit when SXI is switched off for pointing reasons). Give a
larger ``shutter_altitude`` for a more conservative margin.

Times are resolved to the track's sampling step: each sample's state holds until the next sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit._io import write_table
from smilekit._validation import as_value
from smilekit.constants import R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.mission.orbit import Track

__all__ = [
    "MODES",
    "MODE_DESCRIPTIONS",
    "SXI_MIN_ALTITUDE",
    "UVI_MIN_ALTITUDE",
    "ModeTimeline",
    "mode_timeline",
    "sample_durations_s",
]

#: SXI lower operational altitude limit (:cite:`branduardiraymont2022`, sec. 4.4: Full Science Mode and
#: RSM1 above 50 000 km).
SXI_MIN_ALTITUDE = 50_000.0 * u.km
#: UVI lower operational altitude limit (:cite:`branduardiraymont2022`, sec. 4.4: RSM2 from 30 000 km).
UVI_MIN_ALTITUDE = 30_000.0 * u.km

#: Instruments collecting data in each operating mode (:cite:`branduardiraymont2022`, sec. 4.4, Fig. 17).
MODES: dict[str, tuple[str, ...]] = {
    "FSM": ("SXI", "UVI", "LIA", "MAG"),
    "RSM1": ("SXI", "LIA", "MAG"),
    "RSM2": ("UVI", "LIA", "MAG"),
    "RSM3": ("LIA", "MAG"),
}

#: What each mode is, in the words of the mission description (:cite:`branduardiraymont2022`, sec. 4.4).
MODE_DESCRIPTIONS: dict[str, str] = {
    "FSM": "Full Science Mode: above 50 000 km, SXI aims at the nose of the magnetopause",
    "RSM1": "Reduced Science Mode 1: above 50 000 km, SXI only of the imagers",
    "RSM2": "Reduced Science Mode 2: 30 000 - 50 000 km, UVI points to the aurora",
    "RSM3": "Reduced Science Mode 3: perigee to 30 000 km, solar panels point to the Sun",
}

_NS_PER_S = 1e9


def _availability(value, n: int, name: str) -> np.ndarray:
    """A boolean per sample from None (all True), one bool, or a boolean array of length n."""
    if value is None:
        return np.ones(n, dtype=bool)
    array = np.asarray(value)
    if array.dtype != bool:
        raise InputError(
            f"{name} must be booleans (one, or one per track sample), got dtype {array.dtype}; e.g. "
            f"{name}=numpy.ones({n}, dtype=bool)"
        )
    if array.ndim == 0:
        return np.full(n, bool(array))
    if array.shape != (n,):
        raise InputError(f"{name} must have one value per track sample ({n}), got shape {array.shape}")
    return array.copy()


def sample_durations_s(times) -> np.ndarray:
    """Seconds each sample's state lasts along a track: to the next sample (0 for the last sample).

    The one rule for time spent in a state along a track (the mode hours, the power and downlink budgets,
    the run's summaries, the in situ regions): each sample holds its state until the next one, so the
    durations add up to the span of the track, first sample to last, even where the last step is shorter.
    """
    t = np.asarray(times, dtype="datetime64[ns]")
    dt = np.zeros(t.shape[0])
    dt[:-1] = np.diff(t).astype(np.int64) / _NS_PER_S
    return dt


@dataclass(frozen=True)
class ModeTimeline:
    """The operating mode, instrument states and orbit number at each sample of a track.

    Build one with :func:`mode_timeline`.

    Attributes
    ----------
    time : numpy.ndarray
        ``datetime64[ns]`` UTC, shape (N,), the track's times.
    mode : numpy.ndarray
        Mode name per sample (str), one of :data:`MODES`.
    sxi_on, uvi_on : numpy.ndarray
        Whether SXI / UVI collect data (bool).
    sxi_shutter_open : numpy.ndarray
        Whether the SXI shutter is open (bool); see the module notes for the rule.
    orbit : numpy.ndarray
        Orbit number (int), perigee to perigee, from :meth:`Track.orbit_number`.
    altitude_km : numpy.ndarray
        Altitude above the equatorial radius, km (float).
    """

    time: np.ndarray
    mode: np.ndarray
    sxi_on: np.ndarray
    uvi_on: np.ndarray
    sxi_shutter_open: np.ndarray
    orbit: np.ndarray
    altitude_km: np.ndarray

    def __len__(self) -> int:
        return self.time.shape[0]

    def sample_durations_s(self) -> np.ndarray:
        """Seconds each sample's mode lasts: :func:`sample_durations_s` of the timeline's times."""
        return sample_durations_s(self.time)

    def complete_orbits(self) -> np.ndarray:
        """Orbit numbers that start and end (at perigee) inside the track."""
        last = int(self.orbit.max()) if len(self) else 0
        return np.arange(1, last, dtype=np.int64)

    def hours_per_orbit(self) -> dict[str, u.Quantity]:
        """Mean time per complete orbit (perigee to perigee) spent in each mode.

        Only orbits that begin and end inside the track count; each sample holds its mode until the next
        sample, so the hours are resolved to the sampling step and, summed over the modes, give the
        orbital period to within one step.

        Returns
        -------
        dict
            Mode name -> Quantity in hours, for every mode of :data:`MODES` (zero where absent).

        Raises
        ------
        InputError
            If the track holds no complete orbit (fewer than two perigee passages).
        """
        orbits = self.complete_orbits()
        if orbits.size == 0:
            raise InputError(
                "the track holds no complete orbit (it needs two perigee passages); extend it to more than "
                "one orbital period beyond the first perigee"
            )
        dt = self.sample_durations_s()
        inside = np.isin(self.orbit, orbits)
        return {
            name: float(dt[inside & (self.mode == name)].sum() / orbits.size / 3600.0) * u.h for name in MODES
        }

    def intervals(self):
        """Contiguous stretches of one mode, as a :class:`pandas.DataFrame`.

        Columns: ``start``, ``stop`` (UTC datetime64; ``stop`` is the first sample of the next stretch,
        or the last sample of the track), ``mode``, ``duration_h`` (hours), ``orbit`` (orbit number at
        ``start``), ``instruments`` (the instruments on, joined by '+').
        """

        n = len(self)
        if n == 0:
            return pd.DataFrame(columns=["start", "stop", "mode", "duration_h", "orbit", "instruments"])
        change = np.flatnonzero(self.mode[1:] != self.mode[:-1]) + 1
        first = np.concatenate([[0], change])
        after = np.concatenate([change, [n - 1]])
        start = self.time[first]
        stop = self.time[after]
        modes = self.mode[first]
        return pd.DataFrame(
            {
                "start": start,
                "stop": stop,
                "mode": modes.astype(str),
                "duration_h": (stop - start).astype(np.int64) / _NS_PER_S / 3600.0,
                "orbit": self.orbit[first],
                "instruments": ["+".join(MODES[m]) for m in modes],
            }
        )

    def to_dataframe(self):
        """One row per sample: ``time``, ``mode``, ``sxi_on``, ``uvi_on``, ``sxi_shutter_open``,
        ``orbit``, ``altitude_km``."""

        return pd.DataFrame(
            {
                "time": self.time,
                "mode": self.mode.astype(str),
                "sxi_on": self.sxi_on,
                "uvi_on": self.uvi_on,
                "sxi_shutter_open": self.sxi_shutter_open,
                "orbit": self.orbit,
                "altitude_km": self.altitude_km,
            }
        )

    def to_csv(self, path) -> Path:
        """Write the mode timeline product: one row per contiguous mode segment.

        Columns (comma separated, one header line):

        ``start_utc``, ``stop_utc``
            ISO 8601 UTC with a trailing ``Z`` (seconds, or milliseconds when a time is not on a whole
            second); ``stop_utc`` is the start of the next segment.
        ``mode``
            FSM, RSM1, RSM2 or RSM3.
        ``duration_h``
            Segment length in hours (6 decimals).
        ``orbit``
            Orbit number (perigee to perigee) at the segment start.
        ``instruments``
            The instruments collecting data, joined by '+', e.g. ``SXI+UVI+LIA+MAG``.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        table = self.intervals()
        whole = bool(np.all(self.time.astype(np.int64) % 1_000_000_000 == 0))
        unit = "s" if whole else "ms"

        def iso(values) -> list[str]:
            stamps = np.asarray(values, dtype="datetime64[ns]")
            return [s + "Z" for s in np.datetime_as_string(stamps, unit=unit)]

        out = table.assign(start=iso(table["start"]), stop=iso(table["stop"])).rename(
            columns={"start": "start_utc", "stop": "stop_utc"}
        )
        return write_table(out, path, index=False, float_format="%.6f")


def check_timeline(timeline, track: Track) -> ModeTimeline:
    """``timeline`` if it is a :class:`ModeTimeline` built on ``track``'s samples, else InputError."""
    if not isinstance(timeline, ModeTimeline):
        raise InputError(
            f"timeline must be a ModeTimeline (from mode_timeline), got {type(timeline).__name__}"
        )
    if len(timeline) != len(track) or not np.array_equal(timeline.time, track.time):
        raise InputError("timeline was not built on this track: its times differ from the track's")
    return timeline


def mode_timeline(
    track: Track,
    *,
    sxi_min_altitude=SXI_MIN_ALTITUDE,
    uvi_min_altitude=UVI_MIN_ALTITUDE,
    uvi_available=None,
    sxi_available=None,
    shutter_altitude=SXI_MIN_ALTITUDE,
) -> ModeTimeline:
    """Operating mode at each sample of a track, from the altitude limits and availability flags.

    Parameters
    ----------
    track : Track
        The spacecraft track (two-body or numerically propagated).
    sxi_min_altitude, uvi_min_altitude : astropy.units.Quantity
        Lower operating altitudes of SXI (50 000 km) and UVI (30 000 km), above the equatorial radius
        (:cite:`branduardiraymont2022`, sec. 4.4).
    uvi_available, sxi_available : bool or array of bool, optional
        Whether each imager can operate at each sample when above its altitude limit (e.g. from Sun,
        Moon and Earth-limb exclusion or target visibility); default True everywhere. One bool applies to
        every sample.
    shutter_altitude : astropy.units.Quantity
        The SXI shutter is closed below this altitude (default 50 000 km; the rule and its rationale are
        in the module notes).

    Returns
    -------
    ModeTimeline

    Raises
    ------
    InputError
        For a track that is not a :class:`Track`, altitudes without length units or not positive, or
        availability flags that are not booleans of the track's length.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-08", 60 * u.s))
    >>> timeline = mode_timeline(track)
    >>> {m: round(float(h.to_value("h")), 1) for m, h in timeline.hours_per_orbit().items()}
    {'FSM': 42.1, 'RSM1': 0.0, 'RSM2': 4.1, 'RSM3': 4.5}
    """
    if not isinstance(track, Track):
        raise InputError(f"track must be a smilekit.mission.Track, got {type(track).__name__}")
    sxi_limit = float(as_value(sxi_min_altitude, u.km, "sxi_min_altitude", positive=True))
    uvi_limit = float(as_value(uvi_min_altitude, u.km, "uvi_min_altitude", positive=True))
    shutter_limit = float(as_value(shutter_altitude, u.km, "shutter_altitude", positive=True))
    n = len(track)
    uvi_ok = _availability(uvi_available, n, "uvi_available")
    sxi_ok = _availability(sxi_available, n, "sxi_available")

    altitude = track.radius_km - R_EARTH_EQ_KM
    sxi_on = (altitude >= sxi_limit) & sxi_ok
    uvi_on = (altitude >= uvi_limit) & uvi_ok
    mode = np.where(sxi_on, np.where(uvi_on, "FSM", "RSM1"), np.where(uvi_on, "RSM2", "RSM3"))
    return ModeTimeline(
        time=track.time.copy(),
        mode=mode.astype("<U4"),
        sxi_on=sxi_on,
        uvi_on=uvi_on,
        sxi_shutter_open=altitude >= shutter_limit,
        orbit=track.orbit_number(),
        altitude_km=altitude,
    )
