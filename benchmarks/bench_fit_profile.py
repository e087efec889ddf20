"""Benchmark: where the time of the two boundary fits goes (smilekit.science.boundary_fit), by stage.

Run (not part of the test suite; about 15 s per case)::

    NUMBA_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_fit_profile.py [--cases 4] [--top 15]

Takes ``--cases`` cases spread evenly over the requirement-domain cases of the shipped case set
(:data:`smilekit.campaign.cases.SHIPPED_CASES`) and makes each L2 frame as the campaign does
(:func:`smilekit.campaign.truth.case_truth`, then :func:`~smilekit.campaign.truth.simulate_l2`: 0.25 deg,
5 min, all backgrounds, the case's seed). On each frame ``boundary_fitting_jorgensen`` and
``boundary_fitting_cmem`` run twice: once plain (the wall time reported) and once under cProfile (the
breakdown; the profiler's own overhead inflates the Python-heavy stages, so the shares are indicative). A
warm-up fit on the first frame (numba compilation, caches) is not counted.

Per fit: wall time, likelihood evaluations (each two line-of-sight images: the sheath and the solar-wind
terms), split into the phases of the fit (the three starting stand-offs, Nelder-Mead, the central-difference
Hessian, the final re-evaluations), and the time per evaluation. The phases are timed by wrapping
``_Objective.minimise`` and ``central_hessian_values`` of the module (the source is unchanged).

Stages (from the profile, by tottime; a C built-in's time goes to the stage of its callers in proportion):

* emissivity: ``evaluate`` of the Jorgensen2019 / CMEM model on the ray samples (smilekit.geospace);
* LOS integration: the adaptive integrator (smilekit.imaging: node layout, refinement, coherence passes,
  the sample checks) apart from the model itself, or the reduced forward model's node integrals
  (smilekit.science.reduced_forward; its rays' nodes count as setup, its form on them as emissivity);
* PSF convolution: ``ForwardModel.source_counts`` (scipy's FFTs before 2026-12-06, banded matrix products
  since);
* likelihood: the amplitude profiling (``profile_amplitudes_values``, the cone ratio) and ``amplitudes``;
* model build: making the two unit-amplitude models per point (astropy Quantities, checks);
* optimiser: scipy's Nelder-Mead bookkeeping and the free-variable mapping;
* nose-view check: ``tangent_theta_values`` on the fitted and on the Shue 1997 surface;
* setup: rebinning the L2, the forward model's geometry, the PSF kernel, the starting values;
* other: the rest.

Prints one block per fit and the mean over the cases per family.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import os
import pstats
import time
from collections import defaultdict

import numba
import numpy as np

import smilekit.science.boundary_fit as bf
from smilekit._data import data_path
from smilekit.campaign.cases import SHIPPED_CASES, read_cases
from smilekit.campaign.truth import case_truth, simulate_l2
from smilekit.science.requirement import in_requirement_domain_values
from smilekit.units import RE

FITS = (("jorgensen", bf.boundary_fitting_jorgensen), ("cmem", bf.boundary_fitting_cmem))
STAGES = (
    "emissivity",
    "LOS integration",
    "PSF convolution",
    "likelihood",
    "model build",
    "optimiser",
    "nose-view check",
    "setup",
    "other",
)
PHASES = ("starts", "Nelder-Mead", "Hessian", "final")


def domain_cases(n: int):
    cases, _ = read_cases(data_path(SHIPPED_CASES))
    dom = [c for c in cases if in_requirement_domain_values(c.n * c.v * 1e5, float(np.linalg.norm(c.sc)))]
    return [dom[i] for i in np.linspace(0, len(dom) - 1, n).round().astype(int)], len(dom)


# --- phases: evaluations and seconds per phase of the fit -----------------------------------------------
class PhaseCounter:
    """Wraps the module's ``_Objective.amplitudes``, ``.minimise`` and ``central_hessian_values``."""

    def __init__(self):
        self.phase = "starts"
        self.evals = defaultdict(int)
        self.seconds = defaultdict(float)
        self._orig = (bf._Objective.amplitudes, bf._Objective.minimise, bf.central_hessian_values)
        amplitudes, minimise, hessian = self._orig
        counter = self

        def counted_amplitudes(obj, x):
            before = obj.n_images
            t = time.perf_counter()
            out = amplitudes(obj, x)
            if obj.n_images > before:  # a cache miss: one likelihood evaluation (two images)
                counter.evals[counter.phase] += 1
                counter.seconds[counter.phase] += time.perf_counter() - t
            return out

        def phased_minimise(obj, *args, **kwargs):
            counter.phase = "Nelder-Mead"
            try:
                return minimise(obj, *args, **kwargs)
            finally:
                counter.phase = "final"

        def phased_hessian(*args, **kwargs):
            counter.phase = "Hessian"
            try:
                return hessian(*args, **kwargs)
            finally:
                counter.phase = "final"

        bf._Objective.amplitudes = counted_amplitudes
        bf._Objective.minimise = phased_minimise
        bf.central_hessian_values = phased_hessian

    def reset(self):
        self.phase = "starts"
        self.evals.clear()
        self.seconds.clear()

    def restore(self):
        bf._Objective.amplitudes, bf._Objective.minimise, bf.central_hessian_values = self._orig


