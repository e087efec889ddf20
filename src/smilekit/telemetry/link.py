"""The space-to-ground link: what happens to the packets between the mass memory and the ground files.

:func:`transmit` takes the packets (opaque byte strings) in the order the mass memory sent them
(:func:`smilekit.telemetry.onboard.simulate_memory`) and returns, for each contact, the byte stream that
reaches the ground (the plain concatenation of the packets received, as it lands in a file) and the truth of
what was done to every transmission, so that L0 processing can be checked to flag exactly those losses.
Every fault is drawn from the caller's seed or :class:`numpy.random.Generator`.

**Faults.**

* *Dropped packets* follow a Gilbert-Elliott channel (:class:`GilbertElliott`): a two-state Markov chain,
  good and bad, stepped once per packet transmitted (Gilbert 1960, :cite:`gilbert1960`), with a loss
  probability in each state (Elliott 1963, :cite:`elliott1963`). With the bad state losing everything and
  the good state nothing, losses come in bursts whose length is geometric with mean ``1 / p_bad_to_good``
  and the long-run loss rate is ``p_good_to_bad / (p_good_to_bad + p_bad_to_good)``; ``p_good_to_bad +
  p_bad_to_good = 1`` gives independent losses. One chain runs through all the transmissions, contact after
  contact, in the order they are sent.
* *Bit errors*: each bit of each packet received is flipped independently with probability
  ``bit_error_rate`` (a binary symmetric channel), anywhere in the packet, headers included; the packet is
  kept, and the CRC that ends every SMILE packet (the packet layouts of :mod:`smilekit.telemetry`) lets L0
  catch it. The number of flips in a packet is binomial; their positions are drawn uniformly, and the
  rare repeats (two draws on one bit, probability ~ n_flips^2 / n_bits) count once: the truth holds the
  bits actually flipped.
* *Duplicates*: with probability ``duplicate_rate`` a packet sent in a contact is sent again in the next
  one, as when the acknowledgement of a playback is lost and the memory plays the data again; the copy
  suffers the channel like any transmission.
* *Out of order*: with probability ``reorder_rate`` a packet is not sent in its contact but in the next
  one (it was skipped, then replayed). Replayed packets and duplicates open the next contact's stream, in
  their original order, before that contact's own packets. Packets of the last contact are neither
  delayed nor duplicated (there is no next contact).

**Transfer frames** (optional, ``frames=FrameFormat()``). Real links carry the packets in fixed-length
TM transfer frames (CCSDS 132.0-B-3, TM Space Data Link Protocol, sec. 4.1): a 6-octet primary header
(version 0, spacecraft and virtual channel identifiers, master and virtual channel frame counts modulo 256,
and the data field status whose 11-bit first header pointer gives where the first packet starting in the
frame begins, all ones when none does), a data field filled with the packet stream back to back (a packet
may span frames), and a 2-octet frame error control field (CRC-16, polynomial 0x1021, initial value
0xFFFF). With ``frames`` the channel and the bit errors act on frames, as they do on the real link: the
ground discards every frame that is missing or fails its FECF, and :func:`deframe` re-extracts the packets
from the frames left, walking the packet lengths and checking them against the first header pointers; a
packet with a byte in a lost frame is lost, the others come through whole. The end of each contact's stream
is completed with an idle packet (APID 2047, CCSDS 133.0-B-2), which the ground drops. The frame length
(default 1115 octets, five Reed-Solomon (255, 223) codeblocks) and the spacecraft identifier (0) are
assumptions: SMILE's are not published in the sources found. The Reed-Solomon or LDPC coding itself is not
modelled: the channel stands for what the decoder leaves (whole frames lost, rare residual bit errors).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from smilekit._io import write_bytes
from smilekit._validation import as_generator
from smilekit.errors import InputError
from smilekit.telemetry.packets import crc16_many

__all__ = ["FrameFormat", "GilbertElliott", "LinkResult", "deframe", "make_frames", "transmit"]


def _probability(value, name: str) -> float:
    """A probability as a float in [0, 1], or an InputError naming it."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{name} must be a probability (a number from 0 to 1), got {type(value).__name__}")
    out = float(value)
    if not 0.0 <= out <= 1.0:  # NaN fails too
        raise InputError(f"{name} must be a probability from 0 to 1, got {out:g}")
    return out


