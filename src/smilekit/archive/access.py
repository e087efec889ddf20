"""Who may read the archive: its users and their tokens, and the PIs' releases, kept in the catalogue.

- A **user** (``smilekit archive user add DIR NAME --role public|swt|pi [--instrument X]``) gets a token,
  shown once: 32 random bytes (:func:`secrets.token_urlsafe`, 43 characters). The catalogue keeps its
  SHA-256 only; a random token of 256 bits needs no slow password hash, since nobody can guess it to try
  against the hash. The service asks :func:`authenticate` with the token of a request's ``Authorization:
  Bearer`` header. A revoked user's token opens nothing.
- A **release** (``smilekit archive release DIR --instrument X --start T --stop T --pi NAME --approved-by
  NAME``) is a PI's early opening of their instrument's data, recorded with the SWT member who approved it
  and when; the PI and the approver must be users of the archive with those roles
  (:class:`~smilekit.archive.policy.Release` checks the rest).

The rules that use them live in :mod:`~smilekit.archive.policy`.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from smilekit.archive.catalogue import ReleaseRecord, UserRecord, open_catalogue, utc_datetime, utc_now
from smilekit.archive.policy import Release, User
from smilekit.errors import InputError

__all__ = [
    "add_user",
    "authenticate",
    "list_releases",
    "list_users",
    "record_release",
    "releases_in",
    "revoke_user",
    "token_sha256",
]


def token_sha256(token: str) -> str:
    """The SHA-256 (hex) under which the catalogue knows ``token``."""
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def _as_user(record: UserRecord) -> User:
    return User(record.name, record.role, record.instrument)


def add_user(folder, name: str, role: str, instrument: str | None = None, *, url: str | None = None) -> str:
    """Add a user to the archive ``folder``; returns their new token (the only time it is seen).

    Raises
    ------
    InputError
        For an empty or taken name, an unknown role or instrument, a PI without an instrument.
    """
    name = str(name).strip()
    if not name:
        raise InputError("a user needs a name")
    user = User(name, role, instrument)  # the policy checks role and instrument
    token = secrets.token_urlsafe(32)
    folder, engine = open_catalogue(folder, url)
    try:
        with Session(engine) as session, session.begin():
            if session.scalars(select(UserRecord).where(UserRecord.name == name)).first() is not None:
                raise InputError(f"the archive has a user named {name!r} already")
            session.add(
                UserRecord(
                    name=name, role=user.role, instrument=user.instrument, token_sha256=token_sha256(token),
                    created=utc_now(), revoked=None,
                )
            )  # fmt: skip
    finally:
        engine.dispose()
    return token


def revoke_user(folder, name: str, *, url: str | None = None) -> None:
    """Revoke the token of the user ``name`` (kept in the catalogue, opening nothing from now on)."""
    folder, engine = open_catalogue(folder, url)
    try:
        with Session(engine) as session, session.begin():
            record = session.scalars(select(UserRecord).where(UserRecord.name == str(name))).first()
            if record is None:
                raise InputError(f"the archive has no user named {name!r}")
            record.revoked = record.revoked or utc_now()
    finally:
        engine.dispose()


def list_users(folder, *, url: str | None = None) -> list[dict]:
    """The archive's users: name, role, instrument, created, revoked (never a token)."""
    folder, engine = open_catalogue(folder, url)
    try:
        with Session(engine) as session:
            return [
                {"name": r.name, "role": r.role, "instrument": r.instrument, "created": r.created.isoformat(),
                 "revoked": r.revoked.isoformat() if r.revoked else None}
                for r in session.scalars(select(UserRecord).order_by(UserRecord.name))
            ]  # fmt: skip
    finally:
        engine.dispose()


def authenticate(session: Session, token: str | None) -> User | None:
    """The user whose token is ``token``, or None for no token, an unknown one or a revoked user's."""
    if not token:
        return None
    record = session.scalars(select(UserRecord).where(UserRecord.token_sha256 == token_sha256(token))).first()
    if record is None or record.revoked is not None:
        return None
    return _as_user(record)


def _user_named(session: Session, name: str, what: str) -> UserRecord:
    record = session.scalars(select(UserRecord).where(UserRecord.name == str(name))).first()
    if record is None or record.revoked is not None:
        raise InputError(f"{what} {name!r} is not a user of the archive (or was revoked)")
    return record


def record_release(folder, instrument: str, start, stop, *, pi: str, approved_by: str, approved_at=None,
                   datasets=(), url: str | None = None) -> dict:  # fmt: skip
    """Record a PI's early release of ``instrument``'s ``datasets`` (all, if empty) over ``[start, stop)``,
    approved by the SWT member ``approved_by`` at ``approved_at`` (default now); returns it as a dict.

    Raises
    ------
    InputError
        If ``pi`` is not a user who is the instrument's PI, ``approved_by`` not an SWT user, or the
        interval empty or inverted.
    """
    folder, engine = open_catalogue(folder, url)
    try:
        with Session(engine) as session, session.begin():
            lead = _user_named(session, pi, "the PI")
            approver = _user_named(session, approved_by, "the approver")
            if approver.role != "swt":
                raise InputError(f"the approval is the SWT's: {approved_by!r} is a {approver.role} user")
            release = Release(
                instrument, start, stop, _as_user(lead), approver.name,
                utc_now() if approved_at is None else approved_at, datasets,
            )  # fmt: skip
            record = ReleaseRecord(
                # rounded to the microsecond inwards (the release never opens more than was approved)
                instrument=release.instrument, start=utc_datetime(release.start, ceil=True),
                stop=utc_datetime(release.stop), datasets=",".join(release.datasets), pi=lead.name,
                approved_by=approver.name, approved_at=utc_datetime(release.approved_at, ceil=True),
                recorded=utc_now(),
            )  # fmt: skip
            session.add(record)
            session.flush()
            return _release_dict(record)
    finally:
        engine.dispose()


def _release_dict(r: ReleaseRecord) -> dict:
    return {
        "id": r.id, "instrument": r.instrument, "start": r.start.isoformat(), "stop": r.stop.isoformat(),
        "datasets": [d for d in r.datasets.split(",") if d], "pi": r.pi, "approved_by": r.approved_by,
        "approved_at": r.approved_at.isoformat(), "recorded": r.recorded.isoformat(),
    }  # fmt: skip


def releases_in(session: Session) -> list[Release]:
    """Every release recorded in the catalogue, as :class:`~smilekit.archive.policy.Release` records."""
    return [
        Release(
            r.instrument,
            r.start,
            r.stop,
            User(r.pi, "pi", r.instrument),
            r.approved_by,
            r.approved_at,
            tuple(d for d in r.datasets.split(",") if d),
        )
        for r in session.scalars(select(ReleaseRecord).order_by(ReleaseRecord.id))
    ]


def list_releases(folder, *, url: str | None = None) -> list[dict]:
    """The releases recorded in the archive, oldest first (instrument, interval, datasets, who, when)."""
    folder, engine = open_catalogue(folder, url)
    try:
        with Session(engine) as session:
            return [
                _release_dict(r) for r in session.scalars(select(ReleaseRecord).order_by(ReleaseRecord.id))
            ]
    finally:
        engine.dispose()
