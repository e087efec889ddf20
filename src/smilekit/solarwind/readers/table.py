"""Delimited text tables (CSV and the like) with a header line: see :func:`read_table`."""

from __future__ import annotations

import re

import numpy as np

from smilekit.errors import InputError
from smilekit.solarwind.readers._common import GENERIC_NAMES, _bad_line, _open_lines, build_series
from smilekit.solarwind.series import SolarWind

__all__ = ["read_table"]

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
#: Cells taken as missing: empty, NaN and ISTP's -1e31. Runs of 9s (OMNI's fills) are not guessed: 999.99
#: is a fill for a density but a real speed; convert such a file's fills to empty cells or NaN.
_FILL_TEXT = re.compile(r"^(|nan|NaN|NAN|-?1(\.0*)?e\+?31)$")
_UNIT_IN_NAME = re.compile(r"^(?P<name>.*?)\s*[\[(](?P<unit>[^\])]+)[\])]\s*$")


def _split(line: str, sep: str | None) -> list[str]:
    return [p.strip() for p in (line.split(sep) if sep else line.split())]


def read_table(path, *, columns=None, warn_gaps: bool = False) -> SolarWind:
    """Read a delimited text table with a header line (a user's own CSV, tab- or space-separated file).

    The first line that is not blank and does not start with ``#`` names the columns; the separator is
    the first of ``,``, ``;`` or a tab found in it, else runs of spaces. A name may carry its unit in
    brackets (``T [eV]``, ``n (cm^-3)``), which is converted. Columns are recognised by common names
    (compared without case, spaces or underscores): time ``time``/``datetime``/``epoch`` (ISO 8601 UTC)
    or ``year`` + ``doy`` + ``hour`` (+ ``minute``, ``second``); density ``n``/``np``/``density``/
    ``Den_P``; speed ``v``/``speed``/``Vsw``; velocity ``vx_gse``...; field ``bx`` (the same in GSE and
    GSM), ``by_gsm``/``ByIMF``, ``bz_gsm``/``BzIMF`` or ``by_gse``, ``bz_gse``; temperature ``t``/``tp``/
    ``temp``; pressure ``pdyn``; indices ``sym_h``, ``al``, ``ae``, ``au``, ``dst``, ``kp``, ``f107``. Plain
    ``By``/``Bz``/``Vx`` say no frame and are not guessed: name them with ``columns``
    (e.g. ``{"by_gsm": "By", "bz_gsm": "Bz"}``). Empty cells, ``NaN`` and -1e31 are missing values (runs
    of 9s are not guessed to be fills: 999.99 is OMNI's fill for a density but a real speed).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : dict or str, optional
        ``{quantity: column}`` (a column may end in ``:unit``), see
        :data:`~smilekit.solarwind.readers.QUANTITIES`.
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if missing values were found.

    Raises
    ------
    InputError
        No header line, a row with the wrong number of cells or a non-number (file, line, text), columns
        that cannot be identified (the message lists the file's columns and the quantities), fewer than
        two records, times not increasing, only missing values.
    """
    path, lines = _open_lines(path)
    body = [
        (k + 1, line) for k, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")
    ]
    if not body:
        raise InputError(f"{path}: empty table (no header line, no records)")
    head_no, head = body[0]
    sep = next((s for s in (",", ";", "\t") if s in head), None)
    header = _split(head, sep)
    if all(_NUMBER.match(h) for h in header):
        raise _bad_line(
            path,
            head_no,
            head,
            "a table needs a header line naming its columns; this first line is all numbers",
        )
    names, units = [], {}
    for cell in header:
        match = _UNIT_IN_NAME.match(cell)
        name = match["name"].strip() if match else cell
        names.append(name)
        units[name] = match["unit"].strip() if match else None
    if len(set(names)) != len(names):
        raise _bad_line(path, head_no, head, "two columns have the same name")
    cells: list[list[str]] = []
    line_numbers = []
    for lineno, line in body[1:]:
        parts = _split(line, sep)
        if len(parts) != len(names):
            raise _bad_line(
                path, lineno, line, f"{len(parts)} cells where the header names {len(names)} columns"
            )
        cells.append(parts)
        line_numbers.append(lineno)
    if not cells:
        raise InputError(f"{path}: 0 records after the header line; a solar-wind series needs at least two")
    table: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for k, name in enumerate(names):
        raw = [row[k] for row in cells]
        missing = np.array([bool(_FILL_TEXT.match(x)) for x in raw])
        numeric = [bool(_NUMBER.match(x)) or m for x, m in zip(raw, missing, strict=True)]
        if all(numeric):
            table[name] = np.array([np.nan if m else float(x) for x, m in zip(raw, missing, strict=True)])
            if missing.any():
                counts[name] = int(missing.sum())
        elif not any(_NUMBER.match(x) for x in raw):
            table[name] = np.array(raw)  # text: a time column, or one that is ignored
        else:
            i = numeric.index(False)
            raise _bad_line(
                path,
                line_numbers[i],
                lines[line_numbers[i] - 1],
                f"column {name!r}: {raw[i]!r} is not a number",
            )
    return build_series(
        path,
        f"delimited table ({'whitespace' if sep is None else repr(sep)}-separated)",
        table,
        units,
        GENERIC_NAMES,
        columns,
        fill_counts=counts,
        warn_gaps=warn_gaps,
        where=lambda i: f"line {line_numbers[i]}",
    )
