"""The SXI stage: the soft X-ray imager along the event, from the model sky to L1 and L2 files.

At frames where the mode has SXI on, the physical SWCX emissivity is integrated through every line of sight
(the model sky), turned into photon events (L1) and processed images (L2), and gathered into an X-ray movie
with the model magnetopause (Shue 1998) drawn on it. Provides ``sxi_frames``: ``(middle time, solar-wind
state, L2 dataset)`` of every frame, for the science stage; on Dask workers the L2 dataset is a handle to
it where it is made (:meth:`~smilekit.runs.context.JobContext.submit`'s ``keep``), provided as soon as the
frames are started: the stage parks there, and the stages after it run while the workers make the frames.

How a frame is timed
--------------------
A frame is one exposure (``[sxi] exposure_min``) centred on a sample of the track: it runs from
``start = middle - exposure / 2`` to ``end = start + exposure``. Everything that makes the frame is taken at
its middle, the time that best stands for the exposure: the spacecraft position and pointing (the track
sample), the solar-wind state ``sw.at(middle)`` that drives the emissivity, and the dipole tilt. The photon
events run from ``start`` to ``end``, so the L2 file's ``time`` is the start of its one bin and
``time_end`` its end (the L2 cadence is the exposure), and the L1 and L2 file names carry the start (the
mission's file-name rule stamps a product with the start of its data). A frame is kept only where SXI is
usable (mode, shutter, pointing constraints, valid solar wind) at every track sample of the whole exposure,
which lies inside the track. The summary's ``frame_table`` gives each frame's ``start``, ``end`` and
``middle``.

The frame of the peak
---------------------
The frame kept for the peak (the solar-wind stage's ``peak_index_time``, the peak of the smoothed dynamic
pressure) is the usable exposure whose window ``[start, end]`` contains the peak time: so the frame "at
peak" sees the state at the peak, not the one before a pressure jump. Where SXI is not usable then, it is
the nearest usable exposure, and the summary says so: ``peak_frame`` is ``{"start", "end",
"contains_peak", "note"}``, the note null when the frame contains the peak and else the reason.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import astropy.units as u
import numpy as np

import smilekit
from smilekit import frames
from smilekit._io import save_figure
from smilekit._validation import whole_frames
from smilekit.errors import InputError, ModelDomainError
from smilekit.geospace import boundaries
from smilekit.geospace.emissivity import SWCXEmissivity
from smilekit.instruments.sxi import SXIConfig, intensity_map, make_l2, simulate_events
from smilekit.products.names import product_name
from smilekit.products.plots import sxi as sxi_plots
from smilekit.products.sxi_fits import write_l1, write_l2
from smilekit.runs.context import JobContext, spread_evenly
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.science.boundary_fit import FIT_PIXEL_DEG
from smilekit.solarwind import SolarWind, SolarWindState

__all__ = ["L1_L2_DESCRIPTORS", "FrameSpec", "SXISettings", "make_frame", "stage_sxi"]

#: The (level, descriptor) of the SXI files of each frame: the L1 event list and the L2 images.
L1_L2_DESCRIPTORS = (("l1", "events"), ("l2", "images"))


@register_section
@dataclass(frozen=True)
class SXISettings(SettingsSection):
    """The SXI frames of the main job.

    At most ``max_frames`` exposures spread over the times SXI is on, plus the one of the peak pressure;
    or, with ``every_frame``, every usable exposure, back to back (``smilekit run --every-frame``). Each
    5-min frame costs ~0.15 s here (sky, events, L2, files) and ~0.3 s of retrievals in the science stage:
    the default event's 674 frames take minutes even on several workers (``smilekit run --workers N``), so
    the default keeps the job in its two-minute budget (``benchmarks/README.md``, "The main job").
    """

    section: ClassVar[str] = "sxi"

    max_frames: int = setting(10)
    #: Every usable exposure, laid end to end through the peak's, instead of ``max_frames`` spread ones.
    every_frame: bool = setting(False)
    #: At most this many frames, spread evenly, in the X-ray movie.
    movie_frames: int = setting(60)
    #: Exposure of a frame, minutes: also the L2 cadence, so a whole number of CCD frames.
    exposure_min: float = setting(5.0)
    #: Pixel of the model sky and of the L2 images, degrees.
    pixel_deg: float = setting(0.25)
    #: Seed of the photon events' random generator: same seed, same events.
    seed: int = setting(20260521, bound="non-negative")

    def __post_init__(self) -> None:
        super().__post_init__()
        frame_s = float(SXIConfig().frame_time.to_value(u.s))
        try:  # the one home of the rule, shared with simulate_events and the case files
            whole_frames(self.exposure_min * 60.0, frame_s, "exposure_min x 60")
        except InputError:
            self.reject("exposure_min", self.exposure_min, f"a whole number of {frame_s:g}-s CCD frames")
        if self.pixel_deg > FIT_PIXEL_DEG:
            self.reject(
                "pixel_deg", self.pixel_deg, f"a number <= {FIT_PIXEL_DEG:g} (the boundary fits' pixel, deg)"
            )

    @property
    def exposure(self) -> u.Quantity:
        """The exposure of a frame, a time Quantity."""
        return self.exposure_min * u.min

    @property
    def exposure_step(self) -> np.timedelta64:
        """The exposure of a frame as a time step (ns), for the frames' start and end times."""
        return np.timedelta64(round(self.exposure_min * 60e9), "ns")

    @property
    def pixel(self) -> u.Quantity:
        """The pixel size, an angle Quantity."""
        return self.pixel_deg * u.deg


