"""Auroral oval boundaries (smilekit.science.aurora): the threshold definition and the model's ovals.

Published statistics the model's boundaries are checked against (tolerances stated per test):
- quiet-time midnight equatorward edge of the oval ~65-67 deg (Feldstein & Starkov 1967,
  :cite:`feldstein1967`); the 0.25 erg cm^-2 s^-1 edge includes the diffuse aurora, which reaches 1-3 deg
  further equatorward, hence the accepted 62-67 deg;
- storm-time expansion: the Bastille Day storm (Dst about -300 nT on 2000-07-15/16) pushed the midnight
  oval's equatorward edge to about 55 deg or below; accepted 50-57 deg at the storm's peak coupling;
- the equatorward edge moves equatorward as the driving grows (Carbary 2005, :cite:`carbary2005`: about
  1 deg per Kp step): over the year 2000 the midnight edge is anti-correlated with the coupling.
"""

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit._data import data_path
from smilekit.errors import InputError
from smilekit.science.aurora import (
    ENERGY_FLUX_THRESHOLD,
    FLAG_EDGE,
    FLAG_FOUND,
    FLAG_NONE,
    LBH_THRESHOLD,
    field_boundaries,
    model_boundaries,
)
from smilekit.solarwind import SolarWind, read_omni2

MLAT = np.arange(50.25, 90.0, 0.5)
MLT = np.arange(96) / 4 + 0.125


@pytest.fixture(scope="module")
def omni2000():
    return read_omni2(data_path("omni/omni2_2000.dat"))


def _field(profile, units="erg cm^-2 s^-1"):
    values = np.broadcast_to(np.asarray(profile, float)[:, None], (MLAT.size, MLT.size)).copy()
    return xr.DataArray(
        values, dims=("mlat", "mlt"), coords={"mlat": MLAT, "mlt": MLT}, attrs={"units": units}
    )


def test_gaussian_oval_crossings_are_where_the_profile_meets_the_threshold():
    # exact crossings of 0.25 for exp(-x^2/8): 67 -/+ 2 sqrt(2 ln 4) = 67 -/+ 3.330; linear interpolation
    # between bin centres 0.5 deg apart is within 0.05 deg of them
    b = field_boundaries(_field(np.exp(-0.5 * ((MLAT - 67.0) / 2.0) ** 2)), ENERGY_FLUX_THRESHOLD)
    assert b.sizes["mlt"] == 24 and np.allclose(b["mlt"], np.arange(24) + 0.5)
    half = 2.0 * np.sqrt(2.0 * np.log(4.0))
    np.testing.assert_allclose(b["equatorward_mlat"], 67.0 - half, atol=0.05)
    np.testing.assert_allclose(b["poleward_mlat"], 67.0 + half, atol=0.05)
    assert (b["equatorward_flag"] == FLAG_FOUND).all() and (b["poleward_flag"] == FLAG_FOUND).all()


def test_no_flux_single_bin_spikes_and_grid_edges_are_flagged_not_numbers():
    none = field_boundaries(_field(np.full(MLAT.size, 0.1)), ENERGY_FLUX_THRESHOLD)
    assert np.isnan(none["equatorward_mlat"]).all() and (none["equatorward_flag"] == FLAG_NONE).all()
    spikes = np.full(MLAT.size, 0.1)
    spikes[[0, 60]] = 3.0  # single 0.5-deg bins: noise, not oval
    assert (field_boundaries(_field(spikes), ENERGY_FLUX_THRESHOLD)["poleward_flag"] == FLAG_NONE).all()
    low = np.where(MLAT < 60.0, 1.0, 0.0)  # the oval runs off the grid's equatorward edge
    b = field_boundaries(_field(low), ENERGY_FLUX_THRESHOLD)
    assert (b["equatorward_flag"] == FLAG_EDGE).all() and np.isnan(b["equatorward_mlat"]).all()
    assert (b["poleward_flag"] == FLAG_FOUND).all()


