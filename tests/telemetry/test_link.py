"""Tests of the link faults (smilekit.telemetry.link).

Rates are checked on 1e5 packets against the parameters within 5 standard deviations (binomial, or the
two-state Markov chain's variance where losses are correlated); the CRC that catches bit errors is
Python's own CRC-CCITT (``binascii.crc_hqx``), independent of the project's packet code.
"""

from __future__ import annotations

import binascii

import astropy.units as u
import numpy as np
import pandas as pd
import pytest

from smilekit.errors import InputError
from smilekit.telemetry.link import FrameFormat, GilbertElliott, deframe, make_frames, transmit
from smilekit.telemetry.onboard import simulate_memory

T0 = np.datetime64("2026-03-01T00:00", "ns")
SIGMA = 5.0


def packet(apid: int, count: int, payload: bytes) -> bytes:
    """A tiny CCSDS-shaped packet: primary header, 6 zero octets of time, payload, CRC-16-CCITT."""
    body = bytes(6) + payload
    length = len(body) + 2 - 1
    word1 = (1 << 11) | apid  # version 0, type 0, secondary header flag 1
    word2 = (0b11 << 14) | (count & 0x3FFF)
    head = word1.to_bytes(2, "big") + word2.to_bytes(2, "big") + length.to_bytes(2, "big")
    crc = binascii.crc_hqx(head + body, 0xFFFF)
    return head + body + crc.to_bytes(2, "big")


def crc_ok(data: bytes) -> bool:
    return binascii.crc_hqx(data[:-2], 0xFFFF) == int.from_bytes(data[-2:], "big")


def make(n: int, n_contacts: int, seed: int = 0):
    """n packets of 15-60 octets made over n seconds, and contacts that send them in n_contacts batches."""
    rng = np.random.default_rng(seed)
    packets = [packet(0x100 + k % 4, k, rng.bytes(int(rng.integers(1, 46)))) for k in range(n)]
    size = np.array([len(p) for p in packets])
    t = T0 + (np.arange(n) * 1e9).astype("timedelta64[ns]")
    start = T0 + (np.linspace(0, n, n_contacts + 1)[1:] * 1e9).astype("timedelta64[ns]")
    end = np.append(start[1:], start[-1] + np.timedelta64(20000, "s"))
    contacts = pd.DataFrame({"start": start, "end": end})  # back to back, each sending a batch
    memory = simulate_memory(t, size, np.array(["MAG"] * n), contacts, downlink_rate=1 * u.Mbit / u.s)
    assert (memory.status_names() == "downlinked").all()
    return packets, memory


@pytest.fixture(scope="module")
def big():
    return make(100_000, 10)


@pytest.fixture(scope="module")
def small():
    return make(3000, 5, seed=3)


def test_no_faults_gives_the_sent_bytes(small):
    packets, memory = small
    link = transmit(packets, memory, rng=0)
    for k in range(len(memory.contacts)):
        mine = np.flatnonzero(memory.contact == k)
        mine = mine[np.argsort(memory.downlink_time[mine], kind="stable")]
        assert link.streams[k] == b"".join(packets[i] for i in mine)
    assert not link.truth[["duplicate", "delayed", "dropped"]].any().any()
    assert (link.truth.bit_errors == 0).all()
    assert (link.packet_fate().fate == "received").all()


