"""The main job: stages, summary.json, index.html, figures, and failure isolation."""

import json

import astropy.units as u
import numpy as np
import pytest

import smilekit
from smilekit import job
from smilekit.errors import ModelDomainError
from smilekit.geospace import boundaries
from smilekit.solarwind import load_event


@pytest.fixture(scope="module")
def short_event():
    """Six hours of the default event (2015-06-21), enough for every stage and quick."""
    sw = load_event("2015-06-21-high-density")
    return sw.select(sw.time.values[0], sw.time.values[0] + np.timedelta64(6, "h"))


@pytest.fixture(scope="module")
def finished_run(short_event, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    calls = []
    frames, job.SXI_MAX_FRAMES = job.SXI_MAX_FRAMES, 3  # a few SXI frames are enough here
    try:
        summary = job.run_job(short_event, out, event="test", progress=lambda *a: calls.append(a))
    finally:
        job.SXI_MAX_FRAMES = frames
    return out, summary, calls


def test_every_stage_succeeds_and_reports_progress(finished_run):
    _, summary, calls = finished_run
    assert {name: s["status"] for name, s in summary["stages"].items()} == {n: "ok" for n, _ in job.STAGES}
    assert [c[1] for c in calls] == list(range(1, len(job.STAGES) + 1))


def test_summary_and_report_are_written(finished_run):
    out, summary, _ = finished_run
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == summary
    page = (out / "index.html").read_text()
    for figure in summary["figures"]:
        assert (out / figure).stat().st_size > 10_000  # a real PNG, not an empty file
        assert f"src='{figure}'" in page


def test_standoff_at_peak_matches_the_model_for_that_state(finished_run, short_event):
    # Consistency: the time series value at peak pressure is Shue 1998 for the solar wind of that minute.
    _, summary, _ = finished_run
    stage = summary["stages"]["solar_wind"]
    peak_time = np.datetime64(stage["peak_pdyn_time"])
    state = short_event.at(peak_time)
    expected = boundaries.shue1998(0 * u.deg, pdyn=state.pdyn, bz=state.bz).to_value(smilekit.RE)
    assert stage["peak_pdyn_nPa"] == pytest.approx(state.pdyn.to_value(u.nPa), rel=1e-9)
    assert summary["stages"]["standoff"]["shue1998"]["at_peak_pdyn_RE"] == pytest.approx(expected, rel=1e-9)


def test_bow_shock_stands_outside_every_magnetopause(finished_run):
    _, summary, _ = finished_run
    standoff = summary["stages"]["standoff"]
    shock = standoff["bow shock (jelinek2012)"]
    # Shock outside the magnetopause at every time implies it for the extremes and at the peak.
    for name in boundaries.MAGNETOPAUSE_MODELS:
        for key in ("min_RE", "max_RE", "at_peak_pdyn_RE"):
            assert standoff[name][key] < shock[key]


def test_emissivity_peaks_in_the_dayside_sheath(finished_run):
    # The SWCX emissivity on the Sun-Earth line peaks just outside the magnetopause (e.g. Sibeck et al. 2018,
    # Space Sci. Rev. 214:79, Fig. 3): the physical model has no emission inside its Shue 1998
    # magnetopause, and outside it both the sheath density (largest at the stagnation point) and n_H (~r^-3)
    # fall, so the maximum is the first sheath sample: within two 0.1 RE grid steps of the stand-off.
    _, summary, _ = finished_run
    standoff = summary["stages"]["standoff"]
    mp = standoff["shue1998"]["at_peak_pdyn_RE"]
    shock = standoff["bow shock (jelinek2012)"]["at_peak_pdyn_RE"]
    x_max = summary["stages"]["emissivity"]["models"]["physical SWCX"]["x_of_max_on_sun_earth_line_RE"]
    assert mp <= x_max < mp + 2 * (job.SLICE_X[1] - job.SLICE_X[0]) + 1e-9 < shock


def test_a_failing_stage_is_recorded_and_the_rest_still_run(short_event, tmp_path, monkeypatch):
    def broken(ctx):
        raise ModelDomainError("deliberately out of range")

    stages = [job.STAGES[0], ("broken", broken), *job.STAGES[1:2]]
    monkeypatch.setattr(job, "STAGES", stages)
    summary = job.run_job(short_event, tmp_path, event="test")
    assert summary["stages"]["broken"]["status"] == "failed"
    assert "deliberately out of range" in summary["stages"]["broken"]["error"]
    assert summary["stages"]["standoff"]["status"] == "ok"
    assert "failed" in (tmp_path / "index.html").read_text()


def test_mission_stage_puts_apogee_at_peak_pressure_and_accounts_for_every_hour(finished_run, short_event):
    out, summary, _ = finished_run
    stage = summary["stages"]["mission"]
    assert stage["at_peak_pdyn"]["time"][:16] == summary["stages"]["solar_wind"]["peak_pdyn_time"][:16]
    # Apogee of the science orbit (121 182 km). The elements are osculating at the epoch, so the propagated
    # apogee differs from the Keplerian one by the lunisolar term: 45 km at the first apogee of the 3-year
    # benchmark (benchmarks/README.md, 121 137 km), and the event is under one orbit long; 100 km bounds it.
    assert stage["at_peak_pdyn"]["altitude_km"] == pytest.approx(121182.0, abs=100.0)
    hours = sum(stage["hours_in_mode"].values())
    assert hours == pytest.approx(stage["samples"] * stage["step_s"] / 3600.0)
    assert (out / "ephemeris.cdf").stat().st_size > 0 and (out / "modes.csv").stat().st_size > 0


def test_event_orbit_phases_apogee_at_the_requested_time():
    from smilekit.mission import kepler_track

    orbit = job.event_orbit("2015-06-21T15:00", "2015-06-22T18:59")
    track = kepler_track(orbit, ["2015-06-22T18:59"])
    assert track.altitude[0].to_value(u.km) == pytest.approx(orbit.apogee_altitude.to_value(u.km), abs=1e-3)


def test_sxi_stage_recovers_the_model_sky_and_writes_l1_l2_and_a_movie(finished_run):
    out, summary, _ = finished_run
    stage = summary["stages"]["sxi"]
    assert 1 <= stage["frames"] <= 4  # three spread frames plus the one nearest peak pressure
    for row in stage["frame_table"]:
        # The foreground averaged over the field is the model intensity: 1e4 counts give ~1 % noise, and
        # the background model's mismatch is bounded in the L2 tests; 10 % is a sanity bound here.
        assert row["foreground_mean"] == pytest.approx(row["model_mean_keV_cm-2_s-1_sr-1"], rel=0.10)
    names = stage["files"]
    assert sum(n.startswith("smile_sxi_l1_") for n in names) == stage["frames"]
    assert sum(n.startswith("smile_sxi_l2_") for n in names) == stage["frames"]
    from PIL import Image

    with Image.open(out / "sxi_movie.gif") as movie:
        assert movie.n_frames == stage["frames"]


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
