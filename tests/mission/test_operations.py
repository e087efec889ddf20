"""Operations: the attitude under each SXI aim rule and the modes the pointing constraints allow."""

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from smilekit.errors import InputError
from smilekit.mission import propagate, sample_times, science_orbit
from smilekit.mission.modes import mode_timeline
from smilekit.mission.operations import POINTING_RULES, constrained_modes, spacecraft_attitude
from smilekit.mission.pointing import limb_offset_aim_points, subsolar_aim_points
from smilekit.mission.visibility import TYPICAL_SOLAR_WIND


@pytest.fixture(scope="module")
def track():
    return propagate(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-03T06:00", 30 * u.min))


def test_each_aim_rule_points_the_boresight_at_its_aim_point(track):
    positions = track.position("GSE").to_value(u.km)
    for rule, aims in (
        ("subsolar", subsolar_aim_points(track.time, TYPICAL_SOLAR_WIND)),
        ("limb", limb_offset_aim_points(track.position("GSE"), errors="nan")),
    ):
        att = spacecraft_attitude(track, rule)
        to_aim = aims.to_value(u.km) - positions
        to_aim /= np.linalg.norm(to_aim, axis=1, keepdims=True)
        ok = att.valid
        assert ok.any()
        # the body +Z axis (third column of body -> GSE) is the direction to the aim point
        np.testing.assert_allclose(att.rotation[ok][:, :, 2], to_aim[ok], atol=1e-9)
    assert POINTING_RULES == ("subsolar", "limb")
    with pytest.raises(InputError, match=r"pointing must be one of \('subsolar', 'limb'\), got 'nadir'"):
        spacecraft_attitude(track, "nadir")


def test_the_modes_follow_the_constraints(track):
    att = spacecraft_attitude(track, "limb")
    excluded, vis, timeline = constrained_modes(track, att)
    assert len(excluded) == len(vis["time"]) == len(track)
    # SXI is never on where a constraint excludes it, and without constraints the altitude rule alone holds
    sxi_on = np.asarray(timeline.sxi_on)
    assert not (sxi_on & excluded["excluded"].to_numpy()).any()
    free = np.asarray(mode_timeline(track).sxi_on)
    assert np.array_equal(sxi_on, free & ~excluded["excluded"].to_numpy())


@pytest.mark.parametrize("rule", POINTING_RULES)
def test_chunked_constraints_equal_the_whole_track_at_once(track, rule, tmp_path):
    # issue 14: constrained_modes works a chunk of samples at a time; every check is per sample, so the
    # tables, the visibility and the mode timeline are the same as in one piece (108 samples, chunks of 25)
    att = spacecraft_attitude(track, rule)
    whole = constrained_modes(track, att, chunk=len(track))
    pieces = constrained_modes(track, att, chunk=25)
    pd.testing.assert_frame_equal(whole[0], pieces[0])
    xr.testing.assert_identical(whole[1], pieces[1])
    whole[2].to_csv(tmp_path / "a.csv")
    pieces[2].to_csv(tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
