"""The data policy (Branduardi-Raymont et al. 2022, sec. 5.3) at its boundaries, and its invariants."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.archive.policy import (
    Holding,
    Release,
    User,
    may_read,
    proprietary_until,
    readable_intervals,
)
from smilekit.errors import InputError

T = np.datetime64
SECOND = np.timedelta64(1, "s")
RECEIVED = T("2026-03-20T12:00:00", "ns")
END = T("2027-03-20T12:00:00", "ns")  # one year later: the proprietary period ends
PUBLIC, SWT = User("anyone"), User("a member", "swt")
SXI_PI, UVI_PI = User("sxi lead", "pi", "sxi"), User("uvi lead", "pi", "uvi")
HOLDING = Holding("sxi", "sxi_l3_boundaries", "2026-03-19T00:00", "2026-03-19T06:00", RECEIVED)


def _release(start, stop, approved_at=RECEIVED + 86400 * SECOND, datasets=()):
    return Release("sxi", start, stop, SXI_PI, "swt chair", approved_at, datasets)


def test_the_proprietary_period_ends_one_year_after_receipt_to_the_second():
    assert proprietary_until(RECEIVED) == END
    whole = [(HOLDING.start, HOLDING.stop)]
    assert readable_intervals(PUBLIC, HOLDING, now=END - SECOND) == []
    assert readable_intervals(PUBLIC, HOLDING, now=END) == whole
    assert readable_intervals(PUBLIC, HOLDING, now=END + SECOND) == whole
    assert not may_read(PUBLIC, HOLDING, HOLDING.start, HOLDING.stop, now=END - SECOND)
    assert may_read(PUBLIC, HOLDING, HOLDING.start, HOLDING.stop, now=END + SECOND)


def test_a_year_is_a_calendar_year_and_29_february_opens_on_1_march():
    assert proprietary_until("2027-12-31T23:59:59.5") == T("2028-12-31T23:59:59.5", "ns")  # across a leap day
    assert proprietary_until("2028-02-29T00:00:01") == T("2029-03-01T00:00:01", "ns")
    assert proprietary_until("2028-02-28T10:00") == T("2029-02-28T10:00", "ns")


def test_the_swt_reads_at_once_a_pi_their_own_instrument_only():
    now = RECEIVED + SECOND
    whole = [(HOLDING.start, HOLDING.stop)]
    assert readable_intervals(SWT, HOLDING, now=now) == whole
    assert readable_intervals(SXI_PI, HOLDING, now=now) == whole
    assert readable_intervals(UVI_PI, HOLDING, now=now) == []  # another instrument's PI: proprietary
    assert readable_intervals(PUBLIC, HOLDING, now=now) == []


def test_quicklooks_the_ephemeris_and_the_upstream_solar_wind_are_public_at_once():
    quicklook = Holding("uvi", "uvi_quicklook", "2026-03-19", "2026-03-20", RECEIVED, quicklook=True)
    assert readable_intervals(PUBLIC, quicklook, now=RECEIVED) == [(quicklook.start, quicklook.stop)]
    for code, dataset in (("sc", "sc_l2_ephemeris"), ("aux", "aux_l2_solarwind")):
        holding = Holding(code, dataset, "2026-03-19", "2026-03-20", RECEIVED)
        assert readable_intervals(UVI_PI, holding, now=RECEIVED) == [(holding.start, holding.stop)]
    for code in ("sxi", "uvi", "lia", "mag"):  # the instruments' data are proprietary
        holding = Holding(code, f"{code}_l2_x", "2026-03-19", "2026-03-20", RECEIVED)
        assert readable_intervals(PUBLIC, holding, now=RECEIVED) == []


def test_a_release_opens_its_overlap_from_its_approval_on():
    approved = RECEIVED + 10 * 86400 * SECOND
    release = _release("2026-03-19T02:00", "2026-03-19T04:00", approved)
    part = [(T("2026-03-19T02:00", "ns"), T("2026-03-19T04:00", "ns"))]
    assert readable_intervals(PUBLIC, HOLDING, [release], now=approved - SECOND) == []
    assert readable_intervals(PUBLIC, HOLDING, [release], now=approved) == part
    # a request partly inside the released part is refused; inside it, granted
    assert not may_read(PUBLIC, HOLDING, "2026-03-19T01:00", "2026-03-19T03:00", [release], now=approved)
    assert may_read(PUBLIC, HOLDING, "2026-03-19T02:00", "2026-03-19T03:00", [release], now=approved)
    assert not may_read(PUBLIC, HOLDING, "2026-03-19T03:00", "2026-03-19T04:00:01", [release], now=approved)
    # a request reaching outside the holding is judged on the holding's part
    assert may_read(PUBLIC, HOLDING, "2026-03-18", "2026-03-19T00:00", [release], now=approved)


def test_releases_of_other_datasets_do_not_open_and_adjacent_ones_join():
    now = RECEIVED + 30 * 86400 * SECOND
    other = _release("2026-03-19", "2026-03-20", datasets=("sxi_l2_images",))
    assert readable_intervals(PUBLIC, HOLDING, [other], now=now) == []
    named = _release("2026-03-19T00:00", "2026-03-19T01:00", datasets="sxi_l3_boundaries")
    adjacent = _release("2026-03-19T01:00", "2026-03-19T07:00")
    assert readable_intervals(PUBLIC, HOLDING, [adjacent, named], now=now) == [(HOLDING.start, HOLDING.stop)]
    assert may_read(PUBLIC, HOLDING, HOLDING.start, HOLDING.stop, [named, adjacent], now=now)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Release("sxi", "2026-01-01", "2026-01-02", UVI_PI, "chair", RECEIVED), "only the PI of sxi"),
        (lambda: Release("sxi", "2026-01-01", "2026-01-02", SWT, "chair", RECEIVED), "only the PI of sxi"),
        (lambda: Release("sxi", "2026-01-02", "2026-01-01", SXI_PI, "chair", RECEIVED), "before the stop"),
        (lambda: Release("sxi", "2026-01-01", "2026-01-02", SXI_PI, " ", RECEIVED), "approved_by"),
        (lambda: User("x", "admin"), "role 'admin'"),
        (lambda: User("x", "pi"), "needs the instrument"),
        (lambda: User("x", "swt", "sxi"), "only a PI has an instrument"),
        (lambda: Holding("ena", "d", "2026-01-01", "2026-01-02", RECEIVED), "instrument 'ena'"),
        (lambda: Holding("sxi", "d", "2026-01-01", "2026-01-01", RECEIVED), "before the stop"),
        (lambda: proprietary_until("not a time"), "time"),
    ],
)
def test_bad_records_are_refused_with_the_reason(make, match):
    with pytest.raises(InputError, match=match):
        make()


_hours = st.integers(0, 48)


@settings(max_examples=60, deadline=None)
@given(
    releases=st.lists(st.tuples(_hours, _hours, st.integers(0, 400), st.booleans()), max_size=4),
    days_after=st.integers(0, 800),
)
def test_invariants_what_is_readable_lies_in_the_holding_and_grows_with_role_and_time(releases, days_after):
    base = T("2026-03-19T00:00", "ns")
    hour, day = np.timedelta64(1, "h"), 86400 * SECOND
    holding = Holding("sxi", "sxi_l3_boundaries", base + 6 * hour, base + 30 * hour, RECEIVED)
    records = [
        _release(base + min(a, b) * hour, base + (max(a, b) + 1) * hour, RECEIVED + d * day,
                 datasets=("sxi_l3_boundaries",) if named else ())
        for a, b, d, named in releases
    ]  # fmt: skip
    now = RECEIVED + days_after * day
    public = readable_intervals(PUBLIC, holding, records, now=now)
    for lo, hi in public:
        assert holding.start <= lo < hi <= holding.stop
    assert all(a[1] < b[0] for a, b in itertools.pairwise(public))  # disjoint, sorted, merged
    later = readable_intervals(PUBLIC, holding, records, now=now + 30 * day)
    for lo, hi in public:  # nothing once readable closes again
        assert any(a <= lo and hi <= b for a, b in later)
    for user in (SWT, SXI_PI):
        assert readable_intervals(user, holding, records, now=now) == [(holding.start, holding.stop)]
    assert readable_intervals(UVI_PI, holding, records, now=now) == public
