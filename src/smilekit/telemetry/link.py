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

Real links wrap packets in transfer frames (CCSDS 132.0-B, TM Space Data Link Protocol) protected by
Reed-Solomon or LDPC codes, so that residual errors are mostly whole frames lost; the frames are not
modelled here: a lost frame appears as dropped packets (bursts), an undetected residual error as bit errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smilekit._io import write_bytes
from smilekit._validation import as_generator
from smilekit.errors import InputError

__all__ = ["GilbertElliott", "LinkResult", "transmit"]


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
    """

    streams: list
    truth: pd.DataFrame
    n_packets: int

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
        The packet-loss channel; None loses nothing.
    bit_error_rate : float
        Probability that each bit received is flipped (0 to 1).
    duplicate_rate, reorder_rate : float
        Probability that a packet is sent again in the next contact, or sent in the next contact instead
        of its own; their sum must not exceed 1 (a packet is one or the other, or neither).

    Returns
    -------
    LinkResult

    Raises
    ------
    InputError
        For probabilities outside [0, 1], packets that do not match the memory's sizes, or a ``channel``
        that is not a :class:`GilbertElliott`.

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
    position = np.zeros(n_tx, np.int64)
    offset = np.full(n_tx, -1, np.int64)
    bounds = np.searchsorted(where, np.arange(n_contacts + 1))
    kept_first_bit = np.full(n_tx, -1, np.int64)
    kept_first_bit[kept] = first_bit
    streams = []
    for k in range(n_contacts):
        lo, hi = bounds[k], bounds[k + 1]
        position[lo:hi] = np.arange(hi - lo)
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

    truth = pd.DataFrame(
        {
            "packet": packet,
            "contact": where,
            "position": position,
            "duplicate": is_copy,
            "delayed": is_delayed,
            "dropped": dropped,
            "bit_errors": bit_errors,
            "offset": offset,
        }
    )
    return LinkResult(streams=streams, truth=truth, n_packets=int(data.size))
