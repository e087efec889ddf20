"""Access to the data files that ship inside the package (see ``data/PROVENANCE.md``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_path"]


def data_path(relative: str) -> Path:
    """Return the filesystem path of a packaged data file, e.g. ``data_path("igrf/IGRF14.shc")``."""
    path = Path(str(resources.files("smilekit") / "data" / relative))
    if not path.exists():
        raise FileNotFoundError(f"smilekit data file {relative!r} is not installed (looked at {path})")
    return path
