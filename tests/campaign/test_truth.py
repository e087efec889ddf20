"""The truth of an evaluation case: upstream state, tilt, Shue et al. 1998 stand-off, cusp truth, attitude."""

import math

import astropy.units as u
import numpy as np
import pytest

from smilekit.campaign.cases import CASE_COLUMNS, as_case
from smilekit.campaign.truth import case_truth
from smilekit.frames import dipole_tilt
from smilekit.science.cusps import true_cusp_edges

ROW = dict(
    zip(CASE_COLUMNS, "c1,2026-03-20T12:00:00,6,0,17,7.5,0,0,20,400,0,2,-2,300,1".split(","), strict=True)
)


def test_truth_of_a_case_row():
    seen = {}

    def cusp_truth(state, time):
        seen["time"] = time
        return math.radians(70.0) * u.rad, 75.0 * u.deg

    truth = case_truth(ROW, cusp_truth=cusp_truth)
    state = truth.state
    assert state.n.to_value(u.cm**-3) == 20.0
    np.testing.assert_allclose(state.v_gse.to_value(u.km / u.s), [-400.0, 0.0, 0.0])
    np.testing.assert_allclose(state.b_gsm.to_value(u.nT), [0.0, 2.0, -2.0])
    assert seen["time"] == np.datetime64("2026-03-20T12:00:00", "ns")
    assert truth.tilt.to_value(u.deg) == pytest.approx(dipole_tilt(seen["time"]).to_value(u.deg))
    # Shue et al. (1998) Eq. 13: r0 = (10.22 + 1.29 tanh(0.184 (Bz + 8.14))) Dp^(-1/6.6), OMNI's 2e-6 n v^2
    pdyn = 2e-6 * 20.0 * 400.0**2
    assert truth.r0 == pytest.approx((10.22 + 1.29 * math.tanh(0.184 * (-2.0 + 8.14))) * pdyn ** (-1 / 6.6))
    assert truth.cusp_equatorward == pytest.approx(70.0) and truth.cusp_poleward == 75.0


def test_attitude_looks_at_the_aim_point_with_the_long_axis_towards_the_earth():
    truth = case_truth(ROW, cusp_truth=lambda state, time: (np.nan * u.deg, np.nan * u.deg))
    rotation = truth.rotation
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(3), atol=1e-12)
    sc, aim = np.array([6.0, 0.0, 17.0]), np.array([7.5, 0.0, 0.0])
    boresight = (aim - sc) / np.linalg.norm(aim - sc)
    np.testing.assert_allclose(rotation[:, 2], boresight, atol=1e-12)
    assert rotation[:, 0] @ (-sc) > 0.0  # body X (the long axis) leans towards the Earth
    assert math.isnan(truth.cusp_poleward)


def test_default_cusp_truth_is_the_geospace_model():
    case = as_case(ROW)
    truth = case_truth(case)
    equatorward, poleward = true_cusp_edges(truth.state, case.time)
    np.testing.assert_equal(
        [truth.cusp_equatorward, truth.cusp_poleward],
        [equatorward.to_value(u.deg), poleward.to_value(u.deg)],
    )


def test_truth_image_of_the_compiled_emissivity_matches_the_array_path():
    # The compiled SWCX emissivity (SWCXEmissivity.evaluate) against its array path (plasma_values with
    # central-difference normals: the code the truth images were made with before it) through the
    # same adaptive integration, on a shipped case at 0.5 deg: within 1e-6 of the peak pixel (required:
    # 0.5 %; measured 5e-10 at 0.25 deg over 24 shipped cases).
    from types import SimpleNamespace

    from smilekit._data import data_path
    from smilekit.campaign.cases import SHIPPED_CASES, read_cases
    from smilekit.instruments.sxi import intensity_map
    from smilekit.units import RE

    case = read_cases(data_path(SHIPPED_CASES))[0][2]
    truth = case_truth(case)
    assert truth.source._compiled() is not None  # the truth takes the compiled path
    array_path = SimpleNamespace(evaluate=truth.source._evaluate_arrays)
    kw = {"rotation": truth.rotation, "time": case.time, "pixel": 0.5 * u.deg}
    fast = intensity_map(truth.source, case.sc * RE, case.aim * RE, **kw).values
    reference = intensity_map(array_path, case.sc * RE, case.aim * RE, **kw).values
    assert reference.max() > 10.0  # a bright sheath in view
    assert np.abs(fast - reference).max() <= 1e-6 * reference.max()
