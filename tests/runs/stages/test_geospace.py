"""The geospace stages of the main job: stand-off distances along the event and emissivity slices."""

import astropy.units as u
import numpy as np
import pytest

import smilekit
from smilekit.geospace import boundaries
from smilekit.runs.stages.geospace import EmissivitySettings


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
