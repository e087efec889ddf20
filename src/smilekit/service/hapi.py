"""HAPI 3.2 for the archive's time series: the datasets, their parameters, time parsing, and the data
streamed in CSV, binary and JSON.

The Heliophysics Application Programmer's Interface (Weigel et al. 2021, doi:10.1029/2021JA029534; the
specification, version 3.2, at github.com/hapi-server/data-specification) is the community's interface for
time series. A HAPI dataset here is an archive dataset of ISTP CDF products (``sc_l2_ephemeris``,
``aux_l2_solarwind``, ``sxi_l3_boundaries``, ``uvi_l3_boundaries``, ``lia_l2_moments``, ``mag_l2_fields``,
...), served from the current version of each product; its parameters are the CDF's record-varying numeric
``data`` variables on ``Epoch`` (with at most two dimensions per record), described by their ISTP
attributes (``CATDESC``, ``UNITS``, ``FILLVAL``). The time parameter ``Time`` is written as
``YYYY-MM-DDThh:mm:ss.ffffffZ`` (microseconds: MAG's 32 Hz needs more than milliseconds).

Reading is by blocks of :data:`BLOCK_RECORDS` records of one file at a time (:func:`stream_records`), so a
year of high-rate data never sits in memory.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import json
import os
import re
from collections.abc import Iterator

import cdflib
import numpy as np
import pandas as pd

from smilekit.errors import SmilekitError
from smilekit.products.cdf import TimeSeriesVariable

__all__ = [
    "BLOCK_RECORDS",
    "FORMATS",
    "HAPI_VERSION",
    "STATUS",
    "TIME_LENGTH",
    "HapiError",
    "Parameter",
    "encode",
    "format_time",
    "info_parameters",
    "parameter_info",
    "parse_time",
    "select_parameters",
    "status",
    "stream_records",
]

#: The version of the HAPI specification served.
HAPI_VERSION = "3.2"
#: The output formats (``format=``).
FORMATS = ("csv", "binary", "json")
#: Characters of the ``Time`` column (``YYYY-MM-DDThh:mm:ss.ffffffZ``).
TIME_LENGTH = 27
#: Records read and written at a time.
BLOCK_RECORDS = 50_000

#: HAPI status codes and messages (the specification, sec. 4.1).
STATUS = {
    1200: "OK",
    1201: "OK - no data for time range",
    1400: "Bad request - user input error",
    1401: "Bad request - unknown API parameter name",
    1402: "Bad request - error in start time",
    1403: "Bad request - error in stop time",
    1404: "Bad request - start time equal to or after stop time",
    1405: "Bad request - time outside valid range",
    1406: "Bad request - unknown dataset id",
    1407: "Bad request - unknown dataset parameter",
    1408: "Bad request - too much time or data requested",
    1409: "Bad request - unsupported output format",
    1410: "Bad request - unsupported include value",
    1411: "Bad request - out of order or duplicate parameters",
    1500: "Internal server error",
}

#: The earliest and latest time a request may name (nothing in the archive lies outside).
VALID_RANGE = (np.datetime64("1950-01-01", "ns"), np.datetime64("2100-01-01", "ns"))


class HapiError(SmilekitError):
    """A request HAPI answers with an error: its HAPI ``code``, the HTTP status (the specification's: 404 for
    an unknown dataset or parameter, 500 for the server's own errors, else 400, unless ``http_status`` is
    given) and the message."""

    def __init__(self, code: int, detail: str = "", http_status: int | None = None):
        self.code = code
        default = 404 if code in (1406, 1407) else 500 if code >= 1500 else 400
        self.http_status = default if http_status is None else http_status
        self.detail = detail
        super().__init__(f"{STATUS.get(code, 'error')}: {detail}" if detail else STATUS.get(code, "error"))


def status(code: int = 1200, detail: str = "") -> dict:
    """The HAPI ``status`` object."""
    message = STATUS[code] + (f": {detail}" if detail else "")
    return {"code": code, "message": message}


_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?:(?P<month>[0-9]{2})-(?P<day>[0-9]{2})|(?P<doy>[0-9]{3}))"
    r"(?:T(?P<hour>[0-9]{2})(?::(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,9}))?)?)?)?Z?"
)


def parse_time(text: str | None, code: int) -> np.datetime64:
    """A HAPI restricted ISO 8601 time (``YYYY-MM-DD`` or ``YYYY-DDD``, then optionally ``Thh``, ``:mm``,
    ``:ss``, ``.f`` to nanoseconds and ``Z``) as ``datetime64[ns]``.

    Raises
    ------
    HapiError
        With ``code`` (1402 for a start, 1403 for a stop) for a missing or malformed time, or 1405 for one
        outside :data:`VALID_RANGE`.
    """
    if text is None or len(text) > 40:
        raise HapiError(code, "a time is required" if text is None else "time too long")
    match = _TIME.fullmatch(text)
    if match is None:
        raise HapiError(code, f"{text[:40]!r} is not a HAPI time (e.g. 2026-03-20T12:00:00Z or 2026-079)")
    g = match.groupdict()
    try:
        year = int(g["year"])
        if g["doy"] is not None:
            day = _dt.date(year, 1, 1) + _dt.timedelta(days=int(g["doy"]) - 1)
            if day.year != year or int(g["doy"]) < 1:
                raise ValueError("day of year out of range")
        else:
            day = _dt.date(year, int(g["month"]), int(g["day"]))
        hour, minute, second = (int(g[k] or 0) for k in ("hour", "minute", "second"))
        if hour > 24 or minute > 59 or second > 60 or (hour == 24 and (minute or second or g["fraction"])):
            raise ValueError("hour, minute or second out of range")
    except ValueError as exc:
        raise HapiError(code, f"{text!r}: {exc}") from None
    nanoseconds = int((g["fraction"] or "0").ljust(9, "0"))
    t = (
        np.datetime64(day, "ns")
        + np.timedelta64(hour * 3600 + minute * 60 + second, "s")
        + np.timedelta64(nanoseconds, "ns")
    )
    if not VALID_RANGE[0] <= t <= VALID_RANGE[1]:
        raise HapiError(1405, f"{text!r} lies outside {VALID_RANGE[0]!s:.10} to {VALID_RANGE[1]!s:.10}")
    return t


def format_time(times: np.ndarray) -> np.ndarray:
    """``datetime64`` times as HAPI ``Time`` strings of :data:`TIME_LENGTH` characters."""
    text = np.datetime_as_string(np.asarray(times, dtype="datetime64[us]"), unit="us")
    return np.char.add(text, "Z")


#: A parameter: a CDF time-series variable (name, HAPI type, units, size, fill, description).
Parameter = TimeSeriesVariable


def parameter_info(p: Parameter) -> dict:
    """The parameter as a HAPI ``info`` entry."""
    out = {"name": p.name, "type": p.type, "units": p.units or None, "fill": p.fill}
    if p.size:
        out["size"] = list(p.size)
    out["description"] = p.description
    return out


_TIME_PARAMETER = {"name": "Time", "type": "isotime", "units": "UTC", "fill": None, "length": TIME_LENGTH}


def select_parameters(available: list[Parameter], requested: str | None) -> list[Parameter]:
    """The parameters a request names (``parameters=a,b``: in the dataset's order, ``Time`` allowed), or
    all for none.

    Raises
    ------
    HapiError
        1407 for an unknown name, 1411 for a duplicate or one out of the dataset's order.
    """
    if requested is None or requested == "":
        return list(available)
    given = requested.split(",")
    if "Time" in given[1:]:
        raise HapiError(1411, "Time is the first parameter (info's order)")
    names = [n for n in given if n != "Time"]
    if len(set(names)) != len(names):
        raise HapiError(1411, "a parameter is named twice")
    order = {p.name: i for i, p in enumerate(available)}
    unknown = [n for n in names if n not in order]
    if unknown:
        raise HapiError(1407, f"{unknown[0][:60]!r} is not a parameter of this dataset")
    positions = [order[n] for n in names]
    if positions != sorted(positions):
        raise HapiError(1411, "parameters must be in the order info lists them")
    return [available[i] for i in positions]


def info_parameters(parameters: list[Parameter]) -> list[dict]:
    """The ``parameters`` of a HAPI ``info`` response: ``Time`` then those given."""
    return [dict(_TIME_PARAMETER), *(parameter_info(p) for p in parameters)]


def _tt2000(t: np.datetime64) -> int:
    """A UTC time as a CDF TT2000 value (nanoseconds; cdflib applies the leap seconds)."""
    ns = int(np.datetime64(t, "ns").astype(np.int64) % 1_000_000_000)
    d = np.datetime64(t, "s").item()
    return int(cdflib.cdfepoch.compute_tt2000(
        [d.year, d.month, d.day, d.hour, d.minute, d.second, ns // 1_000_000, ns // 1000 % 1000, ns % 1000]
    ))  # fmt: skip


@functools.lru_cache(maxsize=32)
def _index(path: str, modified_ns: int) -> tuple[np.ndarray, frozenset]:
    """The raw TT2000 ``Epoch`` (int64) and the variable names of a product, kept for the next requests of
    the same file (a product never changes; ``modified_ns`` keys a file replaced in place all the same)."""
    cdf = cdflib.CDF(path)
    epochs = np.atleast_1d(cdf.varget("Epoch"))
    epochs.setflags(write=False)
    return epochs, frozenset(cdf.cdf_info().zVariables)


def stream_records(
    path, parameters: list[Parameter], start: np.datetime64, stop: np.datetime64, after=None
) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """The records of the CDF ``path`` in ``[start, stop)`` (and later than ``after``, when given), by blocks
    of :data:`BLOCK_RECORDS`: ``(times, [values of each parameter])``, values as stored (fill included).

    The window is found in the file's raw TT2000 times and only the records sent are converted (a day of
    MAG at 32 Hz holds 2.8 million)."""
    path = str(path)
    epochs, present = _index(path, os.stat(path).st_mtime_ns)
    cdf = cdflib.CDF(path)  # a reader of this request's own (a CDF object is not shared between threads)
    lower = start if after is None else max(start, after + np.timedelta64(1, "ns"))
    first = int(np.searchsorted(epochs, _tt2000(lower), "left"))
    last = int(np.searchsorted(epochs, _tt2000(stop), "left"))
    for a in range(first, last, BLOCK_RECORDS):
        b = min(a + BLOCK_RECORDS, last)
        times = np.asarray(cdflib.cdfepoch.to_datetime(epochs[a:b]), dtype="datetime64[ns]")
        yield times, [_read(cdf, p, a, b, present) for p in parameters]


def _read(cdf, p: Parameter, a: int, b: int, present: frozenset) -> np.ndarray:
    """Records ``[a, b)`` of the parameter ``p``; its fill value where the file lacks it (an older version of
    the dataset, made before the parameter existed)."""
    if p.name not in present:
        fill = float(p.fill) if p.fill is not None else np.nan
        return np.full((b - a, *p.size), fill, dtype=np.float64 if p.type == "double" else np.int64)
    return np.asarray(cdf.varget(p.name, startrec=a, endrec=b - 1)).reshape((b - a, *p.size))


def _columns(times: np.ndarray, values: list[np.ndarray], parameters: list[Parameter]) -> dict:
    columns = {"Time": format_time(times)}
    for p, v in zip(parameters, values, strict=True):
        flat = v.reshape(len(times), -1)
        for j in range(flat.shape[1]):
            columns[f"{p.name}.{j}"] = flat[:, j].astype(np.float64 if p.type == "double" else np.int64)
    return columns


def encode(fmt: str, times: np.ndarray, values: list[np.ndarray], parameters: list[Parameter],
           first_block: bool = True) -> bytes:  # fmt: skip
    """One block of records in a HAPI output format.

    ``csv``: one line a record, the time then every value (arrays flattened, row-major), doubles as the
    shortest text that reads back exactly. ``binary``: the time as :data:`TIME_LENGTH` ASCII bytes, doubles
    as little-endian IEEE 754 (8 bytes), integers as little-endian int32. ``json``: the rows of the ``data``
    array (``[time, value, [array], ...]``), comma-separated; ``first_block`` says whether a comma leads.
    """
    n = len(times)
    if fmt == "binary":
        fields = [("Time", f"S{TIME_LENGTH}")]
        fields += [(p.name, "<f8" if p.type == "double" else "<i4", p.size) for p in parameters]
        record = np.empty(n, dtype=np.dtype(fields))
        record["Time"] = format_time(times).astype(f"S{TIME_LENGTH}")
        for p, v in zip(parameters, values, strict=True):
            record[p.name] = v
        return record.tobytes()
    if fmt == "csv":
        frame = pd.DataFrame(_columns(times, values, parameters))
        buffer = io.StringIO()
        frame.to_csv(buffer, header=False, index=False, lineterminator="\n")  # shortest exact repr
        return buffer.getvalue().encode("ascii")
    rows = []
    stamps = format_time(times)
    lists = [
        np.where(np.isnan(v), None, v).tolist() if p.type == "double" else v.astype(np.int64).tolist()
        for p, v in zip(parameters, values, strict=True)
    ]  # NaN (not in an ISTP file: FILLVAL there) as null
    for i in range(n):
        rows.append(json.dumps([str(stamps[i]), *(column[i] for column in lists)], allow_nan=False))
    text = ",\n".join(rows)
    return ((",\n" if not first_block and rows else "") + text).encode("utf-8")
