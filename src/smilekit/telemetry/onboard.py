"""The on-board mass memory: packets stored as they are made, played back in the ground contacts.

SMILE stores its science data on board and sends them down near perigee (:cite:`branduardiraymont2022`,
sec. 4.4; :mod:`smilekit.mission.ground`). This module follows every packet from the moment it is made to
the moment its last byte reaches the ground, or to its loss, and gives the data latency (acquisition to
ground) that the store-and-forward scheme imposes on each instrument.

**Packets.** The memory treats packets as opaque blocks: for each, its generation time (``datetime64[ns]``),
its size in octets and its source (an instrument name: SXI, UVI, LIA, MAG, or HK for the platform). They come
from the packetisers, or, where only volumes matter, from :func:`volume_packets`, which cuts each
instrument's data rate along the mode timeline (:func:`smilekit.mission.ground.generation_rates`, the rule of
the downlink budget) into packets of one size.

**Playback.** The downlink is a single server working at ``downlink_rate`` during the contacts
(:func:`smilekit.mission.ground.contact_intervals`: the union of the station passes within link range) and
idle outside them. It sends whole packets one after the other, without pausing while anything is stored
(work-conserving), and picks each next packet by priority class, then oldest first within the class (FIFO
per class, non-pre-emptive: a packet being sent is finished before a more urgent one goes). The default
classes (:data:`DEFAULT_PRIORITY`) put platform housekeeping first and the four instruments together
second. A packet whose transmission runs past the end of a contact is finished at the start of the next
one; its downlink time (when its last byte leaves) then falls in that contact. A packet occupies the
memory from its generation until its last byte is sent.

**A full memory.** When a new packet does not fit, ``when_full="overwrite"`` deletes the oldest stored
packets (by generation time, whatever their class; not the one being sent) until it fits, and
``when_full="stop"`` refuses the new packet (recording stops while the memory is full). Either way every
loss is recorded with its reason.

**Assumed values** (none is published for SMILE in the sources found; the seed documents
:cite:`branduardiraymont2022` and :cite:`cas2026` give no memory size): the capacity
:data:`DEFAULT_MEMORY_CAPACITY`, 64 Gbit (8 GB), about two orbits of the default generation (28 Gbit per
51-h orbit, :func:`smilekit.mission.ground.downlink_budget`), so that one missed perigee loses nothing;
the packet size :data:`DEFAULT_PACKET_SIZE` of :func:`volume_packets`; the downlink rate
:data:`smilekit.mission.ground.DEFAULT_DOWNLINK_RATE`.

The queue is one sequential pass over the packets in a numba kernel (the order of service depends on
every earlier packet), linear in their number; everything around it is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import astropy.units as u
import numba
import numpy as np
import pandas as pd

from smilekit._validation import as_scalar
from smilekit.errors import InputError
from smilekit.mission.ground import DEFAULT_DOWNLINK_RATE, generation_rates
from smilekit.telemetry.packets import MAX_PACKET_BYTES

__all__ = [
    "DEFAULT_MEMORY_CAPACITY",
    "DEFAULT_PACKET_SIZE",
    "DEFAULT_PRIORITY",
    "MAX_PACKET_SIZE",
    "STATUS",
    "MemoryResult",
    "simulate_memory",
    "volume_packets",
]

#: Assumed mass-memory capacity (not published for SMILE; see the module notes for the rationale).
DEFAULT_MEMORY_CAPACITY = 64.0 * u.Gbit

#: Assumed size of the packets :func:`volume_packets` cuts the data rates into (1 kiB; not published).
DEFAULT_PACKET_SIZE = 1024 * u.byte

#: Priority class of each source (lower is sent first): housekeeping, then the four instruments together.
DEFAULT_PRIORITY: dict[str, int] = {"HK": 0, "SXI": 1, "UVI": 1, "LIA": 1, "MAG": 1}

#: The largest CCSDS space packet (octets): :data:`smilekit.telemetry.packets.MAX_PACKET_BYTES`.
MAX_PACKET_SIZE = MAX_PACKET_BYTES

#: What became of each packet (the codes of :attr:`MemoryResult.status`).
STATUS: tuple[str, ...] = ("downlinked", "rejected", "overwritten", "on_board")
_DOWNLINKED, _REJECTED, _OVERWRITTEN, _ON_BOARD = range(4)
_PENDING = -1
_WHEN_FULL = ("overwrite", "stop")
_NS_PER_S = 1e9


# ---------------------------------------------------------------------------------------------------
# Kernel: the queue, in contact-clock seconds (plain float64 and int64)
# ---------------------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _next_head(head, tail, order, status):
    """The first pending packet of the most urgent non-empty class (its head is advanced), or -1."""
    for q in range(head.size):
        while head[q] < tail[q] and status[order[head[q]]] != -1:  # skip rejected and overwritten
            head[q] += 1
        if head[q] < tail[q]:
            j = order[head[q]]
            head[q] += 1
            return j
    return -1


@numba.njit(cache=True)
def _oldest_head(head, tail, order, status, t_wall):
    """Class whose pending head is the oldest stored packet (by generation time, then input order), or -1."""
    best_q = -1
    best_j = -1
    for q in range(head.size):
        while head[q] < tail[q] and status[order[head[q]]] != -1:
            head[q] += 1
        if head[q] < tail[q]:
            j = order[head[q]]
            if best_j < 0 or t_wall[j] < t_wall[best_j] or (t_wall[j] == t_wall[best_j] and j < best_j):
                best_q = q
                best_j = j
    return best_q


@numba.njit(cache=True)
def _queue_kernel(t_wall, tau, size, slot, cls, order, class_start, seconds_per_octet, capacity, overwrite):
    """Serve packets (in generation order) through one non-pre-emptive priority server.

    ``tau`` is each packet's generation time on the contact clock (seconds of contact before it), ``slot``
    its position in ``order`` (the packets of each class, class by class, in generation order;
    ``class_start`` bounds the classes); ``seconds_per_octet`` is inf when there is no contact. Returns
    the contact-clock time each packet's last byte is sent
    (inf if never), its status (-1 pending/sent, 1 rejected, 2 overwritten), the fill level (octets)
    just after each generation, and the wall time of each overwrite.
    """
    n = size.size
    head = class_start[:-1].copy()
    tail = class_start[:-1].copy()
    status = np.full(n, -1, dtype=np.int8)
    finish = np.full(n, np.inf)
    level_after = np.zeros(n, dtype=np.int64)
    gone_at = np.full(n, np.nan)
    level = 0
    current = -1
    c_fin = 0.0
    c_free = 0.0  # contact clock at which the server became (or becomes) free
    for i in range(n):
        now = tau[i]
        # the server's work before this packet is made: departures, and starts strictly before now (a
        # start at ``now``, e.g. at the next contact's start for a packet made in a gap, waits until every
        # packet made by then is stored, so that it picks the most urgent)
        while True:
            if current >= 0:
                if c_fin > now:
                    break
                level -= size[current]
                c_free = c_fin
                current = -1
            elif c_free < now:
                current = _next_head(head, tail, order, status)
                if current < 0:
                    break
                c_fin = c_free + size[current] * seconds_per_octet
                finish[current] = c_fin
            else:
                break
        if current < 0:
            c_free = max(c_free, now)
        s = size[i]
        tail[cls[i]] = slot[i] + 1
        if level + s > capacity and overwrite:
            while level + s > capacity:
                q = _oldest_head(head, tail, order, status, t_wall)
                if q < 0 or order[head[q]] == i:  # nothing older left to delete
                    break
                j = order[head[q]]
                head[q] += 1
                status[j] = 2
                gone_at[j] = t_wall[i]
                level -= size[j]
        if level + s > capacity:
            status[i] = 1
            level_after[i] = level
            continue
        level += s
        level_after[i] = level
    while True:  # drain (finishes past the last contact are judged by the caller)
        if current >= 0:
            c_free = c_fin
        current = _next_head(head, tail, order, status)
        if current < 0:
            break
        c_fin = c_free + size[current] * seconds_per_octet
        finish[current] = c_fin
    return finish, status, level_after, gone_at


# ---------------------------------------------------------------------------------------------------
# Contact clock: seconds of contact elapsed, and back
# ---------------------------------------------------------------------------------------------------
def _contact_clock(t_s: np.ndarray, a: np.ndarray, b: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Seconds of contact elapsed at wall times ``t_s`` (contacts [a, b], ``before`` the clock at each a)."""
    k = np.searchsorted(a, t_s, side="right") - 1
    inside = np.clip(t_s - a[np.maximum(k, 0)], 0.0, (b - a)[np.maximum(k, 0)])
    return np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0.0)


