"""The telemetry stage of ``smilekit run --telemetry``: the packets of the run through the mass memory, the
downlink and the ground pipeline.

The instrument stages hand what their simulators made to the on-board packetiser as they go
(:meth:`~smilekit.runs.context.JobContext.telemeter`: MAG vectors, LIA count distributions, SXI photon
events, UVI images); this stage adds the platform housekeeping (attitude, mode, shutter) at every track
sample, then

1. stores the packets in the mass memory in time order and plays them back in the ground contacts
   (:func:`~smilekit.telemetry.onboard.simulate_memory`): the contacts are those of the event's orbit,
   propagated :data:`AFTER_EVENT_H` hours past its end so that the data of the event's last orbit come down
   too (:func:`smilekit.mission.ground.passes`, :func:`~smilekit.mission.ground.contact_intervals`);
2. sends them through the faulty link (:func:`~smilekit.telemetry.link.transmit`, in TM transfer frames,
   with the ``[telemetry]`` settings' losses, bit errors, duplicates and delays and their seed) and writes
   what reached the ground, one packet file per contact, into ``OUT/l0/`` with the auxiliary files the
   pipeline reads (:mod:`smilekit.pipeline.auxiliary`: the time correlation, the MAG ground calibration,
   the ephemeris with the attitude, the upstream solar wind, the processing settings);
3. runs the pipeline on that folder (:func:`smilekit.pipeline.process`) into ``OUT/products/``: L1, L2 and
   L3 of every instrument, made from the packets alone. ``smilekit process OUT/l0 --out DIR`` makes the
   same products again.

The report's section gives the data volume per instrument, the contacts used, the memory's peak fill, the
latency per instrument, every loss (by the memory, by the link, as the ground saw it) and the products;
``downlink.png`` draws the memory and the latency, and ``downlink_packets.csv`` (:func:`packet_table`)
says what became of each packet: the truth against which the ground's loss flags can be checked. The
instrument stages still write their own products (made in memory, the simulator's) in ``OUT`` and
``OUT/sxi``, ``OUT/uvi``: the pipeline's may be compared with them.

The on-board clock is ideal (:meth:`~smilekit.telemetry.TimeCorrelation.ideal`): a drifting clock and its
correlation table are the telemetry package's (its tests). The SXI and UVI packets are stamped with the
start of their frame or image, and enter the memory then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit._io import save_figure, write_table
from smilekit.errors import ModelDomainError
from smilekit.mission.ground import DEFAULT_DOWNLINK_RATE, contact_intervals, passes
from smilekit.mission.orbit import sample_times
from smilekit.mission.propagator import propagate
from smilekit.pipeline import (
    EPHEMERIS_FILE,
    MAG_CALIBRATION_FILE,
    SETTINGS_FILE,
    SOLAR_WIND_FILE,
    TIME_CORRELATION_FILE,
    ProcessingSettings,
    process,
    write_mag_calibration,
    write_settings,
    write_time_correlation,
)
from smilekit.products.ephemeris import write_ephemeris_cdf
from smilekit.products.plots.telemetry import plot_downlink
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import Stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.telemetry import Packetiser, TimeCorrelation, housekeeping, merge
from smilekit.telemetry.layouts import LAYOUTS
from smilekit.telemetry.link import FrameFormat, GilbertElliott, transmit
from smilekit.telemetry.onboard import simulate_memory
from smilekit.telemetry.packets import CUC_FINE_PER_S, PRIMARY_HEADER_BYTES, decode_primary_headers

__all__ = [
    "AFTER_EVENT_H",
    "PACKETS_FILE",
    "TELEMETRY_STAGE",
    "TelemetrySettings",
    "onboard_packetiser",
    "packet_table",
    "stage_telemetry",
]

#: Hours of orbit after the event whose contacts still play the memory back (two 51-h orbits).
AFTER_EVENT_H = 102.0
#: The folders in ``OUT`` of the packet files and of the pipeline's products.
L0_FOLDER, PRODUCTS_FOLDER = "l0", "products"
#: The table in ``OUT`` of what became of each packet (:func:`packet_table`).
PACKETS_FILE = "downlink_packets.csv"


@register_section
@dataclass(frozen=True)
class TelemetrySettings(SettingsSection):
    """The downlink of ``smilekit run --telemetry``: its rate and its faults (assumptions, not SMILE's
    published figures), and their seed."""

    section: ClassVar[str] = "telemetry"

    #: Downlink rate during contacts, Mbit/s (:data:`smilekit.mission.ground.DEFAULT_DOWNLINK_RATE`).
    downlink_rate_mbit_s: float = setting(float(DEFAULT_DOWNLINK_RATE.to_value(u.Mbit / u.s)))
    #: Long-run fraction of transfer frames the channel loses (Gilbert-Elliott; 0: none).
    frame_loss_rate: float = setting(1e-4, bound="non-negative")
    #: Mean length of a burst of lost frames.
    loss_burst_frames: float = setting(3.0)
    #: Probability that a received bit is flipped (frames failing their check are rejected).
    bit_error_rate: float = setting(1e-8, bound="non-negative")
    #: Probability that a packet is sent again in the next contact (a replay).
    duplicate_rate: float = setting(1e-3, bound="non-negative")
    #: Probability that a packet is sent in the next contact instead of its own.
    delay_rate: float = setting(1e-3, bound="non-negative")
    #: Seed of every fault: same seed, same losses.
    seed: int = setting(20260521, bound="non-negative")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("frame_loss_rate", "bit_error_rate", "duplicate_rate", "delay_rate"):
            if getattr(self, name) >= 0.5:
                self.reject(name, getattr(self, name), "a probability below 0.5")
        if self.loss_burst_frames < 1.0:
            self.reject("loss_burst_frames", self.loss_burst_frames, "a mean burst of 1 frame or more")


def onboard_packetiser() -> Packetiser:
    """The on-board software's packetiser of a run that takes the packet path (ideal clock)."""
    return Packetiser(TimeCorrelation.ideal())