def test_streams_and_truth_agree(small):
    packets, memory = small
    channel = GilbertElliott.from_loss_rate(0.05, mean_burst_length=4)
    link = transmit(
        packets, memory, rng=7, channel=channel, bit_error_rate=2e-4, duplicate_rate=0.05, reorder_rate=0.05
    )
    t = link.truth
    assert t.duplicate.any() and t.delayed.any() and t.dropped.any() and (t.bit_errors > 0).any()
    for row in t.itertuples():
        if row.dropped:
            assert row.offset == -1
            continue
        sent = packets[row.packet]
        got = link.streams[row.contact][row.offset : row.offset + len(sent)]
        differing = int(
            np.unpackbits(np.frombuffer(bytes(a ^ b for a, b in zip(sent, got, strict=True)), np.uint8)).sum()
        )
        assert differing == row.bit_errors
        # the CRC catches every corrupted packet here (errors of 1-3 bits are always caught by CRC-16)
        assert crc_ok(got) == (row.bit_errors == 0)
    # the streams hold the received packets and nothing else
    received = t[~t.dropped]
    for k, stream in enumerate(link.streams):
        mine = received[received.contact == k]
        assert len(stream) == sum(len(packets[i]) for i in mine.packet)
    # replays and copies open the next contact, in their original order
    for k in range(1, len(link.streams)):
        rows = t[t.contact == k].sort_values("position")
        carried = (rows.duplicate | rows.delayed).to_numpy()
        assert not (np.diff(carried.astype(int)) > 0).any()  # carried first, then the contact's own
    # a delayed packet is sent in the contact after its own, a copy in the contact after the original
    own = memory.contact[t.packet]
    moved = (t.delayed | t.duplicate).to_numpy()
    assert (t.contact.to_numpy()[moved] == own[moved] + 1).all()
    assert (t.contact.to_numpy()[~moved] == own[~moved]).all()
    fate = link.packet_fate()
    assert (fate.sent[t.packet[t.duplicate]] == 2).all()
    assert (fate.sent == 1 + np.bincount(t.packet[t.duplicate], minlength=len(packets))).all()


def test_loss_rate_independent(big):
    packets, memory = big
    link = transmit(packets, memory, rng=11, channel=GilbertElliott.from_loss_rate(0.02))
    n = len(link.truth)
    p = 0.02
    assert abs(link.truth.dropped.mean() - p) < SIGMA * np.sqrt(p * (1 - p) / n)


def test_gilbert_elliott_loss_rate_and_burst_length(big):
    packets, memory = big
    channel = GilbertElliott.from_loss_rate(0.05, mean_burst_length=10)
    assert channel.p_bad_to_good == pytest.approx(0.1) and channel.stationary_bad == pytest.approx(0.05)
    link = transmit(packets, memory, rng=12, channel=channel)
    lost = link.truth.dropped.to_numpy()
    n, pi = lost.size, channel.stationary_bad
    lam = 1.0 - channel.p_good_to_bad - channel.p_bad_to_good  # the chain's second eigenvalue
    sd_rate = np.sqrt(pi * (1 - pi) / n * (1 + lam) / (1 - lam))  # variance of a Markov-chain mean
    assert abs(lost.mean() - 0.05) < SIGMA * sd_rate
    # bursts: runs of consecutive losses, geometric with mean 1 / r (Gilbert 1960)
    edges = np.diff(np.concatenate([[0], lost.astype(int), [0]]))
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    r = channel.p_bad_to_good
    assert abs(runs.mean() - 1 / r) < SIGMA * np.sqrt((1 - r) / r**2 / runs.size)
    # and gaps between bursts, geometric with mean 1 / p
    p = channel.p_good_to_bad
    gaps = np.flatnonzero(edges == 1)[1:] - np.flatnonzero(edges == -1)[:-1]
    assert abs(gaps.mean() - 1 / p) < SIGMA * np.sqrt((1 - p) / p**2 / gaps.size)


def test_gilbert_elliott_partial_losses_in_each_state():
    # Elliott's channel: losses in both states; the long-run rate mixes them
    channel = GilbertElliott(0.02, 0.2, loss_good=0.01, loss_bad=0.6)
    n = 200_000
    lost = channel.losses(n, np.random.default_rng(5))
    assert channel.loss_rate == pytest.approx(0.01 * 10 / 11 + 0.6 / 11)
    # variance of the mean: the state's Markov-chain part scaled by the loss contrast, plus the
    # Bernoulli draws within each state
    pi, lg, lb = channel.stationary_bad, channel.loss_good, channel.loss_bad
    lam = 1.0 - channel.p_good_to_bad - channel.p_bad_to_good
    var = (
        pi * (1 - pi) * (lb - lg) ** 2 * (1 + lam) / (1 - lam) + (1 - pi) * lg * (1 - lg) + pi * lb * (1 - lb)
    )
    assert abs(lost.mean() - channel.loss_rate) < SIGMA * np.sqrt(var / n)


