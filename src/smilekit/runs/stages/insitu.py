"""The in situ truth stage: the plasma and magnetic field along the event's orbit, what LIA and MAG measure.

The track of the mission stage is sampled at ``[insitu] cadence_s`` (4 s, one LIA distribution, by
default; :meth:`smilekit.mission.orbit.Track.at` interpolates it) and
:func:`smilekit.geospace.insitu.insitu_truth` gives, at each sample, the region (solar wind,
magnetosheath, magnetosphere, cusp, from the job's Shue 1998 magnetopause and Jelínek 2012 bow shock driven
by the event's solar wind), the proton and alpha plasma and the field. The region changes are the model's
boundary crossings (:func:`smilekit.geospace.insitu.crossings`). Provides ``insitu_truth``; the summary has
the hours in each region and every crossing with the spacecraft's distance there and the model boundary's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np

from smilekit.geospace.insitu import REGION_NAMES, crossings, insitu_truth
from smilekit.mission.modes import sample_durations_s
from smilekit.mission.orbit import sample_times
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting

__all__ = ["REGION_NAMES", "InsituSettings", "stage_insitu"]


@register_section
@dataclass(frozen=True)
class InsituSettings(SettingsSection):
    """The in situ truth along the orbit: its cadence and the Kp of its T89 field."""

    section: ClassVar[str] = "insitu"

    #: Seconds between samples: one LIA distribution (4 s) by default.
    cadence_s: float = setting(4.0)
    #: Kp of the Tsyganenko T89c field inside the magnetopause (an assumption where the event has none).
    kp: float = setting(2.0, bound="non-negative")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kp > 9.0:
            self.reject("kp", self.kp, "a number from 0 to 9")


@stage(
    "insitu",
    requires=("solar_wind", "track"),
    provides=("insitu_truth",),
    settings="insitu",
    description="The plasma and field along the orbit at the in situ cadence: regions and crossings.",
)
def stage_insitu(ctx: JobContext) -> dict:
    """The truth LIA and MAG measure along the event's orbit (module docstring)."""
    settings = ctx.settings.insitu
    track, sw = ctx.results["track"], ctx.results["solar_wind"]
    first = max(track.time[0], sw.time.values[0].astype("datetime64[ns]"))
    last = min(track.time[-1], sw.time.values[-1].astype("datetime64[ns]"))
    times = sample_times(first, last, settings.cadence_s * u.s, include_stop=True)
    truth = insitu_truth(track.at(times).position("GSE"), times, sw, kp=settings.kp)
    ctx.results["insitu_truth"] = truth
    region = truth["region"].values
    hours = sample_durations_s(times) / 3600.0
    found = crossings(truth)
    r = np.linalg.norm(truth["position_gse"].values, axis=1)
    after = np.searchsorted(times, found["time"].values)
    rows = []
    for k, j in enumerate(after):
        boundary = str(found["boundary"].values[k])
        model = {"bow shock": "r_bow_shock", "magnetopause": "r_magnetopause"}.get(boundary)
        rows.append(
            {
                "time": str(found["time"].values[k]),
                "boundary": boundary,
                "from": REGION_NAMES[int(found["before"].values[k])],
                "to": REGION_NAMES[int(found["after"].values[k])],
                "r_RE": finite_or_none(r[j]),
                "model_r_RE": finite_or_none(truth[model].values[j]) if model else None,
            }
        )
    return {
        "samples": int(times.size),
        "cadence_s": settings.cadence_s,
        "kp": settings.kp,
        "hours_in_region": {
            name: round(float(hours[region == code].sum()), 3) for code, name in REGION_NAMES.items()
        },
        "flagged_samples": int((truth["quality"].values != 0).sum()),
        "crossings": rows,
    }
