"""The geospace stages of the main job: stand-off distances along the event and emissivity slices."""

import astropy.units as u
import numpy as np
import pytest

import smilekit
from smilekit.geospace import boundaries
from smilekit.runs.stages.geospace import EmissivitySettings, boundary_models


def test_standoff_at_peak_matches_the_model_for_that_state(finished_run, short_event):
    # Consistency: the time series value at peak pressure is Shue 1998 for the solar wind of that minute
    # (the peak is that of the smoothed pressure: the record at its time is not the smoothed value, and no
    # record is above the highest one).
    _, summary, _ = finished_run
    stage = summary["stages"]["solar_wind"]
    peak_time = np.datetime64(stage["peak_pdyn_time"])
    state = short_event.at(peak_time)
    expected = boundaries.shue1998(0 * u.deg, pdyn=state.pdyn, bz=state.bz).to_value(smilekit.RE)
    assert state.pdyn.to_value(u.nPa) <= stage["peak_pdyn_sample_max_nPa"]
    assert stage["peak_pdyn_nPa"] <= stage["peak_pdyn_sample_max_nPa"]
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
    slice_x = EmissivitySettings().x
    assert mp <= x_max < mp + 2 * (slice_x[1] - slice_x[0]) + 1e-9 < shock


# --- fitted ranges (issue 13, model validity) -----------------------------------------------------------


@pytest.fixture(scope="module")
def storm_standoff(tmp_path_factory):
    """stage_standoff alone on 6 minutes: quiet, then a storm record beyond Shue 1997 (Bz -48 nT, 42 nPa)."""
    from smilekit.runs.context import JobContext
    from smilekit.runs.stages.geospace import stage_standoff
    from smilekit.solarwind import SolarWind

    time = np.datetime64("2015-06-22T18:00") + np.arange(6) * np.timedelta64(1, "m")
    n = np.array([5.0, 5.0, 5.0, 60.0, 60.0, 5.0])  # 60 cm^-3 at 650 km/s is about 42 nPa
    speed = np.array([400.0, 400.0, 400.0, 650.0, 650.0, 400.0])
    bz = np.array([-2.0, -2.0, -20.0, -48.0, -48.0, -2.0])
    sw = SolarWind(
        time,
        n=n * u.cm**-3,
        v_gse=np.stack([-speed, np.zeros(6), np.zeros(6)], axis=1) * u.km / u.s,
        b_gsm=np.stack([np.zeros(6), np.zeros(6), bz], axis=1) * u.nT,
        t=np.full(6, 1e5) * u.K,
        source="test",
    )
    ctx = JobContext(solar_wind=sw, out=tmp_path_factory.mktemp("standoff"), event="test")
    ctx.results["solar_wind"] = sw
    ctx.results["peak_index"] = 3
    return ctx, stage_standoff(ctx), sw


def test_standoff_summary_says_where_each_model_is_outside_its_range(storm_standoff):
    ctx, summary, _ = storm_standoff
    assert set(summary) == set(boundary_models())
    for entry in summary.values():  # the existing keys stay
        assert {"min_RE", "max_RE", "median_RE", "at_peak_pdyn_RE"} <= set(entry)
        assert set(entry["outside_fit_range"]) == {
            "records",
            "fraction",
            "far_outside_records",
            "at_peak",
            "why",
        }
    shue = summary["shue1997"]
    assert shue["fit_range"] == {"pdyn_nPa": [0.5, 8.5], "bz_nT": [-18.0, 15.0]}
    flags = shue["outside_fit_range"]
    # record 2 (Bz -20 nT) just outside; 3 and 4 (Bz -48 nT, ~42 nPa) far outside
    assert flags["records"] == 3
    assert flags["fraction"] == pytest.approx(3 / 6)
    assert flags["far_outside_records"] == 2
    assert flags["at_peak"] is True
    assert flags["why"] == {"bz < -18 nT (Shue et al. 1997)": 3, "pdyn > 8.5 nPa (Shue et al. 1997)": 2}
    assert summary["lin2010"]["fit_range"]["tilt_deg"] == [-35.0, 35.0]
    assert (ctx.out / "standoff.png").exists()


def test_standoff_summary_is_plain_json(storm_standoff):
    import json

    _, summary, _ = storm_standoff
    assert json.loads(json.dumps(summary)) == summary


def test_emissivity_stage_flags_the_peak_state(storm_standoff, tmp_path):
    from smilekit.runs.context import JobContext
    from smilekit.runs.stages.geospace import stage_emissivity

    _, _, sw = storm_standoff
    settings = EmissivitySettings(x_count=31, yz_count=21)
    ctx = JobContext(solar_wind=sw, out=tmp_path, event="test")
    ctx = ctx.__class__(
        solar_wind=sw, out=tmp_path, event="test", settings=ctx.settings.replace(emissivity=settings)
    )
    ctx.results["solar_wind"] = sw
    ctx.results["peak_index"] = 3
    ctx.results["tilt_deg"] = np.zeros(6)
    steps = stage_emissivity(ctx)
    next(steps)  # it parks before doing anything: nothing is written until it is finished
    assert not list(tmp_path.iterdir())
    with pytest.raises(StopIteration) as finished:
        next(steps)
    out = finished.value.value
    for name, entry in out["models"].items():
        assert entry["fit_range"], name
        assert entry["outside_fit_range"], name  # Bz -48 nT is outside every model's range
        assert all(isinstance(reason, str) for reason in entry["outside_fit_range"])
    assert "n 60 cm^-3 > 35 cm^-3 (PPMLR runs of CMEM)" in out["models"]["CMEM"]["outside_fit_range"]


def test_geospace_command_prints_the_flags():
    from typer.testing import CliRunner

    from smilekit.cli import app

    result = CliRunner().invoke(
        app, ["geospace", "--n", "5", "--v", "400", "--bz", "-48"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "FAR outside: bz -48 nT < -18 nT (Shue et al. 1997)" in result.output
    assert "shue1997" in result.output
