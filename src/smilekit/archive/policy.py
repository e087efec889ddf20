"""SMILE's data policy as rules: who may read which part of which data, and when.

The policy (:cite:`branduardiraymont2022`, sec. 5.3): the ESA and CAS archives hold every product; the
users (the public) have the data after a proprietary period of one year from when the Science Working Team
(SWT) received them; a PI may open their instrument's data to the users during that period after the SWT
approves; quick-look plots are public as soon as feasible, for event browsing and not for publication.

The rules, as this module applies them (the one home of the policy: the archive and the service ask it):

- a **holding** is a product's data: its instrument, dataset, time range ``[start, stop)``, when the SWT
  received it, and whether it is a quick-look;
- a **quick-look** is readable by anyone at once (:data:`QUICKLOOK_NOTICE` goes with it), and so are the
  spacecraft's ephemeris and the auxiliary solar wind (:data:`OPEN_INSTRUMENTS`);
- the **proprietary period** ends :func:`proprietary_until`: one calendar year after receipt, to the second
  (received 2026-03-20T12:00:00, public from 2027-03-20T12:00:00; received on 29 February, public from
  1 March of the next year, the later reading of "one year");
- role ``"swt"`` (a member of the SWT) reads everything from receipt;
- role ``"pi"`` reads the proprietary data of **their own instrument** (a PI's token gives no other
  instrument's proprietary data: a PI who needs them as an SWT member holds an SWT token too), and may
  release them early;
- role ``"public"`` (and anyone else) reads data past their proprietary period, quick-looks, and the parts
  of a holding that a :class:`Release` in force covers;
- a **release** opens an instrument's datasets (all of them, or those named) over a time interval, from the
  moment the SWT approved it; it records the PI who asked, the SWT member who approved and when. A release
  covers part of a holding when their intervals overlap: only the overlap opens.

:func:`readable_intervals` gives the parts of a holding a user may read at a time; :func:`may_read` whether
all of a requested interval is readable. Times are UTC ``datetime64[ns]`` (anything
:func:`smilekit.times.as_datetime64` reads); intervals are half-open, ``[start, stop)``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from smilekit.errors import InputError
from smilekit.products.names import INSTRUMENT_CODES
from smilekit.products.quicklooks import NOTICE
from smilekit.times import as_datetime64

__all__ = [
    "INSTRUMENTS",
    "OPEN_INSTRUMENTS",
    "QUICKLOOK_NOTICE",
    "ROLES",
    "Holding",
    "Release",
    "User",
    "may_read",
    "proprietary_until",
    "readable_intervals",
]

#: The roles of the archive's users.
ROLES = ("public", "swt", "pi")
#: The instruments whose data the archive holds: the product names' codes
#: (:data:`~smilekit.products.names.INSTRUMENT_CODES`).
INSTRUMENTS = tuple(INSTRUMENT_CODES)
#: The codes whose data are public at receipt: the spacecraft's ephemeris (``sc``) and the auxiliary data
#: (``aux``: the upstream solar wind, others' public data); the proprietary period is of the instruments'.
OPEN_INSTRUMENTS = ("sc", "aux")
#: What goes with every quick-look (:cite:`branduardiraymont2022`, sec. 5.3).
QUICKLOOK_NOTICE = NOTICE


def _time(value, name: str) -> np.datetime64:
    t = as_datetime64(value)
    if t.ndim:
        raise InputError(f"{name} must be one time, got {t.size}")
    return t[()]


def _interval(start, stop, what: str) -> tuple[np.datetime64, np.datetime64]:
    a, b = _time(start, f"{what} start"), _time(stop, f"{what} stop")
    if not a < b:
        raise InputError(f"{what}: the start {a} must come before the stop {b}")
    return a, b


def _instrument(value) -> str:
    name = str(value).lower()
    if name not in INSTRUMENTS:
        raise InputError(f"instrument {value!r} is not one of {', '.join(INSTRUMENTS)}")
    return name


@dataclass(frozen=True)
class User:
    """Someone asking for data: a ``name``, a ``role`` of :data:`ROLES` and, for a PI, the ``instrument``.

    Raises
    ------
    InputError
        For an unknown role or instrument, a PI without an instrument or another role with one.
    """

    name: str
    role: str = "public"
    instrument: str | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise InputError(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.role == "pi":
            if self.instrument is None:
                raise InputError(f"user {self.name!r}: a PI needs the instrument they lead")
            object.__setattr__(self, "instrument", _instrument(self.instrument))
        elif self.instrument is not None:
            raise InputError(f"user {self.name!r}: only a PI has an instrument (role {self.role!r})")


@dataclass(frozen=True)
class Holding:
    """A product's data as the policy sees them (times: anything :func:`~smilekit.times.as_datetime64`
    reads; stored as ``datetime64[ns]``).

    Attributes
    ----------
    instrument : str
        One of :data:`INSTRUMENTS`.
    dataset : str
        The dataset (e.g. ``"sxi_l3_boundaries"``).
    start, stop : time
        Its time range, ``[start, stop)``.
    received : time
        When the SWT received it: the proprietary period counts from here.
    quicklook : bool
        A quick-look plot (public at once).
    """

    instrument: str
    dataset: str
    start: np.datetime64
    stop: np.datetime64
    received: np.datetime64
    quicklook: bool = False

    def __post_init__(self):
        object.__setattr__(self, "instrument", _instrument(self.instrument))
        start, stop = _interval(self.start, self.stop, f"holding {self.dataset!r}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "received", _time(self.received, "received"))


@dataclass(frozen=True)
class Release:
    """A PI's early release of their instrument's data, approved by the SWT.

    Attributes
    ----------
    instrument : str
        The instrument.
    start, stop : time
        The data interval opened, ``[start, stop)``.
    pi : User
        The PI who released them (role ``"pi"`` of ``instrument``).
    approved_by : str
        The SWT member who recorded the SWT's approval.
    approved_at : time
        When the SWT approved: the release is in force from then on.
    datasets : tuple of str
        The datasets opened; empty: every dataset of the instrument.

    Raises
    ------
    InputError
        If ``pi`` is not the PI of ``instrument``, the interval is empty or inverted, or no approver is named.
    """

    instrument: str
    start: np.datetime64
    stop: np.datetime64
    pi: User
    approved_by: str
    approved_at: np.datetime64
    datasets: tuple[str, ...] = ()

    def __post_init__(self):
        instrument = _instrument(self.instrument)
        object.__setattr__(self, "instrument", instrument)
        if not isinstance(self.pi, User) or self.pi.role != "pi" or self.pi.instrument != instrument:
            raise InputError(f"only the PI of {instrument} may release its data, not {self.pi!r}")
        if not str(self.approved_by).strip():
            raise InputError("a release needs the SWT member who recorded the approval (approved_by)")
        start, stop = _interval(self.start, self.stop, "release")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "approved_at", _time(self.approved_at, "approved_at"))
        datasets = (self.datasets,) if isinstance(self.datasets, str) else tuple(self.datasets)
        object.__setattr__(self, "datasets", tuple(str(d) for d in datasets))

    def covers(self, holding: Holding) -> bool:
        """Whether the release is of the holding's instrument and dataset (its interval aside)."""
        return holding.instrument == self.instrument and (
            not self.datasets or holding.dataset in self.datasets
        )


