"""OMNI high-resolution (HRO) ASCII files, 1-min and 5-min: see :func:`read_omni_hro`."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from smilekit.errors import InputError
from smilekit.solarwind.readers._common import (
    _bad_line,
    _is_fill,
    _iter_line_chunks,
    build_series,
    times_from_parts,
)
from smilekit.solarwind.series import SolarWind

__all__ = ["OMNI_HRO_WORDS", "read_omni_hro"]

#: The words of an HRO record (1-based word number -> (column name, fill value, unit)), from the "HRO
#: format description" of NASA/GSFC SPDF (https://spdf.gsfc.nasa.gov/pub/data/omni/high_res_omni/
#: hroformat.txt, with the fill values as listed in .../high_res_omni/modified/hro_modified_format.txt).
#: The 1-min files (``omni_min*.asc``) have words 1-46; the 5-min files (``omni_5min*.asc``) add the
#: three proton fluxes, words 47-49.
OMNI_HRO_WORDS: dict[int, tuple[str, float, str | None]] = {
    1: ("year", np.nan, None),
    2: ("doy", np.nan, None),
    3: ("hour", np.nan, None),
    4: ("minute", np.nan, None),
    5: ("imf_spacecraft_id", 99, None),
    6: ("plasma_spacecraft_id", 99, None),
    7: ("imf_points", 999, None),
    8: ("plasma_points", 999, None),
    9: ("percent_interp", 999, None),
    10: ("timeshift", 999999, "s"),
    11: ("rms_timeshift", 999999, "s"),
    12: ("rms_phase_front_normal", 99.99, None),
    13: ("time_between_observations", 999999, "s"),
    14: ("b_magnitude_average", 9999.99, "nT"),
    15: ("bx_gse_gsm", 9999.99, "nT"),
    16: ("by_gse", 9999.99, "nT"),
    17: ("bz_gse", 9999.99, "nT"),
    18: ("by_gsm", 9999.99, "nT"),
    19: ("bz_gsm", 9999.99, "nT"),
    20: ("rms_sd_b_scalar", 9999.99, "nT"),
    21: ("rms_sd_field_vector", 9999.99, "nT"),
    22: ("flow_speed", 99999.9, "km/s"),
    23: ("vx_gse", 99999.9, "km/s"),
    24: ("vy_gse", 99999.9, "km/s"),
    25: ("vz_gse", 99999.9, "km/s"),
    26: ("proton_density", 999.99, "cm-3"),
    27: ("temperature", 9999999.0, "K"),
    28: ("flow_pressure", 99.99, "nPa"),
    29: ("electric_field", 999.99, "mV/m"),
    30: ("plasma_beta", 999.99, None),
    31: ("alfven_mach", 999.9, None),
    32: ("x_sc_gse", 9999.99, "R_earth"),
    33: ("y_sc_gse", 9999.99, "R_earth"),
    34: ("z_sc_gse", 9999.99, "R_earth"),
    35: ("x_bsn_gse", 9999.99, "R_earth"),
    36: ("y_bsn_gse", 9999.99, "R_earth"),
    37: ("z_bsn_gse", 9999.99, "R_earth"),
    38: ("ae_index", 99999, "nT"),
    39: ("al_index", 99999, "nT"),
    40: ("au_index", 99999, "nT"),
    41: ("sym_d", 99999, "nT"),
    42: ("sym_h", 99999, "nT"),
    43: ("asy_d", 99999, "nT"),
    44: ("asy_h", 99999, "nT"),
    45: ("pc_n_index", 999.99, None),
    46: ("magnetosonic_mach", 99.9, None),
    47: ("proton_flux_10mev", 99999.99, None),
    48: ("proton_flux_30mev", 99999.99, None),
    49: ("proton_flux_60mev", 99999.99, None),
}
HRO_WORD_COUNTS = (46, 49)

#: HRO column names of the quantities smilekit reads (the rest are listed as ignored).
_HRO_NAMES = {
    "n": ("proton_density",),
    "speed": ("flow_speed",),
    "vx_gse": ("vx_gse",),
    "vy_gse": ("vy_gse",),
    "vz_gse": ("vz_gse",),
    "bx_gse": ("bx_gse_gsm",),
    "by_gse": ("by_gse",),
    "bz_gse": ("bz_gse",),
    "by_gsm": ("by_gsm",),
    "bz_gsm": ("bz_gsm",),
    "t": ("temperature",),
    "pdyn": ("flow_pressure",),
    "ae": ("ae_index",),
    "al": ("al_index",),
    "au": ("au_index",),
    "sym_d": ("sym_d",),
    "sym_h": ("sym_h",),
    "asy_d": ("asy_d",),
    "asy_h": ("asy_h",),
    "pc_n": ("pc_n_index",),
}


#: Lines parsed at a time: bounds the reader's working memory (about 15 MB of text and 18 MB of numbers).
CHUNK_LINES = 50_000


def _line(path: Path, lineno: int) -> str:
    """Line ``lineno`` (1-based) of ``path``, for a message."""
    with path.open("r", encoding="ascii", errors="replace") as handle:
        return next(itertools.islice(handle, lineno - 1, None), "").rstrip("\n")


def _parse_slowly(path: Path, first: int, lines: list[str], width: int | None) -> None:
    """Walk a chunk that the vectorised parse refused, line by line, and raise on its first bad line."""
    for lineno, line in enumerate(lines, start=first):
        parts = line.split()
        if not parts:
            continue
        if width is None:
            width = len(parts)
            if width not in HRO_WORD_COUNTS:
                raise _bad_line(
                    path,
                    lineno,
                    line,
                    f"an OMNI HRO record has 46 (1-min) or 49 (5-min) words, this one {width}",
                )
        if len(parts) != width:
            raise _bad_line(
                path, lineno, line, f"expected {width} words like the first record, found {len(parts)}"
            )
        try:
            [float(p) for p in parts]
        except ValueError:
            raise _bad_line(path, lineno, line, "not a number where an OMNI HRO word is expected") from None
    raise InputError(f"{path}, lines {first}-{first + len(lines) - 1}: not a table of OMNI HRO numbers")


def _read_words(path: Path, chunk_lines: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The numbers of an HRO file as an array ``(words, records)`` and the line number of each record.

    Parsed :data:`CHUNK_LINES` lines at a time with :func:`numpy.loadtxt` (no Python list of every line's
    words); a chunk it refuses is walked line by line for the message. Peak memory is the result (8 bytes
    a word: 193 MB for a year of 1-min records) plus one chunk.
    """
    blocks: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    width = None
    for first, lines in _iter_line_chunks(path, chunk_lines or CHUNK_LINES):
        filled = np.fromiter((bool(line.strip()) for line in lines), dtype=bool, count=len(lines))
        if not filled.any():
            continue
        try:
            block = np.loadtxt(lines, dtype=np.float64, comments=None, ndmin=2)
        except ValueError:
            block = None
        if block is None or block.shape[0] != filled.sum() or block.shape[1] != (width or block.shape[1]):
            _parse_slowly(path, first, lines, width)
        if width is None:
            width = block.shape[1]
            if width not in HRO_WORD_COUNTS:
                _parse_slowly(path, first, lines, None)
        blocks.append(np.ascontiguousarray(block.T))
        numbers.append(first + np.flatnonzero(filled))
        del block, lines
    if not blocks:
        raise InputError(f"{path}: no OMNI HRO records found")
    total = sum(b.shape[1] for b in blocks)
    data = np.empty((width, total))
    at = 0
    while blocks:  # move the blocks into one array, freeing each as it is copied
        block = blocks.pop(0)
        data[:, at : at + block.shape[1]] = block
        at += block.shape[1]
    return data, np.concatenate(numbers), width


