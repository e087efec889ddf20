"""What every instrument configuration shares: validation when made, and :meth:`InstrumentConfig.resolve`.

An instrument's configuration (:class:`~smilekit.instruments.sxi.SXIConfig`,
:class:`~smilekit.instruments.uvi.UVIConfig`, ...) is a frozen dataclass of Quantities with a cached
``values`` property that checks every field and gives them as plain floats. Subclassing
:class:`InstrumentConfig` validates the fields when the configuration is made (not at first use) and gives
the one rule by which a function taking ``config=None`` finds the configuration it was given.
"""

from __future__ import annotations

import functools
from dataclasses import fields, is_dataclass
from typing import Self

import numpy as np

from smilekit.errors import InputError

__all__ = ["InstrumentConfig"]


class InstrumentConfig:
    """Base of the instrument configurations: fields validated at construction, :meth:`resolve`.

    A subclass is a dataclass with a ``values`` property that raises :class:`~smilekit.errors.InputError`
    for a field out of range, and a constructor whose defaults are the instrument's nominal values.
    """

    def __post_init__(self):
        _ = self.values  # validate every field now, not at first use

    def __repr__(self) -> str:
        """Each field as it prints (a Quantity with its unit), e.g. ``UVIConfig(pixels=512, ...)``; the
        subclasses are dataclasses made with ``repr=False`` so that this one is theirs."""
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!s}" for f in fields(self))
        return f"{type(self).__name__}({shown})"

    @classmethod
    def resolve(cls, config) -> Self:
        """The configuration a function was given: the defaults (``cls()``, made once and shared, its
        array fields read-only) for None, else ``config``.

        Raises
        ------
        InputError
            If ``config`` is neither None nor an instance of ``cls``.

        Examples
        --------
        >>> from smilekit.instruments.uvi import UVIConfig
        >>> UVIConfig.resolve(None).pixels
        512
        """
        if config is None:
            return _default(cls)
        if not isinstance(config, cls):
            name = cls.__name__
            article = "an" if name[0] in "AEFHILMNORSX" else "a"  # said as letters: "an SXIConfig"
            raise InputError(f"config must be {article} {name}, got {type(config).__name__}")
        return config


@functools.cache
def _default(cls: type[InstrumentConfig]) -> InstrumentConfig:
    """``cls()``, made once: its validation and cached values are paid once, not at every call that takes
    ``config=None`` (three a simulated SXI frame and its retrievals, ~1.2 ms each). Every array in its
    fields and in its ``values`` (which may be views of the fields) is made read-only, so that one caller's
    in-place change cannot reach the others."""
    default = cls()
    _freeze(default, depth=2)
    _freeze(default.values, depth=2)
    return default


def _freeze(value, depth: int) -> None:
    """Make every numpy array in ``value`` read-only: an array, or one inside a tuple or list (a NamedTuple
    of values) or a dataclass's fields, to ``depth`` levels."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif depth > 0 and isinstance(value, tuple | list):
        for item in value:
            _freeze(item, depth - 1)
    elif depth > 0 and is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            _freeze(getattr(value, f.name), depth - 1)
