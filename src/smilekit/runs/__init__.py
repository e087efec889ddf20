"""What the commands run: the main job (``smilekit run``) and the orbit and plan runs.

The main job takes one solar-wind event through the whole chain and writes it as a report. It is a sequence of
registered stages (:mod:`smilekit.runs.registry`): each reads what earlier stages put in the
:class:`JobContext`, writes its own figures and files into the output folder, and returns its section of
``summary.json``; a stage whose work runs on Dask workers may park while the next stages run
(:mod:`smilekit.runs.registry`). A stage that fails is reported with its error in the summary and the report;
what earlier stages wrote is kept and the later stages still run (:mod:`smilekit.runs.job`). Every run setting
is in one :class:`JobSettings` (:mod:`smilekit.runs.settings`), which a TOML file can override.

The stages live in :mod:`smilekit.runs.stages`, one module per part of the flow, and register themselves when
imported below, in the order they start; a stage module also defines and registers its settings section
(:func:`~smilekit.runs.settings.register_section`). An instrument adds its stage by adding a module there and
one import line here, after the stages whose results it reads; nothing else is edited.

The orbit and operations-plan runs behind ``smilekit orbit`` and ``smilekit plan`` are
:mod:`smilekit.runs.plan` (:func:`~smilekit.runs.plan.run_orbit`, :func:`~smilekit.runs.plan.run_plan`).
"""

from __future__ import annotations

from smilekit.runs.context import JobContext
from smilekit.runs.job import run_job
from smilekit.runs.registry import STAGES, Stage, register, stage
from smilekit.runs.settings import JobSettings, SettingsSection, load_settings, register_section, setting

# isort: off
# The stages, in the order they run: importing a stage module registers its stages.
from smilekit.runs.stages import (  # noqa: F401
    solar_wind,
    geospace,
    mission,
    sxi,
    science,
    uvi,
    insitu,
    mag,
    lia,
    regions,
    telemetry,  # its stage is not registered: run_job(telemetry=True) appends it (smilekit run --telemetry)
)

# isort: on

__all__ = [
    "STAGES",
    "JobContext",
    "JobSettings",
    "SettingsSection",
    "Stage",
    "load_settings",
    "register",
    "register_section",
    "run_job",
    "setting",
    "stage",
]
