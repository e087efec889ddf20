"""Level 0: packet files -> an xarray Dataset per APID, time ordered, de-duplicated, every loss recorded.

The steps (:func:`read_l0`):

1. **Scan** each file (:func:`scan_stream`): walk the primary headers; a packet is good when its header is
   a smilekit telemetry header (version 0, type 0, secondary header, unsegmented, a length within the file)
   and its CRC (:func:`~smilekit.telemetry.packets.crc16_many`) matches. Anything else is a *bad region*
   (file, byte offset, octets, reason: CRC mismatch, a length beyond the end of the file, a truncated
   header, a corrupt header, garbage); the scan resynchronises at the next offset where a good packet of a
   known APID starts, so the rest of the stream is still decoded. A good packet of an unknown APID is
   skipped and recorded. (After :data:`RESYNC_BUDGET` octets of CRC work in one bad region, as a crafted
   run of header-like bytes would cost, a candidate must also be followed by another header or the end of
   the file: a good packet directly followed by garbage deep in such a region is then counted with it;
   after four times as much the scan gives up on the rest of that file, and records that it did.)
2. **Sort and de-duplicate**: per APID by on-board time then sequence count; a packet with the same APID,
   sequence count and time as one already kept is a duplicate (removed, counted).
3. **Gaps**: per APID, consecutive kept packets whose sequence counts (modulo 16384) are not consecutive:
   the missing counts are a gap (a run of 16384 or more lost packets cannot be seen from the counts alone).
4. **Decode** the good packets of each APID with its ccsdspy definition (:mod:`.layouts`; split by APID
   with :func:`ccsdspy.utils.split_by_apid`).
5. **Time**: CUC -> UTC through the time-correlation table (:mod:`.obtime`).

Quality bits per packet (:data:`L0_QUALITY`): the time-correlation bits of :mod:`.obtime`, a gap just
before the packet, a duplicate of it received and dropped. The :class:`L0` result holds the datasets, the
bad regions, the gaps and a loss report per APID; nothing lost is dropped silently.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import ccsdspy
import ccsdspy.utils
import numba
import numpy as np
import xarray as xr

from smilekit.errors import TelemetryError
from smilekit.telemetry.layouts import APID, LAYOUTS
from smilekit.telemetry.obtime import TIME_EXTRAPOLATED, TIME_JUMP, TimeCorrelation
from smilekit.telemetry.packets import (
    _CRC_TABLE,
    CUC_FINE_PER_S,
    MIN_PACKET_BYTES,
    PRIMARY_HEADER_BYTES,
    SEQUENCE_COUNT_MODULO,
    decode_cuc_ticks,
    decode_primary_headers,
)

__all__ = [
    "DUPLICATE_DROPPED",
    "GAP_BEFORE",
    "L0",
    "L0_QUALITY",
    "SEGMENT_OCTETS",
    "iter_l0",
    "read_l0",
    "scan_stream",
]

#: Quality bit: sequence counts are missing just before this packet (a gap).
GAP_BEFORE = 4
#: Quality bit: a duplicate of this packet was received and dropped.
DUPLICATE_DROPPED = 8
#: Octets of packets :func:`iter_l0` decodes at once.
SEGMENT_OCTETS = 32 * 2**20
#: The L0 quality bits.
L0_QUALITY = {
    TIME_EXTRAPOLATED: "time extrapolated before the first time-correlation row",
    TIME_JUMP: "time converted next to a jump in the time-correlation table",
    GAP_BEFORE: "packets missing just before this one (sequence-count gap)",
    DUPLICATE_DROPPED: "a duplicate of this packet was received and dropped",
}

# scan status codes (kernel -> reason)
_OK, _SHORT_HEADER, _BAD_HEADER, _UNKNOWN_APID, _PAST_END, _TOO_SHORT, _BAD_CRC = range(7)
_REASONS = {
    _SHORT_HEADER: "truncated: fewer than 6 octets left for a primary header",
    _BAD_HEADER: "corrupt header (not version 0, telemetry, secondary header, unsegmented)",
    _UNKNOWN_APID: "unknown APID",
    _PAST_END: "the packet length runs past the end of the file (truncated packet or a huge length)",
    _TOO_SHORT: "packet length shorter than the headers and CRC",
    _BAD_CRC: "CRC mismatch (bit errors, a wrong length or a truncated packet)",
}


@numba.njit(cache=True, nogil=True)
def _walk(buf, start, known, table, out_start, out_len):
    """Kernel: accept consecutive good packets from ``start``; returns (found, stop offset, status)."""
    size = buf.shape[0]
    pos = start
    n = 0
    while pos < size:
        if size - pos < 6:
            return n, pos, 1
        b0 = buf[pos]
        if (b0 >> 3) != 1 or (buf[pos + 2] >> 6) != 3:
            return n, pos, 2
        total = ((np.int64(buf[pos + 4]) << 8) | buf[pos + 5]) + 7
        if total < 14:
            return n, pos, 5
        if pos + total > size:
            return n, pos, 4
        crc = 0xFFFF
        for i in range(pos, pos + total - 2):
            crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ buf[i]) & 0xFF]
        if crc != ((np.int64(buf[pos + total - 2]) << 8) | buf[pos + total - 1]):
            return n, pos, 6
        apid = ((np.int64(b0) & 7) << 8) | buf[pos + 1]
        if not known[apid]:
            return n, pos, 3
        out_start[n] = pos
        out_len[n] = total
        n += 1
        pos += total
    return n, pos, 0


#: Octets of CRC work one resynchronisation spends before it also asks a candidate to be followed by
#: another header (or the end of the file): bounds the time a crafted file of header-like bytes can cost.
RESYNC_BUDGET = 64 * 2**20


@numba.njit(cache=True, nogil=True)
def _resync(buf, candidates, first, table, known, budget):
    """Kernel: the first candidate offset from index ``first`` whose packet's CRC matches (else the end).

    Past ``budget`` octets of CRC work a candidate must also be followed by a plausible header of a known
    APID or by the end of the buffer before its CRC is computed; past four times the budget the search
    gives up and returns minus the offset it reached.
    """
    size = buf.shape[0]
    spent = 0
    for k in range(first, candidates.shape[0]):
        c = candidates[k]
        total = ((np.int64(buf[c + 4]) << 8) | buf[c + 5]) + 7
        if spent > 4 * budget:
            return -c
        if spent > budget:
            e = c + total
            if e != size:
                if e + 6 > size or (buf[e] >> 3) != 1 or (buf[e + 2] >> 6) != 3:
                    continue
                if not known[((np.int64(buf[e]) & 7) << 8) | buf[e + 1]]:
                    continue
        spent += total
        crc = 0xFFFF
        for i in range(c, c + total - 2):
            crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ buf[i]) & 0xFF]
        if crc == ((np.int64(buf[c + total - 2]) << 8) | buf[c + total - 1]):
            return c
    return size


def _candidates(buf: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Offsets where a header of a known APID could start, its length within the buffer (vectorised)."""
    if buf.size < MIN_PACKET_BYTES:
        return np.zeros(0, dtype=np.int64)
    b = buf.astype(np.int64)
    head_ok = ((b[:-5] >> 3) == 1) & ((b[2:-3] >> 6) == 3)
    idx = np.flatnonzero(head_ok)
    apid = ((b[idx] & 7) << 8) | b[idx + 1]
    total = ((b[idx + 4] << 8) | b[idx + 5]) + 7
    keep = known[apid] & (total >= MIN_PACKET_BYTES) & (idx + total <= buf.size)
    return idx[keep]


