"""Data gaps in solar-wind series: put a series on a regular cadence, interpolate short gaps, mark long ones.

Two steps, usually run together (``fill_gaps(regularize(sw, cadence), max_gap=...)``):

1. :func:`regularize` places the records on a regular time grid. A grid time takes the values of the
   nearest record within a tolerance (half the cadence by default); a grid time with no record that close
   is missing (NaN). Missing minutes that a file simply leaves out (the 2015-06-21 event file) become
   explicit NaN records this way.
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

__all__ = ["QUALITY_FLAGS", "fill_gaps", "regularize"]

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


def regularize(sw: SolarWind, cadence, *, tolerance=None, origin=None) -> SolarWind:
    """Place ``sw`` on a regular grid of step ``cadence``, with NaN where no record is close enough.

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

    Returns
    -------
    SolarWind
        Values of the nearest record within ``tolerance`` of each grid time (not interpolated), NaN
        elsewhere. Extra variables are carried the same way; an integer ``quality`` is set to 2 where
        missing. ``regularized`` in the dataset attributes records the cadence.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.solarwind.scenarios import steady
    >>> sw = steady(duration=10 * u.min, cadence=2 * u.min)
    >>> len(regularize(sw, 1 * u.min)), int(regularize(sw, 1 * u.min).ds.attrs["n_fill"])
    (11, 5)
    """
    step = as_timedelta(cadence, "cadence")
    tol = step // 2 if tolerance is None else as_timedelta(tolerance, "tolerance")
    times = sw.time.values
    if origin is None:
        first = times[0]
    else:
        o = np.datetime64(as_time(origin, "origin").reshape(-1)[0], "ns")
        first = o + ((times[0] - o) // step) * step
        if first < times[0] - tol:
            first = first + step
    # The last grid time is the one nearest the last record if that one is within tolerance: a series
    # whose records drift early against the grid would otherwise end one grid time short and drop its
    # last record (a regular series is a whole number of steps long, so this changes nothing there).
    reach = min(tol, step // 2)
    count = int((times[-1] - first + reach) // step) + 1
    if count > 50_000_000:
        raise InputError(f"regularize: cadence {step} over {times[-1] - first} would make {count} records")
    grid = first + np.arange(count) * step
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
