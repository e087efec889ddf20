"""Checks at the public boundary: Quantities in, plain float64 arrays (in fixed units) out.

The one validation layer of smilekit (DESIGN.md, "Validation at the public boundary, once"). Every public
function that takes a physical value passes it through :func:`as_value`, which rejects wrong types (None,
strings, complex numbers, unitless numbers), wrong dimensions, NaN and values outside a given range with
an :class:`~smilekit.errors.InputError` that names the argument, its value and what is accepted. The
other checks here are the shapes of several arguments together (:func:`check_broadcast`), a physical
range such as a variable's VALIDMIN/VALIDMAX (:func:`check_range`), the direction of the solar-wind flow
(:func:`check_flow_direction`) and the whole-frame rule of an exposure (:func:`whole_frames`).

The checks are vectorised and run once, at the boundary; the plain-float kernels behind the public
functions trust their callers and are never checked.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.units import RE

__all__ = [
    "MAX_FLOW_ANGLE_DEG",
    "MAX_POSITION_RE",
    "as_generator",
    "as_positions",
    "as_rotation",
    "as_scalar",
    "as_value",
    "as_vector",
    "check_broadcast",
    "check_flow_direction",
    "check_range",
    "whole_frames",
]

#: The largest angle (deg) between a solar-wind velocity and the anti-sunward direction -X (GSE) that is
#: accepted. The near-Earth solar wind flows radially away from the Sun to within a few degrees: the
#: aberration by the Earth's orbital motion is atan(29.8 / 400) = 4.3 deg, and the flow angles of the
#: OMNI record (:cite:`king2005`, its flow longitude and latitude words) stay within about +-10 deg, the
#: largest deflections (in the sheaths of interplanetary CMEs) reaching a few tens of degrees. 45 deg is
#: well beyond any of these: a velocity further from -X is a sign error or a swapped component, not
#: solar wind (e.g. V = +400 km/s along X, flow towards the Sun, or flow along -Y).
MAX_FLOW_ANGLE_DEG = 45.0


def _short(value) -> str:
    """A value for a message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(values: np.ndarray) -> str:
    flat = np.ravel(values)
    if flat.size == 1:
        return f"{float(flat[0]):g}"
    return f"{flat.size} values, e.g. {float(flat[0]):g}"


def _unit_expression(unit: u.UnitBase) -> str:
    """How to write ``unit`` in Python with ``import astropy.units as u`` (``u.nPa``, ``u.km * u.s**-1``)."""
    terms = []
    for base, power in zip(unit.bases, unit.powers, strict=True):
        name = base.to_string()
        term = f"u.{name}" if getattr(u, name, None) == base else f"u.Unit({name!r})"
        exponent = f"{int(power)}" if float(power).is_integer() else f"({power})"  # Fraction(4, 3): (4/3)
        terms.append(term if power == 1 else f"{term}**{exponent}")
    expression = " * ".join(terms) or "u.dimensionless_unscaled"
    return expression if unit.scale == 1 else f"{unit.scale:g} * {expression}"


def as_value(
    value,
    unit,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    finite: bool = True,
    allow_nan: bool = False,
) -> np.ndarray:
    """Return ``value`` converted to ``unit`` as a float64 ndarray, after checking it.

    Parameters
    ----------
    value : astropy.units.Quantity
        The input. A plain number or array is rejected: smilekit never guesses units.
    unit : str or astropy.units.UnitBase
        The unit to convert to (any equivalent unit is accepted on input).
    name : str
        The argument name, used in error messages.
    positive, nonnegative : bool
        Require ``value > 0`` or ``value >= 0``.
    finite : bool
        Reject infinities (and NaN unless ``allow_nan``).
    allow_nan : bool
        Let NaN through (for time series with gaps).

    Raises
    ------
    InputError
        If ``value`` has no unit, a unit of the wrong dimension, or a value outside the accepted range.
    """
    unit = u.Unit(unit)
    if not isinstance(value, u.Quantity):
        kind = "unitless " if isinstance(value, int | float | np.number | np.ndarray | list | tuple) else ""
        raise InputError(
            f"{name} must be an astropy Quantity in units convertible to {unit}, got the {kind}"
            f"{type(value).__name__} {_short(value)}; e.g. {name}=2.0 * {_unit_expression(unit)}"
        )
    if np.iscomplexobj(value) or value.dtype.kind not in "biuf":
        raise InputError(
            f"{name} must hold real numbers (a float Quantity in {unit}), got dtype {value.dtype} "
            f"({_short(value)})"
        )
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow becomes inf, refused below
            out = np.asarray(value.to_value(unit), dtype=np.float64)
    except (u.UnitsError, TypeError, ValueError):
        raise InputError(
            f"{name} has unit {value.unit!s} ({value.unit.physical_type}), which does not convert to "
            f"{unit} ({unit.physical_type}); give a Quantity of that physical type"
        ) from None
    nan = np.isnan(out)
    if nan.any() and not allow_nan:
        raise InputError(
            f"{name} contains NaN ({int(nan.sum())} of {out.size} values); finite values are required"
        )
    if finite and np.isinf(out).any():
        raise InputError(f"{name} contains infinite values; finite values are required")
    valid = out[~nan]
    if positive and (valid <= 0).any():
        bad, shown = valid[valid <= 0], unit.to_string("unicode")
        raise InputError(f"{name} must be > 0 {shown}, got {_describe(bad)} {shown}")
    if nonnegative and (valid < 0).any():
        bad, shown = valid[valid < 0], unit.to_string("unicode")
        raise InputError(f"{name} must be >= 0 {shown}, got {_describe(bad)} {shown}")
    return out


