"""The round trip simulate -> packets -> file -> L0 -> the simulator's structure, bit for bit."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.transform import Rotation

from smilekit.instruments.mag import make_l1
from smilekit.instruments.uvi import make_l1 as uvi_l1
from smilekit.telemetry import depacketise as dp
from smilekit.telemetry.l0 import DUPLICATE_DROPPED, GAP_BEFORE, read_l0
from smilekit.telemetry.layouts import APID
from smilekit.telemetry.packetise import Packetiser, merge, write_stream
from smilekit.telemetry.packets import decode_primary_headers, inflate_words

from .conftest import START


def _all(mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim, packetiser=None):
    p = packetiser or Packetiser()
    return merge(
        p.mag(mag_raw_sim), p.lia(lia_sim), p.sxi(sxi_sim), p.uvi(uvi_sim, start=START), p.hk(hk_sim)
    )


def _check_all(l0, mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim):
    m = dp.mag_raw(l0)
    for k in ("counts_inboard", "counts_outboard"):
        np.testing.assert_array_equal(m[k].values, mag_raw_sim[k].values)
    np.testing.assert_array_equal(m["time"].values, mag_raw_sim["time"].values)
    xr.testing.assert_identical(make_l1(m), make_l1(mag_raw_sim))
    lc = dp.lia_counts(l0)
    np.testing.assert_array_equal(lc["counts"].values, lia_sim["counts"].values)
    np.testing.assert_array_equal(lc["time"].values, lia_sim["time"].values)
    np.testing.assert_array_equal(lc["energy"].values, lia_sim["energy"].values)
    assert lc.attrs["accumulation_s"] == lia_sim.attrs["accumulation_s"]
    events, frames = dp.sxi_events(l0)
    for k in ("TIME", "RAWX", "RAWY", "CCDNR", "PI"):
        np.testing.assert_array_equal(events[k].values, sxi_sim.columns[k])
        assert events[k].dtype == sxi_sim.columns[k].dtype
    assert frames.sizes["frame_index"] == 15 and int(frames["n_events"].sum()) == len(sxi_sim)
    np.testing.assert_array_equal(events["FLAG"].values, sxi_sim.columns["FLAG"] & 6)  # the Sun bits
    (img,) = dp.uvi_images(l0)
    np.testing.assert_array_equal(img.values, uvi_sim.values)
    np.testing.assert_array_equal(img["xi"].values, uvi_sim["xi"].values)
    assert (img.attrs["exposure_s"], img.attrs["n_frames"]) == (
        uvi_sim.attrs["exposure_s"],
        uvi_sim.attrs["n_frames"],
    )
    l1, l1_sim = uvi_l1(img), uvi_l1(uvi_sim)  # the UVI L1 chain gives the same numbers from telemetry
    for k in l1_sim.data_vars:
        np.testing.assert_array_equal(l1[k].values, l1_sim[k].values)
    h = dp.hk(l0)
    xr.testing.assert_identical(h.drop_vars("telemetry_quality").drop_attrs(), hk_sim.drop_attrs())


def test_round_trip_every_instrument_through_a_file(tmp_path, mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim):
    batch = _all(mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim)
    assert np.all(np.diff(batch.ticks) >= 0)  # time ordered
    path = write_stream(tmp_path / "stream.bin", batch)
    l0 = read_l0(path)
    assert l0.bad == [] and l0.gaps == []
    assert sum(r["kept"] for k, r in l0.report.items() if k in APID) == len(batch)
    _check_all(l0, mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim)
    for ds in l0.datasets.values():
        assert ds["time"].dtype == np.dtype("datetime64[ns]")
        assert not ds["quality"].any()


def test_shuffled_duplicated_stream_gives_the_same(mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim):
    batch = _all(mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim)
    rng = np.random.default_rng(1)
    dup = rng.choice(len(batch), 40, replace=False)
    packets = batch.packets + [batch.packets[i] for i in dup]
    packets = [packets[i] for i in rng.permutation(len(packets))]
    half = len(packets) // 2  # two files, as from two passes
    l0 = read_l0([b"".join(packets[:half]), b"".join(packets[half:])])
    assert sum(r["duplicates"] for k, r in l0.report.items() if k in APID) == 40
    assert sum(int((ds["quality"] & DUPLICATE_DROPPED > 0).sum()) for ds in l0.datasets.values()) == 40
    assert l0.gaps == []
    _check_all(l0, mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim)


def test_sequence_count_wrap_and_gap_across_it(mag_raw_sim):
    p = Packetiser()
    p.next_count[APID["mag_vectors"]] = 16380
    batch = p.mag(mag_raw_sim)
    counts = [
        int(decode_primary_headers(np.frombuffer(x[:6], np.uint8))["sequence_count"][0])
        for x in batch.packets
    ]
    assert counts[:6] == [16380, 16381, 16382, 16383, 0, 1]
    assert read_l0(b"".join(batch.packets)).gaps == []  # the wrap is no gap
    lost = b"".join(x for i, x in enumerate(batch.packets) if i not in (3, 4))  # counts 16383 and 0
    l0 = read_l0(lost)
    assert [(g["after_count"], g["missing"]) for g in l0.gaps] == [(16382, 2)]
    assert l0.report["mag_vectors"]["missing"] == 2
    m = dp.mag_raw(l0)
    keep = np.ones(mag_raw_sim.sizes["time"], bool)
    keep[3 * 32 : 5 * 32] = False
    np.testing.assert_array_equal(m["counts_inboard"].values, mag_raw_sim["counts_inboard"].values[keep])
    np.testing.assert_array_equal(m["time"].values, mag_raw_sim["time"].values[keep])
    assert m["telemetry_quality"].values[3 * 32] == GAP_BEFORE


def test_lost_parts_are_filled_and_flagged(lia_sim, uvi_sim, sxi_sim):
    p = Packetiser()
    lia, uvi, sxi = p.lia(lia_sim), p.uvi(uvi_sim, start=START), p.sxi(sxi_sim)
    # drop LIA packet 10 (distribution 1, part 2: energy steps 8-11), UVI part 5 (rows 80-95), one SXI
    # event packet
    ev_idx = int(np.flatnonzero(sxi.apid == APID["sxi_events"])[3])
    drop = {id(lia.packets[10]), id(uvi.packets[5]), id(sxi.packets[ev_idx])}
    kept = [x for b in (lia, uvi, sxi) for x in b.packets if id(x) not in drop]
    l0 = read_l0(b"".join(kept))
    assert {g["name"]: g["missing"] for g in l0.gaps} == {
        "lia_distribution": 1,
        "uvi_image": 1,
        "sxi_events": 1,
    }
    lc = dp.lia_counts(l0)
    c = lc["counts"].values
    assert (c[1, 8:12] == -1).all()
    mask = np.ones(c.shape, bool)
    mask[1, 8:12] = False
    np.testing.assert_array_equal(c[mask], lia_sim["counts"].values[mask])
    assert lc["telemetry_quality"].values.tolist() == [0, dp.LIA_PART_MISSING | GAP_BEFORE, 0, 0, 0, 0]
    (img,) = dp.uvi_images(l0)
    assert img.attrs["missing_rows"] == 16 and (img.values[80:96] == dp.UVI_FILL).all()
    np.testing.assert_array_equal(
        np.delete(img.values, np.s_[80:96], 0), np.delete(uvi_sim.values, np.s_[80:96], 0)
    )
    events, frames = dp.sxi_events(l0)
    short = frames["quality"].values & dp.SXI_EVENTS_MISSING > 0
    assert short.sum() == 1
    assert int((frames["n_events"] - frames["received"]).sum()) == len(sxi_sim) - events.sizes["event"]


def test_uvi_bright_or_negative_pixels_use_32_bit_words():
    img = xr.DataArray(np.arange(40 * 512, dtype=np.int64).reshape(40, 512) * 7 - 5000, dims=("eta", "xi"),
                       attrs={"exposure_s": 60.0, "n_frames": 60})  # fmt: skip
    assert img.values.max() > 65535
    (back,) = dp.uvi_images(read_l0(b"".join(Packetiser().uvi(img, start=START).packets)))
    np.testing.assert_array_equal(back.values, img.values)


def test_mag_failed_sensor_fill_survives():
    from smilekit.instruments.mag import simulate_mag

    t = np.array([START, START + np.timedelta64(5, "s")])
    raw = simulate_mag([[3.0, -4.0, 2.0]] * 2 * u.nT, np.eye(3), 1, time=t, failed="outboard")
    m = dp.mag_raw(read_l0(b"".join(Packetiser().mag(raw).packets)))
    np.testing.assert_array_equal(m["counts_outboard"].values, raw["counts_outboard"].values)
    assert (m["counts_outboard"].values == -(2**31)).all()
    xr.testing.assert_identical(make_l1(m), make_l1(raw))


def test_housekeeping_quaternion_is_the_attitude(hk_sim):
    # the quaternion rotates like the matrix it came from (scipy's scalar-last convention)
    q = hk_sim["quaternion"].values
    assert np.isnan(q[5]).all() and np.isfinite(np.delete(q, 5, 0)).all()
    assert hk_sim["mode"].values.tolist()[::30] == [0, 1, 2, 3]


@settings(max_examples=25, deadline=None)
@given(
    counts=hnp.arrays(
        np.int32, st.tuples(st.integers(1, 80), st.just(3)), elements=st.integers(-(2**31), 2**31 - 1)
    ),
    first=st.integers(0, 16383),
    offset_ms=st.integers(0, 10**6),
)
def test_mag_round_trip_any_counts(counts, first, offset_ms):
    n = counts.shape[0]
    t0 = START + np.timedelta64(offset_ms * 1_953_125, "ns")  # on the 2^-9 s grid, which CUC resolves
    t = t0 + np.arange(n) * np.timedelta64(31_250_000, "ns")
    raw = xr.Dataset({"counts_inboard": (("time", "component"), counts),
                      "counts_outboard": (("time", "component"), counts[::-1].copy())},
                     coords={"time": t}, attrs={"vector_rate_hz": 32.0})  # fmt: skip
    p = Packetiser()
    p.next_count[APID["mag_vectors"]] = first
    m = dp.mag_raw(read_l0(b"".join(p.mag(raw).packets)))
    np.testing.assert_array_equal(m["counts_inboard"].values, counts)
    np.testing.assert_array_equal(m["counts_outboard"].values, counts[::-1])
    np.testing.assert_array_equal(m["time"].values, t)


@settings(max_examples=15, deadline=None)
@given(
    counts=hnp.arrays(
        np.int64,
        st.tuples(st.integers(1, 3), st.integers(1, 9), st.just(2), st.just(3)),
        elements=st.integers(0, 2**32 - 1),
    ),
)
def test_lia_round_trip_any_counts(counts):
    # any uint32 counts, any number of energy steps (parts of 4 and a last shorter one), survive
    t = START + np.arange(counts.shape[0]) * np.timedelta64(4, "s")
    ds = xr.Dataset({"counts": (("time", "energy", "elevation", "azimuth"), counts)}, coords={"time": t},
                    attrs={"accumulation_s": 4.0})  # fmt: skip
    l0 = read_l0(b"".join(Packetiser().lia(ds).packets))
    got = l0.datasets["lia_distribution"]
    # decode the parts by hand: lia_counts() puts them on the default 32-step grid, these have 1-9 steps
    rebuilt = np.full(counts.shape, -1, dtype=np.int64)
    for i in range(got.sizes["packet"]):
        d = int(got["distribution"].values[i])
        e0, ne = int(got["first_energy"].values[i]), int(got["n_energy"].values[i])
        block = inflate_words(bytes(got["data"].values[i]), ">u4").reshape(ne, 2, 3)
        rebuilt[d, e0 : e0 + ne] = block
    np.testing.assert_array_equal(rebuilt, counts)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 2**16 - 1))
def test_hk_round_trip_any_attitude(seed, shutter_bits):
    n = 16
    q = Rotation.random(n, random_state=seed % 2**32).as_quat()
    t = START + np.arange(n) * np.timedelta64(1, "s")
    temperature = np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)
    hk = xr.Dataset({"quaternion": (("time", "quaternion_component"), q),
                     "mode": ("time", np.arange(n, dtype=np.uint8) % 4),
                     "sxi_shutter_open": ("time", ((shutter_bits >> np.arange(n)) & 1).astype(np.uint8)),
                     "temperature": (("time", "sensor"), temperature)},
                    coords={"time": t})  # fmt: skip
    h = dp.hk(read_l0(b"".join(Packetiser().hk(hk).packets)))
    for k in hk.data_vars:
        np.testing.assert_array_equal(h[k].values, hk[k].values)


def test_lia_needs_times(lia_sim):
    from smilekit.errors import InputError

    ds = lia_sim.assign_coords(time=np.arange(lia_sim.sizes["time"]))
    with pytest.raises(InputError, match="UTC times"):
        Packetiser().lia(ds)


@settings(max_examples=20, deadline=None)
@given(
    n_frames=st.integers(1, 40),
    n_events=st.integers(0, 6000),
    seed=st.integers(0, 2**32 - 1),
    sun=st.booleans(),
)
def test_sxi_round_trip_any_events(n_frames, n_events, seed, sun):
    # an event list made by hand (any pixel, CCD, PI and frame; more than 4096 events in a frame too)
    from smilekit.instruments.sxi.l1 import COLUMNS, EventList

    rng = np.random.default_rng(seed)
    tstart = 827_323_200.0  # 2026-03-20T12:00 in seconds since 2000-01-01 (UTC, no leap seconds)
    frame = np.sort(rng.integers(0, n_frames, n_events))
    cols = {name: np.zeros(n_events, dtype=COLUMNS[name][1]) for name in COLUMNS}
    cols["TIME"] = tstart + (frame + 0.5) * 4.0
    cols["RAWX"] = rng.integers(0, 4510, n_events)
    cols["RAWY"] = rng.integers(0, 4510, n_events)
    cols["CCDNR"] = rng.integers(1, 3, n_events)
    cols["PI"] = rng.integers(0, 32767, n_events)
    ev = EventList(cols, [[tstart, tstart + 4.0 * n_frames]], np.eye(3), np.zeros(3), np.zeros(3),
                   10.0 if sun else 90.0, sun)  # fmt: skip
    events, frames = dp.sxi_events(read_l0(b"".join(Packetiser().sxi(ev).packets)))
    for k in ("TIME", "RAWX", "RAWY", "CCDNR", "PI"):
        np.testing.assert_array_equal(events[k].values, ev.columns[k])
    assert frames.sizes["frame_index"] == n_frames
    np.testing.assert_array_equal(frames["n_events"].values, np.bincount(frame, minlength=n_frames))
    assert (frames["sun_flags"].values == (6 if sun else 0)).all()
    assert (events["FLAG"].values == (6 if sun else 0)).all()


@settings(max_examples=15, deadline=None)
@given(
    image=hnp.arrays(
        np.int64,
        st.tuples(st.integers(1, 70), st.integers(1, 1500)),
        elements=st.integers(-(2**31), 2**31 - 1) | st.integers(-20, 3000),
    ),
)
def test_uvi_round_trip_any_image(image):
    img = xr.DataArray(image, dims=("eta", "xi"), attrs={"exposure_s": 60.0, "n_frames": 60})
    (back,) = dp.uvi_images(read_l0(b"".join(Packetiser().uvi(img, start=START).packets)))
    np.testing.assert_array_equal(back.values, image)
    assert back.attrs["missing_rows"] == 0


def test_parts_of_one_time_across_the_wrap(lia_sim, uvi_sim):
    # the 8 parts of a LIA distribution (and 32 of a UVI image) share one time; counts 16380 ... 3 across
    # the wrap are no gap, and a lost part across it is found
    p = Packetiser()
    p.next_count[APID["lia_distribution"]] = 16380
    p.next_count[APID["uvi_image"]] = 16370
    lia, uvi = p.lia(lia_sim), p.uvi(uvi_sim, start=START)
    rng = np.random.default_rng(4)
    packets = [lia.packets[i] for i in rng.permutation(len(lia))] + uvi.packets[::-1]
    l0 = read_l0(b"".join(packets))
    assert l0.gaps == []
    np.testing.assert_array_equal(dp.lia_counts(l0)["counts"].values, lia_sim["counts"].values)
    np.testing.assert_array_equal(dp.uvi_images(l0)[0].values, uvi_sim.values)
    l0 = read_l0(b"".join(x for i, x in enumerate(lia.packets) if i != 5))  # count 16385 % 16384 = 1
    assert [(g["after_count"], g["missing"]) for g in l0.gaps] == [(0, 1)]


def test_packetisers_refuse_what_they_cannot_carry(mag_raw_sim, uvi_sim, hk_sim, sxi_sim):
    from smilekit.errors import InputError

    p = Packetiser()
    uneven = mag_raw_sim.isel(time=[0, 1, 3])
    with pytest.raises(InputError, match="one period"):
        p.mag(uneven)
    with pytest.raises(InputError, match="simulate_mag"):
        p.mag(uvi_sim)
    with pytest.raises(InputError, match="integer DN"):
        p.uvi(uvi_sim.astype(float), start=START)
    with pytest.raises(InputError, match="start="):
        p.uvi(uvi_sim)
    with pytest.raises(InputError, match="housekeeping"):
        p.hk(hk_sim.drop_vars("mode"))
    with pytest.raises(InputError, match="from 1972"):
        p.hk(hk_sim.assign_coords(time=hk_sim["time"].values - np.timedelta64(60 * 365, "D")))
    late = dict(sxi_sim.columns, TIME=sxi_sim.columns["TIME"] + 120.0)
    from smilekit.instruments.sxi.l1 import EventList

    ev = sxi_sim
    shifted = EventList(late, ev.gti, ev.rotation, ev.sc_position_gse_re, ev.aim_point_gse_re,
                        ev.sun_angle_deg, ev.sun_in_fov, ev.config)  # fmt: skip
    with pytest.raises(InputError, match="outside the exposure"):
        p.sxi(shifted)


def test_the_stream_is_what_ccsdspy_reads_on_its_own(
    tmp_path, mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim
):
    # a user with only ccsdspy and the layouts table decodes the file: count, split by APID, load
    import ccsdspy.utils

    from smilekit.telemetry.layouts import LAYOUTS

    batch = _all(mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim)
    path = write_stream(tmp_path / "stream.bin", batch)
    assert ccsdspy.utils.count_packets(str(path)) == len(batch)
    l0 = read_l0(path)
    for apid, stream in ccsdspy.utils.split_by_apid(str(path)).items():
        layout = LAYOUTS[apid]
        fields = layout.definition.load(stream)
        ours = l0.datasets[layout.name]
        for name in ("obt_coarse", "obt_fine"):
            np.testing.assert_array_equal(fields[name], ours[name].values)
        last = [f.name for f in layout.fields][-2]  # the last user field (variable arrays: per packet)
        for a, b in zip(fields[last], ours[last].values, strict=True):
            np.testing.assert_array_equal(a, b)


def test_uvi_images_come_out_one_per_image_in_time_order():
    """Images made in 2026 (on-board seconds past 2^31) sent newest first: each comes back whole, in time
    order, its DN its own."""
    import xarray as xr

    from smilekit.telemetry import Packetiser, read_l0

    rng = np.random.default_rng(5)
    times = np.array(["2026-03-20T12:00:00", "2026-03-20T12:01:00", "2026-03-20T12:02:00"], "datetime64[ns]")
    made = [xr.DataArray(rng.integers(0, 3000, (40, 24)), dims=("eta", "xi"), attrs={"exposure_s": 60.0})
            for _ in times]  # fmt: skip
    p = Packetiser()
    batches = [p.uvi(img, start=t) for img, t in zip(made, times, strict=True)]
    stream = b"".join(b"".join(b.packets) for b in reversed(batches))
    back = dp.uvi_images(read_l0(stream))
    assert [np.datetime64(b.attrs["time"], "ns") for b in back] == list(times)
    for img, b in zip(made, back, strict=True):
        np.testing.assert_array_equal(b.values, img.values)
        assert b.attrs["missing_rows"] == 0


def test_a_file_decoded_in_segments_holds_what_it_holds_decoded_at_once(
    tmp_path, mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim
):
    """iter_l0 cuts a file into runs of whole packets: together they are read_l0's packets, each APID in
    the same order, and a bad region keeps its offset in the file (reported with the first segment)."""
    from smilekit.telemetry.l0 import iter_l0

    batch = _all(mag_raw_sim, lia_sim, sxi_sim, uvi_sim, hk_sim)
    data = bytearray(b"".join(batch.packets))
    data[5000] ^= 0xFF  # a bit error: one packet's CRC fails
    path = tmp_path / "pass.bin"
    path.write_bytes(bytes(data))
    whole = read_l0(path)
    segments = list(iter_l0(path, segment_octets=20_000))
    assert len(segments) > 5
    assert segments[0].bad == whole.bad and all(not s.bad for s in segments[1:])
    assert segments[0].report["files"] == whole.report["files"]
    for name, ds in whole.datasets.items():
        parts = [s.datasets[name] for s in segments if name in s.datasets]
        for var in ("time", "sequence_count"):
            np.testing.assert_array_equal(np.concatenate([p[var].values for p in parts]), ds[var].values)