@dataclass(frozen=True)
class GilbertElliott:
    """A Gilbert-Elliott burst channel, stepped once per packet (module notes; :cite:`gilbert1960`,
    :cite:`elliott1963`).

    Attributes
    ----------
    p_good_to_bad, p_bad_to_good : float
        Transition probabilities per packet; not both zero.
    loss_good, loss_bad : float
        Probability that a packet sent in each state is lost (default 0 and 1: Gilbert's channel).
    """

    p_good_to_bad: float
    p_bad_to_good: float
    loss_good: float = 0.0
    loss_bad: float = 1.0

    def __post_init__(self):
        for name in ("p_good_to_bad", "p_bad_to_good", "loss_good", "loss_bad"):
            object.__setattr__(self, name, _probability(getattr(self, name), name))
        if self.p_good_to_bad + self.p_bad_to_good == 0.0:
            raise InputError(
                "p_good_to_bad and p_bad_to_good are both 0: the channel never changes state and its "
                "stationary state is undefined; give at least one > 0"
            )

    @classmethod
    def from_loss_rate(cls, loss_rate: float, mean_burst_length: float | None = None) -> GilbertElliott:
        """The channel (bad state loses all, good none) with a long-run ``loss_rate`` and a mean burst length
        (packets); None gives independent losses (mean burst length ``1 / (1 - loss_rate)``).

        Examples
        --------
        >>> channel = GilbertElliott.from_loss_rate(0.01, mean_burst_length=20)
        >>> round(channel.loss_rate, 6), round(channel.mean_burst_length, 6)
        (0.01, 20.0)
        """
        rate = _probability(loss_rate, "loss_rate")
        if rate == 1.0:
            return cls(1.0, 0.0)
        if mean_burst_length is None:
            return cls(rate, 1.0 - rate)
        length = float(mean_burst_length)
        if not length >= 1.0 or not np.isfinite(length):
            raise InputError(f"mean_burst_length must be a finite number of packets >= 1, got {length:g}")
        r = 1.0 / length
        p = r * rate / (1.0 - rate)
        if p > 1.0:
            raise InputError(
                f"a loss rate of {rate:g} needs bursts of at least {rate / (1.0 - rate):g} packets on "
                f"average (the good state cannot last less than one packet), got mean_burst_length {length:g}"
            )
        return cls(p, r)

    @property
    def stationary_bad(self) -> float:
        """Long-run fraction of packets sent in the bad state."""
        return self.p_good_to_bad / (self.p_good_to_bad + self.p_bad_to_good)

    @property
    def loss_rate(self) -> float:
        """Long-run fraction of packets lost."""
        bad = self.stationary_bad
        return (1.0 - bad) * self.loss_good + bad * self.loss_bad

    @property
    def mean_burst_length(self) -> float:
        """Mean number of consecutive packets sent in the bad state (inf if it is never left)."""
        return np.inf if self.p_bad_to_good == 0.0 else 1.0 / self.p_bad_to_good

    def states(self, n: int, rng) -> np.ndarray:
        """The state of ``n`` consecutive steps (True: bad), from the stationary distribution.

        Sojourns are drawn whole: geometric lengths with means ``1 / p_good_to_bad`` and
        ``1 / p_bad_to_good``, alternating (a Markov chain's sojourns, memoryless, so the first one drawn
        from the start is also geometric).
        """
        rng = as_generator(rng)
        if n <= 0:
            return np.zeros(0, dtype=bool)
        bad = rng.random() < self.stationary_bad
        if self.p_good_to_bad == 0.0 or self.p_bad_to_good == 0.0:
            return np.full(n, self.p_bad_to_good == 0.0)  # the absorbing state (the start is stationary)
        mean_pair = 1.0 / self.p_good_to_bad + 1.0 / self.p_bad_to_good
        lengths, total = [], 0
        while total < n:
            pairs = int(n / mean_pair * 1.1) + 16
            good_len = rng.geometric(self.p_good_to_bad, pairs)
            bad_len = rng.geometric(self.p_bad_to_good, pairs)
            pair = np.column_stack([bad_len, good_len] if bad else [good_len, bad_len]).ravel()
            lengths.append(pair)
            total += int(pair.sum())
        lengths = np.concatenate(lengths)
        flags = np.zeros(lengths.size, dtype=bool)
        flags[0 if bad else 1 :: 2] = True
        return np.repeat(flags, lengths)[:n]

    def losses(self, n: int, rng) -> np.ndarray:
        """Whether each of ``n`` consecutive packets is lost (bool)."""
        rng = as_generator(rng)
        state = self.states(n, rng)
        draw = rng.random(n)
        return np.where(state, draw < self.loss_bad, draw < self.loss_good)


