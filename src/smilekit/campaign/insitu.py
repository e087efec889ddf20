"""The in situ summary of a campaign's frames: where SMILE is, and what LIA measures there.

At the start of every SXI frame of a campaign (:mod:`smilekit.campaign.schedule`; where its case gives
the spacecraft), :func:`insitu_summary_row` gives:

1. **The truth** at the spacecraft, :func:`smilekit.geospace.insitu.insitu_truth` driven by the frame's
   solar wind (:func:`~smilekit.campaign.truth.case_state`): the region (solar wind, magnetosheath,
   magnetosphere, cusp; Shue et al. 1998 magnetopause, Jelínek et al. 2012 bow shock), the proton density
   and bulk speed, and the field strength.
2. **LIA**: one 4-s ion distribution of that truth's protons and alphas
   (:func:`~smilekit.instruments.lia.distributions.truth_populations`; the field direction the truth's, which
   MAG measures to better than a degree) seen with the frame's attitude
   (:func:`~smilekit.campaign.truth.case_attitude`), counted
   (:func:`~smilekit.instruments.lia.simulate.simulate_counts`, the frame's own random stream) and made into
   moments (:func:`~smilekit.instruments.lia.moments.compute_moments`, with the truth's alpha-to-proton
   temperature ratio, the matched case of the main job's LIA stage): the measured proton density and speed,
   the velocity's error ``|V - V_true| / |V_true|`` (as the main job's LIA stage measures it,
   :func:`smilekit.runs.stages.lia.moment_errors`) and the distribution's quality flag.

SXI observes above 50 000 km, so these rows say where the apogee half of the orbit lies over the period
(how much of the SXI time SMILE spends in the solar wind, where LIA measures the wind that drives the images
itself, rather than OMNI's propagated one) and how well LIA measures each region there; the campaign report
(:mod:`~smilekit.campaign.report`) tabulates both (:func:`insitu_tables`). The magnetosphere's plasma is
the in situ truth's assumed tenuous hot population (its bulk speed is zero: no speed error there).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from smilekit.campaign.cases import Case
from smilekit.campaign.truth import case_attitude, case_state
from smilekit.errors import SmilekitError
from smilekit.geospace.insitu import DEFAULT_ALPHA_TEMPERATURE_RATIO, REGION_NAMES, insitu_truth
from smilekit.instruments.lia import compute_moments, simulate_counts
from smilekit.instruments.lia.distributions import truth_populations
from smilekit.units import RE

__all__ = ["INSITU_COLUMNS", "insitu_summary_row", "insitu_tables"]

#: The columns of a campaign's in situ rows, one per SXI frame (``insitu/chunk-IIIII.parquet``).
INSITU_COLUMNS = (
    "case_id",  # the SXI frame
    "time",  # its start, where the sample is taken
    "region",  # REGION_NAMES of the truth there
    "r_re",  # geocentric distance
    "n_true",  # proton density, cm^-3
    "speed_true",  # bulk speed, km/s
    "b_true_nT",  # field strength
    "n_lia",  # LIA's proton density, cm^-3
    "speed_lia",  # LIA's proton bulk speed, km/s
    "velocity_error_fraction",  # |V_lia - V_true| / |V_true| (NaN where V_true = 0)
    "lia_quality",  # the distribution's quality flag (bits of smilekit.instruments.lia.QUALITY_BITS)
    "error",  # why the row has no values, else empty
    "seconds",  # wall-clock time of the row
)


def insitu_summary_row(case: Case) -> dict:
    """The truth and one LIA distribution at the start of a campaign frame (module notes).

    Returns
    -------
    dict
        :data:`INSITU_COLUMNS`; a sample the models refuse (the magnetopause at or beyond the bow shock of an
        extreme wind) is a row with its ``error`` and NaN values, and one whose LIA simulation fails keeps
        the truth, so every frame has its row.
    """
    started = time.perf_counter()
    t = np.datetime64(case.time, "ns")
    row = {key: math.nan for key in INSITU_COLUMNS}
    row.update(case_id=case.case_id, time=str(t), region="", error="", r_re=float(np.linalg.norm(case.sc)))
    try:
        truth = insitu_truth(case.sc[None, :] * RE, [t], case_state(case))
    except SmilekitError as exc:  # a wind the models refuse (ModelDomainError): the row says so
        row.update(error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
        return row
    b = truth["b_gse"].values
    v_true = truth["v_gse"].values[0]
    row.update(
        region=REGION_NAMES[int(truth["region"].values[0])],
        n_true=float(truth["n_p"].values[0]),
        speed_true=float(np.linalg.norm(v_true)),
        b_true_nT=float(np.linalg.norm(b[0])),
    )
    try:
        b_direction = b / np.linalg.norm(b, axis=1, keepdims=True)
        counts = simulate_counts(
            truth_populations(truth, b_direction),
            np.random.default_rng([case.seed, 1]),  # a stream of its own, not the photons'
            attitude=case_attitude(case).rotation,
            time=truth["time"].values,
            keep_expected=False,
        )
        moments = compute_moments(
            counts, b_direction, frame="gse", alpha_temperature_ratio=DEFAULT_ALPHA_TEMPERATURE_RATIO
        )
    except SmilekitError as exc:  # the truth stays; LIA's values are missing
        row.update(error=f"LIA: {type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
        return row
    v_lia = moments["velocity_p"].values[0]
    row.update(
        n_lia=float(moments["density_p"].values[0]),
        speed_lia=float(np.linalg.norm(v_lia)),
        velocity_error_fraction=(
            float(np.linalg.norm(v_lia - v_true) / row["speed_true"]) if row["speed_true"] > 0 else math.nan
        ),
        lia_quality=float(moments["quality_flag"].values[0]),
        seconds=time.perf_counter() - started,
    )
    return row


def insitu_tables(insitu: pd.DataFrame) -> pd.DataFrame:
    """Per region: the frames, their share of the SXI frames, LIA's median ``|relative error|`` of the proton
    density and of the velocity (``velocity_error_fraction``; not defined where the true bulk speed is
    zero), the frames without a LIA value, and the share of flagged distributions (of the frames with one).
    Rows without a truth (the models refused the wind, or the frame's row failed) are counted as "no
    truth"."""
    rows = []
    total = len(insitu)
    for name in [*REGION_NAMES.values(), ""]:
        here = insitu[insitu["region"] == name]
        if here.empty:
            continue
        n_err = np.abs(here["n_lia"].to_numpy(float) / here["n_true"].to_numpy(float) - 1.0)
        quality = here["lia_quality"].dropna()  # the frames with a LIA distribution
        v_err = here["velocity_error_fraction"].to_numpy(float)
        rows.append(
            {
                "region": name or "no truth (see the rows' error)",
                "frames": len(here),
                "fraction": len(here) / total if total else math.nan,
                "density_median_error": float(np.nanmedian(n_err)) if np.isfinite(n_err).any() else math.nan,
                "velocity_median_error": float(np.nanmedian(v_err)) if np.isfinite(v_err).any() else math.nan,
                "no_lia_value": int((~np.isfinite(here["n_lia"].to_numpy(float))).sum()),
                "lia_flagged_fraction": float((quality != 0).mean()) if len(quality) else math.nan,
            }
        )
    return pd.DataFrame(rows)
