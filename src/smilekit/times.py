"""Time handling: every smilekit time is UTC as ``numpy.datetime64[ns]``.

:func:`as_datetime64` is the single entry point that turns what a user has (ISO strings, ``datetime``,
numpy ``datetime64``, astropy ``Time``, pandas ``Timestamp``/``DatetimeIndex``) into a datetime64[ns]
array; the other helpers turn such arrays into the plain floats that formulas need (decimal years for
IGRF, days and Julian centuries from J2000.0 for the Sun and sidereal time), and :func:`tai_minus_utc_s`
gives the leap seconds where a count of SI seconds needs them (on-board time). All are vectorised.

UT1 - UTC (below 0.9 s) and TT - UTC (about 69 s) are neglected in those: the formulas that use these times
(Hapgood 1992, :cite:`hapgood1992`) are accurate to about 0.01 deg, and in 69 s the Sun moves 0.0008 deg along
the ecliptic.
"""

from __future__ import annotations

import datetime as _dt
import warnings

import erfa
import numpy as np
import pandas as pd
from astropy.time import Time

from smilekit.errors import InputError

__all__ = [
    "J2000",
    "TIME_MAX",
    "TIME_MIN",
    "WHOLE_LEAP_SECONDS_FROM",
    "as_datetime64",
    "check_time_range",
    "check_whole_leap_seconds",
    "day_fraction",
    "days_since_j2000",
    "decimal_year",
    "julian_centuries_j2000",
    "nearest_index",
    "tai_minus_utc_s",
]

#: The J2000.0 epoch, 2000-01-01 12:00 (taken as UTC here; see the module notes).
J2000 = np.datetime64("2000-01-01T12:00:00", "ns")

#: The earliest and latest times smilekit holds: whole years inside the span of ``datetime64[ns]`` (which
#: is 1677-09-21 to 2262-04-11). Each model has its own, narrower range (IGRF-14: 1900 to 2030), checked
#: where it is used (:func:`check_time_range`).
TIME_MIN = np.datetime64("1678-01-01T00:00:00", "ns")
TIME_MAX = np.datetime64("2261-12-31T23:59:59", "ns")

_NS_PER_DAY = 86_400 * 10**9
_MIDNIGHT_2000 = np.datetime64("2000-01-01T00:00:00", "ns")
#: 1972-01-01 UTC: from then on TAI - UTC is a whole number of seconds (:func:`tai_minus_utc_s`).
WHOLE_LEAP_SECONDS_FROM = np.datetime64("1972-01-01T00:00:00", "ns")
_UTC_1972_NS = int(WHOLE_LEAP_SECONDS_FROM.astype(np.int64))


def _describe(time) -> str:
    text = repr(time)
    return text if len(text) <= 80 else text[:77] + "..."


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


def _outside_span(value) -> InputError:
    return InputError(
        f"time {value} is outside the range smilekit supports: accepted are times from "
        f"{TIME_MIN.astype('datetime64[s]')} to {TIME_MAX.astype('datetime64[s]')} UTC (numpy datetime64[ns])"
    )


def _to_ns(values: np.ndarray) -> np.ndarray:
    """A datetime64 array of any unit as datetime64[ns], refusing times outside [TIME_MIN, TIME_MAX]
    (numpy's own cast to ns wraps them around silently: the year 3000 becomes 1831)."""
    values = np.asarray(values)
    if values.dtype == np.dtype("datetime64[ns]"):
        checked = values
    else:  # compare in seconds, which hold any year a date can carry here without overflow
        checked = values.astype("datetime64[s]")
    valid = ~np.isnat(checked)
    low, high = TIME_MIN.astype("datetime64[s]"), TIME_MAX.astype("datetime64[s]")
    outside = valid & ((checked < low) | (checked > high))
    if outside.any():
        raise _outside_span(np.ravel(values[outside])[0])
    return values.astype("datetime64[ns]")


def _from_astropy(time) -> np.ndarray:
    # astropy Time: convert to the UTC scale first, so that TT/TAI/TDB inputs land on UTC.
    return _to_ns(np.asarray(time.utc.to_value("datetime64")))


def _parse_objects(flat: np.ndarray, original) -> np.ndarray:
    """Parse a 1-D object/str array with pandas (ISO 8601 strings, datetimes, Timestamps)."""

    for item in flat:
        if isinstance(item, (bool, int, float, complex, np.number, np.bool_)) and not isinstance(
            item, np.datetime64
        ):
            raise InputError(
                f"time must be a date, not a number: got {_describe(item)}; accepted are ISO 8601 "
                "strings, datetime.datetime, numpy.datetime64, astropy Time and pandas Timestamps"
            )
    try:
        parsed = pd.to_datetime(pd.Index(flat, dtype=object), utc=True, format="ISO8601")
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise _outside_span(_describe(original)) from None
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"cannot read {_describe(original)} as a time ({_first_line(exc)}); accepted are ISO 8601 "
            "strings (e.g. '2025-06-21T17:00:00'), datetime.datetime, numpy.datetime64, astropy Time and "
            "pandas Timestamps"
        ) from None
    return _to_ns(parsed.tz_convert("UTC").tz_localize(None).to_numpy())


