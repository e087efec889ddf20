"""LIA bad input: a project error naming the value, or a quality flag on the affected samples."""

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.instruments.lia import QUALITY_BITS, Population, simulate_counts
from smilekit.instruments.lia.moments import compute_moments

V = [-400.0, 0.0, 0.0] * u.km / u.s


def _proton(n=5.0, v=V, t_par=1e5, t_perp=1e5, b=(0, 0, 1), kappa=None):
    return Population("proton", n / u.cm**3, v, t_par * u.K, t_perp * u.K, b, kappa)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": -5.0}, "density -5"),
        ({"n": np.array([5.0, np.nan])}, "density nan cm.-3 at sample 1"),
        ({"t_par": -1e5}, "t_par -100000"),
        ({"t_perp": np.inf}, "t_perp inf"),
        ({"t_par": 0.0}, "t_par 0"),
        ({"v": [np.nan, 0, 0] * u.km / u.s}, "velocity"),
        ({"v": [-4e4, 0, 0] * u.km / u.s}, "speed"),
        ({"b": (0, 0, 0)}, "b_direction"),
        ({"kappa": 1.2}, "kappa 1.2"),
    ],
)
def test_unphysical_plasma_is_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        _proton(**kwargs)


def test_unitless_and_wrong_units():
    with pytest.raises(InputError, match="Quantity"):
        Population("proton", 5.0, V, 1e5 * u.K, 1e5 * u.K, [0, 0, 1])
    with pytest.raises(InputError, match="species"):
        Population("oxygen", 5 / u.cm**3, V, 1e5 * u.K, 1e5 * u.K, [0, 0, 1])
    with pytest.raises(InputError, match="rng"):
        simulate_counts(_proton(), "seed")
    with pytest.raises(InputError, match="spacecraft_potential"):
        simulate_counts(_proton(), 1, spacecraft_potential=5.0)


def test_energy_in_temperature_is_accepted():
    """A temperature given as an energy (eV) is the same distribution as in kelvin."""
    a = simulate_counts(Population("proton", 5 / u.cm**3, V, 10 * u.eV, 10 * u.eV, [0, 0, 1]), 1)
    b = simulate_counts(Population("proton", 5 / u.cm**3, V, 116045.18 * u.K, 116045.18 * u.K, [0, 0, 1]), 1)
    assert np.allclose(a.expected.values, b.expected.values, rtol=1e-6)


@pytest.mark.parametrize(
    ("v", "t", "bit"),
    [
        ([-2300.0, 0.0, 0.0], 1e5, "no_counts"),  # 27.6 keV: beyond the table's 20 keV/q
        ([-1950.0, 0.0, 0.0], 1e5, "energy_edge"),  # 19.9 keV: half beyond the table
        ([-1700.0, 0.0, 0.0], 1e5, "restricted_fov"),  # 15 keV: above 13.2 keV, 62 deg field
        ([-60.0, 0.0, 0.0], 1e4, "no_counts"),  # 19 eV: below the table's 50 eV/q
        ([-100.0, 0.0, 0.0], 3e5, "energy_edge"),  # partly below 50 eV/q
    ],
)
def test_distribution_outside_the_energy_table_is_flagged(v, t, bit):
    """A distribution (partly) outside the table gets its flag on the distribution and on the moments;
    where no counts are left the moments are NaN, never a number."""
    p = _proton(v=v * u.km / u.s, t_par=t, t_perp=t)
    ds = simulate_counts(p, 2)
    m = compute_moments(ds, [0, 0, 1])
    assert ds.quality_flag.values[0] & QUALITY_BITS[bit]
    assert m.quality_flag.values[0] & QUALITY_BITS[bit]
    if bit == "no_counts":
        assert np.isnan(m.density_p.values[0]) and np.isnan(m.velocity_p.values[0]).all()


def test_bad_counts_are_refused():
    ds = simulate_counts(_proton(), 1)
    with pytest.raises(InputError, match="counts must be >= 0"):
        compute_moments(ds.assign(counts=ds.counts * 0 - 1), [0, 0, 1])
    with pytest.raises(InputError, match="shape"):
        compute_moments(ds.isel(energy=slice(0, 10)), [0, 0, 1])
    with pytest.raises(InputError, match="b_direction"):
        compute_moments(ds, [np.nan, 0, 0])
    with pytest.raises(InputError, match="lia_to_gse"):
        compute_moments(ds, [0, 0, 1], frame="gse")
    for bad in (0.0, -4.0, np.nan, 25.0, "four"):
        with pytest.raises(InputError, match="alpha_temperature_ratio"):
            compute_moments(ds, [0, 0, 1], alpha_temperature_ratio=bad)


@settings(max_examples=15, deadline=None)
@given(
    theta=st.floats(-80, 80),
    phi=st.floats(0, 360),
    speed=st.floats(120, 300),
    temperature=st.floats(1.5e6, 6e6),
)
def test_sheath_density_any_direction(theta, phi, speed, temperature):
    """Invariant: the density of a magnetosheath distribution (30 cm^-3) comes out within 5 % whatever
    the flow direction relative to the sensors, the seams between them and the poles."""
    t, p = np.radians(theta), np.radians(phi)
    v = speed * np.array([np.cos(t) * np.cos(p), np.cos(t) * np.sin(p), np.sin(t)])
    ds = simulate_counts(_proton(30.0, v * u.km / u.s, temperature, temperature), 9)
    m = compute_moments(ds, [0, 0, 1])
    assert abs(float(m.density_p[0]) / 30 - 1) < 0.05