@stage(
    "sxi",
    requires=("solar_wind", "peak_index_time", "track", "attitude", "timeline"),
    provides=("sxi_frames",),
    settings="sxi",
    description="SXI frames where the mode has it on: model sky, photon events (L1), images (L2), a movie.",
)
def stage_sxi(ctx: JobContext) -> Generator[None, None, dict]:
    """SXI along the event: model sky (physical SWCX emissivity through the line of sight), photon events
    (L1) and processed images (L2) for exposures where the mode has SXI on, an X-ray movie with the model
    magnetopause (Shue 1998) drawn on it, and the exposure that contains the peak pressure in detail
    (module docstring: how a frame is timed). It parks (:mod:`smilekit.runs.registry`) once the frames are
    started, ``sxi_frames`` provided with handles to their L2 images."""
    settings = ctx.settings.sxi
    track, att, timeline = ctx.results["track"], ctx.results["attitude"], ctx.results["timeline"]
    sw: SolarWind = ctx.results["solar_wind"]
    usable = np.asarray(timeline.sxi_on) & np.asarray(timeline.sxi_shutter_open) & att.valid
    usable &= _solar_wind_valid_at(sw, track.time)
    exposure = settings.exposure_step
    half = exposure // 2
    whole = _whole_exposures(track.time, usable, half)
    if not whole.any():
        raise ModelDomainError(
            f"SXI is not usable through any whole {settings.exposure_min:g}-min exposure during the event "
            f"(modes, pointing constraints, solar-wind gaps; usable at {int(usable.sum())} of {len(usable)} "
            "track samples)"
        )
    peak_time = np.datetime64(ctx.results["peak_index_time"], "ns")
    peak_k, peak_frame = _peak_frame(track.time, usable, whole, peak_time, half, exposure)
    if settings.every_frame:
        index = _back_to_back(track.time, whole, peak_k, exposure)
    else:
        index = _frame_indices(whole, peak_k, settings.max_frames)
    folder = ctx.out / "sxi"
    folder.mkdir(exist_ok=True)
    in_movie = set(spread_evenly(np.arange(len(index)), settings.movie_frames).tolist())
    positions = track.position("GSE").to_value(smilekit.RE)
    aims = att.aim_point_gse.to_value(smilekit.RE)
    specs = [
        FrameSpec(
            index=int(k),
            middle=track.time[k],
            state=sw.at(track.time[k]),
            position_re=positions[k],
            aim_re=aims[k],
            rotation=att.rotation[k],
            settings=settings,
            folder=folder,
            detail=bool(k == peak_k),
            in_movie=n in in_movie,
            keep_events=ctx.packetiser is not None,
        )
        for n, k in enumerate(index)
    ]
    batch = ctx.submit(make_frame, specs, keep=("l2",))  # the L2 images stay on the workers, if any
    ctx.results["sxi_frames"] = [
        (spec.middle, spec.state, l2) for spec, l2 in zip(specs, batch.kept("l2"), strict=True)
    ]
    yield  # parked: the next stages run here while the workers make the frames
    made = batch.result()
    (peak_n,) = [n for n, spec in enumerate(specs) if spec.detail]
    drawn = [frame for frame in made if frame["movie_frame"] is not None]
    movie, overlays = [f["movie_frame"] for f in drawn], [f["overlay"] for f in drawn]
    rows, written = [], []
    for frame in made:
        if frame["events"] is not None:
            ctx.telemeter("sxi", frame["events"])
        written += frame["files"]
        rows.append(frame["row"])
    peak = made[peak_n]
    (l2,) = ctx.fetch([peak["l2"]])  # the one L2 image brought back whole: the peak's, drawn in detail
    truth, overlay, start = peak["truth"], peak["overlay"], specs[peak_n].middle - half
    minutes = f"{settings.exposure_min:g}-min"
    stop = np.datetime_as_string(start + exposure, unit="m")[11:]
    fig = sxi_plots.plot_sxi_frame(
        truth,
        l2,
        overlays=overlay,
        title=f"SXI, {np.datetime_as_string(start, unit='m')} to {stop} UT ({minutes} exposure)",
    )
    at_peak = "containing" if peak_frame["contains_peak"] else "nearest to"
    save_figure(
        fig,
        ctx.figure_path(
            "sxi_frame.png", f"SXI, the exposure {at_peak} the peak pressure: model sky, counts, foreground"
        ),
        dpi=100,
    )
    movie_path = ctx.out / "sxi_movie.gif"
    sxi_plots.write_sxi_movie(movie, movie_path, overlays=overlays, title="SXI foreground, exposure from")
    shown = "" if len(movie) == len(rows) else f", {len(movie)} of the {len(rows)} frames"
    ctx.figures.append(
        ("sxi_movie.gif", f"SXI movie ({minutes} L2 foreground{shown}) with the Shue 1998 magnetopause")
    )
    return {
        "frames": len(rows),
        "exposure_s": float(settings.exposure.to_value(u.s)),
        "sxi_usable_hours": float(timeline.sample_durations_s()[usable].sum() / 3600.0),
        "frame_table": rows,
        "peak_frame": peak_frame,
        "files": [*written, "sxi_movie.gif"],
    }


