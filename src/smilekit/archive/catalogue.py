"""The archive's catalogue: every product ingested, with its time range, version, checksum and provenance.

An archive is a folder holding the product files under ``products/<instrument>/<level>/`` and a catalogue,
a real database through SQLAlchemy: ``catalogue.sqlite`` in the folder by default (SQLite, embedded), or
any database URL (``url=``, e.g. ``postgresql+psycopg://user@host/smile`` for a shared deployment).

One row per product file (:class:`ProductRecord`): its name (the mission's rule,
:func:`~smilekit.products.names.parse_product_name`), instrument, level, dataset (``<instrument>_<level>_
<descriptor>``), the time range its data cover (read from the file: a CDF's ``Epoch``, a FITS file's
``DATE-OBS`` and ``DATE-END``, an SXI L2's time bins), version, SHA-256 checksum, size, provenance (when the
file carries it: :func:`~smilekit.products.provenance.read_provenance`), when the SWT received it (the
data policy's clock, :mod:`.policy`) and when it was ingested. Reprocessed versions are kept side by side;
of the versions of one dataset and start time, the highest is marked ``current``.

Ingest (:func:`ingest`) is atomic per file: the file is copied to a hidden temporary beside its place in the
archive and flushed; then, in one transaction, its row is written (which claims the name: a concurrent ingest
of the same name waits, then is refused), the copy is renamed into place and the ``current`` marks are set,
and the transaction commits (so a SQLite catalogue is locked for the rename, not the copy). On PostgreSQL the
ingests of one product's versions are serialised (an advisory lock), so that two versions ingested at once
leave one current. A process killed at any point leaves either the product fully catalogued or no row (a file
copied but not yet catalogued is found again by the next ingest of it, which completes it). A file that is not
a product (its name, its content, a checksum clash with what is archived under its name) is refused with the
reason, and so is one whose row the database refuses (a concurrent ingest of the same name); the others go on.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from smilekit._io import atomic_path, staged_copy
from smilekit.archive.auxiliary import AUXILIARY_FILES, archived_name, read_auxiliary, write_product
from smilekit.archive.policy import Holding
from smilekit.errors import InputError, ProductError
from smilekit.products.coverage import product_time_range
from smilekit.products.names import parse_product_name
from smilekit.products.provenance import read_provenance
from smilekit.times import as_datetime64

__all__ = [
    "DATABASE_FILE",
    "PRODUCTS_FOLDER",
    "ProductRecord",
    "ReleaseRecord",
    "UserRecord",
    "archived_file",
    "database_url",
    "ingest",
    "init_archive",
    "list_products",
    "open_catalogue",
    "product_id",
    "product_time_range",
    "utc_datetime",
    "utc_now",
]

#: The embedded catalogue's file in an archive folder.
DATABASE_FILE = "catalogue.sqlite"
#: The folder of the product files in an archive folder.
PRODUCTS_FOLDER = "products"


class _Base(DeclarativeBase):
    pass


class ProductRecord(_Base):
    """A catalogued product (module docstring); times are naive UTC ``datetime`` (microseconds)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    instrument: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(8))
    dataset: Mapped[str] = mapped_column(String(100), index=True)
    start: Mapped[_dt.datetime] = mapped_column(DateTime, index=True)
    stop: Mapped[_dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean)
    sha256: Mapped[str] = mapped_column(String(64))
    octets: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(300))
    provenance: Mapped[str] = mapped_column(Text)
    received: Mapped[_dt.datetime] = mapped_column(DateTime)
    ingested: Mapped[_dt.datetime] = mapped_column(DateTime)

    def holding(self) -> Holding:
        """The product's data as the data policy sees them (a quick-look is one of level ``ql``)."""
        return Holding(self.instrument, self.dataset, self.start, self.stop, self.received,
                       quicklook=self.level == "ql")  # fmt: skip

    def as_dict(self) -> dict:
        """The row as plain values (times as ISO 8601 UTC strings)."""
        out = {c.key: getattr(self, c.key) for c in inspect(self).mapper.column_attrs}
        for key in ("start", "stop", "received", "ingested"):
            out[key] = out[key].isoformat()
        out["provenance"] = json.loads(out["provenance"]) if out["provenance"] else None
        return out


