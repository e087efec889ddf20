"""LIA moments against the truth that made the counts: the magnetosheath targets, the solar-wind beam,
the proton/alpha split, Poisson statistics, dead time and spacecraft potential.

Every simulation is seeded (the seed is in each test) and uses the default 4-s accumulation
(:class:`LIAConfig`: 15.6 ms per energy-deflection step).
"""

import astropy.units as u
import numpy as np
import pytest
from scipy import stats

from smilekit.errors import InputError
from smilekit.instruments.lia import QUALITY_BITS, LIAConfig, Population, simulate_counts
from smilekit.instruments.lia.moments import compute_moments
from smilekit.instruments.lia.simulate import poisson_values

B = np.array([0.3, -0.5, 0.81])
B = B / np.linalg.norm(B)

#: Magnetosheath states (n cm^-3, V km/s along a flow direction in the LIA frame, T_par K, T_perp K): the
#: issue's range n 20-40, V 150-250 km/s, T 2e6-5e6 K, with the perpendicular anisotropy usual behind a
#: quasi-perpendicular shock (T_perp / T_par = 1.5).
SHEATH = [
    (20.0, 150.0, 2e6, 3e6),
    (40.0, 150.0, 4e6, 5e6),
    (30.0, 250.0, 2e6, 3e6),
    (20.0, 250.0, 5e6, 5e6),
]


def _populations(n, v_vec, t_par, t_perp, samples, *, alpha=0.0, kappa=None, b=B):
    v = np.tile(v_vec, (samples, 1)) * u.km / u.s
    pops = [Population("proton", np.full(samples, n) / u.cm**3, v, t_par * u.K, t_perp * u.K, b, kappa)]
    if alpha:
        pops.append(
            Population(
                "alpha", np.full(samples, n * alpha) / u.cm**3, v, 4 * t_par * u.K, 4 * t_perp * u.K, b
            )
        )
    return pops


def _direction(seed):
    d = np.random.default_rng(seed).normal(size=3)
    return d / np.linalg.norm(d)


@pytest.mark.parametrize(("index", "state"), list(enumerate(SHEATH)))
def test_magnetosheath_targets(index, state):
    """Issue 16: density within 5 %, velocity within 1 %, temperature within 10 % in the magnetosheath.

    100 distributions per state (seed 100 + index), flow in a random direction of the LIA frame. Every
    sample meets the density and temperature targets. The velocity: the systematic error (the mean of
    the 100) is within 0.6 % and the rms error within 1 %; single 4-s samples reach 1.3 % at n 20 cm^-3,
    V 150 km/s (measured: the Poisson noise of ~1.2e5 counts, 0.45 % per component, on a 0.5 % bias from
    the part of the hot, slow distribution below 50 eV/q). The reported uncertainties describe the scatter.
    """
    n, speed, t_par, t_perp = state
    v = speed * _direction(index)
    pops = _populations(n, v, t_par, t_perp, 100)
    ds = simulate_counts(pops, 100 + index)
    m = compute_moments(ds, B)
    assert np.all(np.abs(m.density_p.values / n - 1) < 0.05)
    dv = m.velocity_p.values - v
    assert np.linalg.norm(dv.mean(axis=0)) / speed < 0.006
    assert np.sqrt(np.mean(np.sum(dv**2, axis=1))) / speed < 0.01
    assert np.all(np.linalg.norm(dv, axis=1) / speed < 0.015)
    assert np.all(np.abs(m.t_par_p.values / t_par - 1) < 0.10)
    assert np.all(np.abs(m.t_perp_p.values / t_perp - 1) < 0.10)
    # Poisson uncertainties: the spread of 100 samples about their mean (7 % standard error), within
    # -25 % and +30 %
    for name in ("density_p", "t_par_p", "t_perp_p", "pressure_p"):
        spread = m[name].values.std(ddof=1)
        sigma = m[f"{name}_uncertainty"].values.mean()
        assert 0.75 < spread / sigma < 1.3, name
    spread = m.velocity_p.values.std(axis=0, ddof=1)
    assert np.all(
        (spread > 0.7 * m.velocity_p_uncertainty.values.mean(axis=0))
        & (spread < 1.3 * m.velocity_p_uncertainty.values.mean(axis=0))
    )
    # heat flux: zero for a drifting bi-Maxwellian; measured within 4 sigma plus 2 % of p w (the binning)
    w = np.sqrt(2 * 1.380649e-23 * t_perp / 1.67262192e-27)  # m/s
    q_scale = m.pressure_p.values[:, None] * 1e-9 * w * 1e3  # mW m^-2
    bound = 4 * m.heat_flux_p_uncertainty.values + 0.02 * q_scale
    assert np.all(np.abs(m.heat_flux_p.values) < bound)
    # the hot sheath's alphas share the protons' E/q range: the split is refused and flagged
    assert np.all(m.quality_flag.values & QUALITY_BITS["alpha_not_separated"])
    assert np.isnan(m.density_a.values).all()


