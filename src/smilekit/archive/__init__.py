"""The archive and SMILE's data policy.

- :mod:`~smilekit.archive.policy`: the data policy as rules (roles, the proprietary period, PI releases
  approved by the SWT, quick-looks), the one module the archive and the service ask;
- :mod:`~smilekit.archive.catalogue`: the archive folder and its catalogue (SQLAlchemy: SQLite embedded,
  PostgreSQL by URL), atomic ingest, versions (``smilekit archive init|ingest|list``).

The users and their tokens, the releases in the catalogue and the HAPI service follow (issue 18).
"""

from smilekit.archive.catalogue import (
    ProductRecord,
    ingest,
    init_archive,
    list_products,
    product_time_range,
)
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
    "ProductRecord",
    "Release",
    "User",
    "ingest",
    "init_archive",
    "list_products",
    "may_read",
    "product_time_range",
    "proprietary_until",
    "readable_intervals",
]
