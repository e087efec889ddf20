"""SWMF IMF solar-wind input files (``IMF.dat``): see :func:`read_swmf_imf`."""

from __future__ import annotations

import warnings
from pathlib import Path

import astropy.units as u
import numpy as np

from smilekit.errors import IgnoredColumnsWarning, InputError
from smilekit.solarwind.readers._common import (
    _bad_line,
    _is_fill,
    _maybe_warn,
    _open_lines,
    check_records,
    in_file,
    provenance_attrs,
    year_message,
    year_out_of_range,
)
from smilekit.solarwind.series import SolarWind, rotate_vectors

__all__ = ["SWMF_COLUMNS", "SWMF_DATA_NAMES", "SWMF_FILL_VALUES", "SWMF_TIME_NAMES", "read_swmf_imf"]

#: Record lines parsed at a time (bounds the reader's working memory to the result plus one chunk).
RECORD_CHUNK = 50_000

#: SWMF IMF columns in their standard order.
SWMF_COLUMNS = ("year", "mo", "dy", "hr", "mn", "sc", "msc", "bx", "by", "bz", "ux", "uy", "uz", "rho", "t")

#: The names accepted on a column line for the seven time columns, by position (lower case). SWMF reads
#: the first seven numbers of a record as year, month, day, hour, minute, second, millisecond whatever
#: the column line says, so these are read by position; ``mn`` is the minute in the standard line and
#: the month in the ``yr mn dy hr min sec msec`` line of SWMF's own conversion scripts.
SWMF_TIME_NAMES: tuple[tuple[str, ...], ...] = (
    ("year", "yr"),
    ("mo", "mn", "month"),
    ("dy", "day"),
    ("hr", "hour"),
    ("mn", "min", "minute"),
    ("sc", "sec", "second"),
    ("msc", "msec", "millisecond"),
)

#: The names accepted on a column line for the eight data columns (lower case), by the standard name of
#: the quantity: SWMF's ``#VAR`` names (``n``, ``ux``, ``t``), the standard line's ``rho`` (a number
#: density in cm^-3 there) and the ``vx``, ``dens``, ``temp`` of SWMF's conversion scripts.
SWMF_DATA_NAMES: dict[str, tuple[str, ...]] = {
    "bx": ("bx",),
    "by": ("by",),
    "bz": ("bz",),
    "ux": ("ux", "vx"),
    "uy": ("uy", "vy"),
    "uz": ("uz", "vz"),
    "rho": ("rho", "n", "dens", "density"),
    "t": ("t", "temp", "temperature"),
}

#: Fill values of SWMF IMF files made from OMNI high-resolution data (the OMNI HRO fill values: B
#: 9999.99 nT, V 99999.9 km/s, n 999.99 cm^-3, T 9999999. K). A value equal to its column's fill (to the
#: file's 0.01 precision) is missing; real values beyond them (the Halloween sheath's 1.4e7 K) are kept.
SWMF_FILL_VALUES = {"b": 9999.99, "u": 99999.9, "rho": 999.99, "t": 9999999.0}


# --- SWMF IMF ----------------------------------------------------------------------------------
_FRAMES = ("GSE", "GSM")
_DATA_ALIASES = {alias: name for name, aliases in SWMF_DATA_NAMES.items() for alias in aliases}
_ACCEPTED_COLUMNS = (
    "the time columns "
    + " ".join("|".join(names) for names in SWMF_TIME_NAMES)
    + " first, then "
    + " ".join("|".join(names) for names in SWMF_DATA_NAMES.values())
    + " in any order (any case); other columns are ignored"
)