#: k: an alpha counted as a proton is read at k times its speed (same E/q), sqrt(m_alpha q_p / (m_p q_alpha))
K_ALPHA = np.sqrt(3.9726 / 2.0)


def test_unseparated_alphas_bias_the_proton_moments():
    """Issue 16's magnetosheath velocity error is the alphas counted as protons (measured, seed 61).

    Same sheath (n 20 cm^-3, V 200 km/s, T 2e6/3e6 K), 100 distributions with and without 4 % co-moving
    alphas at 4 T_p; the alphas are the one thing varied. An alpha at speed v has the E/q of a proton at
    k v (k = 1.409), so read as a proton it adds 1/k of itself to the density and all of itself to the
    number flux (counts / (tau eps A) are the flux whatever the species): ``n (1 + r/k)`` and
    ``V (1 + r) / (1 + r/k)``, +2.84 % and +1.13 % at r = 0.04. The measured shifts of the means agree
    within 0.15 % (velocity, along V) and 0.2 % (density); the number flux ``n V`` of all counts is the
    total ion flux ``(1 + r) n_p V`` within 0.3 %.
    """
    n, speed, r = 20.0, 200.0, 0.04
    v = speed * _direction(61)
    out = {}
    for alpha in (0.0, r):
        m = compute_moments(simulate_counts(_populations(n, v, 2e6, 3e6, 100, alpha=alpha), 61), B)
        assert np.all(m.quality_flag.values & QUALITY_BITS["alpha_not_separated"])
        out[alpha] = m
    along = {a: (m.velocity_p.values @ v).mean() / speed**2 for a, m in out.items()}
    dens = {a: m.density_p.values.mean() / n for a, m in out.items()}
    assert abs((along[r] - along[0.0]) - ((1 + r) / (1 + r / K_ALPHA) - 1)) < 0.0015
    assert abs((dens[r] - dens[0.0]) - r / K_ALPHA) < 0.002
    flux = (out[r].density_p.values[:, None] * out[r].velocity_p.values) @ v / speed**2
    assert abs(flux.mean() / (n * (1 + r)) - 1) < 0.003
    assert (along[r] - 1) > 0.01  # the plain moment misses the 1 % target: the cause of the main job's error


