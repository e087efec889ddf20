"""The transfer from the launch orbit to the science orbit: apsidal main-engine burns and their budget.

Strategy
--------
SMILE is injected by Vega-C into a 700 km circular orbit at 73 deg and reaches its science orbit (perigee
5 000 km, apogee 121 182 km altitude) with its own main engine in 18 burns (the handbook chapter,
:cite:`branduardiraymont2022`, sec. 4.3 and Fig. 16). The plan here is the classical coplanar
two-phase sequence of tangential burns at the apsides (Curtis 2014, *Orbital Mechanics for Engineering
Students*, 3rd ed., ch. 6: impulsive manoeuvres and the Hohmann transfer, :cite:`curtis2014`; Vallado 2013,
*Fundamentals of Astrodynamics and Applications*, 4th ed., ch. 6, coplanar manoeuvres, :cite:`vallado2013`):

1. apogee raising: burns centred on perigee raise the apogee from the launch orbit to the target apogee,
   the perigee staying at 700 km;
2. perigee raising: burns centred on apogee raise the perigee from 700 km to 5 000 km, the apogee staying
   put.

Apogee first, then perigee, is also the order of the SMILE transfer designed by Liu et al. (2024,
J. Spacecr. Rockets, doi:10.2514/1.A35790, :cite:`liu2024`), who leave the argument of perigee and the node
uncontrolled
and estimate 1 440 kg of propellant (with 11 manoeuvres; Fig. 16 of :cite:`branduardiraymont2022` shows 18,
the default here).

The science orbit keeps the launch inclination (73 deg, the Vega-C case), so no burn turns the plane: the
burns are in-plane and tangential, and an inclination mismatch between ``initial`` and ``target`` is an
error. The line of apsides is the target's: the launch orbit is circular, so its first "perigee" is simply
where the first burn is centred. The J2 rotation of the line of apsides during the transfer (the secular
rate 3/4 n J2 (R/p)^2 (5 cos^2 i - 1) is about -2 deg/day at 700 km and 73 deg) is not modelled here; the
numerical propagator covers it.

For impulsive burns at an apsis, each burn changes only the speed there, and vis-viva gives the new
opposite apsis, so the sum of the impulsive delta-v of a phase is exactly the speed difference at that
apsis between the first and last orbits, however the phase is split (vis-viva, v^2 = mu (2/r - 1/a);
Curtis 2014, ch. 2 and 6). The default split gives every apogee-raising burn the same delta-v
(``schedule="equal_dv"``): each firing is then of the same size, so every burn calibrates the next, and
the gravity loss is the lower of the two schedules offered. ``schedule="equal_duration"`` instead gives
each apogee-raising burn the same propellant (the same firing time at constant thrust): the longest burn
is shorter (547 s instead of 807 s with the defaults), but delta-v moves to the later, more eccentric
orbits, where a given arc costs more, and the total loss rises (11.2 m/s instead of 9.3 m/s). The
perigee-raising delta-v is small (about 140 m/s) and is split equally among its burns.

Finite burns
------------
Each burn is integrated numerically in the orbit plane with constant thrust along the velocity and a mass
falling linearly at the engine's flow rate (thrust / (Isp g0)), centred in time on the apsis and stopped
when the specific orbital energy reaches that of the impulsive target orbit. The gravity (finite-burn) loss
is the difference between the ideal delta-v of that finite burn, Isp g0 ln(m0 / m1), and the impulsive
delta-v: the comparison of a finite burn with its impulsive approximation studied by Robbins (1966,
AIAA J. 4, 1417, "An analytical study of the impulsive approximation", :cite:`robbins1966`). A check of the
numbers, derived
here: the energy gained is the integral of (thrust / m) v dt, and near perigee
v / v_p = 1 - e theta^2 / (2 (1 + e)^2) + O(theta^4) (vis-viva with the orbit equation
r = p / (1 + e cos theta)), so a short, small burn sweeping an arc Delta-theta centred on perigee loses
dv e Delta-theta^2 / (24 (1 + e)^2), second order in the arc; the test suite compares the integration
with it (agreement 0.2 % for a 10 deg arc) and with an independent scipy integration. Burns from a circular
orbit lose little (there is no perigee to miss yet), and burns centred on apogee, where the speed is lowest,
gain marginally (a loss of about -1e-5 m/s). The next burn starts from the impulsive orbit (the finite burn
lands on the same energy; its apsides differ by up to 10 km, reported in the burn table).

Engine and mass
---------------
SMILE's engine numbers are not given in :cite:`branduardiraymont2022` or :cite:`branduardiraymont2018`. The
defaults are a 500 N-class MON/MMH bipropellant apogee engine: thrust 490 N (the Chinese 490 N apogee engine
class, e.g. the FY-25 of the Shanghai Institute of Satellite Equipment) and Isp 318 s (the Airbus S400 family,
420-425 N at 318-321 s; Nammo LEROS 1b, 635 N at 317 s; *check* against the flight engine before quoting).
Launch mass 2 300 kg; the propellant to reach and keep the science orbit is "two thirds of the launch mass"
(:cite:`branduardiraymont2022`, sec. 4.1).

Timeline
--------
Consecutive burns are a whole number of revolutions of the orbit between them apart (burns are centred on
the same apsis), and at least ``min_burn_separation`` apart: the time to determine the orbit from tracking,
calibrate the last burn and upload the next. Between the two phases the first apogee burn comes half a
revolution plus whole revolutions after the last perigee burn. The first burn is ``first_burn_delay``
after injection. Both defaults, 1 day, are assumptions of this module (one orbit-determination and
commanding cycle), not SMILE numbers. With them the last burn ends 21.4 days after injection, against
"about 26 days of orbital maneuvers" after launch (launch news, :cite:`cas2026`): the rules here leave out the
ground-station visibility of each burn, which Liu et al. (2024) design around and which pushes burns to
later revolutions, and any contingency days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import astropy.units as u
import numba
import numpy as np
import pandas as pd
from scipy.optimize import brentq

from smilekit._validation import as_value
from smilekit.constants import G0, GM_EARTH_KM3_S2, R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.mission.orbit import KeplerianElements, science_orbit, solve_kepler

__all__ = [
    "FiniteBurn",
    "TransferPlan",
    "finite_burn",
    "launch_orbit",
    "perigee_change_delta_v",
    "plan_transfer",
    "rocket_propellant",
]

#: Default engine: 500 N-class bipropellant apogee engine (see the module notes).
DEFAULT_THRUST = 490.0 * u.N
DEFAULT_ISP = 318.0 * u.s
DEFAULT_LAUNCH_MASS = 2300.0 * u.kg
#: A placeholder epoch for plans built without one (the timeline is relative to it).
_DEFAULT_EPOCH = np.datetime64("2026-01-01T00:00:00", "ns")
_SECONDS_PER_DAY = 86400.0
_MAX_ARC_RAD = np.pi  # a "burn at an apsis" that sweeps more than half an orbit is not one


def launch_orbit(
    epoch=_DEFAULT_EPOCH,
    *,
    altitude=700.0 * u.km,
    inclination=73.0 * u.deg,
    raan=0.0 * u.deg,
    arg_perigee=270.0 * u.deg,
) -> KeplerianElements:
    """The Vega-C injection orbit: 700 km circular at 73 deg (:cite:`branduardiraymont2022`, sec. 4.3).

    The orbit is circular, so the argument of perigee only marks where the first apogee-raising burn is
    centred; 270 deg (the default, as in :func:`~smilekit.mission.orbit.science_orbit`) puts the final
    apogee over the north.

    Examples
    --------
    >>> orbit = launch_orbit("2026-03-01")
    >>> round(float(orbit.perigee_altitude.to_value("km"))), round(float(orbit.period.to_value("min")), 1)
    (700, 98.8)
    """
    return KeplerianElements.from_altitudes(
        altitude, altitude, inclination, epoch, raan=raan, arg_perigee=arg_perigee, mean_anomaly=0.0 * u.deg
    )


def rocket_propellant(delta_v, initial_mass, isp) -> u.Quantity:
    """Propellant mass for ``delta_v`` from ``initial_mass``: m0 (1 - exp(-dv / (Isp g0))).

    Tsiolkovsky's rocket equation (Curtis 2014, sec. 6.2; Sutton & Biblarz 2017, *Rocket Propulsion
    Elements*, 9th ed., ch. 4, :cite:`sutton2017`), with g0 = 9.80665 m/s^2 (:data:`smilekit.constants.G0`).
    Vectorised.

    Examples
    --------
    >>> rocket_propellant(1000 * u.m / u.s, 1000 * u.kg, 300 * u.s).round(3)
    <Quantity 288.162 kg>
    """
    dv = as_value(delta_v, u.m / u.s, "delta_v", nonnegative=True)
    m0 = as_value(initial_mass, u.kg, "initial_mass", positive=True)
    ve = G0 * as_value(isp, u.s, "isp", positive=True)
    return m0 * -np.expm1(-dv / ve) * u.kg


def _apsis_speed(r_here: float, r_other: float) -> float:
    """Speed (km/s) at the apsis of radius r_here of the ellipse with apsides r_here, r_other (vis-viva)."""
    return float(np.sqrt(2.0 * GM_EARTH_KM3_S2 * r_other / (r_here * (r_here + r_other))))


def _other_apsis(r_here: float, speed: float) -> float:
    """The opposite apsis radius (km) after a tangential burn leaves ``speed`` (km/s) at apsis ``r_here``."""
    a = 1.0 / (2.0 / r_here - speed**2 / GM_EARTH_KM3_S2)
    return 2.0 * a - r_here


def perigee_change_delta_v(orbit: KeplerianElements, perigee_change) -> u.Quantity:
    """Delta-v of the tangential apogee burn that moves the perigee of ``orbit`` by ``perigee_change``.

    ``|v_a(new) - v_a(old)|`` from vis-viva at apogee (Curtis 2014, ch. 6); the apogee stays put. Use it to
    turn a perigee drift from the propagator into an orbit-maintenance delta-v. Vectorised over
    ``perigee_change`` (positive raises the perigee).

    Examples
    --------
    >>> orbit = science_orbit("2026-03-01")
    >>> perigee_change_delta_v(orbit, 1000 * u.km).round(2)
    <Quantity 28.1 m / s>
    """
    change = as_value(perigee_change, u.km, "perigee_change")
    rp, ra = orbit.a_km * (1.0 - orbit.e), orbit.a_km * (1.0 + orbit.e)
    new_rp = rp + change
    if np.any(new_rp <= R_EARTH_EQ_KM) or np.any(new_rp > ra):
        raise InputError(
            f"perigee_change must keep the perigee above the surface and below the apogee "
            f"({R_EARTH_EQ_KM - rp:.1f} km < change <= {ra - rp:.1f} km), got {np.ravel(change)[0]:g} km"
        )
    v_new = np.sqrt(2.0 * GM_EARTH_KM3_S2 * new_rp / (ra * (ra + new_rp)))
    return np.abs(v_new - _apsis_speed(ra, rp)) * 1000.0 * u.m / u.s


# --- finite burns ------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _thrust_rhs(s, t, mass0, force_kn, mdot, mu):  # pragma: no cover - compiled by numba
    """Time derivative of the planar state (km, km/s): two-body gravity plus thrust along the velocity."""
    r3 = (s[0] * s[0] + s[1] * s[1]) ** 1.5
    acc = force_kn / (mass0 - mdot * t) / np.sqrt(s[2] * s[2] + s[3] * s[3])
    return np.array([s[2], s[3], -mu * s[0] / r3 + acc * s[2], -mu * s[1] / r3 + acc * s[3]])


@numba.njit(cache=True)
def _thrust_arc(x, y, vx, vy, mass0, force_kn, mdot, duration, n_steps, mu):  # pragma: no cover - numba
    """Classical RK4 over ``duration`` s in ``n_steps`` steps; thrust ``force_kn`` (kN), mass m0 - mdot t."""
    h = duration / n_steps
    s = np.array([x, y, vx, vy])
    for i in range(n_steps):
        t = i * h
        k1 = _thrust_rhs(s, t, mass0, force_kn, mdot, mu)
        k2 = _thrust_rhs(s + 0.5 * h * k1, t + 0.5 * h, mass0, force_kn, mdot, mu)
        k3 = _thrust_rhs(s + 0.5 * h * k2, t + 0.5 * h, mass0, force_kn, mdot, mu)
        k4 = _thrust_rhs(s + h * k3, t + h, mass0, force_kn, mdot, mu)
        s = s + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return s


def _apsis_offset_state(rp: float, ra: float, at_perigee: bool, dt: float) -> np.ndarray:
    """Perifocal 2-D state (km, km/s) ``dt`` seconds after the perigee or apogee passage of (rp, ra)."""
    a, e = 0.5 * (rp + ra), (ra - rp) / (ra + rp)
    n = np.sqrt(GM_EARTH_KM3_S2 / a**3)
    ecc = float(solve_kepler((0.0 if at_perigee else np.pi) + n * dt, e))
    r = a * (1.0 - e * np.cos(ecc))
    root = np.sqrt(1.0 - e * e)
    k = np.sqrt(GM_EARTH_KM3_S2 * a) / r
    return np.array([a * (np.cos(ecc) - e), a * root * np.sin(ecc), -k * np.sin(ecc), k * root * np.cos(ecc)])


def _finite_burn_values(rp, ra, dv_km_s, at_perigee, mass_kg, thrust_n, ve_km_s) -> dict[str, float]:
    """Finite burn centred on an apsis reaching the energy of the impulsive burn; plain floats (km, s, kg).

    Returns duration (s), the ideal delta-v of the finite burn (km/s), the arc swept (rad), and the
    apsides (km) of the orbit the finite burn leaves.
    """
    v0 = _apsis_speed(rp, ra) if at_perigee else _apsis_speed(ra, rp)
    r_here = rp if at_perigee else ra
    v1 = v0 + dv_km_s
    energy_target = 0.5 * v1 * v1 - GM_EARTH_KM3_S2 / r_here
    mdot = thrust_n / (ve_km_s * 1000.0)  # kg/s
    force_kn = thrust_n / 1000.0  # kN: divided by kg gives km/s^2

    def end_state(duration):
        start = _apsis_offset_state(rp, ra, at_perigee, -0.5 * duration)
        n_steps = max(200, int(np.ceil(duration / 0.5)))
        return start, _thrust_arc(*start, mass_kg, force_kn, mdot, duration, n_steps, GM_EARTH_KM3_S2)

    def energy_gap(duration):
        s = end_state(duration)[1]
        return 0.5 * (s[2] ** 2 + s[3] ** 2) - GM_EARTH_KM3_S2 / np.hypot(s[0], s[1]) - energy_target

    def too_long(what: str) -> InputError:
        return InputError(
            f"a burn of {dv_km_s * 1000:.1f} m/s at thrust {thrust_n:g} N from {mass_kg:.0f} kg {what}: "
            "not a burn at an apsis; raise the thrust or the number of burns"
        )

    # A burn "at an apsis" lasts under half the orbit's period and sweeps under 180 deg; the longest
    # duration tried is also kept below the time that would empty a spacecraft of this mass.
    half_period = np.pi * np.sqrt((0.5 * (rp + ra)) ** 3 / GM_EARTH_KM3_S2)
    t_cap = min(half_period, 0.999 * mass_kg / mdot)
    t_impulsive = mass_kg * -np.expm1(-dv_km_s / ve_km_s) / mdot
    if t_impulsive >= t_cap:
        raise too_long(f"lasts {t_impulsive:.0f} s, more than half the {2 * half_period:.0f} s orbit")
    lo, hi = 0.5 * t_impulsive, t_impulsive
    while energy_gap(hi) < 0.0:
        if hi >= t_cap:
            raise too_long(f"lasts more than {t_cap:.0f} s, half the {2 * half_period:.0f} s orbit")
        lo, hi = hi, min(1.5 * hi, t_cap)
    duration = brentq(energy_gap, lo, hi, xtol=1e-7, rtol=1e-14)
    start, end = end_state(duration)
    arc = np.arctan2(start[0] * end[1] - start[1] * end[0], start[0] * end[0] + start[1] * end[1])
    arc = arc if arc >= 0 else arc + 2.0 * np.pi
    if arc > _MAX_ARC_RAD:
        raise too_long(f"sweeps {np.degrees(arc):.0f} deg of orbit (more than 180 deg)")
    r_end = np.hypot(end[0], end[1])
    v2 = end[2] ** 2 + end[3] ** 2
    a = 1.0 / (2.0 / r_end - v2 / GM_EARTH_KM3_S2)
    h = end[0] * end[3] - end[1] * end[2]
    e = np.sqrt(max(0.0, 1.0 - h * h / (GM_EARTH_KM3_S2 * a)))
    return {
        "duration_s": float(duration),
        "dv_km_s": float(ve_km_s * np.log(mass_kg / (mass_kg - mdot * duration))),
        "arc_rad": float(arc),
        "rp_km": float(a * (1.0 - e)),
        "ra_km": float(a * (1.0 + e)),
    }


class FiniteBurn(NamedTuple):
    """One finite burn centred on an apsis (see :func:`finite_burn`)."""

    gravity_loss: u.Quantity  #: finite-burn delta-v minus impulsive delta-v
    delta_v: u.Quantity  #: ideal delta-v of the finite burn, Isp g0 ln(m0 / m1)
    duration: u.Quantity  #: firing time
    arc: u.Quantity  #: angle swept about the Earth's centre during the firing
    propellant: u.Quantity  #: propellant burned, thrust / (Isp g0) x duration
    perigee_altitude: u.Quantity  #: perigee altitude of the orbit the finite burn leaves
    apogee_altitude: u.Quantity  #: apogee altitude of the orbit the finite burn leaves


def finite_burn(
    perigee_altitude,
    apogee_altitude,
    delta_v,
    *,
    at="perigee",
    mass=DEFAULT_LAUNCH_MASS,
    thrust=DEFAULT_THRUST,
    isp=DEFAULT_ISP,
) -> FiniteBurn:
    """A finite tangential burn centred on an apsis that gives the orbit the energy of an impulsive one.

    The orbit (perigee and apogee altitudes) and the impulsive ``delta_v`` at apsis ``at`` define the
    target energy; the burn is integrated in the orbit plane (RK4, step <= 0.5 s) with constant ``thrust``
    along the velocity, mass decreasing at thrust / (Isp g0), starting half the firing time before the
    apsis, and the firing time is solved for (Brent) so that the final specific energy matches. Gravity loss
    = Isp g0 ln(m0 / m1) - delta_v (Robbins 1966, AIAA J. 4, 1417).

    Parameters
    ----------
    perigee_altitude, apogee_altitude : Quantity
        The orbit before the burn (altitudes above the equatorial radius, 6378.137 km).
    delta_v : Quantity
        Impulsive delta-v, > 0.
    at : {"perigee", "apogee"}
        The apsis the burn is centred on.
    mass, thrust, isp : Quantity
        Mass at ignition, engine thrust and specific impulse.

    Examples
    --------
    >>> b = finite_burn(700 * u.km, 700 * u.km, 180 * u.m / u.s)
    >>> round(float(b.duration.to_value("s"))), round(float(b.gravity_loss.to_value("m/s")), 2)
    (822, 0.26)
    """
    hp = float(as_value(perigee_altitude, u.km, "perigee_altitude"))
    ha = float(as_value(apogee_altitude, u.km, "apogee_altitude"))
    if hp <= 0.0 or ha < hp:
        raise InputError(f"need 0 km < perigee_altitude <= apogee_altitude, got {hp:g} km and {ha:g} km")
    if at not in ("perigee", "apogee"):
        raise InputError(f"at must be 'perigee' or 'apogee', got {at!r}")
    dv = float(as_value(delta_v, u.m / u.s, "delta_v", positive=True)) / 1000.0
    m0 = float(as_value(mass, u.kg, "mass", positive=True))
    f = float(as_value(thrust, u.N, "thrust", positive=True))
    ve = G0 * float(as_value(isp, u.s, "isp", positive=True)) / 1000.0
    rp, ra = R_EARTH_EQ_KM + hp, R_EARTH_EQ_KM + ha
    if at == "apogee":
        v_end = _apsis_speed(ra, rp) + dv
        if v_end > np.sqrt(GM_EARTH_KM3_S2 / ra):
            raise InputError(
                f"an apogee burn of {dv * 1000:g} m/s would lift the perigee above the apogee; at most "
                f"{(np.sqrt(GM_EARTH_KM3_S2 / ra) - _apsis_speed(ra, rp)) * 1000:.1f} m/s"
            )
    elif 0.5 * (_apsis_speed(rp, ra) + dv) ** 2 >= GM_EARTH_KM3_S2 / rp:
        raise InputError(f"a perigee burn of {dv * 1000:g} m/s would leave an unbound (escape) orbit")
    out = _finite_burn_values(rp, ra, dv, at == "perigee", m0, f, ve)
    return FiniteBurn(
        gravity_loss=(out["dv_km_s"] - dv) * 1000.0 * u.m / u.s,
        delta_v=out["dv_km_s"] * 1000.0 * u.m / u.s,
        duration=out["duration_s"] * u.s,
        arc=np.degrees(out["arc_rad"]) * u.deg,
        propellant=f / (ve * 1000.0) * out["duration_s"] * u.kg,
        perigee_altitude=(out["rp_km"] - R_EARTH_EQ_KM) * u.km,
        apogee_altitude=(out["ra_km"] - R_EARTH_EQ_KM) * u.km,
    )


# --- the plan ----------------------------------------------------------------------------------------


def _phase_split(schedule, n_apogee: int, dv_total: float, mass_kg: float, ve: float) -> np.ndarray:
    """Delta-v (km/s) of each apogee-raising burn for ``schedule``."""
    if isinstance(schedule, str):
        if schedule == "equal_dv":
            return np.full(n_apogee, dv_total / n_apogee)
        if schedule == "equal_duration":
            m_end = mass_kg * np.exp(-dv_total / ve)
            masses = np.linspace(mass_kg, m_end, n_apogee + 1)
            return ve * np.log(masses[:-1] / masses[1:])
        raise InputError(
            f"schedule must be 'equal_dv', 'equal_duration' or {n_apogee} positive weights, got {schedule!r}"
        )
    weights = np.asarray(schedule, dtype=np.float64).ravel()
    if weights.size != n_apogee or not np.all(np.isfinite(weights)) or np.any(weights <= 0.0):
        raise InputError(
            f"schedule weights must be {n_apogee} finite positive numbers (one per apogee-raising burn), "
            f"got {weights.size} values: {weights}"
        )
    return dv_total * weights / weights.sum()


def _as_target(target, initial: KeplerianElements) -> KeplerianElements:
    """The target as elements: given, or the science orbit (default or from altitudes) in the launch plane."""
    if isinstance(target, KeplerianElements):
        return target
    plane = {
        "inclination": initial.inclination_deg * u.deg,
        "raan": initial.raan_deg * u.deg,
        "arg_perigee": initial.arg_perigee_deg * u.deg,
    }
    if target is None:
        return science_orbit(initial.epoch, **plane)
    altitudes = as_value(target, u.km, "target").ravel()
    if altitudes.size != 2:
        raise InputError(
            "target must be KeplerianElements or [perigee, apogee] altitudes as a length Quantity, got "
            f"{altitudes.size} values"
        )
    if altitudes[0] <= 0.0:
        raise InputError(
            f"target perigee altitude must be > 0 km (above the surface), got {altitudes[0]:g} km"
        )
    if altitudes[1] < altitudes[0]:
        raise InputError(
            f"target apogee altitude ({altitudes[1]:g} km) is below its perigee altitude "
            f"({altitudes[0]:g} km)"
        )
    return science_orbit(
        initial.epoch, perigee_altitude=altitudes[0] * u.km, apogee_altitude=altitudes[1] * u.km, **plane
    )


def _separation(period_s: float, min_gap_s: float, offset_s: float = 0.0) -> float:
    """Smallest offset + k * period (k >= 0 integer, > 0 overall) that is at least ``min_gap_s``."""
    k = max(0.0, np.ceil((min_gap_s - offset_s) / period_s - 1e-12))
    if offset_s == 0.0:
        k = max(k, 1.0)
    return offset_s + k * period_s


@dataclass(frozen=True, eq=False)
class TransferPlan:
    """A transfer from the launch orbit to the science orbit, burn by burn, with its propellant budget.

    Attributes
    ----------
    burns : pandas.DataFrame
        One row per burn (index ``burn``, 1..N): ``phase`` ("apogee raising" or "perigee raising"),
        ``apsis`` ("perigee"/"apogee"), ``epoch`` (UTC of the burn centre), ``time_days`` (burn centre, days
        after ``initial.epoch``), ``perigee_alt_before_km``, ``apogee_alt_before_km``, ``perigee_alt_km``,
        ``apogee_alt_km`` (after the impulsive burn), ``period_h`` (after), ``dv_m_s`` (impulsive),
        ``gravity_loss_m_s``, ``dv_finite_m_s``, ``duration_s``, ``arc_deg`` (angle swept while firing;
        NaN if impulsive), ``finite_perigee_alt_km``, ``finite_apogee_alt_km`` (orbit the finite burn
        leaves), ``mass_before_kg``, ``propellant_kg``, ``mass_after_kg``.
    initial, target : KeplerianElements
        Launch and science orbits.
    launch_mass, isp, thrust : Quantity
        Spacecraft and engine.
    maintenance_delta_v, transfer_margin, maintenance_margin, propellant_fraction
        The budget's inputs (see :func:`plan_transfer`).
    """

    burns: pd.DataFrame
    initial: KeplerianElements
    target: KeplerianElements
    launch_mass: u.Quantity
    isp: u.Quantity
    thrust: u.Quantity
    maintenance_delta_v: u.Quantity
    transfer_margin: float
    maintenance_margin: float
    propellant_fraction: float

    @property
    def total_delta_v(self) -> u.Quantity:
        """Sum of the impulsive delta-v of the burns."""
        return float(self.burns["dv_m_s"].sum()) * u.m / u.s

    @property
    def gravity_loss(self) -> u.Quantity:
        """Sum of the finite-burn (gravity) losses."""
        return float(self.burns["gravity_loss_m_s"].sum()) * u.m / u.s

    @property
    def total_propellant(self) -> u.Quantity:
        """Propellant burned in the transfer (impulsive delta-v plus gravity losses)."""
        return float(self.burns["propellant_kg"].sum()) * u.kg

    @property
    def duration(self) -> u.Quantity:
        """From injection (``initial.epoch``) to the end of the last burn."""
        last = self.burns.iloc[-1]
        return (float(last["time_days"]) + 0.5 * float(last["duration_s"]) / _SECONDS_PER_DAY) * u.day

    @property
    def budget(self) -> dict[str, u.Quantity]:
        """Propellant budget against ``propellant_fraction`` x launch mass (kg Quantities and a ratio).

        Keys: ``transfer``, ``maintenance`` (nominal maintenance delta-v after the transfer), ``margin``
        (what the delta-v margins add), ``total``, ``available`` (fraction x launch mass), ``spare``
        (available - total) and ``ratio`` (total / available, dimensionless).

        The margins are applied to delta-v, as ESA does (see :func:`plan_transfer`), and all delta-v is
        burned in sequence from the launch mass: total = m0 (1 - exp(-[(1 + m_t) dv_t + (1 + m_m) dv_m] /
        (Isp g0))), with dv_t the transfer's finite-burn delta-v (impulsive plus gravity losses) and dv_m
        the maintenance delta-v. Attitude-control propellant and unusable residuals are not included.
        """
        ve = G0 * float(self.isp.to_value(u.s)) / 1000.0
        m0 = float(self.launch_mass.to_value(u.kg))
        after = float(self.burns["mass_after_kg"].iloc[-1])
        dv_transfer = float(self.burns["dv_finite_m_s"].sum()) / 1000.0
        dv_maintenance = float(self.maintenance_delta_v.to_value(u.km / u.s))
        maintenance = after * -np.expm1(-dv_maintenance / ve)
        total_dv = dv_transfer * (1.0 + self.transfer_margin) + dv_maintenance * (
            1.0 + self.maintenance_margin
        )
        total = m0 * -np.expm1(-total_dv / ve)
        available = self.propellant_fraction * m0
        return {
            "transfer": (m0 - after) * u.kg,
            "maintenance": maintenance * u.kg,
            "margin": (total - (m0 - after) - maintenance) * u.kg,
            "total": total * u.kg,
            "available": available * u.kg,
            "spare": (available - total) * u.kg,
            "ratio": total / available * u.dimensionless_unscaled,
        }

    def summary(self) -> dict[str, float | int | bool]:
        """Plain numbers for JSON: delta-v (m/s), masses (kg), times (days)."""
        b = self.budget
        first = self.burns.iloc[0]
        return {
            "n_burns": len(self.burns),
            "n_apogee_raising": int((self.burns["apsis"] == "perigee").sum()),
            "n_perigee_raising": int((self.burns["apsis"] == "apogee").sum()),
            "total_delta_v_m_s": float(self.total_delta_v.to_value(u.m / u.s)),
            "gravity_loss_m_s": float(self.gravity_loss.to_value(u.m / u.s)),
            "transfer_propellant_kg": float(self.total_propellant.to_value(u.kg)),
            "maintenance_delta_v_m_s": float(self.maintenance_delta_v.to_value(u.m / u.s)),
            "maintenance_propellant_kg": float(b["maintenance"].to_value(u.kg)),
            "margin_propellant_kg": float(b["margin"].to_value(u.kg)),
            "budget_propellant_kg": float(b["total"].to_value(u.kg)),
            "available_propellant_kg": float(b["available"].to_value(u.kg)),
            "spare_propellant_kg": float(b["spare"].to_value(u.kg)),
            "budget_ratio": float(b["ratio"].to_value(u.dimensionless_unscaled)),
            "budget_closes": bool(b["spare"].to_value(u.kg) >= 0.0),
            "launch_mass_kg": float(self.launch_mass.to_value(u.kg)),
            "mass_after_transfer_kg": float(self.burns["mass_after_kg"].iloc[-1]),
            "isp_s": float(self.isp.to_value(u.s)),
            "thrust_n": float(self.thrust.to_value(u.N)),
            "longest_burn_s": float(self.burns["duration_s"].max()),
            "first_burn_days": float(first["time_days"] - 0.5 * first["duration_s"] / _SECONDS_PER_DAY),
            "duration_days": float(self.duration.to_value(u.day)),
        }


def plan_transfer(
    initial: KeplerianElements | None = None,
    target=None,
    *,
    n_burns: int = 18,
    n_perigee_burns: int = 2,
    schedule="equal_dv",
    launch_mass=DEFAULT_LAUNCH_MASS,
    isp=DEFAULT_ISP,
    thrust=DEFAULT_THRUST,
    finite_burns: bool = True,
    min_burn_separation=1.0 * u.day,
    first_burn_delay=1.0 * u.day,
    maintenance_delta_v_per_year=10.0 * u.m / u.s / u.yr,
    mission_duration=3.0 * u.yr,
    transfer_margin=0.05,
    maintenance_margin=1.0,
    propellant_fraction=2.0 / 3.0,
) -> TransferPlan:
    """Plan the transfer from the launch orbit to the science orbit in ``n_burns`` apsidal burns.

    The strategy, the engine defaults and the timeline rules are in the module notes: apogee raising with
    ``n_burns - n_perigee_burns`` burns centred on perigee, then perigee raising with ``n_perigee_burns``
    burns centred on apogee, in the launch plane (no plane change: the science orbit keeps 73 deg).

    Parameters
    ----------
    initial : KeplerianElements, optional
        Launch orbit; default :func:`launch_orbit` (700 km circular, 73 deg) at a placeholder epoch
        (2026-01-01; the timeline is relative to it).
    target : KeplerianElements or Quantity, optional
        Science orbit, or ``[perigee, apogee]`` altitudes; default :func:`science_orbit` (5 000 km x
        121 182 km). Built from altitudes or by default, it takes the launch orbit's inclination, node and
        argument of perigee; given as elements, these must match the launch orbit's.
    n_burns : int
        Main-engine burns in all, >= 2 (18 in Fig. 16 of :cite:`branduardiraymont2022`).
    n_perigee_burns : int
        Of which perigee-raising burns at apogee, 1 .. n_burns - 1 (default 2: the ~140 m/s of perigee
        raising in two firings of about a minute each, the second trimming the first).
    schedule : {"equal_dv", "equal_duration"} or sequence of float
        Split of the apogee-raising delta-v (see the module notes), or one positive weight per burn.
    launch_mass, isp, thrust : Quantity
        Mass at injection (2 300 kg) and engine (490 N, 318 s; module notes).
    finite_burns : bool
        Integrate each burn to get its gravity loss (True), or treat burns as impulsive (False: losses 0,
        durations of the impulsive propellant at the engine's flow rate).
    min_burn_separation, first_burn_delay : Quantity
        Timeline rules (module notes).
    maintenance_delta_v_per_year, mission_duration : Quantity
        Orbit maintenance in the science orbit. The default 10 m/s per year over 3 years is a placeholder
        of order: at apogee 1 m/s moves the science orbit's perigee by about 36 km
        (:func:`perigee_change_delta_v`), so it corrects about 360 km of luni-solar perigee drift a year.
        Replace it by the delta-v that the propagator's 3-year perigee drift calls for.
    transfer_margin, maintenance_margin : float
        Delta-v margins as fractions: 5 % on the deterministic transfer (impulsive plus gravity losses) and
        100 % on maintenance, the ESA practice for assessment studies (ESA SRE-PA/2011.097, "Margin
        philosophy for science assessment studies", sec. 2.3; *check* the issue in force).
    propellant_fraction : float
        Fraction of the launch mass that is propellant, 2/3 (:cite:`branduardiraymont2022`, sec. 4.1).

    Returns
    -------
    TransferPlan

    Raises
    ------
    InputError
        For n_burns < 2, n_perigee_burns outside 1 .. n_burns - 1, non-positive isp, thrust or mass, a
        target perigee below the surface or below the initial perigee, a target apogee not above the
        initial apogee, a plane change, or a burn that would last more than half an orbit or sweep more
        than 180 deg.

    Examples
    --------
    >>> plan = plan_transfer(launch_orbit("2026-03-01"), finite_burns=False)
    >>> len(plan.burns), round(float(plan.total_delta_v.to_value("m/s")))
    (18, 2968)
    """
    n_burns = _as_count(n_burns, "n_burns", 2)
    n_perigee_burns = _as_count(n_perigee_burns, "n_perigee_burns", 1)
    if n_perigee_burns > n_burns - 1:
        raise InputError(
            f"n_perigee_burns must be between 1 and n_burns - 1 = {n_burns - 1} (at least one burn raises "
            f"the apogee), got {n_perigee_burns}"
        )
    n_apogee = n_burns - n_perigee_burns
    m0 = float(as_value(launch_mass, u.kg, "launch_mass", positive=True))
    isp_s = float(as_value(isp, u.s, "isp", positive=True))
    thrust_n = float(as_value(thrust, u.N, "thrust", positive=True))
    gap_s = float(as_value(min_burn_separation, u.s, "min_burn_separation", nonnegative=True))
    delay_s = float(as_value(first_burn_delay, u.s, "first_burn_delay", nonnegative=True))
    dv_year = float(
        as_value(
            maintenance_delta_v_per_year, u.m / u.s / u.yr, "maintenance_delta_v_per_year", nonnegative=True
        )
    )
    years = float(as_value(mission_duration, u.yr, "mission_duration", nonnegative=True))
    margins = {}
    for name, value in (
        ("transfer_margin", transfer_margin),
        ("maintenance_margin", maintenance_margin),
        ("propellant_fraction", propellant_fraction),
    ):
        value = float(value)
        if not np.isfinite(value) or value < 0.0 or (name == "propellant_fraction" and not 0 < value <= 1):
            accepted = "in (0, 1]" if name == "propellant_fraction" else ">= 0 (a fraction)"
            raise InputError(f"{name} must be {accepted}, got {value:g}")
        margins[name] = value

    initial = launch_orbit() if initial is None else initial
    if not isinstance(initial, KeplerianElements):
        raise InputError(
            f"initial must be KeplerianElements (e.g. launch_orbit()), got {type(initial).__name__}"
        )
    target = _as_target(target, initial)
    _check_coplanar(initial, target)
    rp0, ra0 = initial.a_km * (1.0 - initial.e), initial.a_km * (1.0 + initial.e)
    rp1, ra1 = target.a_km * (1.0 - target.e), target.a_km * (1.0 + target.e)
    if ra1 <= ra0:
        raise InputError(
            f"target apogee altitude ({ra1 - R_EARTH_EQ_KM:.1f} km) must be above the initial orbit's apogee "
            f"({ra0 - R_EARTH_EQ_KM:.1f} km): this plan raises the orbit"
        )
    if rp1 <= rp0:
        raise InputError(
            f"target perigee altitude ({rp1 - R_EARTH_EQ_KM:.1f} km) must be above the initial perigee "
            f"({rp0 - R_EARTH_EQ_KM:.1f} km): this plan raises the perigee at apogee"
        )

    ve = G0 * isp_s / 1000.0  # km/s
    dv_phase1 = _apsis_speed(rp0, ra1) - _apsis_speed(rp0, ra0)
    dv_phase2 = _apsis_speed(ra1, rp1) - _apsis_speed(ra1, rp0)
    dv_burns = np.concatenate(
        [
            _phase_split(schedule, n_apogee, dv_phase1, m0, ve),
            np.full(n_perigee_burns, dv_phase2 / n_perigee_burns),
        ]
    )

    rows = []
    rp, ra, mass = rp0, ra0, m0
    t_s = delay_s
    previous_period = None
    for k, dv in enumerate(dv_burns):
        at_perigee = k < n_apogee
        if previous_period is not None:
            first_apogee = k == n_apogee
            t_s += _separation(previous_period, gap_s, 0.5 * previous_period if first_apogee else 0.0)
        if at_perigee:
            v_new = _apsis_speed(rp, ra) + dv
            new_rp, new_ra = rp, (ra1 if k == n_apogee - 1 else _other_apsis(rp, v_new))
        else:
            v_new = _apsis_speed(ra, rp) + dv
            new_rp, new_ra = (rp1 if k == n_burns - 1 else _other_apsis(ra, v_new)), ra
        if finite_burns:
            fb = _finite_burn_values(rp, ra, dv, at_perigee, mass, thrust_n, ve)
        else:
            duration = mass * -np.expm1(-dv / ve) / (thrust_n / (ve * 1000.0))
            fb = {"duration_s": duration, "dv_km_s": dv, "arc_rad": np.nan, "rp_km": new_rp, "ra_km": new_ra}
        propellant = mass * -np.expm1(-fb["dv_km_s"] / ve)
        a_new = 0.5 * (new_rp + new_ra)
        period = 2.0 * np.pi * np.sqrt(a_new**3 / GM_EARTH_KM3_S2)
        rows.append(
            {
                "burn": k + 1,
                "phase": "apogee raising" if at_perigee else "perigee raising",
                "apsis": "perigee" if at_perigee else "apogee",
                "time_days": t_s / _SECONDS_PER_DAY,
                "perigee_alt_before_km": rp - R_EARTH_EQ_KM,
                "apogee_alt_before_km": ra - R_EARTH_EQ_KM,
                "perigee_alt_km": new_rp - R_EARTH_EQ_KM,
                "apogee_alt_km": new_ra - R_EARTH_EQ_KM,
                "period_h": period / 3600.0,
                "dv_m_s": dv * 1000.0,
                "gravity_loss_m_s": (fb["dv_km_s"] - dv) * 1000.0,
                "dv_finite_m_s": fb["dv_km_s"] * 1000.0,
                "duration_s": fb["duration_s"],
                "arc_deg": np.degrees(fb["arc_rad"]),
                "finite_perigee_alt_km": fb["rp_km"] - R_EARTH_EQ_KM,
                "finite_apogee_alt_km": fb["ra_km"] - R_EARTH_EQ_KM,
                "mass_before_kg": mass,
                "propellant_kg": propellant,
                "mass_after_kg": mass - propellant,
            }
        )
        rp, ra, mass = new_rp, new_ra, mass - propellant
        previous_period = period

    burns = pd.DataFrame(rows).set_index("burn")
    epochs = initial.epoch + (burns["time_days"].to_numpy() * _SECONDS_PER_DAY * 1e9).astype(
        "timedelta64[ns]"
    )
    burns.insert(2, "epoch", epochs)

    return TransferPlan(
        burns=burns,
        initial=initial,
        target=target,
        launch_mass=m0 * u.kg,
        isp=isp_s * u.s,
        thrust=thrust_n * u.N,
        maintenance_delta_v=dv_year * years * u.m / u.s,
        transfer_margin=margins["transfer_margin"],
        maintenance_margin=margins["maintenance_margin"],
        propellant_fraction=margins["propellant_fraction"],
    )


def _as_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_coplanar(initial: KeplerianElements, target: KeplerianElements) -> None:
    """The plan has no plane change and no rotation of the line of apsides: reject targets that need one."""
    if abs(initial.inclination_deg - target.inclination_deg) > 1e-6:
        raise InputError(
            f"target inclination {target.inclination_deg:g} deg differs from the initial "
            f"{initial.inclination_deg:g} deg: this plan has no plane change (the science orbit keeps the "
            "launch inclination)"
        )
    if abs(((initial.raan_deg - target.raan_deg) + 180.0) % 360.0 - 180.0) > 1e-6:
        raise InputError(
            f"target node {target.raan_deg:g} deg differs from the initial {initial.raan_deg:g} deg: this "
            "plan has no plane change"
        )
    dw = abs(((initial.arg_perigee_deg - target.arg_perigee_deg) + 180.0) % 360.0 - 180.0)
    if initial.e > 1e-3 and dw > 1e-6:
        raise InputError(
            f"the initial orbit is eccentric (e = {initial.e:.4f}) with argument of perigee "
            f"{initial.arg_perigee_deg:g} deg, the target's is {target.arg_perigee_deg:g} deg: rotating the "
            "line of apsides is not modelled"
        )
