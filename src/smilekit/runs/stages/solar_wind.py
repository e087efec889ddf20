"""The solar-wind stage: the event regularised to its cadence, short gaps interpolated, the overview plot.

Provides ``solar_wind`` (the prepared :class:`~smilekit.solarwind.SolarWind`), ``peak_index`` and
``peak_index_time`` (the record of peak dynamic pressure, which later stages centre on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.products.plots import quicklook
from smilekit.runs.context import JobContext
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.solarwind import SolarWind
from smilekit.solarwind.gaps import fill_gaps, regularize

__all__ = ["SolarWindSettings", "stage_solar_wind"]


@register_section
@dataclass(frozen=True)
class SolarWindSettings(SettingsSection):
    """How the solar-wind stage prepares the event."""

    section: ClassVar[str] = "solar_wind"

    #: Gaps up to this long (minutes) are interpolated before the models run; longer ones stay as gaps.
    max_interpolated_gap_min: float = setting(10.0)

    @property
    def max_interpolated_gap(self) -> u.Quantity:
        """The longest gap that is interpolated, a time Quantity."""
        return self.max_interpolated_gap_min * u.min


@stage(
    "solar_wind",
    provides=("solar_wind", "peak_index", "peak_index_time"),
    settings="solar_wind",
    essential=True,
    description="The event regularised to its cadence, short gaps interpolated; the time of peak pressure.",
)
def stage_solar_wind(ctx: JobContext) -> dict:
    """Regularise the solar wind to its cadence, interpolate short gaps, plot the overview."""
    sw = ctx.solar_wind
    cadence = _cadence(sw)
    sw = fill_gaps(regularize(sw, cadence), max_gap=ctx.settings.solar_wind.max_interpolated_gap)
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


def _cadence(sw: SolarWind) -> np.timedelta64:
    """The most common spacing of the time stamps, rounded to whole seconds (not truncated: jittered
    16-s records, 15.6 to 16.4 s apart, have a 16-s cadence)."""
    steps = np.round(np.diff(sw.time.values) / np.timedelta64(1, "s")).astype("timedelta64[s]")
    values, counts = np.unique(steps, return_counts=True)
    return values[np.argmax(counts)]