@pytest.mark.parametrize(
    ("state", "kappa"), [((20.0, 150.0, 2e6, 3e6), None), ((30.0, 200.0, 3e6, 3e6), 5.0)]
)
def test_alpha_fraction_inferred_from_the_heat_flux(state, kappa):
    """With ``alpha_temperature_ratio`` (the assumed T_alpha / T_p) the unseparated alphas are inferred
    from the heat flux of the counts along V and taken out (seed 63, flow direction 62; 100 distributions
    with 4 % alphas at 4 T_p, and without). Measured over three flow directions: mean r 0.034-0.042 with
    alphas, -0.004-0.002 without (the binning's heat-flux residual, < 0.2 % of p w, is 0.006 of r at
    150 km/s, where the alphas' heat flux is weakest), 0.007-0.009 per sample with the propagated
    uncertainty matching the scatter (0.8-1.15); the proton velocity bias +0.2 to +0.56 % at 150 km/s and
    within 0.05 % at 200 km/s (1.1-1.3 % without the inference), rms 0.4-0.85 %. Asserted: mean r within
    0.008, velocity bias < 0.6 %, rms < 1 %, uncertainties of r, V, n, T_par, T_perp and p within 0.7-1.3
    of the scatter (7 % standard error of a 100-sample spread), every density
    within 5 % and temperature within 10 %. The inference needs the temperature ratio: with T_alpha = 8
    T_p in the truth (seed 64, 20 distributions) and 4 assumed, r comes out 0.13-0.14 for 0.04 and the
    velocity is over-corrected (measured -2.0 to -2.4 %; asserted below -1 %); with 8 assumed, r
    0.038-0.040 and the velocity within 0.4 % (asserted 0.008 and 0.6 %).
    """
    n, speed, t_par, t_perp = state
    v = speed * _direction(62)
    for alpha in (0.04, 0.0):
        pops = _populations(n, v, t_par, t_perp, 100, alpha=alpha, kappa=kappa)
        m = compute_moments(simulate_counts(pops, 63), B, alpha_temperature_ratio=4.0)
        r = m.alpha_ratio_inferred.values
        assert np.isfinite(r).all()
        assert abs(r.mean() - alpha) < 0.008
        assert 0.7 < r.std(ddof=1) / m.alpha_ratio_inferred_uncertainty.values.mean() < 1.3
        dv = m.velocity_p.values - v
        assert abs((dv @ v).mean()) / speed**2 < 0.006
        assert np.sqrt(np.mean(np.sum(dv**2, axis=1))) / speed < 0.01
        spread = dv.std(axis=0, ddof=1) / m.velocity_p_uncertainty.values.mean(axis=0)
        assert np.all((spread > 0.7) & (spread < 1.3))
        for name in ("density_p", "t_par_p", "t_perp_p", "pressure_p"):  # measured 0.87-1.1
            spread = m[name].values.std(ddof=1) / m[f"{name}_uncertainty"].values.mean()
            assert 0.7 < spread < 1.3, name
        assert np.all(np.abs(m.density_p.values / n - 1) < 0.05)
        assert np.all(np.abs(m.temperature_p.values / ((t_par + 2 * t_perp) / 3) - 1) < 0.10)
    hotter = _populations(n, v, t_par, t_perp, 20, alpha=0.04)  # alphas at 4 T_p ...
    hotter[1] = Population(
        "alpha", hotter[1].density, hotter[1].velocity, 8 * t_par * u.K, 8 * t_perp * u.K, B
    )
    ds = simulate_counts(hotter, 64)  # ... replaced by 8 T_p
    wrong = compute_moments(ds, B, alpha_temperature_ratio=4.0)
    assert (wrong.velocity_p.values @ v).mean() / speed**2 < 0.99
    right = compute_moments(ds, B, alpha_temperature_ratio=8.0)
    assert abs(right.alpha_ratio_inferred.values.mean() - 0.04) < 0.008
    assert abs((right.velocity_p.values @ v).mean() / speed**2 - 1) < 0.006


def test_magnetosheath_kappa():
    """A bi-kappa sheath (kappa 5): density within 5 %, velocity within 1 %, temperatures within 10 %.

    The kappa tails above 20 keV/q (outside the table) hold under 0.1 % of the density at 3e6 K.
    """
    v = 200.0 * _direction(7)
    ds = simulate_counts(_populations(30.0, v, 3e6, 3e6, 10, kappa=5.0), 11)
    m = compute_moments(ds, B)
    assert np.all(np.abs(m.density_p.values / 30 - 1) < 0.05)
    assert np.all(np.linalg.norm(m.velocity_p.values - v, axis=1) / 200 < 0.01)
    assert np.all(np.abs(m.temperature_p.values / 3e6 - 1) < 0.10)


