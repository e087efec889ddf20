"""smilekit: the SMILE mission (ESA-CAS Solar wind Magnetosphere Ionosphere Link Explorer) in Python.

From the solar wind, through geospace models, to SMILE's orbit, instruments, data products and science.
"""

from __future__ import annotations

from smilekit.errors import (
    DataGapWarning,
    IgnoredColumnsWarning,
    InputError,
    ModelDomainError,
    ModelDomainWarning,
    ProductError,
    SmilekitError,
    SmilekitWarning,
)
from smilekit.units import RE

__version__ = "0.1.0"

__all__ = [
    "RE",
    "DataGapWarning",
    "IgnoredColumnsWarning",
    "InputError",
    "ModelDomainError",
    "ModelDomainWarning",
    "ProductError",
    "SmilekitError",
    "SmilekitWarning",
    "__version__",
]
