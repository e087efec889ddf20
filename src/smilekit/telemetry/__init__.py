"""Telemetry: CCSDS space packets of every instrument, on-board time, the mass memory, the link, level 0.

The path of the data from the instruments to the ground, as a ground segment receives it:

- :mod:`~smilekit.telemetry.packets`: the packet format (primary header, CUC secondary header, CRC);
- :mod:`~smilekit.telemetry.layouts`: THE table of APIDs and packet layouts (ccsdspy definitions; the
  assumptions SMILE's unpublished ICDs would replace) and their data rates;
- :mod:`~smilekit.telemetry.obtime`: on-board time <-> UTC through a time-correlation table;
- :mod:`~smilekit.telemetry.packetise`: the simulators' outputs -> packets, in time order;
- :mod:`~smilekit.telemetry.onboard`: the mass memory and its playback in the ground contacts, with the
  data latency;
- :mod:`~smilekit.telemetry.link`: the faults on the way down (losses in bursts, bit errors, duplicates,
  replays; CCSDS TM transfer frames);
- :mod:`~smilekit.telemetry.l0`: packet files -> level 0 (ccsdspy), with every loss recorded;
- :mod:`~smilekit.telemetry.depacketise`: level 0 -> the simulators' structures again;
- :mod:`~smilekit.telemetry.attitude`: an exposure's attitude from the housekeeping quaternions.

Examples
--------
A minute of MAG through packets and back, bit for bit:

>>> import astropy.units as u, numpy as np
>>> from smilekit.instruments.mag import simulate_mag
>>> t = np.array(["2026-03-20T00:00", "2026-03-20T00:01"], dtype="datetime64[ns]")
>>> raw = simulate_mag([[3.0, -4.0, 2.0]] * 2 * u.nT, np.eye(3), 1, time=t)
>>> batch = Packetiser().mag(raw)
>>> l0 = read_l0(b"".join(batch.packets))
>>> len(batch), l0.report["mag_vectors"]["missing"], l0.gaps
(61, 0, [])
>>> bool((mag_raw(l0)["counts_inboard"] == raw["counts_inboard"]).all())
True
"""

from smilekit.telemetry import _ccsdspy  # noqa: F401 - first: ccsdspy imported without its message
from smilekit.telemetry.depacketise import hk, lia_counts, mag_raw, sxi_events, uvi_images
from smilekit.telemetry.l0 import L0, L0_QUALITY, iter_l0, read_l0, scan_stream
from smilekit.telemetry.layouts import APID, LAYOUTS, Layout, data_rate
from smilekit.telemetry.obtime import TimeCorrelation
from smilekit.telemetry.packetise import PacketBatch, Packetiser, housekeeping, merge, write_stream
from smilekit.telemetry.packets import build_packets, crc16, crc16_many, primary_header

__all__ = [
    "APID",
    "L0",
    "L0_QUALITY",
    "LAYOUTS",
    "Layout",
    "PacketBatch",
    "Packetiser",
    "TimeCorrelation",
    "build_packets",
    "crc16",
    "crc16_many",
    "data_rate",
    "hk",
    "housekeeping",
    "iter_l0",
    "lia_counts",
    "mag_raw",
    "merge",
    "primary_header",
    "read_l0",
    "scan_stream",
    "sxi_events",
    "uvi_images",
    "write_stream",
]
