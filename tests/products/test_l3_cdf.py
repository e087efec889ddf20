"""The L3 CDF: ISTP compliance by spacepy's independent checks, a lossless round trip, the quality bits."""

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.products.l3_cdf import QUALITY_BITS, l3_dataset, write_l3_cdf
from smilekit.science.estimates import CuspEstimate, MagnetopauseEstimate, failed_magnetopause
from smilekit.units import RE

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")
cdflib = pytest.importorskip("cdflib")

T0 = np.datetime64("2026-03-20T12:02:30", "ns")
STEP = np.timedelta64(5, "m")
TIMES = T0 + STEP * np.arange(3)


def mp(method, r0, sigma, t, status="ok"):
    if status != "ok":
        return failed_magnetopause(method, status, t)
    return MagnetopauseEstimate(method, r0 * RE, sigma * RE, status, {}, t)


def cusp(t, eq, pw, sigma=0.5, status="ok", hemisphere="north"):
    nan = np.nan * u.deg
    if status != "ok":
        return CuspEstimate(hemisphere, nan, nan, nan, nan, 8.0 * RE, status, t)
    return CuspEstimate(hemisphere, eq * u.deg, pw * u.deg, sigma * u.deg, sigma * u.deg, 8.0 * RE, status, t)


@pytest.fixture()
def records():
    estimates = [
        [mp("max_intensity", 9.1, 0.3, TIMES[0]), mp("boundary_fitting_jorgensen", 9.3, 0.1, TIMES[0])],
        [
            mp("max_intensity", 0, 0, TIMES[1], "no edge found"),
            mp("boundary_fitting_jorgensen", 8.7, 0.8, TIMES[1]),
        ],
        [mp("boundary_fitting_jorgensen", 10.2, 0.2, TIMES[2])],  # max_intensity not run
    ]
    cusps = [
        cusp(TIMES[0], 70.0, 74.0),
        cusp(TIMES[1], 0, 0, status="no cusp found"),
        cusp(TIMES[2], 71, 75, 3.0),
    ]
    kwargs = {
        "sc_position": [[6, 0, 18], [6, 0, 17.9], [3, 2, 14]] * RE,
        "flux": [8e8, 3e8, 8e8] * u.cm**-2 / u.s,
        "sun_angle": [60.0, 25.0, 60.0] * u.deg,
    }
    return estimates, cusps, kwargs


def test_istp_checks_of_spacepy_pass(records, tmp_path):
    estimates, cusps, kwargs = records
    path = write_l3_cdf(tmp_path / "smile_l3_sxi_20260320_v01.cdf", estimates, cusps, **kwargs)
    with pycdf.CDF(str(path)) as cdf:
        assert list(istp.FileChecks.all(cdf)) == []
        assert cdf["Epoch"].type() == pycdf.const.CDF_TIME_TT2000.value


def test_round_trip(records, tmp_path):
    estimates, cusps, kwargs = records
    path = write_l3_cdf(tmp_path / "smile_l3_sxi_20260320_v01.cdf", estimates, cusps, **kwargs)
    cdf = cdflib.CDF(str(path))
    np.testing.assert_array_equal(cdflib.cdfepoch.to_datetime(cdf.varget("Epoch")), TIMES)
    fill = -1e31
    np.testing.assert_array_equal(cdf.varget("r0_boundary_fitting_jorgensen"), [9.3, 8.7, 10.2])
    np.testing.assert_array_equal(cdf.varget("r0_sigma_boundary_fitting_jorgensen"), [0.1, 0.8, 0.2])
    np.testing.assert_array_equal(cdf.varget("r0_max_intensity"), [9.1, fill, fill])
    np.testing.assert_array_equal(cdf.varget("cusp_north_equatorward"), [70.0, fill, 71.0])
    np.testing.assert_array_equal(cdf.varget("cusp_north_poleward_sigma"), [0.5, fill, 3.0])
    np.testing.assert_allclose(cdf.varget("sc_distance"), [np.hypot(6, 18), np.hypot(6, 17.9), np.sqrt(209)])
    assert cdf.varattsget("r0_max_intensity")["UNITS"] == "RE"
    assert cdf.varattsget("r0_max_intensity")["METHOD"] == "max_intensity"
    assert cdf.varattsget("cusp_north_poleward")["REFERENCE_DISTANCE_RE"] == 8.0
    assert cdf.globalattsget()["Methods"] == ["max_intensity, boundary_fitting_jorgensen"]


def test_quality_bits(records):
    estimates, cusps, kwargs = records
    ds = l3_dataset(estimates, cusps, **kwargs)
    assert set(QUALITY_BITS) == {1, 2, 4, 8, 16}
    # record 0: good; 1: flux below the requirement (2) and Sun at 25 deg (4); 2: spacecraft within 15 RE (2)
    np.testing.assert_array_equal(ds["quality_boundary_fitting_jorgensen"], [0, 2 | 4 | 8, 2])  # 0.8 RE > 0.5
    np.testing.assert_array_equal(ds["quality_max_intensity"], [0, 1 | 2 | 4, 1 | 2])  # no answer; not run
    # cusp sigma 3 deg at 8 RE = 0.42 RE > 0.25 RE
    np.testing.assert_array_equal(ds["quality_cusp_north"], [0, 1 | 2 | 4, 2 | 8])
    unassessed = l3_dataset(estimates)
    np.testing.assert_array_equal(unassessed["quality_boundary_fitting_jorgensen"], [16, 16 | 8, 16])
    assert "cusp_north_poleward" not in unassessed and np.isnan(unassessed["sc_distance"]).all()


def test_bad_input(records):
    estimates, cusps, _ = records
    with pytest.raises(InputError, match="non-empty"):
        l3_dataset([])
    with pytest.raises(InputError, match="share one time"):
        l3_dataset([[estimates[0][0], estimates[1][1]]])
    with pytest.raises(InputError, match="increasing"):
        l3_dataset([estimates[1], estimates[0]])
    with pytest.raises(InputError, match="two estimates"):
        l3_dataset([[estimates[0][0], estimates[0][0]]])
    with pytest.raises(InputError, match="one element per record"):
        l3_dataset(estimates, cusps[:2])
    with pytest.raises(InputError, match="sc_position"):
        l3_dataset(estimates, sc_position=[[6, 0, 18]] * RE)