def scan_stream(data, *, source: str = "<bytes>", known_apids=None) -> tuple[np.ndarray, np.ndarray, list]:
    """The good packets of a stream and its bad regions (module docstring, step 1).

    Parameters
    ----------
    data : bytes or numpy.ndarray of uint8
        The stream.
    source : str
        The file name, for the records.
    known_apids : iterable of int, optional
        The APIDs to accept (default those of :data:`~smilekit.telemetry.layouts.LAYOUTS`).

    Returns
    -------
    starts, lengths : numpy.ndarray of int64
        Offset and octets of every good packet, in stream order.
    bad : list of dict
        One per bad region: ``file``, ``offset``, ``nbytes``, ``apid`` (of the header there, -1 if none),
        ``reason``.
    """
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    known = np.zeros(2048, dtype=np.bool_)
    known[list(LAYOUTS) if known_apids is None else list(known_apids)] = True
    cap = buf.size // MIN_PACKET_BYTES + 1
    out_start = np.empty(cap, dtype=np.int64)
    out_len = np.empty(cap, dtype=np.int64)
    starts, lengths, bad = [], [], []
    candidates = None
    pos = 0
    while pos < buf.size:
        n, stop, status = _walk(buf, pos, known, _CRC_TABLE, out_start, out_len)
        starts.append(out_start[:n].copy())
        lengths.append(out_len[:n].copy())
        if status == _OK:
            break
        apid = -1
        if buf.size - stop >= PRIMARY_HEADER_BYTES:
            apid = int(decode_primary_headers(buf[stop : stop + 6])["apid"][0])
        if status == _UNKNOWN_APID:  # a good packet (CRC checked) of an APID not in the table: skip it
            total = ((int(buf[stop + 4]) << 8) | int(buf[stop + 5])) + 7
            bad.append({"file": source, "offset": int(stop), "nbytes": total, "apid": apid,
                        "reason": f"{_REASONS[_UNKNOWN_APID]} {apid}: packet skipped"})  # fmt: skip
            pos = stop + total
            continue
        if candidates is None:
            candidates = _candidates(buf, known)
        first = np.searchsorted(candidates, stop, side="right")
        nxt = int(_resync(buf, candidates, first, _CRC_TABLE, known, RESYNC_BUDGET))
        if nxt < 0:
            bad.append({"file": source, "offset": int(stop), "nbytes": int(buf.size - stop), "apid": apid,
                        "reason": f"{_REASONS[status]}; resynchronisation abandoned at offset {-nxt} after "
                        f"{4 * RESYNC_BUDGET} octets of CRC checks (header-like bytes throughout): the rest "
                        "of the file is not decoded"})  # fmt: skip
            break
        reason = _REASONS[status]
        if status == _PAST_END:
            total = ((int(buf[stop + 4]) << 8) | int(buf[stop + 5])) + 7
            reason += f": claims {total} octets, {buf.size - stop} left"
        bad.append({"file": source, "offset": int(stop), "nbytes": int(nxt - stop), "apid": apid,
                    "reason": reason})  # fmt: skip
        pos = nxt
    if not starts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), bad
    return np.concatenate(starts), np.concatenate(lengths), bad