class UserRecord(_Base):
    """A user of the archive: ``name``, ``role`` and ``instrument`` (:class:`~.policy.User`), the SHA-256 of
    their token (never the token), when the user was added and, once revoked, when (:mod:`.access`)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(8))
    instrument: Mapped[str | None] = mapped_column(String(16), nullable=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created: Mapped[_dt.datetime] = mapped_column(DateTime)
    revoked: Mapped[_dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ReleaseRecord(_Base):
    """A PI's early release approved by the SWT (:class:`~.policy.Release`): ``datasets`` comma-separated,
    empty for all of the instrument's; ``recorded`` when it was entered (:mod:`.access`)."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument: Mapped[str] = mapped_column(String(16), index=True)
    start: Mapped[_dt.datetime] = mapped_column(DateTime)
    stop: Mapped[_dt.datetime] = mapped_column(DateTime)
    datasets: Mapped[str] = mapped_column(Text)
    pi: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[_dt.datetime] = mapped_column(DateTime)
    recorded: Mapped[_dt.datetime] = mapped_column(DateTime)


def database_url(folder, url: str | None = None) -> str:
    """The catalogue's SQLAlchemy URL: ``url``, else the embedded SQLite file of the archive ``folder``."""
    return url or f"sqlite:///{Path(folder).resolve() / DATABASE_FILE}"


def init_archive(folder, *, url: str | None = None) -> Path:
    """Make (or open again) the archive ``folder`` and its catalogue's tables; returns the folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"archive {folder} is a file, not a folder")
    (folder / PRODUCTS_FOLDER).mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url(folder, url))
    try:
        _Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    return folder


def open_catalogue(folder, url: str | None = None):
    """The archive ``folder`` (a Path) and an SQLAlchemy engine on its catalogue; the caller disposes of
    the engine.

    Raises
    ------
    InputError
        If ``folder`` is not an archive or its catalogue has no tables (run :func:`init_archive`).
    """
    folder = Path(folder)
    if not (folder / PRODUCTS_FOLDER).is_dir() or (url is None and not (folder / DATABASE_FILE).is_file()):
        raise InputError(f"{folder} is not an archive (make one with `smilekit archive init {folder}`)")
    engine = create_engine(database_url(folder, url))
    if not all(inspect(engine).has_table(t) for t in _Base.metadata.tables):
        engine.dispose()
        raise InputError(f"the catalogue of {folder} has no tables (run `smilekit archive init` on it)")
    return folder, engine


def utc_now() -> _dt.datetime:
    """Now as the catalogue stores times: a naive UTC ``datetime``."""
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


def archived_file(folder, record: ProductRecord) -> Path | None:
    """The file of a catalogued product in the archive ``folder``, or None when it is missing or its row
    leads out of the archive's products folder."""
    path = (Path(folder) / record.path).resolve()
    inside = (Path(folder) / PRODUCTS_FOLDER).resolve() in path.parents
    return path if inside and path.is_file() else None


def utc_datetime(t, *, ceil: bool = False) -> _dt.datetime:
    """A time (anything :func:`~smilekit.times.as_datetime64` reads) as the catalogue stores it: a naive
    UTC ``datetime``, to the microsecond, rounded down (or up, with ``ceil``: the end of a half-open
    interval, which must not fall on or before its last instant)."""
    t = as_datetime64(t)[()]
    down = np.datetime64(t, "us")
    if ceil and down < t:
        down += np.timedelta64(1, "us")
    return down.astype(_dt.datetime)


#: The largest catalogue id (the ``id`` columns are 32-bit integers in every back end).
MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")