def _source_names() -> dict[int, str]:
    """APID -> the memory's source name (its instrument, upper case; the platform's is HK)."""
    return {a: "HK" if x.instrument == "platform" else x.instrument.upper() for a, x in LAYOUTS.items()}


def stage_telemetry(ctx: JobContext) -> dict:
    """The run's packets through the mass memory, the downlink and the pipeline (module docstring)."""
    settings = ctx.settings.telemetry
    if ctx.packetiser is None:
        raise ModelDomainError(
            "the telemetry stage needs the run to take the packet path (run_job(telemetry=True))"
        )
    track, att, timeline = ctx.results["track"], ctx.results["attitude"], ctx.results["timeline"]
    batch = merge(*ctx.packets, ctx.packetiser.hk(housekeeping(att, timeline)))
    ctx.packets.clear()
    coarse, fine = np.divmod(batch.ticks, CUC_FINE_PER_S)
    generated, _ = ctx.packetiser.correlation.utc_from_obt(coarse, fine)
    names = _source_names()
    source = np.array([names[int(a)] for a in batch.apid])
    sizes = np.fromiter(map(len, batch.packets), dtype=np.int64, count=len(batch))
    contacts = _contacts(ctx)
    memory = simulate_memory(generated, sizes, source, contacts,
                             downlink_rate=settings.downlink_rate_mbit_s * u.Mbit / u.s)  # fmt: skip
    channel = None
    if settings.frame_loss_rate > 0:
        channel = GilbertElliott.from_loss_rate(settings.frame_loss_rate, settings.loss_burst_frames)
    link = transmit(batch.packets, memory, rng=settings.seed, channel=channel,
                    bit_error_rate=settings.bit_error_rate, duplicate_rate=settings.duplicate_rate,
                    reorder_rate=settings.delay_rate, frames=FrameFormat())  # fmt: skip
    l0 = ctx.out / L0_FOLDER
    l0.mkdir(exist_ok=True)
    files = [p.name for p in link.write(l0) if p.stat().st_size]
    for p in l0.glob("*.bin"):
        if p.name not in files:
            p.unlink()  # a contact that received nothing: no packet file
    write_time_correlation(l0 / TIME_CORRELATION_FILE, ctx.packetiser.correlation)
    write_mag_calibration(l0 / MAG_CALIBRATION_FILE, ctx.results["mag_calibration"])
    write_ephemeris_cdf(l0 / EPHEMERIS_FILE, track, attitude=att, timeline=timeline)
    write_table(ctx.results["solar_wind"].to_dataframe(derived_quantities=False), l0 / SOLAR_WIND_FILE)
    ratio = ctx.settings.lia.alpha_temperature_ratio
    write_settings(l0 / SETTINGS_FILE, ProcessingSettings(lia_alpha_temperature_ratio=ratio))
    fate = packet_table(batch, memory, link)
    write_table(fate, ctx.out / PACKETS_FILE, index=False)
    pipeline = process(l0, ctx.out / PRODUCTS_FOLDER)
    fig = plot_downlink(memory, title=f"{ctx.event}: the mass memory and the downlink")
    caption = "Mass memory fill, ground contacts, latency per instrument"
    save_figure(fig, ctx.figure_path("downlink.png", caption), dpi=100)
    return _summary(memory, link, fate, pipeline, files)