@dataclass
class L0:
    """The level-0 result of :func:`read_l0`.

    Attributes
    ----------
    datasets : dict
        Layout name -> xarray Dataset on dim ``packet`` (time ordered): ``time`` (UTC datetime64[ns]),
        ``sequence_count``, ``quality`` (:data:`L0_QUALITY` bits), the CUC time and every decoded field
        (arrays on extra dims; the variable-length arrays as object arrays, one per packet).
    bad : list of dict
        The bad regions of every file (:func:`scan_stream`).
    gaps : list of dict
        ``apid``, ``name``, ``after_count``, ``missing`` (packets), ``after_time``, ``before_time``.
    report : dict
        Per layout name: ``received`` (good packets), ``duplicates`` (removed), ``kept``, ``missing``
        (sequence counts never kept: every lost packet, dropped ones included), ``dropped`` (bad regions
        whose header names this APID: CRC mismatches, lengths past the end; a corrupt header's APID may
        itself be wrong), ``octets`` (of the kept packets); ``unknown_apid_packets``, ``bad_octets`` (in
        bad regions, unknown APIDs aside); plus ``files`` (name ->
        octets, good packets, bad regions) and ``time_correlation_jumps``.
    """

    datasets: dict = field(default_factory=dict)
    bad: list = field(default_factory=list)
    gaps: list = field(default_factory=list)
    report: dict = field(default_factory=dict)


def _load(path) -> tuple[np.ndarray, str]:
    """The octets of a packet file (memory-mapped: a pass may hold more than the memory) or of bytes."""
    if isinstance(path, bytes | bytearray):
        return np.frombuffer(bytes(path), dtype=np.uint8), "<bytes>"
    p = Path(path)
    try:
        if p.stat().st_size == 0:
            return np.zeros(0, dtype=np.uint8), str(p)
        return np.asarray(np.memmap(p, dtype=np.uint8, mode="r")), str(p)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise TelemetryError(f"cannot read the packet file {p}: {reason}") from exc


def _scan_file(f, on_error: str, result: L0):
    """Scan one file into ``result``'s bad regions and file report; its octets and good packets."""
    buf, name = _load(f)
    starts, lengths, bad = scan_stream(buf, source=name)
    if buf.size == 0:
        bad.append({"file": name, "offset": 0, "nbytes": 0, "apid": -1, "reason": "empty file"})
    if on_error == "raise" and bad:
        b = bad[0]
        raise TelemetryError(f"{b['file']}: byte offset {b['offset']}: {b['reason']} ({b['nbytes']} octets)")
    result.bad.extend(bad)
    result.report.setdefault("files", {})[name] = {
        "octets": int(buf.size), "good_packets": int(starts.size), "bad_regions": len(bad),
        "bad_octets": int(sum(b["nbytes"] for b in bad)),
    }  # fmt: skip
    return buf, starts, lengths


