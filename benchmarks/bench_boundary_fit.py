"""Benchmark: boundary fitting and cusp edges on the physical truth (smilekit.science.boundary_fit, .cusps).

Run (not part of the test suite)::

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/bench_boundary_fit.py [--cases 16]   # ~4 min

Takes ``--cases`` cases spread evenly over the shipped orbit case set
(src/smilekit/data/evaluation/orbit_cases.csv) inside the requirement domain (solar-wind flux
n v > 4.9e8 cm^-2 s^-1, spacecraft beyond 15 RE). For each: the truth is the physical emissivity
``SWCXEmissivity.from_solar_wind(state, tilt=dipole_tilt(time))``; a 300 s (the case's exposure) image
is simulated with all backgrounds (0.25 deg sky extending 3 deg beyond the field) and made into a 0.25 deg
L2; then ``boundary_fitting_jorgensen``, ``boundary_fitting_cmem`` and ``estimate_cusp_edges`` (on the
Jorgensen fit) run on it, each timed. Truth: ``standoff("shue1998", pdyn, bz)`` and ``true_cusp_edges``.
Also reported per case: the counts the truth's cusp plasma adds to the image (the cusp region of the
truth integrated alone through the forward model) and the angle from the nose of the magnetopause limb
in the image.

Prints one line per case and, per method, over the cases with an answer: number, bias, RMS, p95 |error|,
the median |error| / sigma, and the seconds per call (mean and max).
"""

from __future__ import annotations

import argparse
import time

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit import frames
from smilekit._data import data_path
from smilekit.geospace import boundaries
from smilekit.geospace.emissivity import SWCXEmissivity
from smilekit.geospace.magnetosheath import REGION_CUSP
from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
from smilekit.science.boundary_fit import boundary_fitting_cmem, boundary_fitting_jorgensen
from smilekit.science.cusps import CUSP_REFERENCE_DISTANCE, estimate_cusp_edges, true_cusp_edges
from smilekit.science.forward import ForwardModel, rebin
from smilekit.science.requirement import in_requirement_domain_values
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE


def domain_cases(n: int) -> pd.DataFrame:
    d = pd.read_csv(data_path("evaluation/orbit_cases.csv"))
    r = np.sqrt(d.sc_x**2 + d.sc_y**2 + d.sc_z**2)
    dom = d[in_requirement_domain_values(d.n * d.v * 1e5, r)]
    return dom.iloc[np.linspace(0, len(dom) - 1, n).round().astype(int)]


def cusp_counts(truth, l2) -> float:
    class CuspOnly:
        def evaluate(self, x, y, z):
            region = truth.sheath.plasma_values(x, y, z)[3]
            return np.where(region == REGION_CUSP, truth.evaluate(x, y, z), 0.0)

    fm = ForwardModel(rebin(l2, 2))
    return float(fm.source_counts(fm.intensity_values(CuspOnly().evaluate))[fm.mask].sum())


def summary(name, rows):
    e = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows])
    t = np.array([r[2] for r in rows])
    ok = np.isfinite(e)
    if not ok.any():
        print(f"{name}: no answers in {len(rows)} cases; {t.mean():.2f} s per call (max {t.max():.2f})")
        return
    print(
        f"{name}: {ok.sum()}/{len(rows)} answered, bias {np.mean(e[ok]):+.3f} RE, RMS "
        f"{np.sqrt(np.mean(e[ok] ** 2)):.3f} RE, p95 |err| {np.percentile(np.abs(e[ok]), 95):.3f} RE, "
        f"median |err|/sigma {np.median(np.abs(e[ok] / s[ok])):.1f}; "
        f"{t.mean():.2f} s per call (max {t.max():.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=16)
    args = parser.parse_args()
    rows = {
        "boundary_fitting_jorgensen": [],
        "boundary_fitting_cmem": [],
        "cusp_equatorward": [],
        "cusp_poleward": [],
    }
    r_ref = CUSP_REFERENCE_DISTANCE.to_value(RE)
    for _, c in domain_cases(args.cases).iterrows():
        t = np.datetime64(c.time)
        st = SolarWindState(
            n=c.n * u.cm**-3, v_gse=[-c.v, 0, 0] * u.km / u.s, b_gsm=[c.bx, c.by, c.bz] * u.nT, time=t
        )
        truth = SWCXEmissivity.from_solar_wind(st, tilt=frames.dipole_tilt(t))
        sc, aim = np.array([c.sc_x, c.sc_y, c.sc_z]) * RE, np.array([c.aim_x, c.aim_y, c.aim_z]) * RE
        sky = intensity_map(truth, sc, aim, pixel=0.25 * u.deg, fov=(33, 22) * u.deg, time=t)
        l2 = make_l2(simulate_events(sky, c.exposure_s * u.s, start=t, rng=int(c.seed)), pixel=0.25 * u.deg)
        r0_true = float(boundaries.standoff("shue1998", pdyn=st.pdyn, bz=st.bz).to_value(RE))
        line = f"{c.case_id} sc ({c.sc_x:+.1f}, {c.sc_y:+.1f}, {c.sc_z:+.1f}) r0 {r0_true:.2f}"
        fits = {}
        for name, f in (
            ("boundary_fitting_jorgensen", boundary_fitting_jorgensen),
            ("boundary_fitting_cmem", boundary_fitting_cmem),
        ):
            t0 = time.perf_counter()
            est = f(l2, solar_wind=st)
            dt = time.perf_counter() - t0
            fits[name] = est
            err = est.r0.to_value(RE) - r0_true
            rows[name].append((err, est.r0_sigma.to_value(RE), dt))
            limb = est.boundary.get("tangent_theta_deg", np.nan)
            sigma = est.r0_sigma.to_value(RE)
            line += f" | {name[17:]} {est.status} {err:+.2f}+-{sigma:.2f} ({dt:.1f} s, limb {limb:.0f} deg)"
        t0 = time.perf_counter()
        cusp = estimate_cusp_edges(l2, solar_wind=st, magnetopause=fits["boundary_fitting_jorgensen"])
        dt = time.perf_counter() - t0
        teq, tpw = true_cusp_edges(st, t)
        for key, est_v, sig, tv in (
            ("cusp_equatorward", cusp.equatorward, cusp.equatorward_sigma, teq),
            ("cusp_poleward", cusp.poleward, cusp.poleward_sigma, tpw),
        ):
            err = r_ref * np.radians((est_v - tv).to_value(u.deg))
            rows[key].append((err, r_ref * np.radians(sig.to_value(u.deg)), dt))
        line += (
            f" | cusp {cusp.status} (true {teq.to_value(u.deg):.1f}/{tpw.to_value(u.deg):.1f} deg; "
            f"truth's cusp adds {cusp_counts(truth, l2):.0f} ct; {dt:.1f} s)"
        )
        print(line, flush=True)
    for name, r in rows.items():
        summary(name, r)


if __name__ == "__main__":
    main()
