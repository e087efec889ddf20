"""Running the main job: the registered stages in order, then the report.

A stage that fails is recorded in the summary with its error, what earlier stages wrote is kept, and the
later stages still run; after an essential stage fails (the solar wind) nothing can run and the job stops
there. A :class:`~smilekit.errors.SmilekitError` is the stage's own account of why; any other exception is a
bug, recorded as an internal error with its traceback in the log, so that it does not take the run and its
report down either. A stage that parks (:mod:`smilekit.runs.registry`: its work runs on the Dask workers while
the next stages run here) is finished after the last stage, or before a stage that runs after the parked ones
(``after_parked``), also when an essential stage has failed (its work is under way); its ``seconds`` are the
time the runner spent in it, both parts together. A parked stage that fails when it is finished fails the
parked stages that started their work on its results.

The report, ``summary.json`` and ``index.html``, is the runner's closing step rather than a registered
stage: it is the record of every stage (its status, error and seconds) and of the whole run's time, so it
can only be written once they are all done, and a stage entry of its own in ``summary.json`` would be
written before it finished.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from contextlib import closing
from pathlib import Path

import smilekit
from smilekit.errors import InputError, SmilekitError
from smilekit.products import report
from smilekit.runs.context import JobContext, MissingResultError
from smilekit.runs.registry import STAGES, Stage, StageRegistry
from smilekit.runs.settings import JobSettings
from smilekit.solarwind import GeomagneticIndices, SolarWind

__all__ = ["run_job"]

log = logging.getLogger(__name__)


def run_job(
    solar_wind: SolarWind,
    out: Path | str,
    *,
    event: str = "",
    progress: Callable | None = None,
    settings: JobSettings | None = None,
    stages: Iterable[Stage] | None = None,
    indices: GeomagneticIndices | None = None,
    telemetry: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    task_progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Run every stage on ``solar_wind``, write figures, ``summary.json`` and ``index.html`` into ``out``.

    Parameters
    ----------
    solar_wind : SolarWind
        The event.
    out : path
        Output folder (created if needed).
    event : str
        A name for the event, shown in the report.
    progress : callable, optional
        Called as ``progress(stage_name, done, total)`` as each stage is finished (a stage that parks, after
        the stages that ran while it was parked).
    settings : JobSettings, optional
        The run's settings (e.g. from :func:`~smilekit.runs.settings.load_settings`); default
        ``JobSettings()``, the job as documented.
    stages : iterable of Stage, optional
        The stages to run, in order (checked as :data:`~smilekit.runs.registry.STAGES` is); default every
        registered stage.
    indices : GeomagneticIndices, optional
        The storm's SYM-H and AL (e.g. :func:`~smilekit.solarwind.load_event_indices` or
        :func:`~smilekit.solarwind.read_indices`), drawn in the solar-wind figure and summarised in the
        solar-wind stage's ``indices`` entry; default none (that entry is then null).
    telemetry : bool
        Take the packet path (``smilekit run --telemetry``): the instrument stages hand their data to the
        on-board packetiser and the telemetry stage (:mod:`smilekit.runs.stages.telemetry`), run last,
        takes the packets through the mass memory and the downlink into ``out/l0`` and the pipeline into
        ``out/products``.
    workers : int, optional
        Run the SXI frames and their retrievals on a local Dask cluster of that many worker processes
        (:meth:`~smilekit.runs.context.JobContext.submit`): the SXI and science stages park meanwhile and the
        next stages run here (:mod:`smilekit.runs.registry`); default: in this process.
    scheduler : str, optional
        Instead of ``workers``: the address of a running dask.distributed scheduler (its workers must see
        ``out``, where they write the frames' files, and run this smilekit).
    task_progress : callable, optional
        Called as ``task_progress(name, done, total)`` as each task of a stage's batch is finished (a task
        that fails is not counted; a report that raises is logged and not called again): the SXI
        frames (``"make_frame"``) and their retrievals (``"retrieve_frame"``), which on workers go on while
        the next stages run (:class:`~smilekit.runs.context.JobContext`).

    Returns
    -------
    dict
        The summary that was written to ``summary.json``; ``summary["stages"][name]["status"]`` is ``"ok"``
        or ``"failed"`` with the error, and ``summary["settings"]`` the settings used.
    """
    settings = JobSettings() if settings is None else settings
    if not isinstance(settings, JobSettings):
        raise InputError(f"settings must be a JobSettings, got {type(settings).__name__} {settings!r}")
    if indices is not None and not isinstance(indices, GeomagneticIndices):
        raise InputError(
            f"indices must be GeomagneticIndices (smilekit.solarwind.read_indices) or None, got "
            f"{type(indices).__name__}"
        )
    if workers is not None or scheduler is not None:  # dask is imported only for a run that asks for it
        from smilekit.campaign.cluster import check_execution

        check_execution(workers, scheduler)
    stages = STAGES if stages is None else StageRegistry(stages)
    packetiser = None
    if telemetry:  # imported here: the stage modules register in the flow's order (smilekit.runs)
        from smilekit.runs.stages.telemetry import TELEMETRY_STAGE, onboard_packetiser

        packetiser = onboard_packetiser()
        if "telemetry" not in stages.names:
            stages = StageRegistry([*stages, TELEMETRY_STAGE])
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = JobContext(
        solar_wind=solar_wind,
        out=out,
        event=event or solar_wind.ds.attrs.get("source", ""),
        settings=settings,
        indices=indices,
        packetiser=packetiser,
        workers=workers,
        scheduler=scheduler,
        task_progress=task_progress,
    )
    summary = {
        "smilekit_version": smilekit.__version__,
        "event": ctx.event,
        "output": str(out.resolve()),
        "stages": {},
    }
    started = time.perf_counter()
    with closing(ctx):  # its Dask workers, if it has them
        if any(stage.parks for stage in stages):  # the workers import the stages while the first ones run
            ctx.start_workers()
        _run_stages(ctx, stages, summary, progress)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["figures"] = [name for name, _ in ctx.figures]
    summary["settings"] = settings.to_dict()
    report.write_summary(out / "summary.json", summary)
    report.write_index(out / "index.html", summary, ctx.figures)
    return summary


