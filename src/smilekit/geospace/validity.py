"""The solar-wind range each geospace model was fitted to, and the check of a state or series against it.

An empirical model is a fit to data (spacecraft crossings, MHD runs) that covered a finite range of the
solar-wind drivers; outside it the formula still returns numbers, but nothing in the fit supports them
(Shue et al. 1997 gives a 2.8 RE stand-off at Bz = -48 nT, far below any crossing in its data set).
Every model carries its range as a :class:`FitRange` (the boundary functions as their ``fit_range``
attribute, the emissivity models as ``fit_range``); that is the one home of the numbers: the models'
docstrings are written from it (:meth:`FitRange.describe`).

The check (:func:`check_fit_range`, kernel :func:`check_fit_range_values`) flags, record by record, the
drivers outside their range and says why ("pdyn 64 nPa > 30 nPa (Lin et al. 2010)"). A record whose
drivers are NaN (a data gap) is neither inside nor outside: it is not flagged.

**Far outside.** A record is *far* outside when a driver lies beyond its range by more than
:data:`FAR_FRACTION` (one half) of the range's width: in the driver's own unit for Bz, tilt and speed,
and in log10 for the positive scale-like drivers (pdyn, pm, n), whose fits are power laws. So Shue et al.
(1997), fitted on -18 <= Bz <= 15 nT (width 33 nT), is far outside below Bz = -34.5 nT, and on
0.5 <= Dp <= 8.5 nPa (a factor of 17) far outside above 8.5 x 17^0.5 = 35 nPa. The rule is a convention of
smilekit, not of the papers: it marks where a figure should stop showing the model as a prediction.

Drivers and their units (plain floats in the kernel, Quantities at the public boundary):
``pdyn`` (nPa), ``pm`` (nPa), ``bz`` (nT, GSM), ``tilt`` (deg), ``n`` (cm^-3), ``v`` (km/s).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import astropy.units as u
import numpy as np

from smilekit._validation import as_value
from smilekit.errors import InputError, ModelDomainWarning

__all__ = [
    "DRIVER_UNITS",
    "FAR_FRACTION",
    "DriverRange",
    "FitRange",
    "RangeCheck",
    "check_fit_range",
    "check_fit_range_values",
    "fit_range_of",
    "warn_outside",
]

#: The unit of each driver: (astropy unit, the suffix of its key in summaries and tables).
DRIVER_UNITS: dict[str, tuple[u.UnitBase, str]] = {
    "pdyn": (u.nPa, "nPa"),
    "pm": (u.nPa, "nPa"),
    "bz": (u.nT, "nT"),
    "tilt": (u.deg, "deg"),
    "n": (u.cm**-3, "cm-3"),
    "v": (u.km / u.s, "km_s-1"),
}

#: The drivers whose range is measured in log10 (positive, fitted as power laws).
_LOG_DRIVERS = frozenset({"pdyn", "pm", "n"})

#: A driver beyond its range by more than this fraction of the range's width is "far outside".
FAR_FRACTION = 0.5


@dataclass(frozen=True)
class DriverRange:
    """The fitted range [low, high] of one driver, in the unit of :data:`DRIVER_UNITS`.

    Parameters
    ----------
    driver : str
        One of :data:`DRIVER_UNITS`.
    low, high : float
        The bounds (low < high), in the driver's unit.
    source : str
        Who says so, as shown in a reason, e.g. "Shue et al. 1997".
    high_source : str, optional
        When the upper bound comes from another paper than the lower one (a combined range).
    """

    driver: str
    low: float
    high: float
    source: str
    high_source: str | None = None

    def __post_init__(self) -> None:
        if self.driver not in DRIVER_UNITS:
            raise InputError(f"unknown driver {self.driver!r}; accepted: {sorted(DRIVER_UNITS)}")
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise InputError(
                f"{self.driver} range must have finite low < high, got [{self.low}, {self.high}]"
            )
        if self.log and self.low <= 0:
            raise InputError(f"{self.driver} range must have low > 0 (it is measured in log), got {self.low}")

    @property
    def unit(self) -> str:
        """The unit's key suffix (e.g. "nPa")."""
        return DRIVER_UNITS[self.driver][1]

    @property
    def key(self) -> str:
        """The driver's key with its unit, as in ``summary.json`` (e.g. "pdyn_nPa")."""
        return f"{self.driver}_{self.unit}"

    @property
    def log(self) -> bool:
        """Whether the width of the range is measured in log10."""
        return self.driver in _LOG_DRIVERS

    @property
    def far_bounds(self) -> tuple[float, float]:
        """The limits beyond which a value is far outside (see the module docstring)."""
        if self.log:
            width = np.log10(self.high / self.low)
            factor = 10.0 ** (FAR_FRACTION * width)
            return self.low / factor, self.high * factor
        margin = FAR_FRACTION * (self.high - self.low)
        return self.low - margin, self.high + margin

    def _shown_unit(self) -> str:
        return {"cm-3": "cm^-3", "km_s-1": "km/s"}.get(self.unit, self.unit)

    def label(self, side: str) -> str:
        """The reason without a value: "pdyn > 30 nPa (Lin et al. 2010)" for ``side`` "high" (or "low")."""
        if side == "low":
            return f"{self.driver} < {self.low:g} {self._shown_unit()} ({self.source})"
        return f"{self.driver} > {self.high:g} {self._shown_unit()} ({self.high_source or self.source})"

    def reason(self, value: float, side: str) -> str:
        """The reason with the value: "pdyn 64 nPa > 30 nPa (Lin et al. 2010)"."""
        bound, sign = (self.low, "<") if side == "low" else (self.high, ">")
        source = self.source if side == "low" else (self.high_source or self.source)
        unit = self._shown_unit()
        return f"{self.driver} {value:.3g} {unit} {sign} {bound:g} {unit} ({source})"

    def describe(self) -> str:
        """e.g. "0.5 <= pdyn <= 8.5 nPa"."""
        return f"{self.low:g} <= {self.driver} <= {self.high:g} {self._shown_unit()}"