def _swmf_column_line(path: Path, lineno: int, line: str) -> tuple[dict[str, int], list[str]]:
    """The position of each standard column (:data:`SWMF_COLUMNS`) on a column line, and the names of
    the columns that are not read. Raises InputError if the columns cannot be identified."""
    words = line.split()
    lower = [word.lower() for word in words]

    def refuse(why: str) -> InputError:
        return _bad_line(
            path, lineno, line, f"cannot identify the SWMF IMF columns ({why}); accepted: {_ACCEPTED_COLUMNS}"
        )

    if len(words) < 7 or any(
        word not in names for word, names in zip(lower[:7], SWMF_TIME_NAMES, strict=True)
    ):
        raise refuse(f"the first seven must be the time columns, found {' '.join(words[:7])!r}")
    index = {name: k for k, name in enumerate(SWMF_COLUMNS[:7])}
    ignored = []
    for k in range(7, len(words)):
        name = _DATA_ALIASES.get(lower[k])
        if name is None:
            ignored.append(words[k])
        elif name in index:
            raise refuse(f"{words[index[name]]!r} and {words[k]!r} both name {name}")
        else:
            index[name] = k
    missing = [name for name in SWMF_DATA_NAMES if name not in index]
    if missing:
        raise refuse(f"no column for {', '.join(missing)}")
    return index, ignored


