"""Mission-planning runs behind ``smilekit orbit`` and ``smilekit plan``: orbit, pointing, modes, products.

:func:`run_orbit` propagates the science orbit over a period and writes the ephemeris and attitude CDF, the
nominal mode timeline (altitude rule only) and ``summary.json``. :func:`run_plan` adds the operational
picture: pointing constraints (Sun, Earth limb, Moon) that switch the imagers off, visibility of the nose,
cusps and oval, ground-station passes and the downlink budget, the power budget, the transfer from the
launch orbit with its propellant set against two thirds of the launch mass (orbit maintenance taken from the
propagated perigee drift), and the seasonal visibility over the three-year mission. Every table is a CSV,
every number a key of the JSON summary, and the figures are PNGs.
"""

from __future__ import annotations

import json
import logging
import time as _time
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd

import smilekit
from smilekit._io import save_figure, write_table, write_text
from smilekit.errors import InputError
from smilekit.mission import ground, power
from smilekit.mission.modes import mode_timeline
from smilekit.mission.operations import constrained_modes, spacecraft_attitude
from smilekit.mission.orbit import (
    KeplerianElements,
    Track,
    check_track_request,
    sample_times,
    science_orbit,
)
from smilekit.mission.propagator import PERTURBATIONS, orbit_evolution, propagate
from smilekit.mission.transfer import perigee_change_delta_v, plan_transfer
from smilekit.mission.visibility import TYPICAL_SOLAR_WIND, orbit_fractions, seasonal_visibility
from smilekit.products.ephemeris import write_ephemeris_cdf
from smilekit.products.plots import mission as mission_plots
from smilekit.times import as_datetime64

__all__ = [
    "maintenance_delta_v_per_year",
    "orbit_summary",
    "run_orbit",
    "run_plan",
]

log = logging.getLogger(__name__)


def _period(start, days: float):
    t0 = as_datetime64(start).reshape(())
    if not np.isfinite(days) or days <= 0:
        raise InputError(f"days must be a positive number, got {days!r}")
    return t0, t0 + np.timedelta64(round(days * 86400e3), "ms")


def orbit_summary(elements: KeplerianElements, track: Track, timeline) -> tuple[dict, pd.DataFrame | None]:
    """The orbit's numbers for scripts: mean period, perigee and apogee altitudes, inclination, mode hours.

    Means are over the complete orbits (perigee to perigee) of the propagated track, from
    :func:`~smilekit.mission.propagator.orbit_evolution`; with no complete orbit the initial osculating
    elements are reported and ``hours_per_orbit`` is empty. Returns ``(summary, evolution)``: the numbers
    and the per-orbit table (None without one).
    """
    summary = {"complete_orbits": 0}
    try:
        evolution = orbit_evolution(track)
    except InputError:
        evolution = None
    if evolution is not None and len(evolution):
        summary.update(
            complete_orbits=len(evolution),
            period_h=float(evolution.period_h.mean()),
            perigee_alt_km=float(evolution.perigee_alt_km.mean()),
            apogee_alt_km=float(evolution.apogee_alt_km.mean()),
            inclination_deg=float(evolution.inclination_deg.mean()),
            hours_per_orbit={k: float(v.to_value(u.h)) for k, v in timeline.hours_per_orbit().items()},
            drift_per_orbit={
                name: float(np.polyfit(evolution.orbit, evolution[name], 1)[0]) if len(evolution) > 1 else 0.0
                for name in ("perigee_alt_km", "apogee_alt_km", "inclination_deg")
            },
        )
    else:
        summary.update(
            period_h=float(elements.period.to_value(u.h)),
            perigee_alt_km=float(elements.perigee_altitude.to_value(u.km)),
            apogee_alt_km=float(elements.apogee_altitude.to_value(u.km)),
            inclination_deg=elements.inclination_deg,
            hours_per_orbit={},
            note="no complete orbit in the period: osculating elements at the start",
        )
    return summary, evolution


