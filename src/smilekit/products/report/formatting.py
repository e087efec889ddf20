"""How the report writes a value: labels and units from ``summary.json`` keys, numbers, times, tables.

The keys of ``summary.json`` carry their unit as a suffix (``peak_pdyn_nPa``, ``min_RE``,
``max_density_cm-3``, ``sxi_excluded_fraction``); :func:`split_key` turns such a key into a readable label
and the unit, and :func:`format_value` writes a value with the precision that unit deserves (RE to 0.01,
nPa and nT to 0.1, km/s and km whole, fractions as percentages, emissivities to three significant digits).
Everything returned here is HTML, already escaped; nothing raises on a value of an unexpected type: it is
written as text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "UNITS",
    "format_number",
    "format_time",
    "format_value",
    "header",
    "label",
    "mapping_table",
    "records_table",
    "split_key",
]

#: Unit suffixes of summary keys (after an underscore), longest first: suffix -> (unit shown, decimals).
#: ``decimals`` is the number of decimal places; None means three significant digits.
UNITS: dict[str, tuple[str, int | None]] = {
    "keV_cm-2_s-1_sr-1": ("keV cm⁻² s⁻¹ sr⁻¹", None),
    "eV_cm-3_s-1": ("eV cm⁻³ s⁻¹", None),
    "cm-3": ("cm⁻³", 1),
    "km_s": ("km/s", 0),
    "nPa": ("nPa", 1),
    "nT": ("nT", 1),
    "GW": ("GW", 1),
    "hz": ("Hz", 1),
    "RE": ("RE", 2),
    "re": ("RE", 2),
    "deg": ("deg", 1),
    "km": ("km", 0),
    "hours": ("h", 1),
    "h": ("h", 1),
    "Mbit_s": ("Mbit/s", 1),
    "MB": ("MB", 2),
    "min": ("min", 1),
    "s": ("s", 1),
    "fraction": ("%", 1),
}

#: Words written the way the field writes them.
_WORDS = {
    "pdyn": "Pdyn",
    "bz": "Bz",
    "by": "By",
    "bx": "Bx",
    "gsm": "GSM",
    "gse": "GSE",
    "sxi": "SXI",
    "uvi": "UVI",
    "fov": "FOV",
    "rms": "RMS",
    "err": "error",
    "al": "AL",
    "sym": "SYM",
    "ut": "UT",
    "utc": "UTC",
    "re": "RE",
    "l1": "L1",
    "l2": "L2",
    "l3": "L3",
    "swcx": "SWCX",
    "sun": "Sun",
    "earth": "Earth",
}

#: Keys whose meaning is clearer said another way.
_LABELS = {
    "seconds": ("run time", "s"),
    "of": ("frames", ""),
    "records": ("records", ""),
    "at_peak_pdyn": ("at peak Pdyn", ""),
    "sym_h": ("SYM-H", ""),
    "min_sym_h_nT": ("min SYM-H", "nT"),
    "min_sym_h_time": ("time of min SYM-H", ""),
}

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|\+00:00)?$")
_MINUS = "\u2212"
_THIN = "\u202f"  # narrow no-break space: the thousands separator


def split_key(key: str) -> tuple[str, str]:
    """The label and the unit of a summary key, e.g. ``"peak_pdyn_nPa"`` -> ``("peak Pdyn", "nPa")``.

    Examples
    --------
    >>> split_key("max_density_cm-3")
    ('max density', 'cm⁻³')
    >>> split_key("sxi_excluded_fraction")
    ('SXI excluded', '%')
    >>> split_key("counts")
    ('counts', '')
    """
    key = str(key)
    if key in _LABELS:
        return _LABELS[key]
    for suffix, (unit, _) in UNITS.items():
        if key.endswith("_" + suffix) and len(key) > len(suffix) + 1:
            return label(key[: -len(suffix) - 1]), unit
    return label(key), ""


def _decimals(unit: str) -> int | None:
    for shown, decimals in UNITS.values():
        if shown == unit:
            return decimals
    return None


def label(text: str) -> str:
    """A code name as words: underscores become spaces, the field's abbreviations their usual case.

    >>> label("min_sym_h")
    'min SYM-H'
    """
    text = str(text).replace("sym_h", "SYM-H")
    words = [_WORDS.get(word, word) for word in re.split(r"[_ ]+", text) if word]
    return " ".join(words).replace("Sun Earth", "Sun–Earth")


def header(key: str) -> str:
    """A table header for ``key``: its label with the unit in brackets, HTML-escaped."""
    text, unit = split_key(key)
    if unit:
        return f"{html.escape(text)} <span class='unit'>[{html.escape(unit)}]</span>"
    return html.escape(text)


def format_number(value: float, decimals: int | None = None) -> str:
    """A number as text (not HTML): ``decimals`` places, or three significant digits when None.

    Integers get thin thousands separators, negative numbers a true minus sign, very large or small
    numbers a power of ten; NaN and infinities an em dash.

    >>> format_number(57.471173474400004, 1)
    '57.5'
    >>> format_number(0.0018092830152622605)
    '1.81 × 10⁻³'
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        text = f"{abs(value):,}".replace(",", _THIN)
        return (_MINUS if value < 0 else "") + text
    value = float(value)
    if not math.isfinite(value):
        return "—"
    if decimals is None:
        if value == 0.0:
            return "0"
        exponent = math.floor(math.log10(abs(value)))
        if -2 <= exponent < 5:
            decimals = max(0, 2 - exponent)
        else:
            mantissa = value / 10.0**exponent
            if round(abs(mantissa), 2) >= 10.0:  # 9.999e-4 rounds to 10.00: write 1.00 × 10⁻³
                mantissa, exponent = mantissa / 10.0, exponent + 1
            sign = _MINUS if mantissa < 0 else ""
            return f"{sign}{abs(mantissa):.2f} × 10{_superscript(exponent)}"
    text = f"{abs(value):,.{decimals}f}".replace(",", _THIN)
    if 0.0 < abs(value) < 1.0:  # keep two significant digits of a small value (0.25 deg, not 0.2)
        wanted = max(decimals, 1 - math.floor(math.log10(abs(value))))
        text = f"{abs(value):.{wanted}f}"
        while len(text.split(".")[1]) > decimals and text.endswith("0"):
            text = text[:-1]
        text = text.rstrip(".")
    if float(text.replace(_THIN, "")) == 0.0:
        return text  # no "−0.0"
    return (_MINUS if value < 0 else "") + text


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def format_time(text: str) -> str | None:
    """An ISO time as the report writes it (``2015-06-22 18:59 UT``, seconds only when not zero), or None
    when ``text`` is not an ISO time.

    >>> format_time("2015-06-22T18:59:00.000000000")
    '2015-06-22 18:59 UT'
    """
    match = _TIME.match(str(text).strip())
    if match is None:
        return None
    day, hm, seconds = match.groups()
    return f"{day} {hm}{':' + seconds if seconds and seconds != '00' else ''} UT"


