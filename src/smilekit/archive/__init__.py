"""The archive and SMILE's data policy.

- :mod:`~smilekit.archive.policy`: the data policy as rules (roles, the proprietary period, PI releases
  approved by the SWT, quick-looks), the one module the archive and the service ask;
- :mod:`~smilekit.archive.catalogue`: the archive folder and its catalogue (SQLAlchemy: SQLite embedded,
  PostgreSQL by URL), atomic ingest, versions (``smilekit archive init|ingest|list``);
- :mod:`~smilekit.archive.access`: the users and their hashed tokens, the PIs' releases approved by the SWT
  (``smilekit archive user add|revoke|list``, ``smilekit archive release``);
- :mod:`~smilekit.archive.auxiliary`: the run's ephemeris and solar wind archived as products.

The service that delivers the archive under the policy is :mod:`smilekit.service` (``smilekit serve``).
"""

from smilekit.archive.access import (
    add_user,
    authenticate,
    list_releases,
    list_users,
    record_release,
    revoke_user,
)
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
    "add_user",
    "authenticate",
    "ingest",
    "init_archive",
    "list_products",
    "list_releases",
    "list_users",
    "may_read",
    "product_time_range",
    "proprietary_until",
    "readable_intervals",
    "record_release",
    "revoke_user",
]
