"""Tests of the on-board mass memory (smilekit.telemetry.onboard).

The queue is checked against a plain discrete-event simulation written here in wall-clock time (a
different construction from the module's contact clock), against hand-computed cases, and through its
invariants: conservation of packets and bytes, FIFO within a class, the priority rule, the capacity.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.mission import ground
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.telemetry import onboard

T0 = np.datetime64("2026-03-01T00:00", "ns")


def at(seconds) -> np.ndarray:
    return T0 + np.round(np.asarray(seconds, dtype=np.float64) * 1e9).astype("timedelta64[ns]")


def contacts(*pairs) -> pd.DataFrame:
    a, b = (np.array(x, dtype=np.float64) for x in zip(*pairs, strict=True)) if pairs else ([], [])
    return pd.DataFrame({"start": at(a), "end": at(b)})


def seconds(times) -> np.ndarray:
    """Seconds after T0 (NaN for NaT)."""
    times = np.asarray(times, dtype="datetime64[ns]")
    return np.where(np.isnat(times), np.nan, (times - T0).astype(np.int64) / 1e9)


# ---------------------------------------------------------------------------------------------------
# An independent reference: event by event in wall-clock time, walking the contacts
# ---------------------------------------------------------------------------------------------------
def reference(t, size, cls, windows, rate, capacity, overwrite, end):
    """Status (names) and downlink time (s, NaN unless downlinked) of each packet."""

    def link_start(x):
        """The first moment at or after x when the link runs (inf if never)."""
        for a, b in windows:
            if x < b:
                return max(x, a)
        return np.inf

    def finish_from(start, duration):
        for a, b in windows:
            if b <= start:
                continue
            start = max(start, a)
            if b - start >= duration:
                return start + duration
            duration -= b - start
            start = b
        return np.inf

    n = len(t)
    arrival = sorted(range(n), key=lambda i: (t[i], i))
    status = ["on_board"] * n
    done = np.full(n, np.nan)
    stored = []  # packets waiting (not being sent)
    level = 0
    current, current_end, free_at = None, np.inf, -np.inf
    k = 0
    while True:
        t_next = t[arrival[k]] if k < n else np.inf
        if current is not None:
            if current_end <= t_next:  # departure (before a packet made at the same instant)
                level -= size[current]
                if current_end <= end:
                    done[current], status[current] = current_end, "downlinked"
                free_at, current = current_end, None
                continue
        elif stored:
            start = link_start(max(free_at, min(t[j] for j in stored)))
            if start < t_next and start < np.inf:  # a packet made at the start instant is stored first
                pick = min(stored, key=lambda j: (cls[j], t[j], j))
                stored.remove(pick)
                current, current_end = pick, finish_from(start, size[pick] / rate)
                continue
        if k == n:
            break
        i = arrival[k]
        k += 1
        if level + size[i] > capacity and overwrite:
            while level + size[i] > capacity and stored:
                old = min(stored, key=lambda j: (t[j], j))
                stored.remove(old)
                status[old] = "overwritten"
                level -= size[old]
        if level + size[i] > capacity:
            status[i] = "rejected"
            continue
        level += size[i]
        stored.append(i)
    return np.array(status), done


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 2400).map(lambda k: k / 8),
            st.integers(1, 400),
            st.sampled_from(["HK", "SXI", "MAG"]),
        ),
        min_size=1,
        max_size=40,
    ),
    windows=st.lists(
        st.tuples(st.integers(0, 2800).map(lambda k: k / 8), st.integers(8, 320).map(lambda k: k / 8)),
        min_size=0,
        max_size=4,
    ),
    capacity=st.integers(1, 3000),
    overwrite=st.booleans(),
)
def test_queue_matches_an_event_by_event_reference(data, windows, capacity, overwrite):
    t, size, source = (np.array(x) for x in zip(*data, strict=True))
    # disjoint, sorted windows from (start, length) draws
    edges, cursor = [], 0.0
    for a, length in sorted(windows):
        a = max(a, cursor + 0.5)
        edges.append((a, a + length))
        cursor = a + length
    end = max([t.max(), *(b for _, b in edges)])
    rate = 128.0  # octets per second: with times in 1/8 s, every sum is exact and ties are real ties
    result = onboard.simulate_memory(
        at(t),
        size,
        source,
        contacts(*edges),
        downlink_rate=rate * u.byte / u.s,
        capacity=capacity * u.byte,
        when_full="overwrite" if overwrite else "stop",
        end=at(end)[()],
    )
    cls = np.array([onboard.DEFAULT_PRIORITY[s] for s in source])
    status, done = reference(
        seconds(at(t)), size, cls, edges, rate, capacity, overwrite, seconds(at(end))[()]
    )
    np.testing.assert_array_equal(result.status_names(), status)
    np.testing.assert_allclose(seconds(result.downlink_time), done, atol=2e-9, equal_nan=True)


def test_latency_by_hand_one_contact():
    # Contact 1000-1100 s at 8 kbit/s = 1000 octets/s. SXI packets of 500 octets at 0, 100, 200 s, an HK
    # packet of 250 octets at 900 s: HK goes first (1000.25 s), then the SXI packets oldest first (0.5 s
    # each): 1000.75, 1001.25, 1001.75 s.
    t = at([0.0, 100.0, 200.0, 900.0])
    result = onboard.simulate_memory(
        t,
        np.array([500, 500, 500, 250]),
        np.array(["SXI", "SXI", "SXI", "HK"]),
        contacts((1000.0, 1100.0)),
        downlink_rate=8.0 * u.kbit / u.s,
    )
    np.testing.assert_allclose(seconds(result.downlink_time), [1000.75, 1001.25, 1001.75, 1000.25])
    np.testing.assert_allclose(result.latency(), [1000.75, 901.25, 801.75, 100.25])
    table = result.latency_table().set_index("source")
    assert table.loc["SXI", "latency_median_h"] == pytest.approx(901.25 / 3600.0)
    assert table.loc["SXI", "latency_max_h"] == pytest.approx(1000.75 / 3600.0)
    # numpy's default percentile (linear interpolation): 801.75 + 0.9 * (1000.75 - 901.25) at p95
    assert table.loc["SXI", "latency_p95_h"] == pytest.approx((901.25 + 0.9 * 99.5) / 3600.0)
    assert result.contacts["volume_bytes"].tolist() == [1750]
    assert result.peak_fill.to_value(u.byte) == 1750.0


def test_packet_straddling_a_contact_end_finishes_in_the_next():
    # 1000 octets at 100 octets/s: 5 s in the first contact (10-15 s), 5 s in the second (100-105 s).
    result = onboard.simulate_memory(
        at([0.0]), np.array([1000]), np.array(["LIA"]), contacts((10.0, 15.0), (100.0, 120.0)),
        downlink_rate=100 * u.byte / u.s,
    )  # fmt: skip
    assert seconds(result.downlink_time)[0] == pytest.approx(105.0)
    assert result.contact.tolist() == [1]
    assert result.contacts["volume_bytes"].tolist() == [0, 1000]


def test_full_memory_stop_and_overwrite_by_hand():
    # Capacity 2500 octets, no contact: three 1000-octet packets.
    t, size, src = at([0.0, 1.0, 2.0]), np.array([1000, 1000, 1000]), np.array(["UVI", "UVI", "HK"])
    stop = onboard.simulate_memory(t, size, src, contacts(), capacity=2500 * u.byte, when_full="stop")
    assert stop.status_names().tolist() == ["on_board", "on_board", "rejected"]
    assert seconds(stop.lost_time)[2] == 2.0
    over = onboard.simulate_memory(t, size, src, contacts(), capacity=2500 * u.byte, when_full="overwrite")
    assert over.status_names().tolist() == ["overwritten", "on_board", "on_board"]
    assert seconds(over.lost_time)[0] == 2.0  # deleted when the third packet came
    assert over.fill_level(at([0.5, 1.5, 2.5])).to_value(u.byte).tolist() == [1000, 2000, 2000]
    # a packet larger than the whole memory is refused even when overwriting
    big = onboard.simulate_memory(at([0.0]), np.array([3000]), np.array(["SXI"]), contacts(),
                                  capacity=2500 * u.byte)  # fmt: skip
    assert big.status_names().tolist() == ["rejected"]


@pytest.fixture(scope="module")
def orbit_run():
    """Three days of the science orbit at the default rates, 4-kiB packets, through a small memory."""
    track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-04", 120 * u.s))
    timeline = mode_timeline(track)
    table = ground.contact_intervals(track, ground.passes(track, ["Miyun", "Kashi", "Sanya"]))
    packets = onboard.volume_packets(timeline, packet_size=4096 * u.byte)
    return packets, table


@pytest.mark.parametrize("when_full", ["overwrite", "stop"])
def test_orbit_invariants(orbit_run, when_full):
    packets, table = orbit_run
    capacity = 8.0 * u.Gbit  # smaller than one orbit's ~28 Gbit: the memory fills and loses data
    result = onboard.simulate_memory(
        packets.time, packets.size_bytes, packets.source, table, capacity=capacity, when_full=when_full
    )
    names = result.status_names()
    # conservation: each packet has exactly one fate; the bytes add up
    counts = {s: int((names == s).sum()) for s in onboard.STATUS}
    assert sum(counts.values()) == len(packets)
    lost = "overwritten" if when_full == "overwrite" else "rejected"
    assert counts[lost] > 0 and counts["downlinked"] > 0
    down = names == "downlinked"
    assert result.contacts["volume_bytes"].sum() == result.size[down].sum()
    assert result.contacts["packets"].sum() == down.sum()
    # the bytes on board at the end are what the fill level says
    on_board = result.size[names == "on_board"].sum()
    assert result.fill_level(result.end[None]).to_value(u.byte)[0] == on_board
    # the capacity is never exceeded, the level never negative (checked at every change)
    steps_t, level = result.fill_history()
    level = level.to_value(u.byte)
    assert level.max() <= capacity.to_value(u.byte) and level.min() >= 0
    assert (np.diff(steps_t.astype(np.int64)) >= 0).all()
    assert result.peak_fill.to_value(u.byte) == level.max()
    # no contact sends more than its duration at the rate (plus one packet finishing from the previous)
    seconds_ = (result.contacts.end - result.contacts.start).dt.total_seconds().to_numpy()
    assert (result.contacts.volume_bytes <= seconds_ * result.downlink_rate_bit_s / 8 + 4096).all()
    # downlink times lie inside their contacts
    k = result.contact[down]
    assert (result.downlink_time[down] > result.contacts.start.to_numpy()[k]).all()
    assert (result.downlink_time[down] <= result.contacts.end.to_numpy()[k]).all()
    # FIFO within a class: downlink times follow generation times (the four instruments share class 1)
    for group in (["HK"], ["SXI", "UVI", "LIA", "MAG"]):
        pick = down & np.isin(result.source, group)
        order = np.lexsort((np.flatnonzero(pick), result.time[pick]))
        assert (np.diff(result.downlink_time[pick][order].astype(np.int64)) > 0).all()


def test_priority_housekeeping_first(orbit_run):
    packets, table = orbit_run
    result = onboard.simulate_memory(packets.time, packets.size_bytes, packets.source, table)
    down = result.status_names() == "downlinked"
    rate = result.downlink_rate_bit_s / 8
    start = result.downlink_time - np.round(result.size / rate * 1e9).astype("timedelta64[ns]")
    hk = down & (result.source == "HK")
    science = down & (result.source != "HK")
    # non-pre-emptive priority: when a science packet starts, no HK packet made before then is still
    # waiting to start (it would have gone first)
    hk_made, hk_start, s = np.sort(result.time[hk]), np.sort(start[hk]), start[science]
    waiting = np.searchsorted(hk_made, s, side="left") - np.searchsorted(hk_start, s, side="left")
    assert waiting.max() <= 0
    # and the latency of HK is the shortest
    table_ = result.latency_table().set_index("source")
    assert (
        table_.loc["HK", "latency_median_h"]
        <= table_.loc[["SXI", "UVI", "LIA", "MAG"], "latency_median_h"].min()
    )


def test_volume_packets_conserve_the_budget(orbit_run):
    packets, _ = orbit_run
    track = kepler_track(science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-04", 120 * u.s))
    timeline = mode_timeline(track)
    dt = timeline.sample_durations_s()
    for name, rate in ground.generation_rates(timeline).items():
        octets = (rate.to_value(u.byte / u.s) * dt).sum()
        made = packets.size_bytes[packets.source == name].sum()
        assert octets - 4096 < made <= octets  # all but the last partial packet
    # SXI packets only while SXI is on (the FSM/RSM1 samples)
    sxi = packets.time[packets.source == "SXI"].to_numpy()
    k = np.searchsorted(timeline.time, sxi, side="left") - 1
    assert timeline.sxi_on[k].all()


def test_bad_input():
    t, size, src, table = at([0.0]), np.array([100]), np.array(["SXI"]), contacts((1.0, 2.0))
    run = onboard.simulate_memory
    with pytest.raises(InputError, match="downlink_rate must be > 0"):
        run(t, size, src, table, downlink_rate=-1 * u.bit / u.s)
    with pytest.raises(InputError, match="capacity must be > 0"):
        run(t, size, src, table, capacity=0 * u.byte)
    with pytest.raises(InputError, match="capacity must be an astropy Quantity"):
        run(t, size, src, table, capacity=1000)
    with pytest.raises(InputError, match="when_full must be one of overwrite, stop"):
        run(t, size, src, table, when_full="drop")
    with pytest.raises(InputError, match=r"size\[0\] = 0 octets"):
        run(t, np.array([0]), src, table)
    with pytest.raises(InputError, match="65542"):
        run(t, np.array([70000]), src, table)
    with pytest.raises(InputError, match="integer packet sizes"):
        run(t, np.array([1.5]), src, table)
    with pytest.raises(InputError, match=r"no priority class for source\(s\) XYZ"):
        run(t, size, np.array(["XYZ"]), table)
    with pytest.raises(InputError, match="one value per packet"):
        run(t, np.array([1, 2]), src, table)
    with pytest.raises(InputError, match="NaT"):
        run(np.array(["NaT"], "datetime64[ns]"), size, src, table)
    with pytest.raises(InputError, match="sorted and disjoint"):
        run(t, size, src, contacts((1.0, 5.0), (3.0, 8.0)))
    with pytest.raises(InputError, match="at or before it starts"):
        run(t, size, src, contacts((5.0, 5.0)))
    with pytest.raises(InputError, match="'start' and 'end'"):
        run(t, size, src, pd.DataFrame({"begin": []}))
    with pytest.raises(InputError, match="after the end"):
        run(t, size, src, table, end=T0 - np.timedelta64(1, "s"))
    with pytest.raises(InputError, match="packet_size"):
        onboard.volume_packets(None, packet_size=10.5 * u.byte)


def test_volume_packets_times_by_hand():
    # HK alone at 8 kbit/s = 1000 octets/s from 00:00: packet k (from 0) is full at (k + 1) * 1.024 s,
    # whatever the 60-s sampling; SXI at 80 kbit/s, made unavailable, makes nothing.
    track = kepler_track(
        science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-01T01:00", 60 * u.s)
    )
    timeline = mode_timeline(track, sxi_available=False)
    rates = {"HK": 8 * u.kbit / u.s, "SXI": 80 * u.kbit / u.s}
    packets = onboard.volume_packets(timeline, instrument_rates=rates)
    assert set(packets.source) == {"HK"}
    expected = (np.arange(1, 3516) * 1.024 * 1e9).round().astype("timedelta64[ns]")
    np.testing.assert_array_equal(packets.time.to_numpy() - track.time[0], expected)
