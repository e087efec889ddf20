"""Provenance of a product: the files it was made from, the software, the configuration and when.

A ground segment must be able to say how any file was made, and to make it again. :func:`provenance`
gathers that record and :class:`Provenance` writes it in each format's own words:

* ISTP CDF (the ISTP/IACG guidelines' global attributes): ``Parents`` (one entry per input: a CDF as
  the guidelines write it, ``"CDF>"`` and its logical file id, e.g.
  ``"CDF>smile_mag_l1_fields_20260320T000000_v01"``; any other file as ``"FILE>"`` and its whole name),
  ``Software_version``, ``Generation_date`` (``yyyymmdd``) and the smilekit attributes
  ``Generation_time`` (ISO 8601 UTC) and ``Processing_configuration`` (the settings, JSON);
* FITS (OGIP/FITS 4.0): ``CREATOR`` (the software), ``DATE`` (the file's creation time, UTC) and
  ``HISTORY`` cards, one per input (``parent: <name>``) and the configuration (``config: <json>``, split
  over as many cards as it needs).

:func:`read_provenance` reads the record back from either kind of file, so a reprocessing can compare it
with what it would do now. Versions (``_v01``, ``_v02``) are the file names' business
(:func:`smilekit.products.names.next_version`): a reprocessed product is a new file, never a rewrite.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path

import smilekit
from smilekit._io import jsonable
from smilekit.errors import InputError, ProductError

__all__ = ["Provenance", "provenance", "read_provenance"]

_FITS_PARENT = "parent: "
_FITS_CONFIG = "config: "
_FITS_CARD_TEXT = 64  # characters of text per HISTORY card after the prefix (a card holds 72)


@dataclass(frozen=True)
class Provenance:
    """How a product was made (module docstring).

    Attributes
    ----------
    inputs : tuple of str
        The names of the files it was made from (no folders: a product moves with its parents).
    configuration : str
        The processing settings, as JSON text ("{}" when none).
    software : str
        Name and version of the software, e.g. ``"smilekit 0.1.0"``.
    time : str
        When it was processed: ISO 8601 UTC to the second, e.g. ``"2026-12-05T04:52:10Z"``.
    """

    inputs: tuple[str, ...]
    configuration: str
    software: str
    time: str

    def cdf_attributes(self) -> dict:
        """The ISTP global attributes of this record (module docstring)."""
        parents = [_parent(name) for name in self.inputs]
        out = {
            "Software_version": self.software,
            "Generation_date": self.time[:10].replace("-", ""),
            "Generation_time": self.time,
            "Processing_configuration": self.configuration,
        }
        if parents:
            out["Parents"] = parents
        return out

    def add_to_fits(self, header) -> None:
        """Write this record into an :class:`astropy.io.fits.Header` (module docstring)."""
        header["CREATOR"] = (self.software, "software that made this file")
        header["DATE"] = (self.time.rstrip("Z"), "file creation date (UTC)")
        for name in self.inputs:
            header.add_history(_FITS_PARENT + name)
        text = self.configuration
        for start in range(0, len(text), _FITS_CARD_TEXT):
            header.add_history(_FITS_CONFIG + text[start : start + _FITS_CARD_TEXT])

    @classmethod
    def from_cdf_attributes(cls, attrs) -> Provenance:
        """The record in a CDF's global attributes (as :func:`cdflib.CDF.globalattsget` gives them)."""
        try:
            software, time = _one(attrs["Software_version"]), _one(attrs["Generation_time"])
        except KeyError as exc:
            raise ProductError(f"the CDF has no provenance: its global attribute {exc} is missing") from None
        parents = attrs.get("Parents", [])
        parents = [parents] if isinstance(parents, str) else list(parents)
        inputs = tuple(_input(p) for p in parents)
        return cls(inputs, _one(attrs.get("Processing_configuration", "{}")), software, time)

    @classmethod
    def from_fits_header(cls, header) -> Provenance:
        """The record in a FITS header written by :meth:`add_to_fits`."""
        if "CREATOR" not in header or "DATE" not in header:
            raise ProductError("the FITS header has no provenance: CREATOR or DATE is missing")
        history = [str(card) for card in header.get("HISTORY", [])]
        inputs = tuple(h[len(_FITS_PARENT) :] for h in history if h.startswith(_FITS_PARENT))
        config = "".join(h[len(_FITS_CONFIG) :] for h in history if h.startswith(_FITS_CONFIG))
        return cls(inputs, config or "{}", str(header["CREATOR"]), str(header["DATE"]) + "Z")


