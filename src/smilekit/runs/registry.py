"""The stages of the main job and their registry.

A :class:`Stage` is one step of ``smilekit run``: a function of the :class:`~smilekit.runs.context.JobContext`
that returns its section of ``summary.json`` (or parks first, below), with the results it reads from the
context (``requires``), the results it puts there (``provides``) and the settings section it reads (registered
by the stage's module with :func:`~smilekit.runs.settings.register_section`). A stage module registers its
stages with the :func:`stage` decorator (or :func:`register`) when it is imported; :data:`STAGES` holds them
in the order they were registered, which is the order they start (:mod:`smilekit.runs` imports the stage
modules in the order of the flow). Registering checks that every result a stage requires is provided by an
earlier stage, that no result has two providers and that no two stages share a name, so a stage in the wrong
place is an error at import, not halfway through a run.

A stage that starts work on the run's Dask workers (:meth:`~smilekit.runs.context.JobContext.submit`) may be a
generator function that yields once: before the ``yield`` it starts that work and puts every result it
provides into the context (handles to what the workers make, where it has not been made yet); after it, it
waits for the work, writes its files and returns its section of the summary. The runner parks such a stage at
its ``yield``, goes on with the next stages, which run in this process while the workers work, and finishes
the parked stages, in the order they parked, after the last stage, or before a stage that runs only after
them (``after_parked``: the telemetry stage, which packs what every instrument stage handed the packetiser).
So the SXI frames and their retrievals are made on the workers while the UVI and in situ stages run here. A
stage whose results no later stage reads may park before doing anything, to do its work when finished, out
of the way of the stages that start the workers' work (the emissivity stage, before the SXI stage).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass

from smilekit.errors import InputError
from smilekit.runs.context import JobContext
from smilekit.runs.settings import SECTIONS

__all__ = ["STAGES", "Stage", "StageRegistry", "register", "stage"]

#: A stage's function: it reads and extends the context and returns its section of ``summary.json``; or a
#: generator function that yields once and then returns it (module notes: a stage that parks).
StageFunction = Callable[[JobContext], dict | Generator[None, None, dict]]


@dataclass(frozen=True)
class Stage:
    """One step of the main job.

    Parameters
    ----------
    name : str
        The stage's key in ``summary.json["stages"]`` and its heading in the report; unique.
    run : callable
        ``run(ctx) -> dict``: reads ``ctx.results[name]`` for each name in ``requires``, puts each name in
        ``provides`` into ``ctx.results``, writes its files into ``ctx.out`` and returns its section of the
        summary. It fails by raising a :class:`~smilekit.errors.SmilekitError`: the run records the error
        and goes on with the next stage. Or a generator function that yields once, its provided results in
        the context before the ``yield``, and then returns its section: a stage that parks (module notes).
    requires : tuple of str
        The results it reads, each provided by an earlier stage.
    provides : tuple of str
        The results it adds to the context.
    settings : str or None
        The settings section it reads (``ctx.settings.<section>``), registered before the stage with
        :func:`~smilekit.runs.settings.register_section`.
    description : str
        What it does, in one line.
    essential : bool
        Whether nothing can run without it: when it fails, the run stops there (the solar wind). An
        essential stage cannot park.
    after_parked : bool
        Run only after every parked stage has finished (module notes): the telemetry stage.
    """

    name: str
    run: StageFunction
    _: KW_ONLY
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    settings: str | None = None
    description: str
    essential: bool = False
    after_parked: bool = False

    @property
    def parks(self) -> bool:
        """Whether the stage yields once, to be finished after the stages that follow it (module notes)."""
        return inspect.isgeneratorfunction(self.run)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InputError(f"a stage name is a Python identifier (e.g. 'sxi'), got {self.name!r}")
        if not callable(self.run):
            raise InputError(f"stage {self.name!r}: run must be a function of the context, got {self.run!r}")
        for attribute in ("requires", "provides"):
            names = getattr(self, attribute)
            names = (names,) if isinstance(names, str) else tuple(names)
            if not all(isinstance(n, str) and n for n in names):
                raise InputError(f"stage {self.name!r}: {attribute} must be result names, got {names!r}")
            object.__setattr__(self, attribute, names)
        if self.settings is not None and self.settings not in SECTIONS:
            raise InputError(
                f"stage {self.name!r}: settings {self.settings!r} is not a registered settings section "
                f"({', '.join(SECTIONS)}) nor None; register the section (runs.settings.register_section) "
                "before the stage"
            )
        if not isinstance(self.description, str) or not self.description.strip() or "\n" in self.description:
            raise InputError(f"stage {self.name!r}: description must be one line, got {self.description!r}")
        if self.essential and self.parks:
            raise InputError(
                f"stage {self.name!r}: an essential stage cannot park (its function is a generator): the "
                "stages after it need it finished"
            )


class StageRegistry(Sequence[Stage]):
    """Stages in the order they run, each checked against the ones before it when it is registered.

    Parameters
    ----------
    stages : iterable of Stage, optional
        Stages to register, in order.
    """

    def __init__(self, stages: Iterable[Stage] = ()) -> None:
        self._stages: list[Stage] = []
        for each in stages:
            self.register(each)

    def register(self, stage: Stage) -> Stage:
        """Append ``stage`` to the run, after checking it against the stages before it.

        Raises
        ------
        InputError
            If a stage of that name is registered, if a result it requires is provided by no earlier
            stage, or if a result it provides is provided already.
        """
        if not isinstance(stage, Stage):
            raise InputError(f"only a Stage can be registered, got {type(stage).__name__} {stage!r}")
        if stage.name in self.names:
            raise InputError(
                f"a stage named {stage.name!r} is registered already; stage names are unique "
                f"(registered: {', '.join(self.names)})"
            )
        provider = {result: each.name for each in self._stages for result in each.provides}
        missing = [result for result in stage.requires if result not in provider]
        if missing:
            provided = ", ".join(f"{result!r} ({name})" for result, name in provider.items()) or "none"
            raise InputError(
                f"stage {stage.name!r} requires {', '.join(map(repr, missing))}, which no stage before it "
                f"provides; register the stage that provides it first (provided so far: {provided})"
            )
        twice = [result for result in stage.provides if result in provider]
        if twice:
            raise InputError(
                f"stage {stage.name!r} provides {twice[0]!r}, which stage {provider[twice[0]]!r} provides "
                "already; each result has one provider"
            )
        self._stages.append(stage)
        return stage

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the stages, in order."""
        return tuple(each.name for each in self._stages)

    def by_name(self, name: str) -> Stage:
        """The stage called ``name``."""
        for each in self._stages:
            if each.name == name:
                return each
        raise InputError(f"no stage named {name!r}; the stages are {', '.join(self.names)}")

    def __getitem__(self, index):
        return self._stages[index]

    def __len__(self) -> int:
        return len(self._stages)

    def __iter__(self) -> Iterator[Stage]:
        return iter(self._stages)

    def __repr__(self) -> str:
        return f"StageRegistry({', '.join(self.names)})"


