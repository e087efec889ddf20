"""What every solar-wind reader shares: file access, error messages, the vocabulary of quantities, the
column map, the documented defaults for missing quantities and the provenance record.

A reader that finds its columns by name (OMNI CDF, HDF5, delimited tables) turns the file into a table
``{file column: values}`` and hands it to :func:`build_series`, which picks the columns (by the format's
own names, or by the user's ``columns`` map), converts units, fills in what is missing with the documented
defaults of :data:`DEFAULTS`, and records all of it in the series' provenance (:func:`provenance_attrs`).
"""

from __future__ import annotations

import itertools
import json
import re
import warnings
from contextlib import contextmanager
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit.errors import DataGapWarning, InputError
from smilekit.solarwind.derived import OMNI_PDYN_FACTOR
from smilekit.solarwind.series import SolarWind, as_time
from smilekit.times import TIME_MAX, TIME_MIN, as_datetime64

__all__ = [
    "DEFAULTS",
    "QUANTITIES",
    "build_series",
    "check_records",
    "lopez_temperature",
    "parse_columns",
    "provenance_attrs",
]


# --- files and messages ---------------------------------------------------------------------------
def _check_path(path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"solar-wind file {str(path)!r} does not exist or is not a file")
    return path


def _open_lines(path) -> tuple[Path, list[str]]:
    path = _check_path(path)
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not an ASCII text file ({exc})") from None
    return path, text.splitlines()


def _iter_line_chunks(path, size: int = 50_000):
    """The lines of an ASCII file, ``size`` at a time: yields ``(first_line_number, lines)`` (1-based).

    Memory stays bounded by one chunk whatever the file's length (a year of 1-min OMNI is 525 600
    lines); a byte that is not ASCII raises :class:`~smilekit.errors.InputError` with its line.
    """
    path = _check_path(path)
    first = 1
    with path.open("r", encoding="ascii", errors="strict", newline=None) as handle:
        while True:
            try:
                lines = [line.rstrip("\n") for line in itertools.islice(handle, size)]
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: not an ASCII text file (after line {first - 1}: {exc})") from None
            if not lines:
                return
            yield first, lines
            first += len(lines)


def _head_lines(path, count: int = 400) -> tuple[Path, list[str]]:
    """The first ``count`` lines of an ASCII file (more until one that is neither blank nor a ``#``
    comment, at most 100 000): enough to recognise a format without reading a long file whole."""
    head: list[str] = []
    for _, lines in _iter_line_chunks(path, count):
        head.extend(lines)
        if len(head) >= 100_000 or any(line.strip() and not line.lstrip().startswith("#") for line in lines):
            break
    return Path(path), head


def _bad_line(path: Path, lineno: int, line: str, why: str) -> InputError:
    return InputError(f"{path}, line {lineno}: {why}: {line.strip()!r}")


def _maybe_warn(warn_gaps: bool, path: Path, counts: dict[str, int]) -> None:
    total = sum(counts.values())
    if warn_gaps and total:
        detail = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        warnings.warn(f"{path.name}: fill values set to NaN ({detail})", DataGapWarning, stacklevel=3)


def _is_fill(values: np.ndarray, fill: float) -> np.ndarray:
    return np.abs(np.abs(values) - fill) < 0.006


# --- the checks every series passes ---------------------------------------------------------------
def check_records(path: Path, time: np.ndarray, primaries: dict[str, np.ndarray], where=None) -> None:
    """Refuse a series that cannot drive anything: fewer than two records, times that do not strictly
    increase (running backwards or repeated), or no record with every quantity present.

    ``where(i)`` names record ``i`` in messages (a line number, a record index); by default the index.
    """
    where = where or (lambda i: f"record {i}")
    if time.size < 2:
        raise InputError(
            f"{path}: {time.size} record(s); a solar-wind series needs at least two (a time range to "
            "simulate)"
        )
    step = np.diff(time)
    bad = np.flatnonzero(step <= np.timedelta64(0, "ns"))
    if bad.size:
        i = int(bad[0]) + 1
        how = "repeats" if step[i - 1] == np.timedelta64(0, "ns") else "runs backwards from"
        raise InputError(
            f"{path}, {where(i)}: time {time[i]} {how} the previous record's ({time[i - 1]}); times must "
            "strictly increase"
        )
    valid = np.ones(time.size, dtype=bool)
    for values in primaries.values():
        values = np.asarray(values, dtype=float)
        valid &= ~(np.isnan(values).any(axis=-1) if values.ndim == 2 else np.isnan(values))
    if not valid.any():
        empty = [name for name, v in primaries.items() if np.isnan(np.asarray(v, dtype=float)).all()]
        detail = f" ({', '.join(empty)} entirely missing)" if empty else ""
        raise InputError(
            f"{path}: no record has every quantity present{detail}: the file holds only fill values "
            "where the solar wind should be"
        )


