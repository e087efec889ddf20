"""The settings of the main job: one frozen section per stage that has settings; a TOML file overrides them.

Every run setting of ``smilekit run`` is here, nowhere else; the defaults give the job's documented outputs
(the README's stage table and the numbers in ``benchmarks/README.md``). A stage reads its section from
``ctx.settings`` (:class:`~smilekit.runs.context.JobContext`), and ``summary.json`` records the settings a
run used under its ``"settings"`` key.

``smilekit run --config FILE.toml`` reads a file with one table per section and one key per setting, the
unit in the key's name; keys left out keep their defaults::

    [solar_wind]
    max_interpolated_gap_min = 10   # longer gaps stay gaps

    [emissivity]                    # the grid of the emissivity slices, RE (GSM)
    x_start_re = -10
    x_stop_re = 20
    x_count = 301
    yz_start_re = -20
    yz_stop_re = 20
    yz_count = 401

    [mission]
    max_track_samples = 5000

    [sxi]
    max_frames = 10                 # spread frames, plus the one nearest peak pressure
    exposure_min = 5                # a whole number of CCD frames
    pixel_deg = 0.25
    seed = 20260521

An unknown section or key, a value of the wrong type, or a value out of its range is an
:class:`~smilekit.errors.InputError` that names the file, the key, the value and what is accepted.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import astropy.units as u
import numpy as np

from smilekit.errors import InputError

__all__ = [
    "EmissivitySettings",
    "JobSettings",
    "MissionSettings",
    "SXISettings",
    "SolarWindSettings",
    "load_settings",
]

# The range a setting accepts: the comparison and how the error message says it.
_BOUNDS = {"positive": (lambda v: v > 0, "> 0"), "non-negative": (lambda v: v >= 0, ">= 0"), None: None}


def _setting(default: int | float, bound: str | None = "positive"):
    """A setting: its type is its default's (int: an integer; float: a finite number, integers accepted)."""
    return field(default=default, metadata={"bound": bound})


def _accepted(kind: type, bound: str | None) -> str:
    what = "an integer" if kind is int else "a finite number"
    return what if bound is None else f"{what} {_BOUNDS[bound][1]}"


@dataclass(frozen=True)
class _Section:
    """Checks and normalises the values of a section (each setting's type and range) when it is made."""

    section: ClassVar[str]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value, kind, bound = getattr(self, f.name), type(f.default), f.metadata["bound"]
            numeric = isinstance(value, numbers.Integral if kind is int else numbers.Real)
            if isinstance(value, bool) or not numeric or (kind is float and not math.isfinite(value)):
                self._reject(f.name, value, _accepted(kind, bound))
            value = kind(value)
            if bound is not None and not _BOUNDS[bound][0](value):
                self._reject(f.name, value, _accepted(kind, bound))
            object.__setattr__(self, f.name, value)

    def _reject(self, key: str, value, accepted: str) -> None:
        kind = (
            ""
            if isinstance(value, numbers.Real) and not isinstance(value, bool)
            else f" ({type(value).__name__})"
        )
        raise InputError(f"{self.section}.{key} = {value!r}{kind} is not accepted: expected {accepted}")


@dataclass(frozen=True)
class SolarWindSettings(_Section):
    """How the solar-wind stage prepares the event."""

    section: ClassVar[str] = "solar_wind"

    #: Gaps up to this long (minutes) are interpolated before the models run; longer ones stay as gaps.
    max_interpolated_gap_min: float = _setting(10.0)

    @property
    def max_interpolated_gap(self) -> u.Quantity:
        """The longest gap that is interpolated, a time Quantity."""
        return self.max_interpolated_gap_min * u.min


@dataclass(frozen=True)
class EmissivitySettings(_Section):
    """The grid of the emissivity slices (RE, GSM): X from start to stop, and Y, Z (the same grid)."""

    section: ClassVar[str] = "emissivity"

    x_start_re: float = _setting(-10.0, bound=None)
    x_stop_re: float = _setting(20.0, bound=None)
    x_count: int = _setting(301)
    yz_start_re: float = _setting(-20.0, bound=None)
    yz_stop_re: float = _setting(20.0, bound=None)
    yz_count: int = _setting(401)

    def __post_init__(self) -> None:
        super().__post_init__()
        for axis in ("x", "yz"):
            count = getattr(self, f"{axis}_count")
            if count < 2:
                self._reject(f"{axis}_count", count, "an integer >= 2 (the grid's two ends at least)")
            start, stop = getattr(self, f"{axis}_start_re"), getattr(self, f"{axis}_stop_re")
            if stop <= start:
                self._reject(f"{axis}_stop_re", stop, f"a number > {axis}_start_re = {start!r}")

    @property
    def x(self) -> np.ndarray:
        """The X grid, RE."""
        return np.linspace(self.x_start_re, self.x_stop_re, self.x_count)

    @property
    def yz(self) -> np.ndarray:
        """The Y and the Z grid, RE."""
        return np.linspace(self.yz_start_re, self.yz_stop_re, self.yz_count)


