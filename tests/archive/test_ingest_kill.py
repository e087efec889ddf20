"""Ingest killed with SIGKILL (kill -9) at any point: each product catalogued whole or not at all, and a rerun
completes it; on both back ends (the fixture ``catalogue_url``: SQLite and a real PostgreSQL server).

The process killed is a real one, running :func:`~smilekit.archive.catalogue.ingest` on real files: two
versions of a MAG L1 CDF (the second's row changes the first's ``current`` mark) and a ``solar_wind.csv``,
which the archive turns into a product of its own (another way in: a scratch folder, a product written).
A Python that imports smilekit takes seconds to start, so one subprocess (``sys.executable -c``,
:data:`ZYGOTE`) imports it all and warms up once, then forks, per trial, the process that ingests and is
killed. The kill points are

* every SQL statement the ingest sends (killed just before it: just after the one before) and every commit
  (killed just before it: the transaction's work done, not committed);
* every file written into the archive killed at its flush, cut to half its length first (what a kill in the
  middle of the writing leaves: inside the copy and inside the transaction), and at every rename (just
  after it: the file in place, no row yet);
* random delays, from a seeded generator, spread over a whole ingest's duration, killed from outside.

At the first two kinds the process kills itself (``os.kill(os.getpid(), SIGKILL)``) from a hook set in the
forked process only (SQLAlchemy's engine events; ``os.fsync`` and ``os.replace`` wrapped): points that a kill
from outside would hit only by luck in an ingest of a tenth of a second. A clean run counts them.

After each kill the catalogue holds, per product, a whole row whose archived file is there with the row's
checksum, or no row, and the ``current`` marks of the versions catalogued are right. A rerun then ingests
the rest: every product catalogued once, its file intact, every archived file catalogued (temporaries, with
hidden names, excepted: never catalogued).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import MetaData, create_engine, text

from smilekit.archive.catalogue import PRODUCTS_FOLDER, ingest, init_archive, list_products
from testsupport.archive import write_mag_versions
from testsupport.solarwind_files import truth, write_csv

pytestmark = pytest.mark.slow

#: The forking subprocess. It ingests once itself (a warm-up: what an ingest imports and sets up on first use,
#: so that a trial's time is the ingest's), then reads one trial a line (JSON), forks a process that ingests
#: with the trial's kill point armed and reports ``started <pid>`` and ``ended <exit code>`` (negative: the
#: signal that ended it).
ZYGOTE = r"""
import json, os, signal, stat, sys, traceback, warnings
from pathlib import Path

warnings.filterwarnings("ignore", "This process", DeprecationWarning)  # Python 3.12+: fork with BLAS threads
import psycopg, sqlalchemy.dialects.postgresql  # the warm-up is on SQLite
from sqlalchemy import event
from sqlalchemy.engine import Engine
from smilekit.archive.catalogue import ingest, init_archive

warm_up = json.loads(sys.argv[1])
ingest(init_archive(warm_up["archive"]), warm_up["files"])