def product_id(text: str) -> int | None:
    """The catalogue id written as ``text`` (ASCII digits, 1 to :data:`MAX_ID`), or None for anything else."""
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_into(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically (:func:`smilekit._io.atomic_path`: a hidden temporary
    beside it, flushed, then renamed)."""
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)


def _provenance_text(path: Path) -> str:
    try:
        return json.dumps(asdict(read_provenance(path)))
    except ProductError:  # a product made in memory (smilekit run) carries none
        return ""


def ingest(folder, files, *, received=None, url: str | None = None) -> list[dict]:
    """Ingest product files into the archive ``folder`` (module docstring: atomic, refusals, versions).

    Parameters
    ----------
    folder : path-like
        The archive (:func:`init_archive`).
    files : iterable of path-like
        Product files named by the mission's rule (CDF or FITS).
    received : time, optional
        When the SWT received the data (default: now, UTC): the proprietary period counts from it.
    url : str, optional
        The catalogue's database URL (default the archive's SQLite file).

    Returns
    -------
    list of dict
        Per file, in order: ``file``, ``status`` (``"ingested"``, ``"present"``: the same content is
        archived already, ``"refused"``), ``reason`` (why refused, else None) and ``id`` (the row, else None).

    Raises
    ------
    InputError
        If ``folder`` is not an archive.
    """
    folder, engine = open_catalogue(folder, url)
    when = utc_now()
    received_at = when if received is None else utc_datetime(received, ceil=True)  # the period not shortened
    results = []
    try:
        for f in files:
            path = Path(f)
            try:
                if path.name in AUXILIARY_FILES:
                    results.append(_ingest_auxiliary(folder, engine, path, received_at, when))
                else:
                    results.append(_ingest_one(folder, engine, path, received_at, when))
            except (InputError, ProductError, OSError) as exc:
                results.append({"file": str(path), "status": "refused", "reason": str(exc), "id": None})
            except (IntegrityError, OperationalError) as exc:  # another ingest of the name at the same time
                reason = (
                    f"{path.name}: the catalogue refused its row ({type(exc.orig).__name__}: "
                    f"{(str(exc.orig).strip().splitlines() or ['no message'])[0]}), another ingest of it "
                    "at the same time or the database unreachable; nothing of it was archived: ingest it "
                    "again"
                )
                results.append({"file": str(path), "status": "refused", "reason": reason, "id": None})
    finally:
        engine.dispose()
    return results


def _ingest_auxiliary(folder: Path, engine, path: Path, received: _dt.datetime, when: _dt.datetime) -> dict:
    """An auxiliary file (:mod:`.auxiliary`) as its product: present when a version of it came from the same
    content (its SHA-256 in the provenance), else the next version."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    source = {"source_file": path.name, "source_sha256": _sha256(path)}
    start, data = read_auxiliary(path)
    name = archived_name(path, start, 1)
    with Session(engine) as session:
        versions = session.scalars(select(ProductRecord).where(_same_product(name))).all()
    for record in versions:
        if json.loads(record.provenance or "{}").get("source_sha256") == source["source_sha256"]:
            return {"file": str(path), "status": "present", "reason": None, "id": record.id}
    version = max((r.version for r in versions), default=0) + 1
    with tempfile.TemporaryDirectory(prefix="smilekit-incoming-") as scratch:  # not in the archive: no debris
        product = write_product(path, data, Path(scratch) / archived_name(path, start, version))
        result = _ingest_one(folder, engine, product, received, when, provenance=json.dumps(source))
    return result | {"file": str(path)}


