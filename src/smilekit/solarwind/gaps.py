"""Data gaps in solar-wind series: put a series on a regular cadence, interpolate short gaps, mark long ones.

Two steps, usually run together (``fill_gaps(regularize(sw, cadence), max_gap=...)``):

1. :func:`regularize` places the records on a regular time grid. A grid time takes the values of the
   nearest record within a tolerance (half the cadence by default); a grid time with no record that close
   is missing (NaN). Missing minutes that a file simply leaves out (the 2015-06-21 event file) become
   explicit NaN records this way. A gap longer than a day (:data:`LONG_GAP`) stays a gap: the grid
   covers only the spans with data (plus an hour of NaN rows into the gap on each side), so its size is
   proportional to the data, not to its span, and a grid beyond :data:`MAX_ROWS` rows is refused before
   anything is allocated.
2. :func:`fill_gaps` interpolates linearly in time across each run of missing records whose bracketing
   measurements are at most ``max_gap`` apart, leaves longer gaps (and missing records at either end)
   NaN, and adds a ``quality`` variable: 0 measured, 1 interpolated, 2 missing.

A gap's length is the time between the last measurement before it and the first after it (one missing
record at a 1-min cadence is a 2-min gap). This mirrors the usual practice of interpolating OMNI gaps
of a few minutes while leaving longer ones alone (e.g. the 5-min rule of Tsyganenko & Sitnov 2005,
J. Geophys. Res. 110, A03208, :cite:`tsyganenko2005`, for their storm-time drivers).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from smilekit.errors import InputError
from smilekit.solarwind.series import PRIMARY_VARIABLES, SolarWind, as_time, as_timedelta, missing_records

__all__ = ["LONG_GAP", "LONG_GAP_MARGIN", "MAX_ROWS", "QUALITY_FLAGS", "fill_gaps", "regularize"]

#: The codes of the ``quality`` variable.
QUALITY_FLAGS = {0: "measured", 1: "interpolated", 2: "missing"}

_QUALITY_ATTRS = {
    "FIELDNAM": "Quality",
    "CATDESC": "Record quality: 0 measured, 1 interpolated across a short gap, 2 missing (long gap)",
    "flag_values": np.array(list(QUALITY_FLAGS), dtype=np.int8),
    "flag_meanings": " ".join(QUALITY_FLAGS.values()),
    "units": "1",
    "DEPEND_0": "time",
    "VAR_TYPE": "support_data",
    "FILLVAL": np.int8(-128),
    "VALIDMIN": np.int8(0),
    "VALIDMAX": np.int8(2),
}


#: Gaps longer than this are kept as gaps by :func:`regularize` (no grid rows across them but a margin).
LONG_GAP = np.timedelta64(1, "D")

#: How far the grid runs into a long gap on each side (NaN rows), so that a running window shorter than
#: twice this never mixes records from both sides of the gap, and interpolation into the gap gives NaN.
LONG_GAP_MARGIN = np.timedelta64(1, "h")

#: The most rows :func:`regularize` builds (38 years of 1-min data; about 100 bytes a row for the primary
#: variables alone, a few times that with the extra variables and the copies of ``fill_gaps``).
MAX_ROWS = 20_000_000


def _grid_indices(
    times: np.ndarray, first: np.datetime64, step: np.timedelta64, tol: np.timedelta64, long_gap, margin
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid index ranges ``[lo, hi]`` (times ``first + k * step``) of each span of records between long
    gaps, and the positions of those gaps in ``times``; nothing is allocated per grid row."""
    reach = min(tol, step // 2)
    breaks = np.flatnonzero(np.diff(times) > long_gap)  # gap between times[b] and times[b + 1]
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [times.size - 1]])
    to_ns = np.int64
    step_ns = step.astype("timedelta64[ns]").astype(to_ns)
    offset_lo = (times[starts] - tol - first).astype("timedelta64[ns]").astype(to_ns)
    offset_hi = (times[ends] + reach - first).astype("timedelta64[ns]").astype(to_ns)
    lo = -((-offset_lo) // step_ns)  # ceil
    lo[0] = 0
    hi = offset_hi // step_ns
    m = int(margin.astype("timedelta64[ns]").astype(to_ns) // step_ns) if margin is not None else 0
    m = max(m, 1)
    if breaks.size:
        lo[1:] -= m
        hi[:-1] += m
        # margins never overlap: at most up to the middle of the gap
        middle = (lo[1:] + hi[:-1]) // 2
        hi[:-1] = np.minimum(hi[:-1], middle)
        lo[1:] = np.maximum(lo[1:], hi[:-1] + 1)
    return lo, hi, breaks


def regularize(
    sw: SolarWind,
    cadence,
    *,
    tolerance=None,
    origin=None,
    long_gap=LONG_GAP,
    margin=LONG_GAP_MARGIN,
    max_rows: int = MAX_ROWS,
) -> SolarWind:
    """Place ``sw`` on a regular grid of step ``cadence``, with NaN where no record is close enough.

    The grid covers the spans with data only, so its size is proportional to the data, not to its
    span: a gap longer than ``long_gap`` (one day by default) is kept as a gap. The grid runs ``margin``
    (one hour, at least one row) into it from each side with NaN rows and resumes on the same phase
    after it, so a file of four records whose last one is ten years later gives a few hundred rows, not
    5.26 million; shorter gaps (minutes, hours) are filled with NaN rows as before, for
    :func:`fill_gaps` to interpolate or mark. The long gaps are listed in the dataset attributes
    ``long_gaps`` (their number) and ``long_gap_spans``. Anything interpolating the result in time
    sees NaN inside a long gap (its bracketing rows are the NaN margin rows).

    Parameters
    ----------
    sw : SolarWind
        The series (times may be irregular, e.g. with records left out).
    cadence : Quantity, numpy.timedelta64 or str
        The grid step (``1 * u.min``, ``np.timedelta64(60, "s")``, ``"1min"``).
    tolerance : same types as cadence, optional
        How far a record may be from a grid time to be used there; default half the cadence.
    origin : datetime-like, optional
        A time on the grid; default the first record's time. The grid covers the records' span: it
        starts at the first record (with ``origin``, at the earliest grid time at most ``tolerance``
        before it) and ends at the grid time nearest the last record when that is within
        ``tolerance`` (otherwise at the last grid time before it), so irregular records (ACE data
        propagated to Earth, at times like :27.689) keep their last record; a regular series ends
        exactly at its last record.
    long_gap : same types as cadence
        Gaps between consecutive records longer than this get no grid rows but the margins.
    margin : same types as cadence
        How far the grid runs into a long gap from each side (rounded down to whole steps, at least one).
    max_rows : int
        Refuse, before allocating, a grid of more rows than this.

    Returns
    -------
    SolarWind
        Values of the nearest record within ``tolerance`` of each grid time (not interpolated), NaN
        elsewhere. Extra variables are carried the same way; an integer ``quality`` is set to 2 where
        missing. ``regularized`` in the dataset attributes records the cadence.

    Raises
    ------
    InputError
        A grid of more than ``max_rows`` rows (the message gives the count, its memory and the limit),
        e.g. a very fine cadence over a long span with no long gap.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind.scenarios import steady
    >>> sw = steady(duration=10 * u.min, cadence=2 * u.min)
    >>> len(regularize(sw, 1 * u.min)), int(regularize(sw, 1 * u.min).ds.attrs["n_fill"])
    (11, 5)
    """
    step = as_timedelta(cadence, "cadence")
    if step <= np.timedelta64(0, "ns"):
        raise InputError(f"regularize: cadence must be positive, got {step}")
    tol = step // 2 if tolerance is None else as_timedelta(tolerance, "tolerance")
    gap_limit = as_timedelta(long_gap, "long_gap")
    edge = as_timedelta(margin, "margin")
    times = sw.time.values
    if origin is None:
        first = times[0]
    else:
        o = np.datetime64(as_time(origin, "origin").reshape(-1)[0], "ns")
        first = o + ((times[0] - o) // step) * step
        if first < times[0] - tol:
            first = first + step
    # The last grid time of a span is the one nearest its last record if that one is within tolerance:
    # a series whose records drift early against the grid would otherwise end one grid time short and
    # drop its last record (a regular series is a whole number of steps long, so this changes nothing).
    lo, hi, breaks = _grid_indices(times, first, step, tol, gap_limit, edge)
    count = int((hi - lo + 1).sum())
    if count > max_rows:
        row_bytes = 8 * (1 + sum(int(np.prod(v.shape[1:])) for v in sw.ds.data_vars.values()))
        raise InputError(
            f"regularize: a {step.astype('timedelta64[s]')} grid over the {times.size} records from "
            f"{times[0]} to {times[-1]} would need {count:,} rows (about {count * row_bytes / 2**30:.1f} GiB "
            f"with its {len(sw.ds.data_vars)} variables); the limit is {max_rows:,} rows. Use a coarser "
            "cadence or a shorter long_gap, or select() a shorter period"
        )
    k = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
    grid = first + k * step
    # nearest record to each grid time
    right = np.clip(np.searchsorted(times, grid), 0, times.size - 1)
    left = np.clip(right - 1, 0, times.size - 1)
    pick = np.where(np.abs(times[left] - grid) <= np.abs(times[right] - grid), left, right)
    found = np.abs(times[pick] - grid) <= tol
    ds = sw.ds
    out = xr.Dataset(coords={"time": grid, "component": ds["component"].values}, attrs=dict(ds.attrs))
    for name, var in ds.data_vars.items():
        if "time" not in var.dims:
            out[name] = var
            continue
        values = var.values[pick]
        if np.issubdtype(values.dtype, np.floating):
            values = values.copy()
            values[~found] = np.nan
        elif name == "quality":
            values = np.where(found, values, 2).astype(np.int8)
        else:
            values = np.where(found, values, 0)
        out[name] = (var.dims, values, dict(var.attrs))
    out.attrs["regularized"] = (
        f"cadence {step.astype('timedelta64[ms]')}, tolerance {tol.astype('timedelta64[ms]')}"
    )
    out.attrs["regularize_unmatched_grid_times"] = int((~found).sum())
    if breaks.size:
        spans = [f"{times[b]}/{times[b + 1]}" for b in breaks[:20]]
        out.attrs["long_gaps"] = int(breaks.size)
        out.attrs["long_gap_spans"] = " ".join(spans) + (" ..." if breaks.size > 20 else "")
        out.attrs["long_gap_rule"] = (
            f"gaps longer than {gap_limit.astype('timedelta64[s]')} kept as gaps: no grid rows but NaN "
            f"margins of {edge.astype('timedelta64[s]')} (at least one row) at each side"
        )
    return SolarWind.from_dataset(out)


def _interpolate(times_f: np.ndarray, values: np.ndarray, max_gap_ns: float) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaN runs in ``values`` (N,) whose bracketing samples are <= max_gap apart.

    Returns the filled values and the mask of the filled samples.
    """
    missing = np.isnan(values)
    if not missing.any() or missing.all():
        return values, np.zeros_like(missing)
    idx = np.flatnonzero(~missing)
    pos = np.searchsorted(idx, np.arange(values.size))  # first valid index >= i
    has_next = pos < idx.size
    has_prev = pos > 0
    nxt = idx[np.clip(pos, 0, idx.size - 1)]
    prv = idx[np.clip(pos - 1, 0, idx.size - 1)]
    span = times_f[nxt] - times_f[prv]
    fill = missing & has_next & has_prev & (span <= max_gap_ns)
    out = values.copy()
    out[fill] = np.interp(times_f[fill], times_f[idx], values[idx])
    return out, fill


def fill_gaps(sw: SolarWind, max_gap, *, cadence=None) -> SolarWind:
    """Interpolate short gaps linearly in time; mark the rest in a ``quality`` variable.

    Parameters
    ----------
    sw : SolarWind
        The series. Gaps are its NaN records: regularise first (or give ``cadence``) if the source left
        records out instead.
    max_gap : Quantity, numpy.timedelta64 or str
        The longest gap to interpolate: the time between the measurements on either side.
    cadence : optional
        If given, :func:`regularize` the series to this cadence first.

    Returns
    -------
    SolarWind
        A copy with short gaps filled (each primary variable and each vector component on its own) and
        a ``quality`` variable (int8): 0 where every primary variable was measured, 1 where at least one
        was interpolated and none is missing, 2 where at least one is missing. Its attributes
        ``count_measured``, ``count_interpolated`` and ``count_missing`` count the records, and the
        dataset attributes ``<name>_interpolated`` the records interpolated per variable.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind.scenarios import steady
    >>> sw = regularize(steady(duration=10 * u.min, cadence=2 * u.min), 1 * u.min)
    >>> out = fill_gaps(sw, max_gap=5 * u.min)
    >>> out.ds["quality"].attrs["count_interpolated"], out.ds.attrs["n_fill"]
    (5, 0)
    """
    gap = as_timedelta(max_gap, "max_gap")
    if cadence is not None:
        sw = regularize(sw, cadence)
    ds = sw.ds.copy(deep=True)
    times_f = ds["time"].values.astype(np.int64).astype(np.float64)
    max_gap_ns = float(gap.astype("timedelta64[ns]").astype(np.int64))
    interpolated = np.zeros(ds.sizes["time"], dtype=bool)
    for name in PRIMARY_VARIABLES:
        values = ds[name].values.copy()
        if values.ndim == 1:
            values, filled = _interpolate(times_f, values, max_gap_ns)
        else:
            # a vector record is missing as a whole; fill component by component on the same records
            row_missing = missing_records(values)
            values[row_missing] = np.nan
            filled = np.zeros(values.shape[0], dtype=bool)
            for k in range(values.shape[1]):
                values[:, k], filled_k = _interpolate(times_f, values[:, k], max_gap_ns)
                filled |= filled_k
        ds[name].values = values
        ds.attrs[f"{name}_interpolated"] = int(filled.sum())
        interpolated |= filled
    missing = np.zeros(ds.sizes["time"], dtype=bool)
    for name in PRIMARY_VARIABLES:
        missing |= missing_records(ds[name].values)
    previous = ds["quality"].values if "quality" in ds else np.zeros(missing.size, dtype=np.int8)
    quality = np.where(missing, 2, np.where(interpolated | (previous == 1), 1, 0)).astype(np.int8)
    attrs = dict(_QUALITY_ATTRS)
    attrs.update(
        {
            "count_measured": int((quality == 0).sum()),
            "count_interpolated": int((quality == 1).sum()),
            "count_missing": int((quality == 2).sum()),
            "max_interpolated_gap": str(gap.astype("timedelta64[s]")),
        }
    )
    ds["quality"] = ("time", quality, attrs)
    ds.attrs["gap_filling"] = (
        f"linear interpolation in time across gaps of at most {gap.astype('timedelta64[s]')} between "
        "measurements; longer gaps left NaN (quality 2)"
    )
    return SolarWind.from_dataset(ds)