def read_swmf_imf(path, *, warn_gaps: bool = False) -> SolarWind:
    """Read an SWMF IMF solar-wind input file (``IMF.dat``, e.g. OMNI 1-min events) into a SolarWind.

    The frame comes from the ``#COORDINATES`` block. A GSE file gives ``b_gse`` and ``v_gse`` directly
    (``b_gsm`` is computed with :func:`smilekit.frames.transform`); a GSM file gives ``b_gsm``, and its
    velocity and field are rotated to GSE.

    Parameters
    ----------
    path : str or Path
        The file.
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Returns
    -------
    SolarWind
        The records at their exact times (milliseconds kept). Dataset attributes: ``frame_of_origin``,
        ``file_header`` (the free text), ``fill_values`` (fills per quantity) and, when the column line
        has columns smilekit does not read, ``ignored_columns`` (their names, comma-separated).

    Warns
    -----
    IgnoredColumnsWarning
        When the column line has columns beyond the ones read (e.g. F10.7); they are skipped.

    Raises
    ------
    InputError
        Missing file; no ``#START``; no ``#COORDINATES`` or a frame other than GSE/GSM; a column line
        whose columns cannot be identified (the seven time columns first, then Bx By Bz Ux Uy Uz Rho T
        each once, under the names of :data:`SWMF_DATA_NAMES`); a record that has not one number per
        column, has an invalid date, a negative density or temperature, or a time not after the
        previous one (the message names the file, the line number and the text); no records.

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> sw = read_swmf_imf(data_path("events/2015-06-21_highdensity_OMNI1min_GSE.dat"))
    >>> len(sw), round(float(sw.ds["n"].max()), 1)
    (3742, 65.9)
    """
    path, lines = _open_lines(path)
    frame = None
    start = None
    index = {name: k for k, name in enumerate(SWMF_COLUMNS)}
    n_columns = len(SWMF_COLUMNS)
    ignored: list[str] = []
    column_line = None
    commands: dict[str, str] = {}
    column_words = list(SWMF_COLUMNS)
    zero_bx = False
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        lineno = i + 1
        if text.upper().startswith("#COOR"):  # SWMF looks for '#COOR' (spacepy writes it so)
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines):
                raise _bad_line(path, lineno, lines[i], "#COORDINATES is not followed by a frame name")
            word = lines[j].split()[0].upper()
            if word not in _FRAMES:
                raise _bad_line(
                    path, j + 1, lines[j], f"unknown frame {word!r} after #COORDINATES; accepted: GSE, GSM"
                )
            frame = word
            i = j + 1
            continue
        if text.upper().startswith("#START"):
            start = i + 1
            break
        command = text.split()[0].upper() if text.startswith("#") else ""
        if command in ("#VAR", "#TIMEDELAY", "#ZEROBX"):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines) or lines[j].strip().upper().startswith("#"):
                raise _bad_line(path, lineno, lines[i], f"{command} is not followed by its parameter line")
            value = lines[j].split()
            if command == "#VAR":
                # SWMF's #VAR names the data columns only; the seven time columns come first all the same
                names = " ".join(SWMF_COLUMNS[:7]) + " " + lines[j].strip()
                index, ignored = _swmf_column_line(path, j + 1, names)
                column_words = names.split()
                n_columns = 7 + len(value)
                column_line = j + 1
            elif command == "#TIMEDELAY":
                try:
                    delay = float(value[0])
                except ValueError:
                    raise _bad_line(path, j + 1, lines[j], "#TIMEDELAY needs a number of seconds") from None
                if delay != 0.0:
                    raise _bad_line(
                        path,
                        j + 1,
                        lines[j],
                        f"#TIMEDELAY {delay:g} s: smilekit does not shift the records by SWMF's time delay; "
                        "shift the times in the file (or set the delay to 0) so that they are the times at "
                        "which the solar wind reaches the bow shock",
                    )
                commands["#TIMEDELAY"] = "0 s (no shift)"
            else:
                zero_bx = value[0].upper().startswith("T")
                commands["#ZEROBX"] = "T" if zero_bx else "F"
            i = j + 1
            continue
        tokens = text.lower().split()
        if tokens and tokens[0] in SWMF_TIME_NAMES[0] and column_line is None:
            index, ignored = _swmf_column_line(path, lineno, lines[i])
            column_words = lines[i].split()
            n_columns = len(tokens)
            column_line = lineno
        i += 1
    if start is None:
        raise InputError(
            f"{path}: no #START line; not an SWMF IMF file (header, #COORDINATES, #START, records)"
        )
    if frame is None:
        raise InputError(
            f"{path}: no #COORDINATES block before #START; the frame (GSE or GSM) must be stated"
        )
    used = [index[name] for name in SWMF_COLUMNS]
    per_column = "" if column_line is None else f" (the column line, line {column_line}, names {n_columns})"

    def refuse_first_bad(first: int, chunk: list[str]) -> None:
        """Walk a chunk the vectorised parse refused, line by line, and raise on its first bad line."""
        for k, line in enumerate(chunk, start=first):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != n_columns:
                why = f"an SWMF IMF record has {n_columns} numbers, this one {len(parts)}{per_column}"
                raise _bad_line(path, k + 1, line, why)
            try:
                [float(part) for part in parts]
            except ValueError:
                raise _bad_line(path, k + 1, line, "not a number") from None

    # the records, RECORD_CHUNK lines at a time through numpy (no Python float per number: a year of
    # 1-min records would otherwise take a GB)
    blocks, numbers = [], []
    for first in range(start, len(lines), RECORD_CHUNK):
        chunk = lines[first : first + RECORD_CHUNK]
        filled = np.fromiter((bool(line.strip()) for line in chunk), dtype=bool, count=len(chunk))
        if not filled.any():
            continue
        try:
            block = np.loadtxt(chunk, dtype=np.float64, comments=None, ndmin=2)
        except ValueError:
            block = None
        if block is None or block.shape != (int(filled.sum()), n_columns):
            refuse_first_bad(first, chunk)
        blocks.append(block[:, used])
        numbers.append(first + 1 + np.flatnonzero(filled))
    if not blocks:
        raise InputError(f"{path}: no records after #START")
    table = np.concatenate(blocks)
    line_numbers = np.concatenate(numbers)
    col = {name: table[:, k] for k, name in enumerate(SWMF_COLUMNS)}

    def bad(mask, why):
        idx = np.flatnonzero(mask)
        if idx.size:
            m = int(idx[0])
            raise _bad_line(path, line_numbers[m], lines[line_numbers[m] - 1], why)

    ints = np.stack([col[c] for c in SWMF_COLUMNS[:7]], axis=1)
    bad((ints != np.round(ints)).any(axis=1), "date and time fields must be integers")
    year, mo, dy, hr, mn, sc, msc = (ints[:, k].astype(np.int64) for k in range(7))
    outside = year_out_of_range(year)
    if outside.any():
        bad(outside, year_message(year[outside][0]))
    bad(
        (mo < 1)
        | (mo > 12)
        | (dy < 1)
        | (dy > 31)
        | (hr > 23)
        | (mn > 59)
        | (sc > 60)
        | (msc > 999)
        | (ints < 0).any(axis=1),
        "date or time out of range",
    )
    month = (year - 1970) * 12 + (mo - 1)
    day = month.astype("datetime64[M]").astype("datetime64[D]") + (dy - 1).astype("timedelta64[D]")
    bad(day.astype("datetime64[M]") != month.astype("datetime64[M]"), "no such day in that month")
    time = (
        day.astype("datetime64[ns]")
        + hr.astype("timedelta64[h]")
        + mn.astype("timedelta64[m]")
        + sc.astype("timedelta64[s]")
        + msc.astype("timedelta64[ms]")
    )
    if time.size > 1:
        bad(
            np.concatenate([[False], np.diff(time) <= np.timedelta64(0, "ns")]),
            "time not after the previous record's",
        )
    b = np.stack([col["bx"], col["by"], col["bz"]], axis=1)
    v = np.stack([col["ux"], col["uy"], col["uz"]], axis=1)
    n = col["rho"].copy()
    t = col["t"].copy()
    b_fill = _is_fill(b, SWMF_FILL_VALUES["b"]).any(axis=1)
    v_fill = _is_fill(v, SWMF_FILL_VALUES["u"]).any(axis=1)
    n_fill = _is_fill(n, SWMF_FILL_VALUES["rho"])
    t_fill = _is_fill(t, SWMF_FILL_VALUES["t"])
    bad(~n_fill & (n <= 0), "negative or zero density (rho must be > 0 cm^-3)")
    bad(~t_fill & (t <= 0), "negative or zero temperature (T must be > 0 K)")
    b[b_fill] = np.nan
    v[v_fill] = np.nan
    n[n_fill] = np.nan
    t[t_fill] = np.nan
    counts = {
        "b": int(b_fill.sum()),
        "u": int(v_fill.sum()),
        "rho": int(n_fill.sum()),
        "t": int(t_fill.sum()),
    }
    defaults = {}
    if zero_bx:
        b[:, 0] = np.where(np.isnan(b[:, 0]), np.nan, 0.0)
        defaults["bx"] = "IMF Bx = 0 nT: the file's #ZEROBX T asks SWMF to set Bx to zero"
    line_of = dict(enumerate(line_numbers))
    check_records(path, time, {"n": n, "v": v, "b": b, "t": t}, where=lambda m: f"line {line_of[m]}")
    header = " ".join(
        line.strip() for line in lines[: start - 1] if line.strip() and not line.startswith("#")
    )
    quantity = {"year": "time", "bx": "bx", "by": "by", "bz": "bz", "ux": "vx", "uy": "vy", "uz": "vz"}
    suffix = "_" + frame.lower()
    used = {"time": " ".join(column_words[:7])}
    for name in SWMF_COLUMNS[7:]:
        q = {"rho": "n", "t": "t"}.get(name, quantity.get(name, name) + suffix)
        used[q] = column_words[index[name]]
    attrs = {
        "file_format": "SWMF IMF solar-wind input (#COORDINATES, #START, 15 columns)",
        "frame_of_origin": frame,
        "file_header": header[:500],
        "fill_values": ", ".join(f"{k}={v}" for k, v in counts.items()),
        **provenance_attrs(
            path,
            f"SWMF IMF input ({frame})",
            used,
            ignored,
            defaults,
            **({"commands": commands} if commands else {}),
        ),
    }
    if ignored:
        attrs["ignored_columns"] = ", ".join(ignored)
    if frame == "GSE":
        v_gse, field = v, {"b_gse": b * u.nT}
    else:
        v_gse, field = rotate_vectors(v, u.km / u.s, time, "GSM", "GSE"), {"b_gsm": b * u.nT}
    with in_file(path):
        sw = SolarWind(
            time,
            n=n * u.cm**-3,
            v_gse=v_gse * (u.km / u.s),
            t=t * u.K,
            source=str(path.name),
            allow_gaps=True,
            attrs=attrs,
            **field,
        )
    if ignored:
        warnings.warn(
            f"{path.name}, line {column_line}: column(s) {', '.join(ignored)} ignored (smilekit reads "
            f"{' '.join(SWMF_COLUMNS)}); their names are in the series' attribute 'ignored_columns'",
            IgnoredColumnsWarning,
            stacklevel=2,
        )
    _maybe_warn(warn_gaps, path, counts)
    return sw