def _orbit_track(start, days, step, perturbations, elements, kind="plan", memory_limit=None):
    t0, t1 = _period(start, days)
    # refuse before propagating a span whose per-sample tables cannot fit (issue 14: 1200 days > 22 GB)
    check_track_request(t0, t1, step, kind, limit=memory_limit)
    elements = science_orbit(t0) if elements is None else elements
    times = sample_times(t0, t1, step)
    if times[0] < elements.epoch:
        raise InputError(f"start {t0} precedes the epoch of the elements {elements.epoch}")
    return elements, propagate(elements, times, perturbations=perturbations)


def _whole_orbits(table):
    """The complete orbits of a per-orbit table, or all its rows when none is complete."""
    return table[table.complete] if table.complete.any() else table


def run_orbit(
    out,
    *,
    start,
    days: float,
    step=60.0 * u.s,
    perturbations=PERTURBATIONS,
    elements: KeplerianElements | None = None,
    pointing: str = "subsolar",
    solar_wind=TYPICAL_SOLAR_WIND,
    memory_limit: int | None = None,
) -> dict:
    """Propagate the science orbit and write ``ephemeris.cdf``, ``modes.csv``, ``orbit_evolution.csv``,
    ``orbit.png`` and ``summary.json`` into ``out``; returns the summary.

    Parameters
    ----------
    out : path
        Output folder (created).
    start : time-like
        Start (UTC); also the epoch of the default elements, :func:`~smilekit.mission.orbit.science_orbit`.
    days : float
        Length of the period.
    step : Quantity
        Output step (default 1 min).
    perturbations : sequence of str
        Forces beyond two-body (default J2, Sun, Moon; ``()`` for two-body).
    elements : KeplerianElements, optional
        Initial elements instead of the nominal science orbit (epoch at or before ``start``).
    pointing, solar_wind
        SXI aim rule (:data:`POINTING_RULES`) and the solar wind that places the subsolar magnetopause
        (a SolarWind series, a SolarWindState, or a stand-off distance; default a typical quiet wind).
    memory_limit : int, optional
        Bytes the run may need (default :func:`~smilekit.mission.orbit.memory_limit`); a longer span is
        refused before it starts (:func:`~smilekit.mission.orbit.check_track_request`).

    Raises
    ------
    InputError
        A span that would need more memory than ``memory_limit`` (the message gives the estimate).
    """

    started = _time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    elements, track = _orbit_track(start, days, step, perturbations, elements, "orbit", memory_limit)
    att = spacecraft_attitude(track, pointing, solar_wind)
    timeline = mode_timeline(track)
    summary, evolution = orbit_summary(elements, track, timeline)
    forces = ", ".join(perturbations) or "none (two-body)"
    write_ephemeris_cdf(
        out / "ephemeris.cdf",
        track,
        attitude=att,
        timeline=timeline,
        text=f"Cowell/DOP853 propagation; perturbations: {forces}; SXI pointing: {pointing}.",
    )
    timeline.to_csv(out / "modes.csv")
    if evolution is not None:
        write_table(evolution, out / "orbit_evolution.csv", index=False)
    fig = mission_plots.plot_orbit_planes(track, solar_wind=solar_wind)
    save_figure(fig, out / "orbit.png", dpi=110)
    summary = {
        "smilekit_version": smilekit.__version__,
        "start": str(track.time[0]),
        "end": str(track.time[-1]),
        "step_s": float(u.Quantity(step).to_value(u.s)),
        "samples": len(track),
        "perturbations": list(perturbations),
        "pointing": pointing,
        "elements": {
            "a_km": elements.a_km,
            "e": elements.e,
            "inclination_deg": elements.inclination_deg,
            "raan_deg": elements.raan_deg,
            "arg_perigee_deg": elements.arg_perigee_deg,
            "mean_anomaly_deg": elements.mean_anomaly_deg,
            "epoch": str(elements.epoch),
        },
        **summary,
        "files": ["ephemeris.cdf", "modes.csv", "orbit.png", "summary.json"]
        + (["orbit_evolution.csv"] if evolution is not None else []),
        "seconds": round(_time.perf_counter() - started, 2),
    }
    write_text(out / "summary.json", json.dumps(summary, indent=2))
    return summary


