"""The evaluation summary: stand-off and cusp-edge error statistics checked by hand on synthetic rows."""

import math

import numpy as np
import pandas as pd
import pytest

from smilekit.campaign.statistics import CUSP_NOT_RUN, summarise
from smilekit.errors import InputError


def synthetic_rows():
    """Hand-made rows: 4 cases, 2 methods; case d is outside the domain."""
    rows = []
    errs = {"m1": [0.1, -0.3, 0.6, 2.0], "m2": [0.2, np.nan, 0.0, 0.0]}
    status = {"m1": ["ok", "ok", "ok", "ok"], "m2": ["ok", "no edge found", "ok", "ok"]}
    cusp_true = [(70.0, 75.0), (71.0, 76.0), (72.0, np.nan), (70.0, 75.0)]
    cusp_est = [(70.5, 75.0), (70.0, 77.0), (72.0, 74.0), (np.nan, np.nan)]
    cusp_status = ["ok", "ok", "ok", "no cusp found"]
    for k, case in enumerate("abcd"):
        for m in ("m1", "m2"):
            rows.append(
                {
                    "case_id": case,
                    "method": m,
                    "r0_err": errs[m][k],
                    "status": status[m][k],
                    "in_domain": case != "d",
                    "sc_x_gse_re": {"a": 5.0, "b": -3.0, "c": 2.0, "d": 1.0}[case],
                    "cusp_north_equatorward_true": cusp_true[k][0],
                    "cusp_north_poleward_true": cusp_true[k][1],
                    "cusp_north_equatorward_est": cusp_est[k][0],
                    "cusp_north_poleward_est": cusp_est[k][1],
                    "cusp_status": cusp_status[k],
                    "cusp_reference_distance_re": 8.0,
                }
            )
    return pd.DataFrame(rows)


def test_summary_numbers_by_hand():
    s = summarise(synthetic_rows())
    m1 = s["methods"]["m1"]["domain"]  # errors 0.1, -0.3, 0.6
    assert m1["n"] == 3 and m1["n_failed"] == 0
    assert m1["bias_re"] == pytest.approx(0.4 / 3)
    assert m1["rms_re"] == pytest.approx(math.sqrt((0.01 + 0.09 + 0.36) / 3))
    # |err| sorted 0.1, 0.3, 0.6: the 95th percentile interpolates 0.9 of the way from 0.3 to 0.6
    assert m1["p95_abs_err_re"] == pytest.approx(0.3 + 0.9 * 0.3)
    assert m1["frac_within_0p5_re"] == pytest.approx(2 / 3)
    assert m1["frac_within_0p25_re"] == pytest.approx(1 / 3)
    all1 = s["methods"]["m1"]["all"]
    assert all1["n"] == 4 and all1["rms_re"] == pytest.approx(math.sqrt((0.01 + 0.09 + 0.36 + 4.0) / 4))
    m2 = s["methods"]["m2"]["domain"]  # errors 0.2, 0.0; one failure
    assert m2["n"] == 2 and m2["n_failed"] == 1
    assert m2["rms_re"] == pytest.approx(math.sqrt(0.02))
    assert s["best_method"] == "m2"
    # dayside: the domain cases with the spacecraft at GSE X > 0, a and c (d is outside the domain)
    day1, day2 = s["methods"]["m1"]["dayside"], s["methods"]["m2"]["dayside"]
    assert day1["n"] == 2 and day1["rms_re"] == pytest.approx(math.sqrt((0.01 + 0.36) / 2))
    assert day2["n"] == 2 and day2["n_failed"] == 0 and day2["bias_re"] == pytest.approx(0.1)
    assert "dayside" not in summarise(synthetic_rows().drop(columns="sc_x_gse_re"))["methods"]["m1"]
    assert s["n_cases"] == 4 and s["n_cases_domain"] == 3

    eq = s["cusp"]["north_equatorward"]["domain"]  # errors 0.5, -1.0, 0.0 deg at 8 RE
    assert eq["n"] == 3 and eq["n_failed"] == 0
    assert eq["bias_deg"] == pytest.approx(-0.5 / 3)
    assert eq["rms_deg"] == pytest.approx(math.sqrt(1.25 / 3))
    assert eq["rms_re"] == pytest.approx(8.0 * math.radians(math.sqrt(1.25 / 3)))
    # in RE: 0.070, 0.140, 0: all within 0.25 RE
    assert eq["frac_within_0p25_re"] == 1.0
    pw = s["cusp"]["north_poleward"]["domain"]  # errors 0, +1 deg; case c has no true poleward edge
    assert pw["n"] == 2 and pw["n_no_truth"] == 1
    assert pw["bias_re"] == pytest.approx(8.0 * math.radians(0.5))
    pw_all = s["cusp"]["north_poleward"]["all"]
    assert pw_all["n_failed"] == 1  # case d: truth but no answer
    assert s["cusp"]["reference_distance_re"] == 8.0


def test_cases_run_without_the_cusp_retrieval_are_not_counted_as_its_failures():
    rows = synthetic_rows()
    rows.loc[rows["case_id"] == "d", "cusp_status"] = CUSP_NOT_RUN  # d's edges were never sought
    pw_all = summarise(rows)["cusp"]["north_poleward"]["all"]
    assert pw_all["n"] == 2 and pw_all["n_failed"] == 0 and pw_all["n_no_truth"] == 1
    rows["cusp_status"] = CUSP_NOT_RUN  # a run with --no-cusp: no cusp statistics at all
    assert summarise(rows)["cusp"] == {}


def test_summary_needs_its_columns():
    with pytest.raises(InputError, match="r0_err"):
        summarise(pd.DataFrame({"case_id": ["a"], "method": ["m"]}))
