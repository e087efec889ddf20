"""Ground stations, station passes and the downlink budget per orbit.

**Stations.** The handbook chapter (:cite:`branduardiraymont2022`, sec. 4.4) says SMILE's
ground segment has the CAS X-band ground
stations (science data), the Chinese S-band stations (telemetry and telecommand), and ESA's ESTRACK S- and
X-band stations; the launch news (:cite:`cas2026`) adds that ESA provided the launch-phase tracking. It names
no station.
:data:`STATIONS` holds:

* CAS X-band receiving stations Miyun, Kashgar (Kashi) and Sanya: the stations of the CAS Space Science
  Mission Operations Center (NSSC), run by the Aerospace Information Research Institute (AIRCAS) for the
  CAS space-science satellites ("X-Band Receiving Stations include Miyun, Kashgar, and Sanya", GECAM mission
  pages, gecam.ihep.ac.cn/groundsupport.jhtml; the three sites: AIRCAS, China Remote Sensing Satellite Ground
  Station, english.aircas.cas.cn). That SMILE uses these three is an inference from "the CAS X-band ground
  stations" of :cite:`branduardiraymont2022`, not a published SMILE statement. No antenna coordinates were
  found in public sources: the positions given are those of the sites to about 0.3 deg and a few hundred
  metres of height.
* ESTRACK stations Kiruna, Redu, Kourou, Cebreros (DSA 2), New Norcia (DSA 1) and Malargue (DSA 3):
  latitude and longitude from ESA's SPICE frame kernel for the ESTRACK stations (estrack_v01.tf,
  J. Vazquez, ESA/ESAC, 2011, "location data taken from the ESA web pages"; the kernel gives 0.001 deg,
  about 100 m). New Norcia received SMILE's first telemetry after launch (launch news, en.wedoany.com,
  2026). Heights are approximate site elevations (not from the kernel, about +-100 m).

All elevation masks are an assumed 5 deg (a common planning value for ESTRACK-class antennas; no SMILE
or site-specific mask was found). Position errors matter little here: SMILE is never closer than 5 000 km
altitude, so a 0.3 deg (33 km) station offset moves the computed elevation by under 0.7 deg (0.3 deg of
local-vertical tilt plus 33 km / 5 000 km of parallax) and a 100 m height error by under 0.002 deg.

**Geometry.** Station positions are geodetic on the WGS 84 ellipsoid (a = 6378.137 km,
f = 1 / 298.257223563; NIMA TR8350.2, 2000, :cite:`nima2000`), turned into Earth-fixed Cartesian coordinates
with Vallado (2013) eq. 3-7 (algorithm 51, SITE; :cite:`vallado2013`) by :mod:`smilekit.geodesy`. The track
goes GEI -> GEO with :func:`smilekit.frames.transform`
(Hapgood 1992 sidereal time, :cite:`hapgood1992`; polar motion, below 0.5", neglected). The elevation is the
angle between the
station-to-spacecraft vector and the ellipsoid normal ("up", the geodetic vertical; Vallado 2013,
algorithm 27, RAZEL), without refraction. Rise and set times are refined by linear interpolation of the
elevation between samples and the maximum elevation by a parabola through the three highest samples.

**Downlink budget.** :func:`downlink_budget` compares, per orbit, the data volume the instruments
generate (per-instrument rates times the time each is on, from the mode timeline) with the volume the link
can return: contact time x ``downlink_rate``. The contact time is the union of all passes (one X-band
transmitter: two stations seeing the spacecraft at once do not double the rate), restricted to altitudes
below ``max_link_altitude``: :cite:`branduardiraymont2022` says data come down near perigee, and the launch
news says the link margin is insufficient near apogee. The default 30 000 km is the RSM3 phase (imagers off,
solar panels to the Sun; :cite:`branduardiraymont2022`, sec. 4.4), when the spacecraft is free of science
pointing. The default rates are assumptions (see :data:`DEFAULT_INSTRUMENT_RATES`,
:data:`DEFAULT_DOWNLINK_RATE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit._validation import as_value
from smilekit.constants import R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.frames import transform
from smilekit.geodesy import geodetic_to_geo_values
from smilekit.mission.intervals import crossing_edges, runs
from smilekit.mission.modes import MODES, ModeTimeline, check_timeline
from smilekit.mission.orbit import Track, as_track

__all__ = [
    "DEFAULT_DOWNLINK_RATE",
    "DEFAULT_INSTRUMENT_RATES",
    "STATIONS",
    "GroundStation",
    "contact_intervals",
    "contact_mask",
    "downlink_budget",
    "elevation",
    "generation_rates",
    "passes",
]

_NS_PER_S = 1e9


@dataclass(frozen=True)
class GroundStation:
    """A ground station: geodetic position (WGS 84), elevation mask and where the numbers come from.

    Attributes
    ----------
    name : str
        Station name, as used in :data:`STATIONS` and in pass tables.
    latitude_deg, longitude_deg : float
        Geodetic latitude (deg, north positive) and longitude (deg, east positive).
    height_m : float
        Height above the WGS 84 ellipsoid, m.
    min_elevation_deg : float
        Elevation mask, deg: the spacecraft is in contact above it.
    agency, bands, source, note : str
        Operator, radio bands, the citation of the coordinates, and their uncertainty.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    height_m: float
    min_elevation_deg: float = 5.0
    agency: str = ""
    bands: str = ""
    source: str = ""
    note: str = ""

    def __post_init__(self):
        for field in ("latitude_deg", "longitude_deg", "height_m", "min_elevation_deg"):
            value = float(getattr(self, field))
            if not np.isfinite(value):
                raise InputError(f"{field} of station {self.name!r} must be finite, got {value}")
            object.__setattr__(self, field, value)
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise InputError(
                f"latitude of station {self.name!r} must be in [-90, 90] deg, got {self.latitude_deg}"
            )
        if not -90.0 <= self.min_elevation_deg < 90.0:
            raise InputError(
                f"min_elevation of station {self.name!r} must be in [-90, 90) deg, "
                f"got {self.min_elevation_deg}"
            )
        if not -20.0 <= self.height_m / 1000.0 <= 10.0:
            raise InputError(
                f"height of station {self.name!r} must be within -20..10 km, got {self.height_m} m"
            )

    @classmethod
    def from_geodetic(
        cls, name: str, latitude, longitude, height=0.0 * u.m, *, min_elevation=5.0 * u.deg, **info
    ) -> GroundStation:
        """A station from Quantities: geodetic latitude, longitude (east), height above the ellipsoid."""
        return cls(
            name=str(name),
            latitude_deg=float(as_value(latitude, u.deg, "latitude")),
            longitude_deg=float(as_value(longitude, u.deg, "longitude")),
            height_m=float(as_value(height, u.m, "height")),
            min_elevation_deg=float(as_value(min_elevation, u.deg, "min_elevation")),
            **info,
        )

    @property
    def latitude(self) -> u.Quantity:
        return self.latitude_deg * u.deg

    @property
    def longitude(self) -> u.Quantity:
        return self.longitude_deg * u.deg

    @property
    def height(self) -> u.Quantity:
        return self.height_m * u.m

    @property
    def min_elevation(self) -> u.Quantity:
        return self.min_elevation_deg * u.deg

    def position_geo_km(self) -> tuple[np.ndarray, np.ndarray]:
        """Earth-fixed (GEO) position (km) and the unit up vector (ellipsoid normal), each shape (3,)."""
        return geodetic_to_geo_values(self.latitude_deg, self.longitude_deg, self.height_m / 1000.0)


