"""Atomic writes: the one helper every product and state file of smilekit goes through.

A file is written to a temporary file in the target's own folder (so on the same filesystem), flushed
and fsynced, then renamed over the target with :func:`os.replace`. A reader sees the old file or the new
one, never half of one; a crash, a full disk or an exception in the writer leaves the old file (or none)
and no temporary behind.

Two forms:

- :func:`atomic_open`, a context manager giving an open text or binary stream, for code that writes the
  bytes itself (JSON, CSV through :mod:`csv`, HTML);
- :func:`atomic_path`, a context manager giving a temporary *path*, for libraries that open the file
  themselves (astropy ``HDUList.writeto``, cdflib, matplotlib ``savefig``, pandas ``to_csv``, Pillow GIF
  writers). The temporary keeps the target's suffix, since several of them pick the format from it.

:func:`write_text` and :func:`write_bytes` are the one-line forms of :func:`atomic_open`;
:func:`save_figure` and :func:`write_table` those of :func:`atomic_path` for a matplotlib figure and a
pandas table (anything with ``savefig`` / ``to_csv``).

Temporary names are ``.<name>.<random>.tmp<suffix>`` from :func:`tempfile.mkstemp`: unique per call, so
two writers of the same target never share a temporary (the last rename wins, whole).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_open(folder / "a.json") as stream:
...     _ = stream.write('{"ok": true}')
>>> (folder / "a.json").read_text()
'{"ok": true}'
>>> with atomic_path(folder / "b.csv") as tmp:
...     _ = tmp.write_text("x\\n1\\n")
>>> sorted(p.name for p in folder.iterdir())
['a.json', 'b.csv']
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from smilekit.errors import ProductError

__all__ = [
    "atomic_open",
    "atomic_path",
    "jsonable",
    "save_figure",
    "staged_copy",
    "write_bytes",
    "write_table",
    "write_text",
]

#: Permission bits of a written file (``mkstemp`` makes 0600; products are meant to be shared).
_MODE = 0o644


def _temporary(path: Path) -> tuple[int, Path]:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}")
    return handle, Path(name)


def _fsync_path(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (a no-op where folders cannot be opened, as on Windows)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _commit(temporary: Path, path: Path) -> None:
    os.chmod(temporary, _MODE)
    os.replace(temporary, path)
    _fsync_folder(path.parent)


@contextlib.contextmanager
def atomic_path(path, *, mkdir: bool = True, overwrite: bool = True) -> Iterator[Path]:
    """A temporary path next to ``path``; on a clean exit it replaces ``path``, on any failure it is removed.

    For libraries that open and write the file themselves. The temporary exists (empty) when the block
    starts, keeps the suffix of ``path`` (``.fits``, ``.cdf``, ``.png``, ``.gif``, ``.csv``) and lies in
    the same folder. A writer that refuses to overwrite (cdflib) may delete it first.

    Parameters
    ----------
    path : path
        The target file.
    mkdir : bool
        Create the target's folder (and its parents) if missing.
    overwrite : bool
        Replace an existing ``path``. With False an existing file is refused before anything is written:
        the one check of the product writers' ``overwrite`` keyword, which they pass on.

    Yields
    ------
    Path
        The temporary to write to.

    Raises
    ------
    ProductError
        If ``path`` exists and ``overwrite`` is False.
    OSError
        If the folder cannot be written (the target is untouched), or whatever the block raised.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise ProductError(f"{path} exists; pass overwrite=True to replace it")
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _temporary(path)
    os.close(handle)
    try:
        yield temporary
        if not temporary.exists():
            raise FileNotFoundError(f"the writer of {path} left no file at its temporary {temporary.name}")
        _fsync_path(temporary)
        _commit(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def staged_copy(source, path) -> Iterator[Callable[[], None]]:
    """A flushed copy of ``source`` at a hidden temporary beside ``path``, placed when the caller says.

    Yields ``place()``, which renames the copy into ``path`` as :func:`atomic_path` does (shared permission
    bits, the folder synced); a copy not placed by the end of the block is removed. For a writer that must
    put the file in place at one moment of its own (the archive's ingest: inside its transaction).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _temporary(path)
    try:
        with os.fdopen(handle, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out)
            out.flush()
            os.fsync(out.fileno())
        yield lambda: _commit(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)  # placed: gone already


@contextlib.contextmanager
def atomic_open(
    path, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None, mkdir: bool = True
) -> Iterator[IO]:
    """An open stream to a temporary next to ``path``; on a clean exit it replaces ``path``.

    Parameters
    ----------
    path : path
        The target file.
    mode : {"w", "wb"}
        Text or binary.
    encoding, newline : str, optional
        As in :func:`open` (text mode only; UTF-8 by default).
    mkdir : bool
        Create the target's folder (and its parents) if missing.

    Yields
    ------
    file object
        The stream; flushed, fsynced and closed before the rename.

    Raises
    ------
    ValueError
        For a mode other than ``"w"`` or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _temporary(path)
    try:
        if mode == "wb":
            stream = os.fdopen(handle, "wb")
        else:
            stream = os.fdopen(handle, "w", encoding=encoding, newline=newline)
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _commit(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_open`); return ``path`` as a Path."""
    with atomic_open(path, "w", encoding=encoding, newline="") as stream:
        stream.write(text)
    return Path(path)


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_open`); return ``path`` as a Path."""
    with atomic_open(path, "wb") as stream:
        stream.write(data)
    return Path(path)


def save_figure(fig, path, **kwargs) -> Path:
    """``fig.savefig`` atomically (:func:`atomic_path`; the format from the suffix of ``path``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Anything with a ``savefig(path, **kwargs)`` method.
    path : path
        The image file (``.png``, ``.pdf``, ``.svg``, ...).
    **kwargs
        Passed to ``savefig`` (``dpi``, ``bbox_inches``, ...).

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as temporary:
        fig.savefig(temporary, **kwargs)
    return Path(path)


def write_table(table, path, **kwargs) -> Path:
    """``table.to_csv`` atomically (:func:`atomic_path`).

    Parameters
    ----------
    table : pandas.DataFrame
        Anything with a ``to_csv(path, **kwargs)`` method.
    path : path
        The CSV file.
    **kwargs
        Passed to ``to_csv`` (``index``, ``float_format``, ...).

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as temporary:
        table.to_csv(temporary, **kwargs)
    return Path(path)


def jsonable(value):
    """``value`` for ``json.dump``: dicts and lists followed, numpy numbers as Python's, NaN and infinities
    as None (JSON null, which strict JSON readers accept where they refuse NaN)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
