"""Product file names: ``smile_<instrument>_<level>_<descriptor>_<YYYYMMDDThhmmss>_v<NN>.<ext>``.

The rule for the name of a product file (``docs/design.md``, "Files"), part by part:

============  =================================================================================
instrument    :data:`INSTRUMENT_CODES`: ``sxi``, ``uvi``, ``lia``, ``mag`` (the four instruments of the
              SMILE Definition Study Report, :cite:`branduardiraymont2018`), ``sc`` (the spacecraft:
              platform, ephemeris) and ``aux`` (what the mission uses and does not measure: the upstream
              solar wind)
level         :data:`LEVELS`: ``l0`` ... ``l3`` and ``ql`` (quick-look)
descriptor    what the file holds, lower-case letters and digits (``[a-z0-9]+``, no underscore:
              the underscore separates the parts), e.g. ``events``, ``images5min``, ``boundaries``
time          the start of the data, UTC, to the second (``YYYYMMDDThhmmss``)
version       ``v01`` ... ``v99``: a product reprocessed for the same data gets the next version
              (:func:`next_version`); a run that makes its products afresh writes ``v01``
ext           :data:`EXTENSIONS`: ``fits``, ``cdf``, ``csv``, ``png``, ``json``, ...
============  =================================================================================

All parts are lower case. :func:`product_name` builds a name, :func:`parse_product_name` splits one into a
:class:`ProductName`, and :func:`next_version` finds the version the next file in a folder should have.
Bad parts raise :class:`~smilekit.errors.InputError` naming the value and what is accepted.
"""

from __future__ import annotations

import datetime as _dt
import operator
import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from smilekit.errors import InputError, ProductError
from smilekit.times import as_datetime64

__all__ = [
    "EXTENSIONS",
    "INSTRUMENT_CODES",
    "LEVELS",
    "MAX_VERSION",
    "PATTERN",
    "ProductName",
    "next_version",
    "parse_product_name",
    "product_name",
]

#: The rule, as written in the design document.
PATTERN = "smile_<instrument>_<level>_<descriptor>_<YYYYMMDDThhmmss>_v<NN>.<ext>"

#: Instrument codes: the four instruments and ``sc``, the spacecraft (platform, ephemeris, attitude).
INSTRUMENT_CODES = {
    "sxi": "Soft X-ray Imager",
    "uvi": "UltraViolet Imager",
    "lia": "Light Ion Analyser",
    "mag": "Magnetometer",
    "sc": "the spacecraft: platform, ephemeris and attitude",
    "aux": "auxiliary data the mission uses and does not measure: the upstream solar wind",
}

#: Processing levels.
LEVELS = {
    "l0": "telemetry decoded into instrument packets",
    "l1": "calibrated instrument data (e.g. SXI photon events)",
    "l2": "physical quantities (images, moments, field)",
    "l3": "science results (boundaries, stand-off distances, cusp edges)",
    "ql": "quick-look",
}

#: File extensions (formats) of the products.
EXTENSIONS = ("cdf", "csv", "fits", "gif", "html", "json", "png")

#: The highest version number (two digits).
MAX_VERSION = 99

_DESCRIPTOR = re.compile(r"[a-z0-9]+")
_STAMP = re.compile(r"\d{8}T\d{6}")
_VERSION = re.compile(r"v\d{2}")
_STAMP_FORMAT = "%Y%m%dT%H%M%S"


class ProductName(NamedTuple):
    """The parts of a product file name (:func:`parse_product_name`), in the order of :func:`product_name`.

    Attributes
    ----------
    instrument, level, descriptor : str
        Lower-case codes (module docstring).
    time : numpy.datetime64
        The start of the data, UTC, ``datetime64[s]``.
    version : int
        1 to 99.
    ext : str
        The file extension, without the dot.
    """

    instrument: str
    level: str
    descriptor: str
    time: np.datetime64
    version: int
    ext: str

    @property
    def name(self) -> str:
        """The file name these parts make (:func:`product_name`)."""
        return product_name(*self[:5], ext=self.ext)