def test_a_patch_far_from_the_oval_is_not_oval_but_a_double_oval_is():
    oval = np.exp(-0.5 * ((MLAT - 70.0) / 2.0) ** 2)
    patch = oval + 0.4 * (np.abs(MLAT - 55.0) < 1.0)
    b = field_boundaries(_field(patch), ENERGY_FLUX_THRESHOLD)
    assert float(b["equatorward_mlat"][0]) > 66.0
    double = oval + np.exp(-0.5 * ((MLAT - 63.5) / 1.0) ** 2)  # 1.5 deg gap below the threshold
    assert float(field_boundaries(_field(double), ENERGY_FLUX_THRESHOLD)["equatorward_mlat"][0]) < 62.0


def test_brightness_uses_the_same_definition_through_the_lbh_yield():
    # 125 R per erg cm^-2 s^-1 (fuv_emission.LBHL_YIELD): 0.25 erg -> 31.25 R
    assert LBH_THRESHOLD.to_value(LBH_THRESHOLD.unit) == pytest.approx(31.25)
    flux = np.exp(-0.5 * ((MLAT - 67.0) / 2.0) ** 2)
    a = field_boundaries(_field(flux), ENERGY_FLUX_THRESHOLD)
    b = field_boundaries(_field(125.0 * flux, units="R"), LBH_THRESHOLD)
    np.testing.assert_array_equal(a["equatorward_mlat"], b["equatorward_mlat"])
    with pytest.raises(InputError, match="threshold"):
        field_boundaries(_field(flux, units="R"), ENERGY_FLUX_THRESHOLD)


def test_bastille_day_midnight_edge_expands_and_recovers(omni2000):
    quiet = np.arange(np.datetime64("2000-07-13T00"), np.datetime64("2000-07-13T06"), np.timedelta64(1, "h"))
    storm = np.arange(np.datetime64("2000-07-15T20"), np.datetime64("2000-07-16T01"), np.timedelta64(1, "h"))
    after = np.arange(np.datetime64("2000-07-17T00"), np.datetime64("2000-07-18T00"), np.timedelta64(1, "h"))
    midnight = [23.5, 0.5]
    eq = {
        name: model_boundaries(t, omni2000)["equatorward_mlat"].sel(mlt=midnight).mean("mlt")
        for name, t in (("quiet", quiet), ("storm", storm), ("after", after))
    }
    # quiet: 62-67 deg (Feldstein oval 65-67 plus the diffuse aurora); measured 63.8-64.5
    assert 62.0 <= float(eq["quiet"].min()) and float(eq["quiet"].max()) <= 67.0
    # storm peak: 50-57 deg (Bastille Day expansion to ~55 deg at Dst ~ -300 nT); measured 53.5
    assert 50.0 <= float(eq["storm"].min()) <= 57.0
    assert float(eq["quiet"].mean()) - float(eq["storm"].min()) >= 6.0
    # recovered by 2000-07-17: back within 2 deg of the quiet day
    assert float(eq["after"].min()) >= 62.0
    assert abs(float(eq["after"].mean()) - float(eq["quiet"].mean())) <= 2.0


def test_edge_follows_the_coupling_over_the_year(omni2000):
    t = omni2000.time.values[4::6]
    b = model_boundaries(t, omni2000)
    eq = b["equatorward_mlat"].sel(mlt=[23.5, 0.5]).mean("mlt").values
    dphi = b["coupling"].values
    ok = np.isfinite(eq)
    rank = lambda x: np.argsort(np.argsort(x))  # noqa: E731
    rho = np.corrcoef(rank(eq[ok]), rank(dphi[ok]))[0, 1]
    assert rho < -0.9  # measured -0.99 (Spearman); the edge moves equatorward with the driving
    assert b["equatorward_mlat"].dims == ("time", "mlt") and b["equatorward_mlat"].attrs["units"] == "deg"
    assert (b["electron_power"] > 0).all() and b["electron_power"].attrs["units"] == "GW"


