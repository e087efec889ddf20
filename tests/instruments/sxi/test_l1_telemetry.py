"""SXI level 1 from telemetry: simulate -> packets -> L0 -> event_list_from_telemetry, against the simulator.

What the instrument telemeters (RAWX, RAWY, CCDNR, PI, the frame time, the Sun flags) comes back bit for
bit; what the ground derives (DETX/DETY, X/Y, ENERGY, the edge flag) is within the quantisation bounds of
the module docstring of :mod:`smilekit.instruments.sxi.l1`; L2 made from either list agrees except for the
events the quantisation moves across an L2 pixel edge; frames lost on the link leave the GTIs, flagged.
"""

from __future__ import annotations

import math
import types

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit.errors import InputError, TelemetryError
from smilekit.instruments.sxi import make_l2, simulate_events
from smilekit.instruments.sxi.config import ccd_rectangles
from smilekit.instruments.sxi.l1 import (
    FLAG_EDGE,
    FRAME_EVENTS_MISSING,
    FRAME_HEADER_LOST,
    ORIGIN_UNKNOWN,
    ORIGINS,
    event_list_from_telemetry,
)
from smilekit.products.sxi_fits import read_l1, write_l1
from smilekit.telemetry import depacketise as dp
from smilekit.telemetry.l0 import read_l0
from smilekit.telemetry.layouts import APID
from smilekit.telemetry.packetise import Packetiser, housekeeping, merge

START = np.datetime64("2026-03-20T12:00:00", "ns")
ROTATION = np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]])  # boresight GSE -Y, 90 deg from the Sun
POSITION = [0.0, 0.0, 20.0] * u.Unit("RE")


