"""The settings of the main job: one frozen section per stage that has settings; a TOML file overrides them.

Every run setting of ``smilekit run`` is in a settings section, nowhere else; the defaults give the job's
documented outputs (the main-job guide's stage table and the numbers in ``benchmarks/README.md``). A stage
module defines its section (a frozen dataclass deriving from :class:`SettingsSection`, its fields made with
:func:`setting`) and registers it with :func:`register_section`, next to the stage that reads it: an
instrument's stage brings its settings without editing this module. :class:`JobSettings` holds one
instance of every registered section; a stage reads its own from ``ctx.settings``
(:class:`~smilekit.runs.context.JobContext`), and ``summary.json`` records the settings a run used under
its ``"settings"`` key.

``smilekit run --config FILE.toml`` reads a file with one table per section and one key per setting, the
unit in the key's name; keys left out keep their defaults. The sections of the job today::

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
    exposure_min = 5                # a whole number of 4-s CCD frames
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

from smilekit.errors import InputError

__all__ = ["SECTIONS", "JobSettings", "SettingsSection", "load_settings", "register_section", "setting"]

# The range a setting accepts: the comparison and how the error message says it.
_BOUNDS = {"positive": (lambda v: v > 0, "> 0"), "non-negative": (lambda v: v >= 0, ">= 0"), None: None}


def setting(default: int | float | bool, bound: str | None = "positive"):
    """A field of a settings section: its type is its default's (int: an integer; float: a finite number,
    integers accepted; bool: true or false) and ``bound`` its range (``"positive"``, ``"non-negative"`` or
    None; ignored for a bool)."""
    return field(default=default, metadata={"bound": bound})


def _accepted(kind: type, bound: str | None) -> str:
    what = "an integer" if kind is int else "a finite number"
    return what if bound is None else f"{what} {_BOUNDS[bound][1]}"


@dataclass(frozen=True)
class SettingsSection:
    """The base of a settings section: its values' types and ranges are checked when it is made.

    A section is a frozen dataclass with a class attribute ``section`` (its TOML table's name) and fields
    made with :func:`setting`; a subclass may check more in its ``__post_init__`` (calling this one first)
    and refuse a value with :meth:`reject`.
    """

    section: ClassVar[str]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value, kind, bound = getattr(self, f.name), type(f.default), f.metadata["bound"]
            if kind is bool:
                if not isinstance(value, bool):
                    self.reject(f.name, value, "true or false")
                continue
            numeric = isinstance(value, numbers.Integral if kind is int else numbers.Real)
            if isinstance(value, bool) or not numeric or (kind is float and not math.isfinite(value)):
                self.reject(f.name, value, _accepted(kind, bound))
            value = kind(value)
            if bound is not None and not _BOUNDS[bound][0](value):
                self.reject(f.name, value, _accepted(kind, bound))
            object.__setattr__(self, f.name, value)

    def reject(self, key: str, value, accepted: str) -> None:
        """Refuse ``value`` of ``key``: an InputError naming the section, key, value and ``accepted``."""
        kind = (
            ""
            if isinstance(value, numbers.Real) and not isinstance(value, bool)
            else f" ({type(value).__name__})"
        )
        raise InputError(f"{self.section}.{key} = {value!r}{kind} is not accepted: expected {accepted}")


#: The registered settings sections by name, in the order they were registered (the order of the stages).
SECTIONS: dict[str, type[SettingsSection]] = {}


def register_section(kind: type[SettingsSection]) -> type[SettingsSection]:
    """Class decorator: register a settings section, so that :class:`JobSettings` holds one and a TOML file
    may set it (``[<kind.section>]``).

    Raises
    ------
    InputError
        If ``kind`` is not a dataclass deriving from :class:`SettingsSection` (frozen, as its base), its
        ``section`` name
        is not a Python identifier, or a section of that name is registered already.

    Examples
    --------
    >>> @dataclass(frozen=True)
    ... class HelloSettings(SettingsSection):
    ...     section = "hello"
    ...     repeat: int = setting(1)
    >>> HelloSettings(repeat=0)
    Traceback (most recent call last):
    ...
    smilekit.errors.InputError: hello.repeat = 0 is not accepted: expected an integer > 0
    """
    if not (isinstance(kind, type) and issubclass(kind, SettingsSection) and dataclasses.is_dataclass(kind)):
        raise InputError(f"a settings section is a dataclass deriving from SettingsSection, got {kind!r}")
    name = getattr(kind, "section", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(
            f"settings section {kind.__name__}: section must be a Python identifier, got {name!r}"
        )
    if name in SECTIONS:
        raise InputError(
            f"a settings section [{name}] is registered already ({SECTIONS[name].__name__}); names are unique"
        )
    SECTIONS[name] = kind
    return kind


class JobSettings:
    """Every setting of the main job: one instance of each registered section (defaults: today's job).

    Parameters
    ----------
    **sections : SettingsSection
        Sections by name (``sxi=SXISettings(max_frames=2)``); the others take their defaults.

    Examples
    --------
    >>> from smilekit.runs.stages.sxi import SXISettings
    >>> settings = JobSettings()
    >>> settings.sxi.max_frames, settings.sxi.exposure
    (10, <Quantity 5. min>)
    >>> fewer = settings.replace(sxi=SXISettings(max_frames=2))
    >>> fewer.to_dict()["sxi"]
    {'max_frames': 2, 'every_frame': False, 'movie_frames': 60, 'exposure_min': 5.0, 'pixel_deg': 0.25,
     'seed': 20260521}
    """

    __slots__ = ("_sections",)

    def __init__(self, **sections: SettingsSection) -> None:
        known = dict(SECTIONS)
        unknown = sorted(set(sections) - set(known))
        if unknown:
            raise InputError(f"JobSettings has no section {unknown[0]!r}; the sections are {_listing(known)}")
        values = {}
        for name, kind in known.items():
            value = sections.get(name, None)
            value = kind() if value is None else value
            if not isinstance(value, kind):
                raise InputError(
                    f"JobSettings.{name} must be a {kind.__name__}, got {type(value).__name__} {value!r}"
                )
            values[name] = value
        object.__setattr__(self, "_sections", values)

    def __getattr__(self, name: str) -> SettingsSection:
        sections = object.__getattribute__(self, "_sections")
        if name in sections:
            return sections[name]
        raise AttributeError(f"JobSettings has no section {name!r}; the sections are {_listing(sections)}")

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("JobSettings is frozen: make another with replace()")

    def __eq__(self, other) -> bool:
        return isinstance(other, JobSettings) and self._sections == other._sections

    def __hash__(self) -> int:
        return hash(tuple(self._sections.items()))

    def __repr__(self) -> str:
        return f"JobSettings({', '.join(f'{k}={v!r}' for k, v in self._sections.items())})"

    @property
    def sections(self) -> dict[str, SettingsSection]:
        """The sections by name, in the order they were registered."""
        return dict(self._sections)

    def replace(self, **sections: SettingsSection) -> JobSettings:
        """These settings with the given sections replaced."""
        return JobSettings(**{**self._sections, **sections})

    @classmethod
    def from_dict(cls, data: Mapping) -> JobSettings:
        """Settings from nested mappings ``{section: {key: value}}`` (a parsed TOML file); others default.

        Raises
        ------
        InputError
            For an unknown section or key, a section that is not a table, or a value the setting does
            not accept.
        """
        sections = dict(SECTIONS)
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
        return {name: dataclasses.asdict(value) for name, value in self._sections.items()}


def load_settings(path: str | Path) -> JobSettings:
    """The settings of a TOML file: :meth:`JobSettings.from_toml`."""
    return JobSettings.from_toml(path)


def _keys(section: type[SettingsSection]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(section))


def _listing(names) -> str:
    return ", ".join(names)
