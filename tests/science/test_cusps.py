"""Cusp edges: the truth at 7 RE, the dipole mapping, and a bright known funnel fitted back."""

import math

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit import frames
from smilekit.errors import InputError
from smilekit.geospace import cusps as geo_cusps
from smilekit.geospace.emissivity import Jorgensen2019
from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
from smilekit.science.cusps import (
    CUSP_REFERENCE_DISTANCE,
    CuspFunnel,
    dipole_footprint_to_gsm_latitude_values,
    edges_inside_magnetopause,
    estimate_cusp_edges,
    lowest_open_footprint_values,
    sheath_context,
    true_cusp_edges,
)
from smilekit.science.estimates import MagnetopauseEstimate
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

T = "2026-03-20T12:00"
TILT = float(frames.dipole_tilt(np.datetime64(T)).to_value(u.rad))
SC = [6.0, 0.0, 18.0] * RE
AIM = [7.5, 0.0, 0.0] * RE
SHEATH = Jorgensen2019.ppmlr_fit(mp=9.0 * RE, bs=11.5 * RE)
KNOWN = MagnetopauseEstimate(
    "boundary_fitting_jorgensen", 9.0 * RE, 0.1 * RE, "ok", dict(SHEATH.parameters), np.datetime64(T, "ns")
)


def state(n=5.0, bz=0.0):
    return SolarWindState(n=n * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, bz] * u.nT)


def test_true_edges_are_the_geospace_cusp_at_7_re():
    sw = state(bz=-3.0)
    eq, pw = true_cusp_edges(sw, T)
    want = geo_cusps.cusp_edges(sw, altitude=CUSP_REFERENCE_DISTANCE - 1 * RE, tilt=TILT * u.rad)
    assert eq.to_value(u.deg) == pytest.approx(want.equatorward.to_value(u.deg), abs=1e-9)
    assert pw.to_value(u.deg) == pytest.approx(want.poleward.to_value(u.deg), abs=1e-9)
    south = true_cusp_edges(sw, T, hemisphere="south")
    assert south[0].to_value(u.deg) < 0 and south[1].to_value(u.deg) < south[0].to_value(u.deg)
    # a wider truth cusp: the edges of the geospace cusp of that width, around the same centre
    eq8, pw8 = true_cusp_edges(sw, T, width=8 * u.deg)
    want8 = geo_cusps.cusp_edges(
        sw, altitude=CUSP_REFERENCE_DISTANCE - 1 * RE, tilt=TILT * u.rad, width=8 * u.deg
    )
    assert eq8.to_value(u.deg) == pytest.approx(want8.equatorward.to_value(u.deg), abs=1e-9)
    assert pw8.to_value(u.deg) == pytest.approx(want8.poleward.to_value(u.deg), abs=1e-9)
    assert eq8 < eq < pw < pw8


def test_true_edges_are_nan_outside_the_magnetopause():
    # 60 cm^-3 at 700 km/s (pdyn ~ 59 nPa): the Shue 1998 magnetopause is at ~5 RE, the 7 RE cusp outside
    sw = SolarWindState(n=60 * u.cm**-3, v_gse=[-700, 0, 0] * u.km / u.s, b_gsm=[0, 0, -10] * u.nT)
    eq, pw = true_cusp_edges(sw, T)
    assert math.isnan(eq.to_value(u.deg)) and math.isnan(pw.to_value(u.deg))


def test_dipole_mapping_keeps_sin2_colatitude_over_r():
    # zero tilt: at r = 1 the latitude is the footprint; at r the colatitude c has sin^2 c / r = cos^2 lambda
    assert float(dipole_footprint_to_gsm_latitude_values(75.0, 1.0, 0.0)) == pytest.approx(75.0)
    lat = float(dipole_footprint_to_gsm_latitude_values(75.0, 7.0, 0.0))
    c = math.radians(90.0 - lat)
    assert math.sin(c) ** 2 / 7.0 == pytest.approx(math.cos(math.radians(75.0)) ** 2)
    # the tilt turns the noon meridian: a positive (sunward) tilt lowers the GSM latitude
    assert float(dipole_footprint_to_gsm_latitude_values(75.0, 7.0, 0.3)) == pytest.approx(
        lat - math.degrees(0.3)
    )
    assert math.isnan(float(dipole_footprint_to_gsm_latitude_values(60.0, 7.0, 0.0)))  # line closes at 4 RE


