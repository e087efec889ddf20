"""Tests of smilekit.geospace.exosphere: Cravens et al. (2001) power law and the Hodges (1994) tables."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.legendre import leggauss
from scipy.special import sph_harm_y

from smilekit.errors import InputError
from smilekit.geospace.exosphere import (
    EXOSPHERE_MODELS,
    Cravens2001,
    Hodges1994,
    _read_hodges_table,
    exosphere_model,
)
from smilekit.units import RE, RE_KM

SEASONS = ("equinox", "solstice")
F107 = (80, 130, 180, 230)


def test_cravens_value_at_10_re():
    # Cravens et al. (2001): n_H = 25 cm^-3 at 10 RE (exact by construction of the fit).
    n = Cravens2001().density(10 * RE, 0 * RE, 0 * RE)
    assert n.unit == u.cm**-3
    assert float(n.value) == pytest.approx(25.0, rel=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(1.0, 200.0),
    lat=st.floats(-1.5, 1.5),
    lon=st.floats(-3.1, 3.1),
)
def test_cravens_r_minus_3_and_spherical(r, lat, lon):
    m = Cravens2001()
    p = r * np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    n1 = m.density_values(*p)
    n2 = m.density_values(2 * p[0], 2 * p[1], 2 * p[2])
    assert float(n1 / n2) == pytest.approx(8.0, rel=1e-12)  # slope -3
    assert float(n1) == pytest.approx(float(m.density_values(r, 0.0, 0.0)), rel=1e-12)


def test_cravens_clamped_inside_earth_and_checks_units():
    m = Cravens2001(n10=30 * u.cm**-3)
    assert m.density_values(0.0, 0.0, 0.0) == pytest.approx(30 * 1000.0)
    with pytest.raises(InputError, match="x"):
        m.density(10.0, 0 * RE, 0 * RE)
    with pytest.raises(InputError):
        Cravens2001(n10=25.0)


def _sphere_average(model, r, n_theta=16, n_phi=32):
    """Gauss-Legendre in cos(theta) x uniform in phi: exact for the degree-3 harmonics of the tables."""
    xg, wg = leggauss(n_theta)
    phi = np.arange(n_phi) * 2 * np.pi / n_phi
    ct = xg[:, None]
    stt = np.sqrt(1 - ct**2)
    n = model.density_values(r * stt * np.cos(phi), r * stt * np.sin(phi), r * ct * np.ones_like(phi))
    return float((n * wg[:, None]).sum() / 2 / n_phi)


@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("f107", F107)
def test_hodges_spherical_average_is_n_at_table_radii(season, f107):
    # The l > 0 harmonics average to zero over the sphere, so the mean is the tabulated N(r) (SOURCES.md).
    model = Hodges1994(season, f107)
    radius, n_table, _ = _read_hodges_table(season, f107)
    for r, n in zip(radius[::3], n_table[::3], strict=True):
        if season == "solstice" and r < 1.2:
            continue  # the truncated expansion is clipped at 0 in a few directions there (documented)
        assert _sphere_average(model, r) == pytest.approx(n, rel=1e-10)


def test_hodges_published_values_equinox_130():
    # SOURCES.md / Hodges (1994) table: 120398 cm^-3 at 6640 km and 25 cm^-3 at 62126 km.
    model = Hodges1994("equinox", 130)
    assert float(model.mean_density_values(6640 / RE_KM)) == pytest.approx(120398, rel=1e-12)
    assert float(model.mean_density_values(62126 / RE_KM)) == pytest.approx(25, rel=1e-12)
    assert _sphere_average(model, 62126 / RE_KM) == pytest.approx(25, rel=1e-10)


@pytest.mark.parametrize("season", SEASONS)
def test_hodges_point_value_against_scipy_harmonics(season):
    # Independent evaluation of the expansion with scipy's orthonormal Y_lm (Condon-Shortley phase),
    # the normalisation of SWMF IM/HEIDI HModel.f90 get_Ylm, at a table radius.
    model = Hodges1994(season, 180)
    radius, n_table, c = _read_hodges_table(season, 180)
    k = 20
    theta, phi = 1.1, 2.3  # colatitude from +Z; local-time angle from midnight toward dawn
    cols = [("A", 1, 0), ("A", 1, 1), ("B", 1, 1), ("A", 2, 0), ("A", 2, 1), ("B", 2, 1), ("A", 2, 2)]
    cols += [("B", 2, 2), ("A", 3, 0), ("A", 3, 1), ("B", 3, 1), ("A", 3, 2), ("B", 3, 2), ("A", 3, 3)]
    cols += [("B", 3, 3)]
    total = float(np.real(sph_harm_y(0, 0, theta, 0.0)))
    for j, (kind, deg, m) in enumerate(cols):
        trig = np.cos(m * phi) if kind == "A" else np.sin(m * phi)
        total += c[k, j] * trig * float(np.real(sph_harm_y(deg, m, theta, 0.0)))
    expected = n_table[k] * np.sqrt(4 * np.pi) * total
    r = radius[k]
    # phi = atan2(-y, -x): the point is at x = -r sin(theta) cos(phi), y = -r sin(theta) sin(phi)
    x, y, z = -r * np.sin(theta) * np.cos(phi), -r * np.sin(theta) * np.sin(phi), r * np.cos(theta)
    assert float(model.density_values(x, y, z)) == pytest.approx(expected, rel=1e-12)


def test_hodges_geotail_and_extension():
    model = Hodges1994("equinox", 130)
    r_last = model.radius_re[-1]
    # The hydrogen geotail (radiation pressure, Hodges 1994): more H at midnight than at noon at 9.75 RE.
    assert model.density_values(-r_last, 0, 0) > 1.3 * model.density_values(r_last, 0, 0)
    # Beyond the table: r^-3 matched at the last radius, same angular shape.
    for p in ([1.0, 0.0, 0.0], [0.3, -0.5, 0.8]):
        p = np.asarray(p) / np.linalg.norm(p)
        ratio = model.density_values(*(2 * r_last * p)) / model.density_values(*(r_last * p))
        assert float(ratio) == pytest.approx(1 / 8, rel=1e-12)
    # Inside 1.04 RE: clamped to the first radius.
    assert model.density_values(0.5, 0, 0) == pytest.approx(model.density_values(model.radius_re[0], 0, 0))


def test_hodges_f107_interpolation_and_errors():
    lo, hi, mid = Hodges1994("equinox", 130), Hodges1994("equinox", 180), Hodges1994("equinox", 155)
    r = np.array([1.1, 3.0, 8.0])
    n_lo, n_hi, n_mid = (m.mean_density_values(r) for m in (lo, hi, mid))
    assert np.allclose(n_mid, np.sqrt(n_lo * n_hi), rtol=1e-12)  # log-linear halfway
    with pytest.raises(InputError, match="f107"):
        Hodges1994("equinox", 300)
    with pytest.raises(InputError, match="season"):
        Hodges1994("winter", 130)


def test_registry_selects_by_name():
    assert set(EXOSPHERE_MODELS) == {"cravens2001", "hodges1994"}
    assert isinstance(exosphere_model("HODGES1994", season="solstice", f107=80), Hodges1994)
    assert isinstance(exosphere_model("cravens2001"), Cravens2001)
    with pytest.raises(InputError, match="cravens2001, hodges1994"):
        exosphere_model("zoennchen2022")


@pytest.mark.parametrize(("season", "f107"), [("equinox", 130), ("solstice", 205)])
def test_hodges_anywhere_against_np_interp_and_scipy_harmonics(season, f107):
    # The compiled expansion at arbitrary points (between table radii, beyond them, inside the first)
    # against an independent evaluation: np.interp of log N and of the coefficients, scipy's Y_lm.
    model = Hodges1994(season, f107)
    rng = np.random.default_rng(3)
    r = np.concatenate([rng.uniform(1.0, 9.75, 300), rng.uniform(9.75, 60.0, 100), [0.5, 9.7509]])
    theta, phi = np.arccos(rng.uniform(-1, 1, r.size)), rng.uniform(-np.pi, np.pi, r.size)
    x, y, z = -r * np.sin(theta) * np.cos(phi), -r * np.sin(theta) * np.sin(phi), r * np.cos(theta)
    cols = [("A", 1, 0), ("A", 1, 1), ("B", 1, 1), ("A", 2, 0), ("A", 2, 1), ("B", 2, 1), ("A", 2, 2)]
    cols += [("B", 2, 2), ("A", 3, 0), ("A", 3, 1), ("B", 3, 1), ("A", 3, 2), ("B", 3, 2), ("A", 3, 3)]
    cols += [("B", 3, 3)]
    rr = np.clip(r, model.radius_re[0], model.radius_re[-1])
    total = np.real(sph_harm_y(0, 0, theta, 0.0))
    for j, (kind, deg, m) in enumerate(cols):
        coeff = np.interp(rr, model.radius_re, model._coeffs[:, j])
        trig = np.cos(m * phi) if kind == "A" else np.sin(m * phi)
        total = total + coeff * trig * np.real(sph_harm_y(deg, m, theta, 0.0))
    mean = np.exp(np.interp(rr, model.radius_re, model._log_n)) * np.minimum(rr / r, 1.0) ** 3
    expected = np.clip(mean * np.sqrt(4 * np.pi) * total, 0.0, None)
    np.testing.assert_allclose(model.density_values(x, y, z), expected, rtol=1e-11, atol=1e-12)