@dataclass(frozen=True, eq=False)
class LinkResult:
    """What reached the ground (from :func:`transmit`).

    Attributes
    ----------
    streams : list of bytes
        Per contact (the index of the memory's contact table), the bytes received: the packets that were not
        dropped, concatenated in the order received, bit errors included.
    truth : pandas.DataFrame
        One row per transmission, in the order sent: ``packet`` (index into the packets given),
        ``contact`` (where it was sent), ``position`` (its rank among the contact's transmissions),
        ``duplicate`` (a copy re-sent), ``delayed`` (moved from its contact to the next), ``dropped``,
        ``bit_errors`` (bits flipped) and ``offset`` (its first byte in the contact's stream, -1 if
        dropped).
    n_packets : int
        How many packets were given.
    frames : pandas.DataFrame or None
        With transfer frames, per contact: ``frames`` sent, ``lost`` (by the channel), ``rejected``
        (failed the FECF), ``gaps`` (breaks the ground saw) and ``spurious`` (packets extracted that match
        no packet sent: a corrupt frame that passed its FECF); None without frames.
    """

    streams: list
    truth: pd.DataFrame
    n_packets: int
    frames: pd.DataFrame | None = None

    def packet_fate(self) -> pd.DataFrame:
        """Per packet given: ``sent`` (transmissions), ``intact``, ``corrupted`` and ``dropped`` (how many
        of them), and ``fate``: ``not_sent`` (the memory never sent it), ``lost`` (every transmission
        dropped), ``corrupted`` (received, never intact) or ``received`` (at least one intact copy)."""
        t = self.truth
        n = self.n_packets
        sent = np.bincount(t.packet, minlength=n)
        dropped = np.bincount(t.packet, weights=t.dropped, minlength=n).astype(np.int64)
        bad = (~t.dropped) & (t.bit_errors > 0)
        corrupted = np.bincount(t.packet, weights=bad, minlength=n).astype(np.int64)
        intact = sent - dropped - corrupted
        fate = np.where(
            sent == 0,
            "not_sent",
            np.where(intact > 0, "received", np.where(corrupted > 0, "corrupted", "lost")),
        )
        return pd.DataFrame(
            {"sent": sent, "intact": intact, "corrupted": corrupted, "dropped": dropped, "fate": fate}
        )

    def write(self, folder, *, prefix: str = "smile_tm_contact") -> list[Path]:
        """Write each contact's stream to ``folder/<prefix>_<NNNN>.bin`` (atomic writes); return the paths."""
        folder = Path(folder)
        return [
            write_bytes(folder / f"{prefix}_{k:04d}.bin", stream) for k, stream in enumerate(self.streams)
        ]


# ---------------------------------------------------------------------------------------------------
# TM transfer frames (CCSDS 132.0-B-3)
# ---------------------------------------------------------------------------------------------------
_NO_PACKET_START = 0x7FF  # first header pointer: no packet starts in this frame
_IDLE_APID = 0x7FF
_HEADER = 6
_FECF = 2


def _frame_crcs(frames: np.ndarray) -> np.ndarray:
    """The frame error control field of each row of ``frames`` (N, length), C-contiguous: the CRC-16 of
    all its octets but the last two (the packets' CRC, :func:`~smilekit.telemetry.packets.crc16_many`)."""
    n, length = frames.shape
    return crc16_many(frames.reshape(-1), np.arange(n) * length, np.full(n, length - _FECF))