def _one(value) -> str:
    """A global attribute's single value (cdflib gives lists for multi-entry attributes)."""
    if isinstance(value, (list, tuple)):
        return str(value[0]) if len(value) else ""
    return str(value)


def _parent(name: str) -> str:
    """An input's ``Parents`` entry: ``CDF>logical_file_id`` for a CDF (ISTP), ``FILE>name`` otherwise."""
    path = Path(name)
    return f"CDF>{path.stem}" if path.suffix.lower() == ".cdf" else f"FILE>{name}"


def _input(parent: str) -> str:
    """The input's file name from its ``Parents`` entry (the inverse of :func:`_parent`)."""
    kind, _, name = parent.partition(">")
    return f"{name}.cdf" if kind == "CDF" else name


def provenance(inputs=(), configuration=None, *, time=None) -> Provenance:
    """The provenance record of a product being made now (or at ``time``).

    Parameters
    ----------
    inputs : iterable of str or path-like
        The files the product is made from; only their names are kept.
    configuration : mapping, optional
        The processing settings (made JSON-safe: NaN and infinities become null).
    time : datetime or str, optional
        The processing time (default: now), UTC.

    Returns
    -------
    Provenance

    Raises
    ------
    InputError
        For an input that is not a name or a path, a configuration that is not a mapping, or a time that
        cannot be read.

    Examples
    --------
    >>> p = provenance(["smile_mag_l1_raw_20260320T000000_v01.cdf"], {"vector_rate_hz": 8},
    ...                time="2026-12-05T04:52:10")
    >>> p.cdf_attributes()["Parents"], p.time
    (['CDF>smile_mag_l1_raw_20260320T000000_v01'], '2026-12-05T04:52:10Z')
    """
    names = []
    for item in inputs:
        if not isinstance(item, (str, Path)):
            raise InputError(f"inputs must be file names or paths, got {item!r:.60}")
        names.append(Path(item).name)
    if configuration is None:
        configuration = {}
    if not hasattr(configuration, "items"):
        raise InputError(f"configuration must be a mapping of settings, got {type(configuration).__name__}")
    text = json.dumps(jsonable(dict(configuration)), sort_keys=True, separators=(",", ":"))
    if time is None:
        moment = _dt.datetime.now(_dt.UTC)
    else:
        try:
            moment = _dt.datetime.fromisoformat(str(time).rstrip("Z"))
        except ValueError:
            raise InputError(f"time must be an ISO 8601 UTC time, got {time!r}") from None
    stamp = moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
    return Provenance(tuple(names), text, f"smilekit {smilekit.__version__}", stamp)


def read_provenance(path) -> Provenance:
    """The provenance record of a product file (CDF or FITS), as :func:`provenance` made it.

    Raises
    ------
    ProductError
        For a file that is neither, cannot be read, or carries no provenance (naming the file).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".cdf":
            import cdflib

            return Provenance.from_cdf_attributes(cdflib.CDF(str(path)).globalattsget())
        if suffix in (".fits", ".fit"):
            from astropy.io import fits

            with fits.open(path) as hdul:
                return Provenance.from_fits_header(hdul[0].header)
    except ProductError as exc:
        raise ProductError(f"{path.name}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise ProductError(f"{path.name} cannot be read: {exc}") from None
    raise ProductError(f"{path.name}: provenance is read from .cdf and .fits files only")
