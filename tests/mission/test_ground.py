"""Tests of ground stations, passes and the downlink budget (smilekit.mission.ground)."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from astropy.coordinates import ITRS, AltAz, CartesianRepresentation, EarthLocation
from astropy.time import Time
from astropy.utils import iers

from smilekit.constants import R_EARTH_EQ_KM
from smilekit.errors import InputError
from smilekit.frames import transform
from smilekit.mission import ground
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit

STEP_S = 60.0


@pytest.fixture(autouse=True, scope="module")
def no_iers_download():
    """astropy must never fetch IERS tables here (the ITRS -> AltAz path used needs none)."""
    with iers.conf.set_temp("auto_download", False):
        yield


@pytest.fixture(scope="module")
def orbit():
    return science_orbit("2026-03-01")


@pytest.fixture(scope="module")
def track(orbit):
    return kepler_track(orbit, sample_times("2026-03-01", "2026-03-07T08:00", STEP_S * u.s))


@pytest.fixture(scope="module")
def table(track):
    return ground.passes(track)


def geo_km(track):
    return transform(track.position_gei_km, track.time, "GEI", "GEO")


def test_station_under_the_spacecraft_sees_it_at_the_zenith(track):
    # Put a station at the foot of the ellipsoid normal through a track point (geodetic conversion by
    # astropy's ERFA gc2gd, independent of ours): the spacecraft is then straight up.
    for i in (0, 1500, 3100):
        x, y, z = geo_km(track)[i]
        lon, lat, _ = EarthLocation.from_geocentric(x * u.km, y * u.km, z * u.km).to_geodetic("WGS84")
        station = ground.GroundStation.from_geodetic("sub", lat, lon, 0 * u.m)
        el = ground.elevation(track, station).to_value(u.deg)
        assert el[i] == pytest.approx(90.0, abs=1e-6)


def test_elevation_matches_astropy_altaz(track):
    # astropy: topocentric ITRS -> AltAz at the same obstime (a pure rotation from the site's WGS 84
    # geodetic latitude and longitude; no Earth orientation data needed), no refraction.
    idx = np.array([0, 700, 1400, 1600, 2900, 5000])
    r = geo_km(track)[idx]
    for name in ("Kiruna", "New Norcia", "Sanya", "Malargue"):
        s = ground.STATIONS[name]
        loc = EarthLocation.from_geodetic(s.longitude, s.latitude, s.height, ellipsoid="WGS84")
        t = Time(track.time[idx], scale="utc")
        topo = CartesianRepresentation(r.T * u.km) - loc.get_itrs(t).cartesian
        alt = ITRS(topo, obstime=t, location=loc).transform_to(AltAz(obstime=t, location=loc)).alt
        ours = ground.elevation(track, name)[idx]
        np.testing.assert_allclose(ours.to_value(u.deg), alt.to_value(u.deg), atol=1e-7)


def test_pass_edges_lie_on_the_mask(orbit, table):
    # Re-evaluate the elevation exactly at the interpolated rise and set times: with linear
    # interpolation over a 60 s step the edge lies within 0.02 deg of the mask, i.e. within 0.5 s of
    # the true crossing (elevation rate from +-1 s differences).
    full = table[~table.truncated]
    assert len(full) > 10
    one_s = np.timedelta64(1, "s")
    for _, row in full.iterrows():
        for edge in (row.start.to_datetime64(), row.end.to_datetime64()):
            times = np.array([edge - one_s, edge, edge + one_s], dtype="datetime64[ns]")
            el = ground.elevation(kepler_track(orbit, times), row.station).to_value(u.deg)
            miss = el[1] - ground.STATIONS[row.station].min_elevation_deg
            assert abs(miss) < 0.02
            assert abs(miss / ((el[2] - el[0]) / 2.0)) < 0.5


def test_pass_table_is_consistent(track, table):
    span_min = (track.time[-1] - track.time[0]) / np.timedelta64(1, "m")
    duration = (table.end - table.start).dt.total_seconds() / 60.0
    np.testing.assert_allclose(duration, table.duration_min, atol=1e-6)
    assert (table.duration_min > 0).all() and (table.duration_min <= span_min).all()
    for name, rows in table.groupby("station"):
        # passes of one station do not overlap, and every sample inside is above the mask
        assert (rows.start.iloc[1:].to_numpy() > rows.end.iloc[:-1].to_numpy()).all()
        el = ground.elevation(track, name).to_value(u.deg)
        inside = np.zeros(len(track), dtype=bool)
        for _, row in rows.iterrows():
            inside |= (track.time >= row.start) & (track.time <= row.end)
        mask = ground.STATIONS[name].min_elevation_deg
        assert (el[inside] > mask).all() and (el[~inside] <= mask).all()
        assert (rows.max_elevation_deg >= mask).all()


def test_max_elevation_matches_fine_sampling(orbit, table):
    row = table[~table.truncated].iloc[0]
    fine_times = sample_times(row.start, row.end, 5 * u.s)
    el = ground.elevation(kepler_track(orbit, fine_times), row.station).to_value(u.deg)
    assert row.max_elevation_deg == pytest.approx(el.max(), abs=2e-3)


def test_pass_times_converge_with_the_step(orbit, table):
    fine = ground.passes(kepler_track(orbit, sample_times("2026-03-01", "2026-03-07T08:00", 10 * u.s)))
    coarse = table[~table.truncated]
    fine = fine[~fine.truncated]
    assert len(fine) == len(coarse)
    for _, row in fine.iterrows():
        match = coarse[
            (coarse.station == row.station) & ((coarse.start - row.start).abs() < pd.Timedelta("5min"))
        ]
        assert len(match) == 1
        assert abs((match.start.iloc[0] - row.start).total_seconds()) < 1.0
        assert abs((match.end.iloc[0] - row.end).total_seconds()) < 1.0


def test_higher_mask_gives_nested_shorter_passes(track, table):
    high = ground.passes(track, ["Kiruna"], min_elevation=30 * u.deg)
    low = table[table.station == "Kiruna"]
    assert high.duration_min.sum() < low.duration_min.sum()
    for _, row in high.iterrows():
        assert ((low.start <= row.start) & (low.end >= row.end)).any()


def test_unknown_station_lists_the_known_ones(track):
    with pytest.raises(InputError, match=r"Goonhilly.*Miyun.*Kiruna"):
        ground.passes(track, ["Goonhilly"])
    with pytest.raises(InputError, match="min_elevation"):
        ground.passes(track, ["Kiruna"], min_elevation=5.0)
    assert len(ground.passes(track, ["kiruna"])) == len(ground.passes(track, ["Kiruna"]))


def test_station_records_are_sane():
    for name, s in ground.STATIONS.items():
        assert s.name == name and s.source and s.agency in {"ESA", "CAS"}
        position, up = s.position_geo_km()
        # WGS 84: the geocentric radius lies between the polar and equatorial radii (+ height)
        assert 6356.7 < np.linalg.norm(position) - s.height_m / 1000 < R_EARTH_EQ_KM + 1e-9
        assert np.linalg.norm(up) == pytest.approx(1.0)
    with pytest.raises(InputError, match="latitude"):
        ground.GroundStation("bad", 95.0, 0.0, 0.0)


def test_downlink_budget_volumes(orbit, track, table):
    timeline = mode_timeline(track)
    rates = {
        "SXI": 50 * u.kbit / u.s,
        "UVI": 70 * u.kbit / u.s,
        "LIA": 10 * u.kbit / u.s,
        "HK": 5 * u.kbit / u.s,
    }
    budget = ground.downlink_budget(
        track, timeline, table, instrument_rates=rates, downlink_rate=2 * u.Mbit / u.s
    )
    hours = {m: h.to_value(u.h) for m, h in timeline.hours_per_orbit().items()}
    period_h = orbit.period.to_value(u.h)
    expected = 3600 * (
        50e3 * (hours["FSM"] + hours["RSM1"]) + 70e3 * (hours["FSM"] + hours["RSM2"]) + 15e3 * period_h
    )
    complete = budget[budget.complete]
    assert len(complete) == 2
    # the orbit's sample stretch differs from the Keplerian period by under one step
    np.testing.assert_allclose(complete.generated_Gbit * 1e9, expected, atol=135e3 * STEP_S)
    np.testing.assert_allclose(complete.downlink_Gbit, complete.contact_h * 3600 * 2e6 / 1e9)
    np.testing.assert_allclose(complete.margin_Gbit, complete.downlink_Gbit - complete.generated_Gbit)
    # contact only below 30 000 km: never more than the RSM3 time of the orbit
    assert (complete.contact_h <= hours["RSM3"] + 2 * STEP_S / 3600).all()


def test_contact_is_the_union_within_link_range(track):
    timeline = mode_timeline(track)
    everything = pd.DataFrame({"start": [track.time[0]], "end": [track.time[-1]]})
    one = ground.downlink_budget(track, timeline, everything)
    twice = ground.downlink_budget(track, timeline, pd.concat([everything, everything]))
    pd.testing.assert_frame_equal(one, twice)  # overlapping contacts are not counted twice
    hours = timeline.hours_per_orbit()["RSM3"].to_value(u.h)
    # a contact covering the whole track: the usable time is the time below 30 000 km
    np.testing.assert_allclose(one[one.complete].contact_h, hours, atol=2 * STEP_S / 3600)
    mask = ground.contact_mask(track, everything)
    np.testing.assert_array_equal(mask, track.altitude.to_value(u.km) <= 30000.0)


def test_downlink_budget_bad_input(track, table):
    timeline = mode_timeline(track)
    with pytest.raises(InputError, match="downlink_rate"):
        ground.downlink_budget(track, timeline, table, downlink_rate=4e6)
    with pytest.raises(InputError, match="unknown instrument"):
        ground.downlink_budget(track, timeline, table, instrument_rates={"XYZ": 1 * u.bit / u.s})
    with pytest.raises(InputError, match="timeline"):
        ground.downlink_budget(track.select(stop="2026-03-02"), timeline, table)
    with pytest.raises(InputError, match="start"):
        ground.downlink_budget(track, timeline, pd.DataFrame({"a": [1]}))


def test_contact_intervals_agree_with_the_mask_and_the_budget(track, table):
    timeline = mode_timeline(track)
    intervals = ground.contact_intervals(track, table)
    start, end = intervals.start.to_numpy(), intervals.end.to_numpy()
    assert (end > start).all() and (start[1:] > end[:-1]).all()  # sorted, disjoint
    k = np.searchsorted(start, track.time, side="right") - 1
    inside = (k >= 0) & (track.time < end[np.maximum(k, 0)])
    np.testing.assert_array_equal(inside, ground.contact_mask(track, table))
    budget = ground.downlink_budget(track, timeline, table)
    assert intervals.duration_min.sum() / 60 == pytest.approx(budget.contact_h.sum(), rel=1e-9)


def test_generation_rates_follow_the_modes_and_the_budget(track, table):
    timeline = mode_timeline(track)
    rates = ground.generation_rates(timeline)
    assert set(rates) == set(ground.DEFAULT_INSTRUMENT_RATES)
    np.testing.assert_array_equal(rates["SXI"] > 0, timeline.sxi_on)
    np.testing.assert_array_equal(rates["UVI"] > 0, timeline.uvi_on)
    assert (rates["HK"] == ground.DEFAULT_INSTRUMENT_RATES["HK"]).all()
    total = sum((r * timeline.sample_durations_s() * u.s).to_value(u.Gbit) for r in rates.values())
    budget = ground.downlink_budget(track, timeline, table)
    assert total.sum() == pytest.approx(budget.generated_Gbit.sum(), rel=1e-12)
    with pytest.raises(InputError, match="timeline must be a ModeTimeline"):
        ground.generation_rates(track)
