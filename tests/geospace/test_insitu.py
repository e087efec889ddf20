"""Tests of smilekit.geospace.insitu: the plasma and field truth along SMILE's science orbit.

The regions are checked against the public boundary functions (shue1998, jelinek2012_bow_shock) driven
by drivers_at at each sample's nearest valid record (found here with its own code), the values in each
region against the model that owns them, and the crossings against the boundaries' radii.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError, SmilekitError
from smilekit.frames import transform
from smilekit.geospace.boundaries import cartesian_to_angles, jelinek2012_bow_shock, shue1998
from smilekit.geospace.fields import magnetospheric_field
from smilekit.geospace.insitu import crossings, insitu_truth
from smilekit.geospace.magnetosheath import Magnetosheath
from smilekit.mission.orbit import science_orbit
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.events import load_event
from smilekit.solarwind.series import SolarWind
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

QUIET = SolarWindState(n=5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[1, 2, -2] * u.nT, t=1e5 * u.K)


def _orbit(start, hours, step_s, raan_deg):
    times = np.datetime64(start, "ns") + np.arange(0, hours * 3600, step_s).astype("timedelta64[s]")
    position, _ = science_orbit(start, raan=raan_deg * u.deg).state_values(times)
    return transform(position * u.km, times, "GEI", "GSE").to(RE), times


@pytest.fixture(scope="module")
def storm():
    sw = load_event("2003-10-29-halloween")
    start = sw.time.values[0]
    pos, times = _orbit(start, 47, 600, 180.0)
    return sw, pos, times, insitu_truth(pos, times, sw, kp=8.0)


@pytest.fixture(scope="module")
def quiet(storm):
    _, pos, times, _ = storm
    return insitu_truth(pos, times, QUIET, kp=1.0)


def _public_regions(pos_gsm, pdyn, bz):
    """0 / 1 / 2 from the public boundary functions at each sample (cusp not separated)."""
    _, theta, phi = cartesian_to_angles(*pos_gsm.T)
    r = np.linalg.norm(pos_gsm, axis=1)
    r_mp = shue1998(theta * u.rad, phi * u.rad, pdyn=pdyn, bz=bz, warn=False).to_value(RE)
    r_bs = jelinek2012_bow_shock(theta * u.rad, phi * u.rad, pdyn=pdyn, warn=False).to_value(RE)
    return np.where(r >= r_bs, 0, np.where(r >= r_mp, 1, 2)), r, r_mp, r_bs


def _nearest_record_times(sw, times):
    record = sw.time.values[sw.valid()]
    gap = np.abs(times[:, None] - record[None, :])
    return record[np.argmin(gap, axis=1)]


def test_regions_follow_the_public_boundary_models_in_a_storm(storm):
    sw, _, times, truth = storm
    drivers = drivers_at(sw, _nearest_record_times(sw, times))
    expected, _, r_mp, r_bs = _public_regions(truth["position_gsm"].values, drivers["pdyn"], drivers["bz"])
    got = np.minimum(truth["region"].values, 2)  # the cusp (3) lies inside the magnetopause
    assert np.array_equal(got, expected)
    assert set(np.unique(got)) == {0, 1, 2}  # the orbit visits all three
    np.testing.assert_allclose(truth["r_magnetopause"].values, r_mp, rtol=1e-12)
    np.testing.assert_allclose(truth["r_bow_shock"].values, r_bs, rtol=1e-12)


def test_regions_follow_the_public_boundary_models_when_quiet(quiet):
    drivers = drivers_at(QUIET, quiet["time"].values)
    expected, *_ = _public_regions(quiet["position_gsm"].values, drivers["pdyn"], drivers["bz"])
    assert np.array_equal(np.minimum(quiet["region"].values, 2), expected)


def test_the_storm_compresses_the_magnetosphere(storm, quiet):
    """Same orbit: the Halloween wind (Pdyn up to tens of nPa) keeps SMILE outside the magnetopause for
    longer than a quiet 1.6 nPa wind, and the magnetopause stand-off is smaller on average."""
    truth = storm[3]
    inside_storm = np.mean(truth["region"].values >= 2)
    inside_quiet = np.mean(quiet["region"].values >= 2)
    assert inside_storm < inside_quiet
    assert truth["r_magnetopause"].mean() < quiet["r_magnetopause"].mean()


def test_values_in_each_region():
    """One state, three points: the solar wind is the state; the sheath is the Magnetosheath's plasma;
    the magnetosphere is the hot population with IGRF-14 + T89c; alphas at the given ratios."""
    pos = [[20.0, 1.0, 0.0], [12.0, 0.5, 1.0], [6.0, 0.0, 1.0]] * RE
    times = np.array(["2026-03-20T12:00"] * 3, dtype="datetime64[ns]")
    truth = insitu_truth(pos, times, QUIET, kp=3.0, alpha_ratio=0.05, alpha_temperature_ratio=3.0)
    assert truth["region"].values.tolist() == [0, 1, 2]
    np.testing.assert_allclose(truth["n_p"].values[0], 5.0)
    np.testing.assert_allclose(truth["v_gse"].values[0], [-400, 0, 0])
    np.testing.assert_allclose(truth["b_gsm"].values[0], [1, 2, -2], atol=1e-12)
    sheath = Magnetosheath.from_solar_wind(QUIET, tilt=truth["dipole_tilt"].values[1] * u.deg)
    n, speed, t, _ = sheath.plasma_values(*truth["position_gsm"].values[1])
    np.testing.assert_allclose(truth["n_p"].values[1], n, rtol=1e-12)
    np.testing.assert_allclose(truth["t_p"].values[1], t, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(truth["v_gse"].values[1]), speed, rtol=1e-12)
    b = magnetospheric_field(pos[2:], times[2:], kp=3.0)
    np.testing.assert_allclose(truth["b_gse"].values[2], b.value[0], rtol=1e-12)
    np.testing.assert_allclose(truth["n_p"].values[2], 0.3)
    np.testing.assert_allclose(truth["t_p"].values[2], (3 * u.keV).to_value(u.K, u.temperature_energy()))
    np.testing.assert_allclose(truth["n_alpha"].values, 0.05 * truth["n_p"].values)
    np.testing.assert_allclose(truth["t_alpha"].values, 3.0 * truth["t_p"].values)


def test_gse_and_gsm_agree(storm):
    truth = storm[3]
    for name in ("b", "v", "position"):
        gsm = transform(truth[f"{name}_gse"].values, truth["time"].values, "GSE", "GSM")
        np.testing.assert_allclose(gsm, truth[f"{name}_gsm"].values, atol=1e-9)


def test_units_and_attributes(storm):
    truth = storm[3]
    units = {"n_p": "cm^-3", "v_gse": "km/s", "t_p": "K", "b_gsm": "nT", "position_gse": "RE", "region": "1"}
    for name, unit in units.items():
        assert truth[name].attrs["units"] == unit
        assert truth[name].attrs["DEPEND_0"] == "time"
        assert truth[name].attrs["CATDESC"]
    assert truth["b_gse"].dims == ("time", "component")
    assert truth["region"].dtype == np.int8
    assert all(np.isfinite(truth[name].values).all() for name in ("n_p", "t_p", "b_gse", "v_gse"))


def test_crossings_lie_at_the_model_boundaries(storm):
    """Each bow-shock or magnetopause crossing lies within one step of the model boundary: the
    spacecraft's distance to the boundary changes sign between the two samples, by no more than the
    step's change in r plus the boundary's own change (the solar wind moves it)."""
    sw, _, times, truth = storm
    drivers = drivers_at(sw, _nearest_record_times(sw, times))
    _, r, r_mp, r_bs = _public_regions(truth["position_gsm"].values, drivers["pdyn"], drivers["bz"])
    found = crossings(truth)
    assert found.sizes["crossing"] > 0
    step = np.timedelta64(600, "s")
    for k in range(found.sizes["crossing"]):
        when = found["time"].values[k]
        i = int(np.searchsorted(times, when)) - 1  # the sample before
        assert times[i + 1] - times[i] == step and when - times[i] == step / 2
        kind = str(found["boundary"].values[k])
        surface = {"bow shock": r_bs, "magnetopause": r_mp}.get(kind)
        if surface is None:
            continue
        gap = r[i : i + 2] - surface[i : i + 2]
        assert gap[0] * gap[1] <= 0, (kind, when, gap)
        mid = 0.5 * (gap[0] + gap[1])
        assert abs(mid) <= abs(r[i + 1] - r[i]) + abs(surface[i + 1] - surface[i])


def test_crossings_name_the_boundary():
    times = np.arange(6).astype("timedelta64[m]") + np.datetime64("2026-01-01T00:00", "ns")
    truth = xr.Dataset({"region": ("time", np.array([0, 0, 1, 2, 3, 1], np.int8))}, coords={"time": times})
    found = crossings(truth)
    assert found["boundary"].values.tolist() == ["bow shock", "magnetopause", "cusp", "magnetopause"]
    assert found["time"].values[0] == np.datetime64("2026-01-01T00:01:30", "ns")
    np.testing.assert_allclose(found["uncertainty"].values, 30.0)


def test_crossings_need_increasing_times():
    times = np.array(["2026-01-01T00:01", "2026-01-01T00:00"], dtype="datetime64[ns]")
    truth = xr.Dataset({"region": ("time", np.array([0, 1], np.int8))}, coords={"time": times})
    with pytest.raises(InputError, match="strictly increasing"):
        crossings(truth)


def test_a_gap_in_the_solar_wind_is_flagged():
    times = np.datetime64("2026-01-01T00:00", "ns") + np.arange(60).astype("timedelta64[m]")
    n = np.full(60, 5.0)
    n[10:40] = np.nan  # 30 min without solar wind
    sw = SolarWind(
        times,
        n=n * u.cm**-3,
        v_gse=np.tile([-400.0, 0, 0], (60, 1)) * u.km / u.s,
        b_gsm=np.tile([0.0, 0, -3], (60, 1)) * u.nT,
        t=np.full(60, 1e5) * u.K,
        allow_gaps=True,
    )
    pos = np.tile([20.0, 0.0, 0.0], (60, 1)) * RE
    truth = insitu_truth(pos, times, sw)
    flagged = (truth["quality"].values & 1) > 0
    assert flagged.tolist() == [False] * 10 + [False] * 10 + [True] * 10 + [False] * 10 + [False] * 20
    assert np.isfinite(truth["n_p"].values).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"positions_gse": [[20.0, 0.0, 0.0]]}, "positions_gse"),
        ({"positions_gse": [20.0, 0.0, 0.0] * RE}, "shape"),
        ({"positions_gse": [[0.5, 0.0, 0.0]] * RE}, "r >= 1 RE"),
        ({"positions_gse": [[np.nan, 0.0, 0.0]] * RE}, "positions_gse"),
        ({"times": ["2026-01-01", "2026-01-02"]}, "one per position"),
        ({"solar_wind": "quiet"}, "SolarWind"),
        ({"kp": 12.0}, "Kp must lie"),
        ({"alpha_ratio": -0.1}, "alpha_ratio"),
        ({"alpha_temperature_ratio": 0.0}, "alpha_temperature_ratio"),
        ({"hot_density": -1 * u.cm**-3}, "hot_density"),
        ({"hot_temperature": 0 * u.K}, "hot_temperature"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"positions_gse": [[20.0, 0.0, 0.0]] * RE, "times": ["2026-01-01"], "solar_wind": QUIET}
    args.update(kwargs)
    positional = [args.pop(name) for name in ("positions_gse", "times", "solar_wind")]
    with pytest.raises(InputError, match=match):
        insitu_truth(*positional, **args)


def test_times_outside_the_series_are_refused(storm):
    sw = storm[0]
    with pytest.raises(InputError, match="outside the valid solar wind"):
        insitu_truth([[20.0, 0.0, 0.0]] * RE, ["2003-11-05"], sw)


def test_t89_outside_its_fit_is_flagged(storm):
    """Quality bit 2 marks exactly the magnetospheric samples below 4 RE (perigee is at 1.8 RE)."""
    truth = storm[3]
    r = np.linalg.norm(truth["position_gse"].values, axis=1)
    inner = truth["region"].values >= 2
    flagged = (truth["quality"].values & 2) > 0
    assert np.array_equal(flagged, inner & (r < 4.0))
    assert flagged.any()


def test_kp_per_sample():
    """One Kp per sample reaches T89c sample by sample."""
    pos = np.tile([-8.0, 0.0, 2.0], (3, 1)) * RE
    times = np.array(["2026-03-20T12:00"] * 3, dtype="datetime64[ns]")
    truth = insitu_truth(pos, times, QUIET, kp=[0.0, 3.0, 7.0])
    for k, kp in enumerate((0.0, 3.0, 7.0)):
        b = magnetospheric_field(pos[k : k + 1], times[k : k + 1], kp=kp).value[0]
        np.testing.assert_allclose(truth["b_gse"].values[k], b, rtol=1e-12)
    assert truth["kp"].values.tolist() == [0.0, 3.0, 7.0]


def test_a_gse_series_keeps_its_own_imf():
    """OMNI (GSE) event: in the solar wind the truth's B_GSE is the nearest record's own B_GSE, and B_GSM
    is it rotated at the sample's time."""
    sw = load_event("2015-06-21-high-density")
    pos, times = _orbit(sw.time.values[0], 8, 120, 180.0)
    truth = insitu_truth(pos, times, sw)
    upstream = truth["region"].values == 0
    assert upstream.sum() > 10
    record = _nearest_record_times(sw, times[upstream])
    expected = sw.ds["b_gse"].sel(time=record).values
    np.testing.assert_allclose(truth["b_gse"].values[upstream], expected, rtol=1e-12)
    gsm = transform(truth["b_gse"].values, truth["time"].values, "GSE", "GSM")
    np.testing.assert_allclose(gsm, truth["b_gsm"].values, atol=1e-9)


_ODD = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10, 10),
    st.lists(st.floats(-1e3, 1e3), max_size=4),
    st.sampled_from([5 * u.s, [[np.inf, 0.0, 0.0]] * RE, [[1e30, 0.0, 0.0]] * RE, [] * RE, {"a": 1}]),
)
_KEYS = ("positions_gse", "times", "solar_wind", "kp", "alpha_ratio", "alpha_temperature_ratio")
_KEYS += ("hot_density", "hot_temperature", "magnetopause", "bow_shock", "max_record_gap")


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(_KEYS), value=_ODD)
def test_odd_input_gives_a_smilekit_error_or_a_result(key, value):
    """Whatever one argument is, the call returns or raises a SmilekitError (no raw numpy/astropy error,
    no warning: the suite turns warnings into errors)."""
    args = {
        "positions_gse": [[20.0, 0.0, 0.0]] * RE,
        "times": ["2026-01-01"],
        "solar_wind": QUIET,
        key: value,
    }
    positional = [args.pop(name) for name in ("positions_gse", "times", "solar_wind")]
    try:
        truth = insitu_truth(*positional, **args)
    except SmilekitError:
        return
    assert np.isfinite(truth["n_p"].values).all()