def _wall_time(clock: np.ndarray, a: np.ndarray, b: np.ndarray, before: np.ndarray):
    """Wall time (s) at which the contact clock reaches ``clock``, and the contact index (-1 beyond)."""
    after = before + (b - a)
    k = np.searchsorted(after, clock, side="left")
    valid = k < a.size
    kk = np.minimum(k, a.size - 1)
    wall = np.where(valid, a[kk] + (clock - before[kk]), np.nan)
    return wall, np.where(valid, k, -1)


# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------
def _as_times(values, name: str) -> np.ndarray:
    try:
        out = np.asarray(values, dtype="datetime64[ns]")
    except (TypeError, ValueError):
        raise InputError(f"{name} must be UTC times (datetime64), got {np.asarray(values).dtype}") from None
    if np.isnat(out).any():
        raise InputError(f"{name} contains NaT ({int(np.isnat(out).sum())} values); every time must be set")
    return out


def _sizes(size) -> np.ndarray:
    array = np.asarray(size)
    if array.dtype.kind not in "iu":
        raise InputError(f"size must be integer packet sizes in octets, got dtype {array.dtype}")
    array = array.astype(np.int64)
    bad = (array < 1) | (array > MAX_PACKET_SIZE)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"size[{i}] = {array[i]} octets is not a possible CCSDS packet size; accepted 1 to "
            f"{MAX_PACKET_SIZE} octets ({int(bad.sum())} of {array.size} packets outside)"
        )
    return array


