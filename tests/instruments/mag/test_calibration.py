"""MAG end to end: simulate -> L1 -> L2 against the truth, where the gradiometer holds and where it fails.

Settings of every test here unless it says otherwise: the defaults of :class:`MAGConfig` (32 vectors/s,
0.05 nT rms white noise per axis and sample, 20-bit digitisation over +-12 800 nT, a 1.37 A m^2 static
spacecraft dipole and a 0.24 A m^2 source switched every 300 s 0.72 m off the boom line, sensors at 2.7 and
3.5 m) and a ground calibration drawn with its stated 1-sigma errors (0.1 nT offsets, 1e-4 scale,
0.005 deg angles). The requirement is the seed chapter's accuracy, 2.0 nT (:cite:`branduardiraymont2022`,
sec. 3.4), taken here as the largest error of any one vector, not an rms.
"""

from __future__ import annotations

import dataclasses

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit.errors import InputError
from smilekit.instruments.mag import (
    L2_QUALITY,
    MAGConfig,
    ground_calibration,
    make_l1,
    make_l2,
    simulate_mag,
    true_calibration,
)
from smilekit.instruments.mag.calibration import calibrate_values
from smilekit.instruments.mag.l2 import (
    INBOARD_MISSING,
    INBOARD_SATURATED,
    NO_DATA,
    OUTBOARD_MISSING,
    OUTBOARD_SATURATED,
    SC_FIELD_NOT_REMOVED,
    SINGLE_SENSOR,
)
from smilekit.mission import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude
from smilekit.units import RE

START, STOP = "2026-03-20T06:00", "2026-03-20T07:00"
ACCURACY_NT = 2.0


@pytest.fixture(scope="module")
def att():
    """The three-axis attitude along the science orbit (SXI at the nose), one sample a minute."""
    track = kepler_track(science_orbit("2026-03-20"), sample_times(START, STOP, 60 * u.s))
    return attitude(track, [10.0, 0.0, 0.0] * RE)


def truth(kind: str) -> xr.DataArray:
    t = np.arange(np.datetime64(START, "ns"), np.datetime64(STOP, "ns") + 1, np.timedelta64(1, "s"))
    s = (t - t[0]).astype(np.int64) * 1e-9
    if kind == "constant":  # a steady IMF, 5.6 nT
        b = np.tile([-3.0, 4.0, 2.5], (t.size, 1))
    else:  # a field of 8 nT turning in the GSE Y-Z plane once in 15 min, Bx = -2 nT
        phase = 2 * np.pi * s / 900.0
        b = np.column_stack([np.full(t.size, -2.0), 8 * np.cos(phase), 8 * np.sin(phase)])
    return xr.DataArray(
        b, dims=("time", "component"), coords={"time": t}, attrs={"units": "nT", "frame": "GSE"}
    )


def errors(l2, raw):
    return np.linalg.norm(l2["b_gse"].values - raw["b_true_gse"].values, axis=1)


@pytest.mark.parametrize("kind", ["constant", "rotating"])
def test_l2_within_2_nT_of_the_truth_in_the_solar_wind(att, kind):
    raw = simulate_mag(truth(kind), att, 11)
    assert raw.sizes["time"] == 3600 * 32 + 1
    l2 = make_l2(make_l1(raw), att, ground_calibration(rng=5))
    assert (l2["quality"] == 0).all()
    err = errors(l2, raw)
    assert err.max() < ACCURACY_NT, (
        err.max()
    )  # measured: 0.93 nT both (rms 0.46); 0.62-1.11 nT over seeds 0-19
    # GSM holds the same vector: the magnitude is frame-independent
    np.testing.assert_allclose(
        np.linalg.norm(l2["b_gsm"].values, axis=1), l2["b_magnitude"].values, rtol=1e-12
    )


def test_the_outboard_sensor_alone_misses_the_requirement(att):
    """Without the gradiometer, the spacecraft's field at 3.5 m (2.5 to 5 nT) breaks the 2 nT accuracy."""
    raw = simulate_mag(truth("constant"), att, 11)
    l1 = make_l1(raw)
    cal = ground_calibration(rng=5).values
    from smilekit.mission.pointing import body_to_gse_values

    body = calibrate_values(l1["b_outboard"].values, 1, cal)
    gse = np.einsum("nij,nj->ni", body_to_gse_values(att, raw["time"].values), body)
    err = np.linalg.norm(gse - raw["b_true_gse"].values, axis=1)
    assert err.min() > ACCURACY_NT  # measured: 3.1 to 4.0 nT


