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
