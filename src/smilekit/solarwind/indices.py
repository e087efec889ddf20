"""Geomagnetic indices of a storm: SYM-H and AL (nT, 1-min, UT), the storm's context for the solar wind.

SYM-H is the longitudinally symmetric part of the horizontal disturbance at mid-latitude stations, a 1-min
Dst (Iyemori 1990, :cite:`iyemori1990`); AL is the lower envelope of the H disturbance at the auroral
electrojet stations, the westward electrojet (Davis & Sugiura 1966, :cite:`davis1966`). Both are made by
the World Data Center for Geomagnetism, Kyoto (SYM-H: Imajo et al. 2022, doi:10.14989/267216,
:cite:`imajo2022`; AL: Nosé et al. 2015, doi:10.17593/15031-54800, :cite:`nose2015`); OMNI 1-min
(:cite:`king2005`) carries copies of them. Cite these when publishing results based on them.

:class:`GeomagneticIndices` holds the two series; :func:`read_indices` reads them from a file.

Formats
-------
SWPC validation-suite files (``Dst.txt`` of SWMFsoftware/SWPCTEST, the bundled ``*_SYMH_AL_1min.txt``)
    A title line, the column line ``year mo dy hr mn sc msc dst_sm AL`` (``dst_sm`` is SYM-H), then one
    record per line with those nine numbers.
Plain tables (whitespace- or comma-separated)
    Free text or ``#`` comments, then a column line naming the columns, then one record per line. The time
    is either one ISO 8601 column (``time``, ``epoch``, ``datetime``, ``utc`` or ``timestamp``; or ``date``
    and ``time`` as two columns) or separate columns ``year`` (``yr``), ``month`` (``mo``; SWMF's ``mn``
    when the minute is ``min``), ``day`` (``dy``) or day of year ``doy``, ``hour`` (``hr``), ``minute``
    (``min``, ``mn``), ``second`` (``sc``, ``sec``) and ``msec`` (``msc``, ``ms``); missing ones are 0.
    SYM-H is a column named ``sym_h``, ``SYM-H``, ``symh`` or ``dst_sm``; AL a column ``al``; a unit in
    brackets (``SYM-H (nT)``) is allowed. At least one of the two must be there; other columns (AU, AE,
    ASY-H, ...) are skipped and named in the attribute ``ignored_columns``.

Values whose whole part is four or more 9s (9999, 99999, 99999.00, 99999.9: OMNI's and Kyoto's fill
values) and ``nan`` are missing (NaN). Values outside :data:`VALID_RANGE` are refused, as are times that do
not increase.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.errors import InputError
from smilekit.times import as_datetime64

__all__ = ["INDEX_NAMES", "VALID_RANGE", "GeomagneticIndices", "read_indices"]

#: The indices, by variable name: (the name in figures and messages, the catalogue description).
INDEX_NAMES = {
    "sym_h": ("SYM-H", "Longitudinally symmetric ring-current index SYM-H (WDC Kyoto), 1 min"),
    "al": ("AL", "Auroral electrojet index AL, lower envelope (WDC Kyoto), 1 min"),
}

#: The values accepted, nT, by variable (wider than any recorded: SYM-H reached -490 nT in March 1989, the
#: Carrington storm is estimated near -1760 nT; AL below -4000 nT is unknown).
VALID_RANGE = {"sym_h": (-2500.0, 1000.0), "al": (-8000.0, 1000.0)}

_ISO_NAMES = {"time", "epoch", "datetime", "datetimeut", "utc", "timestamp", "timeut", "isotime"}
_PART_NAMES = {
    "year": {"year", "yr", "yyyy"},
    "month": {"month", "mo", "mon"},
    "day": {"day", "dy", "dd", "dom"},
    "doy": {"doy", "dayofyear"},
    "hour": {"hour", "hr", "hh"},
    "minute": {"minute", "min"},
    "second": {"second", "sec", "sc", "ss"},
    "msec": {"msec", "msc", "ms", "millisecond"},
}
_INDEX_NAMES = {"sym_h": {"symh", "dstsm", "symhindex"}, "al": {"al", "alindex"}}
_FILL = re.compile(r"^[+-]?9{4,}(\.[09]*)?$")
_ACCEPTED = (
    "a column line naming the time (an ISO 'time' column, or year mo dy hr mn [sc msc]) and SYM-H "
    "('sym_h', 'SYM-H', 'dst_sm') and/or AL ('al'), then one record per line"
)


class GeomagneticIndices:
    """SYM-H and AL along a storm (nT, UT), an :class:`xarray.Dataset` with units and provenance.

    Parameters
    ----------
    time : array-like of time
        UTC times, strictly increasing.
    sym_h, al : astropy Quantity (magnetic field, e.g. nT), optional
        The indices, one per time; NaN where missing. At least one is needed; the other is all NaN.
    source : str
        Where the values come from (a file name, a data centre), kept as an attribute.

    Raises
    ------
    InputError
        For unitless or non-field values, shapes that do not match the times, values outside
        :data:`VALID_RANGE`, times that do not increase, or no times.

    Examples
    --------
    >>> import astropy.units as u
    >>> ix = GeomagneticIndices(["2003-10-30T22:00", "2003-10-30T22:01"], sym_h=[-390, -395] * u.nT)
    >>> value, when = ix.minimum("sym_h")
    >>> value, str(when)
    (-395.0, '2003-10-30T22:01:00.000000000')
    >>> bool(np.isnan(ix.al.values).all())
    True
    """

    def __init__(self, time, *, sym_h=None, al=None, source: str = ""):
        time = as_datetime64(time).reshape(-1)
        if time.size == 0:
            raise InputError("geomagnetic indices need at least one time, got none")
        steps = np.diff(time)
        if (steps <= np.timedelta64(0, "ns")).any():
            k = int(np.flatnonzero(steps <= np.timedelta64(0, "ns"))[0])
            raise InputError(
                f"the geomagnetic indices' times must increase; record {k + 2} ({time[k + 1]}) follows "
                f"record {k + 1} ({time[k]})"
            )
        if sym_h is None and al is None:
            raise InputError("geomagnetic indices need SYM-H or AL (or both); got neither")
        data = {}
        for name, value in (("sym_h", sym_h), ("al", al)):
            if value is None:
                values = np.full(time.size, np.nan)
            else:
                if not isinstance(value, u.Quantity) or not value.unit.is_equivalent(u.nT):
                    raise InputError(
                        f"{INDEX_NAMES[name][0]} must be an astropy Quantity in nT (a magnetic field), got "
                        f"{type(value).__name__} {value!r}"
                    )
                values = np.asarray(value.to_value(u.nT), dtype=float).reshape(-1)
                if values.shape != time.shape:
                    raise InputError(f"{INDEX_NAMES[name][0]} has {values.size} values for {time.size} times")
                low, high = VALID_RANGE[name]
                bad = np.isfinite(values) & ((values < low) | (values > high))
                if bad.any():
                    k = int(np.flatnonzero(bad)[0])
                    raise InputError(
                        f"{INDEX_NAMES[name][0]} = {values[k]:g} nT at {time[k]} is outside the accepted "
                        f"{low:g} to {high:g} nT (fill values are NaN)"
                    )
            label, description = INDEX_NAMES[name]
            data[name] = xr.Variable(
                "time",
                values,
                attrs={
                    "units": "nT",
                    "FIELDNAM": label,
                    "CATDESC": description,
                    "VALIDMIN": VALID_RANGE[name][0],
                    "VALIDMAX": VALID_RANGE[name][1],
                    "FILLVAL": np.nan,
                },
            )
        self.ds = xr.Dataset(data, coords={"time": time}, attrs={"source": str(source)})

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> GeomagneticIndices:
        """Rebuild from a dataset made by this class (checked again), its attributes kept."""
        out = cls(
            ds["time"].values,
            sym_h=ds["sym_h"].values * u.nT,
            al=ds["al"].values * u.nT,
            source=ds.attrs.get("source", ""),
        )
        out.ds.attrs.update(ds.attrs)
        return out

    def __len__(self) -> int:
        return self.ds.sizes["time"]

    def __repr__(self) -> str:
        return (
            f"GeomagneticIndices({len(self)} records, {self.time.values[0]} to {self.time.values[-1]}, "
            f"source={self.source!r})"
        )

    @property
    def time(self) -> xr.DataArray:
        """The UTC times."""
        return self.ds["time"]

    @property
    def sym_h(self) -> xr.DataArray:
        """SYM-H, nT (NaN where missing)."""
        return self.ds["sym_h"]

    @property
    def al(self) -> xr.DataArray:
        """AL, nT (NaN where missing)."""
        return self.ds["al"]

    @property
    def source(self) -> str:
        """Where the values come from."""
        return str(self.ds.attrs.get("source", ""))

    @classmethod
    def from_solar_wind(cls, sw) -> GeomagneticIndices | None:
        """The SYM-H and AL a solar-wind file carried (OMNI 1-min/5-min ASCII and CDF do: the readers keep
        them as the variables ``sym_h`` and ``al``), or None when it has neither or only missing values."""
        ds = sw.ds
        present = {
            name: ds[name].values * u.nT
            for name in INDEX_NAMES
            if name in ds and np.isfinite(ds[name].values).any()
        }
        if not present:
            return None
        source = f"{ds.attrs.get('source', '')} (in the solar-wind file)"
        return cls(ds["time"].values, **present, source=source)

    def select(self, start, stop) -> GeomagneticIndices:
        """The records from ``start`` to ``stop`` inclusive (possibly none: then a dataset of length 0 is
        not allowed, and :class:`~smilekit.errors.InputError` says the spans do not overlap)."""
        t0, t1 = as_datetime64(start).reshape(()), as_datetime64(stop).reshape(())
        keep = (self.time.values >= t0) & (self.time.values <= t1)
        if not keep.any():
            raise InputError(
                f"the geomagnetic indices ({self.time.values[0]} to {self.time.values[-1]}) have no record "
                f"between {t0} and {t1}"
            )
        return GeomagneticIndices.from_dataset(self.ds.isel(time=np.flatnonzero(keep)))

    def minimum(self, name: str) -> tuple[float, np.datetime64 | None]:
        """The lowest value of ``"sym_h"`` or ``"al"`` and its first time; ``(nan, None)`` if all missing."""
        if name not in INDEX_NAMES:
            raise InputError(f"unknown index {name!r}; known: {', '.join(INDEX_NAMES)}")
        values = self.ds[name].values
        if not np.isfinite(values).any():
            return float("nan"), None
        k = int(np.nanargmin(values))
        return float(values[k]), self.time.values[k]


def _normal(name: str) -> str:
    """A column name without its unit in brackets, quotes, case and separators: ``SYM-H (nT)`` -> ``symh``."""
    name = re.sub(r"[\(\[\{].*?[\)\]\}]", "", name.strip().strip("\"'"))
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _split(line: str) -> list[str]:
    return [word.strip() for word in line.split(",")] if "," in line else line.split()


def _is_record(words: list[str]) -> bool:
    """Whether a line's words look like a record: its first word a number or an ISO date."""
    if not words:
        return False
    first = words[0]
    if re.match(r"^\d{4}-\d{2}-\d{2}", first):
        return True
    try:
        float(first)
    except ValueError:
        return False
    return True