def test_noise_propagates_as_the_ness_gains_predict(att):
    """With the true calibration and no off-boom source, the residual is the sensor noise (and the
    digitisation, step^2/12) scaled by sqrt(k_in^2 + k_out^2) = 2.034: measured per axis within 3 %."""
    cfg = dataclasses.replace(MAGConfig(), varying_moment=[0.0, 0.0, 0.0] * u.A * u.m**2)
    raw = simulate_mag(truth("constant"), att, 3, config=cfg)
    l2 = make_l2(make_l1(raw, cfg), att, true_calibration(cfg))
    v = cfg.values
    expected = np.sqrt(v.noise_nt**2 + v.lsb_nt**2 / 12) * np.hypot(0.8487, 1.8487)
    residual = l2["b_gse"].values - raw["b_true_gse"].values
    np.testing.assert_allclose(residual.std(axis=0), expected, rtol=0.03)
    # unbiased: the mean within 5 standard errors of zero (white noise, N = 115 201)
    np.testing.assert_allclose(residual.mean(axis=0), 0.0, atol=5 * expected / np.sqrt(residual.shape[0]))


def test_an_outboard_offset_error_enters_with_gain_r2_cubed_over_the_difference():
    """An outboard X offset calibrated 1 nT too high makes the outboard sensor X read 1 nT low; sensor X is
    body -Y, which is GSE -Y with a fixed identity attitude, so GSE Y rises by r2^3/(r2^3 - r1^3) = 1.849 nT
    (the error formula of the calibration module, after Ness et al. 1971). Tolerance 0.03 nT: without noise
    the digitisation error of a constant field (up to half a step, 0.012 nT) is a bias, times 1.85."""
    cfg = dataclasses.replace(MAGConfig(), noise=0.0 * u.nT, varying_moment=[0.0, 0.0, 0.0] * u.A * u.m**2)
    raw = simulate_mag(truth("constant"), np.eye(3), 1, config=cfg)
    exact = true_calibration(cfg)
    offset = exact.offset.copy()
    offset[1, 0] += 1.0 * u.nT
    wrong = dataclasses.replace(exact, offset=offset)
    d = make_l2(make_l1(raw, cfg), np.eye(3), wrong)["b_gse"].values - raw["b_true_gse"].values
    np.testing.assert_allclose(d.mean(axis=0), [0.0, 1.8487, 0.0], atol=0.03)


def test_where_it_fails_a_switched_source_near_the_boom():
    """The gradiometer assumes one source at the dipole centre on the boom line. A 0.3 A m^2 source switched
    on 1 m along the boom (near the boom root) leaves up to several nT: flagged by nothing, a limit of the
    method that the mission's magnetic cleanliness must prevent (measured: median 3.6 nT, up to 4.5 nT)."""
    cfg = dataclasses.replace(
        MAGConfig(),
        varying_moment=[0.3, 0.3, 0.3] * u.A * u.m**2,
        varying_position=[0.0, -1.0, 0.0] * u.m,
    )
    raw = simulate_mag(truth("constant"), np.eye(3), 1, config=cfg)
    err = errors(make_l2(make_l1(raw, cfg), np.eye(3), true_calibration(cfg)), raw)
    assert err.max() > ACCURACY_NT


def earth_dipole_pass() -> xr.DataArray:
    """A 1-h radial pass, 1.3 to 3 RE at 30 deg latitude, through a 30 000 nT centred dipole (GSE = body)."""
    t = np.arange(np.datetime64(START, "ns"), np.datetime64(STOP, "ns") + 1, np.timedelta64(10, "s"))
    r = np.linspace(1.3, 3.0, t.size)
    rhat = np.array([np.cos(np.radians(30)), 0.0, np.sin(np.radians(30))])
    m = np.array([0.0, 0.0, -1.0])
    b = 30000.0 / r[:, None] ** 3 * (3 * (m @ rhat) * rhat - m)
    return xr.DataArray(b, dims=("time", "component"), coords={"time": t}, attrs={"units": "nT"})


def test_saturation_beyond_12800_nT_is_flagged_and_never_a_number():
    raw = simulate_mag(earth_dipole_pass(), np.eye(3), 2)
    l1 = make_l1(raw)
    l2 = make_l2(l1, np.eye(3), ground_calibration(rng=5))
    peak = np.abs(raw["b_true_gse"].values).max(axis=1)  # the mount permutes the axes: same components
    beyond, inside = peak > 12800 + 60, peak < 12800 - 60  # 60 nT: offsets, scale (0.3 %), spacecraft
    assert beyond.sum() > 1000 and inside.sum() > 1000
    q = l2["quality"].values
    for bit in (INBOARD_SATURATED, OUTBOARD_SATURATED, NO_DATA):
        assert ((q[beyond] & bit) > 0).all()
        assert ((q[inside] & bit) == 0).all()
    assert np.isnan(l2["b_gse"].values[beyond]).all() and np.isnan(l2["b_gsm"].values[beyond]).all()
    assert (l1["flag_outboard"].values[beyond] == 1).all()
    err = errors(l2, raw)[inside]
    # inside the range the scale errors (1e-4, times the gain 1.85) dominate near 12 800 nT
    assert (err < ACCURACY_NT + 5e-4 * np.linalg.norm(raw["b_true_gse"].values[inside], axis=1)).all()


