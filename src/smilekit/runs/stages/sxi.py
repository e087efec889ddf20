"""The SXI stage: the soft X-ray imager along the event, from the model sky to L1 and L2 files.

At frames where the mode has SXI on, the physical SWCX emissivity is integrated through every line of sight
(the model sky), turned into photon events (L1) and processed images (L2), and gathered into an X-ray movie
with the model magnetopause (Shue 1998) drawn on it. Provides ``sxi_frames``: ``(time, solar-wind state,
L2 dataset)`` of every frame, for the science stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np

import smilekit
from smilekit import frames
from smilekit.errors import ModelDomainError
from smilekit.geospace import boundaries
from smilekit.geospace.emissivity import SWCXEmissivity
from smilekit.instruments.sxi import SXIConfig, intensity_map, make_l2, simulate_events
from smilekit.products.names import product_name
from smilekit.products.plots import sxi as sxi_plots
from smilekit.products.sxi_fits import write_l1, write_l2
from smilekit.runs.context import JobContext
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.science.boundary_fit import FIT_PIXEL_DEG
from smilekit.solarwind import SolarWind

__all__ = ["L1_L2_DESCRIPTORS", "SXISettings", "stage_sxi"]

#: The (level, descriptor) of the SXI files of each frame: the L1 event list and the L2 images.
L1_L2_DESCRIPTORS = (("l1", "events"), ("l2", "images"))


@register_section
@dataclass(frozen=True)
class SXISettings(SettingsSection):
    """The SXI frames of the main job.

    At most ``max_frames`` exposures spread over the times SXI is on, plus the one nearest peak pressure.
    Each 5-min frame costs ~1 s of simulation and ~6 s of retrievals in the science stage: the default
    keeps the job in its two-minute budget (``benchmarks/README.md``).
    """

    section: ClassVar[str] = "sxi"

    max_frames: int = setting(10)
    #: Exposure of a frame, minutes: also the L2 cadence, so a whole number of CCD frames.
    exposure_min: float = setting(5.0)
    #: Pixel of the model sky and of the L2 images, degrees.
    pixel_deg: float = setting(0.25)
    #: Seed of the photon events' random generator: same seed, same events.
    seed: int = setting(20260521, bound="non-negative")

    def __post_init__(self) -> None:
        super().__post_init__()
        frame_s = float(SXIConfig().frame_time.to_value(u.s))
        frames = self.exposure_min * 60.0 / frame_s
        if abs(frames - round(frames)) > 1e-9:
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
def stage_sxi(ctx: JobContext) -> dict:
    """SXI along the event: model sky (physical SWCX emissivity through the line of sight), photon events
    (L1) and processed images (L2) at frames where the mode has SXI on, an X-ray movie with the model
    magnetopause (Shue 1998) drawn on it, and the frame at peak pressure in detail."""
    settings = ctx.settings.sxi
    track, att, timeline = ctx.results["track"], ctx.results["attitude"], ctx.results["timeline"]
    sw: SolarWind = ctx.results["solar_wind"]
    usable = np.asarray(timeline.sxi_on) & np.asarray(timeline.sxi_shutter_open) & att.valid
    usable &= _solar_wind_valid_at(sw, track.time)
    if not usable.any():
        raise ModelDomainError("SXI is off for the whole event (modes and pointing constraints)")
    index = _frame_indices(track.time, usable, ctx.results["peak_index_time"], settings.max_frames)
    folder = ctx.out / "sxi"
    folder.mkdir(exist_ok=True)
    movie, overlays, rows, written, frames_kept = [], [], [], [], []
    rng = np.random.default_rng(settings.seed)
    positions = track.position("GSE")
    peak_k = index[np.argmin(np.abs(track.time[index] - ctx.results["peak_index_time"]))]
    for k in index:
        when = track.time[k]
        state = sw.at(when)
        tilt = frames.dipole_tilt(when).to(u.deg)
        source = SWCXEmissivity.from_solar_wind(state, tilt=tilt)
        rotation = att.rotation[k]
        truth = intensity_map(
            source, positions[k], att.aim_point_gse[k], rotation=rotation, time=when, pixel=settings.pixel
        )
        events = simulate_events(truth, settings.exposure, rng=rng)
        l2 = make_l2(events, cadence=settings.exposure, pixel=settings.pixel)
        written += [product_name("sxi", level, kind, when, ext="fits") for level, kind in L1_L2_DESCRIPTORS]
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
    minutes = f"{settings.exposure_min:g}-min"
    fig = sxi_plots.plot_sxi_frame(
        truth,
        l2,
        overlays=overlay,
        title=f"SXI, {np.datetime_as_string(when, unit='m')} UTC, {minutes} exposure",
    )
    fig.savefig(
        ctx.figure_path("sxi_frame.png", "SXI: model sky, simulated counts, processed foreground"), dpi=100
    )
    movie_path = ctx.out / "sxi_movie.gif"
    sxi_plots.write_sxi_movie(movie, movie_path, overlays=overlays, title="SXI foreground")
    ctx.figures.append(
        ("sxi_movie.gif", f"SXI movie ({minutes} L2 foreground) with the Shue 1998 magnetopause")
    )
    return {
        "frames": len(rows),
        "exposure_s": float(settings.exposure.to_value(u.s)),
        "sxi_usable_hours": float(usable.sum() * _step_hours(track)),
        "frame_table": rows,
        "files": [*written, "sxi_movie.gif"],
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
    theta = np.radians(np.linspace(-150.0, 150.0, 121))
    r = boundaries.shue1998(np.abs(theta) * u.rad, pdyn=state.pdyn, bz=state.bz).to_value(smilekit.RE)
    out = {}
    for name, axis in (("magnetopause_xz", 2), ("magnetopause_xy", 1)):
        points = np.zeros((theta.size, 3))
        points[:, 0] = r * np.cos(theta)
        points[:, axis] = r * np.sin(theta)
        gse = frames.transform(points, time, "GSM", "GSE")
        out[name] = sxi_plots.fov_coordinates(gse, position_re, rotation)
    return out