def format_value(value, unit: str = "") -> str:
    """``value`` as HTML for a table cell, with the precision of ``unit`` (a unit of :data:`UNITS`).

    None is an em dash, booleans yes/no, ISO times in UT, a list of numbers a tuple, a list of records a
    table, a mapping a table of its keys; anything else its escaped text.
    """
    if value is None:
        return "<span class='na' title='no value'>—</span>"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if unit == "%":
            return html.escape(format_number(100.0 * float(value), 1))
        decimals = _decimals(unit) if isinstance(value, float) else None
        if unit == "s" and abs(value) >= 10.0:
            decimals = 0
        return html.escape(format_number(value, decimals))
    if isinstance(value, str):
        return html.escape(format_time(value) or value)
    if isinstance(value, Mapping):
        return mapping_table(value) if value else "<span class='na'>none</span>"
    if isinstance(value, Sequence):
        items = list(value)
        if not items:
            return "<span class='na'>none</span>"
        if all(isinstance(item, Mapping) for item in items):
            return records_table(items)
        cells = [format_value(item, unit) for item in items]
        if all(isinstance(item, int | float) and not isinstance(item, bool) for item in items):
            return "(" + ", ".join(cells) + ")"
        return ", ".join(cells)
    return html.escape(str(value))


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def mapping_table(rows: Mapping, *, caption: str = "", skip: Sequence[str] = ()) -> str:
    """A two-column table: each key's label and unit, then its value."""
    body = []
    for key, value in rows.items():
        if key in skip:
            continue
        _, unit = split_key(key)
        css = " class='num'" if _numeric(value) else ""
        body.append(f"<tr><th scope='row'>{header(key)}</th><td{css}>{format_value(value, unit)}</td></tr>")
    if not body:
        return ""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='kv'>{cap}<tbody>{''.join(body)}</tbody></table>"


def records_table(
    records: Sequence[Mapping],
    *,
    caption: str = "",
    columns: Sequence[str] | None = None,
    row_class: Callable[[Mapping], str] | None = None,
    render: Mapping[str, Callable] | None = None,
    row_header: str | None = None,
) -> str:
    """A table of records (one row each), its columns the union of their keys in order of appearance.

    Parameters
    ----------
    records : sequence of mapping
        The rows.
    caption : str
        The table's caption.
    columns : sequence of str, optional
        The columns, in order (default: every key of the records).
    row_class : callable, optional
        ``row_class(record)`` gives a CSS class for a row (e.g. to mark the frame of the peak).
    render : mapping, optional
        Column -> ``f(value)`` returning the cell's HTML, or ``(html, css_class)``, for cells that are
        not plain values (a model's name by author and year, a fit range).
    row_header : str, optional
        The column whose cells head their rows.
    """
    if columns is None:
        columns = list(dict.fromkeys(key for record in records for key in record))
    render = render or {}
    head = "".join(f"<th scope='col'>{header(c)}</th>" for c in columns)
    body = []
    for record in records:
        cells = []
        for column in columns:
            value = record.get(column)
            css = "num" if _numeric(value) else ""
            if column in render:
                content = render[column](value)
                if isinstance(content, tuple):
                    content, css = content
            else:
                content = format_value(value, split_key(column)[1])
            tag = "th scope='row'" if column == row_header else "td"
            cells.append(f"<{tag}{f' class={css!r}' if css else ''}>{content}</{tag.split()[0]}>")
        css = row_class(record) if row_class else ""
        body.append(f"<tr{f' class={css!r}' if css else ''}>{''.join(cells)}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='grid'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