def test_times_outside_the_series_or_after_a_long_gap_are_refused(omni2000):
    with pytest.raises(InputError, match=r"model_boundaries.*outside the solar wind series"):
        model_boundaries(["2001-01-02T00:00"], omni2000)
    t = np.datetime64("2000-01-01T00:00") + np.array([0, 1, 8, 9]) * np.timedelta64(1, "h")
    v = np.tile([-400.0, 0.0, 0.0], (4, 1)) * u.km / u.s
    bfield = np.tile([0.0, 0.0, -5.0], (4, 1)) * u.nT
    sw = SolarWind(
        t, n=np.full(4, 5.0) * u.cm**-3, v_gse=v, b_gse=bfield, b_gsm=bfield, t=np.full(4, 1e5) * u.K
    )
    with pytest.raises(InputError, match=r"longer than the averaging window.*2000-01-01T06:00"):
        model_boundaries([np.datetime64("2000-01-01T06:00")], sw)


# --- from a UVI level-2 map: the same definition, with uncertainties and coverage -----------------
def _l2(flux_profile, err_r, *, seen=None, seed=0):
    """A synthetic L2 map: 125 R per erg of ``flux_profile`` on every MLT bin, noise ``err_r`` R per bin."""
    from smilekit.geospace.fuv_emission import LBHL_YIELD

    y = LBHL_YIELD.to_value("Rayleigh cm2 s / erg")
    b = y * flux_profile[:, None] * np.ones(MLT.size)
    b = b + np.random.default_rng(seed).normal(0.0, err_r, b.shape) if err_r > 0 else b
    if seen is not None:
        b = np.where(seen, b, np.nan)
    dims = ("mlat", "mlt")
    return xr.Dataset(
        {
            "brightness": (dims, b, {"units": "R"}),
            "brightness_err": (dims, np.where(np.isfinite(b), max(err_r, 1e-9), np.nan), {"units": "R"}),
        },
        coords={"mlat": MLAT, "mlt": MLT},
        attrs={
            "mlat_bin_width": 0.5,
            "mlt_bin_width": 0.25,
            "altitude_km": 120.0,
            "time": "2000-07-15T00:00",
        },
    )


def test_image_boundaries_are_the_model_definition_in_brightness():
    from smilekit.science.aurora import image_boundaries

    flux = np.exp(-0.5 * ((MLAT - 67.0) / 2.0) ** 2)  # 1 erg peak at 67 deg: edges 63.7 and 70.3 deg
    truth = field_boundaries(_field(flux), ENERGY_FLUX_THRESHOLD)
    noiseless = image_boundaries(_l2(flux, 0.0))
    np.testing.assert_allclose(noiseless["equatorward_mlat"], truth["equatorward_mlat"].values[0], atol=1e-9)
    np.testing.assert_allclose(noiseless["poleward_mlat"], truth["poleward_mlat"].values[0], atol=1e-9)
    # with 5 R of noise per bin (1.25 R per 1-h sector mean), the boundaries scatter by about their errors
    noisy = [image_boundaries(_l2(flux, 5.0, seed=s)) for s in range(20)]
    eq = np.array([n["equatorward_mlat"].values for n in noisy])
    err = np.array([n["equatorward_mlat_err"].values for n in noisy])
    assert np.all(np.isfinite(eq)) and np.all(err > 0)
    ratio = eq.std() / np.median(err)  # measured 0.88 (scatter 0.083 deg, median error 0.095 deg)
    assert 0.6 < ratio < 1.6, ratio
    assert abs(eq.mean() - float(truth["equatorward_mlat"].values[0])) < 0.05