def looks_like_hro(parts: list[str]) -> bool:
    """True for the words of an HRO record: 46 or 49 numbers starting year, day, hour, minute."""
    if len(parts) not in HRO_WORD_COUNTS:
        return False
    try:
        year, doy, hour, minute = (float(p) for p in parts[:4])
        [float(p) for p in parts[4:]]
    except ValueError:
        return False
    return 1960 <= year <= 2200 and 1 <= doy <= 366 and 0 <= hour <= 23 and 0 <= minute <= 59


def read_omni_hro(path, *, columns=None, warn_gaps: bool = False) -> SolarWind:
    """Read an OMNI high-resolution ASCII file (1-min ``omni_min*.asc``, 5-min ``omni_5min*.asc``).

    The records are the whitespace-separated words of the SPDF "HRO format description"
    (:data:`OMNI_HRO_WORDS`; King & Papitashvili 2005, :cite:`king2005`): 46 words per 1-min record, 49
    per 5-min record. Each word's fill value (9999.99 for B, 99999.9 for V, 999.99 for n, 9999999. for T,
    99999 for the indices, ...) becomes NaN and is counted in the ``fill_values`` attribute.

    The field is kept in both frames as OMNI gives it (Bx word 15, By/Bz GSE words 16-17, GSM words
    18-19); the velocity is Vx, Vy, Vz GSE (words 23-25). The geomagnetic indices AE, AL, AU, SYM-D,
    SYM-H, ASY-D, ASY-H and PC(N) (words 38-45) become the extra variables ``ae``, ``al``, ``au``,
    ``sym_d``, ``sym_h``, ``asy_d``, ``asy_h``, ``pc_n``; OMNI's flow pressure (word 28) ``file_pdyn``.
    Record times are the start of each average (the "Minute" word is "at start of average").

    Parameters
    ----------
    path : str or Path
        The file.
    columns : dict, optional
        Override which word means what, by the names of :data:`OMNI_HRO_WORDS` (rarely needed).
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Raises
    ------
    InputError
        A line that has not 46 or 49 numbers (file, line number, text), a series of fewer than two
        records, times that do not increase, or only fill values.
    """
    path = Path(path)
    data, line_numbers, width = _read_words(path)
    table: dict[str, np.ndarray] = {}
    units: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    for word in range(1, width + 1):
        name, fill, unit = OMNI_HRO_WORDS[word]
        values = data[word - 1]  # a row of our own array: set in place
        if not np.isnan(fill):
            is_fill = _is_fill(values, float(fill))
            values[is_fill] = np.nan
            if word > 13:
                counts[f"word{word}_{name}"] = int(is_fill.sum())
        table[name] = values
        units[name] = unit
    bad = np.flatnonzero(
        (data[1] < 1) | (data[1] > 366) | (data[2] > 23) | (data[3] > 59) | (data[1:4] < 0).any(0)
    )
    if bad.size:
        k = int(bad[0])
        raise _bad_line(
            path,
            int(line_numbers[k]),
            _line(path, int(line_numbers[k])),
            "day of year, hour or minute out of range",
        )
    time = times_from_parts(path, {q: table[q] for q in ("year", "doy", "hour", "minute")})
    for q in ("year", "doy", "hour", "minute"):
        del table[q]
    cadence = "1 min" if width == 46 else "5 min"
    return build_series(
        path,
        f"OMNI HRO ASCII, {cadence} ({width} words)",
        table,
        units,
        _HRO_NAMES,
        columns,
        time=time,
        time_columns=("words 1-4 (year, day, hour, minute)",),
        fill_counts=counts,
        attrs={
            "frame_of_origin": "GSE+GSM",
            "cadence": cadence,
            "time_label": "start of the average",
            "citation": "King, J. H., and N. E. Papitashvili (2005), J. Geophys. Res., 110, A02104, "
            "doi:10.1029/2004JA010649; NASA/GSFC SPDF OMNIWeb high-resolution OMNI",
        },
        warn_gaps=warn_gaps,
        where=lambda i: f"line {int(line_numbers[i])}",
    )
