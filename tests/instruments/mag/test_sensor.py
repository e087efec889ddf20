"""The MAG sensor model and configuration: invariants of the dipole, axes, digitisation and the inverse."""

from __future__ import annotations

import dataclasses

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.instruments.mag import MAGConfig, gradiometer_gains, true_calibration
from smilekit.instruments.mag.calibration import calibrate_values, gradiometer_values
from smilekit.instruments.mag.sensor import (
    INT32_FILL,
    axes_values,
    coupling_values,
    digitise_values,
    dipole_field_values,
    spacecraft_field_values,
    switching_values,
)

V = MAGConfig().values
finite = st.floats(-1.0, 1.0, allow_nan=False)


def test_dipole_on_axis_and_equator():
    """Axial field 2 x 100 m / r^3 nT, equatorial -100 m / r^3 nT (mu0/4pi = 1e-7 T m/A; Jackson eq. 5.56)."""
    m = np.array([0.0, 0.0, 2.0])  # A m^2
    np.testing.assert_allclose(dipole_field_values(m, np.array([0.0, 0.0, 2.0])), [0, 0, 2 * 100 * 2 / 8])
    np.testing.assert_allclose(dipole_field_values(m, np.array([2.0, 0.0, 0.0])), [0, 0, -100 * 2 / 8])


@settings(max_examples=50, deadline=None)
@given(st.tuples(finite, finite, finite), st.tuples(finite, finite, finite), st.floats(0.5, 10.0))
def test_dipole_falls_as_r_cubed_along_a_line(m, direction, r):
    """The premise of the gradiometer: along a line through the centre, B(2r) = B(r) / 8, same direction."""
    d = np.array(direction)
    if np.linalg.norm(d) < 1e-3:
        return
    d = d / np.linalg.norm(d)
    b1 = dipole_field_values(np.array(m), r * d)
    b2 = dipole_field_values(np.array(m), 2 * r * d)
    np.testing.assert_allclose(b2 * 8.0, b1, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5)))
def test_axes_are_unit_vectors_with_the_stated_angles(angles):
    e = axes_values(np.array(angles))
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-12)
    # Y is 90 deg - u1 from X; Z leans u2 towards X and u3 towards Y
    np.testing.assert_allclose(np.degrees(np.arcsin(e[0] @ e[1])), angles[0], atol=1e-9)
    np.testing.assert_allclose(np.degrees(np.arcsin(e[2, 0])), angles[1], atol=1e-9)
    np.testing.assert_allclose(np.degrees(np.arcsin(e[2, 1])), angles[2], atol=1e-9)


def test_digitisation_step_saturation_and_fill():
    lsb, bits = V.lsb_nt, V.adc_bits
    assert lsb == pytest.approx(25600 / 2**20)
    readings = np.array(
        [[0.3 * lsb, 1.6 * lsb, -2.4 * lsb], [12799.0, 0, 0], [0, -12800.5, 0], [np.nan, 0, 0]]
    )
    counts, saturated = digitise_values(readings, lsb, bits)
    np.testing.assert_array_equal(counts[0], [0, 2, -2])
    assert counts[1, 0] == round(12799.0 / lsb)  # inside the range: a number
    assert counts[2, 1] == -(2**19)  # beyond: the end code
    np.testing.assert_array_equal(saturated, [False, False, True, False])
    np.testing.assert_array_equal(counts[3], [INT32_FILL] * 3)


@settings(max_examples=50, deadline=None)
@given(st.tuples(st.floats(-12000, 12000), st.floats(-12000, 12000), st.floats(-12000, 12000)))
def test_calibration_inverts_the_sensor_exactly(b):
    """Without noise, the true calibration maps a reading back to the body-frame field within a step."""
    cal = true_calibration().values
    for k in range(2):
        b_sensor = V.mount[k].T @ np.array(b)
        reading = coupling_values(V.scale[k], V.angles_deg[k]) @ b_sensor + V.offset_nt[k]
        counts, _ = digitise_values(reading[None, :], V.lsb_nt, V.adc_bits)
        back = calibrate_values(counts * V.lsb_nt, k, cal)[0]
        np.testing.assert_allclose(back, b, atol=V.lsb_nt)


@settings(max_examples=50, deadline=None)
@given(
    st.tuples(finite, finite, finite), st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(-50, 50))
)
def test_gradiometer_removes_any_centred_dipole(m, b0):
    """Ness et al. (1971): two sensors on a line through the dipole give B0 exactly, for any moment."""
    positions = V.distance_m[:, None] * V.boom_body
    sc = dipole_field_values(np.array(m), positions)
    b_in, b_out = (np.array(b0) + sc[0])[None], (np.array(b0) + sc[1])[None]
    est, sc_out = gradiometer_values(b_in, b_out, *V.distance_m)
    np.testing.assert_allclose(est[0], b0, atol=1e-9)
    np.testing.assert_allclose(sc_out[0], sc[1], atol=1e-9)
    k_in, k_out = gradiometer_gains(*V.distance_m)
    assert k_out - k_in == pytest.approx(1.0)  # a common error passes unchanged


def test_spacecraft_field_switches_with_its_period():
    t = np.datetime64("2026-03-20T00:00:00", "ns") + np.arange(0, 1200, 100) * np.timedelta64(1, "s")
    on = switching_values(t, 600.0)  # 2026-03-20T00:00 is a whole number of 600 s from 2000-01-01
    np.testing.assert_array_equal(on, [1, 1, 1, 0, 0, 0] * 2)
    sc = spacecraft_field_values(t, V)
    assert sc.shape == (12, 2, 3)
    # the outboard sensor sees less of the static dipole than the inboard one: (r1/r2)^3
    off = sc[3]
    static_ratio = np.linalg.norm(off[1]) / np.linalg.norm(off[0])
    assert static_ratio == pytest.approx((2.7 / 3.5) ** 3, rel=1e-12)
    assert not np.allclose(sc[0], sc[3])


def test_config_defaults_and_sources():
    cfg = MAGConfig()
    assert cfg.range == 12800 * u.nT  # seed chapter sec. 3.4
    assert float(np.diff(cfg.sensor_distance.to_value(u.m))[0]) == pytest.approx(0.8)  # ESA: 80 cm apart
    assert np.allclose(V.mount @ np.swapaxes(V.mount, 1, 2), np.eye(3))
    assert MAGConfig.resolve(None).values.rate_hz == 32.0
    assert "vector_rate" in repr(cfg)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"sensor_distance": [3.5, 2.7] * u.m}, "inboard < outboard"),
        ({"range": 12800.0}, "Quantity"),
        ({"adc_bits": 40}, "adc_bits"),
        ({"scale": np.array([[1, 1, -1], [1, 1, 1.0]])}, "scale"),
        ({"mount": np.ones((2, 3, 3))}, "rotation"),
        ({"boom_direction": (0.0, 2.0, 0.0)}, "unit vector"),
        ({"nonorthogonality": [[20, 0, 0], [0, 0, 0]] * u.deg}, "10 deg"),
        ({"noise": -1 * u.nT}, "noise"),
    ],
)
def test_config_refuses_bad_values(change, match):
    with pytest.raises(InputError, match=match):
        dataclasses.replace(MAGConfig(), **change)
    with pytest.raises(InputError, match="MAGConfig"):
        MAGConfig.resolve("default")