@dataclass(frozen=True)
class MissionSettings(_Section):
    """How the mission stage samples the spacecraft track."""

    section: ClassVar[str] = "mission"

    #: The track over an event has at most about this many samples (1 min or coarser).
    max_track_samples: int = _setting(5000)


@dataclass(frozen=True)
class SXISettings(_Section):
    """The SXI frames of the main job.

    At most ``max_frames`` exposures spread over the times SXI is on, plus the one nearest peak pressure.
    Each 5-min frame costs ~1 s of simulation and ~6 s of retrievals in the science stage: the default
    keeps the job in its two-minute budget (``benchmarks/README.md``).
    """

    section: ClassVar[str] = "sxi"

    max_frames: int = _setting(10)
    #: Exposure of a frame, minutes: also the L2 cadence, so a whole number of CCD frames.
    exposure_min: float = _setting(5.0)
    #: Pixel of the model sky and of the L2 images, degrees.
    pixel_deg: float = _setting(0.25)
    #: Seed of the photon events' random generator: same seed, same events.
    seed: int = _setting(20260521, bound="non-negative")

    @property
    def exposure(self) -> u.Quantity:
        """The exposure of a frame, a time Quantity."""
        return self.exposure_min * u.min

    @property
    def pixel(self) -> u.Quantity:
        """The pixel size, an angle Quantity."""
        return self.pixel_deg * u.deg


@dataclass(frozen=True)
class JobSettings:
    """Every setting of the main job, one section per stage that has settings (defaults: today's job).

    Examples
    --------
    >>> import dataclasses
    >>> settings = JobSettings()
    >>> settings.sxi.max_frames, settings.sxi.exposure
    (10, <Quantity 5. min>)
    >>> fewer = dataclasses.replace(settings, sxi=SXISettings(max_frames=2))
    >>> fewer.to_dict()["sxi"]
    {'max_frames': 2, 'exposure_min': 5.0, 'pixel_deg': 0.25, 'seed': 20260521}
    """

    solar_wind: SolarWindSettings = field(default_factory=SolarWindSettings)
    emissivity: EmissivitySettings = field(default_factory=EmissivitySettings)
    mission: MissionSettings = field(default_factory=MissionSettings)
    sxi: SXISettings = field(default_factory=SXISettings)

    def __post_init__(self) -> None:
        for name, kind in _sections().items():
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise InputError(
                    f"JobSettings.{name} must be a {kind.__name__}, got {type(value).__name__} {value!r}"
                )

    @classmethod
    def from_dict(cls, data: Mapping) -> JobSettings:
        """Settings from nested mappings ``{section: {key: value}}`` (a parsed TOML file); others default.

        Raises
        ------
        InputError
            For an unknown section or key, a section that is not a table, or a value the setting does
            not accept.
        """
        sections = _sections()
        values = {}
        for name, table in data.items():
            if name not in sections:
                raise InputError(f"unknown section [{name}]; the sections are {_listing(sections)}")
            if not isinstance(table, Mapping):
                raise InputError(
                    f"{name} = {table!r} is not accepted: [{name}] must be a table of settings, "
                    f"keys {_listing(_keys(sections[name]))}"
                )
            for key in table:
                if key not in _keys(sections[name]):
                    raise InputError(
                        f"unknown key {name}.{key} (= {table[key]!r}); the keys of [{name}] are "
                        f"{_listing(_keys(sections[name]))}"
                    )
            values[name] = sections[name](**table)
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> JobSettings:
        """Settings from a TOML file (module docstring); sections and keys left out keep their defaults.

        Raises
        ------
        InputError
            Naming the file: if it cannot be read or is not TOML, and for everything :meth:`from_dict`
            refuses.
        """
        path = Path(path)
        try:
            with path.open("rb") as file:
                data = tomllib.load(file)
        except OSError as error:
            raise InputError(f"settings file {path}: cannot be read ({error.strerror or error})") from None
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"settings file {path}: not valid TOML: {error}") from None
        try:
            return cls.from_dict(data)
        except InputError as error:
            raise InputError(f"settings file {path}: {error}") from None

    def to_dict(self) -> dict:
        """The settings as ``{section: {key: value}}``, plain numbers (JSON and TOML ready)."""
        return dataclasses.asdict(self)


def load_settings(path: str | Path) -> JobSettings:
    """The settings of a TOML file: :meth:`JobSettings.from_toml`."""
    return JobSettings.from_toml(path)


def _sections() -> dict[str, type[_Section]]:
    return {f.name: f.default_factory for f in dataclasses.fields(JobSettings)}


def _keys(section: type[_Section]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(section))


def _listing(names) -> str:
    return ", ".join(names)
