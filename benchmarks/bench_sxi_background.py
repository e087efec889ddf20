"""Benchmark: the stand-off retrievals with the SXI background fitted to the data vs the exact model.

Run (not part of the test suite)::

    NUMBA_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_sxi_background.py --cases 40

Takes the first ``--cases`` requirement-domain cases of the shipped case set (n v > 4.9e8 cm^-2 s^-1),
simulates each case's events once (the case's seed, every background) and makes two L2 images of them:
``background="model"`` (the configuration's levels taken as exact, as before) and ``background="fitted"``
(particle level from the events above the optic's response, sky level fitted on clean sky; see
:mod:`smilekit.instruments.sxi.background_fit`). Runs the chosen magnetopause methods on both and prints
the r0 error statistics of each, the fitted particle level against the truth, and how many frames had
clean sky for the sky-level fit.
"""

from __future__ import annotations

import argparse
import math
import time

import astropy.units as u
import numpy as np

from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.evaluate import resolve_methods
from smilekit.campaign.truth import IMAGE_PIXEL, case_truth, truth_image
from smilekit.instruments.sxi import SXIConfig, make_l2, simulate_events
from smilekit.instruments.sxi.background_fit import closest_approach_values
from smilekit.units import RE

DEFAULT_METHODS = ["max_intensity", "max_gradient", "tangent_fitting", "tangential_direction"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="domain cases to run (default 40)")
    parser.add_argument("--methods", nargs="*", default=DEFAULT_METHODS, help="method names")
    args = parser.parse_args()

    cases, _ = read_cases(data_path(SHIPPED_CASES))
    cases = [c for c in cases if c.n * c.v * 1e5 > 4.9e8][: args.cases]
    methods = resolve_methods(args.methods)
    rate_true = SXIConfig().particle_background.to_value("ct s-1 cm-2 keV-1")
    errors = {kind: {name: [] for name in methods} for kind in ("model", "fitted")}
    pulls, clean, levels, farthest = [], 0, [], []
    t0 = time.perf_counter()
    for case in cases:
        truth = case_truth(case)
        sky = truth_image(case, truth)
        exposure = case.exposure_s * u.s
        events = simulate_events(
            sky, exposure, start=case.time, rotation=truth.rotation, sc_position=case.sc * RE, rng=case.seed
        )
        for kind in ("model", "fitted"):
            l2 = make_l2(events, cadence=exposure, pixel=IMAGE_PIXEL, background=kind)
            if kind == "fitted":
                reach = closest_approach_values(l2.xi.values, l2.eta.values, events.rotation, case.sc)
                farthest.append(float(reach[l2.coverage.values >= 0.5].max()))
                pulls.append((float(l2.particle_rate[0]) - rate_true) / float(l2.particle_rate_error[0]))
                if l2.attrs["sky_pixels"] > 0:
                    clean += 1
                    levels.append((l2.attrs["sky_level"], l2.attrs["sky_level_error"]))
            for name, method in methods.items():
                est = method(l2, time_index=0, solar_wind=truth.state)
                errors[kind][name].append(
                    float(est.r0.to_value(RE)) - truth.r0 if est.status == "ok" else math.nan
                )
    pulls = np.array(pulls)
    print(f"{len(cases)} domain cases, {time.perf_counter() - t0:.0f} s")
    print(f"particle level pulls (fitted - truth) / error: mean {pulls.mean():+.3f}, std {pulls.std():.3f}")
    print(f"frames with clean sky (sky level fitted): {clean} of {len(cases)}")
    q = np.percentile(farthest, [0, 50, 100])
    print(
        "farthest line of sight from the Earth per frame (RE): "
        f"min {q[0]:.1f}, median {q[1]:.1f}, max {q[2]:.1f}"
    )
    for level, err in levels:
        print(f"  sky level {level:.3f} +- {err:.3f}")
    print("\n| method | background | answered | bias (RE) | RMS (RE) | max \\|fitted - model\\| (RE) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in methods:
        m, f = np.array(errors["model"][name]), np.array(errors["fitted"][name])
        both = np.isfinite(m) & np.isfinite(f)
        shift = float(np.max(np.abs(f[both] - m[both]))) if both.any() else math.nan
        for kind, e in (("model", m), ("fitted", f)):
            ok = e[np.isfinite(e)]
            rms = float(np.sqrt(np.mean(ok**2))) if ok.size else math.nan
            bias = float(ok.mean()) if ok.size else math.nan
            cell = f"{shift:.3f}" if kind == "fitted" else ""
            print(f"| {name} | {kind} | {ok.size}/{e.size} | {bias:+.3f} | {rms:.3f} | {cell} |")


if __name__ == "__main__":
    main()
