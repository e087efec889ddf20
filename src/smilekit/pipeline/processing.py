"""The ground processing: a folder of packet files and auxiliary files -> L1 and L2 products.

:func:`process` reads an L0 folder: packet files ``*.bin`` (:data:`PACKET_SUFFIX`; what
:meth:`smilekit.telemetry.link.LinkResult.write` and :func:`smilekit.telemetry.write_stream` write, one file
per ground contact, processed in name order) and the auxiliary files of :mod:`~.pipeline.auxiliary`. It
writes into ``out``:

- MAG L1 (both sensors, per packet file) and L2 (the field in GSE and GSM, the attitude from the
  housekeeping quaternions, slerp-interpolated to the vector times by
  :func:`smilekit.mission.pointing.body_to_gse_values`), through
  :func:`~smilekit.instruments.mag.make_l1` and :func:`~smilekit.instruments.mag.make_l2`;
- LIA L1 (counts) and L2 (moments, :func:`~smilekit.instruments.lia.moments.compute_moments` in GSE with
  the field of MAG L2 averaged over each distribution's window, the LIA -> GSE rotation from the
  housekeeping attitude; the spacecraft potential is not telemetered and is the configuration's);
- SXI L1 (events, :func:`~smilekit.instruments.sxi.l1.event_list_from_telemetry` per exposure: the
  attitude the mean housekeeping quaternion over the exposure, the position from ``ephemeris.cdf`` at its
  middle) and L2 (images, :func:`~smilekit.instruments.sxi.make_l2` with its default fitted background:
  the particle level from the events above the optic's response, the sky level fitted on clean sky);
- UVI L1 and L2 (images, per frame: :func:`~smilekit.instruments.uvi.l1.image_from_telemetry`, the
  position and, when the file has it, the UVI boresight from ``ephemeris.cdf`` at the frame's middle;
  :func:`~smilekit.instruments.uvi.l1.make_l1`, :func:`~smilekit.instruments.uvi.l2.make_l2`). Without
  ``ephemeris.cdf`` SXI and UVI are skipped (their packets are still decoded and counted) and the summary
  says so (``sxi.skipped``, ``uvi.skipped``);
- SXI and UVI L3 (with ``make_l3``, the default), one file each over the run, written at its end: the
  magnetopause stand-off by every method of :data:`smilekit.science.magnetopause.METHODS` and the north-cusp
  edges (:func:`~smilekit.science.cusps.estimate_cusp_edges`) of every SXI L2 image, with the upstream
  solar wind of ``solar_wind.csv`` where the L0 folder has it (starting values and priors), into
  :func:`~smilekit.products.l3_cdf.write_l3_cdf` with the spacecraft positions and (where every image has
  it) the upstream flux, so that its quality flags assess the requirement domain; the auroral boundaries
  and hemispheric power of every UVI L2 image (:func:`~smilekit.science.aurora.image_boundaries`,
  :func:`~smilekit.science.aurora.image_hemispheric_power`) into
  :func:`~smilekit.products.uvi_l3_cdf.write_uvi_l3_cdf`; their provenance lists the L2 products;
- the quick-look figure of every L2 and L3 product (with ``make_quicklooks``, the default;
  :func:`~smilekit.products.quicklooks.write_quicklook`), ``smile_<instrument>_ql_...png``, public at once
  under the data policy and not for publication;
- ``summary.json`` (atomic): every file, every loss, every product.

Every product is named by the mission's rule from its first sample with the next free version in ``out``
(:func:`~smilekit.products.names.next_version`: a second run writes ``_v02`` beside ``_v01``) and carries
its provenance (:func:`~smilekit.products.provenance.provenance`: its packet files, the products it was
made from, the auxiliary files, the settings, the software version, the processing time). MAG L1 and LIA
L1/L2 are written per packet file as its data are complete, MAG L2 as far as the attitude reaches.

Streaming
---------
The packet files (passes) are read in name order, each memory-mapped and decoded a segment of about
:data:`~smilekit.telemetry.l0.SEGMENT_OCTETS` at a time (:func:`smilekit.telemetry.iter_l0`: a pass can
hold an orbit's data), and each segment is reduced at once, as a file of its own (the sequence counts are
checked across segments as across files; MAG L1 is written per segment). What stays in memory between
segments is what the next may still need: the housekeeping samples from just before the oldest sample not
yet calibrated, the MAG L1 samples after the last attitude sample (they wait for the next one), the MAG L2
samples within a LIA window of the oldest distribution waiting, the LIA packets of distributions whose
field window is not yet covered by MAG L2 (or whose parts may continue), and the SXI and UVI packets of
exposures and images not yet complete. The peak memory is therefore bounded by a segment, not by a pass
or the run (``benchmarks/bench_pipeline.py`` measures it).

Losses, never hidden
--------------------
- bad regions of a file (CRC errors, truncations, garbage), unknown APIDs, duplicates and sequence-count
  gaps (within a file, and across consecutive files from the last sequence count of each APID) are in the
  summary (per APID and per file);
- MAG: the vectors of a lost packet (a sequence-count gap) are put back as fill on the sample grid, with
  :data:`MAG_L1_LOST` on both sensors' L1 flags and :data:`MAG_L2_LOST` in L2's quality (and the L2
  "no data" bits: B is NaN; the whole time between the packets on either side is filled, as the counts
  cannot tell whether the instrument paused in it); a sample whose packet time came from an extrapolated
  or jumping time correlation is flagged :data:`MAG_L1_TIME` / :data:`MAG_L2_TIME`; a sample without an
  attitude on both sides is NaN in L2 with :data:`MAG_L2_NO_ATTITUDE` (without any housekeeping packet no
  L2 is written, and the summary says so). Vectors lost at the very end of the last file (no later packet
  to show the gap) cannot be seen from the counts;
- LIA: a distribution with a part lost (:data:`~smilekit.telemetry.depacketise.LIA_PART_MISSING`) has its
  lost counts 0 in L1 and no moments in L2 (NaN), both flagged :data:`LIA_LOST`; a distribution without
  attitude or MAG field gets NaN moments and :data:`LIA_NO_FIELD`; time-correlation bits give
  :data:`LIA_TIME`;
- SXI: frames whose header or some of whose events were lost leave the exposure's GTIs and their events
  are dropped (:func:`~smilekit.instruments.sxi.l1.event_list_from_telemetry`); the summary counts them
  (``sxi.frames_lost``, ``sxi.events_dropped``, ``sxi.untimed_events``; per L1 product in
  ``sxi.lossy_exposures``). An exposure waits for later files until all its frames are complete and the
  attitude covers it; at the end of the run it is processed as it is (so an exposure with a frame lost
  stays in memory until the end: memory bounded by the lossy exposures, not by a file, for SXI);
- UVI: rows lost in the link are NaN in L1 and left out of L2's map, with the images' ``missing_rows``
  and ``telemetry_quality`` (:data:`~smilekit.telemetry.depacketise.UVI_ROWS_MISSING`) and the summary's
  ``uvi.missing_rows`` (per L1 product in ``uvi.lossy_images``); an image waits for later files until all
  its rows arrived (or the run ends, as SXI's exposures);
- an exposure or frame that its chain refuses (no attitude within it, outside the ephemeris, a corrupt
  header, a line of sight missing the Earth) is skipped and named in the summary's ``errors``;
- packets that arrive in a later file with a time at or before what was already processed for their APID
  (a link's replay or delay) are counted (``late_packets``) and not merged into products already written.
"""