def _choice(value, what: str, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InputError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return value


def _descriptor(value) -> str:
    if not isinstance(value, str) or not _DESCRIPTOR.fullmatch(value):
        raise InputError(
            f"descriptor {value!r} must be one or more lower-case letters and digits (a-z, 0-9; "
            "no underscore, which separates the parts of the name)"
        )
    return value


def _version(value) -> int:
    try:
        version = operator.index(value) if not isinstance(value, bool) else None
    except TypeError:
        version = None
    if version is None or not 1 <= version <= MAX_VERSION:
        raise InputError(f"version {value!r} must be a whole number from 1 to {MAX_VERSION}")
    return version


def _time(value) -> np.datetime64:
    """One UTC time as ``datetime64[s]`` (sub-seconds dropped), within years 1 to 9999."""
    if isinstance(value, (np.datetime64, np.ndarray)) and np.asarray(value).dtype.kind == "M":
        t = np.asarray(value)  # taken as it is: no round trip through nanoseconds and their range
        if t.ndim == 0 and np.isnat(t):
            raise InputError("time is NaT (not-a-time); a product name needs a valid time")
    else:
        t = as_datetime64(value)
    if t.ndim != 0:
        raise InputError(f"time must be one time, got an array of shape {t.shape}")
    t = t.astype("datetime64[s]")
    if not np.datetime64("0001-01-01T00:00:00") <= t <= np.datetime64("9999-12-31T23:59:59"):
        raise InputError(f"time {t} is outside the years 0001 to 9999 that a product name can hold")
    return t[()]


def _stamp(t) -> str:
    """``YYYYMMDDThhmmss`` of a datetime64[s] or datetime (``strftime`` does not pad years before 1000)."""
    d = t.astype(_dt.datetime) if isinstance(t, np.datetime64) else t
    return f"{d.year:04d}{d.month:02d}{d.day:02d}T{d.hour:02d}{d.minute:02d}{d.second:02d}"


def _check(instrument, level, descriptor, time, version, ext) -> ProductName:
    return ProductName(
        _choice(instrument, "instrument", INSTRUMENT_CODES),
        _choice(level, "level", LEVELS),
        _descriptor(descriptor),
        _time(time),
        _version(version),
        _choice(ext, "ext", EXTENSIONS),
    )


def product_name(instrument: str, level: str, descriptor: str, time, version: int = 1, *, ext: str) -> str:
    """The file name of a product: ``smile_<instrument>_<level>_<descriptor>_<YYYYMMDDThhmmss>_v<NN>.<ext>``.

    Parameters
    ----------
    instrument : str
        One of :data:`INSTRUMENT_CODES` (``sxi``, ``uvi``, ``lia``, ``mag``, ``sc``).
    level : str
        One of :data:`LEVELS` (``l0``, ``l1``, ``l2``, ``l3``, ``ql``).
    descriptor : str
        What the file holds: lower-case letters and digits, no underscore.
    time : str, datetime, numpy.datetime64 or astropy Time
        The start of the data, UTC (:func:`smilekit.times.as_datetime64`); written to the second, the
        fraction of a second dropped.
    version : int, optional
        1 to 99 (default 1); :func:`next_version` gives the next free one in a folder.
    ext : str
        One of :data:`EXTENSIONS`, without the dot.

    Returns
    -------
    str

    Raises
    ------
    InputError
        For a part outside its vocabulary or form, naming the value and what is accepted.

    Examples
    --------
    >>> product_name("sxi", "l1", "events", "2026-03-20T12:00", ext="fits")
    'smile_sxi_l1_events_20260320T120000_v01.fits'
    >>> product_name("sc", "l2", "ephemeris", "2026-03-20T12:00:07.9", 12, ext="cdf")
    'smile_sc_l2_ephemeris_20260320T120007_v12.cdf'
    >>> product_name("SXI", "l1", "events", "2026-03-20", ext="fits")
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: instrument 'SXI' is not one of sxi, uvi, lia, mag, sc, aux
    """
    p = _check(instrument, level, descriptor, time, version, ext)
    return f"smile_{p.instrument}_{p.level}_{p.descriptor}_{_stamp(p.time)}_v{p.version:02d}.{p.ext}"


def parse_product_name(name) -> ProductName:
    """The parts of a product file name (the inverse of :func:`product_name`).

    Parameters
    ----------
    name : str or path-like
        A file name, or a path whose last component is one.

    Returns
    -------
    ProductName
        ``product_name(*parts, ...)`` gives the name back: ``parse_product_name(name).name == name``.

    Raises
    ------
    InputError
        When the name does not follow :data:`PATTERN` or a part is outside its vocabulary or form.

    Examples
    --------
    >>> p = parse_product_name("out/sxi/smile_sxi_l2_images5min_20260320T120000_v03.fits")
    >>> p.instrument, p.level, p.descriptor, p.time, p.version, p.ext
    ('sxi', 'l2', 'images5min', np.datetime64('2026-03-20T12:00:00'), 3, 'fits')
    >>> p.name
    'smile_sxi_l2_images5min_20260320T120000_v03.fits'
    """
    if not isinstance(name, (str, os.PathLike)):
        raise InputError(f"name must be a file name (str or path), got {type(name).__name__}")
    text = Path(name).name
    stem, dot, ext = text.partition(".")
    parts = stem.split("_")
    if not dot or len(parts) != 6 or parts[0] != "smile":
        raise InputError(f"{text!r} is not a product name: expected {PATTERN}")
    _, instrument, level, descriptor, stamp, version = parts
    if not _STAMP.fullmatch(stamp):
        raise InputError(f"time {stamp!r} in {text!r} must be YYYYMMDDThhmmss")
    try:
        when = _dt.datetime.strptime(stamp, _STAMP_FORMAT)
    except ValueError:
        when = None
    if when is None or _stamp(when) != stamp:
        raise InputError(f"time {stamp!r} in {text!r} is not a valid date and time (YYYYMMDDThhmmss)")
    if not _VERSION.fullmatch(version):
        raise InputError(f"version {version!r} in {text!r} must be v01 to v{MAX_VERSION}")
    return _check(instrument, level, descriptor, np.datetime64(when, "s"), int(version[1:]), ext)


def next_version(folder, instrument: str, level: str, descriptor: str, time, ext: str) -> int:
    """The version the next file of these parts in ``folder`` should have: 1 + the highest there, or 1.

    Files of other instruments, levels, descriptors, times or extensions, and names that do not follow
    the rule, are ignored; a folder that does not exist holds no versions.

    Parameters
    ----------
    folder : str or path-like
        The folder the product is written to.
    instrument, level, descriptor, time, ext
        As in :func:`product_name`.

    Returns
    -------
    int

    Raises
    ------
    InputError
        For a bad part, or when ``folder`` exists and is not a folder.
    ProductError
        When version 99 is there already (no version is left).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> next_version(folder, "sxi", "l1", "events", "2026-03-20T12:00", "fits")
    1
    >>> name = product_name("sxi", "l1", "events", "2026-03-20T12:00", 4, ext="fits")
    >>> (folder / name).touch()
    >>> next_version(folder, "sxi", "l1", "events", "2026-03-20T12:00", "fits")
    5
    """
    want = _check(instrument, level, descriptor, time, 1, ext)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"folder {str(folder)!r} is not a folder")
    highest = 0
    if folder.is_dir():
        for entry in folder.iterdir():
            try:
                found = parse_product_name(entry.name)
            except InputError:
                continue
            if found._replace(version=1) == want:
                highest = max(highest, found.version)
    if highest >= MAX_VERSION:
        name = want._replace(version=highest).name
        raise ProductError(
            f"{name} is in {str(folder)!r}: v{MAX_VERSION} is the last version a name can hold"
        )
    return highest + 1