@dataclass(frozen=True)
class FitRange:
    """The solar-wind range a model's fit covers: one :class:`DriverRange` per driver it was fitted on.

    Parameters
    ----------
    model : str
        The model's name.
    bounds : tuple of DriverRange
        At most one per driver. A driver that is not bounded is not checked.
    citation : str
        Where the numbers come from (paper, section, table or figure), with ``:cite:`` keys.
    note : str
        What the numbers mean and how sure they are.

    Examples
    --------
    >>> fr = FitRange("example", (DriverRange("bz", -10.0, 10.0, "A et al. 2000"),), "A et al. 2000", "")
    >>> fr.as_dict()
    {'bz_nT': [-10.0, 10.0]}
    >>> check_fit_range_values(fr, bz=[0.0, -40.0]).reasons(1)
    ['bz -40 nT < -10 nT (A et al. 2000)']
    """

    model: str
    bounds: tuple[DriverRange, ...]
    citation: str
    note: str = ""
    _by_driver: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        drivers = [b.driver for b in self.bounds]
        if len(set(drivers)) != len(drivers):
            raise InputError(f"fit range of {self.model} bounds a driver twice: {drivers}")
        object.__setattr__(self, "_by_driver", {b.driver: b for b in self.bounds})

    @property
    def drivers(self) -> tuple[str, ...]:
        """The drivers this range bounds."""
        return tuple(b.driver for b in self.bounds)

    def __getitem__(self, driver: str) -> DriverRange:
        return self._by_driver[driver]

    def as_dict(self) -> dict[str, list[float]]:
        """``{"pdyn_nPa": [low, high], ...}``: the range with the units in the keys (for ``summary.json``)."""
        return {b.key: [float(b.low), float(b.high)] for b in self.bounds}

    def describe(self) -> str:
        """One sentence for a docstring or a report: the bounds, then the citation and the note."""
        body = ", ".join(b.describe() for b in self.bounds) or "no bounded driver"
        text = f"{body} ({self.citation})."
        return f"{text} {self.note}" if self.note else text

    def combine(self, other: FitRange, *, model: str | None = None, note: str = "") -> FitRange:
        """The intersection of two ranges (a model built on another: both fits must hold).

        Per driver the tighter bound of each side is kept, with its own source.
        """
        merged: dict[str, DriverRange] = {b.driver: b for b in self.bounds}
        for b in other.bounds:
            a = merged.get(b.driver)
            if a is None:
                merged[b.driver] = b
                continue
            low, low_src = (a.low, a.source) if a.low >= b.low else (b.low, b.source)
            a_high_src, b_high_src = a.high_source or a.source, b.high_source or b.source
            high, high_src = (a.high, a_high_src) if a.high <= b.high else (b.high, b_high_src)
            if low >= high:
                raise InputError(f"the ranges of {self.model} and {other.model} do not overlap in {b.driver}")
            merged[b.driver] = DriverRange(
                b.driver, low, high, low_src, None if high_src == low_src else high_src
            )
        citation = self.citation if self.citation == other.citation else f"{self.citation}; {other.citation}"
        sentences: list[str] = []  # each sentence once (two fits may share a caveat)
        for text in (note, self.note, other.note):
            for sentence in text.replace(". ", ".\n").splitlines():
                if sentence.strip() and sentence.strip() not in sentences:
                    sentences.append(sentence.strip())
        notes = " ".join(sentences)
        return FitRange(model or f"{self.model} + {other.model}", tuple(merged.values()), citation, notes)