def packet_table(batch, memory, link) -> pd.DataFrame:
    """What became of each packet made, in time order: the truth the ground does not have.

    Columns ``source``, ``apid``, ``sequence_count``, ``generated`` (UTC), ``octets``, ``memory`` (its
    :data:`~smilekit.telemetry.onboard.STATUS`), ``contact`` (that played it back, -1 if none),
    ``latency_s`` (acquisition to ground), ``link`` (:meth:`~smilekit.telemetry.link.LinkResult.packet_fate`:
    received, lost, corrupted, not_sent), ``copies`` (transmissions) and ``on_time``: an intact copy
    arrived in the contact that played it back, so the pipeline used it (a packet received only in a later
    contact, delayed, reaches the ground after its APID moved on and is counted late, not merged).
    """
    heads = np.frombuffer(b"".join(p[:PRIMARY_HEADER_BYTES] for p in batch.packets), dtype=np.uint8)
    sequence = decode_primary_headers(heads)["sequence_count"]
    t = link.truth
    intact = ~t["dropped"].to_numpy() & (t["bit_errors"].to_numpy() == 0)
    packet = t["packet"].to_numpy()
    in_own = t["contact"].to_numpy() == memory.contact[packet]
    on_time = np.zeros(len(memory), dtype=bool)
    on_time[packet[intact & in_own & ~t["delayed"].to_numpy()]] = True
    fates = link.packet_fate()
    return pd.DataFrame({
        "source": memory.source, "apid": batch.apid, "sequence_count": sequence,
        "generated": memory.time, "octets": memory.size, "memory": memory.status_names(),
        "contact": memory.contact, "latency_s": memory.latency(), "link": fates["fate"].to_numpy(),
        "copies": fates["sent"].to_numpy(), "on_time": on_time,
    })  # fmt: skip


def _contacts(ctx: JobContext):
    """The ground contacts from the event's start to :data:`AFTER_EVENT_H` after its end (the mission
    stage's orbit propagated on)."""
    first, last = ctx.results["track"].time[[0, -1]]
    stop = last + np.timedelta64(round(AFTER_EVENT_H * 3600), "s")
    track = propagate(ctx.results["orbit_elements"], sample_times(first, stop, 60 * u.s, include_stop=True))
    return contact_intervals(track, passes(track))


def _summary(memory, link, fate: pd.DataFrame, pipeline: dict, files: list[str]) -> dict:
    """The stage's section of ``summary.json``: volume, downlink, latency, losses, products."""
    table = memory.latency_table()
    per_source = {}
    for row in table.itertuples(index=False):
        per_source[row.source] = {
            "packets": int(row.packets),
            "generated_MB": finite_or_none(row.generated_MB),
            "downlinked": int(row.downlinked),
            "lost_on_board": int(row.rejected + row.overwritten),
            "still_on_board": int(row.on_board),
            "latency_median_h": finite_or_none(row.latency_median_h),
            "latency_p95_h": finite_or_none(row.latency_p95_h),
            "latency_max_h": finite_or_none(row.latency_max_h),
        }
    counts = fate["link"].value_counts()
    truth = link.truth
    frames = link.frames
    used = memory.contacts[memory.contacts["packets"] > 0]
    ground = {k: pipeline[k] for k in ("mag", "lia", "sxi", "uvi")}
    return {
        "packets": len(memory),
        "volume_MB": float(memory.size.sum() / 1e6),
        "per_instrument": per_source,
        "downlink": {
            "contacts_used": len(used),
            "contact_time_hours": float(used["duration_min"].sum() / 60.0),
            "downlinked_MB": float(used["volume_bytes"].sum() / 1e6),
            "peak_memory_fill_MB": float(memory.peak_fill.to_value(u.Mbyte)),
            "rate_Mbit_s": memory.downlink_rate_bit_s / 1e6,
        },
        "link": {
            "packets_received": int(counts.get("received", 0)),
            "packets_received_on_time": int(fate["on_time"].sum()),
            "packets_lost": int(counts.get("lost", 0)),
            "packets_corrupted": int(counts.get("corrupted", 0)),
            "packets_not_sent": int(counts.get("not_sent", 0)),
            "duplicates_sent": int(truth["duplicate"].sum()),
            "delayed_to_next_contact": int(truth["delayed"].sum()),
            "frames_sent": int(frames["frames"].sum()) if frames is not None else None,
            "frames_lost": int(frames["lost"].sum()) if frames is not None else None,
            "frames_rejected": int(frames["rejected"].sum()) if frames is not None else None,
        },
        "ground": {
            "packet_files": files,
            "gaps": len(pipeline["gaps"]),
            "bad_regions": len(pipeline["bad_regions"]),
            "late_packets": int(sum(pipeline["late_packets"].values())),
            "errors": pipeline["errors"],
            **ground,
        },
        "products": pipeline["products"] + pipeline["quicklooks"],
        "files": [f"{L0_FOLDER}/", f"{PRODUCTS_FOLDER}/", PACKETS_FILE],
    }


TELEMETRY_STAGE = Stage(
    "telemetry",
    stage_telemetry,
    requires=("solar_wind", "track", "attitude", "timeline", "orbit_elements", "mag_calibration"),
    settings="telemetry",
    description="The run's packets through the mass memory, the faulty downlink, L0 and the pipeline.",
    after_parked=True,  # it packs what every instrument stage handed the packetiser, parked ones too
)
