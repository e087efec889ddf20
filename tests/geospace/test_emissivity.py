"""Tests of smilekit.geospace.emissivity: physical SWCX, Jorgensen et al. (2019) and CMEM."""

from __future__ import annotations

import inspect
import math
import subprocess
import sys
from pathlib import Path

import astropy.constants as const
import astropy.units as u
import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit import RE
from smilekit.errors import InputError, ModelDomainError
from smilekit.geospace import SWCXEmissivity, cusps, emissivity, jelinek2012_bow_shock, standoff
from smilekit.geospace.boundaries import lin2010_values
from smilekit.geospace.cusps import cusp_edges
from smilekit.geospace.emissivity import (
    CMEM,
    EMISSIVITY_MODELS,
    EMISSIVITY_UNIT,
    Jorgensen2019,
    lin2010_scaled_values,
)
from smilekit.geospace.exosphere import Cravens2001
from smilekit.solarwind import SolarWindState

E = EMISSIVITY_UNIT


class StubSheath:
    """Uniform plasma: region 2 (magnetosphere, n = 0) for x < 8, sheath elsewhere."""

    def __init__(self, n=10.0, speed=400.0, temperature=1.0e6):
        self.n, self.speed, self.temperature = n, speed, temperature

    def plasma_values(self, x, y, z):
        x = np.asarray(x, dtype=float)
        region = np.where(x < 8.0, 2, 1).astype(np.int8)
        n = np.where(region == 2, 0.0, self.n)
        return n, np.full_like(x, self.speed), np.full_like(x, self.temperature), region


def test_swcx_unit_arithmetic_by_hand():
    # eta = alpha n n_H v_eff, v_eff = sqrt(v^2 + 3kT/m_p) (Cravens et al. 2001), done with astropy units.
    model = SWCXEmissivity(StubSheath(), Cravens2001(), alpha=6e-16 * u.eV * u.cm**2)
    v_eff = np.sqrt((400 * u.km / u.s) ** 2 + 3 * const.k_B * 1e6 * u.K / const.m_p)
    expected = (6e-16 * u.eV * u.cm**2 * 10 * u.cm**-3 * 25 * u.cm**-3 * v_eff).to(E)
    got = model(10 * RE, 0 * RE, 0 * RE)
    assert got.unit == E
    assert got.value == pytest.approx(expected.value, rel=1e-12)
    assert expected.value == pytest.approx(6.4476e-6, rel=1e-4)  # the same by hand on paper
    assert model.evaluate(5.0, 0.0, 0.0) == 0.0  # magnetosphere: n = 0


def test_swcx_rejects_bad_inputs():
    with pytest.raises(InputError, match="plasma_values"):
        SWCXEmissivity(object(), Cravens2001())
    with pytest.raises(InputError, match="alpha"):
        SWCXEmissivity(StubSheath(), Cravens2001(), alpha=6e-16)
    with pytest.raises(InputError, match="x"):
        SWCXEmissivity(StubSheath(), Cravens2001())(10.0, 0 * RE, 0 * RE)


def test_swcx_from_solar_wind_with_real_magnetosheath():
    pytest.importorskip("smilekit.geospace.magnetosheath")
    sw = SolarWindState(n=10 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -2] * u.nT)
    model = SWCXEmissivity.from_solar_wind(sw, exosphere="cravens2001")
    eta = model.evaluate(np.array([0.0, 3.0, 11.0, 40.0]), 0.0, 0.0)
    assert eta[0] == 0.0 and eta[1] == 0.0  # inside the magnetosphere
    assert eta[2] > 0 and eta[3] > 0
    # Upstream the solar wind is unshocked: eta = alpha n n_H v_eff with the upstream state.
    v_eff = math.sqrt(400.0**2 + 3 * const.k_B.value * 1e5 / const.m_p.value * 1e-6) * 1e5
    assert eta[3] == pytest.approx(6e-16 * 10 * 25 * (10 / 40) ** 3 * v_eff, rel=1e-6)


# --- Jorgensen 2019 ---------------------------------------------------------------------------------------


#: The solar-wind amplitude A2 of the Jorgensen et al. (2019) PPMLR fit (eV cm^-3 s^-1).
PPMLR_A2 = 1.3588e-5


