"""Benchmark: the stand-off retrievals with the SXI background fitted to the data vs the exact model.

Run (not part of the test suite)::

    NUMBA_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_sxi_background.py --cases 40
    PYTHONPATH=src .venv/bin/python benchmarks/bench_sxi_background.py --pulls 150

``--pulls N``: the accuracy of the fitted levels on N synthetic 10-min frames with a known truth the L2
is not told (particles 0.5x, 1x, 3x the configuration's level, the sky 1.5x the ROSAT model; an SWCX
patch at u < -5 deg and the clean sky at u > 3 deg): the pulls (fitted - truth) / error.

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
import dataclasses
import math
import time

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.evaluate import resolve_methods
from smilekit.campaign.truth import IMAGE_PIXEL, case_truth, truth_image
from smilekit.instruments.sxi import SXIConfig, make_l2, simulate_events
from smilekit.instruments.sxi.background_fit import closest_approach_values
from smilekit.units import RE

DEFAULT_METHODS = ["max_intensity", "max_gradient", "tangent_fitting", "tangential_direction"]


def _patch_sky():
    cu, cv = np.arange(-19.875, 20.0, 0.25), np.arange(-13.875, 14.0, 0.25)
    data = np.where(cu[None, :] < -5.0, 80.0, 0.0) * np.ones((cv.size, 1))
    attrs = {
        "units": "keV cm-2 s-1 sr-1",
        "time": "2026-03-20T12:00",
        "sc_position_gse_re": [3.5, -2.3, 17.1],
        "aim_point_gse_re": [3.5, -2.3, 0.0],
    }
    return xr.DataArray(data, dims=("v", "u"), coords={"v": cv, "u": cu}, attrs=attrs)


def pulls(n: int) -> None:
    """Pulls of the fitted particle and sky levels on synthetic frames (module docstring)."""
    nominal = SXIConfig()
    rate = nominal.particle_background.to_value("ct s-1 cm-2 keV-1")
    sky = _patch_sky()
    for p_scale in (0.5, 1.0, 3.0):
        cfg = dataclasses.replace(
            nominal,
            particle_background=p_scale * nominal.particle_background,
            r45_effective_area=nominal.r45_effective_area / 1.5,
            r12_effective_area=nominal.r12_effective_area / 1.5,
        )
        p_pull, s_pull, s_err, p_rel, mask = [], [], [], [], None
        for seed in range(n):
            ev = simulate_events(sky, 600 * u.s, config=cfg, rng=7000 + seed)
            ev = dataclasses.replace(ev, config=nominal)  # the L2 is not told the truth
            if mask is None:
                l2 = make_l2(ev, pixel=1.0 * u.deg, cadence=10 * u.min, background="model")
                mask = np.broadcast_to(l2.u.values[None, :] > 3.0, (l2.sizes["v"], l2.sizes["u"]))
            l2 = make_l2(ev, pixel=1.0 * u.deg, cadence=10 * u.min, sky_region=mask)
            r, e = float(l2.particle_rate[0]), float(l2.particle_rate_error[0])
            p_pull.append((r - p_scale * rate) / e)
            p_rel.append(e / r)
            s_pull.append((l2.attrs["sky_level"] - 1.5) / l2.attrs["sky_level_error"])
            s_err.append(l2.attrs["sky_level_error"])
        p_pull, s_pull = np.array(p_pull), np.array(s_pull)
        print(
            f"particles {p_scale:g}x: pull mean {p_pull.mean():+.3f} std {p_pull.std():.3f} "
            f"(relative error {np.mean(p_rel):.3f}); sky 1.5x: pull mean {s_pull.mean():+.3f} "
            f"std {s_pull.std():.3f} (error {np.mean(s_err):.4f}); {n} frames, +-{1 / math.sqrt(n):.3f} "
            f"on a mean, +-{math.sqrt(1 / (2 * n)):.3f} on a std"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="domain cases to run (default 40)")
    parser.add_argument("--methods", nargs="*", default=DEFAULT_METHODS, help="method names")
    parser.add_argument("--pulls", type=int, default=0, help="synthetic frames per level (0: the cases)")
    args = parser.parse_args()
    if args.pulls:
        pulls(args.pulls)
        return

    cases, _ = read_cases(data_path(SHIPPED_CASES))
    cases = [c for c in cases if c.n * c.v * 1e5 > 4.9e8][: args.cases]
    methods = resolve_methods(args.methods)
    rate_true = SXIConfig().particle_background.to_value("ct s-1 cm-2 keV-1")
    errors = {kind: {name: [] for name in methods} for kind in ("model", "fitted")}
    particle_pulls, clean, levels, farthest = [], 0, [], []
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
                particle_pulls.append(
                    (float(l2.particle_rate[0]) - rate_true) / float(l2.particle_rate_error[0])
                )
                if l2.attrs["sky_pixels"] > 0:
                    clean += 1
                    levels.append((l2.attrs["sky_level"], l2.attrs["sky_level_error"]))
            for name, method in methods.items():
                est = method(l2, time_index=0, solar_wind=truth.state)
                errors[kind][name].append(
                    float(est.r0.to_value(RE)) - truth.r0 if est.status == "ok" else math.nan
                )
    particle_pulls = np.array(particle_pulls)
    print(f"{len(cases)} domain cases, {time.perf_counter() - t0:.0f} s")
    print(
        "particle level pulls (fitted - truth) / error: "
        f"mean {particle_pulls.mean():+.3f}, std {particle_pulls.std():.3f}"
    )
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