def test_a_missing_sensor_gives_a_flagged_single_sensor_field(att):
    raw = simulate_mag(truth("constant"), att, 11)
    l1 = make_l1(raw)
    half = l1.sizes["time"] // 2
    l1["b_inboard"][half:] = np.nan  # the inboard sensor stops half way
    l1["flag_inboard"][half:] = 2
    l2 = make_l2(l1, att, ground_calibration(rng=5))
    q = l2["quality"].values
    assert (q[:half] == 0).all()
    assert (q[half:] == INBOARD_MISSING | SINGLE_SENSOR).all()
    err = errors(l2, raw)
    assert err[half:].max() < ACCURACY_NT  # the static field from the dual half: measured 0.86 nT
    assert np.isfinite(l2["sc_field_body"].values).all()


def test_a_sensor_missing_throughout_leaves_the_spacecraft_field_flagged(att):
    raw = simulate_mag(truth("constant"), att, 11, failed="outboard")
    l1 = make_l1(raw)
    assert (l1["flag_outboard"] == 2).all() and np.isnan(l1["b_outboard"]).all()
    l2 = make_l2(l1, att, ground_calibration(rng=5))
    assert (l2["quality"] == OUTBOARD_MISSING | SC_FIELD_NOT_REMOVED).all()
    assert errors(l2, raw).min() > ACCURACY_NT  # the inboard sensor sees 6.9 to 8.5 nT of spacecraft field
    both = l1.copy(deep=True)
    both["b_inboard"][:] = np.nan
    both["flag_inboard"][:] = 2
    l2 = make_l2(both, att, ground_calibration(rng=5))
    assert ((l2["quality"].values & NO_DATA) > 0).all() and np.isnan(l2["b_gse"]).all()
    assert set(L2_QUALITY) == {1, 2, 4, 8, 16, 32, 64}


def test_bad_input_is_refused(att):
    b = truth("constant")
    with pytest.raises(InputError, match="Quantity"):
        simulate_mag(b.values, att, 1, time=b["time"].values)
    with pytest.raises(InputError, match="NaN"):
        simulate_mag(b.where(b["time"] != b["time"][5]), att, 1)
    with pytest.raises(InputError, match="GSE"):
        simulate_mag(b.assign_attrs(frame="GSM"), att, 1)
    with pytest.raises(InputError, match="increasing"):
        simulate_mag(b.isel(time=slice(None, None, -1)), att, 1)
    with pytest.raises(InputError, match="units"):
        simulate_mag(b.assign_attrs(units=None).drop_attrs(), att, 1)
    late = b.assign_coords(time=b["time"].values + np.timedelta64(2, "h"))
    with pytest.raises(InputError, match="span"):
        simulate_mag(late, att, 1)
    with pytest.raises(InputError, match="failed"):
        simulate_mag(b, att, 1, failed="middle")
    with pytest.raises(InputError, match="seed"):
        simulate_mag(b, att, 1.5)
    with pytest.raises(InputError, match="rotation"):
        simulate_mag(b, np.ones((3, 3)), 1)
    broken = dataclasses.replace(att, rotation=att.rotation.copy())
    broken.rotation[10] = np.nan
    with pytest.raises(InputError, match="undefined"):
        simulate_mag(b, broken, 1)
    raw = simulate_mag(b.isel(time=slice(0, 3)), att, 1)
    with pytest.raises(InputError, match="simulate_mag"):
        make_l1(raw.drop_vars("counts_inboard"))
    with pytest.raises(InputError, match="MAGCalibration"):
        make_l2(make_l1(raw), att, None)
    with pytest.raises(InputError, match="make_l1"):
        make_l2(raw, att, true_calibration())


def test_a_quantity_truth_is_the_same_as_a_dataarray(att):
    b = truth("rotating").isel(time=slice(0, 120))
    from_array = simulate_mag(b, att, 7)
    from_quantity = simulate_mag(b.values * u.nT, att, 7, time=b["time"].values)
    xr.testing.assert_identical(from_array, from_quantity)
    in_pt = simulate_mag((b * 1000.0).assign_attrs(units="pT"), att, 7)  # another unit, converted
    np.testing.assert_allclose(in_pt["b_true_gse"].values, from_array["b_true_gse"].values, rtol=1e-12)
    # the truth is sampled at 32 Hz from its first to its last time
    assert from_array.sizes["time"] == 119 * 32 + 1
    np.testing.assert_array_equal(np.diff(from_array["time"].values), np.timedelta64(31_250_000, "ns"))
