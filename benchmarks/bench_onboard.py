"""One 51-h orbit of telemetry through the mass memory and the link: throughput, peak memory, latency.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_onboard.py [--packet-size 1024]
[--link-packets 500000] [--stations Miyun,Kashi,Sanya | all]``.

The science orbit from 2026-03-01 (:func:`smilekit.mission.orbit.science_orbit`), sampled every 60 s over
four orbital periods; the mode timeline; the passes of the CAS X-band stations (Miyun, Kashi, Sanya: the
science-data stations, :mod:`smilekit.mission.ground`; ``--stations all`` adds ESTRACK) cut to the link
range (30 000 km); the default
instrument rates, downlink rate and memory capacity (all assumptions: see :mod:`smilekit.telemetry.onboard`)
and packets of ``--packet-size`` octets (:func:`smilekit.telemetry.onboard.volume_packets`). The whole span
goes through the memory (the first orbit fills an empty memory; the later ones find the backlog of the one
before); the latency table is for the packets made in orbit 2 (perigee to perigee, the second complete
orbit, so that the memory holds a running mission's backlog when it starts, and two more perigees follow
to bring its data down). The link (:func:`smilekit.telemetry.link.transmit`,
with a burst channel, bit errors, duplicates and replays; then again in 1115-octet TM transfer
frames) runs on the first ``--link-packets`` packets played back, with random payloads of the right
sizes (a whole orbit of bytes is ~3.5 GB).
"""

import argparse
import itertools
import resource
import time

import astropy.units as u
import numpy as np

from smilekit.mission import ground
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.telemetry import link, onboard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packet-size", type=int, default=1024)
    parser.add_argument("--link-packets", type=int, default=500_000)
    parser.add_argument("--stations", default="Miyun,Kashi,Sanya")
    args = parser.parse_args()
    stations = None if args.stations == "all" else args.stations.split(",")

    orbit = science_orbit("2026-03-01")
    stop = np.datetime64("2026-03-01T00:00", "s") + np.timedelta64(int(4 * orbit.period.to_value(u.s)), "s")
    track = kepler_track(orbit, sample_times("2026-03-01", str(stop), 60 * u.s))
    timeline = mode_timeline(track)
    contacts = ground.contact_intervals(track, ground.passes(track, stations))

    t0 = time.perf_counter()
    packets = onboard.volume_packets(timeline, packet_size=args.packet_size * u.byte)
    t_make = time.perf_counter() - t0
    n = len(packets)
    args_memory = (
        packets.time.to_numpy(),
        packets.size_bytes.to_numpy(),
        packets.source.to_numpy(),
        contacts,
    )
    onboard.simulate_memory(*(a[:1000] for a in args_memory[:3]), contacts)  # numba compilation (cached)
    t0 = time.perf_counter()
    memory = onboard.simulate_memory(*args_memory)
    t_memory = time.perf_counter() - t0
    hours = (track.time[-1] - track.time[0]) / np.timedelta64(1, "h")
    print(f"{n} packets of {args.packet_size} octets over {hours:.1f} h; {len(contacts)} contacts")
    print(contacts.to_string())
    print(f"volume_packets  {t_make:6.2f} s  ({n / t_make:,.0f} packets/s)")
    print(f"simulate_memory {t_memory:6.2f} s  ({n / t_memory:,.0f} packets/s)")
    print(f"peak fill {memory.peak_fill.to(u.Gbit):.2f} of {onboard.DEFAULT_MEMORY_CAPACITY}")

    sent = np.flatnonzero(memory.contact >= 0)
    sent = sent[np.argsort(memory.downlink_time[sent], kind="stable")][: args.link_packets]
    sub = onboard.simulate_memory(
        memory.time[sent], memory.size[sent], memory.source[sent], contacts, end=memory.end
    )
    rng = np.random.default_rng(1)
    payload = np.frombuffer(rng.bytes(int(sub.size.sum())), np.uint8).copy()
    edges = np.concatenate([[0], np.cumsum(sub.size)])
    first = edges[:-1]  # valid primary headers (the frames' deframer walks the length fields)
    count = np.arange(first.size) % 16384
    for j, value in enumerate(
        (0x08, 0x00, 0xC0 | count >> 8, count & 0xFF, (sub.size - 7) >> 8, sub.size - 7)
    ):
        payload[first + j] = np.asarray(value) & 0xFF
    payload = payload.tobytes()
    data = [payload[a:b] for a, b in itertools.pairwise(edges)]
    channel = link.GilbertElliott.from_loss_rate(1e-3, mean_burst_length=20)
    t0 = time.perf_counter()
    result = link.transmit(
        data, sub, rng=2, channel=channel, bit_error_rate=1e-7, duplicate_rate=1e-3, reorder_rate=1e-3
    )
    t_link = time.perf_counter() - t0
    volume = sum(len(s) for s in result.streams)
    print(
        f"transmit        {t_link:6.2f} s  ({sub.size.size / t_link:,.0f} packets/s, "
        f"{volume / t_link / 1e6:.0f} MB/s) on {sub.size.size} packets"
    )
    t0 = time.perf_counter()
    framed = link.transmit(
        data,
        sub,
        rng=2,
        channel=channel,
        bit_error_rate=1e-7,
        duplicate_rate=1e-3,
        reorder_rate=1e-3,
        frames=link.FrameFormat(),
    )
    t_frames = time.perf_counter() - t0
    print(
        f"transmit, frames {t_frames:5.2f} s  ({sub.size.size / t_frames:,.0f} packets/s); "
        f"{int(framed.frames.frames.sum())} frames, {int(framed.frames.lost.sum())} lost, "
        f"{int(framed.frames.rejected.sum())} rejected; {int(framed.truth.dropped.sum())} packets lost"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")

    second = np.isin(
        np.searchsorted(track.time, memory.time, side="right") - 1, np.flatnonzero(timeline.orbit == 2)
    )
    table = memory.latency_table(where=second)
    print("\nlatency of the packets made in orbit 2 (perigee to perigee)")
    head = ["source", "packets", "generated (MB)", "downlinked", "lost", "on board", "median (h)", "p95 (h)"]
    print("| " + " | ".join([*head, "max (h)"]) + " |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in table.itertuples():
        print(
            f"| {row.source} | {row.packets} | {row.generated_MB:.0f} | {row.downlinked} | "
            f"{row.rejected + row.overwritten} | {row.on_board} | {row.latency_median_h:.1f} | "
            f"{row.latency_p95_h:.1f} | {row.latency_max_h:.1f} |"
        )


if __name__ == "__main__":
    main()