def proprietary_until(received) -> np.datetime64:
    """The end of the proprietary period of data the SWT received at ``received``: one calendar year later,
    to the nanosecond (29 February: 1 March of the next year).

    Examples
    --------
    >>> proprietary_until("2026-03-20T12:00:00")
    np.datetime64('2027-03-20T12:00:00.000000000')
    >>> proprietary_until("2028-02-29T06:00:00")
    np.datetime64('2029-03-01T06:00:00.000000000')
    """
    t = _time(received, "received")
    day = t.astype("datetime64[D]")
    date = day.item()
    try:
        later = date.replace(year=date.year + 1)
    except ValueError:  # 29 February, and no 29 February next year
        later = _dt.date(date.year + 1, 3, 1)
    return np.datetime64(later, "D").astype("datetime64[ns]") + (t - day.astype("datetime64[ns]"))


def _merge(intervals: list) -> list[tuple[np.datetime64, np.datetime64]]:
    out: list = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def readable_intervals(user: User, holding: Holding, releases: Iterable[Release] = (), *, now) -> list:
    """The parts of ``holding``'s time range that ``user`` may read at ``now`` (module rules).

    Returns
    -------
    list of (datetime64, datetime64)
        Disjoint, sorted, half-open intervals within ``[holding.start, holding.stop)``: the whole range,
        none, or the parts that releases in force cover.
    """
    if not isinstance(user, User) or not isinstance(holding, Holding):
        raise InputError("readable_intervals needs a User and a Holding")
    now = _time(now, "now")
    whole = [(holding.start, holding.stop)]
    if holding.quicklook or holding.instrument in OPEN_INSTRUMENTS or user.role == "swt":
        return whole
    if now >= proprietary_until(holding.received):
        return whole
    if user.role == "pi" and user.instrument == holding.instrument:
        return whole
    opened = []
    for release in releases:
        if not isinstance(release, Release):
            raise InputError(f"releases must be Release records, got {type(release).__name__}")
        if release.covers(holding) and release.approved_at <= now:
            a, b = max(release.start, holding.start), min(release.stop, holding.stop)
            if a < b:
                opened.append((a, b))
    return _merge(opened)


def may_read(user: User, holding: Holding, start, stop, releases: Iterable[Release] = (), *, now) -> bool:
    """Whether ``user`` may read all of ``[start, stop)`` of ``holding`` at ``now`` (the part of the request
    outside the holding's range aside: there is nothing there to refuse)."""
    a, b = _interval(start, stop, "request")
    a, b = max(a, holding.start), min(b, holding.stop)
    if not a < b:
        return True
    for lo, hi in readable_intervals(user, holding, releases, now=now):
        if lo <= a < hi:
            a = hi
            if a >= b:
                return True
    return False