def provenance_attrs(
    path: Path,
    file_format: str,
    columns: dict[str, str],
    ignored: list[str] | tuple[str, ...] = (),
    defaults: dict[str, str] | None = None,
    **extra,
) -> dict[str, str]:
    """The dataset attribute ``provenance`` (JSON) that :func:`smilekit.solarwind.provenance` returns."""
    record = {
        "source": Path(path).name,
        "format": file_format,
        "columns": {str(k): str(v) for k, v in columns.items()},
        "ignored_columns": [str(c) for c in ignored],
        "defaults": dict(defaults or {}),
    }
    record.update(extra)
    return {"provenance": json.dumps(record)}


# --- vocabulary -------------------------------------------------------------------------------------
#: The quantities a ``columns`` map may name (the key) and what each means, with the unit smilekit
#: expects. A file column in other units is converted when the unit is known (``"name:unit"`` in the map,
#: or the column's own ``units``/``UNITS`` attribute in CDF and HDF5 files).
QUANTITIES: dict[str, tuple[str, str]] = {
    "time": ("", "record time, UTC (ISO 8601 text, datetime, or a CDF epoch)"),
    "year": ("", "year (with doy and hour when there is no time column)"),
    "doy": ("", "day of year, 1 = 1 January"),
    "hour": ("h", "hour of day (may be fractional)"),
    "minute": ("min", "minute of hour"),
    "second": ("s", "second of minute"),
    "n": ("cm^-3", "proton number density"),
    "speed": ("km/s", "flow speed |V|"),
    "vx_gse": ("km/s", "flow velocity Vx, GSE"),
    "vy_gse": ("km/s", "flow velocity Vy, GSE"),
    "vz_gse": ("km/s", "flow velocity Vz, GSE"),
    "flow_longitude": ("deg", "flow longitude, OMNI's quasi-GSE angle (from -X towards +Y)"),
    "flow_latitude": ("deg", "flow latitude, OMNI's quasi-GSE angle (positive towards +Z)"),
    "bx_gse": ("nT", "IMF Bx, GSE (the same in GSM)"),
    "by_gse": ("nT", "IMF By, GSE"),
    "bz_gse": ("nT", "IMF Bz, GSE"),
    "by_gsm": ("nT", "IMF By, GSM"),
    "bz_gsm": ("nT", "IMF Bz, GSM"),
    "t": ("K", "proton temperature"),
    "pdyn": ("nPa", "flow (dynamic) pressure"),
    "sym_h": ("nT", "SYM-H index"),
    "sym_d": ("nT", "SYM-D index"),
    "asy_h": ("nT", "ASY-H index"),
    "asy_d": ("nT", "ASY-D index"),
    "ae": ("nT", "AE index"),
    "al": ("nT", "AL index"),
    "au": ("nT", "AU index"),
    "dst": ("nT", "Dst index"),
    "kp": ("1", "Kp index (as the file gives it)"),
    "f107": ("sfu", "F10.7 index"),
    "pc_n": ("1", "PC(N) index"),
}
#: Quantities that are kept as extra dataset variables of the same name (geomagnetic indices).
INDEX_QUANTITIES = ("sym_h", "sym_d", "asy_h", "asy_d", "ae", "al", "au", "dst", "kp", "f107", "pc_n")
_TIME_PARTS = ("year", "doy", "hour", "minute", "second")
_QUANTITY_ALIASES = {"bx_gsm": "bx_gse", "symh": "sym_h", "v": "speed", "density": "n", "temperature": "t"}


def _key(name: str) -> str:
    """Column names compared without case, spaces, underscores or dashes (``Den_P`` = ``denp``)."""
    return re.sub(r"[^0-9a-z.]", "", str(name).lower())