@pytest.fixture(scope="module")
def sim():
    """A 120-s exposure of a bright uniform sky (about 9000 events) with every background."""
    sky = xr.DataArray(np.full((16, 27), 20.0), dims=("v", "u"),
                       coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                       attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
    return simulate_events(sky, 120 * u.s, start=str(START), rotation=ROTATION, sc_position=POSITION, rng=8)


def _hk(n_s=130):
    """Housekeeping at 1 s over the exposure, the attitude constant (the simulator's one rotation)."""
    t = START + np.arange(n_s) * np.timedelta64(1, "s")
    att = types.SimpleNamespace(time=t, rotation=np.broadcast_to(ROTATION, (n_s, 3, 3)))
    tl = types.SimpleNamespace(time=t, mode=np.full(n_s, "FSM"), sxi_shutter_open=np.ones(n_s, bool))
    return housekeeping(att, tl)


def _l0(ev, drop=()):
    p = Packetiser()
    sxi = p.sxi(ev)
    batch = merge(sxi, p.hk(_hk()))
    gone = {id(sxi.packets[i]) for i in drop}
    return read_l0(b"".join(x for x in batch.packets if id(x) not in gone)), sxi


@pytest.fixture(scope="module")
def telemetered(sim):
    l0, _ = _l0(sim)
    events, frames = dp.sxi_events(l0)
    return event_list_from_telemetry(events, frames, dp.hk(l0), POSITION)


def _signed_edge_distance(x, y, ccd, v):
    r = ccd_rectangles(v)[ccd.astype(int) - 1]
    return np.minimum.reduce([x - r[:, 0], r[:, 1] - x, y - r[:, 2], r[:, 3] - y])


def test_telemetered_columns_are_the_simulators(sim, telemetered):
    ev, table = telemetered
    assert len(ev) == len(sim) > 5000
    for name in ("TIME", "RAWX", "RAWY", "CCDNR", "PI"):
        np.testing.assert_array_equal(ev.columns[name], sim.columns[name])
    np.testing.assert_array_equal(ev.columns["FLAG"] & 6, sim.columns["FLAG"] & 6)  # the Sun bits
    np.testing.assert_array_equal(ev.gti, sim.gti)
    assert ev.sun_angle_deg == pytest.approx(sim.sun_angle_deg, abs=1e-9) and not ev.sun_in_fov
    np.testing.assert_allclose(ev.rotation, sim.rotation, atol=1e-14)  # through the HK quaternion
    np.testing.assert_array_equal(ev.sc_position_gse_re, sim.sc_position_gse_re)
    assert (ev.columns["ORIGIN"] == ORIGIN_UNKNOWN).all() and ORIGINS["unknown"] == ORIGIN_UNKNOWN
    assert table.attrs["frames_lost"] == 0 and table["in_gti"].all() and table.attrs["events_dropped"] == 0
    assert table.attrs["attitude_spread_deg"] < 1e-9


def test_derived_columns_within_the_quantisation(sim, telemetered):
    ev, _ = telemetered
    v = sim.config.values
    half_pixel = 0.5 * v.ccd_mm / v.ccd_pixels
    f4 = 1e-5  # the float32 columns: 45 mm to 1 part in 2^24 is 3e-6 mm
    for name in ("DETX", "DETY"):
        err = np.abs(ev.columns[name].astype(float) - sim.columns[name].astype(float))
        assert err.max() <= half_pixel + f4
        assert err.max() > 0.9 * half_pixel  # the whole half pixel is used: a bound, not a bias
    sky_half = math.degrees(half_pixel / v.focal_mm) / v.sky_pixel_deg  # 0.10 sky pixel
    for name in ("X", "Y"):
        err = np.abs(ev.columns[name].astype(float) - sim.columns[name].astype(float))
        assert err.max() <= sky_half + 1e-3
    e_err = np.abs(ev.columns["ENERGY"].astype(float) - sim.columns["ENERGY"].astype(float))
    assert e_err.max() <= 0.5 * v.pi_width_kev * 1e3 + 1e-3
    # the edge flag: equal except within half a pixel of the contour one PSF FWHM inside an edge
    differ = (ev.columns["FLAG"] & FLAG_EDGE) != (sim.columns["FLAG"] & FLAG_EDGE)
    fwhm = v.psf_sigma_mm * 2.0 * math.sqrt(2.0 * math.log(2.0))
    d_true = _signed_edge_distance(sim.columns["DETX"], sim.columns["DETY"], sim.columns["CCDNR"], v)
    assert np.all(np.abs(d_true[differ] - fwhm) <= half_pixel + f4)
    near = np.abs(d_true - fwhm) <= half_pixel
    assert differ.sum() <= near.sum()  # the count (a few in 10^4): see the report


def test_l2_from_telemetry_agrees_with_l2_from_memory(sim, telemetered):
    ev, _ = telemetered
    pixel = 0.25 * u.deg
    # the simulator's background model in both, so that only the events differ (the fitted background's
    # particle level is measured from the events: test_particle_level_from_telemetry)
    a = make_l2(sim, cadence=1 * u.min, pixel=pixel, background="model")
    b = make_l2(ev, cadence=1 * u.min, pixel=pixel, background="model")
    for name in ("exposure", "background", "coverage", "vignetting"):
        np.testing.assert_allclose(b[name].values, a[name].values, rtol=1e-12)
    assert int(a["counts"].sum()) == int(b["counts"].sum())
    # the events that change L2 pixel: those whose pixel centre lies across an L2 pixel edge
    v = sim.config.values
    edges_x = np.concatenate([a["xi"].values - 0.125, [a["xi"].values[-1] + 0.125]])
    edges_y = np.concatenate([a["eta"].values - 0.125, [a["eta"].values[-1] + 0.125]])

    def cell(e):
        x = np.degrees(e.columns["DETX"].astype(float) / v.focal_mm)
        y = np.degrees(e.columns["DETY"].astype(float) / v.focal_mm)
        return np.searchsorted(edges_x, x), np.searchsorted(edges_y, y)

    moved = np.any(np.not_equal(cell(sim), cell(ev)), axis=0)
    diff = np.abs(b["counts"].values.astype(int) - a["counts"].values.astype(int))
    assert diff.sum() <= 2 * moved.sum()
    # an event moves only from a CCD pixel (p) that straddles an L2 pixel (P) edge, a fraction p / P of the
    # events per axis, and then when the edge lies between it and the pixel centre, 1/4 of those on
    # average over the edge's place in the pixel: p / 2P of the events (0.69 %), binomial
    p_over_p = (v.ccd_mm / v.ccd_pixels) / (v.focal_mm * math.radians(0.25))
    expected = 0.5 * p_over_p * len(sim)
    assert abs(moved.sum() - expected) <= 4 * math.sqrt(expected)
    # the foreground differs only through those counts: by (counts change) / (counts error) of its error
    fa, fb, err = a["foreground"].values, b["foreground"].values, a["foreground_error"].values
    ok = np.isfinite(fa)
    delta = (b["counts"].values - a["counts"].values)[ok]
    z = (fb[ok] - fa[ok]) / err[ok]
    np.testing.assert_allclose(z, delta / np.sqrt(np.maximum(a["counts"].values[ok], 1)), atol=1e-9)
    assert np.sqrt(np.mean(z**2)) < 0.1


def test_fits_round_trip(tmp_path, telemetered):
    ev, _ = telemetered
    back = read_l1(write_l1(ev, tmp_path / "sxi_l1.fits"))
    for name, col in ev.columns.items():
        np.testing.assert_array_equal(back.columns[name], col)
    np.testing.assert_array_equal(back.gti, ev.gti)
    assert np.isnan(back.aim_point_gse_re).all()


def test_lost_frames_shorten_the_gtis_and_are_flagged(sim, monkeypatch):
    monkeypatch.setattr("smilekit.telemetry.packetise.SXI_MAX_EVENTS_PER_PACKET", 100)  # frames in parts
    v = sim.config.values
    frame = np.rint((sim.columns["TIME"] - sim.tstart) / v.frame_s - 0.5).astype(int)
    ev = sim.select(frame != 7)  # frame 7 has no event: its header alone tells that it was observed
    p = Packetiser()
    sxi = p.sxi(ev)
    headers = np.flatnonzero(sxi.apid == APID["sxi_frame_header"])
    events_packets = np.flatnonzero(sxi.apid == APID["sxi_events"])
    drop = [int(headers[7]), int(events_packets[len(events_packets) // 2])]  # 7's header, an event packet
    l0, _ = _l0(ev, drop)
    events, frames = dp.sxi_events(l0)
    out, table = event_list_from_telemetry(events, frames, dp.hk(l0), POSITION)
    (short,) = np.flatnonzero(frames["quality"].values & dp.SXI_EVENTS_MISSING)
    lost_frame = int(frames["frame"].values[short])
    assert table["quality"].values[7] == FRAME_HEADER_LOST
    assert table["quality"].values[lost_frame] == FRAME_EVENTS_MISSING
    assert table.attrs["frames_lost"] == 2 and (~table["in_gti"].values).sum() == 2
    assert out.exposure.to_value(u.s) == pytest.approx(sim.exposure.to_value(u.s) - 2 * v.frame_s)
    starts = sim.tstart + v.frame_s * np.array([7, lost_frame])
    for s in starts:  # neither frame inside any GTI
        assert not np.any((out.gti[:, 0] <= s + 1e-6) & (out.gti[:, 1] >= s + v.frame_s - 1e-6))
    # the events of the short frame are all dropped, those that arrived counted
    arrived = int(table["received"].values[lost_frame])
    assert table.attrs["events_dropped"] == arrived > 0
    assert len(out) == len(ev) - int(table["n_events"].values[lost_frame])
    assert not np.any(np.rint((out.columns["TIME"] - sim.tstart) / v.frame_s - 0.5) == lost_frame)


def test_several_exposures_need_an_id_and_bad_inputs_are_refused(sim, telemetered):
    l0, _ = _l0(sim)
    events, frames = dp.sxi_events(l0)
    two = xr.concat([frames, frames.assign(exposure_id=frames["exposure_id"] + 1)], dim="frame_index")
    with pytest.raises(InputError, match="exposure_id"):
        event_list_from_telemetry(events, two, ROTATION, POSITION)
    ev, _ = event_list_from_telemetry(events, two, ROTATION, POSITION, exposure_id=0)
    assert len(ev) == len(sim)
    with pytest.raises(InputError, match="quaternion"):
        event_list_from_telemetry(events, frames, _hk().isel(time=slice(125, None)), POSITION)
    with pytest.raises(TelemetryError, match="corrupt header"):
        corrupt = frames.assign(
            n_frames=frames["n_frames"].copy(data=np.full(frames.sizes["frame_index"], 2**32 - 1))
        )
        event_list_from_telemetry(events, corrupt, ROTATION, POSITION)
    with pytest.raises(InputError, match="position"):
        event_list_from_telemetry(events, frames, ROTATION, [[1, 2, 3], [4, 5, 6]] * u.Unit("RE"))


def test_a_lost_header_drops_its_frame_and_its_events_counted(sim):
    p = Packetiser()
    sxi = p.sxi(sim)
    header_3 = sxi.packets[np.flatnonzero(sxi.apid == APID["sxi_frame_header"])[3]]
    l0 = read_l0(b"".join(x for x in merge(sxi, p.hk(_hk())).packets if x is not header_3))
    events, frames = dp.sxi_events(l0)  # the events of frame 3 arrived without their header
    assert events.sizes["event"] == len(sim) and frames.sizes["frame_index"] == 29
    out, table = event_list_from_telemetry(events, frames, dp.hk(l0), POSITION)
    v = sim.config.values
    in_3 = np.rint((sim.columns["TIME"] - sim.tstart) / v.frame_s - 0.5) == 3
    assert table["quality"].values[3] == FRAME_HEADER_LOST and table.attrs["frames_lost"] == 1
    assert table.attrs["events_dropped"] == in_3.sum() > 0 and len(out) == len(sim) - in_3.sum()
    np.testing.assert_array_equal(out.gti, [[sim.tstart, sim.tstart + 12], [sim.tstart + 16, sim.tstop]])


def test_events_of_an_exposure_without_any_header_are_counted_untimed(sim):
    p = Packetiser()
    sxi = p.sxi(sim)
    kept = [x for x, a in zip(sxi.packets, sxi.apid, strict=True) if a == APID["sxi_events"]]
    l0 = read_l0(b"".join(kept + p.sxi(sim).packets))  # exposure 0 lost its headers, exposure 1 complete
    events, frames = dp.sxi_events(l0)
    assert frames.attrs["untimed_events"] == len(sim) and events.sizes["event"] == len(sim)
    assert set(np.unique(events["EXPOSURE_ID"].values)) == {1}


def test_an_exposure_without_events_has_its_gti_and_no_event(sim):
    l0, _ = _l0(sim.select(np.zeros(len(sim), bool)))
    ev, table = event_list_from_telemetry(*dp.sxi_events(l0), ROTATION, POSITION)
    assert len(ev) == 0 and table.attrs["frames_lost"] == 0
    np.testing.assert_array_equal(ev.gti, sim.gti)
    assert int(make_l2(ev, cadence=1 * u.min).counts.sum()) == 0


def test_fitted_background_from_telemetry(sim, telemetered):
    """The fitted background from the telemetered event list: the particle band (3.5-5.12 keV) holds the
    same events (its edges are channel edges, so the quantised ENERGY moves none across them), the same
    particle level; the sky level, fitted on pixels some events move between, within 0.1 of its error."""
    ev, _ = telemetered
    a = make_l2(sim, cadence=1 * u.min, pixel=0.25 * u.deg)
    b = make_l2(ev, cadence=1 * u.min, pixel=0.25 * u.deg)
    np.testing.assert_array_equal(b["particle_counts"].values, a["particle_counts"].values)
    np.testing.assert_array_equal(b["particle_rate"].values, a["particle_rate"].values)
    assert abs(b.attrs["sky_level"] - a.attrs["sky_level"]) < 0.1 * a.attrs["sky_level_error"]