def _jorg(**kw):
    args = dict(mp=8 * RE, bs=14 * RE, ay_mp=0.6, az_mp=0.5, ay_bs=0.8, az_bs=0.7)
    args.update(kw)
    return Jorgensen2019.ppmlr_fit(**args)


def test_jorgensen_published_fit_value_by_hand():
    # Jorgensen et al. (2019) PPMLR fit: A1 = 3.2285e-5, B = -1.7985e-5 eV cm^-3 s^-1, alpha = 2.4908,
    # beta = -1.6458, A2 = 1.3588e-5 (PPMLR_A2). At (12, 5, 0) RE: r = 13, sin^2(theta) = 25/169.
    m = _jorg()
    s2 = 25.0 / 169.0
    expected = (3.2285e-5 - 1.7985e-5 * s2**4) * 1.3 ** (-(2.4908 - 1.6458 * s2))
    assert float(m.evaluate(12.0, 5.0, 0.0)) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(1.7899e-5, rel=1e-4)  # the same on paper: 3.2276e-5 * 0.55455
    # On the Sun-Earth line at 10 RE the sheath value is A1 itself; beyond the bow shock A2 (10/r)^3.
    assert float(m.evaluate(10.0, 0.0, 0.0)) == pytest.approx(3.2285e-5, rel=1e-12)
    assert float(m.evaluate(20.0, 0.0, 0.0)) == pytest.approx(PPMLR_A2 / 8, rel=1e-12)


def _shue3d(theta, phi, r0, ay, az):
    ry = r0 * (2 / (1 + np.cos(theta))) ** ay
    rz = r0 * (2 / (1 + np.cos(theta))) ** az
    return ry * rz / np.sqrt((rz * np.cos(phi)) ** 2 + (ry * np.sin(phi)) ** 2)


@settings(max_examples=80, deadline=None)
@given(theta=st.floats(0.0, 2.0), phi=st.floats(-math.pi, math.pi))
def test_jorgensen_regions_and_jumps(theta, phi):
    m = _jorg()
    rmp = _shue3d(theta, phi, 8.0, 0.6, 0.5)
    rbs = _shue3d(theta, phi, 14.0, 0.8, 0.7)
    assert m.magnetopause_values(theta, phi) == pytest.approx(rmp, rel=1e-12)  # the surface evaluate uses
    d = np.array([np.cos(theta), np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi)])
    assert m.evaluate(*(0.999 * rmp * d)) == 0.0
    s2 = np.sin(theta) ** 2
    sheath = lambda r: (3.2285e-5 - 1.7985e-5 * s2**4) * (r / 10) ** (-(2.4908 - 1.6458 * s2))  # noqa: E731
    assert float(m.evaluate(*(1.001 * rmp * d))) == pytest.approx(sheath(1.001 * rmp), rel=1e-9)
    if rbs > 1.002 * rmp:
        assert float(m.evaluate(*(0.999 * rbs * d))) == pytest.approx(sheath(0.999 * rbs), rel=1e-9)
    assert float(m.evaluate(*(1.001 * rbs * d))) == pytest.approx(PPMLR_A2 * (10 / (1.001 * rbs)) ** 3)


@settings(max_examples=60, deadline=None)
@given(theta=st.floats(0.0, 2.5), phi=st.floats(-math.pi, math.pi), a=st.floats(0.2, 1.2))
def test_jorgensen_surfaces_with_one_flaring_per_boundary(theta, phi, a):
    # ay = az, as from_solar_wind makes them: the surfaces take one power for both axes (a shortcut of the
    # code), still the two-axis 3-D Shue surface
    m = _jorg(ay_mp=a, az_mp=a, ay_bs=a + 0.2, az_bs=a + 0.2)
    rmp, rbs = _shue3d(theta, phi, 8.0, a, a), _shue3d(theta, phi, 14.0, a + 0.2, a + 0.2)
    assert m.magnetopause_values(theta, phi) == pytest.approx(rmp, rel=1e-12)
    d = np.array([np.cos(theta), np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi)])
    assert m.evaluate(*(0.999 * rmp * d)) == 0.0 and m.evaluate(*(1.001 * rmp * d)) > 0.0
    assert float(m.evaluate(*(1.001 * rbs * d))) == pytest.approx(PPMLR_A2 * (10 / (1.001 * rbs)) ** 3)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-30, 30), y=st.floats(-30, 30), z=st.floats(-30, 30))
