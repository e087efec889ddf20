"""Checks at the public boundary: Quantities in, plain float64 arrays (in fixed units) out.

Every public function that takes a physical value passes it through :func:`as_value`, which rejects
unitless numbers, wrong dimensions, NaN and out-of-range values with an :class:`~smilekit.errors.InputError`
that names the argument, its value and what is accepted.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit.errors import InputError
from smilekit.units import RE

__all__ = ["as_positions", "as_rotation", "as_value", "as_vector"]


def _describe(values: np.ndarray) -> str:
    flat = np.ravel(values)
    if flat.size == 1:
        return f"{float(flat[0]):g}"
    return f"{flat.size} values, e.g. {float(flat[0]):g}"


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
        raise InputError(
            f"{name} must be an astropy Quantity in units convertible to {unit}, got the unitless "
            f"{type(value).__name__} {value!r}; e.g. {name}=2.0 * u.{unit.to_string()}"
        )
    try:
        out = np.asarray(value.to_value(unit), dtype=np.float64)
    except u.UnitConversionError:
        raise InputError(f"{name} has unit {value.unit}, which does not convert to {unit}") from None
    shown = unit.to_string("unicode")
    nan = np.isnan(out)
    if nan.any() and not allow_nan:
        raise InputError(
            f"{name} contains NaN ({int(nan.sum())} of {out.size} values); finite values are required"
        )
    if finite and np.isinf(out).any():
        raise InputError(f"{name} contains infinite values; finite values are required")
    valid = out[~nan]
    if positive and (valid <= 0).any():
        bad = valid[valid <= 0]
        raise InputError(f"{name} must be > 0 {shown}, got {_describe(bad)} {shown}")
    if nonnegative and (valid < 0).any():
        bad = valid[valid < 0]
        raise InputError(f"{name} must be >= 0 {shown}, got {_describe(bad)} {shown}")
    return out


def as_vector(value, unit, name: str, **checks) -> np.ndarray:
    """Like :func:`as_value` for vectors: the last axis must have length 3."""
    out = as_value(value, unit, name, **checks)
    if out.ndim == 0 or out.shape[-1] != 3:
        raise InputError(f"{name} must have shape (..., 3) (x, y, z components), got shape {out.shape}")
    return out


def as_positions(x, y, z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cartesian coordinates given as length Quantities, as float64 arrays in RE (finite, any shape)."""

    return as_value(x, RE, "x"), as_value(y, RE, "y"), as_value(z, RE, "z")


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