#: Names by which generic files (tables, HDF5) are recognised: compared by :func:`_key`. Only names
#: that say their frame are taken for By, Bz and the velocity components (plain ``By`` or ``Vx`` could
#: be GSE or GSM: give a ``columns`` map); ``Bx`` is the same in both.
GENERIC_NAMES: dict[str, tuple[str, ...]] = {
    "time": ("time", "datetime", "utc", "epoch", "date", "timestamp", "isotime", "timeutc"),
    "year": ("year", "yr", "iyear"),
    "doy": ("doy", "dayofyear", "iday"),
    "hour": ("hr", "hour", "ihour", "ut"),
    "minute": ("min", "minute", "mn"),
    "second": ("sec", "second", "sc"),
    "n": ("n", "np", "dens", "density", "denp", "protondensity", "nsw", "nproton", "rho"),
    "speed": ("v", "speed", "vsw", "flowspeed", "velo", "vp", "vbulk", "usw", "velocity", "bulkspeed"),
    "vx_gse": ("vxgse", "uxgse"),
    "vy_gse": ("vygse", "uygse"),
    "vz_gse": ("vzgse", "uzgse"),
    "flow_longitude": ("phiv", "flowlongitude"),
    "flow_latitude": ("thetav", "flowlatitude"),
    "bx_gse": ("bx", "bxgse", "bxgsm", "bxgsegsm", "bximf"),
    "by_gse": ("bygse",),
    "bz_gse": ("bzgse",),
    "by_gsm": ("bygsm", "byimf"),
    "bz_gsm": ("bzgsm", "bzimf"),
    "t": ("t", "tp", "temp", "temperature", "protontemperature", "tsw"),
    "pdyn": ("pdyn", "pressure", "flowpressure", "psw", "pram"),
    "sym_h": ("symh",),
    "sym_d": ("symd",),
    "asy_h": ("asyh",),
    "asy_d": ("asyd",),
    "ae": ("ae", "aeindex"),
    "al": ("al", "alindex"),
    "au": ("au", "auindex"),
    "dst": ("dst", "dstindex"),
    "kp": ("kp", "kpindex"),
    "f107": ("f107", "f10.7", "f10", "f10index"),
    "pc_n": ("pcn", "pcnindex"),
}


def parse_columns(columns) -> dict[str, tuple[str, str | None]]:
    """Check a ``columns`` map and return ``{quantity: (file column, unit or None)}``.

    ``columns`` is a dict ``{quantity: "file column"}`` (a value may end in ``":unit"``, e.g.
    ``"Tp:eV"``) or the CLI's text form ``"n=Den_P,speed=Vsw"``. Unknown quantities are an InputError
    listing :data:`QUANTITIES`.
    """
    if columns is None:
        return {}
    if isinstance(columns, str):
        pairs = {}
        for item in filter(None, (part.strip() for part in columns.split(","))):
            if "=" not in item:
                raise InputError(
                    f"columns: {item!r} is not QUANTITY=COLUMN (e.g. n=Den_P,speed=Vsw); "
                    f"quantities: {', '.join(QUANTITIES)}"
                )
            name, _, value = item.partition("=")
            pairs[name.strip()] = value.strip()
        columns = pairs
    if not isinstance(columns, dict):
        raise InputError(f"columns must be a dict {{quantity: file column}}, got {type(columns).__name__}")
    out: dict[str, tuple[str, str | None]] = {}
    for name, value in columns.items():
        quantity = _QUANTITY_ALIASES.get(str(name).lower(), str(name).lower())
        if quantity not in QUANTITIES:
            raise InputError(
                f"columns: unknown quantity {name!r}; accepted: "
                + ", ".join(
                    f"{q} ({QUANTITIES[q][1]}{', ' + QUANTITIES[q][0] if QUANTITIES[q][0] else ''})"
                    for q in QUANTITIES
                )
            )
        text = str(value).strip()
        unit = None
        if ":" in text:
            head, _, tail = text.rpartition(":")
            if head and _unit_or_none(tail) is not None:
                text, unit = head, tail
        if not text:
            raise InputError(f"columns: no file column given for {name!r}")
        out[quantity] = (text, unit)
    return out


