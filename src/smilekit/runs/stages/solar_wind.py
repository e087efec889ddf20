"""The solar-wind stage: the event regularised to its cadence, short gaps interpolated, the overview plot.

Provides ``solar_wind`` (the prepared :class:`~smilekit.solarwind.SolarWind`), ``peak_index`` and
``peak_index_time`` (the record of peak dynamic pressure, which later stages centre on: the orbit's apogee,
the models' state at peak, the SXI frame of the peak). Writes it as ``solar_wind.csv``, the table the
pipeline reads as its upstream solar wind and the archive keeps as ``aux_l2_solarwind``.

The peak
--------
The peak is that of the dynamic pressure smoothed over one SXI exposure (``[sxi] exposure_min``, 5 min by
default; :func:`smoothed_pdyn`), not the highest single record: SXI integrates over its exposure, so a
one-record spike (16 s of ACE data, one OMNI minute) that an image cannot resolve does not make the peak,
and a pressure plateau as long as an exposure does. The summary's ``peak_pdyn_time`` and ``peak_pdyn_nPa``
are the record time and the value of that smoothed series, ``peak_smoothing`` says the rule in words, and
``peak_pdyn_sample_max_nPa`` is the highest single record. Where the smoothed maximum is flat over several
records (equal to 1e-9 relative: a lone spike within one window, a constant plateau), the peak is the middle
record of the first such run, not its first record, so that a lone spike is its own peak.

Storm context
-------------
With the run's :attr:`~smilekit.runs.context.JobContext.indices` (SYM-H and AL), the overview figure has
their panels and the summary's ``indices`` gives their source and minima over the event's span (with
times); without them ``indices`` is null.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np

from smilekit._io import write_table
from smilekit.errors import InputError
from smilekit.pipeline.auxiliary import SOLAR_WIND_FILE
from smilekit.products.plots import quicklook
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.solarwind import GeomagneticIndices, SolarWind, provenance
from smilekit.solarwind.gaps import fill_gaps, regularize

__all__ = ["SolarWindSettings", "smoothed_pdyn", "stage_solar_wind"]

log = logging.getLogger(__name__)


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
    """Regularise the solar wind to its cadence, interpolate short gaps, find the peak of the dynamic
    pressure smoothed over one SXI exposure (module docstring), plot the overview with SYM-H and AL."""
    sw = ctx.solar_wind
    cadence = _cadence(sw)
    sw = fill_gaps(regularize(sw, cadence), max_gap=ctx.settings.solar_wind.max_interpolated_gap)
    ctx.results["solar_wind"] = sw
    pdyn = sw.pdyn.values
    if not np.isfinite(pdyn).any():
        raise InputError(f"the solar wind of event {ctx.event!r} has no valid dynamic pressure at all")
    smoothed, rule = smoothed_pdyn(pdyn, cadence, ctx.settings.sxi.exposure)
    if not np.isfinite(smoothed).any():
        raise InputError(
            f"the solar wind of event {ctx.event!r} has no span of valid dynamic pressure long enough for "
            f"the peak rule ({rule})"
        )
    peak = _peak_of(smoothed)
    ctx.results["peak_index"] = peak
    ctx.results["peak_index_time"] = sw.time.values[peak]
    given = ctx.indices if ctx.indices is not None else _indices_in_file(ctx.solar_wind)
    indices, indices_summary = _indices_over(given, sw)
    caption = "Solar wind (GSM field, OMNI Pdyn)" + (", SYM-H and AL" if indices is not None else "")
    quicklook.plot_solar_wind(sw, ctx.figure_path("solar_wind.png", caption), indices=indices)
    write_table(sw.to_dataframe(derived_quantities=False), ctx.out / SOLAR_WIND_FILE)  # for the archive
    quality = sw.ds["quality"].values
    return {
        "start": str(sw.time[0].values),
        "end": str(sw.time[-1].values),
        "cadence_s": float(cadence / np.timedelta64(1, "s")),
        "records": len(sw),
        "interpolated": int((quality == 1).sum()),
        "missing": int((quality == 2).sum()),
        "peak_pdyn_time": str(sw.time[peak].values),
        "peak_pdyn_nPa": float(smoothed[peak]),
        "peak_smoothing": rule,
        "peak_pdyn_sample_max_nPa": float(np.nanmax(pdyn)),
        "peak_n_cm-3": finite_or_none(sw.ds["n"].values[peak]),
        "peak_v_km_s": finite_or_none(sw.speed.values[peak]),
        "peak_bz_gsm_nT": finite_or_none(sw.bz.values[peak]),
        "max_density_cm-3": float(np.nanmax(sw.ds["n"].values)),
        "min_bz_gsm_nT": float(np.nanmin(sw.bz.values)),
        "indices": indices_summary,
        "provenance": provenance(ctx.solar_wind),
        "files": [SOLAR_WIND_FILE],
    }


def smoothed_pdyn(pdyn, cadence, exposure) -> tuple[np.ndarray, str]:
    """The dynamic pressure smoothed by a centred running mean over one exposure, and the rule in words.

    The mean at a record is over the records within half an exposure of it: ``2 h + 1`` records with
    ``h = floor(exposure / 2 / cadence)`` (5 for a 5-min exposure of 1-min records, 19 of 16-s records, 1,
    no smoothing, of hourly ones). It is NaN-aware: the mean of the valid records of the window, and NaN
    where fewer than ``h + 1`` of its ``2 h + 1`` are valid (records beyond the ends of the series count as
    missing), so no value rests on a minority of its window.

    Parameters
    ----------
    pdyn : array of float
        The dynamic pressure on a regular grid (nPa; NaN where missing).
    cadence : numpy.timedelta64
        The grid step.
    exposure : Quantity
        The window length (time), the SXI exposure.

    Returns
    -------
    smoothed : array of float
        Same length as ``pdyn``.
    rule : str
        The rule in words, for the summary.

    Examples
    --------
    >>> import astropy.units as u
    >>> spike = np.array([1.0, 1.0, 6.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0, 1.0])
    >>> smoothed, rule = smoothed_pdyn(spike, np.timedelta64(60, "s"), 5 * u.min)
    >>> int(np.nanargmax(spike)), int(np.nanargmax(smoothed))  # the plateau wins over the spike
    (2, 7)
    >>> rule
    'centred running mean over the 5-min SXI exposure: 5 records of 60 s, NaN-aware (at least 3 valid)'
    """
    pdyn = np.asarray(pdyn, dtype=float)
    step_s = float(cadence / np.timedelta64(1, "s"))
    exposure_s = float(exposure.to_value(u.s))
    half = int(np.floor(exposure_s / 2.0 / step_s + 1e-9))
    width = 2 * half + 1
    valid = np.isfinite(pdyn)
    kernel = np.ones(width)
    sums = np.convolve(np.where(valid, pdyn, 0.0), kernel, mode="same")
    counts = np.convolve(valid.astype(float), kernel, mode="same")
    enough = counts >= half + 1
    smoothed = np.full(pdyn.shape, np.nan)
    smoothed[enough] = sums[enough] / counts[enough]
    rule = (
        f"centred running mean over the {exposure_s / 60.0:g}-min SXI exposure: {width} record"
        f"{'s' if width > 1 else ''} of {step_s:g} s, NaN-aware (at least {half + 1} valid)"
    )
    return smoothed, rule


def _peak_of(smoothed: np.ndarray) -> int:
    """The record of the smoothed maximum: the middle of the first run of records equal to it (1e-9 rel.)."""
    top = np.nanmax(smoothed)
    at_top = np.nan_to_num(smoothed, nan=-np.inf) >= top - 1e-9 * abs(top)
    first = int(np.argmax(at_top))
    run = np.argmin(at_top[first:]) if not at_top[first:].all() else at_top.size - first
    return first + (int(run) - 1) // 2


def _indices_over(indices, sw: SolarWind):
    """The indices over the span of ``sw`` (None where there are none or none in the span) and their
    summary entry: null without indices, else the source and each index's minimum with its time."""
    if indices is None:
        return None, None
    entry = {"source": indices.source}
    try:
        indices = indices.select(sw.time.values[0], sw.time.values[-1])
    except InputError as error:  # context only: the run goes on without them, and the summary says why
        log.warning("geomagnetic indices not shown: %s", error)
        indices = None
    for name in ("sym_h", "al"):
        value, when = (float("nan"), None) if indices is None else indices.minimum(name)
        entry[f"min_{name}_nT"] = finite_or_none(value)
        entry[f"min_{name}_time"] = None if when is None else str(when)
    entry["records"] = 0 if indices is None else len(indices)
    return indices, entry