def maintenance_delta_v_per_year(
    elements: KeplerianElements, *, years: float = 3.0, perturbations=PERTURBATIONS
):
    """Orbit-maintenance delta-v per year: undo the largest perigee excursion the perturbations cause.

    The orbit is propagated for ``years`` (10-min output; the integrator steps as it needs) and the largest
    departure of the perigee altitude from its initial value is taken; correcting it with one tangential
    apogee burn costs :func:`~smilekit.mission.transfer.perigee_change_delta_v`. Spread over the mission
    this gives a per-year figure for :func:`~smilekit.mission.transfer.plan_transfer`. A simple strategy
    (a single correction of the worst drift); real station keeping also holds the apogee phase.

    Returns
    -------
    (Quantity, pandas.DataFrame)
        Delta-v per year (m/s/yr) and the orbit-by-orbit evolution it came from.
    """

    t0 = elements.epoch
    t1 = t0 + np.timedelta64(int(years * 365.25 * 86400), "s")
    track = propagate(elements, sample_times(t0, t1, 10 * u.min), perturbations=perturbations)
    evolution = orbit_evolution(track)
    excursion = evolution.perigee_alt_km.to_numpy() - elements.perigee_altitude.to_value(u.km)
    worst = float(excursion[np.argmax(np.abs(excursion))])
    dv = perigee_change_delta_v(elements, -worst * u.km).to(u.m / u.s)
    return dv / (years * u.yr), evolution