from __future__ import annotations

import json
import time as _time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import astropy.units as u
import numpy as np
import xarray as xr
from scipy.spatial.transform import Rotation

import smilekit
from smilekit._io import jsonable, write_text
from smilekit.errors import InputError, ModelDomainError, ProductError, TelemetryError
from smilekit.instruments import sxi as _sxi
from smilekit.instruments import uvi as _uvi
from smilekit.instruments.lia.model import QUALITY_BITS, ROTATION_DIMS, lia_to_gse_values
from smilekit.instruments.lia.moments import DISTRIBUTIONS_PER_BLOCK, compute_moments
from smilekit.instruments.mag.l1 import L1_FLAG_TEXT, make_l1
from smilekit.instruments.mag.l2 import L2_QUALITY_TEXT, NO_DATA, make_l2
from smilekit.instruments.mag.sensor import INT32_FILL
from smilekit.mission.pointing import Attitude, body_to_gse_values
from smilekit.pipeline.auxiliary import (
    EPHEMERIS_FILE,
    MAG_CALIBRATION_FILE,
    SETTINGS_FILE,
    SOLAR_WIND_FILE,
    TIME_CORRELATION_FILE,
    ProcessingSettings,
    ephemeris_at,
    read_ephemeris,
    read_mag_calibration,
    read_settings,
    read_time_correlation,
    read_upstream,
)
from smilekit.products import sxi_fits, uvi_fits
from smilekit.products.insitu_cdf import (
    LIA_DESCRIPTORS,
    MAG_DESCRIPTOR,
    lia_product_name,
    mag_product_name,
    write_lia_l1,
    write_lia_l2,
    write_mag_l1,
    write_mag_l2,
)
from smilekit.products.l3_cdf import write_l3_cdf
from smilekit.products.names import next_version, parse_product_name, product_name
from smilekit.products.provenance import provenance
from smilekit.products.quicklooks import write_quicklook
from smilekit.products.uvi_l3_cdf import write_uvi_l3_cdf
from smilekit.science.aurora import image_boundaries, image_hemispheric_power
from smilekit.science.cusps import retrieve_image
from smilekit.science.regions import average_field
from smilekit.telemetry.depacketise import (
    LIA_PART_MISSING,
    SXI_EVENTS_MISSING,
    hk,
    lia_counts,
    mag_raw,
    sxi_events,
    uvi_images,
)
from smilekit.telemetry.l0 import L0, iter_l0
from smilekit.telemetry.obtime import TIME_EXTRAPOLATED, TIME_JUMP
from smilekit.telemetry.packets import SEQUENCE_COUNT_MODULO
from smilekit.units import RE

__all__ = [
    "LIA_LOST",
    "LIA_NO_FIELD",
    "LIA_TIME",
    "MAG_L1_LOST",
    "MAG_L1_TIME",
    "MAG_L2_LOST",
    "MAG_L2_NO_ATTITUDE",
    "MAG_L2_TIME",
    "PACKET_SUFFIX",
    "SUMMARY_FILE",
    "process",
]

#: The packet files' suffix in an L0 folder (LinkResult.write's).
PACKET_SUFFIX = ".bin"
#: The summary's name in the output folder.
SUMMARY_FILE = "summary.json"

#: MAG L1 flag bit: the sample's packet was lost in the downlink (fill; the L1 "missing" bit is set too).
MAG_L1_LOST = 4
#: MAG L1 flag bit: the packet's time was converted next to a time-correlation jump or extrapolated.
MAG_L1_TIME = 8
#: MAG L2 quality bit: the sample's packet was lost in the downlink (B is NaN).
MAG_L2_LOST = 128
#: MAG L2 quality bit: the packet's time was converted next to a time-correlation jump or extrapolated.
MAG_L2_TIME = 256
#: MAG L2 quality bit: no attitude on both sides of the sample (no housekeeping): B is NaN.
MAG_L2_NO_ATTITUDE = 512
#: LIA quality bit: energy steps of the distribution were lost in the downlink (L1 counts 0 there; no L2
#: moments).
LIA_LOST = 32
#: LIA quality bit: no attitude or no MAG field for the distribution: no L2 moments.
LIA_NO_FIELD = 64
#: LIA quality bit: the time was converted next to a time-correlation jump or extrapolated.
LIA_TIME = 128

_L0_TIME_BITS = TIME_EXTRAPOLATED | TIME_JUMP
_MAG_L1_TEXT = f"{L1_FLAG_TEXT}; {MAG_L1_LOST}: lost in the downlink; {MAG_L1_TIME}: time quality (L0)"
_MAG_L2_TEXT = (
    f"{L2_QUALITY_TEXT}; {MAG_L2_LOST}: lost in the downlink; {MAG_L2_TIME}: time quality (L0); "
    f"{MAG_L2_NO_ATTITUDE}: no attitude"
)
_LIA_BITS = {
    **QUALITY_BITS,
    "telemetry_lost": LIA_LOST,
    "no_attitude_or_field": LIA_NO_FIELD,
    "time_quality": LIA_TIME,
}
_TEXT = "Processed from telemetry by smilekit.pipeline."


def _ns(t) -> np.ndarray:
    return np.asarray(t, dtype="datetime64[ns]").astype(np.int64)


@dataclass
class _Pending:
    """What one file leaves for the next (module docstring: streaming)."""

    hk_time: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[ns]"))
    hk_quat: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    mag_l1: xr.Dataset | None = None
    mag_l1_sources: set = field(default_factory=set)
    mag_l2: xr.Dataset | None = None
    lia: xr.Dataset | None = None
    lia_sources: set = field(default_factory=set)
    mag_l2_products: list = field(default_factory=list)  # (first time, last time, name) of recent MAG L2
    imaging: dict = field(default_factory=dict)  # SXI and UVI packets waiting (layout name -> Dataset)
    imaging_sources: dict = field(default_factory=dict)  # "sxi"/"uvi" -> packet files of those packets
    imaging_done: deque = field(default_factory=lambda: deque(maxlen=256))  # keys of recent exposures/images


