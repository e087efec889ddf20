"""On-board time: UTC <-> CUC (coarse seconds, fine 2^-16 s) through a time-correlation table.

The spacecraft clock counts uniform seconds (no leap seconds) from its own zero; the ground segment keeps
a time-correlation table (TCT) of pairs (on-board time, UTC) with the clock's rate, measured on the ground
passes. Between row ``i`` and row ``i + 1`` the on-board time ``x`` is converted with row ``i``:

    TAI(x) = TAI_i + (x - x_i) * g_i

(``g_i``: seconds of TAI per second of on-board time, 1 for a perfect clock), then TAI -> UTC with the leap
seconds of astropy's table (:class:`astropy.time.Time`; TAI - UTC is constant through a UTC day, since
leap seconds are inserted only at a day's end, so astropy is asked once per day spanned). The epoch of the
table's default (:meth:`TimeCorrelation.ideal`) is the CCSDS level-1 epoch, 1958 January 1 TAI
(:cite:`ccsds3010b4`, sec. 3.2.2; not confirmed against the document here): a perfect clock that reads
TAI seconds since 1958. A real SMILE clock epoch is not published; an actual table replaces this one.

A *jump* is a row whose UTC differs from the previous row's prediction by more than
``jump_tolerance`` (a clock reset or a correlation error): it is never smoothed. The times converted
through the two rows around it carry :data:`TIME_JUMP` in their quality, and :attr:`TimeCorrelation.jumps`
lists them. On-board times before the first row are extrapolated with it and carry
:data:`TIME_EXTRAPOLATED`. A UTC inside an inserted leap second (23:59:60) has no ``datetime64`` value: it
maps to the next day's 00:00:00.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from astropy.time import Time

from smilekit._validation import as_value
from smilekit.errors import InputError
from smilekit.telemetry.packets import CUC_FINE_PER_S
from smilekit.times import as_datetime64, tai_minus_utc_s

__all__ = [
    "OBT_EPOCH_TAI",
    "TIME_EXTRAPOLATED",
    "TIME_JUMP",
    "TimeCorrelation",
]

#: The CCSDS level-1 epoch, 1958-01-01T00:00:00 TAI, the zero of :meth:`TimeCorrelation.ideal`'s clock.
OBT_EPOCH_TAI = Time("1958-01-01T00:00:00", scale="tai")
#: Quality bit: the on-board time lies before the table's first row (extrapolated).
TIME_EXTRAPOLATED = 1
#: Quality bit: converted through a row next to a jump in the table.
TIME_JUMP = 2

_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS
#: 1958-01-01 to 1970-01-01: 4383 days (UTC and TAI agreed to within 10 s then; TAI ns are counted
#: from 1958 TAI, UTC ns from 1970 UTC, and :func:`~smilekit.times.tai_minus_utc_s` supplies the difference).
_UNIX_MINUS_1958_NS = 4383 * _DAY_NS


def _utc_to_tai_ns(utc: np.ndarray) -> np.ndarray:
    """TAI ns since 1958 TAI of UTC datetime64[ns]."""
    ns = utc.astype("datetime64[ns]").astype(np.int64)
    return ns + tai_minus_utc_s(ns) * _NS + _UNIX_MINUS_1958_NS


def _tai_to_utc_ns(tai: np.ndarray) -> np.ndarray:
    """UTC ns since 1970 of TAI ns since 1958 (two passes: the offset at the UTC guess)."""
    guess = tai - _UNIX_MINUS_1958_NS - 37 * _NS
    guess = tai - _UNIX_MINUS_1958_NS - tai_minus_utc_s(guess) * _NS
    return tai - _UNIX_MINUS_1958_NS - tai_minus_utc_s(guess) * _NS


def _ticks_to_ns(d: np.ndarray) -> np.ndarray:
    """Exact nearest ns of ``d`` ticks of 2^-16 s (split into seconds so that nothing overflows)."""
    q, r = np.divmod(d, CUC_FINE_PER_S)
    return q * _NS + (r * 1_953_125 + 64) // 128  # 1e9 / 65536 = 1953125 / 128


def _ns_to_ticks(d: np.ndarray) -> np.ndarray:
    """Nearest tick of ``d`` ns."""
    q, r = np.divmod(d, _NS)
    return q * CUC_FINE_PER_S + (r * 128 + 976_562) // 1_953_125


class TimeCorrelation:
    """A time-correlation table: on-board time <-> UTC (module docstring for the model).

    Parameters
    ----------
    obt : Quantity
        On-board time of each row (s since the clock's zero), strictly increasing, >= 0 and < 2^32 s.
    utc : time-like
        UTC of each row.
    gradient : array_like, optional
        Seconds of TAI per second of on-board time from each row on (default 1: no drift); within
        0.999 to 1.001.
    jump_tolerance : Quantity
        A row further than this from the previous row's prediction is a jump (default 1 ms).

    Raises
    ------
    InputError
        For rows out of order, lengths that differ, a gradient out of range.

    Examples
    --------
    >>> import numpy as np
    >>> tct = TimeCorrelation.ideal()
    >>> c, f = tct.obt_from_utc(np.array(["2026-03-20T12:00:00.5"], dtype="datetime64[ns]"))
    >>> int(c[0]), int(f[0])
    (2152699237, 32768)
    >>> tct.utc_from_obt(c, f)[0]
    array(['2026-03-20T12:00:00.500000000'], dtype='datetime64[ns]')
    """

    def __init__(self, obt, utc, gradient=None, *, jump_tolerance=1.0 * u.ms):
        obt_s = np.atleast_1d(as_value(obt, u.s, "obt"))
        utc_t = np.atleast_1d(as_datetime64(utc))
        n = obt_s.shape[0]
        if obt_s.ndim != 1 or utc_t.shape != (n,) or n == 0:
            raise InputError(f"give one UTC per on-board time, got {obt_s.shape} and {utc_t.shape}")
        g = np.ones(n) if gradient is None else np.atleast_1d(np.asarray(gradient, dtype=np.float64))
        if g.shape != (n,) or not np.all((g > 0.999) & (g < 1.001)):
            raise InputError(f"gradient must have {n} values within 0.999 to 1.001, got {g}")
        if np.any(obt_s < 0) or np.any(obt_s >= 2.0**32) or np.any(np.diff(obt_s) <= 0):
            raise InputError("the on-board times of the rows must increase strictly within 0 to 2**32 s")
        self.obt_ticks = np.rint(obt_s * CUC_FINE_PER_S).astype(np.int64)
        self.utc = utc_t
        self.tai_ns = _utc_to_tai_ns(utc_t)
        self.gradient = g
        tol_ns = as_value(jump_tolerance, u.ns, "jump_tolerance")
        predicted = self._tai(self.obt_ticks[1:], np.arange(n - 1))
        off = self.tai_ns[1:] - predicted
        self.jump_rows = np.flatnonzero(np.abs(off) > tol_ns) + 1
        #: The jumps: dicts of ``row``, ``obt_s``, ``utc``, ``offset_s`` (row minus prediction).
        self.jumps = [
            {
                "row": int(i),
                "obt_s": float(obt_s[i]),
                "utc": str(utc_t[i]),
                "offset_s": float(off[i - 1]) / 1e9,
            }
            for i in self.jump_rows
        ]

    @classmethod
    def ideal(cls) -> TimeCorrelation:
        """A perfect clock reading TAI seconds since 1958-01-01 TAI (:data:`OBT_EPOCH_TAI`)."""
        row = Time("2000-01-01T00:00:00", scale="utc")
        obt = (row.tai - OBT_EPOCH_TAI).to_value(u.s)
        return cls([obt] * u.s, ["2000-01-01T00:00:00"])

    def _tai(self, ticks: np.ndarray, row: np.ndarray) -> np.ndarray:
        d = ticks - self.obt_ticks[row]
        ns = _ticks_to_ns(d)
        drift = self.gradient[row] - 1.0
        return self.tai_ns[row] + ns + np.rint(ns * drift).astype(np.int64)

    def utc_from_obt(self, coarse, fine=0) -> tuple[np.ndarray, np.ndarray]:
        """UTC (datetime64[ns]) and time quality bits (uint8) of CUC times (whole seconds, 2^-16 s)."""
        ticks = np.asarray(coarse, dtype=np.int64) * CUC_FINE_PER_S + np.asarray(fine, dtype=np.int64)
        row = np.clip(np.searchsorted(self.obt_ticks, ticks, side="right") - 1, 0, None)
        utc = _tai_to_utc_ns(self._tai(ticks, row)).astype("datetime64[ns]")
        quality = np.where(ticks < self.obt_ticks[0], TIME_EXTRAPOLATED, 0).astype(np.uint8)
        for j in self.jump_rows:
            quality[(row == j) | (row == j - 1)] |= TIME_JUMP
        return utc, quality

    def obt_from_utc(self, time) -> tuple[np.ndarray, np.ndarray]:
        """The CUC time (coarse seconds, fine 2^-16 s; int64 arrays) of UTC times, to the nearest tick.

        Raises
        ------
        InputError
            For a time whose on-board time is negative or beyond 2^32 s.
        """
        t = np.atleast_1d(as_datetime64(time))
        tai = _utc_to_tai_ns(t)
        row = np.clip(np.searchsorted(self.tai_ns, tai, side="right") - 1, 0, None)
        d = tai - self.tai_ns[row]
        g = self.gradient[row]
        d_obt = d - np.rint(d * (1.0 - 1.0 / g)).astype(np.int64)
        ticks = self.obt_ticks[row] + _ns_to_ticks(d_obt)
        if ticks.size and (ticks.min() < 0 or ticks.max() >= 2**32 * CUC_FINE_PER_S):
            raise InputError("a time lies outside the on-board clock's range (0 to 2**32 s of on-board time)")
        return ticks // CUC_FINE_PER_S, ticks % CUC_FINE_PER_S