# --- units -----------------------------------------------------------------------------------------
_UNIT_SPELLINGS = {
    "n/cc": "cm-3",
    "#/cc": "cm-3",
    "/cc": "cm-3",
    "cc^-1": "cm-3",
    "1/cc": "cm-3",
    "#/cm^3": "cm-3",
    "cm^-3": "cm-3",
    "1/cm^3": "cm-3",
    "cm-3": "cm-3",
    "km/sec": "km/s",
    "deg k": "K",
    "degk": "K",
    "deg_k": "K",
    "kelvin": "K",
    "nt": "nT",
    "npa": "nPa",
    "degrees": "deg",
    "degree": "deg",
}


def _unit_or_none(text):
    if text is None:
        return None
    text = str(text).strip()
    if not text:
        return None
    spelled = _UNIT_SPELLINGS.get(text.lower(), text)
    try:
        unit = u.Unit(spelled, parse_strict="raise")
    except (ValueError, TypeError):
        return None
    return unit


def _convert(values: np.ndarray, unit_text, quantity: str, column: str, conversions: dict) -> np.ndarray:
    target = QUANTITIES[quantity][0]
    if not target or target in ("h", "min", "s") or unit_text is None or not str(unit_text).strip():
        return values
    unit = _unit_or_none(unit_text)
    if unit is None:
        conversions[quantity] = f"unit {str(unit_text)!r} of {column!r} not understood; taken as {target}"
        return values
    target_unit = u.Unit(target.replace("^", ""))
    if unit == target_unit:
        return values
    try:
        converted = (values * unit).to_value(target_unit, equivalencies=u.temperature_energy())
    except u.UnitConversionError:
        raise InputError(
            f"column {column!r} for {quantity} is in {unit_text!r}, which does not convert to {target}"
        ) from None
    conversions[quantity] = f"{column!r} converted from {unit_text} to {target}"
    return np.asarray(converted, dtype=float)


# --- defaults for missing quantities ---------------------------------------------------------------
#: Lowest speed (km/s) at which the Lopez (1987) relation is used; slower flows take its value here.
LOPEZ_MIN_SPEED = 250.0


def lopez_temperature(speed) -> np.ndarray:
    """Expected proton temperature (K) for a flow speed (km/s), Lopez (1987) :cite:`lopez1987`.

    ``T = (0.031 V - 5.1)^2 x 10^3 K`` for ``V < 500 km/s`` and ``T = (0.02 V + 0.5)^2 x 10^3 K`` above,
    the square-root-linear fits of Lopez (1987), Tables 1 and 2 (IMP 8 data; the form of Lopez & Freeman
    1986, :cite:`lopez1986`). Speeds below :data:`LOPEZ_MIN_SPEED` (250 km/s, near the slow end of the
    fitted data, where the first branch turns over at 165 km/s) take the value at 250 km/s.

    Examples
    --------
    >>> lopez_temperature([400.0, 620.0]).round(-2).tolist()
    [53300.0, 166400.0]
    """
    v = np.maximum(np.asarray(speed, dtype=float), LOPEZ_MIN_SPEED)
    return np.where(v < 500.0, (0.031 * v - 5.1) ** 2, (0.02 * v + 0.5) ** 2) * 1.0e3


#: The defaults for missing quantities, as recorded in the provenance.
DEFAULTS = {
    "t": (
        "proton temperature from the flow speed, Lopez (1987) expected temperature "
        "T = (0.031 V - 5.1)^2 x 1e3 K (V < 500 km/s), (0.02 V + 0.5)^2 x 1e3 K (V >= 500 km/s) "
        "[Lopez, R. E. (1987), J. Geophys. Res. 92, 11189, doi:10.1029/JA092iA10p11189; Lopez & Freeman "
        "(1986), J. Geophys. Res. 91, 1701, doi:10.1029/JA091iA02p01701]; V < 250 km/s taken as 250 km/s"
    ),
    "bx": "IMF Bx = 0 nT (the file has no Bx; only By and Bz drive the boundary models' clock angle)",
    "v": (
        "radial flow V = (-|V|, 0, 0) GSE from the flow speed (the file gives no direction; the solar "
        "wind flows within a few degrees of -X GSE; the ~30 km/s aberration from Earth's orbital motion "
        "is neglected)"
    ),
    "n": (
        "proton density from the flow pressure and speed, n = Pdyn / (2e-6 V^2) (Pdyn nPa, V km/s): "
        "OMNI's definition of the flow pressure (HRO format description, footnote G), a proton wind "
        "with about 4 % alpha particles by number"
    ),
}


