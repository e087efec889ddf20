"""Keplerian orbits, the SMILE science orbit, and the spacecraft track.

The two-body relations (Kepler's equation, elements <-> Cartesian state) follow Vallado (2013),
*Fundamentals of Astrodynamics and Applications*, 4th ed., algorithms 2 (KepEqtnE), 9 (RV2COE) and 10
(COE2RV), :cite:`vallado2013`, and Curtis (2014), *Orbital Mechanics for Engineering Students*, ch. 4,
:cite:`curtis2014`. Positions and velocities are
in GEI (the equator and equinox of date of :mod:`smilekit.frames`), treated as inertial over a mission:
precession (50"/yr) is below what the orbit studies here resolve.

Altitudes are measured from the equatorial radius :data:`smilekit.constants.R_EARTH_EQ_KM` (6378.137 km),
as ESA quotes SMILE's (perigee 5 000 km, apogee 20 RE geocentric: :cite:`branduardiraymont2022`,
sec. 4.3; apogee altitude 121 182 km in ESA's mission pages).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.constants import GM_EARTH_KM3_S2, R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.frames import transform
from smilekit.times import as_datetime64
from smilekit.units import RE, RE_KM

__all__ = [
    "MEMORY_PER_SAMPLE",
    "KeplerianElements",
    "Track",
    "as_track",
    "check_track_request",
    "elements_to_state_values",
    "kepler_track",
    "memory_limit",
    "sample_times",
    "science_orbit",
    "solve_kepler",
    "state_to_elements_values",
    "track_memory_estimate",
]

_TWO_PI = 2.0 * np.pi


def solve_kepler(mean_anomaly, eccentricity: float) -> np.ndarray:
    """Eccentric anomaly E (rad) from Kepler's equation M = E - e sin E, elliptic orbits, vectorised.

    Newton iteration from E0 = M + e sin M (E0 = pi for e > 0.8), to ``|dE|`` < 1e-15 rad
    (Vallado 2013, algorithm 2).

    Examples
    --------
    >>> E = solve_kepler(1.0, 0.84)
    >>> float(E - 0.84 * np.sin(E))
    1.0
    """
    e = float(eccentricity)
    if not 0.0 <= e < 1.0:
        raise InputError(f"eccentricity must be in [0, 1) for an elliptic orbit, got {e:g}")
    m = np.mod(np.asarray(mean_anomaly, dtype=np.float64), _TWO_PI)
    big = m > np.pi
    m_half = np.where(big, _TWO_PI - m, m)  # solve on [0, pi], mirror back: E(2 pi - M) = 2 pi - E(M)
    ecc_anomaly = np.full_like(m_half, np.pi) if e > 0.8 else m_half + e * np.sin(m_half)
    for _ in range(60):
        step = (ecc_anomaly - e * np.sin(ecc_anomaly) - m_half) / (1.0 - e * np.cos(ecc_anomaly))
        ecc_anomaly = ecc_anomaly - step
        if np.all(np.abs(step) < 1e-15):
            break
    return np.where(big, _TWO_PI - ecc_anomaly, ecc_anomaly)


def _perifocal_to_gei(inclination, raan, arg_perigee) -> np.ndarray:
    """Rotation matrix (..., 3, 3) taking perifocal (P, Q, W) components to GEI: R3(-Ω) R1(-i) R3(-ω)."""
    co, so = np.cos(raan), np.sin(raan)
    ci, si = np.cos(inclination), np.sin(inclination)
    cw, sw = np.cos(arg_perigee), np.sin(arg_perigee)
    return np.stack(
        [
            np.stack([co * cw - so * sw * ci, -co * sw - so * cw * ci, so * si], axis=-1),
            np.stack([so * cw + co * sw * ci, -so * sw + co * cw * ci, -co * si], axis=-1),
            np.stack([sw * si, cw * si, ci], axis=-1),
        ],
        axis=-2,
    )


def elements_to_state_values(a_km, e, inclination, raan, arg_perigee, true_anomaly, mu=GM_EARTH_KM3_S2):
    """Cartesian state (km, km/s) from classical elements (angles in rad), vectorised; Vallado alg. 10."""
    p = a_km * (1.0 - e**2)
    r = p / (1.0 + e * np.cos(true_anomaly))
    r_pqw = np.stack([r * np.cos(true_anomaly), r * np.sin(true_anomaly), np.zeros_like(r)], axis=-1)
    k = np.sqrt(mu / p)
    v_pqw = np.stack([-k * np.sin(true_anomaly), k * (e + np.cos(true_anomaly)), np.zeros_like(r)], axis=-1)
    rot = _perifocal_to_gei(inclination, raan, arg_perigee)
    return np.einsum("...ij,...j->...i", rot, r_pqw), np.einsum("...ij,...j->...i", rot, v_pqw)


def state_to_elements_values(position_km, velocity_km_s, mu=GM_EARTH_KM3_S2) -> dict[str, np.ndarray]:
    """Classical elements from a Cartesian state (km, km/s), vectorised over leading axes; Vallado alg. 9.

    Returns a dict with ``a_km``, ``e``, ``inclination``, ``raan``, ``arg_perigee``, ``true_anomaly``,
    ``mean_anomaly`` (rad, in [0, 2 pi)). Elliptic orbits only. For an equatorial or circular orbit the
    undefined angles are set by convention (node on the X axis, perigee at the node).
    """
    r = np.asarray(position_km, dtype=np.float64)
    v = np.asarray(velocity_km_s, dtype=np.float64)
    rn = np.linalg.norm(r, axis=-1)
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=-1)
    node = np.cross(np.array([0.0, 0.0, 1.0]), h)
    nn = np.linalg.norm(node, axis=-1)
    e_vec = np.cross(v, h) / mu - r / rn[..., None]
    e = np.linalg.norm(e_vec, axis=-1)
    energy = 0.5 * np.sum(v * v, axis=-1) - mu / rn
    a = -mu / (2.0 * energy)
    inclination = np.arccos(np.clip(h[..., 2] / hn, -1.0, 1.0))
    equatorial = nn < 1e-12 * hn
    node_dir = np.where(
        equatorial[..., None], np.array([1.0, 0.0, 0.0]), node / np.where(equatorial, 1, nn)[..., None]
    )
    raan = np.mod(np.arctan2(node_dir[..., 1], node_dir[..., 0]), _TWO_PI)
    circular = e < 1e-12
    peri_dir = np.where(circular[..., None], node_dir, e_vec / np.where(circular, 1, e)[..., None])
    w_dir = h / hn[..., None]
    # Angles measured in the orbit plane, with sign from the angular momentum (robust for all cases).
    arg_perigee = np.mod(
        np.arctan2(
            np.sum(np.cross(node_dir, peri_dir) * w_dir, axis=-1), np.sum(node_dir * peri_dir, axis=-1)
        ),
        _TWO_PI,
    )
    true_anomaly = np.mod(
        np.arctan2(np.sum(np.cross(peri_dir, r) * w_dir, axis=-1), np.sum(peri_dir * r, axis=-1)), _TWO_PI
    )
    ecc_anomaly = 2.0 * np.arctan2(
        np.sqrt(1.0 - e) * np.sin(true_anomaly / 2), np.sqrt(1.0 + e) * np.cos(true_anomaly / 2)
    )
    mean_anomaly = np.mod(ecc_anomaly - e * np.sin(ecc_anomaly), _TWO_PI)
    return {
        "a_km": a,
        "e": e,
        "inclination": inclination,
        "raan": raan,
        "arg_perigee": arg_perigee,
        "true_anomaly": true_anomaly,
        "mean_anomaly": mean_anomaly,
    }


def _seconds_since(times: np.ndarray, epoch: np.datetime64) -> np.ndarray:
    return (times - epoch) / np.timedelta64(1, "s")


@dataclass(frozen=True)
class KeplerianElements:
    """Osculating classical elements of an elliptic geocentric orbit at an epoch.

    Plain floats in fixed units (km, degrees) so that kernels can use them directly; the properties give
    Quantities. Build one with :meth:`from_altitudes`, :meth:`from_state` or :func:`science_orbit`.

    Attributes
    ----------
    a_km : float
        Semi-major axis, km.
    e : float
        Eccentricity, 0 <= e < 1.
    inclination_deg, raan_deg, arg_perigee_deg, mean_anomaly_deg : float
        Inclination, right ascension of the ascending node (from the GEI X axis), argument of perigee and
        mean anomaly at ``epoch``, degrees.
    epoch : numpy.datetime64
        UTC epoch of the elements.

    Raises
    ------
    InputError
        If e is not in [0, 1), the inclination is outside [0, 180] deg, or the perigee lies below the
        Earth's surface.
    """

    a_km: float
    e: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    epoch: np.datetime64

    def __post_init__(self):
        for name in ("a_km", "e", "inclination_deg", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg"):
            value = float(getattr(self, name))
            if not np.isfinite(value):
                raise InputError(f"{name} must be finite, got {value}")
            object.__setattr__(self, name, value)
        if not 0.0 <= self.e < 1.0:
            raise InputError(f"eccentricity e must be in [0, 1) (an elliptic orbit), got {self.e:g}")
        if not 0.0 <= self.inclination_deg <= 180.0:
            raise InputError(f"inclination must be in [0, 180] deg, got {self.inclination_deg:g} deg")
        if self.a_km * (1.0 - self.e) <= R_EARTH_EQ_KM:
            raise InputError(
                f"perigee radius {self.a_km * (1.0 - self.e):.1f} km is inside the Earth (equatorial radius "
                f"{R_EARTH_EQ_KM} km); perigee altitude must be > 0 km"
            )
        object.__setattr__(self, "epoch", as_datetime64(self.epoch).reshape(()).astype("datetime64[ns]")[()])

    @classmethod
    def from_altitudes(
        cls,
        perigee_altitude,
        apogee_altitude,
        inclination,
        epoch,
        *,
        raan=0.0 * u.deg,
        arg_perigee=270.0 * u.deg,
        mean_anomaly=0.0 * u.deg,
    ) -> KeplerianElements:
        """Elements from perigee and apogee altitudes above the equatorial radius (Quantities)."""
        hp = float(as_value(perigee_altitude, u.km, "perigee_altitude"))
        ha = float(as_value(apogee_altitude, u.km, "apogee_altitude"))
        if hp <= 0.0:
            raise InputError(f"perigee_altitude must be > 0 km (above the surface), got {hp:g} km")
        if ha < hp:
            raise InputError(f"apogee_altitude ({ha:g} km) must not be below perigee_altitude ({hp:g} km)")
        rp, ra = R_EARTH_EQ_KM + hp, R_EARTH_EQ_KM + ha
        return cls(
            a_km=0.5 * (rp + ra),
            e=(ra - rp) / (ra + rp),
            inclination_deg=float(as_value(inclination, u.deg, "inclination")),
            raan_deg=float(as_value(raan, u.deg, "raan")),
            arg_perigee_deg=float(as_value(arg_perigee, u.deg, "arg_perigee")),
            mean_anomaly_deg=float(as_value(mean_anomaly, u.deg, "mean_anomaly")),
            epoch=epoch,
        )

    @classmethod
    def from_state(cls, position, velocity, epoch) -> KeplerianElements:
        """Osculating elements from a GEI position and velocity (Quantities, shape (3,))."""
        r = as_value(position, u.km, "position")
        v = as_value(velocity, u.km / u.s, "velocity")
        if r.shape != (3,) or v.shape != (3,):
            raise InputError(f"position and velocity must have shape (3,), got {r.shape} and {v.shape}")
        energy = 0.5 * v @ v - GM_EARTH_KM3_S2 / np.linalg.norm(r)
        if energy >= 0.0:
            raise InputError(f"the state is not bound (specific energy {energy:g} km²/s² >= 0): e >= 1")
        el = state_to_elements_values(r, v)
        return cls(
            a_km=float(el["a_km"]),
            e=float(el["e"]),
            inclination_deg=float(np.degrees(el["inclination"])),
            raan_deg=float(np.degrees(el["raan"])),
            arg_perigee_deg=float(np.degrees(el["arg_perigee"])),
            mean_anomaly_deg=float(np.degrees(el["mean_anomaly"])),
            epoch=epoch,
        )

    @property
    def mean_motion_rad_s(self) -> float:
        """Mean motion n = sqrt(mu / a^3), rad/s."""
        return float(np.sqrt(GM_EARTH_KM3_S2 / self.a_km**3))

    @property
    def period(self) -> u.Quantity:
        """Keplerian period 2 pi / n."""
        return (_TWO_PI / self.mean_motion_rad_s * u.s).to(u.h)

    @property
    def perigee_radius(self) -> u.Quantity:
        return (self.a_km * (1.0 - self.e) * u.km).to(RE)

    @property
    def apogee_radius(self) -> u.Quantity:
        return (self.a_km * (1.0 + self.e) * u.km).to(RE)

    @property
    def perigee_altitude(self) -> u.Quantity:
        """Perigee altitude above the equatorial radius."""
        return (self.a_km * (1.0 - self.e) - R_EARTH_EQ_KM) * u.km

    @property
    def apogee_altitude(self) -> u.Quantity:
        """Apogee altitude above the equatorial radius."""
        return (self.a_km * (1.0 + self.e) - R_EARTH_EQ_KM) * u.km

    def state_values(self, times) -> tuple[np.ndarray, np.ndarray]:
        """Two-body GEI position (km) and velocity (km/s) at ``times``, shape (N, 3) each."""
        t = np.atleast_1d(as_datetime64(times))
        mean_anomaly = np.radians(self.mean_anomaly_deg) + self.mean_motion_rad_s * _seconds_since(
            t, self.epoch
        )
        ecc_anomaly = solve_kepler(mean_anomaly, self.e)
        nu = 2.0 * np.arctan2(
            np.sqrt(1.0 + self.e) * np.sin(ecc_anomaly / 2), np.sqrt(1.0 - self.e) * np.cos(ecc_anomaly / 2)
        )
        return elements_to_state_values(
            self.a_km,
            self.e,
            np.radians(self.inclination_deg),
            np.radians(self.raan_deg),
            np.radians(self.arg_perigee_deg),
            nu,
        )


def science_orbit(
    epoch,
    *,
    perigee_altitude=5000.0 * u.km,
    apogee_altitude=121182.0 * u.km,
    inclination=73.0 * u.deg,
    raan=0.0 * u.deg,
    arg_perigee=270.0 * u.deg,
    mean_anomaly=180.0 * u.deg,
) -> KeplerianElements:
    """SMILE's science orbit: perigee 5 000 km, apogee 121 182 km altitude (20 RE geocentric), 73 deg.

    The argument of perigee 270 deg puts the apogee at the orbit's most northern point (argument of
    latitude 90 deg), "apogee over the north"; the default mean anomaly starts the orbit at apogee. The
    node (``raan``) is a free choice set by the launch date and time; 0 deg is a placeholder to be replaced
    by the actual one. Numbers from the ESA/CAS mission description (:cite:`branduardiraymont2022`, sec. 4.3:
    perigee 5 000 km, apogee 20 RE, period 51 h, 73 deg in the Vega-C case; the apogee altitude 121 182 km
    as ESA's mission pages quote it).

    Examples
    --------
    >>> orbit = science_orbit("2026-03-01")
    >>> round(float(orbit.period.to_value("h")), 2), round(float(orbit.apogee_radius.to_value("RE")), 2)
    (50.62, 20.02)
    """
    return KeplerianElements.from_altitudes(
        perigee_altitude,
        apogee_altitude,
        inclination,
        epoch,
        raan=raan,
        arg_perigee=arg_perigee,
        mean_anomaly=mean_anomaly,
    )


#: Peak memory of the runs over a track, as ``(fixed bytes, bytes per track sample)``, measured with
#: ``/usr/bin/time -v`` on ``smilekit plan`` (60-120 days, 613-651 MiB; 13.3 kB a sample before the
#: constraints were chunked) and ``smilekit orbit`` (60-240 days) at 1 min (issue
#: 14, ``benchmarks/bench_memory.py``; the growth is linear): the whole track, attitude, constraint
#: masks, per-sample tables and figures are held at once, so a run needs this much before it can finish.
MEMORY_PER_SAMPLE: dict[str, tuple[int, int]] = {
    "plan": (650 * 2**20, 1_500),
    "orbit": (350 * 2**20, 1_000),
}

#: The environment variable that sets :func:`memory_limit` (GiB).
MEMORY_LIMIT_ENV = "SMILEKIT_MEMORY_LIMIT_GIB"


def memory_limit() -> int:
    """The memory a single run may plan to use (bytes): ``$SMILEKIT_MEMORY_LIMIT_GIB`` if set, otherwise
    half of this machine's physical memory (12 GiB on the 24 GB standard machine)."""
    text = os.environ.get(MEMORY_LIMIT_ENV)
    if text:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value <= 0:
            raise InputError(f"{MEMORY_LIMIT_ENV}={text!r}: expected a positive number of GiB, e.g. 8")
        return int(value * 2**30)
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return 8 * 2**30


def track_memory_estimate(samples: float, kind: str = "plan") -> int:
    """Peak memory (bytes) of a ``kind`` run (a key of :data:`MEMORY_PER_SAMPLE`) over ``samples``."""
    fixed, per = MEMORY_PER_SAMPLE[kind]
    return int(fixed + per * float(samples))


def check_track_request(start, stop, step, kind: str = "plan", *, limit: int | None = None) -> int:
    """Refuse, before anything is allocated, a run over ``start`` .. ``stop`` that cannot fit in memory.

    Parameters
    ----------
    start, stop : time-like
        The span of the track.
    step : Quantity
        The track step.
    kind : str
        Which run (:data:`MEMORY_PER_SAMPLE`): its fixed and per-sample cost.
    limit : int, optional
        Bytes; default :func:`memory_limit`.

    Returns
    -------
    int
        The number of track samples.

    Raises
    ------
    InputError
        If the estimate exceeds the limit; the message names the span, the samples, the estimate, the
        limit and the longest span that fits at this step.

    Examples
    --------
    >>> import astropy.units as u
    >>> check_track_request("2026-03-01", "2026-03-08", 60 * u.s, "plan", limit=2**31)
    10081
    """
    t0 = as_datetime64(start).reshape(())
    t1 = as_datetime64(stop).reshape(())
    dt = float(as_value(step, u.s, "step", positive=True))
    span_s = float(_seconds_since(t1, t0))
    samples = int(np.floor(max(span_s, 0.0) / dt + 1e-9)) + 1
    limit = memory_limit() if limit is None else int(limit)
    need = track_memory_estimate(samples, kind)
    if need > limit:
        fixed, per = MEMORY_PER_SAMPLE[kind]
        fits_days = max(limit - fixed, 0) / per * dt / 86400.0
        raise InputError(
            f"{kind} over {span_s / 86400:g} days ({t0} to {t1}) at a {dt:g}-s step is {samples:,} track "
            f"samples and would need about {need / 2**30:.1f} GiB of memory; the limit is "
            f"{limit / 2**30:.1f} GiB (half the machine's memory, or ${MEMORY_LIMIT_ENV}). At this step "
            f"at most about {fits_days:.0f} days fit: ask for a shorter span or a longer step"
        )
    return samples


def sample_times(start, stop, step=60.0 * u.s, *, include_stop: bool = False) -> np.ndarray:
    """Regular UTC times from ``start`` up to and including ``stop`` (when it falls on the grid).

    With ``include_stop`` the times cover exactly ``start`` .. ``stop``: ``stop`` is the last time even
    off the grid (the last step is then shorter than ``step``), and a grid time within a microsecond of
    ``stop`` (rounding) becomes ``stop``, so no time lies beyond it. A track over a series whose span is
    not a whole number of steps (e.g. records at fractional seconds) then ends on its last record.

    Examples
    --------
    >>> import astropy.units as u
    >>> start, stop = "2026-03-01", "2026-03-01T00:02:30"
    >>> [str(t)[11:19] for t in sample_times(start, stop, 60 * u.s)]
    ['00:00:00', '00:01:00', '00:02:00']
    >>> [str(t)[11:19] for t in sample_times(start, stop, 60 * u.s, include_stop=True)]
    ['00:00:00', '00:01:00', '00:02:00', '00:02:30']
    """
    t0 = as_datetime64(start).reshape(())
    t1 = as_datetime64(stop).reshape(())
    dt = float(as_value(step, u.s, "step", positive=True))
    if t1 < t0:
        raise InputError(f"stop ({t1}) is before start ({t0})")
    n = int(np.floor(_seconds_since(t1, t0) / dt + 1e-9)) + 1
    times = t0 + (np.arange(n) * dt * 1e9).astype("timedelta64[ns]")
    if include_stop:
        if abs(t1 - times[-1]) <= np.timedelta64(1, "us"):
            times[-1] = t1
        else:
            times = np.append(times, t1)
    return times


@dataclass(frozen=True)
class Track:
    """A spacecraft trajectory: UTC times with GEI position (km) and velocity (km/s).

    Attributes
    ----------
    time : numpy.ndarray
        ``datetime64[ns]``, shape (N,), increasing.
    position_gei_km, velocity_gei_km_s : numpy.ndarray
        Shape (N, 3).
    """

    time: np.ndarray
    position_gei_km: np.ndarray
    velocity_gei_km_s: np.ndarray

    def __post_init__(self):
        t = np.atleast_1d(as_datetime64(self.time))
        r = np.asarray(self.position_gei_km, dtype=np.float64).reshape(-1, 3)
        v = np.asarray(self.velocity_gei_km_s, dtype=np.float64).reshape(-1, 3)
        if not (t.shape[0] == r.shape[0] == v.shape[0]):
            raise InputError(
                f"time, position and velocity lengths differ: {t.shape[0]}, {r.shape[0]}, {v.shape[0]}"
            )
        if t.size > 1 and np.any(np.diff(t) <= np.timedelta64(0, "ns")):
            raise InputError("track times must be strictly increasing")
        object.__setattr__(self, "time", t)
        object.__setattr__(self, "position_gei_km", r)
        object.__setattr__(self, "velocity_gei_km_s", v)

    def __len__(self) -> int:
        return self.time.shape[0]

    def __getitem__(self, index) -> Track:
        """The samples at ``index`` (a boolean mask, increasing indices or a slice), as a Track."""
        return Track(self.time[index], self.position_gei_km[index], self.velocity_gei_km_s[index])

    @property
    def radius_km(self) -> np.ndarray:
        """Geocentric distance, km (plain array, for kernels)."""
        return np.linalg.norm(self.position_gei_km, axis=-1)

    @property
    def altitude(self) -> u.Quantity:
        """Altitude above the equatorial radius (6378.137 km)."""
        return (self.radius_km - R_EARTH_EQ_KM) * u.km

    @property
    def radius(self) -> u.Quantity:
        """Geocentric distance in RE (6371 km)."""
        return (self.radius_km / RE_KM) * RE

    def position(self, frame: str = "GSE") -> u.Quantity:
        """Positions in ``frame`` (any of :data:`smilekit.frames.FRAMES`), in RE, shape (N, 3)."""

        return transform(self.position_gei_km / RE_KM, self.time, "GEI", frame) * RE

    def orbit_number(self) -> np.ndarray:
        """Orbit counter per sample: 0 before the first perigee in the track, +1 at each perigee passage.

        A perigee is a sample where the radius is a local minimum (radial velocity r.v changes sign from
        negative to non-negative).
        """
        radial = np.sum(self.position_gei_km * self.velocity_gei_km_s, axis=-1)
        passage = np.zeros(len(self), dtype=np.int64)
        passage[1:] = (radial[:-1] < 0.0) & (radial[1:] >= 0.0)
        return np.cumsum(passage)

    def at(self, times) -> Track:
        """The track at other times inside its span, by cubic Hermite interpolation of each interval's end
        positions and velocities (the positions' error is of order h^4 times the fourth derivative: below a
        metre for 60-s samples of the science orbit, ``tests/mission/test_orbit.py``).

        Raises
        ------
        InputError
            Times outside the track's first and last sample, or a track of fewer than two samples.
        """
        t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
        if len(self) < 2:
            raise InputError(f"a track of {len(self)} sample(s) cannot be interpolated: two at least")
        outside = (t < self.time[0]) | (t > self.time[-1])
        if outside.any():
            raise InputError(
                f"{int(outside.sum())} time(s) outside the track's span {self.time[0]} to {self.time[-1]}, "
                f"e.g. {t[outside][0]}"
            )
        x = (self.time - self.time[0]) / np.timedelta64(1, "s")
        xt = (t - self.time[0]) / np.timedelta64(1, "s")
        k = np.clip(np.searchsorted(x, xt, side="right") - 1, 0, len(self) - 2)
        h = (x[k + 1] - x[k])[:, None]
        s = ((xt - x[k])[:, None]) / h
        p0, p1 = self.position_gei_km[k], self.position_gei_km[k + 1]
        v0, v1 = self.velocity_gei_km_s[k] * h, self.velocity_gei_km_s[k + 1] * h
        s2, s3 = s * s, s * s * s
        position = (
            (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * v0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * v1
        )
        velocity = ((6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * v0 + (-6 * s2 + 6 * s) * p1
                    + (3 * s2 - 2 * s) * v1) / h  # fmt: skip
        return Track(t, position, velocity)

    def select(self, start=None, stop=None) -> Track:
        """The part of the track with start <= time <= stop."""
        keep = np.ones(len(self), dtype=bool)
        if start is not None:
            keep &= self.time >= as_datetime64(start)
        if stop is not None:
            keep &= self.time <= as_datetime64(stop)
        return Track(self.time[keep], self.position_gei_km[keep], self.velocity_gei_km_s[keep])


def as_track(track) -> Track:
    """``track`` itself if it is a :class:`Track`, else InputError naming what was given."""
    if not isinstance(track, Track):
        raise InputError(f"track must be a smilekit.mission.Track, got {type(track).__name__}")
    return track


def kepler_track(elements: KeplerianElements, times) -> Track:
    """The two-body (Keplerian) track of ``elements`` at ``times``.

    Examples
    --------
    >>> orbit = science_orbit("2026-03-01")
    >>> track = kepler_track(orbit, sample_times("2026-03-01", "2026-03-03T02:37", 60 * u.s))
    >>> round(float(track.altitude.max().to_value("km")))
    121182
    """
    t = np.atleast_1d(as_datetime64(times))
    r, v = elements.state_values(t)
    return Track(t, r, v)