def as_datetime64(time) -> np.ndarray:
    """Return ``time`` as a UTC ``numpy.datetime64[ns]`` array of the same shape.

    Parameters
    ----------
    time : str, datetime.datetime, numpy.datetime64, astropy.time.Time, pandas.Timestamp, or array-like
        One time or an array of times. Strings are ISO 8601 (a trailing ``Z`` or a UTC offset is
        honoured); naive ``datetime`` objects and ``datetime64`` values are taken as UTC; time-zone aware
        inputs are converted to UTC; astropy ``Time`` in any scale is converted to UTC.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]`` array; a 0-d array for a single time.

    Raises
    ------
    InputError
        For input that is not a time (numbers, unparsable strings), that contains NaT, or a time outside
        :data:`TIME_MIN` to :data:`TIME_MAX` (1678 to 2261, what datetime64[ns] can hold).

    Examples
    --------
    >>> as_datetime64("2025-06-21T17:00Z")
    array('2025-06-21T17:00:00.000000000', dtype='datetime64[ns]')
    >>> as_datetime64(["2000-01-01", "2030-01-01"]).shape
    (2,)
    >>> as_datetime64(np.datetime64("3000-01-01"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: time 3000-01-01 is outside the range smilekit supports: accepted are ...
    """
    if isinstance(time, np.ndarray) and np.issubdtype(time.dtype, np.datetime64):
        out = _to_ns(time)
    elif isinstance(time, np.datetime64):
        out = _to_ns(np.asarray(time))
    elif type(time).__module__.startswith("astropy.time"):
        out = _from_astropy(time)
    elif type(time).__module__.startswith("pandas"):
        try:
            converted = pd.to_datetime(time, utc=True)
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            raise _outside_span(_describe(time)) from None
        except (ValueError, TypeError) as exc:
            raise InputError(f"cannot read {_describe(time)} as a time ({_first_line(exc)})") from None
        if isinstance(converted, pd.Timestamp):
            out = _to_ns(np.asarray(converted.tz_convert("UTC").tz_localize(None).to_datetime64()))
        elif isinstance(converted, pd.Series):
            out = _to_ns(converted.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy())
        elif converted is pd.NaT:
            out = np.asarray(np.datetime64("NaT", "ns"))
        else:
            out = _to_ns(converted.tz_convert("UTC").tz_localize(None).to_numpy())
    elif isinstance(time, (str, _dt.datetime, _dt.date)):
        out = _parse_objects(np.array([time], dtype=object), time).reshape(())
    else:
        try:
            array = np.asarray(time, dtype=object)
        except (ValueError, TypeError) as exc:
            raise InputError(f"cannot read {_describe(time)} as a time ({_first_line(exc)})") from None
        if array.size == 0:
            out = np.empty(array.shape, dtype="datetime64[ns]")
        elif all(isinstance(item, np.datetime64) for item in array.flat):
            out = _to_ns(np.asarray(list(array.flat))).reshape(array.shape)
        else:
            flat = array.ravel()
            if any(type(item).__module__.startswith("astropy.time") for item in flat):
                raise InputError(
                    "pass an array of times as one astropy Time object, not a list of Time objects"
                )
            out = _parse_objects(flat, time).reshape(array.shape)
    out = np.asarray(out, dtype="datetime64[ns]")
    nat = np.isnat(out)
    if nat.any():
        raise InputError(
            f"time contains NaT (not-a-time) in {int(nat.sum())} of {out.size} values; every time must be "
            "a valid date"
        )
    return out


def check_time_range(t: np.ndarray, start: np.datetime64, stop: np.datetime64, what: str) -> None:
    """Raise InputError if any datetime64 time in ``t`` lies outside [start, stop]; ``what`` names the range.

    The message gives the first offending time, how many are outside, and the accepted range.
    """
    bad = (t < start) | (t > stop)
    if bad.any():
        first = np.ravel(t[bad])[0]
        raise InputError(
            f"time {first} ({int(bad.sum())} of {t.size} values) is outside {what}; accepted are times "
            f"from {start.astype('datetime64[s]')} to {stop.astype('datetime64[s]')} UTC"
        )


def days_since_j2000(time) -> np.ndarray:
    """Days (float) from J2000.0 (2000-01-01 12:00) to ``time``, vectorised.

    Examples
    --------
    >>> float(days_since_j2000("2000-01-02T12:00"))
    1.0
    """
    t = as_datetime64(time)
    return (t - J2000).astype(np.int64) / _NS_PER_DAY


