"""The mission stage: the spacecraft over the event (track, pointing, constraints, operating modes).

:func:`event_orbit` places the nominal science orbit so that apogee falls at the event's peak pressure;
the track covers exactly the solar wind's valid records, first to last (:func:`track_span`). Provides
``track`` (the propagated :class:`~smilekit.mission.orbit.Track`), ``attitude`` and ``timeline`` (the
operating modes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np

import smilekit
from smilekit._io import save_figure
from smilekit.errors import InputError
from smilekit.mission.operations import constrained_modes, spacecraft_attitude
from smilekit.mission.orbit import sample_times, science_orbit
from smilekit.mission.propagator import propagate
from smilekit.products.ephemeris import write_ephemeris_cdf
from smilekit.products.plots import mission as mission_plots
from smilekit.runs.context import JobContext
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.solarwind import SolarWind

__all__ = ["MissionSettings", "event_orbit", "stage_mission", "track_span"]


@register_section
@dataclass(frozen=True)
class MissionSettings(SettingsSection):
    """How the mission stage samples the spacecraft track."""

    section: ClassVar[str] = "mission"

    #: The track over an event has at most about this many samples (1 min or coarser).
    max_track_samples: int = setting(5000)


@stage(
    "mission",
    requires=("solar_wind", "peak_index"),
    provides=("track", "attitude", "timeline", "orbit_elements"),
    settings="mission",
    description="The science orbit with apogee at peak pressure: track, SXI pointing, constraints, modes.",
)
def stage_mission(ctx: JobContext) -> dict:
    """The spacecraft over the event: track (J2, Sun, Moon), SXI pointing at the subsolar magnetopause of
    the event's solar wind, pointing constraints, operating modes; ephemeris CDF, mode CSV and figures."""
    sw: SolarWind = ctx.results["solar_wind"]
    first, last = track_span(sw)
    peak_time = sw.time.values[ctx.results["peak_index"]]
    elements = event_orbit(first, peak_time)
    duration_s = (last - first) / np.timedelta64(1, "s")
    step = max(60.0, 60.0 * np.ceil(duration_s / ctx.settings.mission.max_track_samples / 60.0))
    track = propagate(elements, sample_times(first, last, step * u.s, include_stop=True))
    att = spacecraft_attitude(track, "subsolar", sw)
    excluded, vis, timeline = constrained_modes(track, att, sw)
    ctx.results.update(track=track, attitude=att, timeline=timeline, orbit_elements=elements)
    write_ephemeris_cdf(
        ctx.out / "ephemeris.cdf",
        track,
        attitude=att,
        timeline=timeline,
        text="Hypothetical SMILE science orbit phased so that apogee falls at the event's peak pressure.",
    )
    timeline.to_csv(ctx.out / "modes.csv")
    at_peak = int(np.argmin(np.abs(track.time - peak_time)))
    title = f"{ctx.event}: SMILE at peak pressure"
    figures = {
        "orbit.png": (
            "Spacecraft track in GSE with the model boundaries at peak pressure",
            mission_plots.plot_orbit_planes(
                track, solar_wind=sw, att=att, time=track.time[at_peak], title=title
            ),
        ),
        "visibility.png": (
            "What SXI and UVI see along the event (angles, altitude, visibility)",
            mission_plots.plot_visibility(vis, title=f"{ctx.event}: visibility"),
        ),
        "fov.png": (
            "The SXI and UVI fields of view at peak pressure",
            mission_plots.plot_fov_view(track, att, track.time[at_peak], solar_wind=sw, title=title),
        ),
    }
    for name, (caption, fig) in figures.items():
        save_figure(fig, ctx.figure_path(name, caption), dpi=110)
    hours = timeline.sample_durations_s() / 3600.0
    modes = np.asarray(timeline.mode)
    position = track.position("GSE")[at_peak].to_value(smilekit.RE)
    return {
        "orbit": "science orbit (5 000 x 121 182 km, 73 deg), apogee at the peak-pressure time",
        "elements_epoch": str(elements.epoch),
        "step_s": step,
        "samples": len(track),
        "hours_in_mode": {
            name: float(hours[modes == name].sum()) for name in ("FSM", "RSM1", "RSM2", "RSM3")
        },
        "sxi_excluded_fraction": float(excluded["excluded"].mean()),
        "nose_visible_fraction": float(vis["nose_visible"].values.mean()),
        "oval_visible_fraction": float(vis["oval_visible"].values.mean()),
        "at_peak_pdyn": {
            "time": str(track.time[at_peak]),
            "position_gse_RE": [float(c) for c in position],
            "altitude_km": float(track.altitude[at_peak].to_value(u.km)),
            "mode": str(modes[at_peak]),
            "sxi_uvi_angle_deg": float(att.sxi_uvi_angle[at_peak].to_value(u.deg)),
        },
        "files": ["ephemeris.cdf", "modes.csv"],
    }


def track_span(sw: SolarWind) -> tuple[np.datetime64, np.datetime64]:
    """The first and last valid records of ``sw``: the span the event's track covers, exactly.

    The pointing and the visibility interpolate the solar wind over its valid records
    (:func:`~smilekit.solarwind.drivers_at`), so the track may not reach past them: a regularised series
    can begin or end with missing grid times (irregular records, e.g. at :27.689 s, leave the last grid
    time without a record close enough), and a span that is not a whole number of track steps would end
    the track short of the last record. The track runs from the first valid record to the last one,
    inclusive (:func:`~smilekit.mission.orbit.sample_times` with ``include_stop``).

    Raises
    ------
    InputError
        If fewer than two records are valid (every primary variable present): no span to fly over.
    """
    times = sw.time.values[sw.valid()]
    if times.size < 2:
        raise InputError(
            f"the solar wind has {times.size} valid record(s) (density, velocity, field and temperature all "
            f"present) among its {len(sw)}; the track needs at least two"
        )
    return times[0], times[-1]


def event_orbit(start, apogee_time):
    """The science orbit from ``start``, its mean anomaly set so that apogee falls at ``apogee_time``.

    SMILE flies from 2026; for earlier events the orbit is hypothetical: the nominal science orbit
    (:func:`~smilekit.mission.orbit.science_orbit`, node 0 deg) placed where the event is best seen.
    """
    nominal = science_orbit(start)
    since = (np.datetime64(apogee_time, "ns") - nominal.epoch) / np.timedelta64(1, "s")
    mean_anomaly = np.degrees(np.pi - nominal.mean_motion_rad_s * since) % 360.0
    return science_orbit(start, mean_anomaly=mean_anomaly * u.deg)