def test_funnel_lies_between_its_edges_inside_the_magnetopause():
    f = CuspFunnel(74.0, 77.0, tilt_rad=0.0, sign=1.0, magnetopause=SHEATH.magnetopause_values)
    for lam, inside in ((75.5, True), (73.0, False), (78.0, False)):
        c = math.asin(math.sqrt(6.0) * math.cos(math.radians(lam)))  # r = 6 on that dipole line
        e = f.evaluate(6 * math.sin(c), 0.0, 6 * math.cos(c))
        assert (e > 0) == inside
    assert f.evaluate(6 * math.sin(0.7), 0.0, -6 * math.cos(0.7)) == 0.0  # the other hemisphere
    assert f.evaluate(0.0, 6 * math.sin(0.7), 6 * math.cos(0.7)) == 0.0  # dusk, beyond 1.5 h MLT


@pytest.mark.parametrize("radius", [8.0, 10.0, 12.0])
@pytest.mark.parametrize("tilt", [-0.5, 0.0, 0.4])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_lowest_open_footprint_of_a_spherical_magnetopause(radius, tilt, sign):
    # the dipole line from latitude lambda reaches r = 1 / cos^2(lambda) at the SM equator, whatever the
    # tilt: it touches a sphere of radius R from lambda = arccos(R^-1/2)
    lowest = lowest_open_footprint_values(lambda theta, phi: np.full(np.shape(theta), radius), tilt, sign)
    assert lowest == pytest.approx(math.degrees(math.acos(radius**-0.5)), abs=0.02)


def _sky_with_funnel(equatorward, poleward):
    funnel = CuspFunnel(
        equatorward, poleward, tilt_rad=TILT, sign=1.0, magnetopause=SHEATH.magnetopause_values,
        amplitude=3e-4,
    )  # fmt: skip

    class Sky:
        def evaluate(self, x, y, z):
            return SHEATH.evaluate(x, y, z) + funnel.evaluate(x, y, z)

    return intensity_map(Sky(), SC, AIM, pixel=0.25 * u.deg, fov=(33, 22) * u.deg, time=T)


@pytest.fixture(scope="module")
def bright_sky():
    return _sky_with_funnel(74.0, 77.0)


@pytest.mark.slow
def test_bright_known_funnel_is_fitted_back(bright_sky):
    # a funnel of the retrieval's own form, bright (~30 % of the image), on a known sheath: the edges at
    # 7 RE come back within 3 sigma + 0.3 deg (measured over 3 seeds: within 0.6 deg, sigma 0.25-0.55 deg)
    l2 = make_l2(simulate_events(bright_sky, 300 * u.s, start=T, rng=2), pixel=0.5 * u.deg)
    est = estimate_cusp_edges(l2, magnetopause=KNOWN)
    assert est.ok, est.status
    assert est.reference_distance == CUSP_REFERENCE_DISTANCE
    # the same sheath given as a model instead of a boundary-fit estimate gives the same answer
    assert estimate_cusp_edges(l2, sheath=SHEATH) == est
    for value, sigma, lam in (
        (est.equatorward, est.equatorward_sigma, 74.0),
        (est.poleward, est.poleward_sigma, 77.0),
    ):
        want = float(dipole_footprint_to_gsm_latitude_values(lam, 7.0, TILT))
        s = sigma.to_value(u.deg)
        assert 0 < s < 2.0
        assert abs(value.to_value(u.deg) - want) < 3 * s + 0.3


@pytest.mark.slow
def test_a_bright_band_on_closed_field_lines_is_not_a_cusp():
    # the same funnel form with footprints 68-70 deg: its dipole lines close at 7.1-8.5 RE, inside the
    # 9 RE magnetopause (open from 70.5 deg), so no cusp answer may sit there, however bright it is (before
    # the open-line bound the fit returned this band, 4-23 deg at 7 RE, as the cusp)
    l2 = make_l2(simulate_events(_sky_with_funnel(68.0, 70.0), 300 * u.s, start=T, rng=2), pixel=0.5 * u.deg)
    est = estimate_cusp_edges(l2, magnetopause=KNOWN)
    open_from = lowest_open_footprint_values(SHEATH.magnetopause_values, TILT)
    assert open_from == pytest.approx(70.5, abs=0.1)  # the 9 RE nose: arccos(9^-1/2) = 70.53 deg
    lowest = float(dipole_footprint_to_gsm_latitude_values(open_from, 7.0, TILT))
    assert not est.ok or est.equatorward.to_value(u.deg) > lowest, est


