"""Speed of LIA along a full orbit (issue 16: a 51-h orbit of 4-s distributions and moments, < 1 min, 1 core).

Run: ``NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_lia.py [PDYN]
[ALPHA_T_RATIO]`` (the second argument turns on the inference of the alpha fraction in hot plasma,
``compute_moments(alpha_temperature_ratio=...)``, as the main job does).

The science orbit (:func:`smilekit.mission.science_orbit`, epoch 2026-03-20) sampled every 4 s over one
51-h period (45 900 distributions), the SXI attitude (limb-offset aim points) giving the LIA frame. The
plasma along it is a stand-in for the geospace truth (being built elsewhere): the Jelinek et al. (2012)
bow shock and magnetopause at PDYN nPa (default 2, which keeps this orbit inside the bow shock: the
hottest, slowest case; a higher pressure moves the boundaries in and adds solar wind) split the orbit
into solar wind (protons 5 cm^-3, -450 km/s GSE, 1e5 K, 4 % alphas at 4 T_p), magnetosheath
(25 cm^-3, 200 km/s deflected flow, T_par 2e6 K, T_perp 3e6 K, 4 % alphas) and magnetosphere (1 cm^-3,
at rest, 3e7 K hot tenuous population). Counts are simulated and turned into moments in chunks of 500
distributions (the counts are not kept: 45 900 x 24 576 bins would be 4.5 GB); the stages are timed
separately after a warm-up chunk that compiles the numba kernels.
"""

import resource
import sys
import time

import astropy.units as u
import numpy as np

from smilekit.geospace.boundaries import jelinek2012_bow_shock_values, jelinek2012_magnetopause_values
from smilekit.instruments.lia import Population, simulate_counts
from smilekit.instruments.lia.moments import compute_moments
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude, limb_offset_aim_points
from smilekit.units import RE

CHUNK = 500


def plasma_along(position_re: np.ndarray, pdyn: float = 2.0):
    """Region (0 solar wind, 1 sheath, 2 magnetosphere) and the stand-in plasma per sample (GSE)."""
    r = np.linalg.norm(position_re, axis=1)
    theta = np.arccos(np.clip(position_re[:, 0] / r, -1, 1))
    bs = jelinek2012_bow_shock_values(theta, pdyn=pdyn)
    mp = jelinek2012_magnetopause_values(theta, pdyn=pdyn)
    region = np.where(r > bs, 0, np.where(r > mp, 1, 2))
    n = np.choose(region, [5.0, 25.0, 1.0])
    radial = position_re / r[:, None]
    sheath_flow = -200.0 * np.array([1.0, 0.0, 0.0]) + 80.0 * (radial - radial[:, :1] * [1, 0, 0])
    v = np.where(region[:, None] == 0, [-450.0, 0.0, 0.0], np.where(region[:, None] == 1, sheath_flow, 0.0))
    t_par = np.choose(region, [1e5, 2e6, 3e7])
    t_perp = np.choose(region, [1e5, 3e6, 3e7])
    b = np.where(region[:, None] == 2, [0.0, 0.0, 1.0], [-0.7, 0.7, 0.1])
    alpha = np.where(region == 2, 1e-3, 0.04)
    return region, n, v, t_par, t_perp, b, alpha


def populations(sl, n, v, t_par, t_perp, b, alpha):
    kw = {"b_direction": b[sl]}
    vel = v[sl] * u.km / u.s
    return [
        Population("proton", n[sl] / u.cm**3, vel, t_par[sl] * u.K, t_perp[sl] * u.K, **kw),
        Population(
            "alpha", n[sl] * alpha[sl] / u.cm**3, vel, 4 * t_par[sl] * u.K, 4 * t_perp[sl] * u.K, **kw
        ),
    ]


def main() -> None:
    pdyn = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    ratio = float(sys.argv[2]) if len(sys.argv) > 2 else None
    t0 = time.perf_counter()
    times = sample_times("2026-03-20", "2026-03-22T03:00", 4 * u.s)
    track = kepler_track(science_orbit("2026-03-20"), times)
    pos = track.position("GSE")
    aims = limb_offset_aim_points(pos, errors="nan")
    att = attitude(track, np.where(np.isfinite(aims), aims, [10.0, 0.0, 0.0] * RE))
    region, n, v, t_par, t_perp, b, alpha = plasma_along(pos.to_value(RE), pdyn)
    t_setup = time.perf_counter() - t0
    total = len(times)
    print(f"{total} distributions (51 h at 4 s), boundaries at {pdyn:g} nPa, alpha inference {ratio}")
    print(f"setup (orbit, attitude, plasma) {t_setup:.1f} s")
    print("time in region: solar wind {:.0%}, sheath {:.0%}, magnetosphere {:.0%}".format(
        *(np.mean(region == k) for k in range(3))))  # fmt: skip
    # warm-up: compile the kernels (cached on disk afterwards)
    sl = slice(0, 4)
    warm = simulate_counts(populations(sl, n, v, t_par, t_perp, b, alpha), 0, attitude=att.select(sl))
    compute_moments(warm, b[sl], frame="gse", alpha_temperature_ratio=ratio)
    rng = np.random.default_rng(2026)
    t_sim = t_mom = 0.0
    cpu0 = time.process_time()
    dens = np.empty(total)
    for start in range(0, total, CHUNK):
        sl = slice(start, min(start + CHUNK, total))
        a = time.perf_counter()
        ds = simulate_counts(
            populations(sl, n, v, t_par, t_perp, b, alpha), rng, attitude=att.select(sl), keep_expected=False
        )
        m_start = time.perf_counter()
        m = compute_moments(ds, b[sl], frame="gse", alpha_temperature_ratio=ratio)
        t_sim += m_start - a
        t_mom += time.perf_counter() - m_start
        dens[sl] = m.density_p.values
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"simulate_counts: {t_sim:.1f} s ({total / t_sim:.0f} distributions/s)")
    print(f"compute_moments: {t_mom:.1f} s ({total / t_mom:.0f} distributions/s)")
    print(f"total LIA (simulate + moments): {t_sim + t_mom:.1f} s wall, {cpu:.1f} s CPU for the orbit; "
          f"peak memory {peak:.0f} MiB")  # fmt: skip
    for k, name in enumerate(("solar wind", "sheath", "magnetosphere")):
        sel = region == k
        if sel.any():
            print(f"  {name}: median n/n_true {np.nanmedian(dens[sel] / n[sel]):.3f}")


if __name__ == "__main__":
    main()
