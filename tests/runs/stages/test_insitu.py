"""The in situ truth and MAG stages of the main job: regions, crossings, MAG files and field errors."""

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.mission.orbit import kepler_track, sample_times
from smilekit.products.insitu_cdf import read_lia_l2, read_mag_l2
from smilekit.runs import JobContext
from smilekit.runs.stages.insitu import InsituSettings, stage_insitu
from smilekit.runs.stages.mag import MAGSettings
from smilekit.runs.stages.mission import event_orbit
from smilekit.solarwind.events import load_event


def test_the_six_hour_event_is_all_solar_wind_and_mag_meets_its_2_nT_there(finished_run):
    out, summary, _ = finished_run
    insitu, mag = summary["stages"]["insitu"], summary["stages"]["mag"]
    # the short event's six hours are around apogee (19 RE) at peak pressure: upstream of the bow shock
    assert insitu["samples"] == 6 * 900 + 1 and insitu["crossings"] == []
    assert insitu["hours_in_region"]["solar wind"] == pytest.approx(6.0, abs=1e-9)
    errors = mag["error_by_region"]["solar wind"]
    assert errors["no_value"] == 0 and errors["max_nT"] < 2.0  # MAG's accuracy requirement (seed, 3.4)
    assert mag["vectors"] == 6 * 3600 + 1 and mag["flagged_vectors"] == 0
    l2 = read_mag_l2(out / mag["files"][1])
    assert l2.sizes["time"] == mag["vectors"] and "mag.png" in summary["figures"]


def test_lia_moments_and_the_regions_they_give_on_the_six_hour_event(finished_run):
    out, summary, _ = finished_run
    lia, regions = summary["stages"]["lia"], summary["stages"]["regions"]
    assert lia["distributions"] == 6 * 60 + 1 and lia["every_s"] == 60.0
    assert lia["field_from_mag_fraction"] == 1.0  # MAG's dual-sensor field at every distribution
    wind = lia["error_by_region"]["solar wind"]
    # the cold beam (tests/instruments/lia): density measured (1.3 % a sample, a few % more with the
    # alphas), the velocity vector to 1.6 % (its direction limited by the 7.5 x 11.25 deg bins), the
    # temperature not (the beam is narrower than a bin: 1.45-3.3 times too hot)
    assert wind["no_value"] == 0 and wind["density_median_fraction"] < 0.05
    assert wind["velocity_median_fraction"] < 0.02 and wind["temperature_median_fraction"] > 0.3
    # the alpha fraction is inferred only where protons and alphas overlap in E/q (hot plasma), not here
    assert lia["alpha_temperature_ratio_assumed"] == 4.0 and lia["alpha_ratio_inferred_samples"] == 0
    # all of it is solar wind, and the moments alone say so
    assert regions["score"]["correct"]["solar_wind"] == 1.0 and regions["crossings"] == []
    assert "regions.png" in summary["figures"] and "lia.png" in summary["figures"]
    moments = read_lia_l2(out / lia["files"][0])
    assert moments.sizes["time"] == lia["distributions"] and np.isfinite(moments["density_p"].values).all()


@pytest.fixture(scope="module")
def orbit_through_the_magnetosphere():
    """Five hours of the default event's orbit, from the magnetosphere out through the dayside sheath."""
    sw = load_event("2015-06-21-high-density")
    peak = sw.time.values[int(np.nanargmax(sw.pdyn.values))]
    elements = event_orbit(sw.time.values[0], peak)
    track = kepler_track(
        elements, sample_times("2015-06-21T22:00", "2015-06-22T03:00", 60 * u.s, include_stop=True)
    )
    return sw, track


def test_crossings_are_where_the_model_boundaries_are(orbit_through_the_magnetosphere, tmp_path):
    sw, track = orbit_through_the_magnetosphere
    ctx = JobContext(sw, tmp_path, "test")
    ctx.results.update(solar_wind=sw, track=track)
    summary = stage_insitu(ctx)
    hours = summary["hours_in_region"]
    assert hours["magnetosphere"] > 0.5 and hours["magnetosheath"] > 0.1
    assert sum(hours.values()) == pytest.approx(5.0, abs=1e-9)
    pause = [c for c in summary["crossings"] if c["boundary"] == "magnetopause"]
    assert pause and pause[0]["from"] == "magnetosphere" and pause[0]["to"] == "magnetosheath"
    # the spacecraft is at the model magnetopause when it crosses it: within the 4 s it moves (about
    # 0.01 RE at 3 km/s), unless the solar wind record changes in that step (the boundary jumps)
    gaps = np.array([abs(c["r_RE"] - c["model_r_RE"]) for c in pause])
    assert np.median(gaps) < 0.2
    truth = ctx.results["insitu_truth"]
    assert truth.sizes["time"] == summary["samples"] == 5 * 900 + 1


def test_settings_check_the_cadence_and_kp():
    assert InsituSettings().cadence_s == 4.0 and MAGSettings().vector_rate_hz == 1.0
    with pytest.raises(InputError, match="kp"):
        InsituSettings(kp=10)
    with pytest.raises(InputError, match="vector_rate_hz"):
        MAGSettings(vector_rate_hz=1000)
    assert MAGSettings(vector_rate_hz=32).config.vector_rate.to_value(u.Hz) == 32.0