_ESTRACK = "ESA/ESAC SPICE kernel estrack_v01.tf (2011), lat/lon to 0.001 deg; height approximate (+-100 m)"
_CAS = (
    "site of the AIRCAS X-band receiving station for CAS space-science missions (gecam.ihep.ac.cn; "
    "english.aircas.cas.cn); coordinates approximate"
)
_CAS_NOTE = "antenna coordinates not published in sources found: position to ~0.3 deg, height to ~300 m"

#: The default ground stations, by name (see the module notes for the sources and uncertainties).
STATIONS: dict[str, GroundStation] = {
    s.name: s
    for s in (
        GroundStation("Miyun", 40.45, 116.85, 100.0, 5.0, "CAS", "X", _CAS, _CAS_NOTE),
        GroundStation("Kashi", 39.50, 76.00, 1300.0, 5.0, "CAS", "X", _CAS, _CAS_NOTE),
        GroundStation("Sanya", 18.30, 109.40, 30.0, 5.0, "CAS", "X", _CAS, _CAS_NOTE),
        GroundStation("Kiruna", 67.857, 20.964, 400.0, 5.0, "ESA", "S/X", _ESTRACK, "KIR-1, 15 m"),
        GroundStation("Redu", 50.001, 5.145, 380.0, 5.0, "ESA", "S", _ESTRACK, "RED, 15 m"),
        GroundStation("Kourou", 5.251, -52.805, 15.0, 5.0, "ESA", "S/X", _ESTRACK, "KRU, 15 m"),
        GroundStation("Cebreros", 40.453, -4.367, 795.0, 5.0, "ESA", "X/Ka", _ESTRACK, "DSA 2, 35 m"),
        GroundStation("New Norcia", -31.048, 116.192, 250.0, 5.0, "ESA", "S/X", _ESTRACK, "DSA 1 / NNO-2"),
        GroundStation("Malargue", -35.776, -69.398, 1550.0, 5.0, "ESA", "X/Ka", _ESTRACK, "DSA 3, 35 m"),
    )
}