@dataclass(frozen=True)
class FrameFormat:
    """The TM transfer frames of the link (module notes; CCSDS 132.0-B-3).

    Attributes
    ----------
    length : int
        Frame length in octets, header and FECF included (default 1115, an assumption); 16 to 2048.
    spacecraft_id : int
        10-bit spacecraft identifier (default 0: SMILE's is not published in the sources found).
    virtual_channel : int
        3-bit virtual channel identifier (default 0).
    """

    length: int = 1115
    spacecraft_id: int = 0
    virtual_channel: int = 0

    def __post_init__(self):
        for name, low, high in (("length", 16, 2048), ("spacecraft_id", 0, 1023), ("virtual_channel", 0, 7)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
                raise InputError(
                    f"{name} of a TM transfer frame must be an integer from {low} to {high}, got {value!r}"
                )

    @property
    def data_length(self) -> int:
        """Octets of packet data a frame carries."""
        return self.length - _HEADER - _FECF


def _idle_packet(octets: int) -> np.ndarray:
    """An idle packet (APID 2047, no secondary header) of ``octets`` octets (>= 7), data 0x55."""
    out = np.full(octets, 0x55, dtype=np.uint8)
    out[:6] = np.frombuffer(
        (_IDLE_APID).to_bytes(2, "big") + (0xC000).to_bytes(2, "big") + (octets - 7).to_bytes(2, "big"),
        np.uint8,
    )
    return out


def make_frames(stream, starts, fmt: FrameFormat, *, first_count: int = 0) -> np.ndarray:
    """Cut a packet stream into TM transfer frames.

    Parameters
    ----------
    stream : bytes
        Packets back to back.
    starts : array of int
        Offset of each packet in ``stream`` (sorted; the first 0).
    fmt : FrameFormat
        The frame format.
    first_count : int
        Master (and virtual) channel frame count of the first frame; counts run modulo 256.

    Returns
    -------
    numpy.ndarray
        uint8, shape (n_frames, fmt.length); none for an empty stream. The last frame is completed with an
        idle packet (one more frame when fewer than 7 octets, an idle packet's minimum, would remain).
    """
    data = np.frombuffer(bytes(stream), dtype=np.uint8)
    starts = np.asarray(starts, dtype=np.int64)
    size = fmt.data_length
    if data.size == 0:
        return np.zeros((0, fmt.length), dtype=np.uint8)
    if starts.size == 0 or starts[0] != 0 or (np.diff(starts) < 7).any() or data.size - starts[-1] < 7:
        raise InputError(
            "starts must give the offset of every packet in the stream: from 0, increasing, at least 7 "
            "octets apart (the smallest CCSDS packet) and the last one at least 7 octets before the end"
        )
    pad = (-data.size) % size
    if 0 < pad < 7:
        pad += size
    if pad:
        starts = np.append(starts, data.size)
        data = np.concatenate([data, _idle_packet(pad)])
    n = data.size // size
    edge = np.arange(n, dtype=np.int64) * size
    k = np.searchsorted(starts, edge, side="left")
    first = np.where(k < starts.size, starts[np.minimum(k, starts.size - 1)], np.iinfo(np.int64).max)
    pointer = np.where(first < edge + size, first - edge, _NO_PACKET_START)
    count = (first_count + np.arange(n)) % 256
    word0 = (fmt.spacecraft_id << 4) | (fmt.virtual_channel << 1)  # version 00, no OCF
    status = (0b11 << 11) | pointer  # no secondary header, packets in order, segment length id 11
    frames = np.empty((n, fmt.length), dtype=np.uint8)
    frames[:, 0], frames[:, 1] = word0 >> 8, word0 & 0xFF
    frames[:, 2], frames[:, 3] = count, count
    frames[:, 4], frames[:, 5] = status >> 8, status & 0xFF
    frames[:, _HEADER : _HEADER + size] = data.reshape(n, size)
    crc = _frame_crcs(frames)
    frames[:, -2], frames[:, -1] = crc >> 8, crc & 0xFF
    return frames


@numba.njit(cache=True)
def _walk_run(data, pointer, size, f0, f1, out_start, out_len, n_out, store):
    """Packets in the continuous good frames f0..f1-1 (their data fields at ``g * size`` in ``data``):
    their offsets and lengths appended to ``out_*`` from ``n_out`` (only counted unless ``store``);
    returns the new count."""
    g = f0
    while g < f1 and pointer[g] == 0x7FF:
        g += 1
    if g == f1:
        return n_out
    pos = g * size + pointer[g]
    end = f1 * size
    while pos + 6 <= end:
        length = ((np.int64(data[pos + 4]) << 8) | np.int64(data[pos + 5])) + 7
        nxt = pos + length
        fa = pos // size
        ok = True
        h = fa + 1
        while h < f1 and h * size < nxt:  # frames the packet reaches into: their pointers must agree
            expected = nxt - h * size if nxt < (h + 1) * size else 0x7FF
            if pointer[h] != expected:
                ok = False
                break
            h += 1
        if not ok:  # a length that the pointers contradict: resynchronise at the next packet start
            h = fa + 1
            while h < f1 and pointer[h] == 0x7FF:
                h += 1
            if h == f1:
                return n_out
            pos = h * size + pointer[h]
            continue
        if nxt > end:  # runs into a lost frame: the packet is lost
            return n_out
        apid = ((np.int64(data[pos]) & 0x07) << 8) | np.int64(data[pos + 1])
        if apid != 0x7FF:
            if store:
                out_start[n_out] = pos
                out_len[n_out] = length
            n_out += 1
        pos = nxt
    return n_out


@numba.njit(cache=True)
def _gather(data, start, length, total):
    out = np.empty(total, dtype=np.uint8)
    k = 0
    for i in range(start.size):
        out[k : k + length[i]] = data[start[i] : start[i] + length[i]]
        k += length[i]
    return out


def deframe(frames, fmt: FrameFormat) -> tuple[bytes, pd.DataFrame]:
    """The ground side: the packets carried by the frames received (in order, some missing or corrupt).

    Frames failing their FECF are discarded; a gap in the master channel frame count (or a discarded
    frame) breaks the stream, and the packets extraction resumes at the next frame's first header pointer
    (module notes). More than 255 consecutive frames lost look like none (the count is modulo 256).

    Parameters
    ----------
    frames : bytes or numpy.ndarray
        The frames received, back to back (a whole number of ``fmt.length`` octets).
    fmt : FrameFormat

    Returns
    -------
    stream : bytes
        The packets extracted, back to back, idle packets left out.
    table : pandas.DataFrame
        One row per packet extracted: ``frame`` (index of the frame received its first octet is in),
        ``offset`` (in that frame), ``length``, ``stream_offset`` (in ``stream``); and in ``table.attrs``:
        ``frames``, ``frames_rejected`` (FECF failed) and ``gaps`` (breaks in the frame count).
    """
    raw = np.frombuffer(bytes(frames), dtype=np.uint8) if not isinstance(frames, np.ndarray) else frames
    if raw.size % fmt.length:
        raise InputError(
            f"frames hold {raw.size} octets, not a whole number of {fmt.length}-octet frames "
            f"({raw.size % fmt.length} octets left over)"
        )
    rows = raw.reshape(-1, fmt.length)
    crc = _frame_crcs(np.ascontiguousarray(rows))
    good = crc == ((rows[:, -2].astype(np.uint16) << 8) | rows[:, -1])
    count = rows[:, 2].astype(np.int64)
    follows = np.zeros(rows.shape[0], dtype=bool)
    follows[1:] = good[:-1] & ((count[1:] - count[:-1]) % 256 == 1)
    idx = np.flatnonzero(good)
    size = fmt.data_length
    data = np.ascontiguousarray(rows[idx, _HEADER : _HEADER + size]).reshape(-1)
    pointer = ((rows[idx, 4].astype(np.int64) & 0x07) << 8) | rows[idx, 5]
    breaks = np.flatnonzero(~follows[idx]) if idx.size else np.zeros(0, np.int64)
    bounds = np.append(breaks, idx.size)
    n = 0
    out_start = out_len = np.empty(0, np.int64)
    for store in (False, True):  # count, then fill; a loop per run of continuous frames
        if store:
            out_start, out_len = np.empty(n, np.int64), np.empty(n, np.int64)
        n = 0
        for f0, f1 in itertools.pairwise(bounds):
            n = _walk_run(data, pointer, size, f0, f1, out_start, out_len, n, store)
    start, length = out_start[:n], out_len[:n]
    stream = _gather(data, start, length, int(length.sum())).tobytes()
    table = pd.DataFrame(
        {
            "frame": idx[start // size] if n else np.zeros(0, np.int64),
            "offset": start % size,
            "length": length,
            "stream_offset": np.concatenate([[0], np.cumsum(length)])[:-1],
        }
    )
    table.attrs = {
        "frames": int(rows.shape[0]),
        "frames_rejected": int((~good).sum()),
        "gaps": int(max(breaks.size - 1, 0)),
    }
    return stream, table


def _as_packets(packets) -> np.ndarray:
    """The packets as an object array of bytes (each a non-empty bytes-like object)."""
    if isinstance(packets, bytes | bytearray | str):
        raise InputError("packets must be a sequence of packets (bytes), not one bytes or str object")
    out = np.empty(len(packets), dtype=object)
    out[:] = list(packets)
    kinds = set(map(type, out))
    if not kinds <= {bytes, bytearray, memoryview}:
        raise InputError(f"packets must be bytes objects, got {', '.join(sorted(k.__name__ for k in kinds))}")
    return out


def transmit(
    packets,
    memory,
    *,
    rng,
    channel: GilbertElliott | None = None,
    bit_error_rate: float = 0.0,
    duplicate_rate: float = 0.0,
    reorder_rate: float = 0.0,
    frames: FrameFormat | None = None,
) -> LinkResult:
    """Send the packets the mass memory played back through a faulty link (module notes).

    Parameters
    ----------
    packets : sequence of bytes
        The packets, in the order given to :func:`~smilekit.telemetry.onboard.simulate_memory`.
    memory : MemoryResult
        What the mass memory did (its ``contact``, ``downlink_time`` and ``size`` per packet, and its
        ``contacts``).
    rng : numpy.random.Generator or int
        The source of every fault (same seed, same faults).
    channel : GilbertElliott, optional
        The loss channel, stepped per packet (or per frame with ``frames``); None loses nothing.
    bit_error_rate : float
        Probability that each bit received is flipped (0 to 1).
    frames : FrameFormat, optional
        Carry the packets in TM transfer frames, on which the channel and the bit errors then act (module
        notes); None sends bare packets. The packets must then carry valid CCSDS primary headers (the
        deframer walks their length fields).
    duplicate_rate, reorder_rate : float
        Probability that a packet is sent again in the next contact, or sent in the next contact instead
        of its own; their sum must not exceed 1 (a packet is one or the other, or neither).

    Returns
    -------
    LinkResult

    Raises
    ------
    InputError
        For probabilities outside [0, 1], packets that do not match the memory's sizes, a ``channel``
        that is not a :class:`GilbertElliott`, or (with ``frames``) a packet whose header length field
        disagrees with its size.

    Examples
    --------
    >>> import astropy.units as u, numpy as np, pandas as pd
    >>> from smilekit.telemetry.onboard import simulate_memory
    >>> t0 = np.datetime64("2026-03-01T00:00", "ns")
    >>> packets = [bytes([k]) * 100 for k in range(3)]
    >>> second = np.timedelta64(1, "s")
    >>> contacts = pd.DataFrame({"start": [t0 + 60 * second], "end": [t0 + 99 * second]})
    >>> memory = simulate_memory(np.full(3, t0), np.array([100] * 3), np.array(["MAG"] * 3), contacts)
    >>> link = transmit(packets, memory, rng=1)
    >>> link.streams[0] == b"".join(packets)
    True
    """
    gen = as_generator(rng)
    ber = _probability(bit_error_rate, "bit_error_rate")
    dup = _probability(duplicate_rate, "duplicate_rate")
    reorder = _probability(reorder_rate, "reorder_rate")
    if dup + reorder > 1.0:
        raise InputError(f"duplicate_rate + reorder_rate must not exceed 1, got {dup:g} + {reorder:g}")
    if channel is not None and not isinstance(channel, GilbertElliott):
        raise InputError(f"channel must be a GilbertElliott or None, got {type(channel).__name__}")
    if frames is not None and not isinstance(frames, FrameFormat):
        raise InputError(f"frames must be a FrameFormat or None, got {type(frames).__name__}")
    data = _as_packets(packets)
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=data.size)
    if data.size != len(memory) or not np.array_equal(lengths, memory.size):
        i = int(np.flatnonzero(lengths != memory.size)[0]) if data.size == len(memory) else None
        where = f"; packet {i} has {lengths[i]} octets, the memory {memory.size[i]}" if i is not None else ""
        raise InputError(
            f"packets do not match the memory result: {data.size} packets for {len(memory)} in the memory"
            f"{where}"
        )
    n_contacts = len(memory.contacts)

    # what the memory sent, in order
    sent = np.flatnonzero(memory.contact >= 0)
    sent = sent[np.lexsort((sent, memory.downlink_time[sent].astype(np.int64), memory.contact[sent]))]
    contact = memory.contact[sent]
    draw = gen.random(sent.size)
    has_next = contact < n_contacts - 1
    delayed = has_next & (draw < reorder)
    copied = has_next & (draw >= reorder) & (draw < reorder + dup)

    # transmissions: (packet, contact, carried over first, rank in the memory's order)
    rank = np.arange(sent.size)
    packet = np.concatenate([sent, sent[copied]])
    where = np.concatenate([contact + delayed, contact[copied] + 1])
    carried = np.concatenate([delayed, np.ones(int(copied.sum()), bool)])
    order = np.lexsort((np.concatenate([rank, rank[copied]]), ~carried, where))
    packet, where = packet[order], where[order]
    is_copy = np.concatenate([np.zeros(sent.size, bool), np.ones(int(copied.sum()), bool)])[order]
    is_delayed = np.concatenate([delayed, np.zeros(int(copied.sum()), bool)])[order]
    n_tx = packet.size
    position = np.zeros(n_tx, np.int64)
    bounds = np.searchsorted(where, np.arange(n_contacts + 1))
    for k in range(n_contacts):
        position[bounds[k] : bounds[k + 1]] = np.arange(bounds[k + 1] - bounds[k])
    columns = {
        "packet": packet,
        "contact": where,
        "position": position,
        "duplicate": is_copy,
        "delayed": is_delayed,
    }
    if frames is not None:
        streams, faults, report = _framed(data, lengths, packet, bounds, frames, channel, ber, gen)
        return LinkResult(streams, pd.DataFrame(columns | faults), int(data.size), report)
    dropped = channel.losses(n_tx, gen) if channel is not None else np.zeros(n_tx, bool)

    size = lengths[packet]
    kept = ~dropped
    # bit errors on what is received
    n_bits = 8 * size[kept]
    flips = gen.binomial(n_bits, ber) if ber > 0 else np.zeros(n_bits.size, np.int64)
    owner = np.repeat(np.arange(n_bits.size), flips)
    bit = gen.integers(0, n_bits[owner]) if owner.size else np.zeros(0, np.int64)
    first_bit = np.concatenate([[0], np.cumsum(n_bits)])[:-1]
    unique_bit = np.unique(first_bit[owner] + bit)  # global bit index over the received packets
    holder = np.searchsorted(first_bit, unique_bit, side="right") - 1
    bit_errors = np.zeros(n_tx, np.int64)
    bit_errors[np.flatnonzero(kept)] = np.bincount(holder, minlength=n_bits.size)

    # streams, contact by contact
    offset = np.full(n_tx, -1, np.int64)
    kept_first_bit = np.full(n_tx, -1, np.int64)
    kept_first_bit[kept] = first_bit
    streams = []
    for k in range(n_contacts):
        lo, hi = bounds[k], bounds[k + 1]
        keep = np.flatnonzero(kept[lo:hi]) + lo
        start = np.concatenate([[0], np.cumsum(size[keep])])
        offset[keep] = start[:-1]
        buffer = bytearray(b"".join(data[packet[keep]].tolist()))
        if keep.size:
            # flips that fall in this contact's packets: global bit -> byte of this stream
            lo_bit, hi_bit = kept_first_bit[keep[0]], kept_first_bit[keep[-1]] + 8 * size[keep[-1]]
            mine = unique_bit[(unique_bit >= lo_bit) & (unique_bit < hi_bit)]
            if mine.size:
                j = np.searchsorted(kept_first_bit[keep], mine, side="right") - 1
                local = mine - kept_first_bit[keep][j] + 8 * start[j]
                view = np.frombuffer(buffer, dtype=np.uint8)
                np.bitwise_xor.at(view, local // 8, (1 << (7 - local % 8)).astype(np.uint8))
        streams.append(bytes(buffer))

    truth = pd.DataFrame(columns | {"dropped": dropped, "bit_errors": bit_errors, "offset": offset})
    return LinkResult(streams=streams, truth=truth, n_packets=int(data.size))


_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1)


def _framed(data, lengths, packet, bounds, fmt, channel, ber, gen):
    """The transmissions (sorted by contact) through transfer frames: the streams, the faults per
    transmission and the frame report per contact."""
    n_tx, n_contacts, size = packet.size, bounds.size - 1, fmt.data_length
    sender_offset = np.zeros(n_tx, np.int64)
    blocks, owner, count = [], [], 0
    short = np.flatnonzero(lengths < 7)
    if short.size:
        raise InputError(
            f"packet {short[0]} has {lengths[short[0]]} octets: a CCSDS packet has at least 7 (a 6-octet "
            "header and one of data), and the ground's deframer reads its length from its header"
        )
    for k in range(n_contacts):
        lo, hi = bounds[k], bounds[k + 1]
        start = np.concatenate([[0], np.cumsum(lengths[packet[lo:hi]])])
        sender_offset[lo:hi] = start[:-1]
        joined = b"".join(data[packet[lo:hi]].tolist())
        octets = np.frombuffer(joined, np.uint8)
        declared = (octets[start[:-1] + 4].astype(np.int64) << 8 | octets[start[:-1] + 5]) + 7
        wrong = np.flatnonzero(declared != lengths[packet[lo:hi]])
        if wrong.size:
            i = packet[lo + wrong[0]]
            raise InputError(
                f"packet {i} has {lengths[i]} octets but its header's packet data length field says "
                f"{declared[wrong[0]]}; packets sent in transfer frames need valid CCSDS primary headers"
            )
        block = make_frames(joined, start[:-1], fmt, first_count=count)
        count += block.shape[0]
        blocks.append(block)
        owner.append(np.full(block.shape[0], k))
    sent = np.concatenate(blocks) if blocks else np.zeros((0, fmt.length), np.uint8)
    owner = np.concatenate(owner) if owner else np.zeros(0, np.int64)
    lost = channel.losses(sent.shape[0], gen) if channel is not None else np.zeros(sent.shape[0], bool)
    received = np.flatnonzero(~lost)
    flipped = np.zeros(sent.shape[0], dtype=bool)
    if ber > 0 and received.size:  # bit errors in the frames received
        n_bits = 8 * fmt.length
        flips = gen.binomial(n_bits, ber, size=received.size)
        bit = np.unique(np.repeat(received, flips) * n_bits + gen.integers(0, n_bits, size=int(flips.sum())))
        flat = sent.reshape(-1)
        np.bitwise_xor.at(flat, bit // 8, (1 << (7 - bit % 8)).astype(np.uint8))
        flipped[bit // n_bits] = True
    flipped_before = np.concatenate([[0], np.cumsum(flipped)])
    offset = np.full(n_tx, -1, np.int64)
    bit_errors = np.zeros(n_tx, np.int64)
    streams, rows = [], []
    for k in range(n_contacts):
        lo, hi = bounds[k], bounds[k + 1]
        mine = np.flatnonzero(owner == k)
        got = mine[~lost[mine]]
        stream, table = deframe(sent[got], fmt)
        streams.append(stream)
        # each packet extracted -> the transmission that starts there in the contact's sender stream
        at = (got[table.frame.to_numpy()] - (mine[0] if mine.size else 0)) * size + table.offset.to_numpy()
        j = np.searchsorted(sender_offset[lo:hi], at) + lo
        match = np.zeros(at.size, dtype=bool)
        if hi > lo:
            j_ok = np.minimum(j, hi - 1)
            match = (
                (j < hi) & (sender_offset[j_ok] == at) & (lengths[packet[j_ok]] == table.length.to_numpy())
            )
        tx = j[match]
        offset[tx] = table.stream_offset.to_numpy()[match]
        # bits that differ from what was sent: only in packets of flipped frames that passed their FECF
        base = mine[0] if mine.size else 0
        f_first = base + sender_offset[tx] // size
        f_last = base + (sender_offset[tx] + lengths[packet[tx]] - 1) // size
        suspect = tx[flipped_before[f_last + 1] > flipped_before[f_first]]
        if suspect.size:
            expected = np.frombuffer(b"".join(data[packet[suspect]].tolist()), np.uint8)
            arrived = _gather(
                np.frombuffer(stream, np.uint8),
                offset[suspect],
                lengths[packet[suspect]],
                int(lengths[packet[suspect]].sum()),
            )
            first = np.concatenate([[0], np.cumsum(lengths[packet[suspect]])])[:-1]
            bit_errors[suspect] = np.add.reduceat(_POPCOUNT[expected ^ arrived], first)
        rows.append(
            {
                "frames": int(mine.size),
                "lost": int(lost[mine].sum()),
                "rejected": table.attrs["frames_rejected"],
                "gaps": table.attrs["gaps"],
                "spurious": int((~match).sum()),
            }
        )
    faults = {"dropped": offset < 0, "bit_errors": bit_errors, "offset": offset}
    report = pd.DataFrame(rows, columns=["frames", "lost", "rejected", "gaps", "spurious"])
    return streams, faults, report