@dataclass(frozen=True)
class FrameSpec:
    """What one SXI frame of the stage is made from (module docstring: how a frame is timed).

    ``index`` is the frame's track sample: its photon events are drawn from the generator seeded with
    ``(settings.seed, index)``, so a frame's events do not depend on which other frames the run makes, nor
    on the process that makes it. ``detail``: the frame drawn in detail (the peak's), which keeps its model
    sky; ``in_movie``: a frame of the X-ray movie, which returns its foreground image; ``keep_events``: keep
    the L1 event list (the packet path).
    """

    index: int
    middle: np.datetime64
    state: SolarWindState
    position_re: np.ndarray
    aim_re: np.ndarray
    rotation: np.ndarray
    settings: SXISettings
    folder: Path
    detail: bool = False
    in_movie: bool = False
    keep_events: bool = False


def make_frame(spec: FrameSpec) -> dict:
    """One SXI frame: the model sky, the photon events (L1) and the images (L2), written to ``spec.folder``.

    Returns a dict: ``row`` (the frame's line of the summary's ``frame_table``), ``files`` (the L1 and L2 file
    names), ``l2``, ``truth`` (the model sky when ``spec.detail``, else None), ``overlay`` (the model
    magnetopause in the FOV, for a frame drawn: in the movie or in detail; else None), ``movie_frame`` (the
    foreground image, its ``time`` attribute the start, when ``spec.in_movie``, else None) and ``events`` (the
    L1 event list when ``spec.keep_events``, else None). A function of its spec alone, so that
    :meth:`~smilekit.runs.context.JobContext.map` can run it on a worker.
    """
    settings = spec.settings
    exposure, pixel, step = settings.exposure, settings.pixel, settings.exposure_step
    start = spec.middle - step // 2
    tilt = frames.dipole_tilt(spec.middle).to(u.deg)
    source = SWCXEmissivity.from_solar_wind(spec.state, tilt=tilt, warn=False)
    truth = intensity_map(
        source,
        spec.position_re * smilekit.RE,
        spec.aim_re * smilekit.RE,
        rotation=spec.rotation,
        time=spec.middle,
        pixel=pixel,
    )
    rng = np.random.default_rng([settings.seed, spec.index])
    events = simulate_events(truth, exposure, rng=rng, start=start)
    l2 = make_l2(events, cadence=exposure, pixel=pixel)
    files = [product_name("sxi", level, kind, start, ext="fits") for level, kind in L1_L2_DESCRIPTORS]
    write_l1(events, spec.folder / files[0], overwrite=True)
    write_l2(l2, spec.folder / files[1], overwrite=True)
    foreground = l2["foreground"].isel(time=0)
    row = {
        "start": str(start),
        "end": str(start + step),
        "middle": str(spec.middle),
        "counts": int(l2["counts"].sum()),
        "model_mean_keV_cm-2_s-1_sr-1": float(truth.mean()),
        "foreground_mean": float(foreground.mean()),
        "sun_in_fov": bool(truth.attrs.get("sun_in_fov", False)),
    }
    return {
        "row": row,
        "files": files,
        "l2": l2,
        "truth": truth if spec.detail else None,
        "movie_frame": foreground.assign_attrs(time=row["start"]) if spec.in_movie else None,
        "overlay": (
            _magnetopause_overlay(spec.state, spec.middle, spec.position_re, spec.rotation)
            if spec.in_movie or spec.detail
            else None
        ),
        "events": events if spec.keep_events else None,
    }