# --- building a series from named columns ----------------------------------------------------------
def resolve(
    path: Path,
    names: list[str],
    aliases: dict[str, tuple[str, ...]],
    user: dict[str, tuple[str, str | None]],
) -> dict[str, str]:
    """Map quantities to file columns: the user's map first, then the format's names (by :func:`_key`)."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(_key(name), name)
    chosen: dict[str, str] = {}
    for quantity, (column, _unit) in user.items():
        if column in names:
            chosen[quantity] = column
        elif _key(column) in by_key:
            chosen[quantity] = by_key[_key(column)]
        else:
            raise InputError(
                f"{path}: columns map names {column!r} for {quantity}, but the file has no such column; "
                f"its columns: {', '.join(map(str, names))}"
            )
    taken = set(chosen.values())
    for quantity, spellings in aliases.items():
        if quantity in chosen:
            continue
        for spelling in spellings:
            name = by_key.get(_key(spelling))
            if name is not None and name not in taken:
                chosen[quantity] = name
                taken.add(name)
                break
    return chosen


@contextmanager
def in_file(path: Path):
    """Name ``path`` in an InputError raised inside (a value the SolarWind checks refuse, with its time)."""
    try:
        yield
    except InputError as error:
        raise InputError(f"{path}: {error}") from None


#: The years a reader accepts: those whose every instant numpy's datetime64[ns] can hold
#: (:data:`smilekit.times.TIME_MIN` to :data:`smilekit.times.TIME_MAX`); beyond them a cast wraps round
#: silently (year 3000 became 1830).
YEAR_RANGE = (int(str(TIME_MIN.astype("datetime64[Y]"))), int(str(TIME_MAX.astype("datetime64[Y]"))))


def year_out_of_range(years) -> np.ndarray:
    """Where ``years`` fall outside :data:`YEAR_RANGE` (a boolean mask), for the readers' line messages."""
    years = np.asarray(years, dtype=float)
    return ~((years >= YEAR_RANGE[0]) & (years <= YEAR_RANGE[1]))


def year_message(year) -> str:
    """Why a year is refused, with what is accepted."""
    return (
        f"year {float(year):g} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}, the years smilekit's times "
        "(numpy datetime64[ns]) can hold"
    )


