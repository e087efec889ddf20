"""Benchmark: how much the truth's cusp plasma adds to an SXI image, and the best any retrieval could do.

Run (not part of the test suite)::

    .venv/bin/python benchmarks/bench_cusp_signal.py [--out cusp_signal.csv]   # ~11 min for 180 cases

For every case of the shipped orbit case set (src/smilekit/data/evaluation/orbit_cases.csv) inside the
requirement domain (or the first ``--cases`` of them): the case's truth and 300 s L2 image
(:func:`smilekit.campaign.truth.case_truth`, :func:`~smilekit.campaign.truth.simulate_l2`), then the
noise-free expected counts on 0.5 deg pixels (:class:`smilekit.science.forward.ForwardModel`) of the
truth S and of the truth without its cusp plasma S0 (``cusp_density_fraction = 0``); the cusp signal is
c = S - S0. With the sheath known exactly (no retrieval can do better), the cusp's detection significance
is ``dchi2 = sum c^2 / (S + b)`` (b the background counts; the Poisson log-likelihood ratio of the two
hypotheses is dchi2 / 2 to leading order). dchi2 grows linearly with the exposure, so the exposure of a
5-sigma detection is ``300 s * 25 / dchi2``.

Localisation: the best possible precision of the cusp's *position* (the Cramer-Rao bound, everything
else known exactly). The truth's cusp footprint is shifted rigidly by +-``SHIFT_DEG`` (both edges
together, the sheath model's ``cusp_latitude_offset``), the Fisher information
of the shift is ``I = sum (dc/ds)^2 / (S + b)`` and the 1-sigma error of the edges at 7 RE is
``|d lat_7RE / ds| / sqrt(I)`` (the mapping slope from
:func:`smilekit.geospace.cusps.cusp_edges`), in RE at 7 RE. An edge error can only be larger: the width
is unknown too, and no real retrieval knows the sheath exactly.

Sensitivity: ``--cusp-width`` (deg, default 2) and ``--cusp-density-fraction`` (default 0.5) give the
truth another cusp (:class:`~smilekit.geospace.magnetosheath.Magnetosheath`'s assumptions), e.g. to ask
how wide or dense the real cusp must be for the requirement; ``--every N`` thins the cases.

Prints one line per case (cusp counts, the image's SWCX and background counts, dchi2 at 300 s, the
exposure for 5 sigma, the 5-min localisation bound) and the summary over the cases: how many see the cusp
at all (c > 1 count), the quartiles of dchi2, of the 5-sigma exposure, of the localisation bound, and of
the exposure that gives both a 5-sigma detection and a 0.25 RE bound (the bound falls as
1 / sqrt(exposure); a bound is only reachable once the cusp is detected).
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.truth import case_truth, simulate_l2
from smilekit.geospace import cusps as geo_cusps
from smilekit.science.cusps import CUSP_REFERENCE_DISTANCE
from smilekit.science.forward import ForwardModel, rebin
from smilekit.science.requirement import in_requirement_domain_values
from smilekit.units import RE

FIVE_SIGMA_DCHI2 = 25.0
#: Rigid shift of the cusp footprint (deg) for the numerical derivative of the image.
SHIFT_DEG = 0.5
#: Edge error (RE) of the requirement.
REQUIREMENT_RE = 0.25


def domain_cases(every: int = 1, first: int = 0) -> list:
    """The requirement-domain cases of the shipped case set: the first ``first`` (all when 0), then every
    ``every``-th of them."""
    cases, _ = read_cases(data_path(SHIPPED_CASES))
    cases = [c for c in cases if in_requirement_domain_values(c.n * c.v * 1e5, np.linalg.norm(c.sc))]
    return cases[: first or None][:: max(1, every)]


def add_cusp_options(parser: argparse.ArgumentParser) -> None:
    """``--every`` and the truth's cusp options, shared with bench_cusp_retrieval.py."""
    parser.add_argument("--every", type=int, default=1, help="take every Nth domain case (default: all)")
    parser.add_argument("--cusp-width", type=float, default=None, help="truth's cusp footprint width, deg")
    parser.add_argument(
        "--cusp-density-fraction", type=float, default=None, help="truth's cusp density / sheath"
    )


def truth_with_cusp(case, width_deg=None, density_fraction=None):
    """The case's truth, its cusp footprint width (deg) and density fraction replaced where given."""
    truth = case_truth(case)
    if width_deg is not None:
        truth.source.sheath.cusp_width_deg = float(width_deg)
    if density_fraction is not None:
        truth.source.sheath.cusp_density_fraction = float(density_fraction)
    return truth