def test_image_boundaries_flag_what_the_frame_did_not_see():
    from smilekit.science.aurora import FLAG_UNSEEN, image_boundaries

    flux = np.exp(-0.5 * ((MLAT - 67.0) / 2.0) ** 2)
    seen = np.ones((MLAT.size, MLT.size), bool)
    seen[:, :8] = False  # MLT 0-2 h not seen at all
    seen[MLAT < 64.5, 40:44] = False  # MLT 10-11 h seen only poleward of 64.5 deg: its equatorward edge cut
    b = image_boundaries(_l2(flux, 0.0, seen=seen))
    assert b["equatorward_flag"].values[0] == FLAG_UNSEEN and b["poleward_flag"].values[1] == FLAG_UNSEEN
    assert b["equatorward_flag"].values[10] == FLAG_UNSEEN and np.isnan(b["equatorward_mlat"].values[10])
    assert b["poleward_flag"].values[10] == FLAG_FOUND  # the poleward edge was seen
    assert b["equatorward_flag"].values[12] == FLAG_FOUND and b["sector_coverage"].values[0] == 0.0
    # the share of the sector's bins seen: MLT 10-11 h lacks its 29 rows below 64.5 deg of 80
    np.testing.assert_allclose(b["sector_coverage"].values[[10, 12]], [51 / 80, 1.0])
    seen[:, 48:51] = False  # of MLT 12-13 h, only its last quarter-hour bin seen
    assert image_boundaries(_l2(flux, 0.0, seen=seen))["sector_coverage"].values[12] == 0.25


def test_the_dayglow_amplitudes_error_is_one_draw_for_every_bin():
    """The L2's ``dayglow_err`` (an error of the dayglow amplitude, the same in every bin) does not average
    down: 4 R of it in every bin shift a 1-h sector's mean (4 MLT bins) by 4 R, as 8 R of independent noise
    per bin would; in the power it adds coherently over the bins seen."""
    from smilekit.geospace.fuv_emission import LBHL_YIELD
    from smilekit.geospace.precipitation import bin_area
    from smilekit.science.aurora import image_boundaries, image_hemispheric_power

    flux = np.exp(-0.5 * ((MLAT - 67.0) / 2.0) ** 2)
    common = _l2(flux, 0.0)
    common["brightness_err"][:] = 4.0
    common["dayglow_err"] = common["brightness_err"].copy()
    independent = _l2(flux, 0.0)
    independent["brightness_err"][:] = 8.0
    a, b = image_boundaries(common), image_boundaries(independent)
    for name in ("equatorward_mlat_err", "poleward_mlat_err"):
        np.testing.assert_allclose(a[name], b[name], rtol=1e-12)
        assert np.all(a[name] > 0)
    y = LBHL_YIELD.to_value("Rayleigh cm2 s / erg")
    area = bin_area(MLAT, 0.5, 0.25, 120.0).sum() * MLT.size  # m^2
    hp = image_hemispheric_power(common)
    assert float(hp["electron_power_err"]) == pytest.approx(4.0 / y * area * 1e-12, rel=1e-9)
    noise_only = image_hemispheric_power(common.drop_vars("dayglow_err"))  # an L2 file of smilekit 0.1.0
    assert float(noise_only["electron_power_err"]) < 0.02 * float(hp["electron_power_err"])


def test_image_hemispheric_power_inverts_the_yield():
    from smilekit.geospace.precipitation import bin_area
    from smilekit.science.aurora import image_hemispheric_power

    flux = np.exp(-0.5 * ((MLAT - 67.0) / 2.0) ** 2)
    area = bin_area(MLAT, 0.5, 0.25, 120.0)
    expected = float((flux * area).sum() * MLT.size) * 1e-12  # GW
    hp = image_hemispheric_power(_l2(flux, 0.0))
    assert float(hp["electron_power"]) == pytest.approx(expected, rel=1e-12)
    assert float(hp["covered_area_fraction"]) == 1.0
    seen = np.ones((MLAT.size, MLT.size), bool)
    seen[:, :48] = False  # half the MLT hours not seen: half the power, said so
    half = image_hemispheric_power(_l2(flux, 10.0, seen=seen))
    assert float(half["covered_area_fraction"]) == pytest.approx(0.5)
    assert abs(float(half["electron_power"]) - expected / 2) < 4 * float(half["electron_power_err"])
    with pytest.raises(InputError, match="make_l2"):
        image_hemispheric_power(xr.Dataset())