def _contacts(contacts, origin: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    if not hasattr(contacts, "columns") or not {"start", "end"} <= set(contacts.columns):
        raise InputError(
            "contacts must be a pandas.DataFrame with 'start' and 'end' columns, as from "
            "smilekit.mission.ground.contact_intervals"
        )
    start = _as_times(contacts["start"], "contacts start")
    end = _as_times(contacts["end"], "contacts end")
    a = (start - origin).astype(np.int64) / _NS_PER_S
    b = (end - origin).astype(np.int64) / _NS_PER_S
    if (b <= a).any():
        i = int(np.flatnonzero(b <= a)[0])
        raise InputError(f"contact {i} ends ({end[i]}) at or before it starts ({start[i]})")
    if (a[1:] < b[:-1]).any():
        i = int(np.flatnonzero(a[1:] < b[:-1])[0]) + 1
        raise InputError(
            f"contact {i} starts ({start[i]}) before contact {i - 1} ends ({end[i - 1]}); contacts must be "
            "sorted and disjoint (one transmitter): merge station passes with "
            "smilekit.mission.ground.contact_intervals"
        )
    return a, b


def _classes(source: np.ndarray, priority) -> tuple[np.ndarray, np.ndarray]:
    """Class per packet (0 most urgent, consecutive) and the source names as a str array, from the
    priority mapping."""
    priority = DEFAULT_PRIORITY if priority is None else priority
    if not isinstance(priority, dict):
        raise InputError(f"priority must be a dict source -> class (int), got {type(priority).__name__}")
    inverse, names = pd.factorize(source)  # hashing, not sorting: one pass over the packets
    missing = [str(n) for n in names if n not in priority]
    if missing:
        raise InputError(
            f"no priority class for source(s) {', '.join(missing)}; priority has "
            f"{', '.join(map(str, priority))}"
        )
    levels = np.array([priority[n] for n in names])
    if levels.dtype.kind not in "iu":
        raise InputError(f"priority classes must be integers, got {levels.tolist()}")
    _, rank = np.unique(levels, return_inverse=True)
    return rank[inverse].astype(np.int64), np.asarray(names).astype(str)[inverse]


def _capacity_octets(capacity) -> int:
    value = as_scalar(capacity, u.byte, "capacity", positive=True)
    octets = int(np.floor(value))
    if octets < 1:
        raise InputError(f"capacity must hold at least one octet, got {capacity}")
    return octets


# ---------------------------------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------------------------------
def volume_packets(timeline, *, instrument_rates=None, packet_size=DEFAULT_PACKET_SIZE) -> pd.DataFrame:
    """Packets of one size cut from each instrument's data rate along a mode timeline.

    Each instrument fills a buffer at its rate (:func:`smilekit.mission.ground.generation_rates`: the rate
    while its mode has it on, HK always) and releases a packet each time the buffer holds ``packet_size``;
    the release time is interpolated linearly within the timeline sample (the rate is constant over it).
    The last partial packet of each instrument is not released.

    Parameters
    ----------
    timeline : ModeTimeline
        Modes along a track (:func:`smilekit.mission.modes.mode_timeline`).
    instrument_rates : dict, optional
        Instrument name -> rate while on (Quantity, bit/s); default
        :data:`smilekit.mission.ground.DEFAULT_INSTRUMENT_RATES` (assumptions).
    packet_size : astropy.units.Quantity
        Size of every packet (default :data:`DEFAULT_PACKET_SIZE`, an assumption), a whole number of
        octets from 1 to :data:`MAX_PACKET_SIZE`.

    Returns
    -------
    pandas.DataFrame
        One row per packet, sorted by time (then source): ``time`` (datetime64[ns] UTC), ``source``
        (categorical), ``size_bytes`` (int64).

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.mission.modes import mode_timeline
    >>> from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
    >>> times = sample_times("2026-03-01", "2026-03-01T01:00", 60 * u.s)
    >>> track = kepler_track(science_orbit("2026-03-01"), times)
    >>> packets = volume_packets(mode_timeline(track), instrument_rates={"HK": 8 * u.kbit / u.s})
    >>> len(packets), int(packets.size_bytes.sum())  # 1 kB/s for an hour, in 1024-octet packets
    (3515, 3599360)
    """
    octets = as_scalar(packet_size, u.byte, "packet_size", positive=True)
    if octets != np.round(octets) or not 1 <= octets <= MAX_PACKET_SIZE:
        raise InputError(
            f"packet_size must be a whole number of octets from 1 to {MAX_PACKET_SIZE}, got {packet_size}"
        )
    octets = int(octets)
    rates = generation_rates(timeline, instrument_rates)
    time = timeline.time
    t_s = (time - time[0]).astype(np.int64) / _NS_PER_S if len(time) else np.zeros(0)
    dt = timeline.sample_durations_s()
    names, times, codes = sorted(rates), [], []
    for code, name in enumerate(names):
        filled = np.concatenate([[0.0], np.cumsum(rates[name].to_value(u.byte / u.s) * dt)])[: len(time)]
        count = int(np.floor(filled[-1] / octets + 1e-9)) if len(time) else 0
        if count == 0:
            continue
        threshold = np.arange(1, count + 1, dtype=np.float64) * octets
        k = np.clip(np.searchsorted(filled, threshold, side="left"), 1, len(time) - 1)
        span = filled[k] - filled[k - 1]
        fraction = np.divide(threshold - filled[k - 1], span, out=np.ones_like(span), where=span > 0)
        seconds = t_s[k - 1] + np.clip(fraction, 0.0, 1.0) * (t_s[k] - t_s[k - 1])
        times.append(time[0] + np.round(seconds * _NS_PER_S).astype("timedelta64[ns]"))
        codes.append(np.full(count, code, dtype=np.int8))
    stamps = np.concatenate(times) if times else np.array([], "datetime64[ns]")
    code = np.concatenate(codes) if codes else np.array([], np.int8)
    order = np.lexsort((code, stamps))
    return pd.DataFrame(
        {
            "time": stamps[order],
            "source": pd.Categorical.from_codes(code[order], categories=names),
            "size_bytes": np.full(order.size, octets, dtype=np.int64),
        }
    )


@dataclass(frozen=True, eq=False)
class MemoryResult:
    """What the mass memory did with each packet (from :func:`simulate_memory`).

    Per-packet arrays are in the order the packets were given.

    Attributes
    ----------
    time : numpy.ndarray
        Generation time, ``datetime64[ns]`` UTC.
    size : numpy.ndarray
        Packet size, octets (int64).
    source : numpy.ndarray
        Source name (str).
    status : numpy.ndarray
        Code into :data:`STATUS` (int8): downlinked, rejected (memory full, ``when_full="stop"``),
        overwritten (``when_full="overwrite"``), on_board (still stored at ``end``).
    downlink_time : numpy.ndarray
        When the packet's last byte was sent (datetime64[ns]); NaT unless downlinked.
    contact : numpy.ndarray
        Index into :attr:`contacts` of the contact that sent it (int64); -1 unless downlinked.
    lost_time : numpy.ndarray
        When the packet was lost (its generation if rejected, the overwrite otherwise); NaT if not lost.
    fill_after : numpy.ndarray
        Memory fill level (octets) just after each packet was made (or refused).
    contacts : pandas.DataFrame
        The contacts: ``start``, ``end``, ``duration_min``, ``packets`` and ``volume_bytes`` sent in each.
    capacity_bytes, downlink_rate_bit_s : float
        The capacity and the downlink rate used.
    end : numpy.datetime64
        The end of the simulation.
    """

    time: np.ndarray
    size: np.ndarray
    source: np.ndarray
    status: np.ndarray
    downlink_time: np.ndarray
    contact: np.ndarray
    lost_time: np.ndarray
    fill_after: np.ndarray
    contacts: pd.DataFrame
    capacity_bytes: int
    downlink_rate_bit_s: float
    end: np.datetime64
    _steps: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.size.size

    @property
    def peak_fill(self) -> u.Quantity:
        """The highest fill level reached (the level rises only when a packet is stored)."""
        return float(self.fill_after.max(initial=0)) * u.byte

    def status_names(self) -> np.ndarray:
        """:attr:`status` as names from :data:`STATUS`."""
        return np.asarray(STATUS)[self.status]

    def _fill_steps(self) -> tuple[np.ndarray, np.ndarray]:
        """Times (datetime64) at which the fill level changes, and the level (octets) from each on."""
        if not self._steps:
            stored = self.status != _REJECTED
            down = self.status == _DOWNLINKED
            over = self.status == _OVERWRITTEN
            t = np.concatenate([self.time[stored], self.downlink_time[down], self.lost_time[over]])
            d = np.concatenate([self.size[stored], -self.size[down], -self.size[over]])
            # at one instant, departures before arrivals (as in the queue)
            order = np.lexsort((d > 0, t))
            self._steps["t"] = t[order]
            self._steps["level"] = np.cumsum(d[order])
        return self._steps["t"], self._steps["level"]

    def fill_history(self) -> tuple[np.ndarray, u.Quantity]:
        """Every change of the fill level: the times (datetime64[ns], sorted) and the level from each on
        (octets, Quantity): up at each packet stored, down at each last byte sent and each overwrite."""
        t, level = self._fill_steps()
        return t.copy(), level.astype(np.float64) * u.byte

    def fill_level(self, times) -> u.Quantity:
        """The memory fill level (octets, Quantity) at ``times`` (datetime64), including every packet
        stored or generated at that instant and not yet fully sent."""
        t = _as_times(times, "times")
        steps_t, level = self._fill_steps()
        k = np.searchsorted(steps_t, t, side="right") - 1
        return np.where(k >= 0, level[np.maximum(k, 0)], 0).astype(np.float64) * u.byte

    def latency(self) -> np.ndarray:
        """Acquisition-to-ground latency of each packet, s (float64); NaN unless downlinked."""
        out = (self.downlink_time - self.time).astype(np.int64) / _NS_PER_S
        return np.where(self.status == _DOWNLINKED, out, np.nan)

    def latency_table(self, where=None) -> pd.DataFrame:
        """Per source: packets and volume generated, how each ended, and the latency of those downlinked.

        Parameters
        ----------
        where : array of bool, optional
            The packets to count (e.g. those made in one orbit); default all.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``packets``, ``generated_MB``, ``downlinked``, ``rejected``,
            ``overwritten``, ``on_board``, ``latency_median_h``, ``latency_p95_h``, ``latency_max_h`` (NaN
            where none came down), with a last row ``all``. The percentiles are numpy's default (linear
            interpolation between order statistics).
        """
        latency_h = self.latency() / 3600.0
        chosen = np.ones(len(self), bool) if where is None else np.asarray(where, dtype=bool)
        if chosen.shape != (len(self),):
            raise InputError(f"where must hold one bool per packet ({len(self)}), got shape {chosen.shape}")
        rows = []
        for name in [*sorted(pd.unique(self.source[chosen])), "all"]:
            pick = chosen if name == "all" else chosen & (self.source == name)
            row = {
                "source": str(name),
                "packets": int(pick.sum()),
                "generated_MB": self.size[pick].sum() / 1e6,
            }
            for code, label in enumerate(STATUS):
                row[label] = int((self.status[pick] == code).sum())
            values = latency_h[pick & (self.status == _DOWNLINKED)]
            if values.size:
                median, p95 = np.percentile(values, [50.0, 95.0])
                row |= {"latency_median_h": median, "latency_p95_h": p95, "latency_max_h": values.max()}
            else:
                row |= {"latency_median_h": np.nan, "latency_p95_h": np.nan, "latency_max_h": np.nan}
            rows.append(row)
        return pd.DataFrame(rows)


def simulate_memory(
    time,
    size,
    source,
    contacts,
    *,
    downlink_rate=DEFAULT_DOWNLINK_RATE,
    capacity=DEFAULT_MEMORY_CAPACITY,
    when_full: str = "overwrite",
    priority=None,
    end=None,
) -> MemoryResult:
    """Store packets in the mass memory and play them back during the contacts (module notes).

    Parameters
    ----------
    time : array of datetime64
        Generation time of each packet (UTC); any order (ties keep the input order).
    size : array of int
        Size of each packet in octets (1 to :data:`MAX_PACKET_SIZE`).
    source : array of str
        Source of each packet (SXI, UVI, LIA, MAG, HK or any name ``priority`` knows).
    contacts : pandas.DataFrame
        Sorted, disjoint downlink contacts with ``start`` and ``end``
        (:func:`smilekit.mission.ground.contact_intervals`).
    downlink_rate : astropy.units.Quantity
        Rate during contact (> 0; default :data:`smilekit.mission.ground.DEFAULT_DOWNLINK_RATE`).
    capacity : astropy.units.Quantity
        Memory size (bit or byte, > 0; default :data:`DEFAULT_MEMORY_CAPACITY`, an assumption).
    when_full : {"overwrite", "stop"}
        What a new packet that does not fit does: delete the oldest stored packets, or be refused.
    priority : dict, optional
        Source -> priority class (int, lower is sent first); default :data:`DEFAULT_PRIORITY`.
    end : datetime64, optional
        End of the simulation: packets not sent by then are ``on_board``; default the later of the last
        packet and the last contact end. Contacts past it are cut.

    Returns
    -------
    MemoryResult

    Raises
    ------
    InputError
        For mismatched lengths, sizes that are not packet sizes, NaT times, overlapping or empty contacts,
        a rate or capacity without units or not positive, an unknown ``when_full``, a source without a
        priority class, or packets made after ``end``.

    Examples
    --------
    One contact of 100 s at 8 kbit/s (1000 octets/s) from t = 100 s; three 1000-octet packets made before:
    each takes one second, so they arrive 101, 102 and 103 s after the start.

    >>> import astropy.units as u, numpy as np, pandas as pd
    >>> t0 = np.datetime64("2026-03-01T00:00", "ns")
    >>> second = np.timedelta64(1, "s")
    >>> contacts = pd.DataFrame({"start": [t0 + 100 * second], "end": [t0 + 200 * second]})
    >>> result = simulate_memory(t0 + np.array([0, 10, 20], "timedelta64[s]"), np.array([1000] * 3),
    ...                          np.array(["SXI"] * 3), contacts, downlink_rate=8 * u.kbit / u.s)
    >>> result.latency()  # seconds
    array([101.,  92.,  83.])
    """
    t = _as_times(time, "time").reshape(-1)
    octets = _sizes(size).reshape(-1)
    src = np.asarray(source).reshape(-1)
    if not t.size == octets.size == src.size:
        raise InputError(
            f"time, size and source must have one value per packet, got lengths {t.size}, {octets.size}, "
            f"{src.size}"
        )
    if when_full not in _WHEN_FULL:
        raise InputError(f"when_full must be one of {', '.join(_WHEN_FULL)}, got {when_full!r}")
    rate = as_scalar(downlink_rate, u.byte / u.s, "downlink_rate", positive=True)
    cap = _capacity_octets(capacity)
    cls, names = _classes(src, priority) if src.size else (np.zeros(0, np.int64), np.zeros(0, str))

    origin = t.min() if t.size else np.datetime64("2000-01-01", "ns")
    a, b = _contacts(contacts, origin)
    last = t.max() if t.size else origin
    if len(a):
        last = max(last, _as_times(contacts["end"], "contacts end").max())
    stop = last if end is None else _as_times(end, "end").reshape(())
    if t.size and t.max() > stop:
        raise InputError(f"packets are made after the end of the simulation ({t.max()} > end {stop})")
    stop_s = (stop - origin).astype(np.int64) / _NS_PER_S
    keep = a < stop_s
    a, b = a[keep], np.minimum(b[keep], stop_s)
    before = np.concatenate([[0.0], np.cumsum(b - a)])[:-1]

    t_s = (t - origin).astype(np.int64) / _NS_PER_S
    arrival = np.argsort(t_s, kind="stable")  # kernel order: generation time, then input order
    inv = np.empty_like(arrival)
    inv[arrival] = np.arange(arrival.size)
    k_cls = cls[arrival]
    order = np.argsort(
        k_cls.astype(np.int16), kind="stable"
    )  # a radix sort for small integers  # kernel indices of each class, in generation order
    slot = np.empty_like(order)
    slot[order] = np.arange(order.size)
    class_start = np.searchsorted(k_cls[order], np.arange(k_cls.max(initial=-1) + 2))
    tau = _contact_clock(t_s[arrival], a, b, before) if len(a) else np.zeros(t.size)
    finish, status, level_after, gone_at = _queue_kernel(
        t_s[arrival],
        tau,
        octets[arrival],
        slot,
        k_cls,
        order,
        class_start.astype(np.int64),
        1.0 / rate if len(a) else np.inf,
        cap,
        when_full == "overwrite",
    )
    finish, status, level_after, gone_at = finish[inv], status[inv], level_after[inv], gone_at[inv]
    if len(a):
        wall, contact = _wall_time(finish, a, b, before)
    else:
        wall, contact = np.full(t.size, np.nan), np.full(t.size, -1)
    status = status.astype(np.int8)
    pending = status == _PENDING
    status[pending & (contact >= 0)] = _DOWNLINKED
    status[pending & (contact < 0)] = _ON_BOARD
    down = status == _DOWNLINKED
    contact = np.where(down, contact, -1).astype(np.int64)

    def stamps(seconds, valid):
        out = np.full(seconds.size, np.datetime64("NaT"), dtype="datetime64[ns]")
        out[valid] = origin + np.round(seconds[valid] * _NS_PER_S).astype("timedelta64[ns]")
        return out

    lost_s = np.where(status == _REJECTED, t_s, gone_at)
    table = pd.DataFrame(
        {
            "start": stamps(a, np.ones(a.size, bool)),
            "end": stamps(b, np.ones(b.size, bool)),
            "duration_min": (b - a) / 60.0,
            "packets": np.bincount(contact[down], minlength=a.size),
            "volume_bytes": np.bincount(contact[down], weights=octets[down], minlength=a.size).astype(
                np.int64
            ),
        }
    )
    return MemoryResult(
        time=t,
        size=octets,
        source=names,
        status=status,
        downlink_time=stamps(wall, down),
        contact=contact,
        lost_time=stamps(lost_s, (status == _REJECTED) | (status == _OVERWRITTEN)),
        fill_after=level_after,
        contacts=table,
        capacity_bytes=cap,
        downlink_rate_bit_s=rate * 8.0,
        end=stop,
    )
