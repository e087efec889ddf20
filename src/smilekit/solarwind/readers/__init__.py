"""Readers for solar-wind files, one module per format, and :func:`read_solar_wind`, which detects the
format and dispatches.

==================  =====================================================  ================================
format              files                                                  reader
==================  =====================================================  ================================
``omni2``           OMNI2 hourly ASCII (``omni2_YYYY.dat``)                :func:`read_omni2`
``omni_hro``        OMNI high-resolution ASCII, 1-min (46 words) and       :func:`read_omni_hro`
                    5-min (49 words) (``omni_min*.asc``, ``omni_5min*``)
``swmf_imf``        SWMF IMF input (``IMF.dat``; ``#COOR``, ``#VAR``,       :func:`read_swmf_imf`
                    ``#START``)
``cdf``             CDF as CDAWeb serves OMNI (OMNI_HRO_1MIN,              :func:`read_omni_cdf`
                    OMNI_HRO_5MIN, OMNI2_H0_MRG1HR), or another CDF
``hdf5``            HDF5 series such as Qin-Denton                         :func:`read_hdf5`
``table``           a delimited text table with a header line (CSV, ...)   :func:`read_table`
==================  =====================================================  ================================

Fill values become NaN and are counted (the dataset attributes ``<name>_fill``, and ``fill_values``
with the count per file column). A line that cannot be read raises :class:`~smilekit.errors.InputError`
naming the file, the line number and the text; so do a series of fewer than two records, times that run
backwards or repeat, and a file holding only fill values. Nothing warns by default (the test suite turns
warnings into errors); pass ``warn_gaps=True`` to get a :class:`~smilekit.errors.DataGapWarning` when fill
values were found.

Which column means what: the name-based formats (CDF, HDF5, tables) recognise their own names and common
spellings; where they cannot tell, a ``columns`` map says, ``{quantity: file column}`` with the
quantities of :data:`QUANTITIES` (CLI: ``smilekit run --solar-wind FILE --columns n=Den_P,speed=Vsw``).

Missing quantities get documented defaults (:data:`DEFAULTS`), never silently: no temperature, the Lopez
(1987) speed-temperature relation (:func:`lopez_temperature`); no Bx, 0 nT; only the flow speed, radial
flow (``-|V|``, 0, 0) GSE; no density but the flow pressure, n = Pdyn / (2e-6 V^2). Each series records where
it came from, which column gave each quantity, which columns were ignored and which defaults were used;
:func:`smilekit.solarwind.provenance` returns that record.
"""

from __future__ import annotations

import re

import h5py

from smilekit.errors import InputError
from smilekit.solarwind.readers._common import (
    DEFAULTS,
    GENERIC_NAMES,
    QUANTITIES,
    _check_path,
    _head_lines,
    _key,
    lopez_temperature,
    parse_columns,
)
from smilekit.solarwind.readers.cdf import OMNI_CDF_NAMES, read_omni_cdf
from smilekit.solarwind.readers.hdf5 import QIN_DENTON_NAMES, read_hdf5
from smilekit.solarwind.readers.omni2 import OMNI2_COLUMNS, read_omni2
from smilekit.solarwind.readers.omni_hro import OMNI_HRO_WORDS, looks_like_hro, read_omni_hro
from smilekit.solarwind.readers.swmf import (
    SWMF_COLUMNS,
    SWMF_DATA_NAMES,
    SWMF_FILL_VALUES,
    SWMF_TIME_NAMES,
    read_swmf_imf,
)
from smilekit.solarwind.readers.table import read_table
from smilekit.solarwind.series import SolarWind

__all__ = [
    "DEFAULTS",
    "FORMATS",
    "OMNI2_COLUMNS",
    "OMNI_CDF_NAMES",
    "OMNI_HRO_WORDS",
    "QIN_DENTON_NAMES",
    "QUANTITIES",
    "SWMF_COLUMNS",
    "SWMF_DATA_NAMES",
    "SWMF_FILL_VALUES",
    "SWMF_TIME_NAMES",
    "detect_format",
    "lopez_temperature",
    "parse_columns",
    "read_hdf5",
    "read_omni2",
    "read_omni_cdf",
    "read_omni_hro",
    "read_solar_wind",
    "read_swmf_imf",
    "read_table",
]

_CDF_MAGIC = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

