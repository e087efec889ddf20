"""OVATION Prime 2010 (smilekit.geospace.ovation) and hemispheric power (smilekit.geospace.precipitation)."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.geospace.ovation import (
    COUPLING_UNIT,
    N_MLAT,
    OvationPrime2010,
    averaged_coupling,
    fill_northern_wedge,
    read_coefficients,
    season_weights,
    window_hours,
)
from smilekit.geospace.precipitation import PrecipitationModel, bin_area, hemispheric_power
from smilekit.solarwind import SolarWind
from smilekit.solarwind.events import load_event

EQUINOX = np.datetime64("2000-03-20T00:00")


@pytest.fixture(scope="module")
def model():
    return OvationPrime2010()


def _power(model, dphi, when=EQUINOX):
    t = np.full(len(dphi), when)
    return hemispheric_power(model.from_coupling(t, np.asarray(dphi, float) * COUPLING_UNIT))


def test_coefficient_files_shapes_and_known_values():
    # values read from the release files (winter_diff.txt, summer_prob_b_diff.txt), first rows
    c = read_coefficients("summer", "diff")
    assert c["b1"].shape == c["b2"].shape == (96, 160)
    assert c["b1"][0, 0] == pytest.approx(0.0303994)
    assert c["b2"][0, 0] == pytest.approx(-2.11536e-06)
    p = read_coefficients("summer", "prob_b_diff")
    assert p["b1p"][0, 0] == pytest.approx(0.999878)
    assert p["b2p"][0, 0] == pytest.approx(-2.54624e-08)
    assert p["table"].shape == (12, 96, 160)
    assert np.all((p["table"] >= 0) & (p["table"] <= 1))


def test_season_weights_sum_to_one_and_peak_at_centres():
    doy = np.arange(1, 367)
    w = season_weights(doy)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    assert (np.count_nonzero(w, axis=1) <= 2).all()
    # winter, spring, summer, fall centres: 354, 79, 171, 263 (NOAA OP2010 release rule)
    np.testing.assert_allclose(season_weights([354, 79, 171, 263]), np.eye(4), atol=1e-12)


def test_interface_and_grid(model):
    assert isinstance(model, PrecipitationModel)
    ds = model.from_coupling([EQUINOX], [4421.0] * COUPLING_UNIT)
    assert ds.sizes == {"time": 1, "mlat": 80, "mlt": 96}
    assert ds["mlat"].values[0] == 50.25 and ds["mlat"].values[-1] == 89.75
    assert ds["mlt"].values[0] == 0.125 and ds["mlt"].values[-1] == 23.875
    assert ds["diffuse_energy_flux"].attrs["units"] == "erg cm^-2 s^-1"
    assert ds["broadband_number_flux"].attrs["units"] == "cm^-2 s^-1"
    assert set(ds.data_vars) == {
        f"{p}_{k}_flux" for p in ("diffuse", "monoenergetic", "broadband") for k in ("energy", "number")
    } | {"ion_energy_flux"}
    for v in ds.data_vars:
        assert (ds[v].values >= 0).all()
    south = model.from_coupling([EQUINOX], [4421.0] * COUPLING_UNIT, hemisphere="south")
    assert south["mlat"].values.max() < 0


def test_oval_brightens_and_moves_equatorward_with_coupling(model):
    ds = model.from_coupling([EQUINOX] * 2, [1000.0, 15000.0] * COUPLING_UNIT)
    eflux = sum(ds[f"{p}_energy_flux"] for p in ("diffuse", "monoenergetic", "broadband"))
    night = eflux.sel(mlt=slice(22, 24)).mean("mlt")  # pre-midnight sector
    peak = night.max("mlat").values
    assert peak[1] > 2 * peak[0]
    # equatorward edge: lowest latitude where the flux reaches 0.2 erg cm^-2 s^-1 (regression check)
    edge = [float(night["mlat"][np.argmax(night.values[i] >= 0.2)]) for i in range(2)]
    assert edge[1] < edge[0] - 2.0


def test_hemispheric_power_against_newell2009(model):
    """Newell et al. (2009), abstract: low driving, diffuse 63 % electrons + 21 % ions, mono 10 %,
    broadband 6 %; high driving diffuse 57 % + ions 14 %, mono 15 %, broadband 13 %; diffuse power
    triples and broadband rises 8.0x from low to high. We take low = 1000 and high = 8000 (km/s)^(4/3)
    nT^(2/3) (the paper's bins not checked): tolerance 10 percentage points, ratios within x1.5.
    NOAA's hemispheric power scale: ~5 GW quiet to >100 GW very active."""
    hp = _power(model, [1000.0, 8000.0, 25000.0])
    total = hp["total_power"].values
    frac = {k: hp[f"{k}_power"].values / total for k in ("diffuse", "ion", "monoenergetic", "broadband")}
    for k, (lo, hi) in {
        "diffuse": (0.63, 0.57),
        "ion": (0.21, 0.14),
        "monoenergetic": (0.10, 0.15),
        "broadband": (0.06, 0.13),
    }.items():
        assert frac[k][0] == pytest.approx(lo, abs=0.10), k
        assert frac[k][1] == pytest.approx(hi, abs=0.10), k
    assert 3.0 / 1.5 < hp["diffuse_power"].values[1] / hp["diffuse_power"].values[0] < 3.0 * 1.5
    assert 8.0 / 1.5 < hp["broadband_power"].values[1] / hp["broadband_power"].values[0] < 8.0 * 1.5
    assert 5.0 < total[0] < 20.0
    assert total[2] > 100.0


MLT_CENTRES = 0.125 + 0.25 * np.arange(96)
MLAT_CENTRES = 50.25 + 0.5 * np.arange(80)
SIGNED_MLT = np.where(MLT_CENTRES > 12, MLT_CENTRES - 24, MLT_CENTRES)


def test_wedge_fill_is_linear_in_mlt_and_touches_only_the_wedge():
    # a flux linear in signed MLT on every ring, emptied at 00-02 MLT: the fill (linear interpolation across
    # the gap and 6 bins, 1.5 h, beyond each end) gives the linear function back exactly, on the rings from
    # 49 to 67 deg only; everything else is untouched
    truth = (2.0 + 0.1 * SIGNED_MLT)[None, :, None] * np.ones((2, 96, 80))
    holed = truth.copy()
    gap = (SIGNED_MLT > 0) & (SIGNED_MLT < 2)
    holed[:, gap, :] = 0.0
    holed[1, :, :] = truth[1]  # the second time has no gap: nothing to fill
    filled, mask = fill_northern_wedge(holed)
    rings = MLAT_CENTRES <= 67.0
    np.testing.assert_allclose(filled[0][:, rings], truth[0][:, rings], rtol=1e-12)
    expected = ((SIGNED_MLT > -1.5) & (SIGNED_MLT < 3.5))[:, None] & rings[None, :]  # gap + 6 bins each side
    assert np.array_equal(mask[0], expected)
    assert not mask[1].any() and np.array_equal(filled[1], truth[1])
    assert np.array_equal(filled[0][:, ~rings], holed[0][:, ~rings])


def test_wedge_fill_closes_the_northern_gap_of_the_release():
    # the northern diffuse coefficients are 0 (no flux) at 60.25 deg MLAT from 00:30 to 03:15 MLT in summer
    # (the release's wedge); the northern flux of the model there is filled, positive, and within the range
    # of the ring's own flux at 21-06 MLT outside the filled span
    c = read_coefficients("summer", "diff")
    j = int(np.searchsorted(MLAT_CENTRES, 60.25))
    no_data = (c["b1"][:, N_MLAT + j] == 0) & (c["b2"][:, N_MLAT + j] == 0)
    gap = no_data & (SIGNED_MLT >= -1) & (SIGNED_MLT <= 4)
    assert gap.sum() >= 8
    north = OvationPrime2010(combine_hemispheres=False)
    ring = north._season_flux("summer", "diff", "diff", np.array([9000.0]), "north")[0, :, j]
    span = (SIGNED_MLT > SIGNED_MLT[gap].min() - 1.5) & (SIGNED_MLT < SIGNED_MLT[gap].max() + 1.5)
    around = ring[(SIGNED_MLT >= -3) & (SIGNED_MLT <= 6) & ~span]
    assert np.all(ring[gap] > 0.0)
    assert np.all((ring[gap] >= around.min() - 1e-12) & (ring[gap] <= around.max() + 1e-12))


def test_bin_area_covers_the_cap():
    mlat = 50.25 + 0.5 * np.arange(80)
    area = bin_area(mlat, 0.5, 0.25, 120.0).sum() * 96
    r = (6371.0 + 120.0) * 1e3
    assert area == pytest.approx(2 * np.pi * r**2 * (1 - np.sin(np.radians(50.0))), rel=1e-12)


def test_averaged_coupling_weights_and_errors():
    t = np.datetime64("2000-01-01T00:00") + np.arange(10) * np.timedelta64(1, "h")
    v = np.tile([-400.0, 0.0, 0.0], (10, 1)) * u.km / u.s
    bz = np.where(np.arange(10) < 6, -5.0, -10.0)
    b = np.stack([np.zeros(10), np.zeros(10), bz], axis=1) * u.nT
    sw = SolarWind(t, n=np.full(10, 5.0) * u.cm**-3, v_gse=v, b_gse=b, b_gsm=b, t=np.full(10, 1e5) * u.K)
    ec = sw.newell_coupling.values
    out = averaged_coupling(sw, t[[0, 7]])
    assert out.values[0] == pytest.approx(ec[0])
    w = 0.65 ** np.arange(4)
    assert out.values[1] == pytest.approx(np.dot(w, ec[7:3:-1]) / w.sum())
    assert out.attrs["units"] == "(km/s)^(4/3) nT^(2/3)"
    with pytest.raises(InputError, match="outside the solar wind series"):
        averaged_coupling(sw, [np.datetime64("2000-01-01T10:00")])
    with pytest.raises(InputError, match="outside"):
        averaged_coupling(sw, [np.datetime64("1999-12-31T23:00")])


def test_gap_longer_than_window_is_refused():
    t = np.datetime64("2000-01-01T00:00") + np.array([0, 1, 8, 9]) * np.timedelta64(1, "h")
    v = np.tile([-400.0, 0.0, 0.0], (4, 1)) * u.km / u.s
    b = np.tile([0.0, 0.0, -5.0], (4, 1)) * u.nT
    sw = SolarWind(t, n=np.full(4, 5.0) * u.cm**-3, v_gse=v, b_gse=b, b_gsm=b, t=np.full(4, 1e5) * u.K)
    with pytest.raises(InputError, match="longer than the averaging window"):
        averaged_coupling(sw, [np.datetime64("2000-01-01T06:00")])
    assert averaged_coupling(sw, [np.datetime64("2000-01-01T04:00")]).values.size == 1


def test_window_hours_counts_the_hours_averaged_coupling_uses():
    # records at 0, 1, 8, 9 h: each hour (t - (k + 1) h, t - k h] holds a record or not
    t = np.datetime64("2000-01-01T00:00") + np.array([0, 1, 8, 9]) * np.timedelta64(1, "h")
    v = np.tile([-400.0, 0.0, 0.0], (4, 1)) * u.km / u.s
    b = np.tile([0.0, 0.0, -5.0], (4, 1)) * u.nT
    sw = SolarWind(t, n=np.full(4, 5.0) * u.cm**-3, v_gse=v, b_gse=b, b_gsm=b, t=np.full(4, 1e5) * u.K)
    times = np.datetime64("2000-01-01T00:00") + np.array([0, 60, 150, 270, 420, 480, 540], "timedelta64[m]")
    hours = window_hours(sw, times)
    # 0:00 the 0-h record; 1:00 the 1-h and 0-h; 2:30 (0:30, 1:30] and (-0:30, 0:30]; 4:30 only
    # (0:30, 1:30]; 7:00 none (the gap); 8:00 the 8-h; 9:00 the 9-h and 8-h
    assert hours.tolist() == [1, 2, 2, 1, 0, 1, 2]
    with pytest.raises(InputError, match="outside"):
        window_hours(sw, [np.datetime64("2000-01-01T09:01")])
    ok = hours > 0
    assert averaged_coupling(sw, times[ok]).hours_used.values.tolist() == hours[ok].tolist()


def test_bad_model_input(model):
    with pytest.raises(InputError, match="hemisphere"):
        model.from_coupling([EQUINOX], [1000.0] * COUPLING_UNIT, hemisphere="east")
    with pytest.raises(InputError):
        model.from_coupling([EQUINOX], [1000.0])  # no unit
    with pytest.raises(InputError, match="population"):
        model.from_coupling([EQUINOX], [1000.0] * COUPLING_UNIT, populations=["protons"])


def test_bastille_day_storm_from_omni2(model):
    sw = load_event("omni2-2000")
    times = np.datetime64("2000-07-14T00:00") + np.arange(0, 72, 6) * np.timedelta64(1, "h")
    ds = model.precipitation(times, sw, populations=["diffuse", "monoenergetic", "broadband", "ion"])
    hp = hemispheric_power(ds)["total_power"]
    assert float(hp.max()) > 100.0  # the storm main phase (15 July)
    assert float(hp.min()) < 60.0


def test_the_largest_coupling_bounds_every_accepted_solar_wind():
    """MAX_COUPLING bounds dPhi/dt over the SolarWind's VALIDMAX box (speed 3000 km/s, |By|, |Bz| <= 1000 nT):
    its corners and a due-south field reach 0.81 and 0.79 of it (sin^(8/3) < 1 away from due south)."""
    from smilekit.geospace.ovation import MAX_COUPLING
    from smilekit.solarwind.derived import newell_coupling

    corners = newell_coupling(3000.0, np.array([1000.0, -1000.0, 0.0]), np.array([-1000.0, -1000.0, -1000.0]))
    assert (corners <= MAX_COUPLING).all() and corners.max() > 0.75 * MAX_COUPLING