def _ingest_one(folder: Path, engine, path: Path, received: _dt.datetime, when: _dt.datetime,
                provenance: str | None = None) -> dict:  # fmt: skip
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    parts = parse_product_name(path.name)
    start, stop = product_time_range(path)
    checksum = _sha256(path)
    relative = Path(PRODUCTS_FOLDER) / parts.instrument / parts.level / path.name
    target = folder / relative
    # the copy is made beside its place before the transaction: a SQLite write lock is not held over it
    there = _holds(target, checksum)  # copied by an ingest killed before its row
    with (
        contextlib.nullcontext(None) if there else staged_copy(path, target) as place,
        Session(engine) as session,
        session.begin(),
    ):
        _lock_product(session, path.name)
        existing = session.scalars(select(ProductRecord).where(ProductRecord.name == path.name)).first()
        if existing is not None:
            if existing.sha256 != checksum:
                raise InputError(
                    f"{path.name}: the archive holds a product of this name with other content (SHA-256 "
                    f"{existing.sha256[:12]}...); a reprocessing is ingested as the next version (_v"
                    f"{existing.version + 1:02d})"
                )
            _put_in_place(place, path, target, checksum)  # the archived copy was lost: put it back
            return {"file": str(path), "status": "present", "reason": None, "id": existing.id}
        dataset = f"{parts.instrument}_{parts.level}_{parts.descriptor}"
        record = ProductRecord(
            name=path.name, instrument=parts.instrument, level=parts.level, dataset=dataset,
            start=utc_datetime(start), stop=utc_datetime(stop, ceil=True), version=parts.version,
            current=False, sha256=checksum, octets=path.stat().st_size, path=relative.as_posix(),
            provenance=_provenance_text(path) if provenance is None else provenance,
            received=received, ingested=when,
        )  # fmt: skip
        session.add(record)
        session.flush()  # the name claimed before the file is placed (a concurrent ingest waits or fails)
        _put_in_place(place, path, target, checksum)
        _mark_current(session, path.name)
        return {"file": str(path), "status": "ingested", "reason": None, "id": record.id}


def _holds(target: Path, checksum: str) -> bool:
    """Whether the archive's file ``target`` is there with the content of SHA-256 ``checksum``."""
    return target.is_file() and _sha256(target) == checksum


def _put_in_place(place, path: Path, target: Path, checksum: str) -> None:
    """The archived copy of ``path`` in place, inside the ingest's transaction: the staged copy placed
    (``place``), or, where the file was found there before the transaction (``place`` None), copied again
    only if it was replaced since."""
    if place is not None:
        place()
    elif not _holds(target, checksum):
        _copy_into(path, target)


def _product_stem(name: str) -> str:
    """A product file's name up to its version (the rule's names end in ``_vNN.ext``)."""
    return name[: name.rindex("_v")]


def _lock_product(session: Session, name: str) -> None:
    """Serialise this transaction with any other ingest of the same product (its versions) until it ends:
    on PostgreSQL an advisory lock on the name up to ``_v`` (so that two versions ingested at once do not
    both see themselves the highest); SQLite serialises its writers itself."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:stem))"), {"stem": _product_stem(name)})


def _same_product(name: str):
    """The catalogue condition for the versions of product ``name`` (the names that differ only in _vNN)."""
    return ProductRecord.name.startswith(_product_stem(name) + "_v", autoescape=True)


def _mark_current(session: Session, name: str) -> None:
    """Of the versions of one product, the highest is current."""
    mine = session.scalars(select(ProductRecord).where(_same_product(name))).all()
    top = max(r.version for r in mine)
    for r in mine:
        r.current = r.version == top


def list_products(folder, *, url: str | None = None, instrument: str | None = None,
                  current_only: bool = False) -> list[dict]:  # fmt: skip
    """The catalogue's products (dicts of :meth:`ProductRecord.as_dict`), by dataset, start and version."""
    folder, engine = open_catalogue(folder, url)
    try:
        query = select(ProductRecord).order_by(
            ProductRecord.dataset, ProductRecord.start, ProductRecord.version
        )
        if instrument is not None:
            query = query.where(ProductRecord.instrument == str(instrument).lower())
        if current_only:
            query = query.where(ProductRecord.current.is_(True))
        with Session(engine) as session:
            return [r.as_dict() for r in session.scalars(query)]
    finally:
        engine.dispose()
