"""The archive and SMILE's data policy.

- :mod:`~smilekit.archive.policy`: the data policy as rules (roles, the proprietary period, PI releases
  approved by the SWT, quick-looks), the one module the archive and the service ask.

The catalogue, the ingest and the service follow (issue 18).
"""

from smilekit.archive.policy import (
    INSTRUMENTS,
    QUICKLOOK_NOTICE,
    ROLES,
    Holding,
    Release,
    User,
    may_read,
    proprietary_until,
    readable_intervals,
)

__all__ = [
    "INSTRUMENTS",
    "QUICKLOOK_NOTICE",
    "ROLES",
    "Holding",
    "Release",
    "User",
    "may_read",
    "proprietary_until",
    "readable_intervals",
]