def test_cold_slow_sheath_is_flagged():
    """Measured limit: a slow, cooler sheath (V 100 km/s, T 1e6 K) has 12 % of its density below 50 eV/q
    (+5 V potential). The low-energy extrapolation brings the density to within 5 % and the velocity to
    within 3 %, but not 1 %: the samples carry the energy_edge flag."""
    v = np.array([100.0, 0.0, 0.0])
    ds = simulate_counts(_populations(30.0, v, 1e6, 1e6, 10), 5)
    m = compute_moments(ds, B)
    assert np.all(m.quality_flag.values & QUALITY_BITS["energy_edge"])
    assert np.all(np.abs(m.density_p.values / 30 - 1) < 0.05)
    assert np.all(np.abs(m.velocity_p.values[:, 0] / 100 - 1) < 0.03)
    plain = compute_moments(ds, B, extrapolate_low_energy=False)
    assert np.all(plain.density_p.values < 0.9 * 30)  # without it, > 10 % of the density is missed
    assert np.all(plain.quality_flag.values & QUALITY_BITS["energy_edge"])  # and said so


@pytest.mark.parametrize(
    "v", [[-400.0, 0.0, 0.0], [-400.0, 25.0, -10.0], [-550.0, 40.0, 30.0], [-700.0, 25.0, -10.0]]
)
def test_solar_wind_beam(v):
    """What holds in the narrow solar-wind beam (n 5 cm^-3, T 1e5 K, 4 % alphas at 4 T_p; seed 21).

    Measured: density within 1.3 %, speed within 0.65 % (the beam's E/q is quantised by 19 % steps),
    the velocity vector within 1.6 % (its direction by 7.5 x 11.25 deg bins: up to 0.9 deg). The
    temperature is not measured: the beam's thermal width (sqrt(kT/m) = 29 km/s) is below the bins'
    widths (Delta v / v = 0.097 in energy: 39-68 km/s along the flow; 52-137 km/s across it at
    400-700 km/s), so the moment temperature measures the bins, 1.45x (400 km/s) to 3.3x (700 km/s) the
    truth. A top-hat with this angular and energy resolution gives n and V of the solar wind, not T.
    """
    v = np.array(v)
    speed = np.linalg.norm(v)
    ds = simulate_counts(_populations(5.0, v, 1e5, 1e5, 5, alpha=0.04, b=[0.7, 0.7, 0.0]), 21)
    m = compute_moments(ds, [0.7, 0.7, 0.0])
    assert not (m.quality_flag.values & QUALITY_BITS["alpha_not_separated"]).any()
    assert np.all(np.abs(m.density_p.values / 5 - 1) < 0.02)
    assert np.all(np.abs(np.linalg.norm(m.velocity_p.values, axis=1) / speed - 1) < 0.01)
    assert np.all(np.linalg.norm(m.velocity_p.values - v, axis=1) / speed < 0.02)
    assert np.all(m.temperature_p.values / 1e5 > 1.3)  # the limit of the instrument, documented


def test_alpha_separation_in_the_solar_wind():
    """Alphas split off by E/q in the beam (400 and 600 km/s, seed 31). Measured: alpha density 20 %
    low at 400 km/s (its low-E/q flank falls in the valley step, given to the protons) and within 5 % at
    600-700 km/s; asserted: within 30 %, alpha velocity within 3 %, proton density within 2 %."""
    for speed in (400.0, 600.0):
        v = np.array([-speed, 0.0, 20.0])
        ds = simulate_counts(_populations(6.0, v, 1e5, 1e5, 10, alpha=0.04), 31)
        m = compute_moments(ds, B)
        assert np.all(np.abs(m.density_a.values / 0.24 - 1) < 0.30)
        assert np.all(np.linalg.norm(m.velocity_a.values - v, axis=1) / speed < 0.03)
        assert np.all(np.abs(m.density_p.values / 6 - 1) < 0.02)
        together = compute_moments(ds, B, separate_alphas=False)
        # counted as protons, the alphas (at twice the E/q, taken for sqrt(2) times faster protons) add
        # to the density: the split is what makes the proton moments right
        assert np.all(together.density_p.values > m.density_p.values)
        assert np.all(together.quality_flag.values & QUALITY_BITS["alpha_not_separated"])