# --- stages: the profile grouped ------------------------------------------------------------------------
def _stage_of(func) -> str | None:
    """The stage of a profiled Python function (file, line, name); None for a C built-in or numpy."""
    filename, _, name = func
    path = filename.replace(os.sep, "/")
    if filename == "~" or filename.startswith("<") or "/numpy/" in path:
        return None  # C built-ins and numpy's own Python wrappers: counted with their callers
    if "/smilekit/geospace/" in path:
        if name == "cartesian_to_angles":  # the limb search's sample angles
            return "nose-view check"
        if name in ("__init__", "_scalar", "_dimensionless", "as_value", "as_scalar"):
            return "model build"
        return "emissivity"
    if "/smilekit/imaging/" in path:
        return "LOS integration"
    if "/smilekit/science/reduced_forward.py" in path:  # the node integrals replace the adaptive LOS
        return "setup" if name in ("__init__", "ray_nodes_values") else "LOS integration"
    if "/smilekit/science/forward.py" in path:
        if name in ("source_counts",):
            return "PSF convolution"
        if name in ("intensity_values",):
            return "LOS integration"
        return "setup"
    if "/smilekit/science/boundary_fit.py" in path:
        if name in ("profile_amplitudes_values", "lnl", "amplitudes", "wind_ratio", "counted_amplitudes"):
            return "likelihood"
        if name in ("terms", "model", "_cmem", "_with_shape", "_p0_from_r0", "parameters"):
            return "model build"
        if name in ("from_free", "to_free", "__call__", "minimise", "phased_minimise"):
            return "optimiser"
        if name in (
            "tangent_theta_values", "_levels", "_ray_point_angles", "magnetopause_values", "<lambda>"
        ):  # fmt: skip
            return "nose-view check"
        return "setup"
    if "/scipy/optimize/" in path:
        return "optimiser"
    if "/astropy/" in path:
        return "model build"
    if "/smilekit/" in path:
        return "setup"
    return "other"


def stage_seconds(stats: pstats.Stats) -> dict:
    """Seconds per stage: Python functions by their own tottime, built-ins to their callers' stages."""
    raw = stats.stats
    out = defaultdict(float)

    def stage(func, depth=0):
        s = _stage_of(func)
        if s is not None or depth > 6:
            return s or "other"
        callers = raw.get(func, (0, 0, 0, 0, {}))[4]
        if not callers:
            return "other"
        best = max(callers.items(), key=lambda kv: kv[1][2])[0]  # the caller that spent most in it
        return stage(best, depth + 1)

    for func, (_, _, tt, _, callers) in raw.items():
        if _stage_of(func) is not None:
            out[_stage_of(func)] += tt
            continue
        total = sum(c[2] for c in callers.values())
        if not callers or total <= 0:
            out[stage(func)] += tt
            continue
        for caller, c in callers.items():
            out[stage(caller)] += tt * c[2] / total
    # the nose-view check's surfaces are model code called from the check: count them there
    return dict(out)


def _label(func) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    parts = filename.replace(os.sep, "/").split("/")
    short = "/".join(parts[-2:])
    return f"{short}:{line}({name})"


