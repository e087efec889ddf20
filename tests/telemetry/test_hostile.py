"""Hostile packet files: each damage is recorded with its file and byte offset (or raises a
TelemetryError that names them), and the rest of the stream is still decoded."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import TelemetryError
from smilekit.telemetry import depacketise as dp
from smilekit.telemetry.l0 import GAP_BEFORE, read_l0, scan_stream
from smilekit.telemetry.obtime import TIME_JUMP, TimeCorrelation
from smilekit.telemetry.packetise import Packetiser, merge
from smilekit.telemetry.packets import build_packets


@pytest.fixture(scope="module")
def stream(mag_raw_sim, lia_sim):
    """MAG and LIA packets, time ordered, and their offsets."""
    b = merge(Packetiser().mag(mag_raw_sim), Packetiser().lia(lia_sim))
    lengths = np.array([len(p) for p in b.packets])
    return b.packets, np.concatenate([[0], np.cumsum(lengths)[:-1]])


def _mag_is_intact_except(l0, mag_raw_sim, lost_packets=()):
    m = dp.mag_raw(l0)
    keep = np.ones(mag_raw_sim.sizes["time"], bool)
    for k in lost_packets:
        keep[32 * k : 32 * (k + 1)] = False
    np.testing.assert_array_equal(m["counts_inboard"].values, mag_raw_sim["counts_inboard"].values[keep])
    np.testing.assert_array_equal(m["time"].values, mag_raw_sim["time"].values[keep])


def _mag_index(packets, k):
    """Index in the stream of the k-th MAG packet."""
    return [i for i, p in enumerate(packets) if p[1] == 0xC8][k]


def test_truncated_packet_mid_stream(stream, mag_raw_sim, tmp_path):
    packets, offsets = stream
    i = _mag_index(packets, 4)
    data = b"".join(packets[:i]) + packets[i][:-10] + b"".join(packets[i + 1 :])
    path = tmp_path / "cut.bin"
    path.write_bytes(data)
    l0 = read_l0(path)
    assert len(l0.bad) == 1
    bad = l0.bad[0]
    assert (bad["file"], bad["offset"], bad["nbytes"]) == (str(path), int(offsets[i]), len(packets[i]) - 10)
    assert "CRC" in bad["reason"]
    assert [(g["name"], g["missing"]) for g in l0.gaps] == [("mag_vectors", 1)]
    assert l0.report["mag_vectors"]["dropped"] == 1 and l0.report["bad_octets"] == len(packets[i]) - 10
    _mag_is_intact_except(l0, mag_raw_sim, [4])
    assert l0.report["lia_distribution"]["missing"] == 0
    with pytest.raises(TelemetryError, match=rf"cut\.bin: byte offset {offsets[i]}: CRC"):
        read_l0(path, on_error="raise")


def test_truncated_at_end_and_huge_length(stream, mag_raw_sim):
    packets, offsets = stream
    l0 = read_l0(b"".join(packets)[:-100])
    assert l0.bad[-1]["offset"] == offsets[-1] and "past the end" in l0.bad[-1]["reason"]
    # a packet claiming the largest length (65542 octets) where only a few follow
    huge = bytearray(packets[0])
    huge[4:6] = b"\xff\xff"
    l0 = read_l0(b"".join(packets) + bytes(huge))
    assert len(l0.bad) == 1 and "claims 65542 octets" in l0.bad[0]["reason"]
    assert l0.bad[0]["offset"] == sum(len(p) for p in packets)
    _mag_is_intact_except(l0, mag_raw_sim)


def test_wrong_length_and_corrupt_header(stream, mag_raw_sim):
    packets, offsets = stream
    i, j = _mag_index(packets, 2), _mag_index(packets, 7)
    longer = bytearray(packets[i])
    longer[5] += 4  # a length 4 octets too long: the CRC falls elsewhere
    corrupt = bytearray(packets[j])
    corrupt[0] |= 0xE0  # version 7
    data = list(packets)
    data[i], data[j] = bytes(longer), bytes(corrupt)
    l0 = read_l0(b"".join(data))
    assert [(b["offset"], b["reason"].split(" ")[0]) for b in l0.bad] == [
        (offsets[i], "CRC"),
        (offsets[j], "corrupt"),
    ]
    _mag_is_intact_except(l0, mag_raw_sim, [2, 7])
    gaps = l0.datasets["mag_vectors"]["quality"].values & GAP_BEFORE > 0
    assert gaps.sum() == 2


def test_bit_error_caught_by_crc(stream, mag_raw_sim):
    packets, offsets = stream
    i = _mag_index(packets, 5)
    flipped = bytearray(packets[i])
    flipped[100] ^= 0x10
    l0 = read_l0(b"".join(packets[:i]) + bytes(flipped) + b"".join(packets[i + 1 :]))
    assert [(b["offset"], b["nbytes"]) for b in l0.bad] == [(offsets[i], len(packets[i]))]
    _mag_is_intact_except(l0, mag_raw_sim, [5])


def test_unknown_apid_is_skipped_and_recorded(stream, mag_raw_sim):
    packets, _ = stream
    (alien,), _ = build_packets(0x7FF, 0, [2_100_000_000], [0], [b"hello"])
    l0 = read_l0(b"".join(packets[:3]) + alien + b"".join(packets[3:]))
    assert len(l0.bad) == 1 and l0.bad[0]["apid"] == 0x7FF and "unknown APID 2047" in l0.bad[0]["reason"]
    assert l0.report["unknown_apid_packets"] == 1 and l0.report["bad_octets"] == 0
    assert l0.gaps == []
    _mag_is_intact_except(l0, mag_raw_sim)


def test_garbage_and_empty_files(stream, mag_raw_sim, tmp_path):
    packets, _ = stream
    rng = np.random.default_rng(0)
    garbage = rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(garbage)
    good = tmp_path / "good.bin"
    good.write_bytes(b"".join(packets[:20]) + garbage[:777] + b"".join(packets[20:]))
    l0 = read_l0([empty, junk, good])
    by_file = {}
    for b in l0.bad:
        by_file.setdefault(b["file"], []).append(b)
    assert by_file[str(empty)][0]["reason"] == "empty file"
    assert sum(b["nbytes"] for b in by_file[str(junk)]) == len(garbage)  # every garbage octet accounted for
    assert [(b["offset"], b["nbytes"]) for b in by_file[str(good)]] == [
        (sum(len(p) for p in packets[:20]), 777)
    ]
    assert l0.report["files"][str(junk)]["good_packets"] == 0
    _mag_is_intact_except(l0, mag_raw_sim)  # the good file is decoded whole
    with pytest.raises(TelemetryError, match=r"empty\.bin: byte offset 0: empty file"):
        read_l0([empty], on_error="raise")
    with pytest.raises(TelemetryError, match="cannot read"):
        read_l0(tmp_path / "missing.bin")


def test_short_tail_and_tiny_files():
    assert scan_stream(b"\x08")[2][0]["reason"].startswith("truncated")
    starts, _, bad = scan_stream(b"")
    assert starts.size == 0 and bad == []


def test_time_correlation_jump_is_flagged(stream):
    packets, _ = stream
    tct = TimeCorrelation.ideal()
    row = float(tct.obt_ticks[0]) / 65536
    # a second row 2 s away from the ideal clock's prediction, 5 min into the MAG data
    first_obt = int.from_bytes(packets[0][6:10], "big")
    utc_at, _ = tct.utc_from_obt([first_obt + 300], 0)
    jumped = TimeCorrelation(
        [row, first_obt + 300] * u.s, ["2000-01-01T00:00:00", utc_at[0] + np.timedelta64(2, "s")]
    )
    l0 = read_l0(b"".join(packets), correlation=jumped)
    assert len(l0.report["time_correlation_jumps"]) == 1
    q = l0.datasets["mag_vectors"]["quality"].values
    assert (q & TIME_JUMP > 0).all()  # converted through the rows on both sides of the jump
    t = l0.datasets["mag_vectors"]["time"].values
    step = np.diff(t).astype(np.int64)
    assert step.max() == 3_000_000_000  # the 2-s jump shows in the times, not smoothed over


def test_crafted_header_like_bytes_cost_bounded_time(stream, mag_raw_sim):
    # 600 kB of MAG-like headers each claiming the largest length: without a bound the resynchronisation
    # would check ~100 000 CRCs of 64 kB; the good packets after it are still found
    packets, _ = stream
    pattern = bytes([0x08, 0xC8, 0xC0, 0x00, 0xFF, 0xF0]) * 100_000
    l0 = read_l0(pattern + b"".join(packets))
    assert [(b["offset"], b["nbytes"]) for b in l0.bad] == [(0, len(pattern))]
    _mag_is_intact_except(l0, mag_raw_sim)


def test_resynchronisation_gives_up_on_a_crafted_file_and_says_so(stream):
    # header-like bytes whose lengths line up with the next one (every candidate looks chained): the scan
    # stops after a bounded amount of CRC work and records the rest of the file as not decoded
    packets, _ = stream
    # each claims 0xFFF5 + 7 = 65532 octets, a multiple of the 6-octet pattern
    pattern = bytes([0x08, 0xC8, 0xC0, 0x00, 0xFF, 0xF5]) * 400_000
    l0 = read_l0(b"".join(packets[:5]) + pattern + b"".join(packets))
    (bad,) = l0.bad
    assert bad["offset"] == sum(len(p) for p in packets[:5]) and "abandoned" in bad["reason"]
    assert bad["nbytes"] == len(pattern) + sum(len(p) for p in packets)
    assert l0.report["files"]["<bytes>"]["good_packets"] == 5
