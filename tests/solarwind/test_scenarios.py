"""Tests of smilekit.solarwind.scenarios: the requested parameters appear in the output."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from smilekit.errors import InputError
from smilekit.solarwind.scenarios import (
    J0_FIRST_ZERO,
    cme_sheath_cloud,
    imf_rotation,
    lundquist_field,
    pressure_pulse,
    steady,
)


def test_steady_is_steady():
    sw = steady(
        start="2020-01-01T00:00",
        duration=2 * u.h,
        cadence=5 * u.min,
        n=7 * u.cm**-3,
        v_gse=[-450, 10, -5] * u.km / u.s,
        b_gsm=[1, 2, -3] * u.nT,
        t=2e5 * u.K,
    )
    assert len(sw) == 25
    assert sw.time.values[0] == np.datetime64("2020-01-01T00:00")
    assert sw.time.values[-1] == np.datetime64("2020-01-01T02:00")
    np.testing.assert_array_equal(sw.ds["n"].values, 7.0)
    np.testing.assert_array_equal(sw.ds["v_gse"].values, np.tile([-450.0, 10, -5], (25, 1)))
    np.testing.assert_allclose(sw.ds["b_gsm"].values, np.tile([1.0, 2, -3], (25, 1)), atol=1e-12)
    np.testing.assert_array_equal(sw.ds["t"].values, 2e5)
    np.testing.assert_allclose(sw.pdyn.values, 2e-6 * 7 * (450**2 + 10**2 + 5**2))
    assert "scenario_parameters" in sw.ds.attrs
    assert sw.ds.attrs["scenario"] == "steady"


@settings(max_examples=50, deadline=None)
@given(
    n0=st.floats(1.0, 20.0),
    n_peak=st.floats(0.5, 100.0),
    speed=st.floats(250.0, 900.0),
    rise=st.integers(0, 30),
    hold=st.integers(1, 60),
    decay=st.integers(0, 30),
)
def test_pressure_pulse_peak_equals_requested(n0, n_peak, speed, rise, hold, decay):
    """The plateau is n_peak and Pdyn there is 2e-6 n_peak V^2 (OMNI); raised-cosine ramps never
    overshoot; before the onset and after the decay the background returns."""
    sw = pressure_pulse(
        duration=4 * u.h,
        n=n0 * u.cm**-3,
        n_peak=n_peak * u.cm**-3,
        v_gse=[-speed, 0, 0] * u.km / u.s,
        onset=1 * u.h,
        rise_time=rise * u.min,
        hold=hold * u.min,
        decay_time=decay * u.min,
    )
    n = sw.ds["n"].values
    extreme = n.max() if n_peak >= n0 else n.min()
    assert extreme == pytest.approx(n_peak, rel=1e-12)
    pdyn_extreme = sw.pdyn.values.max() if n_peak >= n0 else sw.pdyn.values.min()
    assert pdyn_extreme == pytest.approx(2e-6 * n_peak * speed**2, rel=1e-12)
    assert (n >= min(n0, n_peak) - 1e-12).all() and (n <= max(n0, n_peak) + 1e-12).all()
    assert n[0] == n0 and n[-1] == pytest.approx(n0)
    plateau = slice(60 + rise, 60 + rise + hold + (1 if decay else 0))  # a step down ends it at once
    np.testing.assert_allclose(n[plateau], n_peak, rtol=1e-12)


def test_pressure_pulse_ramp_midpoint():
    sw = pressure_pulse(n=5 * u.cm**-3, n_peak=25 * u.cm**-3, onset=60 * u.min, rise_time=10 * u.min)
    # halfway up a raised-cosine ramp: (1 - cos(pi/2)) / 2 = 1/2
    assert sw.ds["n"].values[65] == pytest.approx(15.0)


@settings(max_examples=50, deadline=None)
@given(
    clock_start=st.floats(-180.0, 180.0),
    rotation=st.floats(-350.0, 350.0),
    bmag=st.floats(0.5, 50.0),
    bx_fraction=st.floats(-0.9, 0.9),
)
def test_imf_rotation_turns_clock_angle_at_constant_b(clock_start, rotation, bmag, bx_fraction):
    sw = imf_rotation(
        duration=3 * u.h,
        b_magnitude=bmag * u.nT,
        bx=bx_fraction * bmag * u.nT,
        clock_start=clock_start * u.deg,
        rotation=rotation * u.deg,
        onset=1 * u.h,
        rotation_time=30 * u.min,
    )
    np.testing.assert_allclose(sw.b_magnitude.values, bmag, rtol=1e-9)
    np.testing.assert_allclose(sw.ds["b_gsm"].values[:, 0], bx_fraction * bmag, rtol=1e-9, atol=1e-12)
    clock = np.radians(sw.clock_angle.values)
    turned = np.unwrap(clock)
    assert np.degrees(turned[-1] - turned[0]) == pytest.approx(rotation, abs=1e-6)
    # before the onset and after the rotation it stays put
    assert np.ptp(turned[:61]) < 1e-9 and np.ptp(turned[90:]) < 1e-9
    start = np.mod(clock_start, 360.0)
    assert np.degrees(clock[0]) == pytest.approx(start, abs=1e-6) or abs(start - 360.0) < 1e-6


def test_pressure_pulse_without_duration_is_rejected():
    with pytest.raises(InputError, match="both zero"):
        pressure_pulse(hold=0 * u.min, decay_time=0 * u.min)


def test_imf_rotation_rejects_bx_larger_than_b():
    with pytest.raises(InputError, match="exceeds b_magnitude"):
        imf_rotation(b_magnitude=5 * u.nT, bx=6 * u.nT)


def test_lundquist_field_matches_bessel_profile():
    """Lundquist (1950) force-free field on an axis-crossing path: axial B0 J0(x), azimuthal B0 J1(x), with
    x = 2.405 |2f - 1|: at the centre |B| = B0 along the axis, at the edges the field is azimuthal with
    |B| = B0 J1(2.405) = 0.5191 B0 (Abramowitz & Stegun Table 9.5: J1 at the first zero of J0 is 0.5191)."""
    b = lundquist_field(np.array([0.0, 0.25, 0.5, 0.75, 1.0]), 20.0)
    np.testing.assert_allclose(b[2], [0.0, 20.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(b[0], [0.0, 0.0, -20 * 0.519147], atol=1e-4)
    np.testing.assert_allclose(b[4], [0.0, 0.0, 20 * 0.519147], atol=1e-4)
    x = J0_FIRST_ZERO * 0.5
    np.testing.assert_allclose(b[1], [0, 20 * special.j0(x), -20 * special.j1(x)])
    # leading north, axis -Y: mirror images
    c = lundquist_field(np.array([0.25]), 20.0, leading_bz="north", axis_y=-1)
    np.testing.assert_allclose(c[0], [0, -20 * special.j0(x), 20 * special.j1(x)])
    with pytest.raises(InputError, match="leading_bz"):
        lundquist_field([0.5], 1.0, leading_bz="east")


def test_cme_structure_has_the_requested_jumps_and_cloud():
    sw = cme_sheath_cloud(
        duration=40 * u.h,
        n=5 * u.cm**-3,
        v_gse=[-400, 0, 0] * u.km / u.s,
        b_gsm=[0, 3, -1] * u.nT,
        shock_at=4 * u.h,
        density_jump=3.0,
        speed_jump=250 * u.km / u.s,
        field_jump=2.5,
        t_sheath=4e5 * u.K,
        sheath_duration=10 * u.h,
        cloud_duration=20 * u.h,
        cloud_b0=25 * u.nT,
        cloud_n=2 * u.cm**-3,
        cloud_t=2e4 * u.K,
    )
    ds = sw.ds
    minute = 60  # samples per hour
    up, sheath, cloud_mid, after = 3 * minute, 8 * minute, 24 * minute, 36 * minute
    assert ds["n"].values[up] == 5.0 and ds["n"].values[sheath] == 15.0
    assert sw.speed.values[up] == 400.0 and sw.speed.values[sheath] == 650.0
    np.testing.assert_allclose(ds["b_gsm"].values[sheath], [0, 7.5, -2.5], atol=1e-12)
    assert ds["t"].values[sheath] == 4e5
    # the cloud: |B| = B0 at its centre, axial (+Y); Bz south then north; cool and tenuous
    np.testing.assert_allclose(ds["b_gsm"].values[cloud_mid], [0, 25.0, 0], atol=1e-9)
    assert sw.b_magnitude.values.max() == pytest.approx(25.0)
    cloud = slice(14 * minute, 34 * minute + 1)
    bz = ds["b_gsm"].values[cloud, 2]
    assert (bz[: len(bz) // 2 - 1] < 0).all() and (bz[len(bz) // 2 + 1 :] > 0).all()
    assert (ds["n"].values[cloud] == 2.0).all() and (ds["t"].values[cloud] == 2e4).all()
    assert sw.speed.values[cloud_mid] == 650.0
    # the shock is one-sample sharp
    assert ds["n"].values[4 * minute - 1] == 5.0 and ds["n"].values[4 * minute] == 15.0
    # afterwards the upstream wind
    np.testing.assert_allclose(ds["b_gsm"].values[after], [0, 3, -1], atol=1e-12)
    assert ds["n"].values[after] == 5.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 5.0}, "unitless"),
        ({"n": -1 * u.cm**-3}, "n must be > 0"),
        ({"n": np.nan * u.cm**-3}, "NaN"),
        ({"duration": 10}, "unitless"),
        ({"cadence": 2 * u.h, "duration": 1 * u.h}, "at least two samples"),
        ({"b_gsm": [1, 2] * u.nT}, "shape"),
    ],
)
def test_scenario_bad_input(kwargs, message):
    with pytest.raises(InputError, match=message):
        steady(**kwargs)


def test_cme_bad_ratio():
    with pytest.raises(InputError, match="density_jump"):
        cme_sheath_cloud(density_jump=0.5)
    with pytest.raises(InputError, match="density_jump"):
        cme_sheath_cloud(density_jump="3")
