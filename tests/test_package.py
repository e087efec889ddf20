"""The package's metadata: the version is written once, in smilekit.__version__."""

import importlib.metadata
import re
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