def read_l0(files, *, correlation: TimeCorrelation | None = None, on_error: str = "record") -> L0:
    """Decode packet files into level 0 (module docstring).

    Parameters
    ----------
    files : path, bytes, or sequence of them
        Packet files (plain concatenations of packets); bytes are read as a stream.
    correlation : TimeCorrelation, optional
        On-board time -> UTC (default :meth:`TimeCorrelation.ideal`).
    on_error : {"record", "raise"}
        "record" (default): bad regions are recorded in :attr:`L0.bad` and the rest decoded; "raise": the
        first bad region raises :class:`~smilekit.errors.TelemetryError` naming the file and offset.

    Returns
    -------
    L0

    Raises
    ------
    TelemetryError
        For a file that cannot be read, or (``on_error="raise"``) any bad region.
    """
    if on_error not in ("record", "raise"):
        raise TelemetryError(f"on_error must be 'record' or 'raise', got {on_error!r}")
    tct = correlation or TimeCorrelation.ideal()
    if isinstance(files, str | Path | bytes | bytearray):
        files = [files]
    result = L0()
    chunks = []
    for f in files:
        buf, starts, lengths = _scan_file(f, on_error, result)
        if starts.size:
            chunks.append((buf, starts, lengths))
    result.report["time_correlation_jumps"] = list(tct.jumps)
    return _summarise(_decode_packets(result, chunks, tct))