@contextmanager
def cusp_changed(sheath, **attributes):
    """Set the truth's cusp attributes (e.g. ``cusp_density_fraction=0.0``: no cusp plasma, or
    ``cusp_offset_deg``) on its Magnetosheath for the block, and restore them after."""
    saved = {name: getattr(sheath, name) for name in attributes}
    for name, value in attributes.items():
        setattr(sheath, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(sheath, name, value)


def cusp_signal(case, width_deg=None, density_fraction=None) -> dict:
    truth = truth_with_cusp(case, width_deg, density_fraction)
    l2 = simulate_l2(case, truth)
    fm = ForwardModel(rebin(l2, 2))
    sheath = truth.source.sheath
    s = fm.source_counts(fm.intensity_values(truth.source.evaluate))[fm.mask]
    with cusp_changed(sheath, cusp_density_fraction=0.0):
        s0 = fm.source_counts(fm.intensity_values(truth.source.evaluate))[fm.mask]
    b = fm.background[fm.mask]
    c = s - s0
    var = np.maximum(s + b, 1e-12)
    dchi2 = float(np.sum(c * c / var))

    # Cramer-Rao bound of a rigid shift of the cusp footprint (module notes)
    images = []
    for sign in (1.0, -1.0):
        with cusp_changed(sheath, cusp_offset_deg=sheath.cusp_offset_deg + sign * SHIFT_DEG):
            images.append(fm.source_counts(fm.intensity_values(truth.source.evaluate))[fm.mask])
    derivative = (images[0] - images[1]) / (2.0 * SHIFT_DEG)
    fisher = float(np.sum(derivative * derivative / var))
    r_ref = CUSP_REFERENCE_DISTANCE.to_value(RE)
    lat = [
        geo_cusps.cusp_edges(
            truth.state, altitude=(r_ref - 1.0) * RE, tilt=truth.tilt, offset=sign * SHIFT_DEG * u.deg
        ).equatorward.to_value(u.deg)
        for sign in (1.0, -1.0)
    ]
    slope = abs(lat[0] - lat[1]) / (2.0 * SHIFT_DEG)  # deg at 7 RE per deg of footprint
    bound = r_ref * np.radians(slope / np.sqrt(fisher)) if fisher > 0 else np.inf
    return {
        "case_id": case.case_id,
        "cusp_counts": float(c.sum()),
        "swcx_counts": float(s.sum()),
        "background_counts": float(b.sum()),
        "dchi2_300s": dchi2,
        "exposure_5sigma_s": case.exposure_s * FIVE_SIGMA_DCHI2 / dchi2 if dchi2 > 0 else np.inf,
        "edge_bound_re": bound,
        "exposure_for_bound_s": case.exposure_s * (bound / REQUIREMENT_RE) ** 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=0, help="first N domain cases (default: all)")
    parser.add_argument("--out", default=None, help="also write the per-case table to this CSV")
    add_cusp_options(parser)
    args = parser.parse_args()
    cases = domain_cases(args.every, args.cases)
    t0 = time.perf_counter()
    rows = []
    for case in cases:
        row = cusp_signal(case, args.cusp_width, args.cusp_density_fraction)
        rows.append(row)
        print(
            f"{row['case_id']}: cusp {row['cusp_counts']:7.1f} counts, SWCX {row['swcx_counts']:8.0f}, "
            f"background {row['background_counts']:6.0f}, dchi2(300 s) {row['dchi2_300s']:6.2f}, "
            f"5 sigma after {row['exposure_5sigma_s'] / 60:8.1f} min, "
            f"edge bound {row['edge_bound_re']:6.2f} RE",
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
        print("edge bound at 300 s, RE (quartiles):", np.percentile(seen.edge_bound_re, q).round(2))
        print(f"bound <= {REQUIREMENT_RE} RE at 300 s:", int((seen.edge_bound_re <= REQUIREMENT_RE).sum()))
        # a position bound only means something once the cusp is detected: the exposure both need
        needed = np.maximum(seen.exposure_5sigma_s, seen.exposure_for_bound_s) / 60
        print("exposure for 5 sigma and a 0.25 RE bound, min (quartiles):", np.percentile(needed, q).round(1))
        print("both within 300 s:", int((needed <= 5.0).sum()))


if __name__ == "__main__":
    main()