def arm(kill, counts):
    # count the kill points of each kind; SIGKILL this process at the kill[1]-th of the kind kill[0]
    def hit(kind):
        counts[kind] = counts.get(kind, 0) + 1
        if kill is not None and kill[0] == kind and kill[1] == counts[kind]:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "before_cursor_execute", lambda *args: hit("statement"))
    event.listen(Engine, "commit", lambda *args: hit("commit"))
    fsync, replace = os.fsync, os.replace

    def flushing(fd):
        info = os.fstat(fd)
        if kill == ["fsync", counts.get("fsync", 0) + 1] and stat.S_ISREG(info.st_mode):  # not a folder
            # cut to half, as a kill in the middle of its writing leaves it (through its path where the
            # descriptor is read-only: a writer that reopens its file to flush it)
            try:
                os.ftruncate(fd, info.st_size // 2)
            except OSError:
                os.truncate(f"/proc/self/fd/{fd}", info.st_size // 2)
        hit("fsync")
        fsync(fd)

    def renamed(*args, **kwargs):
        replace(*args, **kwargs)
        hit("replace")

    os.fsync, os.replace = flushing, renamed


print("ready", flush=True)
for line in sys.stdin:
    trial = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.dup2(2, 1)  # the forked process's prints must not mix with the reports
        code = 1
        try:
            counts = {}
            arm(trial["kill"], counts)
            ingest(trial["archive"], trial["files"], received="2026-04-01", url=trial["url"])
            Path(trial["counts"]).write_text(json.dumps(counts))
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    print("started", pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print("ended", os.waitstatus_to_exitcode(status), flush=True)
"""

#: The kinds of kill point the forked process counts (module docstring).
KINDS = ("statement", "commit", "fsync", "replace")
#: The seed of the random kill delays.
SEED = 20260321
#: How many kills at random delays, per back end.
RANDOM_KILLS = 8
#: The longest wait for a report of the subprocess, s.
TIMEOUT = 60.0


class Zygote:
    """The forking subprocess (:data:`ZYGOTE`), warmed up on ``files`` in the archive ``warm_up``."""

    def __init__(self, warm_up: Path, files):
        argument = json.dumps({"archive": str(warm_up), "files": [str(f) for f in files]})
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, argument], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        assert self._report() == "ready"

    def _report(self) -> str:
        """The next line the subprocess writes (failing the test when it dies or falls silent)."""
        line = b""
        deadline = time.monotonic() + TIMEOUT
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            byte = self.process.stdout.read(1) if ready else b""
            if not byte:
                pytest.fail(f"the ingest subprocess ended or fell silent (exit {self.process.poll()})")
            line += byte
        return line.decode().strip()

    def run(self, archive: Path, files, url, kill=None, delay=None) -> tuple[int, float, dict]:
        """Ingest ``files`` into ``archive`` in a forked process, killed at ``kill`` ((kind, n), from inside)
        or after ``delay`` s (from outside); its exit code (-9: killed), its duration, and its counts of the
        kill points (:data:`KINDS`) when it ended by itself."""
        counts = archive.parent / f"{archive.name}-counts.json"
        trial = {"archive": str(archive), "files": [str(f) for f in files], "url": url, "kill": kill,
                 "counts": str(counts)}  # fmt: skip
        self.process.stdin.write(json.dumps(trial).encode() + b"\n")
        started = self._report()
        begin = time.monotonic()
        assert started.startswith("started "), started
        if delay is not None:
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):  # ended and reaped already
                os.kill(int(started.split()[1]), signal.SIGKILL)
        ended = self._report()
        duration = time.monotonic() - begin
        assert ended.startswith("ended "), ended
        code = int(ended.split()[1])
        return code, duration, json.loads(counts.read_text()) if code == 0 else {}

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The files to ingest: two versions of a product and a solar-wind table (archived as a product)."""
    folder = tmp_path_factory.mktemp("inputs")
    mag, _ = write_mag_versions(folder)
    return [*mag, write_csv(folder / "solar_wind.csv", truth(minutes=60))]


@pytest.fixture(scope="module")
def zygote(inputs, tmp_path_factory):
    forker = Zygote(tmp_path_factory.mktemp("warm-up") / "archive", inputs)
    yield forker
    forker.close()


@contextlib.contextmanager
def _fresh_archives(folder: Path, url):
    """A function making new, empty archives in ``folder``: on SQLite copies of one :func:`init_archive`
    made, on the server :func:`init_archive` after the catalogue's tables are emptied (one database for all:
    faster than making each)."""
    template = init_archive(folder / "empty", url=url)
    if url is None:
        yield lambda name: Path(shutil.copytree(template, folder / name))
        return
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        quote = engine.dialect.identifier_preparer.quote
        truncate = text(f"TRUNCATE {', '.join(quote(t.name) for t in tables.sorted_tables)} RESTART IDENTITY")

        def fresh(name):
            with engine.begin() as connection:
                connection.execute(truncate)
            return init_archive(folder / name, url=url)

        yield fresh
    finally:
        engine.dispose()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version_of(name: str) -> str:
    """The product of a name (the versions of one differ in their ``_vNN`` only)."""
    return name[: name.rindex("_v")]


def _check_whole(archive: Path, url, inputs, names) -> dict:
    """Each catalogued product one of ``names``, once and whole (its row complete, its file there with the
    row's checksum, that of its input when named so), the current marks right; returns the rows by name."""
    rows = list_products(archive, url=url)
    by_name = {r["name"]: r for r in rows}
    assert len(by_name) == len(rows), "a product catalogued twice"
    assert set(by_name) <= set(names), f"not a product: {sorted(set(by_name) - set(names))}"
    sources = {f.name: _sha256(f) for f in inputs}
    for name, row in by_name.items():
        missing = [key for key, value in row.items() if value is None and key != "provenance"]
        assert not missing, f"{name}: a half row, without {missing}"
        archived = archive / row["path"]
        assert archived.is_file(), f"{name}: catalogued, but its file {row['path']} is not in the archive"
        assert archived.stat().st_size == row["octets"] and _sha256(archived) == row["sha256"], (
            f"{name}: the archived file is not the one catalogued"
        )
        if name in sources:
            assert row["sha256"] == sources[name], f"{name}: not the file ingested"
        else:  # an auxiliary file written as a product: its provenance names the input it came from
            assert row["provenance"]["source_sha256"] in sources.values(), f"{name}: not from an input"
        top = max(r["version"] for r in rows if _version_of(r["name"]) == _version_of(name))
        assert row["current"] == (row["version"] == top), f"{name}: current mark wrong"
    return by_name


def _check_complete(archive: Path, url, inputs, names) -> None:
    """Every product of ``names`` catalogued once and whole, and every archived file catalogued."""
    rows = _check_whole(archive, url, inputs, names)
    assert sorted(rows) == sorted(names)
    archived = {
        p.relative_to(archive).as_posix()
        for p in (archive / PRODUCTS_FOLDER).rglob("*")
        if p.is_file() and not p.name.startswith(".")  # a temporary left by a kill is hidden
    }
    assert archived == {row["path"] for row in rows.values()}, "an archived file not catalogued"


def test_an_ingest_killed_anywhere_leaves_whole_products_and_a_rerun_completes_them(
    tmp_path, inputs, zygote, catalogue_url
):
    url = catalogue_url
    with _fresh_archives(tmp_path, url) as fresh:
        clean = fresh("clean")
        code, duration, counts = zygote.run(clean, inputs, url)
        assert code == 0, f"the clean ingest failed (exit {code})"
        names = [r["name"] for r in list_products(clean, url=url)]
        assert len(names) == len(inputs)
        _check_complete(clean, url, inputs, names)
        # a copy per file (and the writes of the product made from the table), a transaction per file at least
        assert counts["fsync"] >= len(inputs) and counts["replace"] >= len(inputs), counts
        assert counts["commit"] >= len(inputs) and counts["statement"] >= 3 * len(inputs), counts

        rng = np.random.default_rng(SEED)
        kills = [((kind, n), None) for kind in KINDS for n in range(1, counts[kind] + 1)]
        kills += [(None, delay) for delay in rng.uniform(0.0, duration, RANDOM_KILLS)]
        random_killed = 0
        for trial, (kill, delay) in enumerate(kills):
            what = f"killed at {kill[0]} {kill[1]}" if kill else f"killed after {delay * 1e3:.1f} ms"
            archive = fresh(f"trial{trial}")
            code, _, _ = zygote.run(archive, inputs, url, kill=kill, delay=delay)
            if kill is not None:
                assert code == -signal.SIGKILL, f"{what}: the point was not reached (exit {code})"
            else:
                random_killed += code == -signal.SIGKILL
            try:
                _check_whole(archive, url, inputs, names)
                results = ingest(archive, inputs, received="2026-04-01", url=url)
                assert {r["status"] for r in results} <= {"ingested", "present"}, results
                _check_complete(archive, url, inputs, names)
            except AssertionError as exc:
                raise AssertionError(f"{what}: {exc}") from exc
    assert random_killed > 0, f"no kill at a random delay within the ingest's {duration:.3f} s"