def run_plan(
    out,
    *,
    start,
    days: float,
    step=60.0 * u.s,
    perturbations=PERTURBATIONS,
    elements: KeplerianElements | None = None,
    pointing: str = "subsolar",
    solar_wind=TYPICAL_SOLAR_WIND,
    stations=None,
    mission_years: float = 3.0,
    progress=None,
    memory_limit: int | None = None,
) -> dict:
    """The operations plan of a period: constraints, modes, passes, downlink, power, visibility, transfer.

    Writes into ``out``: ``ephemeris.cdf``; ``modes.csv`` (mode segments with the pointing constraints
    applied: SXI off under a Sun, Earth-limb or Moon exclusion, UVI off when the whole oval is not in view);
    ``exclusions.csv``; ``passes.csv`` and ``downlink.csv`` (per orbit); ``power.csv`` (per orbit) ;
    ``visibility.csv`` (per orbit) and ``seasonal_visibility.csv`` (over ``mission_years``); ``transfer.csv``
    (the 18 burns, with maintenance from the propagated perigee drift); the figures ``orbit.png``,
    ``visibility.png``, ``fov.png``, ``operations.png``, ``transfer.png``; and ``plan.json``, whose keys
    the function returns. ``progress(step_name)`` is called as each part starts.

    The whole track and its per-sample tables are held at once (about 1.5 kB a sample), so a span
    whose estimate exceeds ``memory_limit`` (default :func:`~smilekit.mission.orbit.memory_limit`, half the
    machine's memory) is refused with an InputError that gives the estimate, before anything is computed.
    """

    def tick(name):
        log.info("plan: %s", name)
        if progress is not None:
            progress(name)

    started = _time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tick("orbit")
    elements, track = _orbit_track(start, days, step, perturbations, elements, "plan", memory_limit)
    tick("pointing")
    att = spacecraft_attitude(track, pointing, solar_wind)
    excluded, vis, timeline = constrained_modes(track, att, solar_wind)
    write_table(excluded, out / "exclusions.csv")
    tick("modes")
    timeline.to_csv(out / "modes.csv")
    write_ephemeris_cdf(
        out / "ephemeris.cdf",
        track,
        attitude=att,
        timeline=timeline,
        text=f"Perturbations: {', '.join(perturbations) or 'none'}; SXI pointing: {pointing}; modes with "
        "pointing constraints.",
    )
    orbit, _ = orbit_summary(elements, track, timeline)
    tick("ground passes")
    contacts = ground.passes(track, stations)
    write_table(contacts, out / "passes.csv", index=False)
    downlink = ground.downlink_budget(track, timeline, contacts)
    write_table(downlink, out / "downlink.csv", index=False)
    tick("power")
    budget = power.power_budget(track, timeline, downlink=ground.contact_mask(track, contacts))
    per_orbit_power = power.power_summary(budget)
    write_table(per_orbit_power, out / "power.csv", index=False)
    tick("visibility")
    fractions = orbit_fractions(vis)
    write_table(fractions, out / "visibility.csv")

    def propagator(el, times):
        return propagate(el, times, perturbations=perturbations)

    seasonal = seasonal_visibility(
        elements, years=int(np.ceil(mission_years)), propagator=propagator, solar_wind=solar_wind
    )
    write_table(seasonal, out / "seasonal_visibility.csv", index=False)
    tick("transfer")
    maintenance, _ = maintenance_delta_v_per_year(elements, years=mission_years, perturbations=perturbations)
    plan = plan_transfer(maintenance_delta_v_per_year=maintenance, mission_duration=mission_years * u.yr)
    write_table(plan.burns, out / "transfer.csv")
    tick("figures")
    apogee = int(np.argmax(track.radius_km))
    figures = {
        "orbit.png": mission_plots.plot_orbit_planes(
            track, solar_wind=solar_wind, att=att, time=track.time[apogee]
        ),
        "visibility.png": mission_plots.plot_visibility(vis),
        "fov.png": mission_plots.plot_fov_view(track, att, track.time[apogee], solar_wind=solar_wind),
        "operations.png": mission_plots.plot_operations(timeline, budget, contacts),
        "transfer.png": mission_plots.plot_transfer(plan),
    }
    for name, fig in figures.items():
        save_figure(fig, out / name, dpi=110)
    complete = downlink[downlink.complete]
    summary = {
        "smilekit_version": smilekit.__version__,
        "start": str(track.time[0]),
        "end": str(track.time[-1]),
        "pointing": pointing,
        "orbit": orbit,
        "constraints": {
            "sxi_excluded_fraction": float(excluded["excluded"].mean()),
            "sun_excluded_fraction": float(excluded["sun_excluded"].mean()),
            "earth_in_fov_fraction": float(excluded["earth_in_fov"].mean()),
            "moon_in_fov_fraction": float(excluded["moon_in_fov"].mean()),
        },
        "visibility_per_orbit": {
            name: float(_whole_orbits(fractions)[name].mean())
            for name in fractions.columns
            if name.endswith("_fraction")
        },
        "passes": {"count": len(contacts), "stations": sorted(set(contacts.station))},
        "downlink": {
            "generated_Gbit_per_orbit": float(complete.generated_Gbit.mean()) if len(complete) else None,
            "downlink_Gbit_per_orbit": float(complete.downlink_Gbit.mean()) if len(complete) else None,
            "margin_ratio_min": float(complete.margin_ratio.min()) if len(complete) else None,
        },
        "power": {
            "min_soc": float(budget.soc.min()),
            "eclipse_min_per_orbit_max": float(per_orbit_power.eclipse_min.max()),
        },
        "transfer": plan.summary(),
        "maintenance_delta_v_m_s_per_year": float(maintenance.to_value(u.m / u.s / u.yr)),
        "seasonal_visibility": seasonal.to_dict(orient="records"),
        "figures": list(figures),
        "seconds": round(_time.perf_counter() - started, 2),
    }
    write_text(out / "plan.json", json.dumps(summary, indent=2, default=str))
    return summary