def test_jorgensen_symmetric_in_phi(x, y, z):
    m = _jorg()
    v = m.evaluate(x, y, z)
    assert m.evaluate(x, -y, z) == pytest.approx(v, rel=1e-12, abs=0)
    assert m.evaluate(x, y, -z) == pytest.approx(v, rel=1e-12, abs=0)


def test_jorgensen_quantity_interface_and_validation():
    m = _jorg()
    out = m([10, 12] * RE, [0, 5] * RE, [0, 0] * RE)
    assert out.unit == E and out.shape == (2,)
    with pytest.raises(InputError, match="mp"):
        Jorgensen2019.ppmlr_fit(mp=8, bs=11 * RE)
    with pytest.raises(InputError, match="bs must exceed mp"):
        Jorgensen2019.ppmlr_fit(mp=12 * RE, bs=11 * RE)
    with pytest.raises(InputError, match="A1"):
        Jorgensen2019(
            mp=8 * RE, bs=11 * RE, A1=3e-5, A2=1e-5 * E, B=0 * E, alpha=2.5, beta=-1.6,
            ay_mp=0.6, az_mp=0.6, ay_bs=0.8, az_bs=0.8,
        )  # fmt: skip


def test_jorgensen_from_solar_wind():
    sw = SolarWindState(n=22.5 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, 5] * u.nT)
    m = Jorgensen2019.from_solar_wind(sw)
    assert m.mp == pytest.approx(-0.10 * 22.5 + 10.28)
    assert m.B == Jorgensen2019.PPMLR_FIT["B"]
    low = SolarWindState(n=1 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, 5] * u.nT)
    with pytest.raises(ModelDomainError):
        Jorgensen2019.from_solar_wind(low)


# --- CMEM -------------------------------------------------------------------------------------------------


def _cmem(**kw):
    args = dict(
        p0=1.0, bs=13 * RE, A1=2e-5 * E, A2=5e-6 * E, B=2.0, alpha=2.5, beta=-1.6, p1=1.0, p2=1.0,
        p3=1.0, ay_bs=0.8, az_bs=0.8, pdyn=2 * u.nPa, pm=0.01 * u.nPa, bz=-2 * u.nT,
    )  # fmt: skip
    args.update(kw)
    return CMEM(**args)


@settings(max_examples=50, deadline=None)
@given(theta=st.floats(0.0, 2.5), phi=st.floats(-math.pi, math.pi), tilt=st.floats(-0.5, 0.5))
def test_cmem_unscaled_magnetopause_is_lin2010(theta, phi, tilt):
    # Independent implementation: smilekit.geospace.boundaries.lin2010_values.
    a = lin2010_scaled_values(theta, phi, pdyn=2.0, pm=0.01, bz=-2.0, tilt=tilt)
    b = lin2010_values(theta, phi, pdyn=2.0, pm=0.01, bz=-2.0, tilt=tilt)
    assert float(a) == pytest.approx(float(b), rel=1e-12)


def test_cmem_scalings():
    kw = dict(pdyn=2.0, pm=0.01, bz=-2.0, tilt=0.0)
    base = lin2010_scaled_values(0.0, 0.0, **kw)
    # p0 scales r0 f^beta only, not the cusp terms (about -0.3 RE at the nose)
    cusp_terms = lin2010_scaled_values(0.0, 0.0, p0=0.0, **kw)
    assert -0.5 < cusp_terms < 0
    expected = cusp_terms + 1.2 * (base - cusp_terms)
    assert lin2010_scaled_values(0.0, 0.0, p0=1.2, **kw) == pytest.approx(expected, rel=1e-12)
    # p2 deepens the cusp indentation (c < 0): the radius at the northern cusp shrinks
    cusp = lin2010_scaled_values(1.103, math.pi / 2, **kw)
    assert lin2010_scaled_values(1.103, math.pi / 2, p2=2.0, **kw) < cusp


