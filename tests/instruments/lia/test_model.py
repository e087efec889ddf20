"""LIA instrument model: the published numbers, the bins, and the bin integral against analytic fluxes."""

import math

import astropy.units as u
import numpy as np
import pytest
from scipy.special import erf

from smilekit.constants import K_B, M_P
from smilekit.errors import InputError
from smilekit.instruments.lia import LIAConfig, Population, energy_table, geometric_factor, simulate_counts
from smilekit.instruments.lia.distributions import GL_NODES, GL_WEIGHTS, exp_negative, quadrature_points
from smilekit.instruments.lia.model import grid_values


def test_published_numbers():
    """Seed chapter section 3.3: 0.05-20 keV, 48 anode sectors, 0-90 deg below and 0-62 deg above 13.2 keV."""
    e = energy_table().to_value(u.eV)
    assert e[0] == pytest.approx(50.0) and e[-1] == pytest.approx(20000.0)
    assert np.allclose(np.diff(np.log(e)), math.log(400) / 31)  # logarithmic
    g = geometric_factor().to_value(u.cm**2 * u.sr)
    assert g.shape == (32, 16, 48)
    grid = grid_values(LIAConfig().values)
    el_hi = np.degrees(grid.el_edges[1:])
    low, high = e < 13200, e > 13200
    # below 13.2 keV the two sensors see the full sphere: the solid angles add to 4 pi
    assert np.allclose(grid.solid_angle[low].sum(axis=(1, 2)), 4 * math.pi)
    # above, only |elevation| <= 62 deg: 4 pi sin(62 deg)
    assert np.allclose(grid.solid_angle[high].sum(axis=(1, 2)), 4 * math.pi * math.sin(math.radians(62)))
    assert (g[high][:, el_hi > 62 + 11.25] == 0).all() and (g[low] > 0).all()


def test_config_rejects_bad_values():
    with pytest.raises(InputError, match="mcp_efficiency"):
        LIAConfig(mcp_efficiency=1.5)
    with pytest.raises(InputError, match="energy_range"):
        LIAConfig(energy_range=[20.0, 0.05] * u.keV)
    with pytest.raises(InputError, match="dead_time"):
        LIAConfig(dead_time=-1 * u.us)
    with pytest.raises(InputError, match="accumulation_time"):
        LIAConfig(accumulation_time=4.0)


def _mean_speed(v, w):
    """Mean |v| of an isotropic Maxwellian of thermal speed w = sqrt(2kT/m) drifting at v (analytic)."""
    x = v / w
    return w * (math.exp(-x * x) / math.sqrt(math.pi) + (x + 0.5 / x) * erf(x))


@pytest.mark.parametrize(
    ("n", "speed", "temperature"),
    [(5.0, 400.0, 1e5), (5.0, 700.0, 5e4), (20.0, 300.0, 3e6), (3.0, 450.0, 2e5)],
)
def test_bin_integral_is_the_analytic_flux(n, speed, temperature):
    """Sum over all bins of the expected counts = dwell * eps * A * n <|v|> (no dead time, no potential).

    The flux integral of v f over all directions and speeds is n <|v|>, analytic for a drifting
    Maxwellian; a distribution wholly inside the table and the field of view must give it to the
    quadrature's accuracy (0.3 %), from the cold fast beam to the hot sheath.
    """
    cfg = LIAConfig(dead_time=0 * u.s, spacecraft_potential=0 * u.V)
    d = np.array([-0.8, 0.5, 0.3])
    d /= np.linalg.norm(d)
    p = Population(
        "proton", n / u.cm**3, speed * d * u.km / u.s, temperature * u.K, temperature * u.K, [0, 0, 1]
    )
    ds = simulate_counts(p, 0, config=cfg)
    grid = grid_values(cfg.values)
    w = math.sqrt(2 * K_B * temperature / M_P) * 1e-3
    expected = grid.scale * n * _mean_speed(speed, w)
    assert float(ds.expected.sum()) == pytest.approx(expected, rel=3e-3)


def test_quadrature_rule_converges():
    """The adaptive Gauss-Legendre order integrates a Gaussian across a bin to 2e-3."""
    for width in (0.1, 0.5, 1.0, 2.0, 3.0, 4.0):
        q = int(quadrature_points(np.array([width]), np.array([1.0]))[0])
        for centre in (0.0, 0.7, 1.5):

            def rule(k, centre=centre, width=width):
                x = centre + 0.5 * width * GL_NODES[k - 1, :k]
                return 0.5 * width * np.sum(GL_WEIGHTS[k - 1, :k] * np.exp(-0.5 * x * x))

            exact = math.sqrt(math.pi / 2) * (
                erf((centre + width / 2) / math.sqrt(2)) - erf((centre - width / 2) / math.sqrt(2))
            )
            assert rule(q) == pytest.approx(exact, rel=2e-3, abs=1e-4 * width)


@pytest.mark.parametrize(("kappa", "speed", "temperature"), [(6.0, 300.0, 1e6), (3.0, 450.0, 3e5)])
def test_kappa_bin_integral_is_the_numerical_flux(kappa, speed, temperature):
    """The bi-kappa's normalisation and the bin integral: sum of the expected counts = dwell eps A n <|v|>,
    with <|v|> of the isotropic kappa distribution by a 1-D numerical integral (the angular integral of
    |u + V| over a sphere of radius u is ((u + V)^3 - |u - V|^3) / (3 u V), analytic). Tolerance 0.5 %."""
    from scipy.integrate import quad
    from scipy.special import gammaln

    cfg = LIAConfig(dead_time=0 * u.s, spacecraft_potential=0 * u.V)
    d = np.array([-0.6, -0.6, 0.52])
    d /= np.linalg.norm(d)
    n = 10.0
    p = Population(
        "proton", n / u.cm**3, speed * d * u.km / u.s, temperature * u.K, temperature * u.K, [0, 0, 1], kappa
    )
    ds = simulate_counts(p, 0, config=cfg)
    w = math.sqrt(2 * K_B * temperature / M_P) * 1e-3
    ks = kappa - 1.5
    norm = math.exp(gammaln(kappa + 1) - gammaln(kappa - 0.5)) / ((math.pi * ks) ** 1.5 * w**3)

    def integrand(x):
        f = norm * (1 + x * x / (ks * w * w)) ** -(kappa + 1)
        return 2 * math.pi * f * x * x * ((x + speed) ** 3 - abs(x - speed) ** 3) / (3 * x * speed)

    density = quad(
        lambda x: 4 * math.pi * x * x * norm * (1 + x * x / (ks * w * w)) ** -(kappa + 1), 0, np.inf
    )[0]
    assert density == pytest.approx(1.0, rel=1e-6)  # the normalisation
    mean_speed = quad(integrand, 0, 1960.0, limit=200)[0]  # |u| to the speed of 20 keV (tail beyond < 0.1 %)
    grid = grid_values(cfg.values)
    assert float(ds.expected.sum()) == pytest.approx(grid.scale * n * mean_speed, rel=5e-3)


def test_exp_negative_matches_numpy():
    """The kernels' table exponential agrees with numpy's exp to 1e-11 (relative) over the table, at its
    knots and beyond it (q > 48, math.exp)."""
    q = np.concatenate([np.linspace(0.0, 60.0, 200_001), np.arange(0, 49 * 64) / 64.0, [47.999999, 48.0]])
    got = np.array([exp_negative(x) for x in q])
    np.testing.assert_allclose(got, np.exp(-q), rtol=1e-11, atol=0)