def _run_stages(ctx: JobContext, stages: StageRegistry, summary: dict, progress) -> None:
    """Run the stages in order, recording each one's result, or its failure, in ``summary["stages"]``; a
    stage that parks (:mod:`smilekit.runs.registry`) keeps its place in the summary's order and is finished
    after the last stage, or before a stage that runs after the parked ones; ``progress`` hears of each
    stage when it is finished."""
    parked: list[tuple[Stage, Generator, float]] = []  # (stage, its generator, seconds so far)
    done = 0

    def record(stage: Stage, outcome: dict, seconds: float) -> None:
        nonlocal done
        summary["stages"][stage.name] = {**outcome, "seconds": round(seconds, 2)}
        done += 1
        if progress is not None:
            progress(stage.name, done, len(stages))

    def finish_parked() -> None:
        failed: dict[str, str] = {}  # result -> the parked stage that provided it, then failed
        for stage, steps, seconds in parked:
            t0 = time.perf_counter()
            lost = [name for name in stage.requires if name in failed]
            if lost:  # its work was started on what the failed stage handed on: nothing to finish
                steps.close()
                outcome = _failure(
                    stage,
                    MissingResultError(
                        f"the result {lost[0]!r} is not there: stage {failed[lost[0]]!r}, which provided it, "
                        "failed when it was finished"
                    ),
                )
            else:
                outcome = _attempt(stage, _finish, steps)
            if outcome["status"] == "failed":
                failed.update(dict.fromkeys(stage.provides, stage.name))
            record(stage, outcome, seconds + time.perf_counter() - t0)
        parked.clear()

    for stage in stages:
        if stage.after_parked:
            finish_parked()
        t0 = time.perf_counter()
        summary["stages"][stage.name] = {}  # its place in the order, should it park
        outcome = _attempt(stage, _begin, stage, ctx)
        if inspect.isgenerator(outcome):
            parked.append((stage, outcome, time.perf_counter() - t0))
            continue
        record(stage, outcome, time.perf_counter() - t0)
        if outcome["status"] == "failed" and stage.essential:  # nothing downstream can run without it
            break
    finish_parked()  # after an essential stage failed too: their work is under way


#: What :func:`_advance` returns where a stage's generator stopped at its ``yield``.
_AT_YIELD = object()


def _begin(stage: Stage, ctx: JobContext):
    """Run ``stage``: its summary section, or, for a stage that parks, its generator stopped at the
    ``yield``; either way with the results it provides in the context."""
    result = stage.run(ctx)
    parked = False
    if inspect.isgenerator(result):
        section = _advance(result)
        parked = section is _AT_YIELD
        result = result if parked else section  # else a generator that returned without yielding
    if parked and stage.essential:
        # Stage refuses an essential generator function; a wrapper around one gets past that check
        result.close()
        raise TypeError("an essential stage cannot park: its function stopped at a yield")
    try:
        _check_provided(stage, ctx)
    except MissingResultError:
        if parked:  # its second part is never run
            result.close()
        raise
    return result


def _finish(steps: Generator):
    """The rest of a parked stage, from its ``yield``: its summary section."""
    result = _advance(steps)
    if result is _AT_YIELD:
        steps.close()
        raise RuntimeError("a stage's function yields once, not twice")
    return result


def _advance(steps: Generator):
    """Run a stage's generator on: :data:`_AT_YIELD` where it stops at a ``yield``, else what it returns."""
    try:
        next(steps)
    except StopIteration as stop:
        return stop.value
    return _AT_YIELD


def _attempt(stage: Stage, call: Callable, *args) -> dict | Generator:
    """``call(*args)``: a summary section as ``{"status": "ok", ...}``, or a parked stage's generator; where
    it raised, the stage's failure (:func:`_failure`)."""
    try:
        result = call(*args)
        if not (inspect.isgenerator(result) or isinstance(result, Mapping)):
            raise TypeError(f"the stage returned {type(result).__name__}, not its summary section (a dict)")
    except Exception as error:
        return _failure(stage, error)
    return result if inspect.isgenerator(result) else {"status": "ok", **result}


def _failure(stage: Stage, error: Exception) -> dict:
    """A stage's failure as its summary section, logged: a stage's failure never takes the run and its
    report down."""
    if isinstance(error, SmilekitError):
        log.error("stage %s failed: %s", stage.name, error)
        reason = f"{type(error).__name__}: {error}"
    else:  # not one of smilekit's own errors: a bug, whose traceback goes to the log
        log.error("stage %s failed with an internal error", stage.name, exc_info=error)
        reason = f"internal error, please report it: {type(error).__name__}: {error}"
    return {"status": "failed", "error": reason}


def _check_provided(stage: Stage, ctx: JobContext) -> None:
    """A stage that finished put every result it declares into the context; else it failed (its function and
    its registration disagree), and the stages that need those results fail after it, each with a reason."""
    missing = [name for name in stage.provides if name not in ctx.results]
    if missing:
        raise MissingResultError(
            f"stage {stage.name!r} finished without providing {', '.join(map(repr, missing))}, which it "
            "declares: its function and its registration disagree"
        )
