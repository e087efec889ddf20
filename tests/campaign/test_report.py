"""The campaign report (smilekit.campaign.report) and its tables (smilekit.campaign.statistics): the
fractions by flux, season and orbit phase are those of the frames, the orbit phase is the orbit's, and the
page embeds its figures and says the summary's numbers."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from smilekit._io import jsonable, write_text
from smilekit.campaign.cases import read_cases, write_cases
from smilekit.campaign.chunks import time_chunks, write_chunk
from smilekit.campaign.evaluate import evaluation_summary
from smilekit.campaign.insitu import insitu_tables
from smilekit.campaign.mission import campaign_answer
from smilekit.campaign.report import REPORT_FILE, campaign_tables, write_campaign_report
from smilekit.campaign.schedule import FRAMES_FILE, SCHEDULE_FILE, mission_frames
from smilekit.campaign.statistics import binned_fractions, frame_table
from smilekit.campaign.uvi import uvi_tables
from smilekit.errors import InputError
from smilekit.science.requirement import in_requirement_domain_values

METHODS = ("m_good", "m_poor")


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """Three days of frames with made-up retrievals (no simulation): m_good errs by N(0, 0.2) RE and
    answers every frame, m_poor by N(0.4, 0.4) RE and answers two in three."""
    out = tmp_path_factory.mktemp("campaign")
    frames, schedule = mission_frames("2026-07-10", "2026-07-13")
    write_cases(frames, out / FRAMES_FILE)
    write_text(out / SCHEDULE_FILE, json.dumps(jsonable({**schedule, "chunk_frames": 100})))
    cases, _ = read_cases(out / FRAMES_FILE)
    rng = np.random.default_rng(7)
    rows = []
    for case in cases:
        flux = case.n * case.v * 1e5
        dist = float(np.linalg.norm(case.sc))
        common = {"case_id": case.case_id, "in_domain": bool(in_requirement_domain_values(flux, dist)),
                  "flux_cm2_s": flux, "sc_distance_re": dist, "sc_x_gse_re": case.sc[0], "tilt_deg": 0.0,
                  "r0_true": 10.0, "cusp_status": "skipped", "boundary": "{}"}  # fmt: skip
        good, poor = rng.normal(0.0, 0.2), rng.normal(0.4, 0.4)
        answered = rng.uniform() < 2 / 3
        rows.append({**common, "method": "m_good", "status": "ok", "r0_est": 10.0 + good, "r0_err": good})
        poor_row = {"status": "ok", "r0_est": 10.0 + poor, "r0_err": poor} if answered else {
            "status": "no edge found", "r0_est": np.nan, "r0_err": np.nan}  # fmt: skip
        rows.append({**common, "method": "m_poor", **poor_row})
    by_case = {}
    for r in rows:
        by_case.setdefault(r["case_id"], []).append(r)
    for i, chunk in enumerate(time_chunks(cases, 100)):
        write_chunk(
            out / "results" / f"chunk-{i:05d}.parquet", [r for c in chunk for r in by_case[c.case_id]]
        )
    results = pd.DataFrame(rows)
    summary = evaluation_summary(results, cases, [], out / FRAMES_FILE, "sha", {})
    answer = campaign_answer(results)
    for name, figures in answer.pop("methods").items():
        summary["methods"][name].update(figures)
    summary.update(answer)
    regions = rng.choice(["solar wind", "magnetosheath"], size=len(cases), p=[0.75, 0.25])
    n_lia = 5.0 * (1 + rng.normal(0, 0.01, len(cases)))
    insitu = pd.DataFrame({"region": regions, "n_true": 5.0, "n_lia": n_lia, "velocity_error_fraction": 0.01,
                           "lia_quality": 0.0})  # fmt: skip
    summary["insitu"] = insitu_tables(insitu).to_dict(orient="records")
    summary["uvi"] = uvi_tables(pd.DataFrame({"status": ["ok", "ok"], "equatorward_bias_deg": [-0.5, 0.3],
                                              "poleward_bias_deg": [0.25, 0.25], "hemispheric_power_GW": 9.0,
                                              "model_hemispheric_power_GW": 10.0,
                                              "ovation_window_hours": 4}))  # fmt: skip
    write_text(out / "summary.json", json.dumps(jsonable(summary)))
    return out, results, cases, summary


def test_binned_fractions_count_the_frames_of_each_bin(campaign):
    _, results, cases, _ = campaign
    frames = frame_table(results, pd.DataFrame({"case_id": [c.case_id for c in cases],
                                                "time": [c.time for c in cases],
                                                "sc_z": [c.sc[2] for c in cases]}))  # fmt: skip
    assert len(frames) == len(cases) and frames["time"].is_monotonic_increasing
    edges = [1e7, 4.9e8, 1e10]
    table = binned_fractions(frames, "flux_cm2_s", edges)
    for (_, row), (lo, hi) in zip(table.iterrows(), [(1e7, 4.9e8), (4.9e8, 1e10)], strict=True):
        flux = results["flux_cm2_s"]
        here = results[(results["method"] == "m_good") & (flux >= lo) & (flux < hi)]
        dom = here[here["in_domain"]]
        assert row["frames"] == len(here) and row["in_domain"] == len(dom)
        within = (dom["r0_err"].abs() <= 0.5).mean() if len(dom) else np.nan
        assert row["within_0p5:m_good"] == pytest.approx(within, nan_ok=True)
        poor = results[(results["method"] == "m_poor") & results["case_id"].isin(dom["case_id"])]
        expected = ((poor["status"] == "ok") & (poor["r0_err"].abs() <= 0.5)).mean() if len(dom) else np.nan
        assert row["within_0p5:m_poor"] == pytest.approx(expected, nan_ok=True)  # no answer: not within
    assert table["in_domain"].iloc[0] == 0  # below the flux threshold nothing is in the domain
    with pytest.raises(InputError, match="edges"):
        binned_fractions(frames, "flux_cm2_s", [1.0, 1.0])


def test_the_orbit_phase_puts_sxi_frames_about_apogee(campaign):
    """SXI observes on the high part of the orbit: every frame's phase lies between the perigee passages,
    the frames at larger distance nearer phase 0.5; the orbits are the science orbit's ~51 h."""
    out, *_ = campaign
    tables = campaign_tables(out)
    orbits, frames = tables["orbits"], tables["frames"]
    assert np.allclose(orbits["period_h"], 51.0, atol=1.0)
    phase = frames["orbit_phase"].to_numpy(float)
    assert np.isfinite(phase).all() and (phase > 0.05).all() and (phase < 0.95).all()
    far = frames["sc_distance_re"] > frames["sc_distance_re"].quantile(0.9)
    assert np.abs(phase[far] - 0.5).max() < np.abs(phase[~far] - 0.5).max()


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def test_the_report_embeds_its_figures_and_says_the_summarys_numbers(campaign):
    out, _, cases, summary = campaign
    page_path = write_campaign_report(out)
    assert page_path == out / REPORT_FILE
    page = _Page()
    page.feed(page_path.read_text())
    assert len(page.images) == 4
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    text = " ".join(page.text)
    assert f"{len(cases):,}" in text and f"{summary['frames_in_domain']:,}" in text
    good = summary["methods"]["m_good"]["within_0p5_re"]
    assert f"{100 * good:.1f} %" in text
    assert re.search(r"orbit phase", text) and (out / "orbit.csv").is_file()
    share = next(r["fraction"] for r in summary["insitu"] if r["region"] == "solar wind")
    assert f"solar wind {len(cases) * share:.0f} {100 * share:.1f} %" in text  # where SMILE is
    assert "2 in all (ok: 2)" in text and "-0.10° 0.41°" in text and "0.900 times the model" in text
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert names == ["campaign_coverage.png", "campaign_errors.png", "campaign_fractions.png",
                     "campaign_orbit.png"]  # fmt: skip


def test_a_folder_without_a_campaign_is_refused(tmp_path):
    with pytest.raises(InputError, match="not a finished campaign folder"):
        write_campaign_report(tmp_path)