def iter_l0(path, *, correlation: TimeCorrelation | None = None, segment_octets: int | None = None):
    """Decode one packet file a segment at a time: :func:`read_l0`'s result for each run of whole packets
    of about ``segment_octets`` (default :data:`SEGMENT_OCTETS`), in file order.

    A ground pass can hold an orbit's data, gigabytes: the file is memory-mapped and scanned once (the bad
    regions and the file's report, with offsets in the file, come with the first segment), then decoded a
    segment at a time, so memory holds one segment's datasets. Sorting, de-duplication and the gaps are
    per segment: a reader that joins the segments (:func:`smilekit.pipeline.process`) checks the sequence
    counts across them as across files.

    Yields
    ------
    L0
        At least one (a file with no good packet yields its report alone).
    """
    tct = correlation or TimeCorrelation.ideal()
    step = SEGMENT_OCTETS if segment_octets is None else int(segment_octets)
    if step < 1:
        raise TelemetryError(f"segment_octets must be a positive number of octets, got {segment_octets!r}")
    first = L0()
    buf, starts, lengths = _scan_file(path, "record", first)
    first.report["time_correlation_jumps"] = list(tct.jumps)
    cuts = np.flatnonzero(np.diff(np.cumsum(lengths) // step)) + 1 if starts.size else []
    pieces = list(zip(np.split(starts, cuts), np.split(lengths, cuts), strict=True)) if starts.size else []
    if not pieces:
        yield _summarise(first)
    for k, (s, n) in enumerate(pieces):
        result = first if k == 0 else L0(report={"time_correlation_jumps": list(tct.jumps)})
        yield _summarise(_decode_packets(result, [(buf, s, n)], tct))


def _decode_packets(result: L0, chunks: list, tct: TimeCorrelation) -> L0:
    """Sort, de-duplicate, find the gaps, decode and time the good packets of ``chunks`` (each: the
    octets of a file, the packets' starts and lengths) into ``result``'s datasets (module docstring)."""
    if not chunks:
        return result
    chunks = [(buf, starts, lengths, buf[starts[:, None] + np.arange(12)]) for buf, starts, lengths in chunks]
    heads = np.concatenate([c[3] for c in chunks])
    hdr = decode_primary_headers(heads[:, :6])
    ticks = decode_cuc_ticks(heads)
    src = np.concatenate([np.full(c[1].size, i) for i, c in enumerate(chunks)])
    pos = np.concatenate([c[1] for c in chunks])
    nbytes = np.concatenate([c[2] for c in chunks])
    for apid in np.unique(hdr["apid"]):
        name = LAYOUTS[int(apid)].name
        sel = np.flatnonzero(hdr["apid"] == apid)
        order = sel[_time_order(hdr["sequence_count"][sel], ticks[sel])]
        seq, tk = hdr["sequence_count"][order], ticks[order]
        dup = np.zeros(order.size, dtype=bool)
        dup[1:] = (seq[1:] == seq[:-1]) & (tk[1:] == tk[:-1])
        kept = order[~dup]
        quality = np.zeros(kept.size, dtype=np.uint8)
        # the kept packet of each run of copies carries the duplicate bit
        run_id = np.cumsum(~dup) - 1
        quality[np.unique(run_id[dup])] |= DUPLICATE_DROPPED
        ks, kt = seq[~dup], tk[~dup]
        missing = (ks[1:] - ks[:-1] - 1) % SEQUENCE_COUNT_MODULO
        gap_at = np.flatnonzero(missing > 0)
        quality[gap_at + 1] |= GAP_BEFORE
        utc, tq = tct.utc_from_obt(kt // CUC_FINE_PER_S, kt % CUC_FINE_PER_S)
        quality |= tq
        for g in gap_at:
            gap = {"apid": int(apid), "name": name, "after_count": int(ks[g]), "missing": int(missing[g])}
            result.gaps.append(gap | {"after_time": utc[g], "before_time": utc[g + 1]})
        stream = b"".join(chunks[src[i]][0][pos[i] : pos[i] + nbytes[i]].tobytes() for i in kept)
        ds = _decode(int(apid), stream)
        bits = "; ".join(f"{k}: {v}" for k, v in L0_QUALITY.items())
        ds = ds.assign_coords(time=("packet", utc)).assign(
            sequence_count=("packet", ks.astype(np.int64)),
            quality=("packet", quality, {"units": " ", "FLAG_BITS": bits}),
        )
        ds.attrs.update({"apid": int(apid), "layout": name, "instrument": LAYOUTS[int(apid)].instrument})
        result.datasets[name] = ds
        result.report[name] = {"received": int(order.size), "duplicates": int(dup.sum()),
                               "kept": int(kept.size), "missing": int(missing.sum()),
                               "octets": int(nbytes[kept].sum())}  # fmt: skip
    return result


def _summarise(result: L0) -> L0:
    """Add the bad regions to the per-APID report and the totals (see :class:`L0`)."""
    empty = {"received": 0, "duplicates": 0, "kept": 0, "missing": 0, "octets": 0}
    for name in APID:
        if name in result.report:
            result.report[name]["dropped"] = 0
    unknown = [b for b in result.bad if b["reason"].startswith(_REASONS[_UNKNOWN_APID])]
    for b in result.bad:
        if b["apid"] in LAYOUTS and b not in unknown:
            entry = result.report.setdefault(LAYOUTS[b["apid"]].name, dict(empty, dropped=0))
            entry["dropped"] += 1
    result.report["unknown_apid_packets"] = len(unknown)
    result.report["bad_octets"] = int(sum(b["nbytes"] for b in result.bad if b not in unknown))
    return result


def _time_order(seq: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """Order of packets by on-board time, then sequence count, counts unwrapped within one time.

    Packets of one time (the parts of a LIA distribution or UVI image, the event packets of one SXI
    frame) are ordered by their counts; where those straddle the wrap (some near 16383, some near 0: the
    spread exceeds half the modulo), the low ones come after the high ones.
    """
    first = np.lexsort((seq, ticks))
    t, s = ticks[first], seq[first]
    start = np.flatnonzero(np.concatenate([[True], t[1:] != t[:-1]]))
    spread = np.maximum.reduceat(s, start) - np.minimum.reduceat(s, start)
    straddle = np.repeat(spread > SEQUENCE_COUNT_MODULO // 2, np.diff(np.append(start, s.size)))
    key = s + np.where(straddle & (s < SEQUENCE_COUNT_MODULO // 2), SEQUENCE_COUNT_MODULO, 0)
    return first[np.lexsort((key, t))]


def _decode(apid: int, stream: bytes) -> xr.Dataset:
    """Decode one APID's packets with its ccsdspy definition (split by APID through ccsdspy)."""
    layout = LAYOUTS[apid]
    logger = logging.getLogger("ccsdspy")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its sequence-count warnings: the gaps are recorded here instead
    try:
        parts = ccsdspy.utils.split_by_apid(io.BytesIO(stream))
        fields = layout.definition.load(parts[apid], include_primary_header=False)
    finally:
        logger.setLevel(level)
    data = {}
    for key, value in fields.items():
        if key in ("pec",):
            continue
        arr = np.asarray(value)
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("="))
        dims = ("packet", *tuple(f"{key}_{i}" for i in range(1, arr.ndim)))
        data[key] = (dims, arr, {"units": layout.units.get(key, " ")})
    return xr.Dataset(data)