class _Run:
    """The state of one :func:`process`: the chains, the pending data, the summary."""

    def __init__(
        self, out: Path, correlation, calibration, settings, aux: list[str], ephemeris=None, upstream=None
    ):
        self.out = out
        self.ephemeris = ephemeris
        self.upstream = upstream
        #: per image of the run, what its L3 file gathers: SXI (L2 name, estimates, cusp, start, position
        #: in RE, upstream flux n v in cm^-2 s^-1 or NaN), UVI (L2 name, boundaries, power, start)
        self.l3: dict[str, list] = {"sxi": [], "uvi": []}
        self.correlation = correlation
        self.calibration = calibration
        self.settings = settings
        self.aux = aux
        self.config = settings.as_dict()
        #: half the window MAG's field is averaged over at each LIA distribution
        self.lia_half_window = np.timedelta64(round(settings.lia_field_window_s * 5e8), "ns")
        self.pending = _Pending()
        self._mag_before = None  # the last MAG sample time processed (a lost packet at a file's start)
        self.last_seq: dict[str, int] = {}
        self.last_time: dict[str, np.datetime64] = {}
        self.last_counts: dict[str, set] = {}  # the sequence counts processed at last_time
        self.time_s = {"l0": 0.0, "hk": 0.0, "mag": 0.0, "lia": 0.0, "sxi": 0.0, "uvi": 0.0, "l3": 0.0}
        self.summary = {
            "software": f"smilekit {smilekit.__version__}",
            "settings": self.config,
            "auxiliary_files": aux,
            "files": {},
            "bad_regions": [],
            "gaps": [],
            "losses": {},
            "late_packets": {},
            "errors": [],
            "time_correlation_jumps": list(correlation.jumps),
            "hk": {"samples": 0, "undefined_attitude": 0},
            "mag": {"l1_vectors": 0, "l2_vectors": 0, "lost_vectors": 0, "no_attitude_vectors": 0,
                    "time_flagged_vectors": 0, "l2_flagged_vectors": 0},
            "lia": {"distributions": 0, "parts_lost_distributions": 0, "no_field_distributions": 0,
                    "moments": 0, "flagged_distributions": 0},
            "sxi": {"exposures": 0, "events": 0, "frames_lost": 0, "events_dropped": 0, "untimed_events": 0,
                    "skipped_exposures": 0, "lossy_exposures": []},
            "uvi": {"images": 0, "missing_rows": 0, "images_with_lost_rows": 0, "skipped_images": 0,
                    "lossy_images": []},
            "products": [],
            "quicklooks": [],
        }  # fmt: skip
        if ephemeris is None:
            for chain in ("sxi", "uvi"):
                self.summary[chain]["skipped"] = f"no {EPHEMERIS_FILE} in L0_DIR: no spacecraft position"

    # ------------------------------------------------------------------ writing
    def _write(self, writer, instrument: str, level: str, data: xr.Dataset, sources) -> str:
        descriptor = MAG_DESCRIPTOR if instrument == "mag" else LIA_DESCRIPTORS[level]
        start = data["time"].values[0]
        version = next_version(self.out, instrument, level, descriptor, start, "cdf")
        namer = mag_product_name if instrument == "mag" else lia_product_name
        name = namer(level, start, version)
        record = provenance([*sorted(sources), *self.aux], self.config)
        writer(self.out / name, data, text=_TEXT, provenance=record)
        self.summary["products"].append(name)
        return name

    # ------------------------------------------------------------------ L0
    def _select_new(self, l0: L0, name: str, *, same_time: bool = False) -> xr.Dataset | None:
        """The packets of ``name`` newer than what was processed; counts the late ones and the gap at the
        file boundary (sequence counts) into the summary. ``same_time``: packets at the last time processed
        are new too unless their sequence count was seen at that time (the parts of one LIA distribution,
        SXI frame or UVI image share its time and may span two files or segments)."""
        if name not in l0.datasets:
            return None
        ds = l0.datasets[name]
        if name in self.last_time:
            t = ds["time"].values
            late = t < self.last_time[name] if same_time else t <= self.last_time[name]
            if same_time:  # a replay of a part already processed
                seen = list(self.last_counts.get(name, ()))
                late |= (t == self.last_time[name]) & np.isin(ds["sequence_count"].values, seen)
            if late.any():
                self.summary["late_packets"][name] = self.summary["late_packets"].get(name, 0) + int(
                    late.sum()
                )
                ds = ds.isel(packet=np.flatnonzero(~late))
        if ds.sizes["packet"] == 0:
            return None
        seq = ds["sequence_count"].values.astype(np.int64)
        boundary = 0
        if name in self.last_seq:
            boundary = int((seq[0] - self.last_seq[name] - 1) % SEQUENCE_COUNT_MODULO)
            if boundary:
                self.summary["gaps"].append({"name": name, "after_count": self.last_seq[name],
                                             "missing": boundary, "after_time": str(self.last_time[name]),
                                             "before_time": str(ds["time"].values[0]),
                                             "across_files": True})  # fmt: skip
                loss = self.summary["losses"].setdefault(name, {})
                loss["missing"] = loss.get("missing", 0) + boundary
        ds = ds.assign(boundary_missing=("packet", np.r_[boundary, np.zeros(seq.size - 1, np.int64)]))
        last = ds["time"].values[-1]
        counts = set(seq[ds["time"].values == last].tolist())
        if name in self.last_time and self.last_time[name] == last:
            counts |= self.last_counts.get(name, set())
        self.last_seq[name], self.last_time[name], self.last_counts[name] = int(seq[-1]), last, counts
        return ds

    def add_file(self, path: Path) -> None:
        """Decode one packet file a segment at a time (:func:`~smilekit.telemetry.l0.iter_l0`: a pass may
        hold an orbit's data) and run the chains on each segment as on a file of its own."""
        name = path.name
        segments = iter_l0(path, correlation=self.correlation)
        while True:
            t0 = _time.perf_counter()
            try:
                l0 = next(segments)
            except StopIteration:
                return
            except TelemetryError as exc:
                self.summary["errors"].append({"file": name, "error": str(exc)})
                return
            self._count(l0, path)
            self.time_s["l0"] += _time.perf_counter() - t0
            self._hk(l0)
            self._sxi(l0, name)
            self._uvi(l0, name)
            self._mag(l0, name)
            self._lia(l0, name)

    def _count(self, l0: L0, path: Path) -> None:
        """Add a segment's report, bad regions and gaps to the summary."""
        name, report = path.name, l0.report
        if "files" in report:  # the file's scan, with the first segment
            self.summary["files"][name] = report["files"].get(str(path), {})
        self.summary["bad_regions"].extend({**b, "file": name} for b in l0.bad)
        self.summary["gaps"].extend({**g, "file": name} for g in l0.gaps)
        for layout, counts in report.items():
            if isinstance(counts, dict) and "received" in counts:
                loss = self.summary["losses"].setdefault(layout, {})
                for k, v in counts.items():
                    loss[k] = loss.get(k, 0) + int(v)
        for k in ("unknown_apid_packets", "bad_octets"):
            self.summary["losses"][k] = self.summary["losses"].get(k, 0) + int(report.get(k, 0))

    # ------------------------------------------------------------------ HK
    def _hk(self, l0: L0) -> None:
        t0 = _time.perf_counter()
        ds = self._select_new(l0, "hk_platform")
        if ds is not None:
            h = hk(L0(datasets={"hk_platform": ds}))
            q = h["quaternion"].values
            self.summary["hk"]["samples"] += int(q.shape[0])
            self.summary["hk"]["undefined_attitude"] += int((~np.isfinite(q).all(axis=1)).sum())
            self.pending.hk_time = np.concatenate([self.pending.hk_time, h["time"].values])
            self.pending.hk_quat = np.concatenate([self.pending.hk_quat, q])
        self.time_s["hk"] += _time.perf_counter() - t0

    def _attitude(self, times: np.ndarray) -> tuple[Attitude | None, np.ndarray]:
        """The housekeeping attitude and which ``times`` it covers (a defined sample on both sides)."""
        kt, kq = self.pending.hk_time, self.pending.hk_quat
        if kt.size < 2 or times.size == 0:
            return None, np.zeros(times.size, dtype=bool)
        finite = np.isfinite(kq).all(axis=1)
        x, xk = _ns(times), _ns(kt)
        after = np.clip(np.searchsorted(xk, x, side="right"), 1, xk.size - 1)
        covered = (x >= xk[0]) & (x <= xk[-1]) & finite[after] & finite[after - 1]
        rotation = np.full((kt.size, 3, 3), np.nan)
        if finite.any():
            rotation[finite] = Rotation.from_quat(kq[finite]).as_matrix()
        nan3 = np.full((kt.size, 3), np.nan)
        att = Attitude(kt, rotation, rotation[:, :, 2], rotation[:, :, 0], nan3, nan3 * u.R_earth,
                       nan3 * u.R_earth, nan3 * u.R_earth)  # fmt: skip
        return att, covered

    def _trim_hk(self, oldest) -> None:
        """Forget housekeeping samples older than the one just before ``oldest`` (bounded memory)."""
        kt = self.pending.hk_time
        if oldest is None or kt.size < 3:
            return
        k = max(0, int(np.searchsorted(kt, oldest, side="right")) - 1)
        self.pending.hk_time, self.pending.hk_quat = kt[k:], self.pending.hk_quat[k:]

    # ------------------------------------------------------------------ MAG
    def _mag(self, l0: L0, source: str) -> None:
        t0 = _time.perf_counter()
        ds = self._select_new(l0, "mag_vectors")
        if ds is not None:
            l1 = self._mag_l1(ds)
            name = self._write(write_mag_l1, "mag", "l1", l1, [source])
            p = self.pending
            p.mag_l1 = l1 if p.mag_l1 is None else xr.concat([p.mag_l1, l1], dim="time")
            p.mag_l1_sources |= {source, name}
        self._mag_l2(final=False)
        self.time_s["mag"] += _time.perf_counter() - t0

    def _mag_l1(self, ds: xr.Dataset) -> xr.Dataset:
        raw = mag_raw(L0(datasets={"mag_vectors": ds}))
        t = _ns(raw["time"].values)
        n_vec = ds["n_vectors"].values.astype(np.int64)
        period = ds["period_ns"].values.astype(np.int64)
        first = np.r_[0, np.cumsum(n_vec)[:-1]]
        # packets lost before each packet (sequence counts): in the file, and at its start (the boundary's)
        seq = ds["sequence_count"].values.astype(np.int64)
        lost = ds["boundary_missing"].values.astype(np.int64).copy()
        lost[1:] += (seq[1:] - seq[:-1] - 1) % SEQUENCE_COUNT_MODULO
        fill_times = []
        for i in np.flatnonzero(lost):
            if first[i] > 0:
                before = t[first[i] - 1]
            elif self._mag_before is not None:
                before = int(self._mag_before.astype(np.int64))
            else:
                continue
            fill_times.append(np.arange(before + period[i], t[first[i]], period[i]))
        self._mag_before = np.datetime64(int(t[-1]), "ns")
        quality = raw["telemetry_quality"].values
        lost_mask = np.zeros(t.size, dtype=bool)
        if fill_times:
            ft = np.concatenate(fill_times)
            fill = xr.Dataset(
                {
                    "counts_inboard": (("time", "component"), np.full((ft.size, 3), INT32_FILL, np.int32)),
                    "counts_outboard": (("time", "component"), np.full((ft.size, 3), INT32_FILL, np.int32)),
                    "telemetry_quality": ("time", np.zeros(ft.size, np.uint8)),
                },
                coords={"time": ft.astype("datetime64[ns]"), "component": ["x", "y", "z"]},
            )
            order = np.argsort(np.r_[t, ft], kind="stable")
            raw = xr.concat([raw, fill], dim="time", combine_attrs="override").isel(time=order)
            lost_mask = np.r_[np.zeros(t.size, bool), np.ones(ft.size, bool)][order]
            quality = raw["telemetry_quality"].values
        l1 = make_l1(raw)
        timeq = (quality & _L0_TIME_BITS) > 0
        for s in ("inboard", "outboard"):
            flag = (
                l1[f"flag_{s}"].values | np.where(lost_mask, MAG_L1_LOST, 0) | np.where(timeq, MAG_L1_TIME, 0)
            )
            l1[f"flag_{s}"] = (
                "time",
                flag.astype(np.uint8),
                {**l1[f"flag_{s}"].attrs, "FLAG_BITS": _MAG_L1_TEXT},
            )
        m = self.summary["mag"]
        m["l1_vectors"] += int(l1.sizes["time"])
        m["lost_vectors"] += int(lost_mask.sum())
        m["time_flagged_vectors"] += int(timeq.sum())
        return l1

    def _mag_l2(self, *, final: bool) -> None:
        p = self.pending
        if p.mag_l1 is None or p.mag_l1.sizes["time"] == 0:
            return
        times = p.mag_l1["time"].values
        att, covered = self._attitude(times)
        ready = np.ones(times.size, dtype=bool)
        if not final:  # wait for the next attitude sample
            ready = times <= (p.hk_time[-1] if p.hk_time.size else times[0] - np.timedelta64(1, "ns"))
        if not ready.any():
            return
        l1 = p.mag_l1.isel(time=np.flatnonzero(ready))
        cov = covered[ready]
        rest = p.mag_l1.isel(time=np.flatnonzero(~ready))
        sources = set(p.mag_l1_sources)
        p.mag_l1 = rest if rest.sizes["time"] else None
        if not rest.sizes["time"]:
            p.mag_l1_sources = set()
        if not cov.any() and self.summary["hk"]["samples"] == 0:
            self.summary["mag"]["no_attitude_vectors"] += int(cov.size)
            self.summary["errors"].append({
                "chain": "mag_l2",
                "error": f"no attitude (no housekeeping packets) for {cov.size} vectors from {times[0]}: "
                "no L2 written for them",
            })  # fmt: skip
            return
        if cov.any():
            l2c = make_l2(l1.isel(time=np.flatnonzero(cov)), att, self.calibration)
        else:  # L2's structure only (a fixed rotation, no sample kept): every sample NaN and flagged below
            l2c = make_l2(l1, np.eye(3), self.calibration).isel(time=slice(0, 0))
            l2c.attrs["sc_dipole_coefficient_nT_m3"] = np.full(3, np.nan)
        l2 = _expand(l2c, l1["time"].values, cov)
        q = l2["quality"].values
        flag = l1["flag_inboard"].values
        q |= np.where(~cov, MAG_L2_NO_ATTITUDE | NO_DATA, 0).astype(np.uint16)
        q |= np.where(flag & MAG_L1_LOST, MAG_L2_LOST, 0).astype(np.uint16)
        q |= np.where(flag & MAG_L1_TIME, MAG_L2_TIME, 0).astype(np.uint16)
        l2["quality"] = ("time", q, {**l2c["quality"].attrs, "FLAG_BITS": _MAG_L2_TEXT})
        name = self._write(write_mag_l2, "mag", "l2", l2, sources)
        p.mag_l2_products = [*p.mag_l2_products[-3:], (l2["time"].values[0], l2["time"].values[-1], name)]
        m = self.summary["mag"]
        m["l2_vectors"] += int(l2.sizes["time"])
        m["no_attitude_vectors"] += int((~cov).sum())
        m["l2_flagged_vectors"] += int((q != 0).sum())
        p.mag_l2 = l2 if p.mag_l2 is None else xr.concat([p.mag_l2, l2], dim="time", combine_attrs="override")

    # ------------------------------------------------------------------ LIA
    def _lia(self, l0: L0, source: str, *, final: bool = False) -> None:
        t0 = _time.perf_counter()
        p = self.pending
        ds = None if l0 is None else self._select_new(l0, "lia_distribution", same_time=True)
        if ds is not None:
            ds = ds.drop_vars("boundary_missing")
            p.lia = ds if p.lia is None else xr.concat([p.lia, ds], dim="packet")
            p.lia_sources.add(source)
        if p.lia is not None and p.lia.sizes["packet"]:
            half = self.lia_half_window
            t = p.lia["time"].values
            if final:
                ready = np.ones(t.size, dtype=bool)
            else:
                l2_end = p.mag_l2["time"].values[-1] if p.mag_l2 is not None else None
                ready = (t < t.max()) & ((t + half <= l2_end) if l2_end is not None else False)
            if ready.any():  # products of at most a block of distributions each: memory stays a block's
                packets = p.lia.isel(packet=np.flatnonzero(ready))
                times = packets["time"].values
                edges = np.unique(times)[::DISTRIBUTIONS_PER_BLOCK]
                block = np.searchsorted(edges, times, side="right")
                for k in np.unique(block):
                    self._lia_products(packets.isel(packet=np.flatnonzero(block == k)), set(p.lia_sources))
                p.lia = p.lia.isel(packet=np.flatnonzero(~ready))
                if not p.lia.sizes["packet"]:
                    p.lia, p.lia_sources = None, set()
        # what the next file still needs of MAG L2 and housekeeping
        oldest = [x for x in (p.lia["time"].values.min() if p.lia is not None else None,) if x is not None]
        if p.mag_l2 is not None:
            half = self.lia_half_window
            keep_from = min(oldest) - half if oldest else p.mag_l2["time"].values[-1] - 2 * half
            p.mag_l2 = p.mag_l2.isel(time=np.flatnonzero(p.mag_l2["time"].values >= keep_from))
            if not p.mag_l2.sizes["time"]:
                p.mag_l2 = None
        starts = [x for x in (*oldest, p.mag_l1["time"].values[0] if p.mag_l1 is not None else None,
                              self._imaging_oldest()) if x is not None]  # fmt: skip
        self._trim_hk(min(starts) if starts else (p.hk_time[-1] if p.hk_time.size else None))
        self.time_s["lia"] += _time.perf_counter() - t0

    def _lia_products(self, packets: xr.Dataset, sources: set) -> None:
        counts = lia_counts(L0(datasets={"lia_distribution": packets}))
        c = counts["counts"].values
        tq = counts["telemetry_quality"].values
        lost = (tq & LIA_PART_MISSING) > 0
        flag = np.where(lost, LIA_LOST, 0) | np.where(tq & _L0_TIME_BITS, LIA_TIME, 0)
        times = counts["time"].values
        att, covered = self._attitude(times)
        rotation = np.broadcast_to(np.eye(3), (times.size, 3, 3)).copy()
        if covered.any():
            rotation[covered] = body_to_gse_values(att, times[covered])
        b = np.full((times.size, 3), np.nan)
        if self.pending.mag_l2 is not None:
            b = average_field(
                self.pending.mag_l2, times, window=self.settings.lia_field_window_s * u.s
            ).to_value(u.nT)
        usable = covered & np.isfinite(b).all(axis=1)
        flag |= np.where(~usable, LIA_NO_FIELD, 0)
        good = usable & ~lost
        l1 = counts.drop_vars("telemetry_quality").assign(
            counts=(counts["counts"].dims, np.where(c < 0, 0, c).astype(np.int32), {"units": "counts"}),
            quality_flag=("time", flag.astype(np.uint8), {"units": " ", "bits": str(_LIA_BITS)}),
            spacecraft_potential=("time", np.full(times.size, _potential()), {"units": "V"}),
            lia_to_gse=(ROTATION_DIMS, lia_to_gse_values(rotation)),
        )
        name = self._write(write_lia_l1, "lia", "l1", l1, sources)
        half = self.lia_half_window
        sources = sources | {  # the MAG L2 products that gave the field
            n
            for first, last, n in self.pending.mag_l2_products
            if first <= times[-1] + half and last >= times[0] - half
        }
        b_dir = np.where(good[:, None], b, [1.0, 0.0, 0.0])
        b_dir = b_dir / np.linalg.norm(b_dir, axis=1, keepdims=True)
        ratio = self.settings.lia_alpha_temperature_ratio or None
        inputs = l1.assign(
            counts=(l1["counts"].dims, np.where(good[:, None, None, None], l1["counts"].values, 0))
        )
        moments = compute_moments(inputs, b_dir, frame="gse", alpha_temperature_ratio=ratio)
        for var in moments.data_vars:
            v = moments[var]
            if var != "quality_flag" and np.issubdtype(v.dtype, np.floating):
                moments[var] = v.where(xr.DataArray(good, dims="time"))
        quality = np.where(good, moments["quality_flag"].values, 0).astype(np.uint8) | flag.astype(np.uint8)
        moments["quality_flag"] = ("time", quality, {"units": " ", "bits": str(_LIA_BITS)})
        self._write(write_lia_l2, "lia", "l2", moments, sources | {name})
        s = self.summary["lia"]
        s["distributions"] += int(times.size)
        s["parts_lost_distributions"] += int(lost.sum())
        s["no_field_distributions"] += int((~usable).sum())
        s["moments"] += int(good.sum())
        s["flagged_distributions"] += int((moments["quality_flag"].values != 0).sum())

    # ------------------------------------------------------------------ SXI and UVI
    def _collect(self, l0: L0 | None, names, chain: str, source: str) -> None:
        """Add the new packets of ``names`` to those waiting."""
        if l0 is None:
            return
        p = self.pending
        for name in names:
            ds = self._select_new(l0, name, same_time=True)
            if ds is None:
                continue
            ds = ds.drop_vars("boundary_missing")
            again = np.isin(_imaging_keys(ds, name), list(p.imaging_done))  # of a product already made
            if name in p.imaging:  # a packet already waiting (same time and sequence count) is a replay
                old = p.imaging[name]
                seen = set(
                    zip(_ns(old["time"].values).tolist(), old["sequence_count"].values.tolist(), strict=True)
                )
                t_new, s_new = _ns(ds["time"].values).tolist(), ds["sequence_count"].values.tolist()
                again |= np.array([k in seen for k in zip(t_new, s_new, strict=True)], dtype=bool)
            if again.any():
                late = self.summary["late_packets"]
                late[name] = late.get(name, 0) + int(again.sum())
                ds = ds.isel(packet=np.flatnonzero(~again))
            if name in p.imaging:
                ds = xr.concat([p.imaging[name], ds], dim="packet")
            p.imaging[name] = ds
            p.imaging_sources.setdefault(chain, set()).add(source)

    def _keep(self, name: str, drop: np.ndarray) -> None:
        ds = self.pending.imaging[name]
        ds = ds.isel(packet=np.flatnonzero(~drop))
        if ds.sizes["packet"]:
            self.pending.imaging[name] = ds
        else:
            del self.pending.imaging[name]

    def _imaging_oldest(self):
        """The oldest time of the SXI and UVI packets waiting (their attitude must be kept)."""
        times = [ds["time"].values.min() for ds in self.pending.imaging.values() if ds.sizes["packet"]]
        return min(times) if times else None

    def _hk_dataset(self) -> xr.Dataset:
        return xr.Dataset(
            {"quaternion": (("time", "quaternion_component"), self.pending.hk_quat)},
            coords={"time": self.pending.hk_time, "quaternion_component": ["x", "y", "z", "w"]},
        )

    def _position(self, chain: str, what: str, middle) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The ephemeris at ``middle``, or None (counted as skipped; outside the file: an error entry)."""
        if self.ephemeris is None:
            self.summary[chain]["skipped_" + ("exposures" if chain == "sxi" else "images")] += 1
            return None, None
        position, boresight = ephemeris_at(self.ephemeris, middle)
        if not np.isfinite(position).all():
            self.summary[chain]["skipped_" + ("exposures" if chain == "sxi" else "images")] += 1
            self.summary["errors"].append({"chain": chain, "error": f"{what} at {middle} is outside the time "
                                           f"span of {EPHEMERIS_FILE}: skipped"})  # fmt: skip
            return None, None
        return position, boresight

    def _imaging_name(self, instrument: str, level: str, descriptor: str, start) -> str:
        version = next_version(self.out, instrument, level, descriptor, start, "fits")
        return product_name(instrument, level, descriptor, start, version, ext="fits")

    def _sxi(self, l0: L0 | None, source: str, *, final: bool = False) -> None:
        t0 = _time.perf_counter()
        p = self.pending
        self._collect(l0, ("sxi_frame_header", "sxi_events"), "sxi", source)
        if "sxi_frame_header" not in p.imaging:
            if final and "sxi_events" in p.imaging:  # events of exposures none of whose headers arrived
                self.summary["sxi"]["untimed_events"] += int(p.imaging.pop("sxi_events")["n_events"].sum())
            self.time_s["sxi"] += _time.perf_counter() - t0
            return
        events, frames = sxi_events(L0(datasets=dict(p.imaging)), self.correlation)
        ids = frames["exposure_id"].values
        for eid in np.unique(ids):
            fr = frames.isel(frame_index=np.flatnonzero(ids == eid))
            n = int(fr["n_frames"].values[0])
            start = fr["exposure_start"].values[0]
            stop = start + np.timedelta64(round(n * float(fr["frame_s"].values[0]) * 1e9), "ns")
            complete = (
                set(fr["frame"].values.tolist()) == set(range(n))
                and not (fr["quality"].values & SXI_EVENTS_MISSING).any()
            )
            covered = p.hk_time.size > 0 and p.hk_time[-1] >= stop
            if not (final or (complete and covered)):
                continue
            self._sxi_exposure(events, fr, int(eid), start, stop)
            p.imaging_done.append(f"sxi {int(eid)}")
            self._keep("sxi_frame_header", p.imaging["sxi_frame_header"]["exposure_id"].values == eid)
            if "sxi_events" in p.imaging:
                self._keep("sxi_events", p.imaging["sxi_events"]["exposure_id"].values == eid)
        if final and "sxi_events" in p.imaging:
            self.summary["sxi"]["untimed_events"] += int(p.imaging.pop("sxi_events")["n_events"].sum())
        if not any(k in p.imaging for k in ("sxi_frame_header", "sxi_events")):
            p.imaging_sources.pop("sxi", None)
        self.time_s["sxi"] += _time.perf_counter() - t0

    def _sxi_exposure(self, events, frames, eid: int, start, stop) -> None:
        middle = start + (stop - start) // 2
        position, _ = self._position("sxi", f"SXI exposure {eid}", middle)
        if position is None:
            return
        sources = sorted(self.pending.imaging_sources.get("sxi", ()))
        try:
            l1, table = _sxi.event_list_from_telemetry(
                events, frames, self._hk_dataset(), position * RE, exposure_id=eid
            )
        except (InputError, TelemetryError) as exc:
            self.summary["sxi"]["skipped_exposures"] += 1
            self.summary["errors"].append({"chain": "sxi", "exposure_id": eid, "error": f"skipped: {exc}"})
            return
        s = self.summary["sxi"]
        s["exposures"] += 1
        s["events"] += len(l1)
        s["frames_lost"] += int(table.attrs["frames_lost"])
        s["events_dropped"] += int(table.attrs["events_dropped"])
        name1 = self._imaging_name("sxi", "l1", "events", start)
        config = {**self.config, "sxi_l2_background": "fitted"}
        sxi_fits.write_l1(
            l1, self.out / name1, provenance=provenance([*sources, *self.aux], config), losses=table.attrs
        )
        self.summary["products"].append(name1)
        if table.attrs["frames_lost"] or table.attrs["events_dropped"]:
            s["lossy_exposures"].append({"exposure_id": eid, "product": name1,
                                         "frames_lost": int(table.attrs["frames_lost"]),
                                         "events_dropped": int(table.attrs["events_dropped"])})  # fmt: skip
        try:
            l2 = _sxi.make_l2(l1, background="fitted")
        except (InputError, ModelDomainError) as exc:
            self.summary["errors"].append({"chain": "sxi_l2", "exposure_id": eid, "error": f"no L2: {exc}"})
            return
        name2 = self._imaging_name("sxi", "l2", "images", start)
        sxi_fits.write_l2(l2, self.out / name2, provenance=provenance([*sources, name1, *self.aux], config))
        self.summary["products"].append(name2)
        if self.settings.make_l3:
            self._sxi_retrievals(l2, name2, middle, eid, position)

    def _sxi_retrievals(self, l2: xr.Dataset, name: str, middle, eid: int, position) -> None:
        """The stand-off by every method and the cusp edges of one L2 image, kept for the SXI L3 file."""
        t0 = _time.perf_counter()
        state = None
        if self.upstream is not None:
            first, last = self.upstream.time.values[[0, -1]]
            if first <= middle <= last:
                state = self.upstream.at(middle)
        try:
            found, cusp = retrieve_image(l2, solar_wind=state)
        except (InputError, ModelDomainError) as exc:
            self.summary["errors"].append({"chain": "sxi_l3", "exposure_id": eid, "error": f"no L3: {exc}"})
        else:
            flux = (
                np.nan
                if state is None
                else float((state.n * np.linalg.norm(state.v_gse)).to_value(u.cm**-2 / u.s))
            )
            self.l3["sxi"].append((name, list(found.values()), cusp, l2["time"].values[0], position, flux))
        self.time_s["l3"] += _time.perf_counter() - t0

    def _uvi(self, l0: L0 | None, source: str, *, final: bool = False) -> None:
        t0 = _time.perf_counter()
        p = self.pending
        self._collect(l0, ("uvi_image",), "uvi", source)
        if "uvi_image" in p.imaging:
            for raw in uvi_images(L0(datasets={"uvi_image": p.imaging["uvi_image"]})):
                start = np.datetime64(raw.attrs["time"], "ns")
                stop = start + np.timedelta64(round(raw.attrs["exposure_s"] * 1e9), "ns")
                covered = p.hk_time.size > 0 and p.hk_time[-1] >= stop
                if not (final or (raw.attrs["missing_rows"] == 0 and covered)):
                    continue
                self._uvi_image(raw, start, stop)
                p.imaging_done.append(f"uvi {int(start.astype(np.int64))} {int(raw.attrs['image_id'])}")
                ds = p.imaging["uvi_image"]
                self._keep("uvi_image", (ds["time"].values == start)
                           & (ds["image_id"].values == raw.attrs["image_id"]))  # fmt: skip
            if "uvi_image" not in p.imaging:
                p.imaging_sources.pop("uvi", None)
        self.time_s["uvi"] += _time.perf_counter() - t0

    def _uvi_image(self, raw: xr.DataArray, start, stop) -> None:
        middle = start + (stop - start) // 2
        position, boresight = self._position("uvi", f"UVI image {raw.attrs['image_id']}", middle)
        if position is None:
            return
        sources = sorted(self.pending.imaging_sources.get("uvi", ()))
        try:
            dn, geometry = _uvi.image_from_telemetry(
                raw, self._hk_dataset(), position * RE, uvi_boresight_gse=boresight
            )
            l1 = _uvi.make_l1(dn)
        except (InputError, ModelDomainError) as exc:
            self.summary["uvi"]["skipped_images"] += 1
            self.summary["errors"].append({"chain": "uvi", "image_id": int(raw.attrs["image_id"]),
                                           "time": str(start), "error": f"skipped: {exc}"})  # fmt: skip
            return
        s = self.summary["uvi"]
        s["images"] += 1
        s["missing_rows"] += int(raw.attrs["missing_rows"])
        s["images_with_lost_rows"] += int(raw.attrs["missing_rows"] > 0)
        name1 = self._imaging_name("uvi", "l1", "images", start)
        record = provenance([*sources, *self.aux], self.config)
        uvi_fits.write_l1(l1, self.out / name1, geometry=geometry, provenance=record)
        self.summary["products"].append(name1)
        if raw.attrs["missing_rows"]:
            s["lossy_images"].append({"image_id": int(raw.attrs["image_id"]), "product": name1,
                                      "missing_rows": int(raw.attrs["missing_rows"])})  # fmt: skip
        try:
            l2 = _uvi.make_l2(l1, geometry)
        except (InputError, ModelDomainError) as exc:
            self.summary["errors"].append({"chain": "uvi_l2", "time": str(start), "error": f"no L2: {exc}"})
            return
        name2 = self._imaging_name("uvi", "l2", "images", start)
        record = provenance([*sources, name1, *self.aux], self.config)
        uvi_fits.write_l2(l2, self.out / name2, geometry=geometry, provenance=record)
        self.summary["products"].append(name2)
        if self.settings.make_l3:
            t0 = _time.perf_counter()
            self.l3["uvi"].append((name2, image_boundaries(l2), image_hemispheric_power(l2), start))
            self.time_s["l3"] += _time.perf_counter() - t0

    def _write_l3(self) -> None:
        """The SXI and UVI L3 files of the run, each over all its images (module docstring)."""
        t0 = _time.perf_counter()
        for chain, kept in self.l3.items():
            if not kept:
                continue
            kept = sorted(kept, key=lambda k: k[3])  # an image that waited for a lost part came later
            first = kept[0][3]  # the start of the first image: the mission's file-name rule
            version = next_version(self.out, chain, "l3", "boundaries", first, "cdf")
            name = product_name(chain, "l3", "boundaries", first, version, ext="cdf")
            record = provenance([k[0] for k in kept] + self.aux, self.config)
            text = f"SMILE {chain.upper()} L3 made from telemetry by smilekit.pipeline."
            if chain == "sxi":
                flux = np.array([k[5] for k in kept])
                write_l3_cdf(self.out / name, [k[1] for k in kept], [k[2] for k in kept], text=text,
                             sc_position=np.array([k[4] for k in kept]) * RE,
                             flux=flux / u.cm**2 / u.s if np.isfinite(flux).all() else None,
                             overwrite=False, provenance=record)  # fmt: skip
            else:
                write_uvi_l3_cdf(self.out / name, [k[1] for k in kept], [k[2] for k in kept], text=text,
                                 overwrite=False, provenance=record)  # fmt: skip
            self.summary[chain]["l3_images"] = len(kept)
            self.summary["products"].append(name)
        self.time_s["l3"] += _time.perf_counter() - t0

    def quicklooks(self) -> None:
        """The quick-look figure of every L2 and L3 product written (:mod:`smilekit.products.quicklooks`)."""
        t0 = _time.perf_counter()
        for name in list(self.summary["products"]):
            if parse_product_name(name).level in ("l2", "l3"):
                self.summary["quicklooks"].append(write_quicklook(self.out / name).name)
        self.time_s["quicklooks"] = _time.perf_counter() - t0

    def finish(self) -> None:
        self._sxi(None, "", final=True)
        self._uvi(None, "", final=True)
        self._mag_l2(final=True)
        self._lia(None, "", final=True)
        self._write_l3()


def _imaging_keys(ds: xr.Dataset, name: str) -> list[str]:
    """The exposure (SXI) or image (UVI) each packet of ``ds`` belongs to, as ``_Pending.imaging_done``
    holds them."""
    if name == "uvi_image":
        t = _ns(ds["time"].values)
        return [f"uvi {a} {b}" for a, b in zip(t.tolist(), ds["image_id"].values.tolist(), strict=True)]
    return [f"sxi {e}" for e in ds["exposure_id"].values.tolist()]


def _potential() -> float:
    from smilekit.instruments.lia.config import LIAConfig

    return float(LIAConfig.resolve(None).values.potential_v)


def _expand(l2c: xr.Dataset, time: np.ndarray, covered: np.ndarray) -> xr.Dataset:
    """``l2c`` (on the covered samples) on all of ``time``: NaN (floats) or 0 (quality) elsewhere."""
    if covered.all():
        return l2c
    data = {}
    for name, var in l2c.data_vars.items():
        fillv = np.nan if np.issubdtype(var.dtype, np.floating) else 0
        arr = np.full((time.size, *var.shape[1:]), fillv, dtype=var.dtype)
        arr[covered] = var.values
        data[name] = (var.dims, arr, var.attrs)
    return xr.Dataset(data, coords={"time": time, "component": l2c["component"].values}, attrs=l2c.attrs)


def _inputs(l0_dir: Path) -> list[Path]:
    if not l0_dir.is_dir():
        raise InputError(
            f"L0_DIR {l0_dir} is not a folder; give the folder of packet files (*{PACKET_SUFFIX})"
        )
    files = sorted(f for f in l0_dir.iterdir() if f.suffix == PACKET_SUFFIX and f.is_file())
    if not files:
        raise InputError(f"L0_DIR {l0_dir} holds no packet files (*{PACKET_SUFFIX})")
    return files


def process(l0_dir, out, *, settings: ProcessingSettings | None = None) -> dict:
    """Process an L0 folder into MAG, LIA, SXI and UVI L1 and L2 products, SXI and UVI L3 (module docstring).

    Parameters
    ----------
    l0_dir : path-like
        The packet files (``*.bin``) and the auxiliary files (:mod:`~.pipeline.auxiliary`).
    out : path-like
        The output folder (made if missing). Products already there are kept: a new run writes the next
        version of each name (``_v02``...).
    settings : ProcessingSettings, optional
        Overrides ``processing.json`` of ``l0_dir`` (default: that file, else the defaults).

    Returns
    -------
    dict
        The summary, also written to ``out/summary.json``: the files, bad regions, gaps, losses per APID,
        late packets, errors, per-chain counts, products, the time spent in each stage.

    Raises
    ------
    InputError
        For an ``l0_dir`` that is not a folder or holds no packet file, a missing or malformed auxiliary
        file (naming it), or an ``out`` that is a file.
    """
    t_start = _time.perf_counter()
    l0_dir, out = Path(l0_dir), Path(out)
    files = _inputs(l0_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"out {out} is an existing file, not a folder")
    correlation = read_time_correlation(l0_dir / TIME_CORRELATION_FILE)
    calibration = read_mag_calibration(l0_dir / MAG_CALIBRATION_FILE)
    aux = [TIME_CORRELATION_FILE, MAG_CALIBRATION_FILE]
    ephemeris = None
    if (l0_dir / EPHEMERIS_FILE).exists():
        ephemeris = read_ephemeris(l0_dir / EPHEMERIS_FILE)
        aux.append(EPHEMERIS_FILE)
    upstream = None
    if (l0_dir / SOLAR_WIND_FILE).exists():
        upstream = read_upstream(l0_dir / SOLAR_WIND_FILE)
        aux.append(SOLAR_WIND_FILE)
    if settings is None:
        if (l0_dir / SETTINGS_FILE).exists():
            settings = read_settings(l0_dir / SETTINGS_FILE)
            aux.append(SETTINGS_FILE)
        else:
            settings = ProcessingSettings()
    elif not isinstance(settings, ProcessingSettings):
        raise InputError(f"settings must be a ProcessingSettings, got {type(settings).__name__}")
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(out, correlation, calibration, settings, aux, ephemeris, upstream)
    try:
        for f in files:
            run.add_file(f)
        run.finish()
        if settings.make_quicklooks:
            run.quicklooks()
    except (InputError, ProductError, TelemetryError) as exc:
        run.summary["errors"].append({"error": f"processing stopped: {exc}"})
        _write_summary(run, l0_dir, out, t_start)
        raise
    return _write_summary(run, l0_dir, out, t_start)


def _write_summary(run: _Run, l0_dir: Path, out: Path, t_start: float) -> dict:
    s = run.summary
    s["l0_dir"] = str(l0_dir)
    s["elapsed_s"] = _time.perf_counter() - t_start
    s["time_s"] = dict(run.time_s)
    write_text(out / SUMMARY_FILE, json.dumps(jsonable(s), indent=1, default=str) + "\n")
    return s