def test_bit_error_rate(big):
    packets, memory = big
    ber = 1e-4
    link = transmit(packets, memory, rng=13, bit_error_rate=ber)
    n_bits = 8 * memory.size.sum()
    flips = link.truth.bit_errors.sum()
    assert abs(flips - ber * n_bits) < SIGMA * np.sqrt(ber * n_bits)
    bits = 8 * memory.size[link.truth.packet]
    expected = (1 - (1 - ber) ** bits).sum()
    corrupted = (link.truth.bit_errors > 0).sum()
    assert abs(corrupted - expected) < SIGMA * np.sqrt(expected)


def test_duplicate_and_reorder_rates(big):
    packets, memory = big
    link = transmit(packets, memory, rng=14, duplicate_rate=0.03, reorder_rate=0.02)
    t = link.truth
    eligible = (memory.contact < len(memory.contacts) - 1).sum()
    for column, p in (("duplicate", 0.03), ("delayed", 0.02)):
        assert abs(t[column].sum() / eligible - p) < SIGMA * np.sqrt(p * (1 - p) / eligible)
    assert not (t.duplicate & t.delayed).any()


def test_same_seed_same_faults(small):
    packets, memory = small
    kw = {
        "channel": GilbertElliott.from_loss_rate(0.1, 3),
        "bit_error_rate": 1e-3,
        "duplicate_rate": 0.1,
        "reorder_rate": 0.1,
    }
    a = transmit(packets, memory, rng=42, **kw)
    b = transmit(packets, memory, rng=np.random.default_rng(42), **kw)
    c = transmit(packets, memory, rng=43, **kw)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert a.streams == b.streams
    assert a.streams != c.streams


def test_write(tmp_path, small):
    packets, memory = small
    link = transmit(packets, memory, rng=1, channel=GilbertElliott.from_loss_rate(0.1))
    paths = link.write(tmp_path)
    assert [p.read_bytes() for p in paths] == link.streams
    assert b"".join(link.streams) == b"".join(p.read_bytes() for p in sorted(tmp_path.iterdir()))


def test_bad_parameters(small):
    packets, memory = small
    for bad in (-0.1, 1.5, float("nan"), "0.1", None):
        with pytest.raises(InputError, match="bit_error_rate must be a probability"):
            transmit(packets, memory, rng=0, bit_error_rate=bad)
    with pytest.raises(InputError, match="duplicate_rate must be a probability from 0 to 1, got -1"):
        transmit(packets, memory, rng=0, duplicate_rate=-1)
    with pytest.raises(InputError, match="must not exceed 1"):
        transmit(packets, memory, rng=0, duplicate_rate=0.6, reorder_rate=0.6)
    with pytest.raises(InputError, match="rng must be a numpy Generator"):
        transmit(packets, memory, rng=None)
    with pytest.raises(InputError, match="channel must be a GilbertElliott"):
        transmit(packets, memory, rng=0, channel=0.1)
    with pytest.raises(InputError, match="do not match the memory"):
        transmit(packets[:-1], memory, rng=0)
    with pytest.raises(InputError, match="packet 0 has"):
        transmit([p + b"x" for p in packets], memory, rng=0)
    with pytest.raises(InputError, match="must be bytes"):
        transmit([1] * len(packets), memory, rng=0)
    with pytest.raises(InputError, match="p_good_to_bad must be a probability from 0 to 1, got 2"):
        GilbertElliott(2.0, 0.5)
    with pytest.raises(InputError, match="both 0"):
        GilbertElliott(0.0, 0.0)
    with pytest.raises(InputError, match="loss_rate must be a probability"):
        GilbertElliott.from_loss_rate(-0.5)
    with pytest.raises(InputError, match="needs bursts of at least 9"):
        GilbertElliott.from_loss_rate(0.9, mean_burst_length=2)
    with pytest.raises(InputError, match="mean_burst_length"):
        GilbertElliott.from_loss_rate(0.1, mean_burst_length=0.5)


# ---------------------------------------------------------------------------------------------------
# TM transfer frames
# ---------------------------------------------------------------------------------------------------
def sender_stream(packets):
    starts = np.concatenate([[0], np.cumsum([len(p) for p in packets])])
    return b"".join(packets), starts