def top_table(stats: pstats.Stats, key: str, n: int, total: float) -> list[str]:
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][3 if key == "cumulative" else 2], reverse=True)
    lines = [f"    {'calls':>8} {'tottime':>8} {'cumtime':>8} {'cum %':>6}  function"]
    for func, (_, nc, tt, ct, _) in rows[:n]:
        lines.append(f"    {nc:8d} {tt:8.3f} {ct:8.3f} {100 * ct / total:5.0f}%  {_label(func)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4, help="domain cases, spread evenly (default 4)")
    parser.add_argument("--top", type=int, default=15, help="functions per profile table (default 15)")
    parser.add_argument("--no-tables", action="store_true", help="only the summaries, no per-fit tables")
    args = parser.parse_args()

    cases, n_domain = domain_cases(args.cases)
    print(
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; numba threads {numba.get_num_threads()}; "
        f"{len(cases)} of the {n_domain} domain cases: {', '.join(c.case_id for c in cases)}"
    )
    counter = PhaseCounter()
    frames = []
    for case in cases:
        truth = case_truth(case)
        t = time.perf_counter()
        l2 = simulate_l2(case, truth)
        frames.append((case, truth, l2, time.perf_counter() - t))
    case, truth, l2, _ = frames[0]
    for _, f in FITS:  # warm-up: numba compilation, work buffers
        f(l2, solar_wind=truth.state)

    summary = defaultdict(list)
    for case, truth, l2, sim_s in frames:
        print(f"\n== {case.case_id}: r0 true {truth.r0:.2f} RE; truth image + L1 + L2 {sim_s:.2f} s")
        for name, f in FITS:
            counter.reset()
            t = time.perf_counter()
            est = f(l2, solar_wind=truth.state)
            wall = time.perf_counter() - t
            evals, phase_s = dict(counter.evals), dict(counter.seconds)
            counter.reset()
            prof = cProfile.Profile()
            t = time.perf_counter()
            prof.enable()
            f(l2, solar_wind=truth.state)
            prof.disable()
            wall_prof = time.perf_counter() - t
            stats = pstats.Stats(prof)
            stages = stage_seconds(stats)
            n_eval = sum(evals.values())
            err = float(est.r0.to_value(RE)) - truth.r0 if est.status == "ok" else float("nan")
            summary[name].append((wall, n_eval, evals, phase_s, stages, wall_prof, err))
            print(
                f"-- {name}: {est.status}, r0 {est.r0.to_value(RE):.3f} RE (error {err:+.3f}); "
                f"wall {wall:.2f} s, {n_eval} likelihood evaluations "
                f"({', '.join(f'{p} {evals.get(p, 0)}' for p in PHASES)}), "
                f"{1e3 * sum(phase_s.values()) / max(n_eval, 1):.1f} ms per evaluation; "
                f"{wall - sum(phase_s.values()):.2f} s outside the evaluations"
            )
            tot = sum(stages.values())
            print(
                f"   stages under cProfile ({wall_prof:.2f} s): "
                + ", ".join(
                    f"{s} {stages.get(s, 0):.2f} s ({100 * stages.get(s, 0) / tot:.0f}%)" for s in STAGES
                )
            )
            if not args.no_tables:
                print("   top by cumulative time:")
                print("\n".join(top_table(stats, "cumulative", args.top, wall_prof)))
                print("   top by total (own) time:")
                print("\n".join(top_table(stats, "tottime", args.top, wall_prof)))
    counter.restore()

    print("\n== mean over the cases")
    for name, rows in summary.items():
        wall = np.mean([r[0] for r in rows])
        n_eval = np.mean([r[1] for r in rows])
        per_phase = {p: np.mean([r[2].get(p, 0) for r in rows]) for p in PHASES}
        phase_s = {p: np.mean([r[3].get(p, 0.0) for r in rows]) for p in PHASES}
        eval_s = sum(phase_s.values())
        stages = {s: np.mean([r[4].get(s, 0.0) for r in rows]) for s in STAGES}
        tot = sum(stages.values())
        print(
            f"{name}: wall {wall:.2f} s (min {min(r[0] for r in rows):.2f}, "
            f"max {max(r[0] for r in rows):.2f}); "
            f"{n_eval:.0f} evaluations ("
            + ", ".join(f"{p} {per_phase[p]:.1f} in {phase_s[p]:.2f} s" for p in PHASES)
            + f"); {1e3 * eval_s / n_eval:.1f} ms per evaluation; {wall - eval_s:.2f} s outside them"
        )
        print("   stages: " + ", ".join(f"{s} {100 * stages[s] / tot:.0f}%" for s in STAGES))


if __name__ == "__main__":
    main()