#: Assumed on-board data generation rates while each instrument is on (bit/s). None is published in the
#: sources found; they are round engineering guesses (SXI photon-counting event lists from two CCDs plus
#: frame housekeeping; UVI compressed images at about 1-min cadence; LIA 3-D distributions and moments;
#: MAG vectors at tens of Hz; platform housekeeping ``HK``, always on). With the science orbit's mode hours
#: they give about 28 Gbit per orbit, the same order as the ~32 Gbit per orbit (171 kbit/s on average)
#: reported at launch (en.wedoany.com, 2026).
DEFAULT_INSTRUMENT_RATES: dict[str, u.Quantity] = {
    "SXI": 60.0 * u.kbit / u.s,
    "UVI": 80.0 * u.kbit / u.s,
    "LIA": 20.0 * u.kbit / u.s,
    "MAG": 4.0 * u.kbit / u.s,
    "HK": 8.0 * u.kbit / u.s,
}

#: Assumed X-band downlink rate near perigee (no published value found).
DEFAULT_DOWNLINK_RATE = 4.0 * u.Mbit / u.s

_ALWAYS_ON = "HK"


# ---------------------------------------------------------------------------------------------------
# Kernels: plain float64
# ---------------------------------------------------------------------------------------------------
def _elevation_values(r_geo_km: np.ndarray, site_km: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Elevation (deg) of Earth-fixed positions (N, 3) seen from a site; Vallado (2013) alg. 27."""
    rho = r_geo_km - site_km
    sine = (rho @ up) / np.linalg.norm(rho, axis=-1)
    return np.degrees(np.arcsin(np.clip(sine, -1.0, 1.0)))


def _seconds(times: np.ndarray, origin: np.datetime64) -> np.ndarray:
    return (times - origin).astype(np.int64) / _NS_PER_S


def _as_times(origin: np.datetime64, seconds) -> np.ndarray:
    return origin + np.round(np.asarray(seconds, dtype=np.float64) * _NS_PER_S).astype("timedelta64[ns]")


def _pass_table_values(
    t_s: np.ndarray, el: np.ndarray, mask: float
) -> list[tuple[float, float, float, bool]]:
    """(rise s, set s, max elevation deg, truncated) for each stretch with el > mask."""
    pairs = runs(el > mask)
    rise, set_, cut_start, cut_stop = crossing_edges(t_s, el - mask, pairs)
    out = []
    for (i0, stop), a, b, truncated in zip(pairs, rise, set_, cut_start | cut_stop, strict=True):
        k = i0 + int(np.argmax(el[i0:stop]))
        peak = el[k]
        if 0 < k < len(el) - 1 and np.isclose(t_s[k] - t_s[k - 1], t_s[k + 1] - t_s[k]):
            y0, y1, y2 = el[k - 1], el[k], el[k + 1]
            curvature = y0 - 2.0 * y1 + y2
            if curvature < 0.0:  # the vertex of the parabola through the three samples
                peak = y1 - (y0 - y2) ** 2 / (8.0 * curvature)
        out.append((float(a), float(b), float(min(peak, 90.0)), bool(truncated)))
    return out


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------
def _resolve_stations(stations) -> list[GroundStation]:
    if stations is None:
        return list(STATIONS.values())
    if isinstance(stations, (str, GroundStation)):
        stations = [stations]
    known = {name.lower(): station for name, station in STATIONS.items()}
    out = []
    for item in stations:
        if isinstance(item, GroundStation):
            out.append(item)
        elif isinstance(item, str) and item.lower() in known:
            out.append(known[item.lower()])
        else:
            raise InputError(
                f"unknown ground station {item!r}; known stations are {', '.join(STATIONS)} "
                "(or pass a smilekit.mission.ground.GroundStation)"
            )
    return out


def _track_geo_km(track: Track) -> np.ndarray:
    return transform(track.position_gei_km, track.time, "GEI", "GEO")


def elevation(track: Track, station) -> u.Quantity:
    """Elevation of the spacecraft above a station's horizon (geodetic vertical, no refraction).

    Parameters
    ----------
    track : Track
        The spacecraft track.
    station : str or GroundStation
        A name from :data:`STATIONS` (any case) or a station.

    Returns
    -------
    astropy.units.Quantity
        Elevation in deg, shape (N,), negative below the horizon.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import kepler_track, science_orbit
    >>> track = kepler_track(science_orbit("2026-03-01"), ["2026-03-01T00:00", "2026-03-01T06:00"])
    >>> elevation(track, "Kiruna").round(1)
    <Quantity [61. , 48.3] deg>
    """
    track = as_track(track)
    (site,) = _resolve_stations([station])
    position, up = site.position_geo_km()
    return _elevation_values(_track_geo_km(track), position, up) * u.deg


def passes(track: Track, stations=None, *, min_elevation=None):
    """Contacts between the spacecraft and ground stations: when each station sees it above its mask.

    Parameters
    ----------
    track : Track
        The spacecraft track; rise and set are resolved by linear interpolation between its samples.
    stations : sequence of str or GroundStation, optional
        Station names from :data:`STATIONS` (any case) or stations; default all of :data:`STATIONS`.
    min_elevation : astropy.units.Quantity, optional
        One elevation mask for every station, replacing each station's own.

    Returns
    -------
    pandas.DataFrame
        One row per pass, sorted by start: ``station``, ``start``, ``end`` (UTC datetime64),
        ``duration_min``, ``max_elevation_deg``, ``truncated`` (True where the pass is cut by the
        start or end of the track).

    Raises
    ------
    InputError
        For an unknown station name (the message lists the known ones) or a bad mask.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-03", 60 * u.s))
    >>> table = passes(track, ["Malargue"])
    >>> list(table.columns)
    ['station', 'start', 'end', 'duration_min', 'max_elevation_deg', 'truncated']
    """

    track = as_track(track)
    selected = _resolve_stations(stations)
    mask_override = None
    if min_elevation is not None:
        mask_override = float(as_value(min_elevation, u.deg, "min_elevation"))
        if not -90.0 <= mask_override < 90.0:
            raise InputError(f"min_elevation must be in [-90, 90) deg, got {mask_override:g} deg")
    columns = ["station", "start", "end", "duration_min", "max_elevation_deg", "truncated"]
    if len(track) == 0:
        return pd.DataFrame(columns=columns)
    r_geo = _track_geo_km(track)
    origin = track.time[0]
    t_s = _seconds(track.time, origin)
    rows = []
    for station in selected:
        position, up = station.position_geo_km()
        el = _elevation_values(r_geo, position, up)
        mask = station.min_elevation_deg if mask_override is None else mask_override
        for rise, set_, peak, truncated in _pass_table_values(t_s, el, mask):
            rows.append((station.name, rise, set_, peak, truncated))
    if not rows:
        return pd.DataFrame(columns=columns)
    names, rise, set_, peak, truncated = (np.array(c) for c in zip(*rows, strict=True))
    table = pd.DataFrame(
        {
            "station": names.astype(str),
            "start": _as_times(origin, rise),
            "end": _as_times(origin, set_),
            "duration_min": (set_ - rise) / 60.0,
            "max_elevation_deg": peak,
            "truncated": truncated.astype(bool),
        }
    )
    return table.sort_values(["start", "station"], kind="stable").reset_index(drop=True)


def _merge(intervals: np.ndarray) -> np.ndarray:
    """Union of [start, end] intervals (K, 2) as sorted, disjoint intervals."""
    if intervals.size == 0:
        return intervals.reshape(0, 2)
    order = np.argsort(intervals[:, 0], kind="stable")
    merged = [list(intervals[order[0]])]
    for a, b in intervals[order[1:]]:
        if a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.array(merged, dtype=np.float64)


def _overlap(intervals: np.ndarray, a: float, b: float) -> float:
    """Total length of disjoint ``intervals`` inside [a, b]."""
    if intervals.size == 0:
        return 0.0
    return float(np.clip(np.minimum(intervals[:, 1], b) - np.maximum(intervals[:, 0], a), 0.0, None).sum())


def _intersect(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Intersection of two sets of disjoint, sorted intervals."""
    out = []
    i = j = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i, 0], y[j, 0]), min(x[i, 1], y[j, 1])
        if a < b:
            out.append((a, b))
        if x[i, 1] < y[j, 1]:
            i += 1
        else:
            j += 1
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def _held_intervals(flag: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Intervals [t_first, t_after] where ``flag`` holds, each sample holding until the next."""
    pairs = runs(flag)
    return np.column_stack([t_s[pairs[:, 0]], t_s[np.minimum(pairs[:, 1], len(flag) - 1)]]).astype(np.float64)


def _check_passes(passes) -> None:
    if not hasattr(passes, "columns") or not {"start", "end"} <= set(passes.columns):
        raise InputError("passes must be a pandas.DataFrame with 'start' and 'end' columns, as from passes()")


def _link_inputs(track, passes, max_link_altitude) -> tuple[Track, float]:
    """The checked track, passes and link range (km) of the contact functions."""
    track = as_track(track)
    _check_passes(passes)
    return track, float(as_value(max_link_altitude, u.km, "max_link_altitude", positive=True))


def _usable_contacts(track: Track, passes, link_limit_km: float) -> np.ndarray:
    """Union of the passes within link range, as disjoint intervals (K, 2) in s from the track start."""
    origin = track.time[0]
    contact = np.column_stack(
        [
            _seconds(np.asarray(passes["start"], dtype="datetime64[ns]"), origin),
            _seconds(np.asarray(passes["end"], dtype="datetime64[ns]"), origin),
        ]
    ).reshape(-1, 2)
    in_range = _held_intervals(track.radius_km - R_EARTH_EQ_KM <= link_limit_km, _seconds(track.time, origin))
    return _intersect(_merge(contact), in_range)


def contact_mask(track: Track, passes, *, max_link_altitude=30000.0 * u.km) -> np.ndarray:
    """Whether the spacecraft is downlinking at each sample: inside a pass and below ``max_link_altitude``.

    Parameters
    ----------
    track : Track
        The spacecraft track.
    passes : pandas.DataFrame
        Pass table from :func:`passes` (``start`` and ``end`` are used).
    max_link_altitude : astropy.units.Quantity
        Link range limit (see the module notes).

    Returns
    -------
    numpy.ndarray
        Bool, shape (N,): True where the sample time lies inside a usable contact.
    """
    track, link_limit = _link_inputs(track, passes, max_link_altitude)
    if len(track) == 0:
        return np.zeros(0, dtype=bool)
    usable = _usable_contacts(track, passes, link_limit)
    t_s = _seconds(track.time, track.time[0])
    if usable.size == 0:
        return np.zeros(len(track), dtype=bool)
    k = np.searchsorted(usable[:, 0], t_s, side="right") - 1
    inside = k >= 0
    inside[inside] = t_s[inside] < usable[k[inside], 1]
    return inside


def contact_intervals(track: Track, passes, *, max_link_altitude=30000.0 * u.km):
    """The usable downlink contacts: the union of the passes, cut to the link range, as intervals.

    The intervals :func:`contact_mask` and :func:`downlink_budget` use (one transmitter: overlapping passes
    of two stations count once), for the callers that need the contacts themselves, e.g. the mass memory
    of :mod:`smilekit.telemetry.onboard`.

    Parameters
    ----------
    track : Track
        The spacecraft track.
    passes : pandas.DataFrame
        Pass table from :func:`passes` (``start`` and ``end`` are used).
    max_link_altitude : astropy.units.Quantity
        Link range limit (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per contact, sorted and disjoint: ``start``, ``end`` (UTC datetime64[ns]) and
        ``duration_min``.
    """
    track, link_limit = _link_inputs(track, passes, max_link_altitude)
    if len(track) == 0:
        return pd.DataFrame({"start": [], "end": [], "duration_min": []}).astype(
            {"start": "datetime64[ns]", "end": "datetime64[ns]"}
        )
    usable = _usable_contacts(track, passes, link_limit)
    origin = track.time[0]
    return pd.DataFrame(
        {
            "start": _as_times(origin, usable[:, 0]),
            "end": _as_times(origin, usable[:, 1]),
            "duration_min": (usable[:, 1] - usable[:, 0]) / 60.0,
        }
    )


def _rates_bit_s(instrument_rates) -> dict[str, float]:
    rates = DEFAULT_INSTRUMENT_RATES if instrument_rates is None else instrument_rates
    if not isinstance(rates, dict):
        raise InputError(
            f"instrument_rates must be a dict name -> Quantity (bit/s), got {type(rates).__name__}"
        )
    known = {*MODES["FSM"], _ALWAYS_ON}
    out = {}
    for name, rate in rates.items():
        if name not in known:
            raise InputError(
                f"unknown instrument {name!r} in instrument_rates; known are {', '.join(sorted(known))}"
            )
        out[name] = float(as_value(rate, u.bit / u.s, f"instrument_rates[{name!r}]", nonnegative=True))
    return out


def _rate_values(timeline: ModeTimeline, rates: dict[str, float]) -> dict[str, np.ndarray]:
    """Each instrument's data rate (bit/s) at each sample: its rate while on, 0 while off; HK always."""
    out = {}
    for name, value in rates.items():
        if name == _ALWAYS_ON:
            on = np.ones(len(timeline), dtype=bool)
        else:
            on = np.isin(timeline.mode, [m for m, instruments in MODES.items() if name in instruments])
        out[name] = value * on
    return out


def generation_rates(timeline: ModeTimeline, instrument_rates=None) -> dict[str, u.Quantity]:
    """The data rate each instrument generates at each sample of a mode timeline.

    The rule of :func:`downlink_budget`: an instrument generates at its rate while its mode
    (:data:`smilekit.mission.modes.MODES`) has it on, ``HK`` always; each sample's rate holds until the
    next sample (:func:`smilekit.mission.modes.sample_durations_s`).

    Parameters
    ----------
    timeline : ModeTimeline
        Modes along a track (:func:`smilekit.mission.modes.mode_timeline`).
    instrument_rates : dict, optional
        Instrument name (SXI, UVI, LIA, MAG, HK) -> rate while on (Quantity, bit/s); default
        :data:`DEFAULT_INSTRUMENT_RATES` (assumptions). Instruments left out generate nothing.

    Returns
    -------
    dict
        Instrument name -> Quantity in bit/s, shape (N,) (one value per timeline sample).

    Raises
    ------
    InputError
        For a timeline that is not a :class:`~smilekit.mission.modes.ModeTimeline`, unknown instruments,
        or rates without data-rate units or negative.
    """
    if not isinstance(timeline, ModeTimeline):
        raise InputError(
            f"timeline must be a ModeTimeline (from mode_timeline), got {type(timeline).__name__}"
        )
    values = _rate_values(timeline, _rates_bit_s(instrument_rates))
    return {name: value * (u.bit / u.s) for name, value in values.items()}


def downlink_budget(
    track: Track,
    timeline: ModeTimeline,
    passes,
    *,
    downlink_rate=DEFAULT_DOWNLINK_RATE,
    instrument_rates=None,
    max_link_altitude=30000.0 * u.km,
):
    """Data generated per orbit against the volume the ground contacts can bring down.

    Parameters
    ----------
    track : Track
        The spacecraft track.
    timeline : ModeTimeline
        Modes at the track's samples (:func:`smilekit.mission.modes.mode_timeline`).
    passes : pandas.DataFrame
        Pass table from :func:`passes` (columns ``start`` and ``end`` are used); filter it to the stations
        that receive science data.
    downlink_rate : astropy.units.Quantity
        Downlink rate during contact (default :data:`DEFAULT_DOWNLINK_RATE`, an assumption).
    instrument_rates : dict, optional
        Instrument name (SXI, UVI, LIA, MAG, HK) -> data rate while on (Quantity, bit/s); default
        :data:`DEFAULT_INSTRUMENT_RATES` (assumptions). ``HK`` is always on; the others follow
        :data:`smilekit.mission.modes.MODES`. Instruments left out generate nothing.
    max_link_altitude : astropy.units.Quantity
        Contacts count only while the spacecraft is below this altitude (link range; module notes).

    Returns
    -------
    pandas.DataFrame
        One row per orbit number in the track: ``orbit``, ``start``, ``stop`` (the orbit's stretch of the
        track), ``complete`` (perigee to perigee inside the track), ``generated_Gbit``, ``contact_h``,
        ``downlink_Gbit`` (contact x rate), ``margin_Gbit`` (downlink - generated) and ``margin_ratio``
        (downlink / generated).

    Raises
    ------
    InputError
        For a timeline not built on this track's times, a pass table without ``start``/``end``, unknown
        instruments, or rates and altitudes without proper units.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.modes import mode_timeline
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-06", 120 * u.s))
    >>> timeline = mode_timeline(track)
    >>> budget = downlink_budget(track, timeline, passes(track, ["Miyun", "Kashi", "Sanya"]))
    >>> row = budget[budget.complete].iloc[0]
    >>> round(float(row.generated_Gbit), 1)
    28.2
    """
    track, link_limit = _link_inputs(track, passes, max_link_altitude)
    check_timeline(timeline, track)
    rate = float(as_value(downlink_rate, u.bit / u.s, "downlink_rate", nonnegative=True))
    rates = _rates_bit_s(instrument_rates)

    origin = track.time[0]
    t_s = _seconds(track.time, origin)
    dt = timeline.sample_durations_s()
    # Data generated: each instrument's rate while on, per sample; HK always.
    bits = np.zeros(len(track))
    for value in _rate_values(timeline, rates).values():
        bits += value * dt

    usable = _usable_contacts(track, passes, link_limit)

    orbit = timeline.orbit
    complete = set(timeline.complete_orbits().tolist())
    rows = []
    for k in np.unique(orbit):
        idx = np.flatnonzero(orbit == k)
        i0, i1 = idx[0], idx[-1]
        a = t_s[i0]
        b = t_s[i1 + 1] if i1 + 1 < len(track) else t_s[i1]  # the orbit ends at the next perigee sample
        generated = bits[idx].sum()
        contact_s = _overlap(usable, a, b)
        down = contact_s * rate
        rows.append(
            {
                "orbit": int(k),
                "start": track.time[i0],
                "stop": track.time[i1 + 1] if i1 + 1 < len(track) else track.time[i1],
                "complete": int(k) in complete,
                "generated_Gbit": generated / 1e9,
                "contact_h": contact_s / 3600.0,
                "downlink_Gbit": down / 1e9,
                "margin_Gbit": (down - generated) / 1e9,
                "margin_ratio": down / generated if generated > 0 else np.inf,
            }
        )
    return pd.DataFrame(rows)