@dataclass(frozen=True)
class RangeCheck:
    """The result of a check: per-record flags, and the reasons.

    Attributes
    ----------
    fit_range : FitRange
    values : dict of ndarray
        The drivers checked, in the units of :data:`DRIVER_UNITS`, shape (N,).
    below, above : dict of ndarray of bool
        Per driver: the records below its low / above its high bound.
    far : dict of ndarray of bool
        Per driver: the records beyond its far limits.
    """

    fit_range: FitRange
    values: dict[str, np.ndarray]
    below: dict[str, np.ndarray]
    above: dict[str, np.ndarray]
    far: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        """The number of records."""
        return int(next(iter(self.values.values())).size) if self.values else 0

    def _any(self, table: dict) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        for flags in table.values():
            out |= flags
        return out

    @property
    def outside(self) -> np.ndarray:
        """True where any driver is outside its range."""
        return self._any(self.below) | self._any(self.above)

    @property
    def far_outside(self) -> np.ndarray:
        """True where any driver is far outside its range."""
        return self._any(self.far)

    def reasons(self, index: int) -> list[str]:
        """The reasons record ``index`` is outside (empty when inside), with the values."""
        out = []
        for driver, bound in self.fit_range._by_driver.items():
            if driver not in self.values:
                continue
            value = float(self.values[driver][index])
            if self.below[driver][index]:
                out.append(bound.reason(value, "low"))
            elif self.above[driver][index]:
                out.append(bound.reason(value, "high"))
        return out

    def counts(self) -> dict[str, int]:
        """How many records each bound flags: ``{"pdyn > 30 nPa (Lin et al. 2010)": 12, ...}``."""
        out = {}
        for driver, bound in self.fit_range._by_driver.items():
            if driver not in self.values:
                continue
            for side, table in (("low", self.below), ("high", self.above)):
                n = int(table[driver].sum())
                if n:
                    out[bound.label(side)] = n
        return out


def check_fit_range_values(fit_range: FitRange, **drivers) -> RangeCheck:
    """Kernel: flag the records outside ``fit_range``; drivers as plain floats in :data:`DRIVER_UNITS`.

    Every driver the range bounds must be given (arrays that broadcast to one shape (N,), or scalars);
    others are ignored. NaN is never flagged.
    """
    missing = [d for d in fit_range.drivers if d not in drivers]
    if missing:
        raise InputError(f"the fit range of {fit_range.model} needs the drivers {missing}")
    used = [np.atleast_1d(np.asarray(drivers[d], dtype=np.float64)) for d in fit_range.drivers]
    used = np.broadcast_arrays(*used) if used else []
    values = {d: np.asarray(v).ravel() for d, v in zip(fit_range.drivers, used, strict=True)}
    below, above, far = {}, {}, {}
    with np.errstate(invalid="ignore"):
        for d, v in values.items():
            bound = fit_range[d]
            lo_far, hi_far = bound.far_bounds
            below[d] = v < bound.low
            above[d] = v > bound.high
            far[d] = (v < lo_far) | (v > hi_far)
    return RangeCheck(fit_range, values, below, above, far)