def test_cmem_regions_by_hand():
    m = _cmem()
    rmp = float(lin2010_values(0.0, 0.0, pdyn=2.0, pm=0.01, bz=-2.0))
    assert m.evaluate(0.99 * rmp, 0.0, 0.0) == 0.0
    # sheath on the Sun-Earth line: A1 (r/10)^-alpha (theta = 0)
    assert float(m.evaluate(11.0, 0.0, 0.0)) == pytest.approx(2e-5 * 1.1**-2.5, rel=1e-12)
    # sheath off-axis, by hand: theta from +X, eta = A1 exp(-B (theta/2)^4) (r/10)^(-alpha - beta sin^2)
    x, y = 9.0, 6.0
    r, th = math.hypot(x, y), math.atan2(y, x)
    rmp_here = float(lin2010_values(th, 0.0, pdyn=2.0, pm=0.01, bz=-2.0))
    assert rmp_here < r < 13.0
    expected = 2e-5 * math.exp(-2.0 * (th / 2) ** 4) * (r / 10) ** (-(2.5 - 1.6 * math.sin(th) ** 2))
    assert float(m.evaluate(x, y, 0.0)) == pytest.approx(expected, rel=1e-12)
    assert float(m.evaluate(20.0, 0.0, 0.0)) == pytest.approx(5e-6 / 8, rel=1e-12)


def test_cmem_from_solar_wind_and_validation():
    sw = SolarWindState(n=10 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -2] * u.nT)
    m = CMEM.from_solar_wind(sw, tilt=10 * u.deg)
    assert m.p0 == pytest.approx(0.0022 * 10 + 0.7753)
    assert m.tilt == pytest.approx(math.radians(10))
    assert m(12 * RE, 0 * RE, 0 * RE).unit == E
    with pytest.raises(InputError, match="pdyn"):
        _cmem(pdyn=2.0)
    with pytest.raises(InputError, match="tilt"):
        _cmem(tilt=60 * u.deg)


def test_registry():
    assert EMISSIVITY_MODELS == {"swcx": SWCXEmissivity, "jorgensen2019": Jorgensen2019, "cmem": CMEM}


def test_physical_emissivity_is_cut_at_the_inner_radius():
    # The cusp funnels reach the ionosphere; below inner_radius (default 3 RE, the depth of the MHD inner
    # boundaries SXI studies use) there is no emission, above it the formula applies unchanged.

    state = SolarWindState(n=20 * u.cm**-3, v_gse=[-500, 0, 0] * u.km / u.s, b_gsm=[0, 0, -5] * u.nT)
    edges = cusp_edges(state, "north", altitude=1.5 * RE)
    cusp_point = edges.equatorward_gsm.to_value(RE) * 0.5 + edges.poleward_gsm.to_value(RE) * 0.5
    default = SWCXEmissivity.from_solar_wind(state)
    uncut = SWCXEmissivity.from_solar_wind(state, inner_radius=0 * RE)
    assert uncut.evaluate(*cusp_point) > 0  # the sheath model puts cusp plasma at 2.5 RE ...
    assert default.evaluate(*cusp_point) == 0  # ... and the default cut removes it
    params = {"pdyn": state.pdyn}
    x_sheath = 0.5 * (
        standoff("shue1998", bz=state.bz, **params) + standoff(jelinek2012_bow_shock, **params)
    ).to_value(RE)
    assert default.sheath.region(x_sheath, 0.0, 0.0) == 1
    assert default.evaluate(x_sheath, 0.0, 0.0) == uncut.evaluate(x_sheath, 0.0, 0.0) > 0


