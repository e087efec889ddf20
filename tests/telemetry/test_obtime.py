"""On-board time <-> UTC: leap seconds through astropy, drift, jumps flagged, round trips to a tick."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from astropy.time import Time
from hypothesis import given
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.telemetry.obtime import TIME_EXTRAPOLATED, TIME_JUMP, TimeCorrelation

TICK_NS = 1e9 / 65536


def test_ideal_clock_counts_tai_since_1958():
    # the ideal clock reads TAI seconds since 1958-01-01 TAI: compare with astropy directly
    t = np.array(["2026-03-20T12:00:00"], dtype="datetime64[ns]")
    coarse, fine = TimeCorrelation.ideal().obt_from_utc(t)
    ref = (Time("2026-03-20T12:00:00", scale="utc").tai - Time("1958-01-01", scale="tai")).to_value(u.s)
    assert int(coarse[0]) == round(ref) and int(fine[0]) == 0


def test_leap_second_2016():
    # a leap second was inserted at the end of 2016-12-31 (TAI-UTC 36 -> 37 s): two UTC instants one UTC
    # second apart across it are two seconds of on-board time apart
    tct = TimeCorrelation.ideal()
    c, _ = tct.obt_from_utc(np.array(["2016-12-31T23:59:59", "2017-01-01T00:00:00"], dtype="datetime64[ns]"))
    assert int(c[1] - c[0]) == 2
    back, q = tct.utc_from_obt(c, 0)
    assert back.astype(str).tolist() == ["2016-12-31T23:59:59.000000000", "2017-01-01T00:00:00.000000000"]
    assert not q.any()


def test_drift_and_rows():
    # a clock running slow: g = 1.00001 s of TAI per second of on-board time from row 1; UTC of OBT x is
    # row UTC + (x - x0) g (no leap second in between). Row 2 lies where row 1 predicts it:
    # 199000 s x 1.00001 = 199001.99 s = 2 d 07:16:41.99 after row 1, so the table has no jump.
    tct = TimeCorrelation([1000.0, 200000.0] * u.s, ["2026-01-01T00:00", "2026-01-03T07:16:41.99"],
                          [1.00001, 1.0])  # fmt: skip
    assert tct.jumps == []
    utc, q = tct.utc_from_obt([1000 + 86400], 0)
    expected = np.datetime64("2026-01-01T00:00", "ns") + np.timedelta64(86400_864_000_000, "ns")
    assert utc[0] == expected and q[0] == 0
    utc, q = tct.utc_from_obt([200000 + 10], 0)  # from row 2 on, g = 1
    assert utc[0] == np.datetime64("2026-01-03T07:16:51.99", "ns")
    c, f = tct.obt_from_utc(np.array([expected]))
    assert (int(c[0]), int(f[0])) == (87400, 0)


def test_jump_is_flagged_not_smoothed():
    # row 2 lies 5 s away from what row 1 predicts: a jump; the times around it carry TIME_JUMP
    tct = TimeCorrelation([0.0, 1000.0, 2000.0] * u.s,
                          ["2026-01-01T00:00:00", "2026-01-01T00:16:45", "2026-01-01T00:33:25"])  # fmt: skip
    assert [j["row"] for j in tct.jumps] == [1]
    assert tct.jumps[0]["offset_s"] == pytest.approx(5.0)
    utc, q = tct.utc_from_obt([500, 1500, 2500], 0)
    # each time converted with its own row: no smoothing across the jump
    assert utc.astype(str).tolist() == ["2026-01-01T00:08:20.000000000", "2026-01-01T00:25:05.000000000",
                                        "2026-01-01T00:41:45.000000000"]  # fmt: skip
    assert q.tolist() == [TIME_JUMP, TIME_JUMP, 0]
    utc, q = tct.utc_from_obt([-1], 0)  # before the first row: extrapolated, and next to the jump
    assert q[0] == TIME_EXTRAPOLATED | TIME_JUMP
    utc, q = TimeCorrelation([10.0] * u.s, ["2026-01-01"]).utc_from_obt([9, 10], 0)
    assert q.tolist() == [TIME_EXTRAPOLATED, 0]
    assert utc[0] == np.datetime64("2025-12-31T23:59:59", "ns")


def test_bad_tables_refused():
    with pytest.raises(InputError, match="increase"):
        TimeCorrelation([10.0, 5.0] * u.s, ["2026-01-01", "2026-01-02"])
    with pytest.raises(InputError, match="gradient"):
        TimeCorrelation([10.0] * u.s, ["2026-01-01"], [1.5])
    with pytest.raises(InputError):
        TimeCorrelation([10.0], ["2026-01-01"])  # unitless


@given(st.integers(0, 10**17), st.floats(0.9999, 1.0001))
def test_round_trip_within_half_a_tick(ns, gradient):
    tct = TimeCorrelation([3.0e8] * u.s, ["2020-06-01T00:00:00"], [gradient])
    t = np.datetime64("2020-06-01T00:00:00", "ns") + np.timedelta64(ns % (10**16), "ns")
    c, f = tct.obt_from_utc(np.array([t]))
    back, _ = tct.utc_from_obt(c, f)
    assert abs(int((back[0] - t).astype(np.int64))) <= TICK_NS / 2 + 2


@given(st.integers(0, 2**40))
def test_tick_grid_is_exact(ticks):
    # on-board times -> UTC -> on-board times is exact (UTC in ns resolves a 15.3 us tick)
    tct = TimeCorrelation.ideal()
    c0, f0 = 1_900_000_000 + ticks // 65536, ticks % 65536
    utc, _ = tct.utc_from_obt([c0], [f0])
    c, f = tct.obt_from_utc(utc)
    assert (int(c[0]), int(f[0])) == (c0, f0)


def test_far_future_and_before_1972():
    # beyond the leap-second table the last TAI - UTC holds (no warning); before 1972 is refused
    tct = TimeCorrelation.ideal()
    c, f = tct.obt_from_utc(np.array(["2045-06-01T00:00:00"], dtype="datetime64[ns]"))
    assert tct.utc_from_obt(c, f)[0][0] == np.datetime64("2045-06-01T00:00:00", "ns")
    with pytest.raises(InputError, match="1972"):
        tct.obt_from_utc(np.array(["1965-01-01"], dtype="datetime64[ns]"))