def fit_range_of(model) -> FitRange:
    """The :class:`FitRange` of ``model``: a FitRange itself, or anything with a ``fit_range`` attribute.

    The boundary functions of :mod:`smilekit.geospace.boundaries` and the emissivity models of
    :mod:`smilekit.geospace.emissivity` carry one.
    """
    if isinstance(model, FitRange):
        return model
    out = getattr(model, "fit_range", None)
    if not isinstance(out, FitRange):
        raise InputError(f"{model!r} has no fitted range (a FitRange or a model with .fit_range expected)")
    return out


def check_fit_range(model, **drivers) -> RangeCheck:
    """Flag the records outside the solar-wind range a model was fitted to, and say why.

    Parameters
    ----------
    model : FitRange or model
        A :class:`FitRange`, or a model with a ``fit_range`` (e.g.
        :func:`~smilekit.geospace.boundaries.shue1997`, an
        :class:`~smilekit.geospace.emissivity.EmissivityModel`).
    **drivers : Quantity
        ``pdyn``, ``pm``, ``bz``, ``tilt``, ``n``, ``v`` as the model needs (scalars or arrays of one
        length; NaN allowed: a gap is not flagged). Drivers the range does not bound are ignored, so the
        whole set of :func:`smilekit.solarwind.drivers.drivers_at` can be passed to every model.

    Returns
    -------
    RangeCheck
        ``outside`` and ``far_outside`` (bool per record), ``reasons(i)`` and ``counts()``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.geospace.boundaries import shue1997
    >>> check = check_fit_range(shue1997, pdyn=[2, 64] * u.nPa, bz=[-5, -48] * u.nT)
    >>> check.outside.tolist(), check.far_outside.tolist()
    ([False, True], [False, True])
    >>> check.reasons(1)
    ['pdyn 64 nPa > 8.5 nPa (Shue et al. 1997)', 'bz -48 nT < -18 nT (Shue et al. 1997)']
    """
    fit_range = fit_range_of(model)
    values = {}
    for name in fit_range.drivers:
        if name not in drivers:
            raise InputError(f"the fit range of {fit_range.model} needs {name} (a Quantity)")
        values[name] = as_value(drivers[name], DRIVER_UNITS[name][0], name, allow_nan=True)
    return check_fit_range_values(fit_range, **values)


def warn_outside(fit_range: FitRange, *, stacklevel: int = 2, **drivers) -> RangeCheck:
    """Flag a model used outside its fitted range: a :class:`~smilekit.errors.ModelDomainWarning`.

    The public Quantity functions of the boundary and emissivity models call this after their input
    checks (the unphysical is refused there; this is for the physical but unfitted). Drivers are plain
    floats in :data:`DRIVER_UNITS`, as for :func:`check_fit_range_values`; drivers the range does not
    bound are ignored, and a bounded one that is not given is not checked.

    Returns
    -------
    RangeCheck
        The check, whether or not it warned.

    Examples
    --------
    >>> import warnings
    >>> from smilekit.geospace.boundaries import SHUE1997_FIT_RANGE
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = warn_outside(SHUE1997_FIT_RANGE, pdyn=12.0, bz=-5.0)
    >>> print(caught[0].message)
    shue1997 used outside its fitted range (0.5 <= pdyn <= 8.5 nPa, -18 <= bz <= 15 nT): pdyn 12 nPa > 8.5 nPa
    (Shue et al. 1997); the answer is extrapolated
    """
    given = {d: drivers[d] for d in fit_range.drivers if d in drivers}
    sub = FitRange(fit_range.model, tuple(fit_range[d] for d in given), fit_range.citation, fit_range.note)
    check = check_fit_range_values(sub, **given)
    outside = check.outside
    if outside.any():
        if check.size == 1:
            why = "; ".join(check.reasons(0))
        else:
            why = "; ".join(f"{label} for {n} of {check.size} values" for label, n in check.counts().items())
        far = " (far outside: not a prediction)" if check.far_outside.any() else ""
        bounds = ", ".join(b.describe() for b in fit_range.bounds)
        warnings.warn(
            f"{fit_range.model} used outside its fitted range ({bounds}): {why}; the answer is "
            f"extrapolated{far}",
            ModelDomainWarning,
            stacklevel=stacklevel + 1,
        )
    return check
