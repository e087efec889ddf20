"""Benchmark: the limb methods of smilekit.science.tangent on the physical SWCX truth, accuracy and speed.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_tangent.py            # 16 cases (~1 min)
    .venv/bin/python benchmarks/bench_tangent.py --quick    # 6 cases
    .venv/bin/python benchmarks/bench_tangent.py --shipped 40   # the first 40 requirement-domain cases
                                                               # of the shipped orbit_cases.csv

For each case (spacecraft position GSE, solar wind with n v > 4.9e8 cm^-2 s^-1, the requirement domain,
time, seed), the truth is ``SWCXEmissivity.from_solar_wind(state, tilt=dipole_tilt(t))`` and its
magnetopause stand-off ``standoff("shue1998", pdyn, bz)``; the image is ``intensity_map`` at 0.25 deg
pixels with the limb-offset aim (20.3 deg rule) through ``simulate_events`` (300 s, every background) and
``make_l2`` (5 min, 0.25 deg). Every method gets the upstream state (for the Shue 1997 alpha). Prints one
row per case and method and a Markdown table of bias, RMS, max |error|, the fraction within 0.5 RE, the
mean reported sigma and the time per call (mean over the cases, one core).
"""

from __future__ import annotations

import argparse
import time
from importlib.resources import files

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit import frames
from smilekit.geospace import boundaries
from smilekit.geospace.emissivity import SWCXEmissivity
from smilekit.instruments.sxi.l2 import make_l2
from smilekit.instruments.sxi.simulate import simulate_events
from smilekit.instruments.sxi.sky import intensity_map
from smilekit.mission.pointing import attitude_values, limb_offset_aim_points
from smilekit.science import tangent
from smilekit.science.requirement import in_requirement_domain_values
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

METHODS = ("max_intensity", "max_gradient", "tangent_fitting", "tangential_direction")

# (sc GSE RE, n cm^-3, v km/s, B GSM nT, time): n v from 4.9e8 up; positions along high-latitude arcs
CASES = [
    ((6, 0, 18), 15, 400, (0, 2, -2), "2026-03-20T12:00"),
    ((6, 0, 18), 25, 450, (0, -3, 4), "2026-03-20T12:00"),
    ((2, 8, 17), 13, 420, (1, 3, -5), "2026-03-20T18:00"),
    ((4, -8, 16), 20, 500, (-2, 1, 3), "2026-03-21T03:00"),
    ((0, 0, 19), 12.5, 400, (0, 0, -1), "2026-06-21T12:00"),
    ((8, 4, 15), 30, 400, (0, 4, 0), "2026-06-21T00:00"),
    ((-2, 6, 18), 10, 600, (2, -2, -4), "2026-09-22T12:00"),
    ((5, -3, 19), 18, 550, (0, 5, 5), "2026-12-21T12:00"),
    ((3, 10, 15), 16, 450, (1, 0, -6), "2026-12-21T06:00"),
    ((7, -6, 14), 22, 380, (0, -2, 2), "2026-03-20T06:00"),
    ((1, -4, 19), 14, 700, (0, 3, -3), "2026-06-21T18:00"),
    ((9, 2, 16), 12, 450, (-1, 1, 1), "2026-09-22T00:00"),
    ((4, 4, 18), 35, 420, (0, 0, 8), "2026-03-20T12:00"),
    ((6, -2, 17), 11, 520, (3, 3, -8), "2026-09-22T18:00"),
    ((2, -10, 16), 17, 480, (0, -4, 0), "2026-12-21T18:00"),
    ((5, 5, 13), 24, 410, (1, 2, -2), "2026-06-21T06:00"),
]


def shipped_cases(limit: int):
    """Requirement-domain cases (n v > 4.9e8 cm^-2 s^-1, r > 15 RE) of the shipped orbit case set."""

    df = pd.read_csv(files("smilekit.data.evaluation") / "orbit_cases.csv")
    r = np.sqrt(df.sc_x**2 + df.sc_y**2 + df.sc_z**2)
    dom = df[in_requirement_domain_values(df.n * df.v * 1e5, r)].head(limit)
    return [
        ((row.sc_x, row.sc_y, row.sc_z), row.n, row.v, (row.bx, row.by, row.bz), row.time, int(row.seed))
        for row in dom.itertuples()
    ]


def image(sc, n, v, b, t, *, seed, exposure=300.0, pixel=0.25):
    """(l2, state, true r0) of one case."""
    t = np.datetime64(t)
    state = SolarWindState(n=n * u.cm**-3, v_gse=[-v, 0, 0] * u.km / u.s, b_gsm=list(b) * u.nT, time=t)
    truth = SWCXEmissivity.from_solar_wind(state, tilt=frames.dipole_tilt(t))
    r0 = float(boundaries.standoff("shue1998", pdyn=state.pdyn, bz=state.bz).to_value(RE))
    p = np.asarray(sc, dtype=float)
    aim = limb_offset_aim_points(p * RE).to_value(RE)[0]
    rot = attitude_values(p[None], aim[None], np.zeros((1, 3)))[0][0]
    sky = intensity_map(truth, p * RE, aim * RE, rotation=rot, time=t, pixel=pixel * u.deg)
    ev = simulate_events(sky, exposure * u.s, start=t, rotation=rot, sc_position=p * RE, rng=seed)
    l2 = make_l2(ev, pixel=pixel * u.deg, cadence=(exposure / 60.0) * u.min)
    return l2, state, r0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--shipped", type=int, default=0, help="use the first N domain cases of orbit_cases.csv")
    args = ap.parse_args()
    if args.shipped:
        cases = shipped_cases(args.shipped)
    else:
        cases = [(*c, 100 + i) for i, c in enumerate(CASES[:6] if args.quick else CASES)]
    rows = []
    for i, (sc, n, v, b, t, seed) in enumerate(cases):
        l2, state, r0 = image(sc, n, v, b, t, seed=seed)
        for m in METHODS:
            f = getattr(tangent, m)
            t0 = time.perf_counter()
            est = f(l2, solar_wind=state)
            dt = time.perf_counter() - t0
            err = float(est.r0.to_value(RE)) - r0
            sig = float(est.r0_sigma.to_value(RE))
            rows.append((i, m, r0, err, sig, dt, est.status))
            print(
                f"{i:2d} {m:22s} nv={n * v * 1e5:.2e} r0_true={r0:6.2f} err={err:+6.2f} sigma={sig:5.2f} "
                f"t={dt * 1e3:5.0f} ms {est.status}"
            )
    print()
    print(
        "| method | n ok | bias (RE) | RMS (RE) | max abs (RE) | within 0.5 RE | mean sigma (RE) | ms/call |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for m in METHODS:
        r = [x for x in rows if x[1] == m]
        e = np.array([x[3] for x in r])
        ok = np.isfinite(e)
        eo = e[ok]
        sig = np.array([x[4] for x in r])[ok]
        dt = np.mean([x[5] for x in r]) * 1e3
        if eo.size:
            print(
                f"| {m} | {ok.sum()}/{e.size} | {eo.mean():+.2f} | {np.sqrt(np.mean(eo**2)):.2f} | "
                f"{np.abs(eo).max():.2f} | {np.mean(np.abs(eo) < 0.5):.2f} | {sig.mean():.2f} | {dt:.0f} |"
            )
        else:
            print(f"| {m} | 0/{e.size} | - | - | - | - | - | {dt:.0f} |")


if __name__ == "__main__":
    main()
