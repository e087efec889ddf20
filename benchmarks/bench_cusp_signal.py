"""Benchmark: how much the truth's cusp plasma adds to an SXI image, and the best any retrieval could do.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_cusp_signal.py [--cases N] [--out cusp_signal.csv]   # ~8 min

For every case of the shipped orbit case set (src/smilekit/data/evaluation/orbit_cases.csv) inside the
requirement domain (or the first ``--cases`` of them): the case's truth and 300 s L2 image
(:func:`smilekit.science.evaluate.case_truth`, :func:`~smilekit.science.evaluate.simulate_l2`), then the
noise-free expected counts on 0.5 deg pixels (:class:`smilekit.science.forward.ForwardModel`) of the
truth S and of the truth without its cusp plasma S0 (``cusp_density_fraction = 0``); the cusp signal is
c = S - S0. With the sheath known exactly (no retrieval can do better), the cusp's detection significance
is ``dchi2 = sum c^2 / (S + b)`` (b the background counts; the Poisson log-likelihood ratio of the two
hypotheses is dchi2 / 2 to leading order). dchi2 grows linearly with the exposure, so the exposure of a
5-sigma detection is ``300 s * 25 / dchi2``.

Prints one line per case (cusp counts, the image's SWCX and background counts, dchi2 at 300 s, the
exposure for 5 sigma) and the summary over the cases: how many see the cusp at all (c > 1 count), the
quartiles of dchi2 and of the 5-sigma exposure.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from smilekit._data import data_path
from smilekit.science.cases import SHIPPED_CASES, in_requirement_domain_values
from smilekit.science.evaluate import case_truth, read_cases, simulate_l2
from smilekit.science.forward import ForwardModel, rebin

FIVE_SIGMA_DCHI2 = 25.0


def cusp_signal(case) -> dict:
    truth = case_truth(case)
    l2 = simulate_l2(case, truth)
    fm = ForwardModel(rebin(l2, 2))
    sheath = truth.source.sheath
    s = fm.source_counts(fm.intensity_values(truth.source.evaluate))[fm.mask]
    fraction = sheath.cusp_density_fraction
    sheath.cusp_density_fraction = 0.0
    try:
        s0 = fm.source_counts(fm.intensity_values(truth.source.evaluate))[fm.mask]
    finally:
        sheath.cusp_density_fraction = fraction
    b = fm.background[fm.mask]
    c = s - s0
    dchi2 = float(np.sum(c * c / np.maximum(s + b, 1e-12)))
    return {
        "case_id": case.case_id,
        "cusp_counts": float(c.sum()),
        "swcx_counts": float(s.sum()),
        "background_counts": float(b.sum()),
        "dchi2_300s": dchi2,
        "exposure_5sigma_s": case.exposure_s * FIVE_SIGMA_DCHI2 / dchi2 if dchi2 > 0 else np.inf,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=0, help="first N domain cases (default: all)")
    parser.add_argument("--out", default=None, help="also write the per-case table to this CSV")
    args = parser.parse_args()
    cases, _ = read_cases(data_path(SHIPPED_CASES))
    cases = [c for c in cases if in_requirement_domain_values(c.n * c.v * 1e5, np.linalg.norm(c.sc))]
    if args.cases:
        cases = cases[: args.cases]
    t0 = time.perf_counter()
    rows = []
    for case in cases:
        row = cusp_signal(case)
        rows.append(row)
        print(
            f"{row['case_id']}: cusp {row['cusp_counts']:7.1f} counts, SWCX {row['swcx_counts']:8.0f}, "
            f"background {row['background_counts']:6.0f}, dchi2(300 s) {row['dchi2_300s']:6.2f}, "
            f"5 sigma after {row['exposure_5sigma_s'] / 60:8.1f} min",
            flush=True,
        )
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    seen = table[table.cusp_counts > 1.0]
    q = [25, 50, 75]
    seconds = time.perf_counter() - t0
    print(f"\n{len(table)} domain cases, {seconds:.0f} s; the cusp adds > 1 count in {len(seen)}")
    if len(seen):
        print("cusp counts (quartiles):", np.percentile(seen.cusp_counts, q).round(1))
        print("dchi2 at 300 s (quartiles):", np.percentile(seen.dchi2_300s, q).round(2))
        minutes = np.percentile(seen.exposure_5sigma_s / 60, q)
        print("exposure for 5 sigma, min (quartiles):", minutes.round(1))
        print("5 sigma within 300 s:", int((seen.dchi2_300s >= FIVE_SIGMA_DCHI2).sum()))


if __name__ == "__main__":
    main()
