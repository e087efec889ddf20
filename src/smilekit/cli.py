"""The ``smilekit`` command: a thin layer over the library (nothing imports this module).

Commands: ``smilekit run`` (the main job), ``smilekit orbit`` (propagate the science orbit: ephemeris CDF and
summary), ``smilekit plan`` (the operations plan of a period), ``smilekit geospace`` (one solar-wind state
through every boundary and emissivity model), ``smilekit events`` (the bundled events), ``smilekit evaluate``
(the magnetopause and cusp retrievals measured over a case file), ``smilekit process`` (L0 packet files to
products), ``smilekit archive init|ingest|list|release|user`` (the archive: catalogue, users, releases),
``smilekit serve`` (the archive served: HAPI, downloads, quick-looks), ``smilekit campaign`` (every SXI
frame of a period of the mission, on Dask).

Each command imports the part of the library it calls when it runs, not this module: ``smilekit --help`` and
the parsing of any command take ~0.7 s instead of the ~3.5 s of importing the main job, the retrievals and
the plots.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import astropy.units as u
import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import smilekit
from smilekit._data import data_path
from smilekit.errors import InputError, ModelDomainError, SmilekitError

app = typer.Typer(
    name="smilekit",
    help="SMILE mission digital twin and science ground segment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"smilekit {smilekit.__version__}")
        raise typer.Exit()


class _NoTracebackFormatter(logging.Formatter):
    """Log lines without the tracebacks that records may carry (``log.exception`` in the library): those are
    shown with ``--verbose`` only."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord(
                {**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None}
            )
        return super().format(record)


def _log_formatter(verbose: bool) -> logging.Formatter:
    """The formatter of the command's log lines on stderr: with tracebacks under ``--verbose`` only."""
    fmt = "%(levelname)s %(message)s"
    return logging.Formatter(fmt) if verbose else _NoTracebackFormatter(fmt)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """SMILE in Python: solar wind, geospace models, and (growing) the mission chain to science."""
    _options["verbose"] = verbose
    level = logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(_log_formatter(verbose))
    logging.basicConfig(level=level, handlers=[handler])
    # dask's cluster start-up chatter only with -v: distributed sets its loggers' levels from the dask
    # config when it is imported (here, where a command asks for a cluster, and in every worker process),
    # so the level goes there; and to its logger, for a distributed already imported
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if verbose else "warning")
    logging.getLogger("distributed").setLevel(level)


def _one_line(text: str) -> str:
    """``text`` with every run of white space (newlines included) made one space."""
    return " ".join(str(text).split())


def _fail(error: Exception) -> None:
    """Print a project error as one ``error: ...`` line on stderr and exit 2 (bad input: nothing, or no more,
    is done)."""
    err_console.print(f"[bold red]error:[/] {escape(_one_line(error))}", soft_wrap=True)
    raise typer.Exit(code=2)


#: Options of the ``smilekit`` command itself, set by :func:`main` at every invocation (typer runs a
#: command's function outside click's context, so the wrapper of :func:`_guarded` reads them here).
_options = {"verbose": False}


def _internal(error: BaseException) -> None:
    """Report an exception that is not one of smilekit's own (a bug) as one line on stderr and exit 1; with
    ``--verbose`` its traceback comes first."""
    if _options["verbose"]:
        traceback.print_exception(error, file=sys.stderr)
    message = _one_line(error)
    reason = f"{type(error).__name__}: {message}" if message else type(error).__name__
    err_console.print(
        f"[bold red]internal error:[/] {escape(reason)} (run with --verbose for the traceback)",
        soft_wrap=True,
    )
    raise typer.Exit(code=1)