def times_from_parts(path: Path, parts: dict[str, np.ndarray]) -> np.ndarray:
    """UTC times from year, day of year, hour (fractional allowed), minute and second columns."""
    year = np.asarray(parts["year"], dtype=float)
    doy = np.asarray(parts["doy"], dtype=float)
    if np.isnan(year).any() or np.isnan(doy).any() or (doy < 1).any() or (doy > 366).any():
        bad = int(np.flatnonzero(np.isnan(year) | np.isnan(doy) | (doy < 1) | (doy > 366))[0])
        raise InputError(f"{path}, record {bad}: year {year[bad]:g} / day of year {doy[bad]:g} not valid")
    if year_out_of_range(year).any():
        bad = int(np.flatnonzero(year_out_of_range(year))[0])
        raise InputError(f"{path}, record {bad}: {year_message(year[bad])}")
    seconds = np.zeros_like(year)
    for name, scale in (("hour", 3600.0), ("minute", 60.0), ("second", 1.0)):
        if name in parts:
            seconds = seconds + np.asarray(parts[name], dtype=float) * scale
    base = (year.astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[ns]")
    return (
        base
        + (doy.astype(np.int64) - 1).astype("timedelta64[D]")
        + np.round(seconds * 1e9).astype(np.int64).astype("timedelta64[ns]")
    )


def parse_times(path: Path, column: str, values) -> np.ndarray:
    """Times from a column of ISO text (bytes or str), datetimes or datetime64."""
    values = np.asarray(values)
    if values.dtype.kind == "S":
        values = np.char.decode(values, "ascii")
    if values.dtype.kind == "M":
        return as_datetime64(values)  # checks the range before the cast to ns
    if values.dtype.kind in "fiu":
        raise InputError(
            f"{path}: time column {column!r} holds numbers; give ISO 8601 times, or year, doy and hour "
            "columns (columns map: year=..., doy=..., hour=...)"
        )
    try:
        index = pd.to_datetime(pd.Series(values.astype(str)).str.strip().str.rstrip("Z"), utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: time column {column!r} is not ISO 8601 UTC times ({exc})") from None
    return as_time(pd.DatetimeIndex(index))


def build_series(
    path: Path,
    file_format: str,
    table: dict[str, np.ndarray],
    units: dict[str, str | None],
    aliases: dict[str, tuple[str, ...]],
    columns,
    *,
    time: np.ndarray | None = None,
    time_columns: tuple[str, ...] = (),
    fill_counts: dict[str, int] | None = None,
    attrs: dict | None = None,
    warn_gaps: bool = False,
    where=None,
) -> SolarWind:
    """Build a SolarWind from named columns (see the module docstring).

    ``table`` maps file column names to 1-D arrays (NaN where the file had fill values); ``units`` the
    column's own unit text where the file states one. ``time`` may be given by the caller (e.g. a CDF
    epoch), naming its columns in ``time_columns``.
    """
    user = parse_columns(columns)
    names = list(table)
    chosen = resolve(path, names + list(time_columns), aliases, user)
    conversions: dict[str, str] = {}

    def value(quantity):
        column = chosen.get(quantity)
        if column is None or column not in table:
            return None
        unit = user.get(quantity, (None, None))[1] or units.get(column)
        return _convert(np.asarray(table[column], dtype=float), unit, quantity, column, conversions)

    # time
    used: dict[str, str] = {}
    if time is None:
        if "time" in chosen and chosen["time"] in table:
            time = parse_times(path, chosen["time"], table[chosen["time"]])
            used["time"] = chosen["time"]
        elif "year" in chosen and "doy" in chosen:
            parts = {q: np.asarray(table[chosen[q]], dtype=float) for q in _TIME_PARTS if q in chosen}
            time = times_from_parts(path, parts)
            used.update({q: chosen[q] for q in _TIME_PARTS if q in chosen})
        else:
            raise InputError(
                f"{path}: no time column found (looked for {', '.join(aliases.get('time', ()))}, or year + "
                f"doy + hour); its columns: {', '.join(names)}; name it with columns={{'time': 'COLUMN'}}"
            )
    else:
        for name in time_columns:
            if name in chosen.values():
                used.update({q: c for q, c in chosen.items() if c == name})
        if not used and time_columns:
            used["time"] = time_columns[0]
    time = np.asarray(time, dtype="datetime64[ns]")
    size = time.size

    def need_size(quantity, array):
        if array is not None and array.shape != (size,):
            raise InputError(
                f"{path}: column {chosen[quantity]!r} ({quantity}) has shape {array.shape}, the time axis "
                f"{size} records"
            )
        return array

    got = {q: need_size(q, value(q)) for q in QUANTITIES if q not in ("time", *_TIME_PARTS)}
    defaults: dict[str, str] = {}
    for q, arr in got.items():
        if arr is not None:
            used[q] = chosen[q]

    def missing_message(what: str) -> InputError:
        return InputError(
            f"{path}: cannot identify the column(s) for {what}; the file's columns: {', '.join(names)}; "
            "say which is which with columns={...} (CLI: --columns QUANTITY=COLUMN,...), quantities: "
            + ", ".join(q for q in QUANTITIES if q not in INDEX_QUANTITIES)
        )

    # speed and velocity
    speed = got["speed"]
    if all(got[c] is not None for c in ("vx_gse", "vy_gse", "vz_gse")):
        v_gse = np.stack([got["vx_gse"], got["vy_gse"], got["vz_gse"]], axis=1)
    elif speed is not None and got["flow_longitude"] is not None and got["flow_latitude"] is not None:
        lon, lat = np.radians(got["flow_longitude"]), np.radians(got["flow_latitude"])
        v_gse = np.stack(
            [-speed * np.cos(lat) * np.cos(lon), speed * np.cos(lat) * np.sin(lon), speed * np.sin(lat)], 1
        )
    elif speed is not None:
        v_gse = np.stack([-np.abs(speed), np.zeros(size), np.zeros(size)], axis=1)
        defaults["v_gse"] = DEFAULTS["v"]
    elif got["vx_gse"] is not None:
        speed = np.abs(got["vx_gse"])
        v_gse = np.stack([got["vx_gse"], np.zeros(size), np.zeros(size)], axis=1)
        defaults["v_gse"] = "Vy = Vz = 0 km/s GSE (the file gives only Vx GSE)"
    else:
        raise missing_message("the flow speed or velocity (speed, or vx_gse vy_gse vz_gse)")
    v_gse[np.isnan(v_gse).any(axis=1)] = np.nan
    if speed is None:
        speed = np.linalg.norm(v_gse, axis=1)

    # magnetic field
    bx = got["bx_gse"]
    have_gse = got["by_gse"] is not None and got["bz_gse"] is not None
    have_gsm = got["by_gsm"] is not None and got["bz_gsm"] is not None
    if not (have_gse or have_gsm):
        raise missing_message("the IMF (by_gsm and bz_gsm, or by_gse and bz_gse)")
    if bx is None:
        bx = np.zeros(size)
        defaults["bx"] = DEFAULTS["bx"]
    field = {}
    if have_gse:
        field["b_gse"] = np.stack([bx, got["by_gse"], got["bz_gse"]], axis=1)
    if have_gsm:
        field["b_gsm"] = np.stack([bx, got["by_gsm"], got["bz_gsm"]], axis=1)
    for vec in field.values():
        vec[np.isnan(vec).any(axis=1)] = np.nan

    # density
    n = got["n"]
    if n is None or np.isnan(n).all():
        if got["pdyn"] is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                n = got["pdyn"] / (OMNI_PDYN_FACTOR * speed**2)
            n[~np.isfinite(n)] = np.nan
            defaults["n"] = DEFAULTS["n"] + (
                " (the density column holds only fill values)" if "n" in used else ""
            )
        elif n is None:
            raise missing_message("the proton density (n), or the flow pressure (pdyn) to derive it from")
    # temperature
    t = got["t"]
    if t is None or np.isnan(t).all():
        t = lopez_temperature(speed)
        defaults["t"] = DEFAULTS["t"] + (
            " (the temperature column holds only fill values)" if "t" in used else ""
        )

    for name, arr in (("n", n), ("t", t)):
        bad = np.flatnonzero(arr <= 0)
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{path}, {(where or (lambda k: f'record {k}'))(i)} ({time[i]}): negative or zero {name} "
                f"{arr[i]:g} in column "
                f"{used.get(name, name)!r}; must be > 0 (missing values: the format's fill value or NaN)"
            )
    check_records(path, time, {"n": n, "v_gse": v_gse, "t": t, **field}, where=where)
    ignored = [c for c in names if c not in used.values()]
    prov = provenance_attrs(
        path, file_format, used, ignored, defaults, **({"conversions": conversions} if conversions else {})
    )
    all_attrs = {
        "file_format": file_format,
        "frame_of_origin": "+".join(f[2:].upper() for f in field),
        "fill_values": ", ".join(f"{k}={v}" for k, v in (fill_counts or {}).items()),
        **(attrs or {}),
        **prov,
    }
    if ignored:
        all_attrs["ignored_columns"] = ", ".join(ignored)
    if defaults:
        all_attrs["defaults"] = "; ".join(f"{k}: {v}" for k, v in defaults.items())
    with in_file(path):
        sw = SolarWind(
            time,
            n=n * u.cm**-3,
            v_gse=v_gse * (u.km / u.s),
            t=t * u.K,
            source=path.name,
            allow_gaps=True,
            attrs=all_attrs,
            **{k: v * u.nT for k, v in field.items()},
        )
    ds = sw.ds
    for q in INDEX_QUANTITIES:
        if got[q] is not None:
            ds[q] = ("time", got[q])
            ds[q].attrs.update(
                {
                    "units": QUANTITIES[q][0],
                    "CATDESC": f"{QUANTITIES[q][1]} (file column {chosen[q]})",
                    "DEPEND_0": "time",
                    "FILLVAL": -1.0e31,
                }
            )
    if got["pdyn"] is not None and "n" not in defaults:
        ds["file_pdyn"] = ("time", got["pdyn"])
        ds["file_pdyn"].attrs.update(
            {
                "units": "nPa",
                "CATDESC": f"flow pressure as the file gives it (column {chosen['pdyn']})",
                "DEPEND_0": "time",
                "FILLVAL": -1.0e31,
            }
        )
    _maybe_warn(warn_gaps, path, fill_counts or {})
    return sw