def test_poisson_counts():
    """The counts of a bin are Poisson with the expected mean: over 400 seeds, (C - lambda)/sqrt(lambda)
    has mean 0 and variance 1 in every well-filled bin (tolerances 5 standard errors)."""
    p = _populations(20.0, np.array([150.0, 0.0, 0.0]), 2e6, 2e6, 1)
    base = simulate_counts(p, 0)
    lam = base.expected.values[0]
    idx = np.argwhere((lam > 2) & (lam < 200))[:40]
    draws = np.array([simulate_counts(p, seed).counts.values[0][tuple(idx.T)] for seed in range(400)])
    z = (draws - lam[tuple(idx.T)]) / np.sqrt(lam[tuple(idx.T)])
    assert np.all(np.abs(z.mean(axis=0)) < 5 / np.sqrt(400))
    assert np.all(np.abs(z.var(axis=0) - 1) < 5 * np.sqrt(2 / 400))
    again = simulate_counts(p, 7).counts.values
    assert np.array_equal(again, simulate_counts(p, 7).counts.values)  # same seed, same counts


def test_dead_time():
    """A dense beam (n 20 cm^-3, 450 km/s, seed 41) drives the peak bins to r tau = 0.25 with the default
    0.2 us: flagged; the correction restores the density to 1 %; without it (tau = 0 in the processing)
    the density is 18 % low (measured)."""
    v = np.array([-450.0, 0.0, 0.0])
    ds = simulate_counts(_populations(20.0, v, 1e5, 1e5, 5), 41)
    assert np.all(ds.quality_flag.values & QUALITY_BITS["dead_time"])
    m = compute_moments(ds, B)
    assert np.all(m.quality_flag.values & QUALITY_BITS["dead_time"])
    assert np.all(np.abs(m.density_p.values / 20 - 1) < 0.01)
    raw = compute_moments(ds, B, config=LIAConfig(dead_time=0 * u.s))
    assert np.all(raw.density_p.values < 0.85 * 20)
    quiet = simulate_counts(_populations(5.0, v, 1e5, 1e5, 5), 41)  # 5 cm^-3: r tau = 0.06, no flag
    assert not (quiet.quality_flag.values & QUALITY_BITS["dead_time"]).any()


def test_spacecraft_potential():
    """+20 V shifts the beam's E/q by 20 eV: processed with the recorded potential the speed is within
    0.5 %; processed as if 0 V it is 1.2 % too slow (E 1.0 keV at 440 km/s: sqrt(1 - 0.02) = 0.990)."""
    v = np.array([-440.0, 0.0, 0.0])
    ds = simulate_counts(_populations(5.0, v, 1e5, 1e5, 5), 51, spacecraft_potential=20 * u.V)
    m = compute_moments(ds, B)
    assert np.all(np.abs(-m.velocity_p.values[:, 0] / 440 - 1) < 0.005)
    wrong = compute_moments(ds.assign(spacecraft_potential=ds.spacecraft_potential * 0), B)
    shift = -wrong.velocity_p.values[:, 0] / 440 - 1
    assert np.all((shift < -0.007) & (shift > -0.02))