def _guarded(command: Callable) -> Callable:
    """Wrap a command so that no traceback reaches its user.

    A :class:`~smilekit.errors.SmilekitError` becomes one ``error: ...`` line and exit 2; any other exception
    (a bug, or the system refusing something) becomes one ``internal error: TYPE: MESSAGE`` line and exit 1,
    with the traceback before it under ``--verbose``. typer's and click's own exits and usage errors pass
    through untouched, and so does Ctrl-C.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SmilekitError as error:
            _fail(error)
        except Exception as error:
            _internal(error)

    return wrapper


def _command(**options) -> Callable:
    """``@app.command(**options)`` for a function wrapped by :func:`_guarded`: every command is guarded."""

    def register(function: Callable) -> Callable:
        return app.command(**options)(_guarded(function))

    return register


def _check_out(path: Path | None, option: str = "--out") -> None:
    """Refuse an output folder that cannot be used, before any work: an existing file, a place under a file,
    or a folder (or the nearest existing folder above it) without write permission.

    Raises
    ------
    InputError
        Naming the path, the option and why it is refused.
    """
    if path is None:
        return
    accepted = "give a folder (it is made if missing)"
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} is an existing file, not a folder; {accepted}")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {path} cannot be made: {existing} is a file, not a folder; {accepted}")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "it" if existing == path else f"{existing}, the nearest existing folder above it"
        raise InputError(f"{option} {path} is not writable: no permission to write in {where}")


@_command()
def events() -> None:
    """List the solar-wind events bundled with smilekit."""
    from smilekit.solarwind.events import DEFAULT_EVENT, list_events

    table = Table("event", "description")
    for name, description in list_events().items():
        table.add_row(name + (" (default)" if name == DEFAULT_EVENT else ""), description)
    console.print(table)


@_command()
def run(
    event: Annotated[str | None, typer.Option(help="A bundled event (see `smilekit events`).")] = None,
    solar_wind: Annotated[
        Path | None,
        typer.Option(
            "--solar-wind",
            exists=True,
            dir_okay=False,
            help="A solar-wind file: OMNI2 hourly or OMNI 1-/5-min ASCII, SWMF IMF, OMNI CDF (CDAWeb), "
            "HDF5 (e.g. Qin-Denton) or a CSV table with a header line; the format is detected.",
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Which file column is which quantity, when the names do not say: QUANTITY=COLUMN,... "
            "(e.g. n=Den_P,speed=Vsw,bz_gsm=Bz; a column may end in :UNIT, e.g. t=Tp:eV).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder for the report.")] = Path("smilekit-out"),
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            exists=True,
            dir_okay=False,
            help="A TOML file of run settings (frames, exposure, seed, ...); unset keys keep their defaults.",
        ),
    ] = None,
    indices: Annotated[
        Path | None,
        typer.Option(
            "--indices",
            exists=True,
            dir_okay=False,
            help="SYM-H and AL of the storm (an SWPC Dst.txt file or a table naming its columns); default: "
            "the bundled event's, none with --solar-wind.",
        ),
    ] = None,
    telemetry: Annotated[
        bool,
        typer.Option(
            "--telemetry",
            help="Take the packet path: the instruments' packets through the mass memory and the faulty "
            "downlink into OUT/l0, and the pipeline's L1-L3 products from them into OUT/products.",
        ),
    ] = False,
    every_frame: Annotated[
        bool,
        typer.Option(
            "--every-frame",
            help="Every usable SXI exposure, end to end, instead of 10 spread ones and the peak's ([sxi] "
            "every_frame); with --workers for speed.",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(help="Run the SXI frames and their retrievals on a local dask cluster of N workers."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Instead: the address of a running dask scheduler (its workers see --out)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """The main job: run an event through the chain and write figures, summary.json and index.html.

    Exit status 0 when every stage succeeded; 1 when a stage failed (the report is written all the same, and
    each failed stage is named with its reason on one line of stderr); 2 for bad input (nothing is run).
    """
    from smilekit.runs import STAGES, JobSettings, load_settings, run_job
    from smilekit.solarwind import load_event, load_event_indices, read_indices, read_solar_wind
    from smilekit.solarwind.events import DEFAULT_EVENT

    if event is not None and solar_wind is not None:
        raise InputError("give either --event or --solar-wind, not both")
    if columns is not None and solar_wind is None:
        raise InputError("--columns describes a --solar-wind file; give the file too")
    _check_out(out)
    settings = JobSettings() if config is None else load_settings(config)
    if every_frame:
        settings = settings.replace(sxi=dataclasses.replace(settings.sxi, every_frame=True))
    if solar_wind is not None:
        sw, name = read_solar_wind(solar_wind, columns=columns), solar_wind.name
    else:
        name = event or DEFAULT_EVENT
        sw = load_event(name)
    if indices is not None:  # the user's indices replace the bundled event's (which are then not read)
        storm = read_indices(indices)
    elif solar_wind is None:
        storm = load_event_indices(name)
    else:  # a file of the user's: its own SYM-H/AL, if it carries them, are found by the solar-wind stage
        storm = None
    show = not quiet and sys.stderr.isatty()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} {task.fields[unit]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show,
    ) as bar:
        task = bar.add_task(f"smilekit run {name}", total=len(STAGES) + telemetry, unit="stages")
        summary = run_job(
            sw,
            out,
            event=name,
            progress=lambda stage, done, total: bar.update(task, completed=done, description=stage),
            settings=settings,
            indices=storm,
            telemetry=telemetry,
            workers=workers,
            scheduler=scheduler,
            task_progress=_TaskBars(bar),
        )
    # the report is written whatever failed; then one line per failed stage and exit 1 (bad input: 2)
    failed = [n for n, s in summary["stages"].items() if s["status"] != "ok"]
    for stage in failed:
        reason = _one_line(summary["stages"][stage].get("error", "no reason recorded"))
        err_console.print(f"[bold red]stage {stage} failed:[/] {escape(reason)}", soft_wrap=True)
    console.print(f"Report: {(out / 'index.html').resolve()}", soft_wrap=True, markup=False)
    console.print(f"Summary: {(out / 'summary.json').resolve()}", soft_wrap=True, markup=False)
    if failed:
        raise typer.Exit(code=1)


#: The bars of ``smilekit run``'s batches of tasks: (label, unit) by the task function's name (another
#: function's bar is labelled with its name).
_TASK_BARS = {"make_frame": ("  SXI frames", "frames"), "retrieve_frame": ("  retrievals", "frames")}


class _TaskBars:
    """``smilekit run``'s ``task_progress``: a bar under the stages' for each batch of tasks (the SXI frames,
    their retrievals), made when its first task is finished. On workers it is called from dask's one
    callback thread (so ``bars`` needs no lock; rich's progress takes its own)."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.bars: dict[str, int] = {}

    def __call__(self, function: str, done: int, total: int) -> None:
        if function in self.bars:
            self.progress.update(self.bars[function], completed=done, total=total)
        else:
            label, unit = _TASK_BARS.get(function, (f"  {function}", "tasks"))
            self.bars[function] = self.progress.add_task(label, total=total, completed=done, unit=unit)


def _solar_wind_for_pointing(event: str | None):
    from smilekit.mission.visibility import TYPICAL_SOLAR_WIND
    from smilekit.solarwind import load_event

    return TYPICAL_SOLAR_WIND if event is None else load_event(event)


def _perturbations(two_body: bool):
    from smilekit.mission.propagator import PERTURBATIONS

    return () if two_body else PERTURBATIONS


@_command()
def orbit(
    start: Annotated[
        str, typer.Option(help="Start (UTC, ISO 8601); epoch of the science orbit.")
    ] = "2026-03-01",
    days: Annotated[float, typer.Option(help="Length of the period, days.")] = 30.0,
    step: Annotated[float, typer.Option(help="Output step, seconds.")] = 60.0,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("smilekit-orbit"),
    two_body: Annotated[bool, typer.Option("--two-body", help="Two-body motion (no J2, Sun, Moon).")] = False,
    pointing: Annotated[str, typer.Option(help="SXI aim rule: subsolar or limb (20.3 deg).")] = "subsolar",
) -> None:
    """Propagate the science orbit: ephemeris.cdf (track, attitude, modes), modes.csv, summary.json."""
    from smilekit.runs.plan import run_orbit

    _check_out(out)
    summary = run_orbit(
        out,
        start=start,
        days=days,
        step=step * u.s,
        perturbations=_perturbations(two_body),
        pointing=pointing,
    )
    table = Table(title=f"SMILE orbit from {summary['start'][:16]}, {summary['complete_orbits']} orbits")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key in ("period_h", "perigee_alt_km", "apogee_alt_km", "inclination_deg"):
        table.add_row(key, f"{summary[key]:.3f}")
    for mode, hours in summary["hours_per_orbit"].items():
        table.add_row(f"hours per orbit in {mode}", f"{hours:.2f}")
    console.print(table)
    console.print(f"Summary: {(out / 'summary.json').resolve()}")


@_command()
def plan(
    start: Annotated[
        str, typer.Option(help="Start (UTC, ISO 8601); epoch of the science orbit.")
    ] = "2026-03-01",
    days: Annotated[float, typer.Option(help="Length of the period, days.")] = 7.0,
    step: Annotated[float, typer.Option(help="Output step, seconds.")] = 60.0,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("smilekit-plan"),
    station: Annotated[
        list[str] | None, typer.Option(help="A ground station (repeat); default all known stations.")
    ] = None,
    event: Annotated[
        str | None, typer.Option(help="Aim at the magnetopause of a bundled event's solar wind.")
    ] = None,
    pointing: Annotated[str, typer.Option(help="SXI aim rule: subsolar or limb (20.3 deg).")] = "subsolar",
    two_body: Annotated[bool, typer.Option("--two-body", help="Two-body motion (no J2, Sun, Moon).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Operations plan: constraints, modes, ground passes, downlink, power, visibility, transfer."""
    from smilekit.runs.plan import run_plan

    _check_out(out)
    show = not quiet and sys.stderr.isatty()
    with err_console.status("planning", spinner="dots") if show else nullcontext() as status:
        summary = run_plan(
            out,
            start=start,
            days=days,
            step=step * u.s,
            perturbations=_perturbations(two_body),
            pointing=pointing,
            solar_wind=_solar_wind_for_pointing(event),
            stations=station or None,
            progress=(lambda name: status.update(f"planning: {name}")) if show else None,
        )
    table = Table(title=f"SMILE plan {summary['start'][:16]} + {days:g} d")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for mode, hours in summary["orbit"]["hours_per_orbit"].items():
        table.add_row(f"hours per orbit in {mode}", f"{hours:.2f}")
    for name, value in summary["visibility_per_orbit"].items():
        table.add_row(name.replace("_", " "), f"{value:.2f}")
    table.add_row("SXI excluded (Sun, limb, Moon)", f"{summary['constraints']['sxi_excluded_fraction']:.2f}")
    ratio = summary["downlink"]["margin_ratio_min"]
    table.add_row("downlink / data, worst orbit", "n/a" if ratio is None else f"{ratio:.2f}")
    table.add_row("battery state of charge, min", f"{summary['power']['min_soc']:.2f}")
    transfer = summary["transfer"]
    table.add_row("transfer delta-v (m/s)", f"{transfer['total_delta_v_m_s']:.0f}")
    table.add_row("maintenance delta-v (m/s per year)", f"{summary['maintenance_delta_v_m_s_per_year']:.1f}")
    table.add_row(
        "propellant budget / available",
        f"{transfer['budget_ratio']:.3f} ({'closes' if transfer['budget_closes'] else 'does not close'})",
    )
    console.print(table)
    console.print(f"Plan: {(out / 'plan.json').resolve()}")


@_command()
def process(
    l0_dir: Annotated[
        Path, typer.Argument(help="Folder of packet files (*.bin, one per ground pass) and auxiliary files.")
    ],
    out: Annotated[Path, typer.Option(help="Output folder for the products and summary.json.")] = Path(
        "smilekit-products"
    ),
) -> None:
    """Process downlinked packets into MAG, LIA, SXI and UVI L1/L2 products (new versions, never overwritten).

    SXI and UVI need the orbit as ``ephemeris.cdf`` in L0_DIR; without it they are skipped (and reported).
    """
    from smilekit.pipeline import process as run_process

    _check_out(out)
    summary = run_process(l0_dir, out)
    table = Table(title=f"Processed {len(summary['files'])} packet files from {l0_dir}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for chain in ("mag", "lia", "sxi", "uvi"):
        for key, value in summary[chain].items():
            table.add_row(f"{chain} {key.replace('_', ' ')}", str(value))
    table.add_row("bad regions", str(len(summary["bad_regions"])))
    table.add_row("gaps", str(len(summary["gaps"])))
    table.add_row("products", str(len(summary["products"])))
    console.print(table)
    for error in summary["errors"]:
        err_console.print(f"[yellow]recorded:[/yellow] {error}")
    console.print(f"Summary: {(out / 'summary.json').resolve()}")


@_command()
def geospace(
    n: Annotated[float, typer.Option(help="Solar wind proton density, cm^-3.")] = 5.0,
    v: Annotated[float, typer.Option(help="Solar wind speed, km/s (flowing along -X).")] = 400.0,
    bx: Annotated[float, typer.Option(help="IMF Bx GSM, nT.")] = 0.0,
    by: Annotated[float, typer.Option(help="IMF By GSM, nT.")] = 0.0,
    bz: Annotated[float, typer.Option(help="IMF Bz GSM, nT.")] = -2.0,
    t: Annotated[float, typer.Option(help="Proton temperature, K.")] = 1.0e5,
    tilt: Annotated[float, typer.Option(help="Dipole tilt, deg (north pole sunward > 0).")] = 0.0,
    out: Annotated[Path | None, typer.Option(help="Write emissivity slice plots here.")] = None,
) -> None:
    """One solar-wind state: print every model's stand-off distance, optionally plot the emissivity."""
    from smilekit.geospace import boundaries
    from smilekit.geospace.validity import check_fit_range
    from smilekit.products.plots import quicklook
    from smilekit.products.plots.style import model_label
    from smilekit.runs.stages.geospace import (
        boundary_models,
        emissivity_models,
        emissivity_slices,
        state_drivers,
    )
    from smilekit.solarwind import SolarWindState

    _check_out(out)
    state = SolarWindState(
        n=n * u.cm**-3, v_gse=[-v, 0.0, 0.0] * u.km / u.s, b_gsm=[bx, by, bz] * u.nT, t=t * u.K
    )
    tilt_q = tilt * u.deg
    drivers = state_drivers(state, tilt_q)
    table = Table(title=f"Pdyn = {state.pdyn:.3g}, Bz = {bz:g} nT, tilt = {tilt:g} deg")
    table.add_column("model")
    table.add_column("stand-off (RE)", justify="right")
    table.add_column("fitted range")
    for name, model in boundary_models().items():
        r0 = boundaries.standoff(model, warn=False, **boundaries.model_parameters(model, state, tilt=tilt_q))
        table.add_row(name, f"{r0.to_value(smilekit.RE):.2f}", _range_flag(model, drivers))
    console.print(table)
    try:
        models = emissivity_models(state, tilt_q)
    except ModelDomainError as error:  # e.g. a density where the CMEM relations fail
        if out is not None:
            raise
        console.print(f"emissivity models not built: {escape(str(error))}")
        models = {}
    flags = Table(title="Emissivity models")
    flags.add_column("model")
    flags.add_column("fitted range")
    for name, model in models.items():
        flags.add_row(name, _range_flag(model, drivers))
    if models:
        console.print(flags)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        sheath = models["physical SWCX"].sheath
        for name, model in models.items():
            slices = emissivity_slices(model)
            path = out / f"emissivity_{name.replace(' ', '_').lower()}.png"
            check = check_fit_range(model, **drivers)
            quicklook.plot_emissivity_slices(
                slices,
                sheath,
                path,
                title=model_label(name),
                outside_fit_range=check.reasons(0),
                far_outside=bool(check.far_outside[0]),
            )
            console.print(f"wrote {path}")


def _range_flag(model, drivers) -> str:
    """The fitted-range flag of one model at one state: inside, outside or FAR outside, with the reasons."""
    from smilekit.geospace.validity import check_fit_range

    check = check_fit_range(model, **drivers)
    if not check.outside[0]:
        return "inside"
    how = "FAR outside" if check.far_outside[0] else "outside"
    return escape(f"{how}: " + "; ".join(check.reasons(0)))


@_command()
def evaluate(
    cases: Annotated[
        Path | None,
        typer.Argument(
            exists=True, dir_okay=False, help="The case file (CSV); default: the shipped orbit case set."
        ),
    ] = None,
    aim: Annotated[
        str,
        typer.Option(help="Which shipped case set, without CASES: aimed by the limb rule or subsolar."),
    ] = "limb",
    out: Annotated[Path, typer.Option(help="Output folder: results.csv, summary.json.")] = Path(
        "smilekit-evaluate"
    ),
    workers: Annotated[int | None, typer.Option(help="Run on a local dask cluster of N workers.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Address of a running dask scheduler.")] = None,
    dashboard: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="host:port of the local cluster's dask dashboard (e.g. 0.0.0.0:8787 to serve it on every "
            "interface); default: a free port on 127.0.0.1.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Measure every magnetopause and cusp retrieval against the model truth over a case file.

    Each case: physical SWCX truth, simulated SXI L1/L2, every method; one row per case and method in
    OUT/results.csv, the accuracy summary in OUT/summary.json and printed. A rerun into the same folder
    resumes where it stopped; malformed rows are reported with their line numbers and skipped.
    """
    from smilekit.campaign.cases import SHIPPED_CASES, SUBSOLAR_CASES
    from smilekit.campaign.evaluate import evaluate_cases

    _check_out(out)
    shipped = {"limb": SHIPPED_CASES, "subsolar": SUBSOLAR_CASES}
    if aim not in shipped:
        raise InputError(f"aim {aim!r} is not one of {', '.join(shipped)}")
    if cases is not None and aim != "limb":
        raise InputError("--aim chooses a shipped case set: give it or a case file, not both")
    path = cases if cases is not None else data_path(shipped[aim])
    evaluate_cases(
        path, out, workers=workers, scheduler=scheduler, progress=not quiet, dashboard_address=dashboard
    )
    console.print(f"Results: {(out / 'results.csv').resolve()}")


@_command()
def campaign(
    start: Annotated[str, typer.Option(help="The period's start (ISO UTC), e.g. 2026-06-01.")],
    end: Annotated[str, typer.Option(help="The period's end (ISO UTC, excluded).")],
    out: Annotated[
        Path, typer.Option(help="Output folder: frames.csv, results/ (Parquet), summary.json.")
    ] = Path("smilekit-campaign"),
    aim: Annotated[
        str, typer.Option(help="SXI aim rule: limb (20.3 deg from the limb) or subsolar.")
    ] = "limb",
    solar_wind: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Solar-wind file (as smilekit run reads); default: the shipped OMNI2 of 2000 by date.",
        ),
    ] = None,
    method: Annotated[
        list[str] | None, typer.Option(help="A stand-off method to run (repeat; default every method).")
    ] = None,
    no_cusp: Annotated[bool, typer.Option("--no-cusp", help="Skip the cusp retrieval.")] = False,
    no_insitu: Annotated[
        bool, typer.Option("--no-insitu", help="Skip the in situ summary (truth and LIA) of every frame.")
    ] = False,
    no_uvi: Annotated[bool, typer.Option("--no-uvi", help="Skip the hourly UVI images.")] = False,
    workers: Annotated[int | None, typer.Option(help="Run on a local dask cluster of N workers.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Address of a running dask scheduler.")] = None,
    dashboard: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help="host:port of the local cluster's dask dashboard.")
    ] = None,
    chunk_frames: Annotated[
        int | None,
        typer.Option(help="Frames per Dask task and per Parquet file, consecutive in time (default 48)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Every 5-min SXI frame of a period of the mission: simulated, retrieved, and how many meet the
    requirement.

    The science orbit propagated over the period (J2, Sun, Moon), the modes and the pointing constraints
    choose the frames (OUT/frames.csv, OUT/schedule.json); each frame is simulated from the solar wind of its
    time and every method retrieves the stand-off (OUT/results/, a Parquet file per chunk of frames, on Dask;
    a rerun resumes); the in situ truth and one LIA distribution at every frame (OUT/insitu/) and a UVI image
    of the oval each hour (OUT/uvi/) beside them; the answer (frames in the requirement domain, and per
    method the fraction answered and within 0.5 RE; the regions and the oval's boundaries) is in
    OUT/summary.json and OUT/report.html, and printed.
    """
    from smilekit.campaign.chunks import CHUNK_FRAMES
    from smilekit.campaign.mission import run_campaign

    _check_out(out)
    summary = run_campaign(
        start, end, out, aim=aim, solar_wind=solar_wind, workers=workers, scheduler=scheduler,
        dashboard_address=dashboard, progress=not quiet, methods=method or None,
        cusp_method=False if no_cusp else None, console=console,
        chunk_frames=CHUNK_FRAMES if chunk_frames is None else chunk_frames, insitu=not no_insitu,
        uvi=not no_uvi,
    )  # fmt: skip
    table = Table(title=f"{summary['sxi_frames']} SXI frames, {summary['frames_in_domain']} in the domain")
    for column in ("method", "answered", "RMS (RE)", "within 0.5 RE"):
        table.add_column(column)
    for name, figures in summary["methods"].items():
        cells = [figures.get(key) for key in ("answered", "rms_re", "within_0p5_re")]
        table.add_row(name, *("-" if c is None else f"{c:.3f}" for c in cells))
    console.print(table)
    if summary.get("insitu"):
        regions = ", ".join(f"{r['region']} {r['fraction']:.1%}" for r in summary["insitu"])
        console.print(f"Where SMILE is during the SXI frames: {regions}", soft_wrap=True, markup=False)
    if summary.get("uvi"):
        uvi = summary["uvi"]
        eq = "-" if uvi["equatorward_rms_deg"] is None else f"{uvi['equatorward_rms_deg']:.2f} deg RMS"
        console.print(
            f"UVI: {uvi['answered']} of {uvi['uvi_frames']} images find the oval; equatorward boundary "
            f"against the model {eq}", soft_wrap=True, markup=False,
        )  # fmt: skip
    console.print(f"Summary: {(out / 'summary.json').resolve()}", soft_wrap=True, markup=False)
    console.print(f"Report: {(out / 'report.html').resolve()}", soft_wrap=True, markup=False)


archive_app = typer.Typer(
    name="archive",
    help="The archive: products catalogued (SQLite, or PostgreSQL by --url) under SMILE's data policy.",
    no_args_is_help=True,
)
app.add_typer(archive_app, name="archive")

_ARCHIVE_DIR = Annotated[Path, typer.Argument(help="The archive folder.")]
_ARCHIVE_URL = Annotated[
    str | None,
    typer.Option("--url", help="The catalogue's database URL (default: catalogue.sqlite in the archive)."),
]


def _archive_command(name: str) -> Callable:
    """``@archive_app.command(name)`` for a guarded function (see :func:`_command`)."""

    def register(function: Callable) -> Callable:
        return archive_app.command(name)(_guarded(function))

    return register


@_archive_command("init")
def archive_init(folder: _ARCHIVE_DIR, url: _ARCHIVE_URL = None) -> None:
    """Make an archive folder and its catalogue (or open an existing one again)."""
    from smilekit.archive.catalogue import init_archive

    console.print(f"Archive: {init_archive(folder, url=url).resolve()}", soft_wrap=True, markup=False)


@_archive_command("ingest")
def archive_ingest(
    folder: _ARCHIVE_DIR,
    files: Annotated[
        list[Path], typer.Argument(help="Product files (CDF, FITS) named by the mission's rule.")
    ],
    received: Annotated[
        str | None, typer.Option(help="When the SWT received the data (ISO 8601 UTC; default now).")
    ] = None,
    url: _ARCHIVE_URL = None,
) -> None:
    """Catalogue product files into the archive; a file refused (with its reason) does not stop the others.

    Exit status 0 when every file is in the archive, 1 when some were refused.
    """
    from smilekit.archive.catalogue import ingest

    results = ingest(folder, files, received=received, url=url)
    table = Table(title=f"Ingest into {folder}")
    for column in ("file", "status", "reason"):
        table.add_column(column)
    for r in results:
        table.add_row(Path(r["file"]).name, r["status"], r["reason"] or "")
    console.print(table)
    if any(r["status"] == "refused" for r in results):
        raise typer.Exit(code=1)


@_archive_command("list")
def archive_list(
    folder: _ARCHIVE_DIR,
    instrument: Annotated[str | None, typer.Option(help="Only this instrument's products.")] = None,
    current: Annotated[bool, typer.Option("--current", help="Only the current version of each.")] = False,
    url: _ARCHIVE_URL = None,
) -> None:
    """The archive's products: dataset, time range, version (* current), size, received."""
    from smilekit.archive.catalogue import list_products

    rows = list_products(folder, url=url, instrument=instrument, current_only=current)
    table = Table(title=f"{len(rows)} products in {folder}")
    for column in ("id", "dataset", "start", "stop", "version", "octets", "received"):
        table.add_column(column)
    for r in rows:
        version = f"{r['version']}{'*' if r['current'] else ''}"
        table.add_row(str(r["id"]), r["dataset"], r["start"], r["stop"], version, str(r["octets"]),
                      r["received"])  # fmt: skip
    console.print(table)


user_app = typer.Typer(name="user", help="The archive's users and their tokens.", no_args_is_help=True)
archive_app.add_typer(user_app, name="user")


@_archive_command("release")
def archive_release(
    folder: _ARCHIVE_DIR,
    instrument: Annotated[
        str, typer.Option(help="The instrument whose data are released (sxi, uvi, lia, mag).")
    ],
    start: Annotated[str, typer.Option(help="The start of the data released (ISO 8601 UTC).")],
    stop: Annotated[str, typer.Option(help="The end of the data released (ISO 8601 UTC, excluded).")],
    pi: Annotated[str, typer.Option(help="The instrument's PI who releases them (a user of the archive).")],
    approved_by: Annotated[str, typer.Option(help="The SWT member who approved (a user of the archive).")],
    approved_at: Annotated[
        str | None, typer.Option(help="When the SWT approved (ISO 8601 UTC; default now).")
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option(help="A dataset released (repeat; default all of the instrument's).")
    ] = None,
    url: _ARCHIVE_URL = None,
) -> None:
    """Record a PI's early release of their instrument's data, approved by the SWT (who, when, which)."""
    from smilekit.archive.access import record_release

    r = record_release(
        folder, instrument, start, stop, pi=pi, approved_by=approved_by, approved_at=approved_at,
        datasets=tuple(dataset or ()), url=url,
    )  # fmt: skip
    datasets = ", ".join(r["datasets"]) or f"all {r['instrument']} datasets"
    console.print(
        f"Release {r['id']}: {datasets} from {r['start']} to {r['stop']}, by {r['pi']}, approved by "
        f"{r['approved_by']} at {r['approved_at']}", soft_wrap=True, markup=False,
    )  # fmt: skip


@user_app.command("add")
@_guarded
def archive_user_add(
    folder: _ARCHIVE_DIR,
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[str, typer.Option(help="public, swt (a member of the SWT) or pi (an instrument's PI).")],
    instrument: Annotated[str | None, typer.Option(help="The PI's instrument (sxi, uvi, lia, mag).")] = None,
    url: _ARCHIVE_URL = None,
) -> None:
    """Add a user; prints their token, once (the catalogue keeps only its SHA-256)."""
    from smilekit.archive.access import add_user

    token = add_user(folder, name, role, instrument, url=url)
    console.print(f"Token for {name} (shown once, keep it): {token}", soft_wrap=True, markup=False)


@user_app.command("revoke")
@_guarded
def archive_user_revoke(
    folder: _ARCHIVE_DIR,
    name: Annotated[str, typer.Argument(help="The user's name.")],
    url: _ARCHIVE_URL = None,
) -> None:
    """Revoke a user's token: it opens nothing from now on."""
    from smilekit.archive.access import revoke_user

    revoke_user(folder, name, url=url)
    console.print(f"Revoked: {name}", soft_wrap=True, markup=False)


@user_app.command("list")
@_guarded
def archive_user_list(folder: _ARCHIVE_DIR, url: _ARCHIVE_URL = None) -> None:
    """The archive's users (never their tokens)."""
    from smilekit.archive.access import list_users

    table = Table(title=f"Users of {folder}")
    for column in ("name", "role", "instrument", "created", "revoked"):
        table.add_column(column)
    for r in list_users(folder, url=url):
        table.add_row(r["name"], r["role"], r["instrument"] or "", r["created"], r["revoked"] or "")
    console.print(table)


@_command()
def serve(
    archive: Annotated[Path, typer.Option("--archive", help="The archive folder to serve.")],
    host: Annotated[str, typer.Option(help="The address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    url: _ARCHIVE_URL = None,
) -> None:
    """Serve the archive: HAPI 3.2 under /hapi, product downloads, quick-look pages at /.

    Data and downloads are checked against SMILE's data policy with the token of an
    'Authorization: Bearer TOKEN' header (`smilekit archive user add`); quick-looks are public.
    """
    import uvicorn

    from smilekit.service import create_app

    application = create_app(archive, url=url)
    console.print(f"Serving {archive} at http://{host}:{port}/ (HAPI: /hapi)", soft_wrap=True, markup=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    app()