def _indices_in_file(sw: SolarWind):
    """SYM-H and AL from the solar-wind file itself (OMNI high-resolution data carry them), or None."""
    try:
        return GeomagneticIndices.from_solar_wind(sw)
    except InputError as error:  # context only: the run goes on without them
        log.warning("the geomagnetic indices in the solar-wind file are not used: %s", error)
        return None


def _cadence(sw: SolarWind) -> np.timedelta64:
    """The most common spacing of the time stamps, rounded to whole seconds (not truncated: jittered
    16-s records, 15.6 to 16.4 s apart, have a 16-s cadence).

    Raises
    ------
    InputError
        For fewer than two records (no spacing to take), or a most common spacing under one second.
    """
    times = sw.time.values
    if times.size < 2:
        raise InputError(
            f"the solar wind has {times.size} record{'' if times.size == 1 else 's'}"
            f"{f' (at {times[0]})' if times.size else ''}; the job needs at least two, to find the cadence"
        )
    steps = np.round(np.diff(times) / np.timedelta64(1, "s")).astype("timedelta64[s]")
    values, counts = np.unique(steps, return_counts=True)
    cadence = values[np.argmax(counts)]
    if cadence < np.timedelta64(1, "s"):
        raise InputError(
            f"the most common spacing of the solar-wind records is {cadence} (rounded to whole seconds); "
            "accepted is a cadence of at least 1 s, with times increasing"
        )
    return cadence