def test_gse_with_attitude():
    """Velocities given in GSE with the attitude come back in GSE (through LIA frame and mounting)."""
    from scipy.spatial.transform import Rotation

    rot = Rotation.from_euler("zyx", [30, -20, 50], degrees=True).as_matrix()
    v_gse = np.array([-180.0, 60.0, 40.0])
    pops = _populations(25.0, v_gse, 3e6, 3e6, 4)
    ds = simulate_counts(pops, 61, attitude=rot)
    m = compute_moments(ds, B, frame="gse")
    assert np.all(np.linalg.norm(m.velocity_p.values - v_gse, axis=1) / 195 < 0.01)
    lia = compute_moments(ds, B, frame="lia")
    assert not np.allclose(lia.velocity_p.values, m.velocity_p.values, atol=20)


def test_along_the_orbit_with_the_mission_attitude():
    """The attitude of :mod:`smilekit.mission` (an Attitude along a science-orbit track) carries GSE
    velocities into the LIA frame and the moments back: sheath velocity in GSE within 1 %, and the
    sample times are the attitude's."""
    from smilekit.mission import kepler_track, sample_times, science_orbit
    from smilekit.mission.pointing import attitude
    from smilekit.units import RE

    times = sample_times("2026-03-20T10:00", "2026-03-20T10:00:20", 4 * u.s)
    att = attitude(kepler_track(science_orbit("2026-03-20"), times), [10, 0, 0] * RE)
    v_gse = np.array([-160.0, 90.0, 50.0])
    ds = simulate_counts(_populations(30.0, v_gse, 3e6, 4e6, len(times)), 71, attitude=att)
    assert np.array_equal(ds.time.values, att.time)
    m = compute_moments(ds, B, frame="gse")
    assert np.all(np.linalg.norm(m.velocity_p.values - v_gse, axis=1) / np.linalg.norm(v_gse) < 0.01)
    assert np.all(np.abs(m.t_perp_p.values / 4e6 - 1) < 0.1)


@pytest.mark.parametrize(("r", "t"), [(0.04, 1.0), (0.1, 1.0), (0.03, 2.0), (0.0, 1.5)])
def test_infer_alpha_ratio_on_sampled_mixtures(r, t):
    """Independent check of the algebra of :func:`infer_alpha_ratio`: apparent moments of particle
    samples (a proton Gaussian with an anisotropic, sheared thermal tensor, drifting at 150 km/s, and
    alphas at fraction ``r`` with ``t`` times its thermal tensor, each alpha read at k times its velocity
    with weight 1/k, the E/q relation of the module docstring) give back ``r``, ``n``, ``V`` and the
    thermal tensor. Antithetic pairs make each population exactly symmetric about V (the assumption);
    tolerance 1e-3 in r, 1e-4 relative in n and V, 1e-3 in theta."""
    from smilekit.instruments.lia.moments import infer_alpha_ratio

    rng = np.random.default_rng(5)
    v = np.array([120.0, -80.0, 40.0])
    a = rng.normal(size=(3, 3)) * 60.0
    theta = a @ a.T + np.diag([9000.0, 12000.0, 15000.0])  # (km/s)^2
    chol = np.linalg.cholesky(theta)
    z = rng.normal(size=(200_000, 3))
    u = np.concatenate([z, -z]) @ chol.T
    protons = v + u
    alphas = K_ALPHA * (v + np.sqrt(t) * u)  # the apparent velocities
    n_p, w_a = float(len(protons)), r * len(protons) / len(alphas) / K_ALPHA

    def moments(x, w):
        s2 = np.sum(x * x, axis=1)
        return (w * len(x), w * x.sum(0), w * np.einsum("ni,nj->ij", x, x), w * (s2[:, None] * x).sum(0))

    mp, ma = moments(protons, 1.0), moments(alphas, w_a)
    n0, n1, n2, n3 = (np.asarray(p + q)[None] for p, q in zip(mp, ma, strict=True))
    r_out, n_out, v_out, theta_out = infer_alpha_ratio(n0, n1, n2, n3, thermal_ratio=t)
    assert abs(r_out[0] - r) < 1e-3
    assert abs(n_out[0] / n_p - 1) < 1e-4
    assert np.allclose(v_out[0], protons.mean(0), rtol=0, atol=1e-4 * np.linalg.norm(v))
    assert np.allclose(theta_out[0], np.cov(protons.T, bias=True), rtol=1e-3, atol=1e-3 * theta.max())


