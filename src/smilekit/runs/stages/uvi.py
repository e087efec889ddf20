"""The UVI stage: the ultraviolet imager along the event, from the model oval to L1, L2 and L3 files.

At up to ``[uvi] max_frames`` track samples where the mode has UVI on (FSM and RSM2, the timeline's
``uvi_on``), the oval of OVATION Prime 2010 driven by the event's solar wind is seen from the spacecraft
with the mission's UVI attitude (:func:`~smilekit.instruments.uvi.sky.model_sky`), made into one exposure
(:func:`~smilekit.instruments.uvi.simulate_image`), processed to L1 and L2, and its boundaries and
hemispheric power are retrieved (:func:`~smilekit.science.aurora.image_boundaries`,
:func:`~smilekit.science.aurora.image_hemispheric_power`) and compared with the model's at the same time
(:func:`~smilekit.science.aurora.model_boundaries`). Provides ``uvi_frames``: ``(time, L2 dataset, image
boundaries, image hemispheric power)`` of every frame.

How a frame is chosen and timed
-------------------------------
A frame is taken at a track sample, its time the sample's (the attitude's), which the L1, L2 and L3 files
carry and their names are stamped with. OVATION takes the Newell coupling averaged over the 4 hours before
the frame (:func:`~smilekit.geospace.ovation.averaged_coupling`); the candidates are the UVI-on samples with
the most of those hours holding solar-wind data (:func:`~smilekit.geospace.ovation.window_hours`): all 4
on any event longer than the window, fewer on a shorter one, where OVATION's average is renormalised over
the hours there are and ``ovation_window_hours`` says how many; a sample whose exposure would run past the
track's end is not one (no attitude or position for its end). Up to ``max_frames`` are spread evenly over
the candidates; one whose field misses the Earth is dropped. ``skipped`` in the summary counts each reason
a UVI-on sample was not a frame.

Cost
----
The images are ``[uvi] pixels`` on a side, the detector's 512 by default, about 1 s a frame with its files.
Fewer pixels make a coarser detector of the same field, faster, but its pixels then span more than the L2
map's 0.5 deg x 0.25 h bins, some bins get no pixel, and the image's hemispheric power covers less of the
oval (``covered_area_fraction`` in the frame table says how much).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np

from smilekit._io import save_figure
from smilekit.errors import ModelDomainError
from smilekit.geospace.ovation import AVERAGE_HOURS, OvationPrime2010, window_hours
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.config import UVIConfig
from smilekit.instruments.uvi.l1 import make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.sky import LBH_POPULATIONS, model_sky, precipitation_emission, shell_geometry
from smilekit.products.names import product_name
from smilekit.products.plots import uvi as uvi_plots
from smilekit.products.uvi_fits import write_l1, write_l2
from smilekit.products.uvi_l3_cdf import write_uvi_l3_cdf
from smilekit.runs.context import JobContext, finite_or_none, spread_evenly
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.science.aurora import (
    image_boundaries,
    image_hemispheric_power,
    mean_boundary_difference,
    model_boundaries,
)
from smilekit.solarwind import SolarWind

__all__ = ["UVISettings", "stage_uvi"]


@register_section
@dataclass(frozen=True)
class UVISettings(SettingsSection):
    """The UVI frames of the main job.

    At most ``max_frames`` exposures spread over the times UVI is on, each about 1 s (sky, image, L1, L2,
    retrievals, files) at the detector's 512 pixels.
    """

    section: ClassVar[str] = "uvi"

    max_frames: int = setting(6)
    #: Exposure of a frame, minutes: a whole number of 1-s CCD frames.
    exposure_min: float = setting(1.0)
    #: Pixels per image side (the detector's 512; fewer is a coarser detector of the same field).
    pixels: int = setting(UVIConfig().pixels)
    #: Seed of the images' random generator: same seed, same images.
    seed: int = setting(20260521, bound="non-negative")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not float(self.exposure_min * 60.0).is_integer():
            self.reject("exposure_min", self.exposure_min, "a whole number of 1-s CCD frames (x 60)")
        if self.pixels < 8:
            self.reject("pixels", self.pixels, "an integer >= 8")

    @property
    def exposure(self) -> u.Quantity:
        """The exposure of a frame, a time Quantity."""
        return self.exposure_min * u.min

    @property
    def config(self) -> UVIConfig:
        """The instrument with these settings' pixels and exposure."""
        return UVIConfig(pixels=self.pixels, exposure=self.exposure.to(u.s))