#: The readers by format name (as :func:`detect_format` returns it).
FORMATS = {
    "omni2": read_omni2,
    "omni_hro": read_omni_hro,
    "swmf_imf": read_swmf_imf,
    "cdf": read_omni_cdf,
    "hdf5": read_hdf5,
    "table": read_table,
}
_ACCEPTED = (
    "accepted: an SWMF IMF file (#COORDINATES or #VAR, then #START), OMNI2 hourly ASCII (55+ numbers "
    "per line), OMNI high-resolution ASCII (46 or 49 numbers per line), a CDF (e.g. OMNI from CDAWeb), "
    "an HDF5 file (e.g. Qin-Denton), or a delimited table whose first line names the columns"
)


def detect_format(path) -> str:
    """The format of a solar-wind file, from its content: a key of :data:`FORMATS`.

    CDF and HDF5 are recognised by their magic numbers; text files by their commands (SWMF), their number
    of words per record (OMNI2 55 or more, OMNI HRO 46 or 49) or a header line of names (a table).

    Raises
    ------
    InputError
        A missing file, or content none of the formats matches (the message says what is accepted).
    """
    path = _check_path(path)
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic[:4] in _CDF_MAGIC:
        return "cdf"
    if magic == _HDF5_MAGIC:
        return "hdf5"
    if path.suffix.lower() in (".h5", ".hdf5", ".he5"):
        if h5py.is_hdf5(path):  # a user block before the superblock
            return "hdf5"
    try:
        path, lines = _head_lines(path)  # the head only: a long file is read once, by its reader
    except InputError:
        raise InputError(
            f"{path}: not a recognised solar-wind file (binary, neither CDF nor HDF5); {_ACCEPTED}"
        ) from None
    for line in lines[:400]:
        word = line.strip().upper()
        if word.startswith(("#START", "#COOR", "#VAR")):
            return "swmf_imf"
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), None)
    if first is not None:
        parts = first.split()
        numeric = all(_is_number(p) for p in parts)
        if numeric and len(parts) >= 55:
            return "omni2"
        if looks_like_hro(parts):
            return "omni_hro"
        if not numeric and _looks_like_header(first):
            return "table"
    raise InputError(f"{path}: not a recognised solar-wind file; {_ACCEPTED}")


def _looks_like_header(line: str) -> bool:
    """A header line: cells separated by a comma, semicolon or tab, or at least one name a table column
    is recognised by (free text such as a note is not a table)."""
    if any(sep in line for sep in (",", ";", "\t")):
        return len(re.split(r"[,;\t]", line)) >= 2
    known = {_key(name) for names in GENERIC_NAMES.values() for name in names}
    return any(_key(re.sub(r"[\[(].*$", "", cell)) in known for cell in line.split())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_solar_wind(path, *, columns=None, warn_gaps: bool = False) -> SolarWind:
    """Read a solar-wind file of any supported format, detected with :func:`detect_format`.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : dict or str, optional
        Which file column is which quantity, ``{"n": "Den_P", "speed": "Vsw"}`` or ``"n=Den_P,speed=Vsw"``
        (quantities: :data:`QUANTITIES`), for the formats that name their columns (CDF, HDF5, tables,
        OMNI HRO word names). The fixed-column formats (OMNI2 hourly, SWMF IMF) refuse a map.
    warn_gaps : bool
        Issue a :class:`~smilekit.errors.DataGapWarning` if fill values were found.

    Returns
    -------
    SolarWind
        With its provenance (:func:`smilekit.solarwind.provenance`).

    Examples
    --------
    >>> from smilekit._data import data_path
    >>> from smilekit.solarwind import provenance
    >>> sw = read_solar_wind(data_path("events/2015-06-21_highdensity_OMNI1min_GSE.dat"))
    >>> provenance(sw)["format"], provenance(sw)["defaults"]
    ('SWMF IMF input (GSE)', {})
    """
    kind = detect_format(path)
    reader = FORMATS[kind]
    if kind in ("omni2", "swmf_imf"):
        if columns:
            parse_columns(columns)  # an unknown quantity is still an error worth naming
            raise InputError(
                f"{path}: an {'OMNI2 hourly' if kind == 'omni2' else 'SWMF IMF'} file has fixed columns "
                f"({'the OMNI2 words' if kind == 'omni2' else 'its column line or #VAR'}); a columns map is "
                "not used for it"
            )
        return reader(path, warn_gaps=warn_gaps)
    return reader(path, columns=columns, warn_gaps=warn_gaps)
