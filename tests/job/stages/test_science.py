"""The science stage of the main job: r0 by every method, the retrieval table and the L3 CDF."""

import numpy as np


def test_science_stage_retrieves_r0_by_every_method_and_writes_the_l3_cdf(finished_run):
    import cdflib
    import pandas as pd

    from smilekit.science.magnetopause import METHODS

    out, summary, _ = finished_run
    stage = summary["stages"]["science"]
    assert stage["frames"] == summary["stages"]["sxi"]["frames"]
    assert set(stage["methods"]) == set(METHODS)
    table = pd.read_csv(out / "standoff_retrievals.csv")
    assert len(table) == stage["frames"] * len(METHODS)
    answered = table.dropna(subset=["r0_est"])
    # the best method answers on some frames (not all: some see no nose limb), and its answers are within
    # the 0.5 RE requirement (FACTS.md requirement 1) of the model truth (the harness measures accuracy)
    best = answered[answered["method"] == "boundary_fitting_jorgensen"]
    assert len(best) >= 1
    assert np.all(np.abs(best["r0_est"] - best["r0_true"]) < 0.5)
    cdf = cdflib.CDF(out / "smile_sxi_l3_boundaries.cdf")
    r0 = cdf.varget("r0_boundary_fitting_jorgensen")
    assert r0.shape == (stage["frames"],)
    assert (out / "standoff_series.png").exists() and "standoff_series.png" in summary["figures"]