def test_infer_alpha_ratio_sample_by_sample():
    """Each sample's answer is its own (the same alone, in a batch, in any order), and a sample whose
    ``n3`` residual has one sign across ``bounds`` has no root: r NaN, the proton moments at r = 0."""
    from smilekit.instruments.lia.moments import infer_alpha_ratio

    rng = np.random.default_rng(9)
    rows = []
    for r in rng.uniform(0.0, 0.15, 12):  # apparent moments of protons plus alphas at fraction r (t = 1)
        v, theta = rng.normal(size=3) * 200.0, np.diag(rng.uniform(5e3, 4e4, 3))
        n = rng.uniform(1.0, 40.0)
        speed2, vv = v @ v, np.outer(v, v)
        n3 = n * (
            (1 + r * K_ALPHA**2) * speed2 * v + (1 + r * K_ALPHA**2) * (np.trace(theta) * v + 2 * theta @ v)
        )
        rows.append(
            (n * (1 + r / K_ALPHA), n * v * (1 + r), n * ((1 + r * K_ALPHA) * (vv + theta)), n3, r, n)
        )
    n0, n1, n2, n3, r_true, n_true = (np.array(c) for c in zip(*rows, strict=True))
    batch = infer_alpha_ratio(n0, n1, n2, n3)
    np.testing.assert_allclose(batch[0], r_true, rtol=0, atol=1e-9)
    np.testing.assert_allclose(batch[1], n_true, rtol=1e-9)
    order = rng.permutation(12)
    shuffled = infer_alpha_ratio(n0[order], n1[order], n2[order], n3[order])
    for whole, part in zip(batch, shuffled, strict=True):
        assert np.array_equal(whole[order], part)
    alone = infer_alpha_ratio(n0[3:4], n1[3:4], n2[3:4], n3[3:4])
    for whole, part in zip(batch, alone, strict=True):
        assert np.array_equal(whole[3:4], part)
    none = infer_alpha_ratio(n0[:1], n1[:1], n2[:1], n3[:1], bounds=(0.5, 0.6))  # the root lies below
    assert np.isnan(none[0][0]) and none[1][0] == n0[0]
    np.testing.assert_allclose(none[2][0], n1[0] / n0[0], rtol=1e-15)
    with pytest.raises(InputError, match=r"\(N, 3, 3\)"):
        infer_alpha_ratio(n0, n1, n2[:, :2], n3)


@pytest.mark.parametrize("mean", [0.02, 0.7, 3.0, 9.99, 10.01, 60.0])
def test_poisson_kernel_distribution(mean):
    """The Poisson kernel's counts follow the Poisson law on both sides of its switch at a mean of 10
    (inversion below, numba's transformed rejection above): chi-square of 50 000 draws against scipy's
    pmf, the classes below 5 expected merged into the tails, p > 1e-4."""
    n = 50_000
    rng = np.random.default_rng(11)
    out = np.empty(n, dtype=np.int32)
    poisson_values(np.full(n, mean), rng.random(n), 12, out)
    hi = int(stats.poisson.ppf(1 - 1e-9, mean)) + 1
    expected = stats.poisson.pmf(np.arange(hi), mean) * n
    keep = np.flatnonzero(expected >= 5)
    lo_k, hi_k = keep[0], keep[-1]
    observed = np.bincount(np.clip(out, lo_k, hi_k), minlength=hi_k + 1)[lo_k : hi_k + 1]
    want = expected[lo_k : hi_k + 1].copy()
    want[0] = stats.poisson.cdf(lo_k, mean) * n
    want[-1] = stats.poisson.sf(hi_k - 1, mean) * n
    assert stats.chisquare(observed, want).pvalue > 1e-4