def test_frames_layout(small):
    packets, _ = small
    stream, starts = sender_stream(packets[:500])
    fmt = FrameFormat(length=1115, spacecraft_id=0x2A5, virtual_channel=3)
    frames = make_frames(stream, starts[:-1], fmt, first_count=250)
    n, size = frames.shape[0], fmt.data_length
    assert size == 1107 and n == -(-len(stream) // size) + (0 < (-len(stream)) % size < 7)
    word0 = frames[:, 0].astype(int) << 8 | frames[:, 1]
    assert (word0 >> 14 == 0).all() and (word0 >> 4 & 0x3FF == 0x2A5).all() and (word0 >> 1 & 7 == 3).all()
    np.testing.assert_array_equal(frames[:, 2], (250 + np.arange(n)) % 256)  # master channel count
    status = frames[:, 4].astype(int) << 8 | frames[:, 5]
    assert (status >> 11 == 0b00011).all()  # no secondary header, sync 0, order 0, segment length id 11
    for f in range(n):  # the first header pointer: the first packet starting in the frame
        inside = starts[:-1][(starts[:-1] >= f * size) & (starts[:-1] < (f + 1) * size)]
        expected = inside[0] - f * size if inside.size else 0x7FF
        if f == n - 1 and not inside.size:
            expected = len(stream) - f * size  # only the idle packet starts here
        assert status[f] & 0x7FF == expected
    # the FECF, checked with Python's own CRC-CCITT
    for row in frames:
        assert binascii.crc_hqx(row[:-2].tobytes(), 0xFFFF) == int.from_bytes(row[-2:].tobytes(), "big")
    # the data fields hold the stream, then an idle packet (APID 2047) to the end
    body = frames[:, 6:-2].reshape(-1).tobytes()
    assert body[: len(stream)] == stream
    idle = body[len(stream) :]
    assert (idle[0] & 7) << 8 | idle[1] == 0x7FF and int.from_bytes(idle[4:6], "big") + 7 == len(idle)


def test_deframe_without_faults_gives_the_stream(small):
    packets, _ = small
    stream, starts = sender_stream(packets)
    for length in (64, 1115, 2048):
        fmt = FrameFormat(length=length)
        out, table = deframe(make_frames(stream, starts[:-1], fmt), fmt)
        assert out == stream
        np.testing.assert_array_equal(table.stream_offset, starts[:-1])
        assert table.attrs["gaps"] == 0 and table.attrs["frames_rejected"] == 0


@pytest.mark.parametrize("seed", range(5))
def test_deframe_loses_exactly_the_packets_in_lost_or_corrupt_frames(small, seed):
    packets, _ = small
    rng = np.random.default_rng(seed)
    stream, starts = sender_stream(packets[:1500])
    fmt = FrameFormat(length=int(rng.integers(40, 300)))
    frames = make_frames(stream, starts[:-1], fmt)
    n, size = frames.shape[0], fmt.data_length
    lost = rng.random(n) < 0.1
    corrupt = ~lost & (rng.random(n) < 0.05)
    for f in np.flatnonzero(corrupt):  # one flipped bit: the FECF catches it
        frames[f, rng.integers(0, fmt.length)] ^= 1 << int(rng.integers(0, 8))
    out, table = deframe(frames[~lost].reshape(-1).tobytes(), fmt)
    bad = lost | corrupt
    first, last = starts[:-1] // size, (starts[1:] - 1) // size
    survives = np.array([not bad[a : b + 1].any() for a, b in zip(first, last, strict=True)])
    assert out == b"".join(p for p, ok in zip(packets[:1500], survives, strict=True) if ok)
    assert table.attrs["frames_rejected"] == corrupt.sum()


def test_deframe_resynchronises_on_a_length_the_pointers_contradict(small):
    packets, _ = small
    stream, starts = sender_stream(packets[:300])
    fmt = FrameFormat(length=200)
    frames = make_frames(stream, starts[:-1], fmt)
    size = fmt.data_length
    # corrupt the length of a packet whose header lies in one frame, and give that frame a valid FECF
    # (an error the FECF misses): the next frame's first header pointer contradicts the walk
    k = next(i for i in range(20, 300) if starts[i] // size == (starts[i] + 5) // size)
    f, at = divmod(int(starts[k]), size)
    frames[f, 6 + at + 5] ^= 0x01
    frames[f, -2:] = np.frombuffer(
        binascii.crc_hqx(frames[f, :-2].tobytes(), 0xFFFF).to_bytes(2, "big"), np.uint8
    )
    out, table = deframe(frames, fmt)
    assert table.attrs["frames_rejected"] == 0
    # everything before the packet comes through; the walk resumes at the first packet start the pointers
    # of the following frames give
    restart = int(np.searchsorted(starts[:-1], (f + 1) * size))
    assert out.startswith(b"".join(packets[:k]))
    assert out.endswith(b"".join(packets[restart:300]))
    assert len(out) < len(stream)


def test_transmit_with_frames(small):
    packets, memory = small
    plain = transmit(packets, memory, rng=0)
    framed = transmit(packets, memory, rng=0, frames=FrameFormat())
    assert framed.streams == plain.streams
    assert not framed.truth.dropped.any() and (framed.frames[["lost", "rejected", "gaps"]] == 0).all().all()
    link = transmit(
        packets,
        memory,
        rng=3,
        frames=FrameFormat(length=256),
        channel=GilbertElliott.from_loss_rate(0.03, mean_burst_length=2),
        bit_error_rate=1e-5,
        duplicate_rate=0.05,
        reorder_rate=0.05,
    )
    t = link.truth
    assert t.dropped.any() and link.frames.lost.sum() > 0 and link.frames.rejected.sum() > 0
    for row in t[~t.dropped].itertuples():
        got = link.streams[row.contact][row.offset : row.offset + len(packets[row.packet])]
        assert (got == packets[row.packet]) == (row.bit_errors == 0)
    received = t[~t.dropped]
    for k, stream in enumerate(link.streams):
        assert len(stream) == sum(len(packets[i]) for i in received[received.contact == k].packet)
    # dropped packets come in runs (a frame of 256 octets holds several packets)
    assert t.dropped.sum() > link.frames.lost.sum() + link.frames.rejected.sum()


def test_frame_bad_input():
    for bad in (
        {"length": 10},
        {"length": 4096},
        {"spacecraft_id": 1024},
        {"virtual_channel": -1},
        {"length": 1115.0},
    ):
        with pytest.raises(InputError, match="TM transfer frame must be an integer"):
            FrameFormat(**bad)
    packets, memory = make(50, 2)
    bad = list(packets)
    bad[7] = bad[7][:5] + bytes([bad[7][5] ^ 1]) + bad[7][6:]
    with pytest.raises(InputError, match=r"packet 7 has .* length field says"):
        transmit(bad, memory, rng=0, frames=FrameFormat())
    with pytest.raises(InputError, match="frames must be a FrameFormat"):
        transmit(packets, memory, rng=0, frames=1115)
    for starts in ([1, 20], [0, 3], [0, 25], []):
        with pytest.raises(InputError, match="starts must give the offset of every packet"):
            make_frames(bytes(30), starts, FrameFormat())
    with pytest.raises(InputError, match="not a whole number of 1115-octet frames"):
        deframe(b"\x00" * 1000, FrameFormat())
    out, table = deframe(b"\xff" * 2230, FrameFormat())  # garbage: two frames failing their FECF
    assert out == b"" and table.attrs["frames_rejected"] == 2


def test_frames_with_errors_the_fecf_misses_are_counted(small, monkeypatch):
    # a FECF that never fails (every CRC 0): corrupted frames reach the deframer, their packets arrive
    # with the bits flipped, and the truth counts exactly those bits
    import smilekit.telemetry.link as link_module

    monkeypatch.setattr(link_module, "_frame_crcs", lambda frames: np.zeros(frames.shape[0], np.uint16))
    packets, memory = small
    link = transmit(packets, memory, rng=4, frames=FrameFormat(length=512), bit_error_rate=3e-5)
    t = link.truth
    assert link.frames.rejected.sum() == 0 and (t.bit_errors > 0).sum() > 5
    for row in t[~t.dropped].itertuples():
        sent = packets[row.packet]
        got = link.streams[row.contact][row.offset : row.offset + len(sent)]
        diff = np.frombuffer(sent, np.uint8) ^ np.frombuffer(got, np.uint8)
        assert int(np.unpackbits(diff).sum()) == row.bit_errors