def test_weak_image_gives_a_status(bright_sky):
    sky = bright_sky * 0.0
    sky.attrs = dict(bright_sky.attrs)
    l2 = make_l2(simulate_events(sky, 60 * u.s, start=T, rng=1), pixel=1.0 * u.deg)
    est = estimate_cusp_edges(l2)
    assert not est.ok and math.isnan(est.equatorward.to_value(u.deg))


def test_bad_input(bright_sky):
    with pytest.raises(InputError):
        estimate_cusp_edges(xr.Dataset())
    with pytest.raises(InputError):
        true_cusp_edges(state(), T, hemisphere="east")
    with pytest.raises(InputError):
        true_cusp_edges("wind", T)
    l2 = make_l2(simulate_events(bright_sky, 8 * u.s, start=T, rng=1), pixel=1.0 * u.deg)
    with pytest.raises(InputError):
        estimate_cusp_edges(l2, hemisphere="up", magnetopause=KNOWN)
    with pytest.raises(InputError):
        estimate_cusp_edges(l2, magnetopause=9 * RE)
    with pytest.raises(InputError):
        estimate_cusp_edges(l2, time_index=4, magnetopause=KNOWN)
    with pytest.raises(InputError, match="not both"):
        estimate_cusp_edges(l2, magnetopause=KNOWN, sheath=SHEATH)
    with pytest.raises(InputError, match="magnetopause_values"):
        estimate_cusp_edges(l2, sheath=lambda x, y, z: x)


def test_an_edge_outside_the_magnetopause_is_dropped_and_the_other_kept():
    def sphere(radius):
        return lambda theta, phi: np.full(np.shape(theta), radius)

    def flat_nose(theta, phi):  # 6 RE within 45 deg of +X, 8 RE beyond
        return np.where(np.asarray(theta) < math.radians(45.0), 6.0, 8.0)

    edges, sigmas, status = edges_inside_magnetopause([40.0, 45.0], [0.5, 0.6], sphere(7.5), 7.0)
    assert status == "ok" and edges == [40.0, 45.0] and sigmas == [0.5, 0.6]
    edges, sigmas, status = edges_inside_magnetopause([40.0, 45.0], [0.5, 0.6], sphere(7.5), 8.0)
    assert status == "cusp outside the magnetopause at the reference distance"
    assert all(math.isnan(v) for v in (*edges, *sigmas))
    # at 7 RE the equatorward edge (30 deg from +X) lies outside the 6 RE part, the poleward one (60 deg)
    # inside the 8 RE part: one valid edge is an answer
    edges, sigmas, status = edges_inside_magnetopause([30.0, 60.0], [0.5, 0.6], flat_nose, 7.0)
    assert status == "ok"
    assert math.isnan(edges[0]) and math.isnan(sigmas[0])
    assert (edges[1], sigmas[1]) == (60.0, 0.6)
    edges, _, status = edges_inside_magnetopause([math.nan, 60.0], [math.nan, 0.6], flat_nose, 7.0)
    assert status == "ok" and math.isnan(edges[0]) and edges[1] == 60.0


def test_sheath_context_prefers_an_answer_then_a_fitted_model():
    def est(method, status, boundary):
        return MagnetopauseEstimate(method, 9.0 * RE, 0.2 * RE, status, boundary, np.datetime64(T, "ns"))

    fitted = dict(SHEATH.parameters)
    jor_ok, cmem_ok = est("j", "ok", fitted), est("c", "ok", fitted)
    jor_away, jor_empty = est("j", "nose not in view", fitted), est("j", "no signal", {})
    j, c = "boundary_fitting_jorgensen", "boundary_fitting_cmem"
    assert sheath_context({c: cmem_ok, j: jor_ok}) == (j, jor_ok)
    assert sheath_context({j: jor_away, c: cmem_ok}) == (c, cmem_ok)
    assert sheath_context({j: jor_away, "max_intensity": jor_ok}) == (j, jor_away)
    assert sheath_context({j: jor_empty}) == (j, jor_empty)
    assert sheath_context({"tangent_fitting": jor_ok}) == ("", None)


def test_a_boundary_fit_without_a_fitted_model_gives_no_sheath_model(bright_sky):
    l2 = make_l2(simulate_events(bright_sky, 8 * u.s, start=T, rng=1), pixel=1.0 * u.deg)
    failed = MagnetopauseEstimate(
        "boundary_fitting_jorgensen", np.nan * RE, np.nan * RE, "no signal", {}, np.datetime64(T, "ns")
    )
    assert estimate_cusp_edges(l2, magnetopause=failed).status == "no sheath model"