def julian_centuries_j2000(time) -> np.ndarray:
    """Julian centuries (of 36525 days) from J2000.0 to ``time``: ``T = (JD - 2451545.0) / 36525``.

    Examples
    --------
    >>> float(julian_centuries_j2000("2100-01-01T12:00"))
    1.0
    """
    return days_since_j2000(time) / 36525.0


def day_fraction(time) -> tuple[np.ndarray, np.ndarray]:
    """Split ``time`` into whole days since 2000-01-01 00:00 (int64) and UT hours of the day (float).

    These are the two time arguments of Hapgood (1992): with ``d`` the whole days, his ``T0`` (Julian
    centuries from J2000.0 to the midnight that starts the day) is ``(d - 0.5) / 36525`` and his ``H`` is
    the UT hour.

    Examples
    --------
    >>> days, hours = day_fraction("2000-01-02T18:00")
    >>> int(days), float(hours)
    (1, 18.0)
    """
    t = as_datetime64(time)
    ns = (t - _MIDNIGHT_2000).astype(np.int64)
    days = np.floor_divide(ns, _NS_PER_DAY)
    hours = (ns - days * _NS_PER_DAY) / 3.6e12
    return days, hours


def decimal_year(time) -> np.ndarray:
    """Decimal year: the year plus the elapsed fraction of that calendar year (365 or 366 days).

    This is the time argument of the IGRF (epochs 1900.0, 1905.0, ... are 1 January 00:00 UTC).

    Examples
    --------
    >>> float(decimal_year("2024-07-02T00:00"))  # 183 of 366 days
    2024.5
    """
    t = as_datetime64(time)
    year_start = t.astype("datetime64[Y]")
    next_start = year_start + np.timedelta64(1, "Y")
    year = year_start.astype(np.int64) + 1970
    elapsed = (t - year_start.astype("datetime64[ns]")).astype(np.int64)
    length = (next_start.astype("datetime64[ns]") - year_start.astype("datetime64[ns]")).astype(np.int64)
    return year + elapsed / length


def nearest_index(record_times: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The index of the record nearest each of ``t`` in sorted ``record_times`` (ties: the earlier one).

    Both are comparable arrays (``datetime64`` of one unit, or numbers); ``record_times`` holds at least
    one value.

    Examples
    --------
    >>> nearest_index(np.array([0, 10, 20]), np.array([-3, 4, 5, 6, 99]))
    array([0, 0, 0, 1, 2])
    """
    record_times, t = np.asarray(record_times), np.asarray(t)
    if record_times.size == 1:
        return np.zeros(t.shape, dtype=np.int64)
    k = np.clip(np.searchsorted(record_times, t), 1, record_times.size - 1)
    before, after = record_times[k - 1], record_times[k]
    return np.where(np.abs(t - before) <= np.abs(after - t), k - 1, k)


def check_whole_leap_seconds(time_ns, what: str) -> None:
    """Refuse UTC times (int64 ns since 1970) before :data:`WHOLE_LEAP_SECONDS_FROM`, when TAI - UTC was not a
    whole number of seconds: an InputError that begins with ``what`` (what is made only from then on)."""
    t = np.asarray(time_ns, dtype=np.int64)
    if t.size and t.min() < _UTC_1972_NS:
        first = np.datetime64(int(t.min()), "ns")
        raise InputError(f"{what} from 1972-01-01 (UTC) on (whole leap seconds); got the time {first}")


def tai_minus_utc_s(time_ns) -> np.ndarray:
    """TAI - UTC in whole seconds at UTC times (int64 ns since 1970), from astropy, one call per day.

    TAI - UTC is constant through a UTC day (leap seconds are inserted only at a day's end), so astropy's
    leap-second table (ERFA's ``dat``) is asked once per day spanned. Beyond the end of the table (leap
    seconds are announced about six months ahead) the last value holds, as ERFA gives it; its "dubious
    year" warning for such a date is not repeated here. Before 1972 TAI - UTC was not a whole number of
    seconds: refused.

    Raises
    ------
    InputError
        For a time before 1972-01-01 (UTC).

    Examples
    --------
    >>> ns = np.array(["2016-12-31T23:59:59", "2017-01-01"], dtype="datetime64[ns]").astype(np.int64)
    >>> tai_minus_utc_s(ns)  # the leap second at the end of 2016
    array([36, 37])
    """
    t = np.asarray(time_ns, dtype=np.int64)
    if t.size == 0:
        return np.zeros(t.shape, dtype=np.int64)
    check_whole_leap_seconds(t, "TAI - UTC is known")
    days, inverse = np.unique(t // _NS_PER_DAY, return_inverse=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*dubious year", category=erfa.ErfaWarning)
        at = Time((days * _NS_PER_DAY).astype("datetime64[ns]"), scale="utc")
        tai = at.tai
    offset = np.rint(((tai.jd1 - at.jd1) + (tai.jd2 - at.jd2)) * 86400.0).astype(np.int64)
    return offset[inverse].reshape(t.shape)
