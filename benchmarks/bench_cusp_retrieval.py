"""Benchmark: the cusp-edge retrieval end to end, on the default truth or on a truth with another cusp.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_cusp_retrieval.py [--every N] [--exposure S]
        [--cusp-width DEG] [--cusp-density-fraction F] [--exact-sheath]        # ~5 s a case

For the requirement-domain cases of the shipped orbit case set (every ``--every``-th): the case's truth
(:func:`smilekit.campaign.truth.case_truth`), with its cusp footprint width and density fraction
replaced when given (the assumptions of :class:`~smilekit.geospace.magnetosheath.Magnetosheath`; the
true edges follow with :func:`smilekit.science.cusps.true_cusp_edges` of the same width), an image of
``--exposure`` seconds (default the case's 300 s), the Jorgensen boundary fit and
:func:`~smilekit.science.cusps.estimate_cusp_edges` on it. ``--cusp-density-fraction 0`` is the
false-alarm test: a truth without cusp plasma, where every "ok" is a false detection. ``--exact-sheath``
gives the retrieval the truth's own emissivity without its cusp plasma (and its Shue 1998 magnetopause)
as the sheath instead of the Jorgensen fit: how much of the error the fitted sheath's mismatch makes.

Prints one line per case and, per edge, over the cases whose true edge lies inside the magnetopause: the
answers, the bias and RMS of the error at 7 RE in RE, the fraction within 0.25 RE and the median
error / sigma; then the statuses.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import astropy.units as u
import numpy as np
from bench_cusp_signal import (  # beside this file
    add_cusp_options,
    cusp_changed,
    domain_cases,
    truth_with_cusp,
)

from smilekit.campaign.truth import simulate_l2
from smilekit.geospace import boundaries
from smilekit.science.boundary_fit import boundary_fitting_jorgensen
from smilekit.science.cusps import CUSP_REFERENCE_DISTANCE, estimate_cusp_edges, true_cusp_edges
from smilekit.units import RE


class ExactSheath:
    """The truth's own emissivity without its cusp plasma, and the truth's Shue 1998 magnetopause."""

    def __init__(self, truth):
        self.truth = truth

    def evaluate(self, x, y, z):
        with cusp_changed(self.truth.source.sheath, cusp_density_fraction=0.0):
            return self.truth.source.evaluate(x, y, z)

    def magnetopause_values(self, theta, phi):
        state = self.truth.state
        return boundaries.shue1998_values(
            theta, pdyn=float(state.pdyn.to_value(u.nPa)), bz=float(state.bz.to_value(u.nT))
        )


def run(case, width_deg, density_fraction, exact_sheath=False):
    truth = truth_with_cusp(case, width_deg, density_fraction)
    true = true_cusp_edges(truth.state, case.time, width=truth.source.sheath.cusp_width_deg * u.deg)
    l2 = simulate_l2(case, truth)
    t0 = time.perf_counter()
    if exact_sheath:
        est = estimate_cusp_edges(l2, sheath=ExactSheath(truth))
    else:
        magnetopause = boundary_fitting_jorgensen(l2, solar_wind=truth.state)
        est = estimate_cusp_edges(l2, solar_wind=truth.state, magnetopause=magnetopause)
    seconds = time.perf_counter() - t0
    return [float(v.to_value(u.deg)) for v in true], est, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exposure", type=float, default=None, help="exposure, s (default: the case's)")
    parser.add_argument("--exact-sheath", action="store_true", help="the truth's sheath instead of the fit")
    add_cusp_options(parser)
    args = parser.parse_args()
    cases = domain_cases(args.every)
    if args.exposure is not None:
        cases = [c._replace(exposure_s=float(args.exposure)) for c in cases]
    r_ref = CUSP_REFERENCE_DISTANCE.to_value(RE)
    errors: dict[str, list] = {"equatorward": [], "poleward": []}
    pulls: dict[str, list] = {"equatorward": [], "poleward": []}
    statuses: Counter = Counter()
    t0 = time.perf_counter()
    for case in cases:
        true, est, seconds = run(case, args.cusp_width, args.cusp_density_fraction, args.exact_sheath)
        statuses[est.status] += 1
        line = [f"{case.case_id}: true {true[0]:6.1f} {true[1]:6.1f} deg"]
        for k, edge in enumerate(("equatorward", "poleward")):
            value = float(getattr(est, edge).to_value(u.deg))
            sigma = float(getattr(est, f"{edge}_sigma").to_value(u.deg))
            line.append(f"{edge} {value:6.1f} +- {sigma:4.1f}")
            if np.isfinite(true[k]):
                err = value - true[k] if est.ok else np.nan
                errors[edge].append(r_ref * np.radians(err))
                pulls[edge].append(err / sigma if est.ok and sigma > 0 else np.nan)
        print(", ".join(line), f"({est.status}; {seconds:.1f} s)", flush=True)
    print(
        f"\n{len(cases)} domain cases, {time.perf_counter() - t0:.0f} s, exposure "
        f"{cases[0].exposure_s if cases else 0:g} s, cusp width {args.cusp_width or 2.0:g} deg, "
        f"density fraction {0.5 if args.cusp_density_fraction is None else args.cusp_density_fraction:g}, "
        f"sheath {'exact (the truth without cusp)' if args.exact_sheath else 'Jorgensen fit'}"
    )
    for edge in ("equatorward", "poleward"):
        e = np.array(errors[edge], dtype=float)
        ok = np.isfinite(e)
        if ok.any():
            a = e[ok]
            rms = np.sqrt(np.mean(a * a))
            print(
                f"{edge}: {ok.sum()}/{e.size} answered, bias {a.mean():+.2f} RE, RMS {rms:.2f} "
                f"RE, within 0.25 RE {np.mean(np.abs(a) <= 0.25):.2f}, median |err|/sigma "
                f"{np.nanmedian(np.abs(np.array(pulls[edge], dtype=float))):.1f}"
            )
        else:
            print(f"{edge}: 0/{e.size} answered")
    print("statuses:", dict(statuses))


if __name__ == "__main__":
    main()