@pytest.mark.parametrize(
    ("n", "v", "b", "tilt_deg", "exosphere", "magnetopause"),
    [
        (8.0, 420.0, [2.0, -3.0, -4.0], 20.0, "hodges1994", "shue1998"),
        (25.0, 650.0, [0.0, 5.0, 6.0], -28.0, "hodges1994", "shue1998"),
        (4.0, 350.0, [-1.0, 1.0, -12.0], 5.0, "cravens2001", "shue1997"),
        (12.0, 500.0, [0.0, 0.0, 3.0], -10.0, "cravens2001", "jelinek2012"),
    ],
)
def test_compiled_swcx_matches_the_array_path(n, v, b, tilt_deg, exosphere, magnetopause):
    # The compiled evaluate (plasma_point + density_point, closed-form boundary normals) against the array
    # path (Magnetosheath.plasma_values with central-difference normals, ExosphereModel.density_values),
    # at points packed about the sheath and the cusps, solar wind, magnetosphere and the inner cut.
    from smilekit.geospace.magnetosheath import Magnetosheath

    sw = SolarWindState(n=n * u.cm**-3, v_gse=[-v, 0, 0] * u.km / u.s, b_gsm=b * u.nT)
    tilt = tilt_deg * u.deg
    model = SWCXEmissivity.from_solar_wind(sw, exosphere=exosphere, tilt=tilt, warn=False)
    model.sheath = Magnetosheath.from_solar_wind(sw, tilt=tilt, magnetopause=magnetopause)
    assert model._compiled() is not None
    rng = np.random.default_rng(11)
    r = np.concatenate([rng.uniform(2.0, 20.0, 30000), rng.uniform(20.0, 80.0, 5000)])
    ct, phi = rng.uniform(-1.0, 1.0, r.size), rng.uniform(-np.pi, np.pi, r.size)
    st_ = np.sqrt(1 - ct**2)
    x, y, z = r * ct, r * st_ * np.cos(phi), r * st_ * np.sin(phi)
    # and about the funnels: footprints across the edges mapped out (smilekit.geospace.cusps), +-30 deg MLT
    rc, sign = rng.uniform(2.5, 12.0, 5000), rng.choice([-1.0, 1.0], 5000)
    eq, pw = cusps.cusp_footprint_values(b[2], np.radians(tilt_deg), sign)
    colat = cusps._colatitude_at(rc, rng.uniform(eq - 1.0, pw + 1.0))
    lon = np.radians(rng.uniform(-30.0, 30.0, rc.size))
    xs, ys, zs = rc * np.sin(colat) * np.cos(lon), rc * np.sin(colat) * np.sin(lon), sign * rc * np.cos(colat)
    xc, yc, zc = cusps.sm_to_gsm_values(xs, ys, zs, np.radians(tilt_deg))
    x, y, z = np.concatenate([x, xc]), np.concatenate([y, yc]), np.concatenate([z, zc])
    region = model.sheath.plasma_values(x, y, z)[3]
    assert all((region == k).sum() > 100 for k in range(4))  # every region is sampled
    got, expected = model.evaluate(x, y, z), model._evaluate_arrays(x, y, z)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9 * expected.max())
    assert model.evaluate(x.reshape(5, 8000), y.reshape(5, 8000), 1.0).shape == (5, 8000)
    assert model.evaluate(12.0, 0.0, 0.0).shape == ()
    with pytest.raises(InputError, match="finite"):
        model.evaluate(np.array([12.0, np.nan]), 0.0, 0.0)
    model.sheath = Magnetosheath.from_solar_wind(sw, tilt=tilt, magnetopause="lin2010")
    assert model._compiled() is None  # not axisymmetric: the array path
    np.testing.assert_array_equal(
        model.evaluate(x[:50], y[:50], z[:50]), model._evaluate_arrays(x[:50], y[:50], z[:50])
    )


def test_a_change_to_the_sheath_after_an_evaluation_is_seen():
    """The sheath's attributes are public: switching its cusp plasma off between two evaluations (as the
    cusp benchmarks compare a truth with and without it) changes the compiled answer as the array path's."""
    sw = SolarWindState(n=10 * u.cm**-3, v_gse=[-450, 0, 0] * u.km / u.s, b_gsm=[0, 2, -3] * u.nT)
    tilt = 0.2 * u.rad
    model = SWCXEmissivity.from_solar_wind(sw, tilt=tilt, warn=False)
    eq, pw = cusps.cusp_footprint_values(-3.0, 0.2, 1.0)
    colat = cusps._colatitude_at(np.full(50, 7.0), np.linspace(eq + 0.1, pw - 0.1, 50))
    xc, yc, zc = cusps.sm_to_gsm_values(7.0 * np.sin(colat), np.zeros(50), 7.0 * np.cos(colat), 0.2)
    with_cusp = model.evaluate(xc, yc, zc)
    fraction = model.sheath.cusp_density_fraction
    model.sheath.cusp_density_fraction = 0.0
    try:
        without = model.evaluate(xc, yc, zc)
        np.testing.assert_allclose(without, model._evaluate_arrays(xc, yc, zc), rtol=1e-6, atol=1e-12)
    finally:
        model.sheath.cusp_density_fraction = fraction
    assert with_cusp.max() > 0 and np.all(without < with_cusp)


