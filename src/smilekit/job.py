"""The main job, ``smilekit run``: one solar-wind event through the whole chain, written as a report.

The job is a list of stages. Each stage reads what earlier stages put in the :class:`JobContext`, writes
its own figures and files into the output folder, and records a section of ``summary.json``. Later parts of
the chain (orbit, instruments, science) add their stages here. A stage that fails is reported with its
error in the summary and the report; what earlier stages wrote is kept.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr

import smilekit
from smilekit import frames
from smilekit.errors import InputError, ModelDomainError, SmilekitError
from smilekit.geospace import boundaries
from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.mission.orbit import sample_times
from smilekit.products import report
from smilekit.products.plots import quicklook
from smilekit.solarwind import SolarWind, SolarWindState
from smilekit.solarwind.gaps import fill_gaps, regularize

__all__ = ["STAGES", "JobContext", "run_job"]

log = logging.getLogger(__name__)

#: Gaps up to this long are interpolated before the models run; longer ones stay as gaps.
MAX_INTERPOLATED_GAP = np.timedelta64(10, "m")

#: The spacecraft track over an event has at most about this many samples (1 min or coarser).
MAX_TRACK_SAMPLES = 5000

#: SXI frames in the main job: at most this many 5-min exposures, spread over the times SXI is on (each
#: costs ~1 s of simulation and ~6 s of retrievals in the science stage: the two-minute job budget).
SXI_MAX_FRAMES = 10
SXI_EXPOSURE = 5.0 * u.min
SXI_PIXEL = 0.25 * u.deg
SXI_SEED = 20260521

#: The grid of the emissivity slices, RE (GSM).
SLICE_X = np.linspace(-10.0, 20.0, 301)
SLICE_YZ = np.linspace(-20.0, 20.0, 401)


@dataclass
class JobContext:
    """What the stages of one run share: the input, the output folder and the results so far."""

    solar_wind: SolarWind
    out: Path
    event: str
    summary: dict = field(default_factory=dict)
    figures: list[tuple[str, str]] = field(default_factory=list)
    results: dict = field(default_factory=dict)

    def figure_path(self, name: str, caption: str) -> Path:
        """Register a figure for the report and return where to write it."""
        self.figures.append((name, caption))
        return self.out / name


# --- stages ---------------------------------------------------------------------------------------------


def stage_solar_wind(ctx: JobContext) -> dict:
    """Regularise the solar wind to its cadence, interpolate short gaps, plot the overview."""
    sw = ctx.solar_wind
    cadence = _cadence(sw)
    sw = fill_gaps(regularize(sw, cadence), max_gap=MAX_INTERPOLATED_GAP)
    ctx.results["solar_wind"] = sw
    pdyn = sw.pdyn.values
    valid = np.isfinite(pdyn)
    if not valid.any():
        raise InputError(f"the solar wind of event {ctx.event!r} has no valid dynamic pressure at all")
    peak = int(np.nanargmax(pdyn))
    ctx.results["peak_index"] = peak
    ctx.results["peak_index_time"] = sw.time.values[peak]
    quicklook.plot_solar_wind(sw, ctx.figure_path("solar_wind.png", "Solar wind (GSM field, OMNI Pdyn)"))
    quality = sw.ds["quality"].values
    return {
        "start": str(sw.time[0].values),
        "end": str(sw.time[-1].values),
        "cadence_s": float(cadence / np.timedelta64(1, "s")),
        "records": len(sw),
        "interpolated": int((quality == 1).sum()),
        "missing": int((quality == 2).sum()),
        "peak_pdyn_time": str(sw.time[peak].values),
        "peak_pdyn_nPa": float(pdyn[peak]),
        "max_density_cm-3": float(np.nanmax(sw.ds["n"].values)),
        "min_bz_gsm_nT": float(np.nanmin(sw.bz.values)),
    }


def stage_standoff(ctx: JobContext) -> dict:
    """Stand-off distance of every magnetopause model and the bow shock along the event."""
    sw: SolarWind = ctx.results["solar_wind"]
    times = sw.time.values
    drivers = {
        "pdyn": sw.pdyn.values * u.nPa,
        "bz": sw.bz.values * u.nT,
        "pm": sw.pm.values * u.nPa,
        "tilt": frames.dipole_tilt(times).to(u.deg),
    }
    valid = np.all([np.isfinite(q.value) for q in drivers.values()], axis=0)
    standoffs = {}
    for name, model in boundary_models().items():
        r0 = np.full(times.shape, np.nan)
        kwargs = {k: drivers[k][valid] for k in boundaries.model_kernel(model)[1]}
        r0[valid] = model(0 * u.deg, **kwargs).to_value(smilekit.RE)
        standoffs[name] = r0
    ctx.results["standoffs"] = standoffs
    ctx.results["tilt_deg"] = drivers["tilt"].value
    quicklook.plot_standoff(
        times, standoffs, ctx.figure_path("standoff.png", "Subsolar stand-off distance of each model")
    )
    peak = ctx.results["peak_index"]
    return {
        name: {
            "min_RE": _finite_or_none(np.nanmin(r0)),
            "max_RE": _finite_or_none(np.nanmax(r0)),
            "median_RE": _finite_or_none(np.nanmedian(r0)),
            "at_peak_pdyn_RE": _finite_or_none(r0[peak]),
        }
        for name, r0 in standoffs.items()
    }


def stage_emissivity(ctx: JobContext) -> dict:
    """SWCX emissivity of each model in the XZ and XY planes (GSM) at the time of peak pressure."""
    sw: SolarWind = ctx.results["solar_wind"]
    peak = ctx.results["peak_index"]
    state = sw.at(sw.time.values[peak])
    tilt = ctx.results["tilt_deg"][peak] * u.deg
    models = emissivity_models(state, tilt)
    sheath = models["physical SWCX"].sheath
    out = {"time": str(state.time), "tilt_deg": float(tilt.value), "models": {}}
    for name, model in models.items():
        slices = emissivity_slices(model)
        slug = name.replace(" ", "_").lower()
        path = ctx.figure_path(
            f"emissivity_{slug}.png", f"{name} emissivity at peak pressure, XZ and XY (GSM)"
        )
        quicklook.plot_emissivity_slices(
            slices, sheath, path, title=f"{name}, {np.datetime_as_string(state.time, unit='m')} UTC"
        )
        out["models"][name] = {
            "max_eV_cm-3_s-1": float(max(np.nanmax(s.values) for s in slices.values())),
            "x_of_max_on_sun_earth_line_RE": float(_x_of_max(slices["xz"])),
        }
    return out


def stage_mission(ctx: JobContext) -> dict:
    """The spacecraft over the event: track (J2, Sun, Moon), SXI pointing at the subsolar magnetopause of
    the event's solar wind, pointing constraints, operating modes; ephemeris CDF, mode CSV and figures."""
    from smilekit.mission.propagator import propagate
    from smilekit.operations import constrained_modes, spacecraft_attitude
    from smilekit.products.ephemeris import write_ephemeris_cdf
    from smilekit.products.plots import mission as mission_plots

    sw: SolarWind = ctx.results["solar_wind"]
    times = sw.time.values
    peak_time = times[ctx.results["peak_index"]]
    elements = event_orbit(times[0], peak_time)
    duration_s = (times[-1] - times[0]) / np.timedelta64(1, "s")
    step = max(60.0, 60.0 * np.ceil(duration_s / MAX_TRACK_SAMPLES / 60.0))
    track = propagate(elements, sample_times(times[0], times[-1], step * u.s))
    att = spacecraft_attitude(track, "subsolar", sw)
    excluded, vis, timeline = constrained_modes(track, att, sw)
    ctx.results.update(track=track, attitude=att, timeline=timeline)
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
        fig.savefig(ctx.figure_path(name, caption), dpi=110)
    step_h = step / 3600.0
    modes = np.asarray(timeline.mode)
    position = track.position("GSE")[at_peak].to_value(smilekit.RE)
    return {
        "orbit": "science orbit (5 000 x 121 182 km, 73 deg), apogee at the peak-pressure time",
        "elements_epoch": str(elements.epoch),
        "step_s": step,
        "samples": len(track),
        "hours_in_mode": {
            name: float((modes == name).sum() * step_h) for name in ("FSM", "RSM1", "RSM2", "RSM3")
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


def stage_sxi(ctx: JobContext) -> dict:
    """SXI along the event: model sky (physical SWCX emissivity through the line of sight), 5-min photon
    events (L1) and processed images (L2) at frames where the mode has SXI on, an X-ray movie with the
    model magnetopause (Shue 1998) drawn on it, and the frame at peak pressure in detail."""
    from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
    from smilekit.products.plots import sxi as sxi_plots
    from smilekit.products.sxi_fits import write_l1, write_l2

    track, att, timeline = ctx.results["track"], ctx.results["attitude"], ctx.results["timeline"]
    sw: SolarWind = ctx.results["solar_wind"]
    usable = np.asarray(timeline.sxi_on) & np.asarray(timeline.sxi_shutter_open) & att.valid
    usable &= _solar_wind_valid_at(sw, track.time)
    if not usable.any():
        raise ModelDomainError("SXI is off for the whole event (modes and pointing constraints)")
    index = _frame_indices(track.time, usable, ctx.results["peak_index_time"], SXI_MAX_FRAMES)
    folder = ctx.out / "sxi"
    folder.mkdir(exist_ok=True)
    movie, overlays, rows, written, frames_kept = [], [], [], [], []
    rng = np.random.default_rng(SXI_SEED)
    positions = track.position("GSE")
    peak_k = index[np.argmin(np.abs(track.time[index] - ctx.results["peak_index_time"]))]
    for k in index:
        when = track.time[k]
        state = sw.at(when)
        tilt = frames.dipole_tilt(when).to(u.deg)
        source = SWCXEmissivity.from_solar_wind(state, tilt=tilt)
        rotation = att.rotation[k]
        truth = intensity_map(
            source, positions[k], att.aim_point_gse[k], rotation=rotation, time=when, pixel=SXI_PIXEL
        )
        events = simulate_events(truth, SXI_EXPOSURE, rng=rng)
        stamp = np.datetime_as_string(when, unit="m").replace(":", "").replace("-", "")
        l2 = make_l2(events, cadence=SXI_EXPOSURE)
        written += [f"smile_sxi_l1_{stamp}.fits", f"smile_sxi_l2_{stamp}.fits"]
        write_l1(events, folder / written[-2], overwrite=True)
        write_l2(l2, folder / written[-1], overwrite=True)
        overlay = _magnetopause_overlay(state, when, positions[k].to_value(smilekit.RE), rotation)
        frame = l2["foreground"].isel(time=0)
        frame.attrs["time"] = str(when)
        movie.append(frame)
        overlays.append(overlay)
        rows.append(
            {
                "time": str(when),
                "counts": int(l2["counts"].sum()),
                "model_mean_keV_cm-2_s-1_sr-1": float(truth.mean()),
                "foreground_mean": float(frame.mean()),
                "sun_in_fov": bool(truth.attrs.get("sun_in_fov", False)),
            }
        )
        frames_kept.append((when, state, l2))
        if k == peak_k:
            peak_frame = (truth, l2, overlay, when)
    ctx.results["sxi_frames"] = frames_kept
    truth, l2, overlay, when = peak_frame
    fig = sxi_plots.plot_sxi_frame(
        truth, l2, overlays=overlay, title=f"SXI, {np.datetime_as_string(when, unit='m')} UTC, 5-min exposure"
    )
    fig.savefig(
        ctx.figure_path("sxi_frame.png", "SXI: model sky, simulated counts, processed foreground"), dpi=100
    )
    movie_path = ctx.out / "sxi_movie.gif"
    sxi_plots.write_sxi_movie(movie, movie_path, overlays=overlays, title="SXI foreground")
    ctx.figures.append(("sxi_movie.gif", "SXI movie (5-min L2 foreground) with the Shue 1998 magnetopause"))
    return {
        "frames": len(rows),
        "exposure_s": float(SXI_EXPOSURE.to_value(u.s)),
        "sxi_usable_hours": float(usable.sum() * _step_hours(track)),
        "frame_table": rows,
        "files": [*written, "sxi_movie.gif"],
    }


def stage_science(ctx: JobContext) -> dict:
    """The magnetopause stand-off and the north-cusp edges from every SXI frame by every method, against
    the model truth (the Shue 1998 magnetopause and the cusp funnel inside the physical emissivity that
    made the images), as a figure and the L3 CDF."""
    import pandas as pd

    from smilekit.campaign.statistics import r0_error_stats
    from smilekit.products.l3_cdf import write_l3_cdf
    from smilekit.products.plots.science import plot_standoff_series
    from smilekit.science.cusps import estimate_cusp_edges, sheath_context, true_cusp_edges
    from smilekit.science.magnetopause import METHODS

    kept = ctx.results.get("sxi_frames")
    if not kept:
        raise ModelDomainError("no SXI frames to work from (the sxi stage made none)")
    rows, cusp_rows, estimates, cusps = [], [], [], []
    for when, state, l2 in kept:
        r0_true = float(boundaries.standoff("shue1998", pdyn=state.pdyn, bz=state.bz).to_value(smilekit.RE))
        found = {name: method(l2, solar_wind=state) for name, method in METHODS.items()}
        for name, est in found.items():
            r0_est, sigma = est.r0.to_value(smilekit.RE), est.r0_sigma.to_value(smilekit.RE)
            rows.append(
                {"time": when, "method": name, "r0_true": r0_true, "r0_est": r0_est, "r0_sigma": sigma,
                 "status": est.status}
            )  # fmt: skip
        estimates.append(list(found.values()))
        cusp = estimate_cusp_edges(l2, solar_wind=state, magnetopause=sheath_context(found)[1])
        cusps.append(cusp)
        eq_true, pw_true = true_cusp_edges(state, when)
        cusp_rows.append(
            {
                "time": when,
                "equatorward_est": cusp.equatorward.to_value(u.deg),
                "poleward_est": cusp.poleward.to_value(u.deg),
                "equatorward_sigma": cusp.equatorward_sigma.to_value(u.deg),
                "poleward_sigma": cusp.poleward_sigma.to_value(u.deg),
                "equatorward_true": eq_true.to_value(u.deg),
                "poleward_true": pw_true.to_value(u.deg),
                "status": cusp.status,
            }
        )
    table, cusp_table = pd.DataFrame(rows), pd.DataFrame(cusp_rows)
    table.to_csv(ctx.out / "standoff_retrievals.csv", index=False)
    l3_path = write_l3_cdf(ctx.out / "smile_sxi_l3_boundaries.cdf", estimates, cusps)
    sw: SolarWind = ctx.results["solar_wind"]
    fig = plot_standoff_series(
        table,
        reference=("Shue 1998 (upstream solar wind)", sw.time.values, ctx.results["standoffs"]["shue1998"]),
        cusps=cusp_table,
        title="SXI retrievals over the event (5-min frames)",
    )
    fig.savefig(ctx.figure_path("standoff_series.png", "r0 by every method against the model truth"), dpi=100)
    table["r0_err"] = table["r0_est"] - table["r0_true"]
    per_method = {}
    for name, group in table.groupby("method", sort=False):
        err = group["r0_err"].dropna().to_numpy(float)
        stats = r0_error_stats(err, len(group) - err.size)
        per_method[name] = {
            "answered": stats["n"],
            "of": stats["n"] + stats["n_failed"],
            "bias_re": _finite_or_none(stats["bias_re"]),
            "rms_re": _finite_or_none(stats["rms_re"]),
        }
    return {
        "frames": len(kept),
        "methods": per_method,
        "cusp_answered": int((cusp_table["status"] == "ok").sum()),
        "files": ["standoff_retrievals.csv", l3_path.name],
    }


def _solar_wind_valid_at(sw: SolarWind, times) -> np.ndarray:
    """Whether both solar-wind records around each time are valid (no gap to interpolate across)."""
    valid = sw.valid()
    records = sw.time.values
    after = np.clip(np.searchsorted(records, times), 0, records.size - 1)
    before = np.clip(after - 1, 0, records.size - 1)
    return valid[before] & valid[after]


def _step_hours(track) -> float:
    return float(np.median(np.diff(track.time)) / np.timedelta64(1, "h")) if len(track) > 1 else 0.0


def _frame_indices(times, usable, centre_time, most: int) -> np.ndarray:
    """Up to ``most`` usable samples, evenly spread over the usable ones, always with the one nearest
    ``centre_time`` (the peak pressure)."""
    candidates = np.flatnonzero(usable)
    picked = candidates[
        np.unique(np.linspace(0, candidates.size - 1, min(most, candidates.size)).round().astype(int))
    ]
    nearest = candidates[np.argmin(np.abs(times[candidates] - centre_time))]
    return np.unique(np.append(picked, nearest))


def _magnetopause_overlay(state, time, position_re, rotation) -> dict:
    """The Shue 1998 magnetopause's noon-midnight and equatorial cross-sections in FOV coordinates."""
    from smilekit.products.plots.sxi import fov_coordinates

    theta = np.radians(np.linspace(-150.0, 150.0, 121))
    r = boundaries.shue1998(np.abs(theta) * u.rad, pdyn=state.pdyn, bz=state.bz).to_value(smilekit.RE)
    out = {}
    for name, axis in (("magnetopause_xz", 2), ("magnetopause_xy", 1)):
        points = np.zeros((theta.size, 3))
        points[:, 0] = r * np.cos(theta)
        points[:, axis] = r * np.sin(theta)
        gse = frames.transform(points, time, "GSM", "GSE")
        out[name] = fov_coordinates(gse, position_re, rotation)
    return out


def event_orbit(start, apogee_time):
    """The science orbit from ``start``, its mean anomaly set so that apogee falls at ``apogee_time``.

    SMILE flies from 2026; for earlier events the orbit is hypothetical: the nominal science orbit
    (:func:`~smilekit.mission.orbit.science_orbit`, node 0 deg) placed where the event is best seen.
    """
    from smilekit.mission.orbit import science_orbit

    nominal = science_orbit(start)
    since = (np.datetime64(apogee_time, "ns") - nominal.epoch) / np.timedelta64(1, "s")
    mean_anomaly = np.degrees(np.pi - nominal.mean_motion_rad_s * since) % 360.0
    return science_orbit(start, mean_anomaly=mean_anomaly * u.deg)


def boundary_models() -> dict:
    """Every stand-off model the job reports: the magnetopause models and the bow shock, by name."""
    return {**boundaries.MAGNETOPAUSE_MODELS, "bow shock (jelinek2012)": boundaries.jelinek2012_bow_shock}


def emissivity_slices(model) -> dict[str, xr.DataArray]:
    """The emissivity of ``model`` sampled in the XZ (y = 0) and XY (z = 0) planes, GSM."""
    return {
        "xz": EmissivityCube.from_model(model, SLICE_X, [0.0], SLICE_YZ).plane("xz", y=0.0),
        "xy": EmissivityCube.from_model(model, SLICE_X, SLICE_YZ, [0.0]).plane("xy", z=0.0),
    }


def emissivity_models(state: SolarWindState, tilt: u.Quantity) -> dict:
    """The emissivity models the job compares, all driven by one solar-wind state."""
    return {
        "physical SWCX": SWCXEmissivity.from_solar_wind(state, tilt=tilt),
        "Jorgensen 2019": Jorgensen2019.from_solar_wind(state),
        "CMEM": CMEM.from_solar_wind(state, tilt=tilt),
    }


#: The stages of the main job, in order: (name, function, what it does).
STAGES: list[tuple[str, Callable[[JobContext], dict]]] = [
    ("solar_wind", stage_solar_wind),
    ("standoff", stage_standoff),
    ("emissivity", stage_emissivity),
    ("mission", stage_mission),
    ("sxi", stage_sxi),
    ("science", stage_science),
]


def run_job(
    solar_wind: SolarWind, out: Path | str, *, event: str = "", progress: Callable | None = None
) -> dict:
    """Run every stage on ``solar_wind``, write figures, ``summary.json`` and ``index.html`` into ``out``.

    Parameters
    ----------
    solar_wind : SolarWind
        The event.
    out : path
        Output folder (created if needed).
    event : str
        A name for the event, shown in the report.
    progress : callable, optional
        Called as ``progress(stage_name, done, total)`` after each stage.

    Returns
    -------
    dict
        The summary that was written to ``summary.json``; ``summary["stages"][name]["status"]`` is ``"ok"``
        or ``"failed"`` with the error.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = JobContext(solar_wind=solar_wind, out=out, event=event or solar_wind.ds.attrs.get("source", ""))
    summary = {
        "smilekit_version": smilekit.__version__,
        "event": ctx.event,
        "output": str(out.resolve()),
        "stages": {},
    }
    started = time.perf_counter()
    for done, (name, stage) in enumerate(STAGES, start=1):
        t0 = time.perf_counter()
        try:
            result = stage(ctx)
            summary["stages"][name] = {"status": "ok", **result}
        except SmilekitError as error:
            log.error("stage %s failed: %s", name, error)
            summary["stages"][name] = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
            if name == "solar_wind":  # nothing downstream can run without it
                break
        summary["stages"][name]["seconds"] = round(time.perf_counter() - t0, 2)
        if progress is not None:
            progress(name, done, len(STAGES))
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["figures"] = [name for name, _ in ctx.figures]
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    report.write_index(out / "index.html", summary, ctx.figures)
    return summary


# --- helpers --------------------------------------------------------------------------------------------


def _cadence(sw: SolarWind) -> np.timedelta64:
    """The most common spacing of the time stamps, rounded to whole seconds."""
    steps = np.diff(sw.time.values).astype("timedelta64[s]")
    values, counts = np.unique(steps, return_counts=True)
    return values[np.argmax(counts)]


def _finite_or_none(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _x_of_max(plane: xr.DataArray) -> float:
    """X of the largest emissivity on the Sun-Earth line (the nose of the sheath) in an XZ plane."""
    line = plane.sel(z=0.0, method="nearest")
    return float(line.x[int(np.nanargmax(line.values))])
