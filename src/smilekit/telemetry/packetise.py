"""Packetisers: the simulators' outputs -> CCSDS packets in time order (layouts: :mod:`.layouts`).

One :class:`Packetiser` holds the time-correlation table (UTC -> on-board time) and the sequence count of
every APID, so that successive calls continue each APID's count (modulo 16384) as an instrument would.
Each method returns a :class:`PacketBatch`; :func:`merge` puts batches in on-board time order and
:func:`write_stream` writes them as one file (the plain concatenation of the packets).

What is telemetered is what the instrument digitises; the simulators' truth (SXI sub-pixel positions and
event origins, LIA expected counts, MAG model field) is not. Each packetiser's docstring says what goes in.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from smilekit._io import write_bytes
from smilekit.errors import InputError
from smilekit.mission.modes import MODES
from smilekit.telemetry.layouts import (
    APID,
    HK_TEMPERATURES,
    LIA_ENERGIES_PER_PART,
    MAG_VECTORS_PER_PACKET,
    SXI_MAX_EVENTS_PER_PACKET,
    UVI_ROWS_PER_PART,
)
from smilekit.telemetry.obtime import TimeCorrelation
from smilekit.telemetry.packets import CUC_FINE_PER_S, build_packets, deflate_words
from smilekit.times import as_datetime64

__all__ = [
    "HK_TEMPERATURES_DEGC",
    "PacketBatch",
    "Packetiser",
    "housekeeping",
    "merge",
    "write_stream",
]

#: Nominal housekeeping temperatures (degC) of :func:`housekeeping` by default: **assumptions** (SXI CCD
#: cooled to about -90 degC, UVI CCD -40 degC, LIA and MAG sensor at room temperature), not confirmed.
HK_TEMPERATURES_DEGC = {"sxi_ccd": -90.0, "uvi_ccd": -40.0, "lia": 20.0, "mag_outboard": 15.0}
_LIA_HEADER = struct.Struct(">HBBBBBBI")
_UVI_HEADER = struct.Struct(">HBBHHHHHBBI")


@dataclass
class PacketBatch:
    """Packets with their APIDs and on-board times (ticks of 2^-16 s), in generation order."""

    packets: list = field(default_factory=list)
    apid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ticks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.packets)

    @property
    def nbytes(self) -> int:
        """Octets of all the packets."""
        return sum(len(p) for p in self.packets)


def merge(*batches: PacketBatch) -> PacketBatch:
    """One batch of all packets, sorted by on-board time, equal times by APID (and then in their order): the
    same stream whatever order the batches come in."""
    packets = [p for b in batches for p in b.packets]
    apid = np.concatenate([b.apid for b in batches]) if batches else np.zeros(0, dtype=np.int64)
    ticks = np.concatenate([b.ticks for b in batches]) if batches else np.zeros(0, dtype=np.int64)
    order = np.lexsort((apid, ticks))  # stable: equal (ticks, APID) keep their order
    return PacketBatch([packets[i] for i in order], apid[order], ticks[order])


def write_stream(path, batch: PacketBatch):
    """Write the packets as one file (their plain concatenation), atomically; returns the path."""
    return write_bytes(path, b"".join(batch.packets))


def _be(values: np.ndarray, dtype: str, n: int) -> np.ndarray:
    """(n, k) uint8 rows of big-endian ``values`` (n, ...)."""
    return np.ascontiguousarray(values.astype(dtype)).view(np.uint8).reshape(n, -1)


def housekeeping(attitude, timeline, temperatures=None) -> xr.Dataset:
    """Platform housekeeping on the track's times: attitude quaternion, mode, SXI shutter, temperatures.

    Parameters
    ----------
    attitude : smilekit.mission.pointing.Attitude
        The attitude (body -> GSE) on the same times as ``timeline``.
    timeline : smilekit.mission.modes.ModeTimeline
        The operating modes.
    temperatures : dict, optional
        Name -> degC (a number or one per sample) for the names of :data:`HK_TEMPERATURES_DEGC`;
        default those nominal values.

    Returns
    -------
    xarray.Dataset
        ``quaternion`` (time, 4: x, y, z, w; scipy's scalar-last order; NaN where the attitude is
        undefined), ``mode`` (uint8: index of :data:`smilekit.mission.modes.MODES`), ``sxi_shutter_open``
        (uint8), ``temperature`` (time, sensor; float32 degC).
    """
    from scipy.spatial.transform import Rotation

    t = np.asarray(timeline.time)
    if not np.array_equal(np.asarray(attitude.time), t):
        raise InputError("housekeeping: the attitude and the mode timeline must be on the same times")
    rot = np.asarray(attitude.rotation, dtype=np.float64)
    quat = np.full((t.size, 4), np.nan)
    valid = np.isfinite(rot).all(axis=(1, 2))
    if valid.any():
        quat[valid] = Rotation.from_matrix(rot[valid]).as_quat()
    names = list(MODES)
    mode = np.array([names.index(str(m)) for m in timeline.mode], dtype=np.uint8)
    temps = dict(HK_TEMPERATURES_DEGC, **(temperatures or {}))
    if set(temps) != set(HK_TEMPERATURES):
        raise InputError(f"temperatures are named {HK_TEMPERATURES}, got {sorted(temps)}")
    temperature = np.column_stack([np.broadcast_to(np.asarray(temps[k], np.float32), t.shape)
                                   for k in HK_TEMPERATURES])  # fmt: skip
    return hk_dataset(t, quat, mode, timeline.sxi_shutter_open, temperature)


def hk_dataset(time, quaternion, mode, sxi_shutter_open, temperature, **more) -> xr.Dataset:
    """The housekeeping Dataset of :func:`housekeeping` (and of the telemetry's
    :func:`~smilekit.telemetry.depacketise.hk`) from its columns; ``more`` adds variables on ``time``
    (e.g. ``telemetry_quality``) and, with ``source``, the attribute saying where the values came from."""
    source = more.pop("source", None)
    return xr.Dataset(
        {
            "quaternion": (("time", "quaternion_component"), np.asarray(quaternion, dtype=np.float64),
                           {"units": "1", "frame": "body -> GSE"}),
            "mode": ("time", np.asarray(mode, dtype=np.uint8), {"units": " ", "modes": ",".join(MODES)}),
            "sxi_shutter_open": ("time", np.asarray(sxi_shutter_open, dtype=np.uint8)),
            "temperature": (("time", "sensor"), np.asarray(temperature, dtype=np.float32), {"units": "degC"}),
            **{name: ("time", values) for name, values in more.items()},
        },
        coords={"time": time, "quaternion_component": ["x", "y", "z", "w"], "sensor": list(HK_TEMPERATURES)},
        attrs={"instrument": "platform", **({"source": source} if source else {})},
    )  # fmt: skip


class Packetiser:
    """Packets of every instrument through one time-correlation table and one sequence count per APID.

    Parameters
    ----------
    correlation : TimeCorrelation, optional
        UTC -> on-board time (default :meth:`TimeCorrelation.ideal`).
    """

    def __init__(self, correlation: TimeCorrelation | None = None):
        self.correlation = correlation or TimeCorrelation.ideal()
        self.next_count = {apid: 0 for apid in APID.values()}
        self._lia_distribution = 0
        self._sxi_exposure = 0
        self._uvi_image = 0

    def _batch(self, name: str, times, user_data) -> PacketBatch:
        apid = APID[name]
        coarse, fine = self.correlation.obt_from_utc(times)
        packets, self.next_count[apid] = build_packets(apid, self.next_count[apid], coarse, fine, user_data)
        n = len(packets)
        return PacketBatch(packets, np.full(n, apid, dtype=np.int64), coarse * CUC_FINE_PER_S + fine)

    def mag(self, raw: xr.Dataset) -> PacketBatch:
        """MAG packets of :func:`~smilekit.instruments.mag.simulate_mag`'s output.

        The raw int32 counts of both sensors (fill -2^31 kept), 32 vectors a packet; the packet's time is
        its first vector's, and the vectors follow at the sample period (a whole number of ns, from the
        times). The last packet of a call may hold fewer vectors (``n_vectors``).
        """
        if not isinstance(raw, xr.Dataset) or not {"counts_inboard", "counts_outboard"} <= set(raw.data_vars):
            raise InputError("mag: give simulate_mag's Dataset (counts_inboard, counts_outboard)")
        t = as_datetime64(raw["time"].values)
        n = t.size
        if n == 0:
            return PacketBatch()
        step = np.diff(t.astype(np.int64))
        period = int(step[0]) if step.size else round(1e9 / float(raw.attrs["vector_rate_hz"]))
        if step.size and np.any(step != period):
            raise InputError("mag: the samples must follow at one period of a whole number of ns")
        k = MAG_VECTORS_PER_PACKET
        m = -(-n // k)
        counts = []
        for name in ("inboard", "outboard"):
            c = np.asarray(raw[f"counts_{name}"].transpose("time", "component").values, dtype=np.int32)
            padded = np.zeros((m * k, 3), dtype=np.int32)
            padded[:n] = c
            counts.append(_be(padded, ">i4", m))
        n_vec = np.full(m, k)
        n_vec[-1] = n - (m - 1) * k
        head = np.column_stack(
            [_be(np.full(m, period), ">u4", m), n_vec.astype(np.uint8), np.zeros(m, np.uint8)]
        )
        return self._batch("mag_vectors", t[::k], np.hstack([head, *counts]))

    def lia(self, counts: xr.Dataset, *, accumulation_s: float | None = None) -> PacketBatch:
        """LIA packets of :func:`~smilekit.instruments.lia.simulate_counts`'s ``counts`` (times needed).

        Each distribution is split into parts of :data:`LIA_ENERGIES_PER_PART` energy steps, each its counts
        as big-endian uint32 through :func:`~smilekit.telemetry.packets.deflate_words` (lossless); the
        distribution number counts on across calls (modulo 65536). The packet time is the distribution's.
        """
        c = np.asarray(counts["counts"].transpose("time", "energy", "elevation", "azimuth").values)
        t = counts["time"].values
        if not np.issubdtype(t.dtype, np.datetime64):
            raise InputError("lia: the counts need UTC times (give simulate_counts an attitude or time=)")
        if c.size and (c.min() < 0 or c.max() > 2**32 - 1):
            raise InputError("lia: counts must lie in 0 to 2**32 - 1")
        acc = float(counts.attrs.get("accumulation_s", 4.0)) if accumulation_s is None else accumulation_s
        n_t, n_e, n_el, n_az = c.shape
        parts = -(-n_e // LIA_ENERGIES_PER_PART)
        data, times = [], []
        for i in range(n_t):
            dist = (self._lia_distribution + i) % 65536
            for p in range(parts):
                e0 = p * LIA_ENERGIES_PER_PART
                block = c[i, e0 : e0 + LIA_ENERGIES_PER_PART]
                head = _LIA_HEADER.pack(dist, p, parts, e0, block.shape[0], n_el, n_az, round(acc * 1000))
                data.append(head + deflate_words(block, ">u4"))
                times.append(t[i])
        self._lia_distribution = (self._lia_distribution + n_t) % 65536
        if not data:
            return PacketBatch()
        return self._batch("lia_distribution", np.asarray(times, dtype="datetime64[ns]"), data)

    def sxi(self, events) -> PacketBatch:
        """SXI packets of an :class:`~smilekit.instruments.sxi.l1.EventList` (one exposure).

        One frame header per CCD frame of the exposure (the exposure start, frame index, frames, frame
        length, event count, Sun flags), and the frame's events (RAWX, RAWY, CCDNR, PI; at most
        :data:`SXI_MAX_EVENTS_PER_PACKET` a packet) stamped with the frame's start.
        """
        from smilekit.instruments.sxi.l1 import FLAG_SUN_IN_FOV, FLAG_SUN_NEAR, TIME_ZERO

        cols = events.columns
        v = events.config.values
        tstart, tstop = (float(x) for x in events.gti[0])
        frame_s = float(v.frame_s)
        n_frames = round((tstop - tstart) / frame_s)
        t0 = TIME_ZERO + np.timedelta64(round(tstart * 1e9), "ns")
        frame = np.rint((cols["TIME"] - tstart) / frame_s - 0.5).astype(np.int64)
        if frame.size and (frame.min() < 0 or frame.max() >= n_frames):
            raise InputError("sxi: an event lies outside the exposure's frames")
        for name, top in (("RAWX", 65535), ("RAWY", 65535), ("CCDNR", 255), ("PI", 65535)):
            if cols[name].size and (cols[name].min() < 0 or cols[name].max() > top):
                raise InputError(f"sxi: {name} must lie in 0 to {top} to be telemetered")
        exposure = self._sxi_exposure
        self._sxi_exposure = (exposure + 1) % 65536
        sun = (FLAG_SUN_NEAR if events.sun_angle_deg < v.sun_avoidance_deg else 0) | (
            FLAG_SUN_IN_FOV if events.sun_in_fov else 0
        )
        per_frame = np.bincount(frame, minlength=n_frames)
        frame_start = t0 + (np.arange(n_frames) * round(frame_s * 1e9)).astype("timedelta64[ns]")
        e_coarse, e_fine = self.correlation.obt_from_utc(t0)
        m = n_frames
        head = np.hstack([
            _be(np.full(m, exposure), ">u2", m), _be(np.full(m, e_coarse[0]), ">u4", m),
            _be(np.full(m, e_fine[0]), ">u2", m), _be(np.arange(m), ">u4", m), _be(np.full(m, m), ">u4", m),
            _be(np.full(m, round(frame_s * 1000)), ">u4", m), _be(per_frame, ">u4", m),
            np.full((m, 1), sun, np.uint8), np.zeros((m, 1), np.uint8),
        ])  # fmt: skip
        headers = self._batch("sxi_frame_header", frame_start, head)
        data, times = [], []
        bounds = np.concatenate([[0], np.cumsum(per_frame)])
        order = np.argsort(frame, kind="stable")
        rawx, rawy = cols["RAWX"][order], cols["RAWY"][order]
        ccd, pi = cols["CCDNR"][order], cols["PI"][order]
        for f in np.flatnonzero(per_frame):
            for a in range(bounds[f], bounds[f + 1], SXI_MAX_EVENTS_PER_PACKET):
                b = min(a + SXI_MAX_EVENTS_PER_PACKET, bounds[f + 1])
                data.append(struct.pack(">HIH", exposure, int(f), b - a) + rawx[a:b].astype(">u2").tobytes()
                            + rawy[a:b].astype(">u2").tobytes() + ccd[a:b].astype(">u1").tobytes()
                            + pi[a:b].astype(">u2").tobytes())  # fmt: skip
                times.append(frame_start[f])
        if not data:
            return headers
        return merge(headers, self._batch("sxi_events", np.asarray(times, dtype="datetime64[ns]"), data))

    def uvi(self, image: xr.DataArray, start=None) -> PacketBatch:
        """UVI packets of one :func:`~smilekit.instruments.uvi.simulate_image` (DN, 2-D).

        Rows in parts of :data:`UVI_ROWS_PER_PART` (fewer for an image wider than 512 pixels), each its DN
        as big-endian int16 (int32 when a DN lies beyond int16) through
        :func:`~smilekit.telemetry.packets.deflate_words`, lossless; stamped with the exposure start
        (``start``, default ``image.attrs["time"]``).
        """
        dn = np.asarray(image.values)
        if dn.ndim != 2 or not np.issubdtype(dn.dtype, np.integer):
            raise InputError(f"uvi: the image must be a 2-D integer DN array, got {dn.dtype} {dn.shape}")
        if dn.size and (dn.min() < -(2**31) or dn.max() > 2**31 - 1 or max(dn.shape) > 65535):
            raise InputError("uvi: DN must fit int32 and the image at most 65535 pixels a side")
        if start is None:
            if "time" not in image.attrs:
                raise InputError("uvi: give start= (the image has no attrs['time'])")
            start = image.attrs["time"]
        t0 = as_datetime64(start)
        word = 2 if dn.size == 0 or (dn.min() >= -(2**15) and dn.max() < 2**15) else 4
        rows = dn.shape[0]
        # 16 rows a part, fewer for a wide image: a part's raw words stay within 60000 octets
        per_part = max(1, min(UVI_ROWS_PER_PART, 60000 // max(1, dn.shape[1] * word)))
        parts = -(-rows // per_part)
        image_id = self._uvi_image
        self._uvi_image = (image_id + 1) % 65536
        exposure_ms = round(float(image.attrs.get("exposure_s", 0.0)) * 1000)
        n_frames = int(image.attrs.get("n_frames", 0))
        data = []
        for p in range(parts):
            r0 = p * per_part
            block = dn[r0 : r0 + per_part]
            head = _UVI_HEADER.pack(image_id, p, parts, r0, block.shape[0], *dn.shape, n_frames, word, 0,
                                    exposure_ms)  # fmt: skip
            data.append(head + deflate_words(block, ">i2" if word == 2 else ">i4"))
        return self._batch("uvi_image", np.full(parts, t0, dtype="datetime64[ns]"), data)

    def hk(self, hk: xr.Dataset) -> PacketBatch:
        """Housekeeping packets, one per sample of :func:`housekeeping`'s Dataset."""
        need = {"quaternion", "mode", "sxi_shutter_open", "temperature"}
        if not isinstance(hk, xr.Dataset) or not need <= set(hk.data_vars):
            raise InputError(f"hk: give housekeeping()'s Dataset (variables {sorted(need)})")
        if hk["quaternion"].shape[1:] != (4,) or hk["temperature"].shape[1:] != (len(HK_TEMPERATURES),):
            raise InputError(
                f"hk: quaternion must be (time, 4) and temperature (time, {len(HK_TEMPERATURES)})"
            )
        t = as_datetime64(hk["time"].values)
        n = t.size
        if n == 0:
            return PacketBatch()
        quat = np.asarray(hk["quaternion"].values, dtype=np.float64)
        temp = np.asarray(hk["temperature"].values, dtype=np.float32)
        body = np.hstack([
            np.asarray(hk["mode"].values, np.uint8)[:, None],
            np.asarray(hk["sxi_shutter_open"].values, np.uint8)[:, None],
            _be(quat, ">f8", n), _be(temp, ">f4", n),
        ])  # fmt: skip
        return self._batch("hk_platform", t, body)