def _compiled_callees(func):
    """The Python functions of the numba kernels ``func`` calls by name (``f(...)`` or ``module.f(...)``)."""
    names = func.__code__.co_names
    modules = [m for m in map(func.__globals__.get, names) if inspect.ismodule(m)]
    for name in names:
        for value in (func.__globals__.get(name), *(getattr(m, name, None) for m in modules)):
            if isinstance(value, numba.core.registry.CPUDispatcher):
                yield value.py_func


@pytest.mark.slow
def test_the_compiled_swcx_is_cached_under_its_sources(tmp_path):
    """The compiled evaluation is loaded from numba's cache in a new process (not compiled in each, ~1 s),
    and its cache key is the content of every source it builds on: an edited sheath, boundary, cusp or
    exosphere module (whose compiled functions numba's cache does not follow) or constant gives a new key."""
    files = [tmp_path / "a.py", tmp_path / "b.py"]
    for file in files:
        file.write_text("x = 1\n")
    before = emissivity._sources_digest(files)
    assert emissivity._sources_digest(files) == before
    files[1].write_text("x = 2\n")
    assert emissivity._sources_digest(files) != before
    assert emissivity._sources_digest([tmp_path / "gone.py"]) is None  # unreadable: not cached at all
    assert type(emissivity._compiled_swcx_loop(None)._cache).__name__ == "NullCache"

    # every module whose compiled functions the kernel reaches is among the sources, and the key is theirs
    sources = {path.resolve() for path in emissivity._SWCX_LOOP_SOURCES}
    seen, todo = set(), [emissivity._swcx_loop.py_func]
    while todo:
        func = todo.pop()
        assert Path(inspect.getfile(func)).resolve() in sources, func.__qualname__
        fresh = set(_compiled_callees(func)) - seen
        seen |= fresh
        todo += fresh
    reached = {func.__name__ for func in seen}  # what the walk must find, or it walked nothing
    assert {"plasma_point", "density_point", "shape_point", "cusp_point", "_magnetopause_point"} <= reached
    key = emissivity._sources_digest(emissivity._SWCX_LOOP_SOURCES)
    assert [cell.cell_contents for cell in emissivity._swcx_loop.py_func.__closure__] == [key]

    # numba's index key of the kernel follows the key in its closure (what keeps an edited source's old
    # code from being loaded): numba's private _index_key, so that a numba that stops hashing closures fails
    sw = SolarWindState(n=8 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -2] * u.nT)
    model = SWCXEmissivity.from_solar_wind(sw, tilt=0 * u.deg, warn=False)
    assert model.evaluate(np.array([11.0]), np.array([0.0]), np.array([0.0]))[0] > 0
    sig = next(iter(emissivity._swcx_loop.signatures))
    codegen = emissivity._swcx_loop.targetctx.codegen()
    index_keys = {emissivity._compiled_swcx_loop(k)._cache._index_key(sig, codegen) for k in ("a", "b")}
    assert len(index_keys) == 2

    # and a new process loads it
    code = (
        "import numpy as np, astropy.units as u\n"
        "from smilekit.geospace.emissivity import SWCXEmissivity, _swcx_loop\n"
        "from smilekit.solarwind import SolarWindState\n"
        "sw = SolarWindState(n=8 * u.cm**-3, v_gse=[-400, 0, 0] * u.km / u.s, b_gsm=[0, 0, -2] * u.nT)\n"
        "SWCXEmissivity.from_solar_wind(sw, tilt=0 * u.deg, warn=False).evaluate(\n"
        "    np.array([11.0]), np.array([0.0]), np.array([0.0]))\n"
        "print(sum(_swcx_loop.stats.cache_hits.values()), sum(_swcx_loop.stats.cache_misses.values()))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert [int(v) for v in run.stdout.split()[-2:]] == [1, 0]  # this process compiled or loaded it
