"""Readers for solar-wind files: OMNI2 hourly ASCII and the SWMF "IMF" input format (1-min events).

Fill values become NaN and are counted (the dataset attributes ``<name>_fill``, and ``fill_values`` with
the count per file column). A line that cannot be read raises :class:`~smilekit.errors.InputError` naming
the file, the line number and the text. Nothing warns by default (the test suite turns warnings into
errors); pass ``warn_gaps=True`` to get a :class:`~smilekit.errors.DataGapWarning` when fill values were
found.

Formats
-------
OMNI2 hourly (``omni2_YYYY.dat``)
    One hour per line, whitespace-separated words in the order of the official "OMNI2_YYYY.DAT FORMAT
    DESCRIPTION" (shipped as ``data/omni/omni2_format_description.txt``; King & Papitashvili 2005,
    doi:10.1029/2004JA010649, :cite:`king2005`). Each word has its own fill value made of 9s (e.g. 999.9 for
    F6.1 words,
    9999. for the speed, 9999999. for the temperature). The velocity vector is rebuilt from the flow
    speed (word 25) and the flow longitude and latitude angles (words 26, 27), which are "quasi-GSE":
    the longitude grows from the -X axis towards +Y and the latitude is positive for flow towards +Z,
    so ``V = |V| (-cos lat cos lon, cos lat sin lon, sin lat)`` (the formula of footnote 1 of the
    OMNIWeb 1-min documentation, https://omniweb.gsfc.nasa.gov/html/ow_min_data.html). Record times are
    the start of each hour, as in the file; the averages are centred 30 min later (CDAWeb's OMNI2 CDFs
    carry such half-hour ``EPOCH_1800`` stamps, https://cdaweb.gsfc.nasa.gov/misc/NotesO.html).
    B GSE is words 13-15 and B GSM words 13, 16, 17 (OMNI computes GSM with Tsyganenko's Geopack).
    OMNI's own derived columns (flow pressure, Alfvén and magnetosonic Mach numbers, Na/Np, average
    |B|) and the indices Kp, Dst, AE and F10.7 are kept as extra variables (``omni_pdyn``,
    ``omni_alfven_mach``, ``omni_magnetosonic_mach``, ``omni_na_np``, ``omni_b_average``, ``kp``,
    ``dst``, ``ae``, ``f107``).
SWMF IMF input (``IMF.dat``)
    Free text, then commands: ``#COORDINATES`` (or SWMF's abbreviation ``#COOR``) followed by the frame
    (``GSM`` or ``GSE``), optionally others; a column line ``year mo dy hr mn sc msc bx by bz ux uy uz
    rho t``; ``#START``; then one record per line with those 15 numbers (nT, km/s, cm^-3, K). The
    velocity and field are in the frame of ``#COORDINATES`` (SWMF's default is GSM when the command is
    absent; smilekit requires it). The SWMF user manual (PARAM.XML, command ``#SOLARWINDFILE``)
    describes the format. The seven time columns come first, in this order (SWMF reads them so); the
    data columns are taken by their names on the column line, case-insensitive, in any order, under
    the names of :data:`SWMF_DATA_NAMES` (``Ux`` or ``Vx``, ``Rho``, ``n`` or ``dens``, ``T`` or
    ``temp``; the time columns as in :data:`SWMF_TIME_NAMES`, e.g. SWMF's own scripts write
    ``yr mn dy hr min sec msec bx by bz vx vy vz dens temp``, where ``mn`` is the month). Other columns
    on the column line (F10.7 in community validation event files, for instance) are skipped: their
    names are kept in the dataset attribute ``ignored_columns`` and an
    :class:`~smilekit.errors.IgnoredColumnsWarning` says so. Without a column line the records are the
    15 standard numbers. Times keep their milliseconds (``msc``), so irregular records (ACE data
    propagated to the bow shock, e.g. at :27.689) keep their exact times.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import astropy.units as u
import numpy as np

from smilekit.errors import DataGapWarning, IgnoredColumnsWarning, InputError
from smilekit.solarwind.series import SolarWind, rotate_vectors

__all__ = [
    "OMNI2_COLUMNS",
    "SWMF_DATA_NAMES",
    "SWMF_TIME_NAMES",
    "read_omni2",
    "read_solar_wind",
    "read_swmf_imf",
]

#: OMNI2 words read (1-based word number -> (name, fill value)), from the OMNI2 format description.
OMNI2_COLUMNS: dict[int, tuple[str, float]] = {
    1: ("year", np.nan),
    2: ("doy", np.nan),
    3: ("hour", np.nan),
    9: ("b_average", 999.9),
    13: ("bx_gse_gsm", 999.9),
    14: ("by_gse", 999.9),
    15: ("bz_gse", 999.9),
    16: ("by_gsm", 999.9),
    17: ("bz_gsm", 999.9),
    23: ("t", 9999999.0),
    24: ("n", 999.9),
    25: ("speed", 9999.0),
    26: ("flow_longitude", 999.9),
    27: ("flow_latitude", 999.9),
    28: ("na_np", 9.999),
    29: ("pdyn", 99.99),
    38: ("alfven_mach", 999.9),
    39: ("kp", 99.0),
    41: ("dst", 99999.0),
    42: ("ae", 9999.0),
    51: ("f107", 999.9),
    55: ("magnetosonic_mach", 99.9),
}
_OMNI2_MIN_WORDS = 55

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


def _open_lines(path) -> tuple[Path, list[str]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"solar-wind file {str(path)!r} does not exist or is not a file")
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not an ASCII text file ({exc})") from None
    return path, text.splitlines()


def _bad_line(path: Path, lineno: int, line: str, why: str) -> InputError:
    return InputError(f"{path}, line {lineno}: {why}: {line.strip()!r}")


def _maybe_warn(warn_gaps: bool, path: Path, counts: dict[str, int]) -> None:
    total = sum(counts.values())
    if warn_gaps and total:
        detail = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        warnings.warn(f"{path.name}: fill values set to NaN ({detail})", DataGapWarning, stacklevel=3)


# --- OMNI2 -------------------------------------------------------------------------------------
def read_omni2(path, *, warn_gaps: bool = False) -> SolarWind:
    """Read an OMNI2 hourly ASCII file (``omni2_YYYY.dat``) into a :class:`SolarWind`.

    Parameters
    ----------
    path : str or Path
        The file.
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Returns
    -------
    SolarWind
        Hourly records, time at the start of each hour (OMNI's convention; the averages are centred
        30 min later, the time at which OMNI's GSM field agrees with a GSE-to-GSM rotation). B is
        given in both GSE and GSM as OMNI has it (``frame_of_origin`` "GSE+GSM"); ``fill_values`` (a
        dataset attribute) counts fills per word.

    Raises
    ------
    InputError
        Missing file; a line with fewer than 55 words, a non-number, or a negative density, speed or
        temperature (the message names the file, the line number and the text).

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> sw = read_omni2(data_path("omni/omni2_2000.dat"))
    >>> len(sw), sw.ds.attrs["n_fill"] > 0
    (8784, True)
    """
    path, lines = _open_lines(path)
    words = sorted(OMNI2_COLUMNS)
    rows = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < _OMNI2_MIN_WORDS:
            raise _bad_line(
                path,
                lineno,
                line,
                f"an OMNI2 record has at least {_OMNI2_MIN_WORDS} words, this one {len(parts)}",
            )
        try:
            rows.append([float(parts[w - 1]) for w in words])
        except ValueError:
            raise _bad_line(path, lineno, line, "not a number where an OMNI2 word is expected") from None
    if not rows:
        raise InputError(f"{path}: no OMNI2 records found")
    table = np.array(rows)
    col = {OMNI2_COLUMNS[w][0]: table[:, i] for i, w in enumerate(words)}
    counts: dict[str, int] = {}
    for w in words:
        name, fill = OMNI2_COLUMNS[w]
        if np.isnan(fill):
            continue
        is_fill = np.isclose(col[name], fill, rtol=0, atol=1e-9)
        counts[f"word{w}_{name}"] = int(is_fill.sum())
        col[name] = np.where(is_fill, np.nan, col[name])
    line_numbers = np.array([i for i, line in enumerate(lines, start=1) if line.strip()])
    for name, what in (("n", "density"), ("speed", "flow speed"), ("t", "temperature")):
        bad = np.flatnonzero(col[name] <= 0)
        if bad.size:
            i = int(bad[0])
            raise _bad_line(
                path,
                int(line_numbers[i]),
                lines[line_numbers[i] - 1],
                f"negative or zero {what} {col[name][i]:g}",
            )
    year = col["year"].astype(int)
    doy = col["doy"].astype(int)
    hour = col["hour"].astype(int)
    bad = np.flatnonzero((doy < 1) | (doy > 366) | (hour < 0) | (hour > 23))
    if bad.size:
        i = int(bad[0])
        raise _bad_line(
            path, int(line_numbers[i]), lines[line_numbers[i] - 1], "day of year or hour out of range"
        )
    time = (year - 1970).astype("datetime64[Y]").astype("datetime64[ns]") + ((doy - 1) * 24 + hour).astype(
        "timedelta64[h]"
    )
    lon = np.radians(col["flow_longitude"])
    lat = np.radians(col["flow_latitude"])
    speed = col["speed"]
    v_gse = np.stack(
        [-speed * np.cos(lat) * np.cos(lon), speed * np.cos(lat) * np.sin(lon), speed * np.sin(lat)], 1
    )
    b_gse = np.stack([col["bx_gse_gsm"], col["by_gse"], col["bz_gse"]], axis=1)
    b_gsm = np.stack([col["bx_gse_gsm"], col["by_gsm"], col["bz_gsm"]], axis=1)
    # a vector is missing as a whole if any component is
    for vec in (v_gse, b_gse, b_gsm):
        vec[np.isnan(vec).any(axis=1)] = np.nan
    sw = SolarWind(
        time,
        n=col["n"] * u.cm**-3,
        v_gse=v_gse * (u.km / u.s),
        b_gse=b_gse * u.nT,
        b_gsm=b_gsm * u.nT,
        t=col["t"] * u.K,
        source=str(path.name),
        allow_gaps=True,
        attrs={
            "file_format": "OMNI2 hourly ASCII (OMNI2_YYYY.DAT format description)",
            "frame_of_origin": "GSE+GSM",
            "citation": "King, J. H., and N. E. Papitashvili (2005), J. Geophys. Res., 110, A02104, "
            "doi:10.1029/2004JA010649; OMNI Hourly, doi:10.48322/1shr-ht18",
            "cadence": "1 h",
            "time_label": "start of the hour; values average [t, t + 1 h), centred at t + 30 min",
            "fill_values": ", ".join(f"{k}={v}" for k, v in counts.items()),
        },
    )
    ds = sw.ds
    extras = {
        "omni_b_average": ("b_average", "nT", "OMNI word 9: average of |B| over the hour"),
        "omni_na_np": ("na_np", "1", "OMNI word 28: alpha/proton density ratio"),
        "omni_pdyn": ("pdyn", "nPa", "OMNI word 29: flow pressure as OMNI computes it"),
        "omni_alfven_mach": ("alfven_mach", "1", "OMNI word 38: Alfven Mach number V sqrt(Np) / (20 B)"),
        "omni_magnetosonic_mach": ("magnetosonic_mach", "1", "OMNI word 55: magnetosonic Mach number"),
        "kp": ("kp", "1", "OMNI word 39: Kp x 10 (e.g. 3+ = 33)"),
        "dst": ("dst", "nT", "OMNI word 41: Dst index (Kyoto)"),
        "ae": ("ae", "nT", "OMNI word 42: AE index (Kyoto)"),
        "f107": ("f107", "sfu", "OMNI word 51: F10.7 index"),
    }
    for var, (name, unit, desc) in extras.items():
        ds[var] = ("time", col[name])
        ds[var].attrs.update({"units": unit, "CATDESC": desc, "DEPEND_0": "time", "FILLVAL": -1.0e31})
    _maybe_warn(warn_gaps, path, counts)
    return sw


def _is_fill(values: np.ndarray, fill: float) -> np.ndarray:
    return np.abs(np.abs(values) - fill) < 0.006


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
        tokens = text.lower().split()
        if tokens and tokens[0] in SWMF_TIME_NAMES[0]:
            index, ignored = _swmf_column_line(path, lineno, lines[i])
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
    rows = []
    line_numbers = []
    used = [index[name] for name in SWMF_COLUMNS]
    per_column = "" if column_line is None else f" (the column line, line {column_line}, names {n_columns})"
    for k in range(start, len(lines)):
        line = lines[k]
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != n_columns:
            raise _bad_line(
                path,
                k + 1,
                line,
                f"an SWMF IMF record has {n_columns} numbers, this one {len(parts)}{per_column}",
            )
        try:
            rows.append([float(parts[c]) for c in used])
        except ValueError:
            raise _bad_line(path, k + 1, line, "not a number") from None
        line_numbers.append(k + 1)
    if not rows:
        raise InputError(f"{path}: no records after #START")
    table = np.array(rows)
    col = {name: table[:, k] for k, name in enumerate(SWMF_COLUMNS)}

    def bad(mask, why):
        idx = np.flatnonzero(mask)
        if idx.size:
            m = int(idx[0])
            raise _bad_line(path, line_numbers[m], lines[line_numbers[m] - 1], why)

    ints = np.stack([col[c] for c in SWMF_COLUMNS[:7]], axis=1)
    bad((ints != np.round(ints)).any(axis=1), "date and time fields must be integers")
    year, mo, dy, hr, mn, sc, msc = (ints[:, k].astype(np.int64) for k in range(7))
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
    header = " ".join(
        line.strip() for line in lines[: start - 1] if line.strip() and not line.startswith("#")
    )
    attrs = {
        "file_format": "SWMF IMF solar-wind input (#COORDINATES, #START, 15 columns)",
        "frame_of_origin": frame,
        "file_header": header[:500],
        "fill_values": ", ".join(f"{k}={v}" for k, v in counts.items()),
    }
    if ignored:
        attrs["ignored_columns"] = ", ".join(ignored)
    if frame == "GSE":
        v_gse, field = v, {"b_gse": b * u.nT}
    else:
        v_gse, field = rotate_vectors(v, u.km / u.s, time, "GSM", "GSE"), {"b_gsm": b * u.nT}
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


# --- detection ---------------------------------------------------------------------------------
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def detect_format(path) -> str:
    """Return ``"swmf_imf"`` or ``"omni2"`` for a solar-wind file, or raise InputError."""
    path, lines = _open_lines(path)
    for line in lines[:200]:
        if line.strip().upper().startswith("#START"):
            return "swmf_imf"
    for line in lines:
        if line.strip():
            parts = line.split()
            if len(parts) >= _OMNI2_MIN_WORDS and all(_NUMBER.match(p) for p in parts):
                return "omni2"
            break
    raise InputError(
        f"{path}: not a recognised solar-wind file (an SWMF IMF file with #COORDINATES and #START, or an "
        "OMNI2 hourly file of numeric records with at least 55 words)"
    )


def read_solar_wind(path, *, warn_gaps: bool = False) -> SolarWind:
    """Read a solar-wind file of either supported format, detected from its content.

    See :func:`read_omni2` and :func:`read_swmf_imf`.
    """
    kind = detect_format(path)
    reader = read_omni2 if kind == "omni2" else read_swmf_imf
    return reader(path, warn_gaps=warn_gaps)