def as_scalar(value, unit, name: str, **checks) -> float:
    """Like :func:`as_value` for one value: a shape other than () is an InputError."""
    out = as_value(value, unit, name, **checks)
    if out.ndim != 0:
        raise InputError(f"{name} must be a single value, got shape {out.shape}")
    return float(out)


def as_vector(value, unit, name: str, **checks) -> np.ndarray:
    """Like :func:`as_value` for vectors: the last axis must have length 3."""
    out = as_value(value, unit, name, **checks)
    if out.ndim == 0 or out.shape[-1] != 3:
        raise InputError(f"{name} must have shape (..., 3) (x, y, z components), got shape {out.shape}")
    return out


#: The largest geocentric coordinate (RE) a position may have: 1e6 RE (6.4e9 km, about 43 AU) is far
#: beyond every geocentric model (SMILE's apogee is about 20 RE, the Moon at 60 RE) and keeps the squares
#: of the kernels far from float64 overflow.
MAX_POSITION_RE = 1.0e6


def as_positions(x, y, z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cartesian coordinates given as length Quantities, as float64 arrays in RE (finite, any shape,
    each within +-:data:`MAX_POSITION_RE`)."""
    out = as_value(x, RE, "x"), as_value(y, RE, "y"), as_value(z, RE, "z")
    for name, values in zip("xyz", out, strict=True):
        check_range(values, name, -MAX_POSITION_RE, MAX_POSITION_RE, "RE", "geocentric positions")
    return out


def as_rotation(rotation, name: str = "rotation") -> np.ndarray:
    """A proper 3 x 3 rotation matrix (orthonormal to 1e-6, determinant +1) as float64, or InputError."""
    if isinstance(rotation, u.Quantity):
        rotation = as_value(rotation, u.dimensionless_unscaled, name)
    try:
        m = np.asarray(rotation, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a 3 x 3 matrix, got {rotation!r:.80}") from None
    if m.shape != (3, 3) or not np.isfinite(m).all():
        raise InputError(f"{name} must be a finite 3 x 3 body -> GSE matrix, got shape {m.shape}")
    if not np.allclose(m.T @ m, np.eye(3), atol=1e-6) or np.linalg.det(m) < 0:
        raise InputError(f"{name} must be a proper rotation (orthonormal, determinant +1)")
    return m


def check_range(
    values: np.ndarray, name: str, low: float, high: float, unit: str, source: str = "", labels=None
) -> None:
    """Refuse values outside the physical range [low, high] (NaN passes: a gap is checked elsewhere).

    Parameters
    ----------
    values : ndarray
        Plain floats in ``unit``.
    name : str
        The argument, as shown in the message.
    low, high : float
        The accepted range, e.g. a variable's VALIDMIN and VALIDMAX.
    unit : str
        The unit of ``values``, low and high, for the message.
    source : str
        Where the range comes from, for the message (e.g. "VALIDMIN/VALIDMAX of the SolarWind variable n").
    labels : array-like, optional
        A label per record (along the first axis, e.g. the times), to say where the first offending value
        is.

    Raises
    ------
    InputError
        Naming the first offending value, how many there are, and the accepted range.

    Examples
    --------
    >>> check_range(np.array([5.0, 1e9]), "n", 0.01, 1000.0, "cm^-3")
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: n 1e+09 cm^-3 (1 of 2 values) is outside the physical range [0.01, 1000] cm^-3
    """
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = (values < low) | (values > high)
    if bad.any():
        first = float(values[bad].flat[0])
        more = f" ({int(bad.sum())} of {values.size} values)" if values.size > 1 else ""
        why = f"; {source}" if source else ""
        at = ""
        if labels is not None and values.ndim > 0:
            record = int(np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape)[0])
            at = f" at {np.asarray(labels)[record]}"
        raise InputError(
            f"{name} {first:g} {unit}{at}{more} is outside the physical range [{low:g}, {high:g}] {unit}{why}"
        )


def check_flow_direction(
    velocity: np.ndarray, name: str = "v_gse", max_angle_deg: float = MAX_FLOW_ANGLE_DEG
):
    """Refuse solar-wind velocities (km/s, GSE, shape (..., 3)) that do not flow away from the Sun.

    The flow must have a positive speed and lie within ``max_angle_deg`` (:data:`MAX_FLOW_ANGLE_DEG`,
    45 deg, see there for why) of -X GSE. Rows with NaN (gaps) pass.

    Raises
    ------
    InputError
        With the offending vector, its angle from -X, and what is accepted.

    Examples
    --------
    >>> check_flow_direction(np.array([400.0, 0.0, 0.0]))
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: v_gse [400, 0, 0] km/s flows 180 deg from -X GSE (towards the Sun); ...
    """
    v = np.asarray(velocity, dtype=np.float64).reshape(-1, 3)
    speed = np.sqrt(np.einsum("ij,ij->i", v, v))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_angle = -v[:, 0] / speed
        bad = (speed <= 0.0) | (cos_angle < np.cos(np.radians(max_angle_deg)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = "[" + ", ".join(f"{c:g}" for c in v[i]) + "]"
        more = f" (record {i}; {int(bad.sum())} of {len(v)} records)" if len(v) > 1 else ""
        if speed[i] <= 0.0:
            what = "has zero speed"
        else:
            angle = float(np.degrees(np.arccos(np.clip(cos_angle[i], -1.0, 1.0))))
            towards = " (towards the Sun)" if v[i, 0] > 0 else ""
            what = f"flows {angle:.3g} deg from -X GSE{towards}"
        raise InputError(
            f"{name} {shown} km/s{more} {what}; the solar wind flows away from the Sun: a velocity within "
            f"{max_angle_deg:g} deg of -X is accepted, e.g. [-400, 0, 0] km/s"
        )


def check_broadcast(**arrays) -> tuple[int, ...]:
    """The common shape of several arguments, or an InputError naming their shapes.

    Examples
    --------
    >>> check_broadcast(theta=np.zeros(3), pdyn=np.zeros(1))
    (3,)
    >>> check_broadcast(theta=np.zeros(3), pdyn=np.zeros(2))
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: the shapes of theta (3,) and pdyn (2,) do not broadcast together; ...
    """
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        nonscalar = [f"{name} {shape}" for name, shape in shapes.items() if shape != ()]
        listed = ", ".join(nonscalar[:-1]) + f" and {nonscalar[-1]}" if len(nonscalar) > 1 else nonscalar[0]
        raise InputError(
            f"the shapes of {listed} do not broadcast together; give arrays of one shape, or scalars"
        ) from None


def whole_frames(exposure_s: float, frame_s: float, name: str = "exposure") -> int:
    """The number of CCD frames in an exposure, which must be a whole number of them (>= 1).

    The one home of the rule that the SXI simulator, the case files of ``evaluate`` and the main job's
    settings apply: an exposure of 301 s with 4-s frames is refused rather than silently cut to 300 s.

    Examples
    --------
    >>> whole_frames(300.0, 4.0)
    75
    >>> whole_frames(301.0, 4.0)
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: exposure 301 s is not a whole number of 4-s CCD frames; e.g. 300 s or 304 s
    """
    frames = exposure_s / frame_s
    n = round(frames)
    if n < 1:
        raise InputError(f"{name} {exposure_s:g} s is shorter than one CCD frame ({frame_s:g} s)")
    if abs(frames - n) > 1e-9:
        lo, hi = math.floor(frames) * frame_s, math.ceil(frames) * frame_s
        shown = f"{lo:g} s or {hi:g} s" if lo >= frame_s else f"{hi:g} s"
        raise InputError(
            f"{name} {exposure_s:g} s is not a whole number of {frame_s:g}-s CCD frames; e.g. {shown}"
        )
    return int(n)


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """The random generator of a stochastic function: a :class:`numpy.random.Generator` as it is, or an
    integer seed made into one (``numpy.random.default_rng``). None is refused: every random function
    of smilekit is reproducible, its caller says the seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise InputError(f"{name} must be a numpy Generator or an integer seed, got {type(rng).__name__} {rng!r}")
