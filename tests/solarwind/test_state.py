"""SolarWindState and the derived-quantity kernels it shares with the time series."""

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smilekit import InputError
from smilekit.solarwind import SolarWindState, derived


def make_state(**kwargs):
    values = {
        "n": 5 * u.cm**-3,
        "v_gse": [-400.0, 0.0, 0.0] * u.km / u.s,
        "b_gsm": [0.0, 0.0, -5.0] * u.nT,
        "t": 1e5 * u.K,
    }
    values.update(kwargs)
    return SolarWindState(**values)


def test_pdyn_follows_the_omni_definition():
    # OMNI2 format description, word 29: P (nPa) = 2e-6 Np V^2 when Na/Np is not measured.
    state = make_state()
    assert state.pdyn.to_value(u.nPa) == pytest.approx(2e-6 * 5 * 400**2, rel=1e-12)  # 1.6 nPa


def test_flux_is_n_times_v_in_cm2_per_second():
    # n V = 5 cm^-3 x 4e7 cm/s = 2e8 cm^-2 s^-1; SXI's requirement threshold is 4.9e8
    # (:cite:`branduardiraymont2022`, sec. 3.1).
    assert make_state().flux.to_value(u.cm**-2 / u.s) == pytest.approx(2e8, rel=1e-12)


def test_magnetic_pressure_of_5_nT():
    # B^2 / 2 mu0 with B = 5 nT: (5e-9)^2 / (2 * 4 pi 1e-7) Pa = 9.947e-12 Pa = 0.009947 nPa.
    assert make_state().pm.to_value(u.nPa) == pytest.approx(25e-18 / (8e-7 * np.pi) * 1e9, rel=1e-9)


def test_alfven_speed_reference_value():
    # v_A = B / sqrt(mu0 n m_p) = 21.8 km/s x B[nT] / sqrt(n[cm^-3]) (e.g. Baumjohann & Treumann 1996).
    assert derived.alfven_speed(1.0, 1.0) == pytest.approx(21.81, abs=0.01)
    state = make_state()
    assert state.alfven_mach.value == pytest.approx(400 / (21.812 * 5 / np.sqrt(5)), rel=1e-3)


@pytest.mark.parametrize(
    ("by", "bz", "expected"), [(0, 5, 0), (5, 0, 90), (0, -5, 180), (-5, 0, 270), (3, 3, 45)]
)
def test_clock_angle_quadrants(by, bz, expected):
    assert derived.clock_angle(by, bz) == pytest.approx(expected)


def test_newell_coupling_for_due_southward_imf():
    # Newell et al. (2007) Eq. 2: with By = 0, Bz < 0, theta_c = 180 deg and sin(90 deg) = 1,
    # so dPhi/dt = V^(4/3) |Bz|^(2/3).
    assert derived.newell_coupling(400.0, 0.0, -5.0) == pytest.approx(400 ** (4 / 3) * 5 ** (2 / 3))
    assert derived.newell_coupling(400.0, 0.0, 5.0) == pytest.approx(0.0, abs=1e-9)


@given(
    st.floats(-30, 30, allow_nan=False),
    st.floats(-30, 30, allow_nan=False),
    st.floats(250, 1000, allow_nan=False),
)
def test_newell_coupling_is_symmetric_in_by_and_grows_southward(by, bz, v):
    assert derived.newell_coupling(v, by, bz) == pytest.approx(derived.newell_coupling(v, -by, bz))
    assert derived.newell_coupling(v, by, -abs(bz)) >= derived.newell_coupling(v, by, abs(bz)) - 1e-9


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n", 5.0, "must be an astropy Quantity"),
        ("n", -5 * u.cm**-3, "must be > 0"),
        ("t", np.nan * u.K, "NaN"),
        ("v_gse", [-400, 0] * u.km / u.s, "shape"),
    ],
)
def test_bad_input_raises_input_error(field, value, message):
    with pytest.raises(InputError, match=message):
        make_state(**{field: value})


def test_series_input_is_pointed_to_the_time_series_class():
    with pytest.raises(InputError, match="SolarWind for time series"):
        make_state(n=[1, 2] * u.cm**-3)