#: The stages of ``smilekit run``, in the order they run (filled as :mod:`smilekit.runs` imports them).
STAGES = StageRegistry()


def register(stage: Stage) -> Stage:
    """Register ``stage`` in :data:`STAGES`, after the stages registered so far (see
    :meth:`StageRegistry.register`)."""
    return STAGES.register(stage)


def stage(
    name: str,
    *,
    description: str,
    requires: Iterable[str] = (),
    provides: Iterable[str] = (),
    settings: str | None = None,
    essential: bool = False,
    after_parked: bool = False,
    registry: StageRegistry | None = None,
) -> Callable[[StageFunction], StageFunction]:
    """Decorator: register the decorated function as a :class:`Stage` (in :data:`STAGES` unless
    ``registry`` is given) and return the function unchanged.

    Examples
    --------
    >>> from smilekit.runs.registry import StageRegistry, stage
    >>> mine = StageRegistry()
    >>> @stage("hello", provides=("greeting",), description="Say hello.", registry=mine)
    ... def hello(ctx):
    ...     ctx.results["greeting"] = "hello"
    ...     return {}
    >>> mine
    StageRegistry(hello)
    """

    def decorate(run: StageFunction) -> StageFunction:
        record = Stage(
            name,
            run,
            requires=requires,
            provides=provides,
            settings=settings,
            description=description,
            essential=essential,
            after_parked=after_parked,
        )
        (STAGES if registry is None else registry).register(record)
        return run

    return decorate