def _columns(path: Path, lineno: int, header: str) -> tuple[dict[str, int], list[str]]:
    """The role of each column of the column line (time parts, ISO time, sym_h, al) and the ignored names."""
    names = _split(header)
    normal = [_normal(n) for n in names]
    roles: dict[str, int] = {}
    ignored = []
    # SWMF's own scripts write "yr mn dy hr min sec": there "mn" is the month; elsewhere the minute
    mn_is_month = "mn" in normal and any(n in ("min", "minute") for n in normal) and "mo" not in normal
    for k, word in enumerate(normal):
        role = None
        if word == "mn":
            role = "month" if mn_is_month else "minute"
        elif word == "date":
            role = "date"
        elif word in _ISO_NAMES:
            role = "iso"
        else:
            for candidate, aliases in {**_PART_NAMES, **_INDEX_NAMES}.items():
                if word in aliases:
                    role = candidate
                    break
        if role is None:
            ignored.append(names[k])
            continue
        if role in roles:
            raise InputError(
                f"{path}, line {lineno}: two columns mean {role!r} ({names[roles[role]]!r} and "
                f"{names[k]!r}): {header.strip()!r}"
            )
        roles[role] = k
    if "date" in roles and "iso" not in roles:
        raise InputError(f"{path}, line {lineno}: a 'date' column needs a 'time' column after it: {header!r}")
    has_time = "iso" in roles or ("year" in roles and ("doy" in roles or {"month", "day"} <= set(roles)))
    if not has_time or not ({"sym_h", "al"} & set(roles)):
        missing = "the time" if not has_time else "SYM-H or AL"
        raise InputError(
            f"{path}, line {lineno}: cannot identify {missing} among the columns {names}; "
            f"accepted: {_ACCEPTED}"
        )
    return roles, ignored