@stage(
    "uvi",
    requires=("solar_wind", "track", "attitude", "timeline"),
    provides=("uvi_frames",),
    settings="uvi",
    description="UVI frames where the mode has it on: OVATION oval, L1 and L2 images, L3 boundaries, movie.",
)
def stage_uvi(ctx: JobContext) -> dict:
    """UVI along the event: the OVATION Prime 2010 oval of the event's solar wind seen with the mission's
    UVI attitude, one exposure per frame to L1 and L2, boundaries and hemispheric power against the model's
    at the same time, the L3 CDF, a quick-look and a movie (module docstring: how a frame is chosen)."""
    settings = ctx.settings.uvi
    track, att, timeline = ctx.results["track"], ctx.results["attitude"], ctx.results["timeline"]
    sw: SolarWind = ctx.results["solar_wind"]
    modes = np.asarray(timeline.mode)
    on = np.asarray(timeline.uvi_on, dtype=bool) & np.isin(modes, ("FSM", "RSM2"))
    if not on.any():
        raise ModelDomainError(
            f"UVI is never on during the event (no FSM or RSM2 sample among {len(modes)}: "
            "the altitude or the oval's visibility keeps it off)"
        )
    times = np.asarray(track.time, dtype="datetime64[ns]")
    first, last = sw.time.values[[0, -1]].astype("datetime64[ns]")
    inside = (times >= first) & (times <= last)
    past_track = times + np.timedelta64(round(settings.exposure_min * 60e9), "ns") > times[-1]
    candidates = np.flatnonzero(on & inside & ~past_track)
    hours = window_hours(sw, times[candidates]) if candidates.size else np.zeros(0, int)
    window = int(hours.max(initial=0))
    if window == 0:
        raise ModelDomainError(
            f"UVI is on at {int(on.sum())} track samples, but none has solar wind in OVATION's "
            f"{AVERAGE_HOURS}-h window before it"
        )
    skipped = {
        "outside_solar_wind": int((on & ~inside).sum()),
        "exposure_past_track": int((on & inside & past_track).sum()),
        "ovation_window_short": int((hours < window).sum()),
    }
    candidates = candidates[hours == window]
    index = spread_evenly(candidates, settings.max_frames)
    config = settings.config
    rng = np.random.default_rng(settings.seed)
    prec = OvationPrime2010().precipitation(times[index], sw, populations=LBH_POPULATIONS)
    truth = model_boundaries(times[index], sw)
    folder = ctx.out / "uvi"
    folder.mkdir(exist_ok=True)
    rows, written, kept, geometries = [], [], [], []
    for j, k in enumerate(index):
        t = times[k]
        g = shell_geometry(None, att, index=int(k), config=config, on_miss="flag")
        if g.attrs.get("flag"):
            skipped["field_misses_earth"] = skipped.get("field_misses_earth", 0) + 1
            continue
        sky = model_sky(None, None, None, precipitation_emission(prec, t), geometry=g, config=config)
        dn = simulate_image(sky, settings.exposure, rng, config=config)
        ctx.telemeter("uvi", dn, start=t)
        l1 = make_l1(dn, config)
        l2 = make_l2(l1, g, config=config)
        b, hp = image_boundaries(l2), image_hemispheric_power(l2)
        model = truth.isel(time=j)
        names = [product_name("uvi", level, "images", t, ext="fits") for level in ("l1", "l2")]
        write_l1(l1, folder / names[0], geometry=g, config=config, overwrite=True)
        write_l2(l2, folder / names[1], geometry=g, config=config, overwrite=True)
        written += names
        model_power = float(model["electron_power"])
        rows.append(
            {
                "time": str(t),
                "mode": str(modes[k]),
                "hemispheric_power_GW": finite_or_none(hp["electron_power"]),
                "hemispheric_power_err_GW": finite_or_none(hp["electron_power_err"]),
                "model_hemispheric_power_GW": finite_or_none(model_power),
                "covered_area_fraction": finite_or_none(hp["covered_area_fraction"]),
                "equatorward_bias_deg": finite_or_none(mean_boundary_difference(b, model, "equatorward")),
                "poleward_bias_deg": finite_or_none(mean_boundary_difference(b, model, "poleward")),
                "equatorward_sectors_found": int(np.isfinite(b["equatorward_mlat"].values).sum()),
            }
        )
        kept.append((t, l2, b, hp))
        geometries.append(g)
    if not kept:
        raise ModelDomainError(f"no UVI frame could be made: {skipped}")
    ctx.results["uvi_frames"] = kept
    l3 = product_name("uvi", "l3", "boundaries", kept[0][0], ext="cdf")
    write_uvi_l3_cdf(
        folder / l3,
        [f[2] for f in kept],
        [f[3] for f in kept],
        text=f"SMILE UVI boundaries and hemispheric power of the simulated event {ctx.event}.",
    )
    written.append(l3)
    powers = [r["model_hemispheric_power_GW"] for r in rows]
    best = int(np.argmax([-np.inf if p is None else p for p in powers]))
    t, l2, b, _ = kept[best]
    minutes = f"{settings.exposure_min:g}-min"
    fig = uvi_plots.plot_uvi_frame(
        l2,
        geometry=geometries[best],
        boundaries=b,
        title=f"UVI, {np.datetime_as_string(t, unit='m')} UT ({minutes} exposure, {rows[best]['mode']})",
    )
    save_figure(
        fig,
        ctx.figure_path("uvi_frame.png", "UVI, the frame of the strongest model oval: image and polar map"),
        dpi=100,
    )
    uvi_plots.write_uvi_movie(
        [f[1] for f in kept], ctx.out / "uvi_movie.gif", boundaries=[f[2] for f in kept]
    )
    ctx.figures.append(("uvi_movie.gif", f"UVI movie ({minutes} L2 brightness) with the image boundaries"))

    def mean_of(key):
        values = [r[key] for r in rows if r[key] is not None]
        return finite_or_none(np.mean(values)) if values else None

    return {
        "frames": len(rows),
        "exposure_s": float(settings.exposure.to_value(u.s)),
        "pixels": settings.pixels,
        "uvi_on_samples": int(candidates.size),
        "ovation_window_hours": window,
        "skipped": skipped,
        "equatorward_bias_deg": mean_of("equatorward_bias_deg"),
        "poleward_bias_deg": mean_of("poleward_bias_deg"),
        "frame_table": rows,
        "files": [*written, "uvi_movie.gif"],
    }
