"""Tests of smilekit.solarwind.gaps: regular cadence, linear interpolation of short gaps, flags."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.solarwind import SolarWind, load_event
from smilekit.solarwind.gaps import fill_gaps, regularize

T0 = np.datetime64("2015-06-22T00:00", "ns")
MINUTE = np.timedelta64(60, "s")


def _linear(size=30, missing=(), *, times=None):
    """n, V, B and T linear in time (so linear interpolation must be exact), NaN at ``missing``."""
    time = T0 + np.arange(size) * MINUTE if times is None else times
    s = (time - T0) / MINUTE
    n = 5.0 + 0.5 * s
    v = np.stack([-400.0 - 2 * s, 1.0 * s, -0.5 * s], axis=1)
    b = np.stack([0.1 * s, 3.0 - 0.2 * s, -5.0 + 0.3 * s], axis=1)
    t = 1e5 + 1e3 * s
    truth = {"n": n.copy(), "v_gse": v.copy(), "b_gse": b.copy(), "b_gsm": b.copy(), "t": t.copy()}
    idx = list(missing)
    n[idx] = np.nan
    v[idx, 1] = np.nan  # one component missing makes the record missing
    b[idx] = np.nan
    t[idx] = np.nan
    bb = b.copy()
    sw = SolarWind(
        time,
        n=n * u.cm**-3,
        v_gse=v * u.km / u.s,
        b_gse=b * u.nT,
        b_gsm=bb * u.nT,
        t=t * u.K,
        allow_gaps=True,
    )
    return sw, truth


def test_short_gap_interpolated_exactly_for_linear_data():
    sw, truth = _linear(missing=[10, 11, 12])  # measurements at 9 and 13: a 4-min gap
    out = fill_gaps(sw, max_gap=5 * u.min)
    for name, values in truth.items():
        np.testing.assert_allclose(out.ds[name].values, values, rtol=1e-12, err_msg=name)
    quality = out.ds["quality"].values
    assert quality[10:13].tolist() == [1, 1, 1]
    assert (quality[:10] == 0).all() and (quality[13:] == 0).all()
    attrs = out.ds["quality"].attrs
    assert (attrs["count_measured"], attrs["count_interpolated"], attrs["count_missing"]) == (27, 3, 0)
    assert attrs["flag_meanings"] == "measured interpolated missing"
    assert out.fill_counts["n"] == 0
    assert out.ds.attrs["n_interpolated"] == 3


def test_long_gap_stays_nan_and_flagged():
    sw, _ = _linear(missing=range(5, 16))  # 12-min gap
    out = fill_gaps(sw, max_gap=np.timedelta64(10, "m"))
    assert np.isnan(out.ds["n"].values[5:16]).all()
    assert (out.ds["quality"].values[5:16] == 2).all()
    assert out.ds["quality"].attrs["count_missing"] == 11
    assert out.fill_counts["n"] == 11
    # the same gap is short enough for a 12-min limit (gap length = time between the measurements)
    assert fill_gaps(sw, max_gap="12min").ds["quality"].attrs["count_missing"] == 0
    assert fill_gaps(sw, max_gap="11min").ds["quality"].attrs["count_missing"] == 11


def test_gaps_at_the_ends_are_never_extrapolated():
    sw, _ = _linear(missing=[0, 1, 29])
    out = fill_gaps(sw, max_gap=1 * u.h)
    assert out.ds["quality"].values[[0, 1, 29]].tolist() == [2, 2, 2]
    assert np.isnan(out.ds["n"].values[[0, 1, 29]]).all()


def test_regularize_makes_left_out_records_explicit():
    keep = np.array([0, 1, 2, 5, 6, 9])
    sw, _ = _linear(times=T0 + keep * MINUTE)
    reg = regularize(sw, 1 * u.min)
    assert len(reg) == 10
    assert reg.fill_counts["n"] == 4
    np.testing.assert_array_equal(np.isnan(reg.ds["n"].values), ~np.isin(np.arange(10), keep))
    filled = fill_gaps(sw, max_gap="3min", cadence="1min")
    # the 3-min gap (2 -> 5) is filled exactly, the 3-min gap (6 -> 9) too; nothing is missing
    np.testing.assert_allclose(filled.ds["n"].values, 5.0 + 0.5 * np.arange(10))
    assert filled.ds["quality"].values.tolist() == [0, 0, 0, 1, 1, 0, 0, 1, 1, 0]


def test_regularize_nearest_within_tolerance():
    times = T0 + np.array([0, 62, 118, 185], dtype="timedelta64[s]")
    sw, truth = _linear(times=times)
    reg = regularize(sw, "1min")
    # grid 0, 60, 120, 180: each record is within 30 s of one grid time; values are not interpolated
    np.testing.assert_allclose(reg.ds["n"].values, truth["n"])
    assert reg.time.values[-1] == T0 + np.timedelta64(180, "s")
    strict = regularize(sw, "1min", tolerance="1s")
    assert strict.fill_counts["n"] == 3


def _jittered(size, jitter_ms, step_ms=16_000):
    """Times at a nominal ``step_ms`` plus ``jitter_ms`` (ms), from 00:00:27.689 (ACE propagated to Earth)."""
    offset = np.arange(size) * step_ms + np.asarray(jitter_ms)
    return T0 + np.timedelta64(27_689, "ms") + offset.astype("timedelta64[ms]")


def test_regularize_irregular_records_keeps_the_last_one():
    """16-s records with +-0.4 s of jitter and ms fractions, the last one 0.3 s early against the first:
    the grid ran from the first record to one step short of the last and dropped it (the issue's "ends
    one grid point before the track built from it"). Every record now has its own grid time, the grid
    ends at the last record's nearest one, and the values are the records' own."""
    rng = np.random.default_rng(13)
    jitter = rng.integers(-400, 401, 200)
    jitter[0], jitter[-1] = 150, -150
    times = _jittered(200, jitter)
    sw, truth = _linear(times=times)
    reg = regularize(sw, "16s")
    grid = reg.time.values
    assert len(reg) == 200
    assert grid[0] == times[0]
    assert grid[-1] == times[0] + 199 * np.timedelta64(16, "s")
    assert times[0] <= times[-1] <= grid[-1]  # the grid spans the first to the last record
    assert np.abs(grid - times).max() <= np.timedelta64(800, "ms")
    for name in ("n", "v_gse", "b_gse", "t"):
        np.testing.assert_array_equal(reg.ds[name].values, truth[name], err_msg=name)
    filled = fill_gaps(reg, max_gap="10min")
    assert filled.ds["quality"].attrs["count_measured"] == 200
    assert filled.at(grid[-1]).n == truth["n"][-1] * u.cm**-3


def test_regularize_ends_at_the_grid_time_nearest_the_last_record_within_tolerance():
    """Grid 0, 60, 120 s; the last record at 165 s is 15 s from the next grid time (180 s): on the grid
    with the default tolerance (30 s) or 20 s, not with 10 s (then 165 s is near no grid time, like any
    record that far). A last record at 145 s has 120 s as its nearest grid time, whatever the tolerance:
    the grid ends there (120 s takes its own record, the nearer one), not at 180 s."""
    sw, truth = _linear(times=T0 + np.array([0, 60, 120, 165], dtype="timedelta64[s]"))
    for tolerance, size in ((None, 4), ("20s", 4), ("10s", 3)):
        reg = regularize(sw, "1min", tolerance=tolerance)
        assert len(reg) == size, tolerance
        if size == 4:
            assert reg.time.values[-1] == T0 + np.timedelta64(180, "s")
            assert reg.ds["n"].values[-1] == truth["n"][-1]
    sw, truth = _linear(times=T0 + np.array([0, 60, 120, 145], dtype="timedelta64[s]"))
    reg = regularize(sw, "1min", tolerance="50s")
    assert reg.time.values[-1] == T0 + np.timedelta64(120, "s")
    np.testing.assert_array_equal(reg.ds["n"].values, truth["n"][:3])


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(2, 60),
    step_s=st.integers(1, 120),
    seed=st.integers(0, 2**32 - 1),
)
def test_regularize_keeps_every_jittered_record_once(size, step_s, seed):
    """Records within a quarter step of a regular grid: one grid time per record, in order, with the
    record's values; the grid starts at the first record and ends within half a step of the last."""
    rng = np.random.default_rng(seed)
    step_ms = 1000 * step_s
    jitter = rng.integers(-(step_ms // 4) + 1, step_ms // 4, size)
    times = _jittered(size, jitter, step_ms)
    sw, truth = _linear(size, times=times)
    reg = regularize(sw, np.timedelta64(step_s, "s"))
    assert len(reg) == size
    grid = reg.time.values
    assert grid[0] == times[0]
    assert abs(grid[-1] - times[-1]) <= np.timedelta64(step_ms // 2, "ms")
    np.testing.assert_array_equal(reg.ds["n"].values, truth["n"])


def test_bundled_regular_events_are_unchanged_and_halloween_keeps_its_last_record():
    """The 1-min OMNI events are regular: the grid ends at their last record exactly, as before. The
    Halloween file (16-17 s spacing, ACE and Geotail propagated) ends at 00:17:02, 9 s after the last whole
    16-s step from its first record: it now ends on the next grid time (00:17:09) with that last record."""
    for name, end in (
        ("2015-06-21-high-density", "2015-06-24T23:41"),
        ("2006-12-14-cme", "2006-12-15T23:59"),
    ):
        sw = load_event(name)
        reg = regularize(sw, "1min")
        assert reg.time.values[-1] == sw.time.values[-1] == np.datetime64(end)
        assert len(reg) == (sw.time.values[-1] - sw.time.values[0]) // MINUTE + 1
    sw = load_event("2003-10-29-halloween")
    reg = regularize(sw, "16s")
    assert sw.time.values[-1] == np.datetime64("2003-10-31T00:17:02")
    assert reg.time.values[-1] == np.datetime64("2003-10-31T00:17:09")
    np.testing.assert_array_equal(reg.ds["b_gsm"].values[-1], sw.ds["b_gsm"].values[-1])
    assert reg.ds["n"].values[-1] == sw.ds["n"].values[-1] == 7.4


def test_default_event_regularized_counts():
    """Event07 keeps 3742 records (SOURCES.md, file header) in the 4842 minutes from its first record
    (06-21 15:00) to its last (06-24 23:41); regularizing makes the 1100 left-out minutes NaN. (The
    header's 4861 initial points ran to 06-25 00:00; the last 19 minutes have no record at all.)"""
    sw = load_event()
    reg = regularize(sw, "1min")
    span = int((sw.time.values[-1] - sw.time.values[0]) / MINUTE) + 1
    assert len(reg) == span == 4842
    assert reg.fill_counts["n"] == span - 3742
    out = fill_gaps(reg, max_gap="10min")
    q = out.ds["quality"].attrs
    assert q["count_measured"] == 3742
    assert q["count_measured"] + q["count_interpolated"] + q["count_missing"] == span


def test_bad_max_gap():
    sw, _ = _linear()
    with pytest.raises(InputError, match="unitless"):
        fill_gaps(sw, max_gap=10)
    with pytest.raises(InputError, match="max_gap"):
        fill_gaps(sw, max_gap=-5 * u.min)
    with pytest.raises(InputError, match="max_gap"):
        fill_gaps(sw, max_gap=5 * u.nT)


@settings(max_examples=60, deadline=None)
@given(
    missing=st.sets(st.integers(0, 39), max_size=25),
    max_gap_min=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
)
def test_fill_gaps_properties(missing, max_gap_min, seed):
    """Measured values never change; interpolated values lie between their neighbours; the flags add up;
    filling twice changes nothing; a gap is filled iff its bracketing measurements are <= max_gap apart."""
    rng = np.random.default_rng(seed)
    size = 40
    time = T0 + np.arange(size) * MINUTE
    n = rng.uniform(1.0, 50.0, size)
    n[list(missing)] = np.nan
    sw = SolarWind(
        time,
        n=n * u.cm**-3,
        v_gse=np.tile([-400.0, 0, 0], (size, 1)) * u.km / u.s,
        b_gse=np.tile([0, 0, -5.0], (size, 1)) * u.nT,
        b_gsm=np.tile([0, 0, -5.0], (size, 1)) * u.nT,
        t=np.full(size, 1e5) * u.K,
        allow_gaps=True,
    )
    out = fill_gaps(sw, max_gap=max_gap_min * u.min)
    filled = out.ds["n"].values
    quality = out.ds["quality"].values
    measured = ~np.isnan(n)
    np.testing.assert_array_equal(filled[measured], n[measured])
    assert (quality[measured] == 0).all()
    valid = np.flatnonzero(measured)
    for i in np.flatnonzero(~measured):
        before, after = valid[valid < i], valid[valid > i]
        inside = before.size and after.size and (after[0] - before[-1]) <= max_gap_min
        if inside:
            lo, hi = sorted((n[before[-1]], n[after[0]]))
            assert lo - 1e-9 <= filled[i] <= hi + 1e-9
            assert quality[i] == 1
        else:
            assert np.isnan(filled[i])
            assert quality[i] == 2
    attrs = out.ds["quality"].attrs
    assert attrs["count_measured"] + attrs["count_interpolated"] + attrs["count_missing"] == size
    again = fill_gaps(out, max_gap=max_gap_min * u.min)
    np.testing.assert_array_equal(again.ds["n"].values, filled)
    np.testing.assert_array_equal(again.ds["quality"].values, quality)
