"""The package as a whole: its version written once (smilekit.__version__); what importing it prints and
loads, seen from a fresh process (this test process has long made those imports)."""

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import smilekit

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_written_once_and_the_installed_metadata_reads_it():
    assert importlib.metadata.version("smilekit") == smilekit.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", smilekit.__version__)
    with (ROOT / "pyproject.toml").open("rb") as file:
        pyproject = tomllib.load(file)
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "smilekit.__version__"}
    # the changelog has a section for the unreleased changes and one per version released
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## Unreleased" in changelog and f"## {smilekit.__version__} " in changelog


def fresh_python(script: str) -> subprocess.CompletedProcess:
    """``script`` run by a new interpreter: its output, once it has exited without error."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def test_importing_the_library_prints_nothing_and_leaves_dask_unimported():
    # ccsdspy logs "CCSDSPy version ... initialized." at INFO on import, on a console handler of its own: a
    # time-stamped line on every smilekit command and from every Dask worker; its warnings must still show.
    # dask.distributed (~0.5 s to import) is imported only where a cluster is asked for.
    done = fresh_python(
        "import logging, sys, smilekit.telemetry, smilekit.runs.stages, smilekit.campaign.chunks\n"
        "logging.getLogger('ccsdspy').warning('a warning of its own')\n"
        "print(logging.root.manager.disable, 'ccsdspy' in sys.modules, 'distributed' in sys.modules)\n"
    )
    assert done.stdout == "0 True False\n"  # logging left enabled as it was; ccsdspy imported, no dask
    assert done.stderr.splitlines() == [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert "a warning of its own" in done.stderr


def test_the_command_line_imports_the_library_only_for_a_command():
    # `smilekit --help` (and every command's parsing) took 3.5 s when the command module imported the main
    # job, the retrievals and the plots up front; each command imports what it calls, when it runs
    done = fresh_python(
        "import sys, smilekit.cli\n"
        "heavy = ('smilekit.runs', 'matplotlib', 'numba', 'scipy', 'xarray')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    assert done.stdout == "[]\n"
