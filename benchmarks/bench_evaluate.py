"""Benchmark: the evaluation harness per case (smilekit.campaign.evaluate), split by stage.

Run (not part of the test suite)::

    NUMBA_NUM_THREADS=2 .venv/bin/python benchmarks/bench_evaluate.py --cases 5
    NUMBA_NUM_THREADS=2 .venv/bin/python benchmarks/bench_evaluate.py --cases 3 --methods max_intensity

Takes the first ``--cases`` cases of the shipped case set (or ``--file``) and times, per case, on the
calling process: the truth (solar-wind state, tilt, SWCX emissivity, Shue 1998 r0, cusp truth), the
noise-free truth image (``intensity_map`` at 0.25 deg), L1 + L2 (``simulate_events`` + ``make_l2``), every
magnetopause method and the cusp retrieval. One warm-up case is run first (numba compilation) and not
counted. Prints a Markdown table per case (seconds and r0 error per method) and the mean and median per
stage; the whole-run figure (all 240 cases, ``smilekit evaluate``) is measured separately.
"""

from __future__ import annotations

import argparse
import statistics
import time

import astropy.units as u
import numba

from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.evaluate import resolve_methods
from smilekit.campaign.truth import case_truth, l1_l2, truth_image
from smilekit.science.cusps import estimate_cusp_edges, true_cusp_edges
from smilekit.units import RE


def _no_cusp_truth(state, time):
    return float("nan") * u.deg, float("nan") * u.deg


def time_case(case, methods, cusp, cusp_truth) -> dict:
    """Seconds per stage and r0 error per method for one case."""
    out = {}
    t = time.perf_counter()
    truth = case_truth(case, cusp_truth=cusp_truth)
    out["truth"] = time.perf_counter() - t
    t = time.perf_counter()
    sky = truth_image(case, truth)
    out["truth image"] = time.perf_counter() - t
    t = time.perf_counter()
    l2 = l1_l2(case, truth, sky)
    out["L1+L2"] = time.perf_counter() - t
    errors, magnetopause = {}, None
    for name, method in methods.items():
        t = time.perf_counter()
        est = method(l2, time_index=0, solar_wind=truth.state)
        out[name] = time.perf_counter() - t
        errors[name] = float(est.r0.to_value(RE)) - truth.r0 if est.status == "ok" else est.status
        if magnetopause is None and est.status == "ok":
            magnetopause = est
    if cusp is not None:
        t = time.perf_counter()
        est = cusp(l2, time_index=0, solar_wind=truth.state, magnetopause=magnetopause, hemisphere="north")
        out["cusp"] = time.perf_counter() - t
        errors["cusp"] = est.status
    out["total"] = sum(out.values())
    return out, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5, help="number of cases to time (default 5)")
    parser.add_argument("--file", default=None, help="case file (default: the shipped case set)")
    parser.add_argument("--methods", nargs="*", default=None, help="method names (default: all)")
    parser.add_argument("--no-cusp", action="store_true", help="leave the cusp retrieval out")
    args = parser.parse_args()

    cases, malformed = read_cases(args.file or data_path(SHIPPED_CASES))
    if malformed:
        print(f"{len(malformed)} malformed rows skipped")
    methods = resolve_methods(args.methods)
    cusp, cusp_truth = estimate_cusp_edges, true_cusp_edges
    if args.no_cusp:
        cusp = None
    cusp_truth = cusp_truth or _no_cusp_truth
    print(
        f"numba threads: {numba.get_num_threads()}; methods: {', '.join(methods)}; cusp: {cusp is not None}"
    )

    time_case(cases[0], methods, cusp, cusp_truth)  # warm-up: numba compilation, caches
    rows = []
    for case in cases[: args.cases]:
        seconds, errors = time_case(case, methods, cusp, cusp_truth)
        rows.append((case, seconds, errors))

    stages = list(rows[0][1])
    print("\n| case | " + " | ".join(stages) + " |")
    print("|---|" + "---:|" * len(stages))
    for case, seconds, _ in rows:
        print(f"| {case.case_id} | " + " | ".join(f"{seconds[s]:.2f}" for s in stages) + " |")
    for label, func in (("mean", statistics.mean), ("median", statistics.median)):
        print(f"| {label} | " + " | ".join(f"{func([r[1][s] for r in rows]):.2f}" for s in stages) + " |")

    print("\nr0_est - r0_true (RE) or status:\n")
    names = list(rows[0][2])
    print("| case | in domain | " + " | ".join(names) + " |")
    print("|---|---|" + "---:|" * len(names))
    for case, _, errors in rows:
        inside = case.n * case.v * 1e5 > 4.9e8
        cells = [f"{e:+.2f}" if isinstance(e, float) else e for e in errors.values()]
        print(f"| {case.case_id} | {inside} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