def _number(word: str) -> float:
    if word.lower() in ("nan", "na", ""):
        return float("nan")
    if _FILL.match(word):
        return float("nan")
    return float(word)


def _record_time(words: list[str], roles: dict[str, int]) -> np.datetime64:
    if "iso" in roles:
        text = words[roles["iso"]]
        if "date" in roles:
            text = f"{words[roles['date']]}T{text}"
        text = text.rstrip("Z").replace(" ", "T")
        return np.datetime64(text, "ns")
    part = {name: float(words[k]) for name, k in roles.items() if name in _PART_NAMES}
    for name, value in part.items():
        if name != "second" and value != int(value):
            raise ValueError(f"{name} {value:g} is not a whole number")
    year = int(part["year"])
    if "doy" in part:
        base = datetime(year, 1, 1) + timedelta(days=int(part["doy"]) - 1)
        if base.year != year:
            raise ValueError(f"day of year {int(part['doy'])} is not in {year}")
    else:
        base = datetime(year, int(part["month"]), int(part["day"]))
    for name, top in (("hour", 24), ("minute", 60), ("second", 61), ("msec", 1000)):
        if not 0 <= part.get(name, 0.0) < top:
            raise ValueError(f"{name} {part[name]:g} is outside 0 to {top}")
    offset = timedelta(
        hours=part.get("hour", 0.0),
        minutes=part.get("minute", 0.0),
        seconds=part.get("second", 0.0),
        milliseconds=part.get("msec", 0.0),
    )
    return np.datetime64(base + offset, "ns")


