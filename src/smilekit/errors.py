"""The smilekit exception and warning hierarchy.

Every error smilekit raises on purpose derives from :class:`SmilekitError`, so a caller can catch the
project's errors apart from programming mistakes. Messages say what was wrong, with the offending value,
and what is accepted.
"""

from __future__ import annotations

__all__ = [
    "DataGapWarning",
    "IgnoredColumnsWarning",
    "InputError",
    "ModelDomainError",
    "ModelDomainWarning",
    "ProductError",
    "SmilekitError",
    "SmilekitWarning",
    "TelemetryError",
]


class SmilekitError(Exception):
    """Base class of every error raised by smilekit."""


class InputError(SmilekitError, ValueError):
    """Bad input: a unitless number, a value out of its physical range, NaN, or a malformed file line."""


class ModelDomainError(SmilekitError, ValueError):
    """Input is valid physics but outside the range a model was built for (and extrapolating is unsafe)."""


class ProductError(SmilekitError):
    """A data product could not be written or read as its standard requires."""


class TelemetryError(SmilekitError, ValueError):
    """A telemetry file or packet that cannot be decoded: the message names the file and the byte offset."""


class SmilekitWarning(UserWarning):
    """Base class of every warning issued by smilekit."""


class ModelDomainWarning(SmilekitWarning):
    """A model is used outside the range of the data it was fitted to, and its answer is extrapolated."""


class DataGapWarning(SmilekitWarning):
    """Input data contain gaps (fill values or missing records) that were interpolated or flagged."""


class IgnoredColumnsWarning(SmilekitWarning):
    """An input file has columns smilekit does not read (e.g. F10.7 in an SWMF IMF file); they are skipped,
    and the series records their names in its provenance (``ds.attrs["ignored_columns"]``)."""