def _back_to_back(times, whole, anchor: int, exposure) -> np.ndarray:
    """The track indices of usable exposures laid end to end through the one at ``anchor`` (the peak's):
    after it, each next one the first that starts at or after the previous one's end; before it, each the
    last that ends at or before the next one's start."""
    times = np.asarray(times, dtype="datetime64[ns]")
    half = exposure // 2
    starts, ends = times - half, times - half + exposure
    candidates = np.flatnonzero(whole)
    chosen = [anchor]
    for k in candidates[candidates > anchor]:
        if starts[k] >= ends[chosen[-1]]:
            chosen.append(k)
    before = [anchor]
    for k in candidates[candidates < anchor][::-1]:
        if ends[k] <= starts[before[-1]]:
            before.append(k)
    return np.asarray(before[:0:-1] + chosen, dtype=int)


def _solar_wind_valid_at(sw: SolarWind, times) -> np.ndarray:
    """Whether both solar-wind records around each time are valid (no gap to interpolate across)."""
    valid = sw.valid()
    records = sw.time.values
    after = np.clip(np.searchsorted(records, times), 0, records.size - 1)
    before = np.clip(after - 1, 0, records.size - 1)
    return valid[before] & valid[after]


def _whole_exposures(times, usable, half) -> np.ndarray:
    """Whether the exposure centred on each track time (``time - half`` to ``time + half``) lies inside the
    track and has SXI usable at every track time in it."""
    times = np.asarray(times, dtype="datetime64[ns]")
    lo = np.searchsorted(times, times - half, side="left")
    hi = np.searchsorted(times, times + half, side="right")
    unusable = np.concatenate([[0], np.cumsum(~np.asarray(usable, dtype=bool))])
    inside = (times - half >= times[0]) & (times + half <= times[-1])
    return inside & (unusable[hi] - unusable[lo] == 0)


def _peak_frame(times, usable, whole, peak_time, half, exposure) -> tuple[int, dict]:
    """The track index of the exposure kept for the peak and its summary entry.

    The usable exposure nearest the peak: its window contains the peak whenever any usable one does. The
    note says why it does not otherwise.
    """
    times = np.asarray(times, dtype="datetime64[ns]")
    candidates = np.flatnonzero(whole)
    k = int(candidates[np.argmin(np.abs(times[candidates] - peak_time))])
    start = times[k] - half
    contains = bool(start <= peak_time <= start + exposure)
    note = None
    if not contains:
        offset = (times[k] - peak_time) / np.timedelta64(1, "m")
        where = f"centred {abs(offset):.1f} min {'after' if offset > 0 else 'before'} the peak"
        nearest = int(np.argmin(np.abs(times - peak_time)))
        if usable[nearest] and abs(times[nearest] - peak_time) > half:
            note = (
                f"no track sample lies within half an exposure of the peak (the track's step is longer "
                f"than the exposure): the nearest usable exposure, {where}"
            )
        else:
            note = (
                "SXI is not usable through an exposure containing the peak (mode, pointing constraints or "
                f"a solar-wind gap): the nearest usable exposure, {where}"
            )
    entry = {"start": str(start), "end": str(start + exposure), "contains_peak": contains, "note": note}
    return k, entry


def _frame_indices(whole, peak_k: int, most: int) -> np.ndarray:
    """Up to ``most`` exposures evenly spread over the usable ones, always with the one of the peak."""
    return np.unique(np.append(spread_evenly(np.flatnonzero(whole), most), peak_k))


def _magnetopause_overlay(state, time, position_re, rotation) -> dict:
    """The Shue 1998 magnetopause's noon-midnight and equatorial cross-sections in FOV coordinates."""
    theta = np.radians(np.linspace(-150.0, 150.0, 121))
    r = boundaries.shue1998(np.abs(theta) * u.rad, pdyn=state.pdyn, bz=state.bz, warn=False).to_value(
        smilekit.RE
    )
    out = {}
    for name, axis in (("magnetopause_xz", 2), ("magnetopause_xy", 1)):
        points = np.zeros((theta.size, 3))
        points[:, 0] = r * np.cos(theta)
        points[:, axis] = r * np.sin(theta)
        gse = frames.transform(points, time, "GSM", "GSE")
        out[name] = sxi_plots.fov_coordinates(gse, position_re, rotation)
    return out