def read_indices(path, *, source: str | None = None) -> GeomagneticIndices:
    """Read SYM-H and AL from an SWPC validation-suite file or a plain table (module docstring: Formats).

    Parameters
    ----------
    path : path-like
        The file (ASCII).
    source : str, optional
        The provenance kept in the ``source`` attribute; default the file name.

    Returns
    -------
    GeomagneticIndices
        With the attributes ``source``, ``file``, ``fill_values`` (how many values were fill) and
        ``ignored_columns``.

    Raises
    ------
    InputError
        Naming the file and the line: a missing or non-text file, no column line or no records, columns
        that cannot be identified, a record with the wrong number of words, a word that is not a number
        or a time, times that do not increase, values outside :data:`VALID_RANGE`.

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> ix = read_indices(data_path("events/2003-10-29_halloween_SYMH_AL_1min.txt"))
    >>> len(ix), ix.minimum("sym_h")[0]
    (2861, -432.0)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"geomagnetic-index file {str(path)!r} does not exist or is not a file")
    try:
        lines = path.read_text(encoding="ascii", errors="strict").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not an ASCII text file ({exc}); accepted: {_ACCEPTED}") from None
    header_at = None
    first_record = None
    for k, line in enumerate(lines):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if _is_record(_split(text)):
            first_record = k
            break
        header_at = k
    if first_record is None or header_at is None:
        what = "no records" if first_record is None else "no column line before the first record"
        raise InputError(f"{path}: {what}; accepted: {_ACCEPTED}")
    roles, ignored = _columns(path, header_at + 1, lines[header_at])
    width = len(_split(lines[header_at]))
    times, values = [], {"sym_h": [], "al": []}
    fills = 0
    for k in range(first_record, len(lines)):
        text = lines[k].strip()
        if not text or text.startswith("#"):
            continue
        words = _split(text)
        if len(words) != width:
            raise InputError(
                f"{path}, line {k + 1}: {len(words)} words where the column line has {width}: {text!r}"
            )
        try:
            times.append(_record_time(words, roles))
            for name in ("sym_h", "al"):
                if name in roles:
                    value = _number(words[roles[name]])
                    fills += int(np.isnan(value))
                    values[name].append(value)
        except ValueError as exc:
            raise InputError(f"{path}, line {k + 1}: cannot read the record ({exc}): {text!r}") from None
    try:  # the container checks the values and that the times increase; the file is named here
        out = GeomagneticIndices(
            np.array(times, dtype="datetime64[ns]"),
            **{name: np.asarray(v) * u.nT for name, v in values.items() if name in roles},
            source=path.name if source is None else source,
        )
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    out.ds.attrs.update({"file": str(path), "fill_values": fills, "ignored_columns": ", ".join(ignored)})
    return out
