"""A real PostgreSQL server for the tests: a fresh database per test, dropped afterwards.

The server is the local one (``.ci/run`` installs and starts it), reached over its unix socket
(:data:`SOCKET_DIR`, or ``PGHOST``) as the current OS user, who must be a superuser role there (``.ci/run``
makes it) so that each test can make and drop its own database. :func:`fresh_database` gives a database
under a unique name and its SQLAlchemy URL; :func:`require_server` ends a test that cannot have one: it
fails under CI (the environment variable ``CI`` set: CI must run every check) and skips, with the reason,
elsewhere (a developer's laptop without PostgreSQL). The fixtures ``postgres_url`` and ``catalogue_url``
(``tests/conftest.py``) wrap them.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import uuid
from collections.abc import Iterator

import pytest

#: Where the local server's unix socket is (Debian's default); ``PGHOST`` overrides it.
SOCKET_DIR = "/var/run/postgresql"
#: The names of the test databases start so (a leftover of a killed test run is recognisable).
PREFIX = "smilekit_test"


def _host() -> str:
    return os.environ.get("PGHOST") or SOCKET_DIR


def _user() -> str:
    return os.environ.get("PGUSER") or getpass.getuser()


def database_url(name: str) -> str:
    """The SQLAlchemy URL (psycopg 3, over the unix socket) of the database ``name`` on the local server."""
    return f"postgresql+psycopg://{_user()}@/{name}?host={_host()}"


def _connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(dbname=dbname, host=_host(), user=_user(), autocommit=True, connect_timeout=5)


def server_problem() -> str | None:
    """Why no test database can be made on the local server (None when one can)."""
    try:
        import psycopg
    except ImportError as exc:  # the test extra of pyproject.toml has it
        return f"psycopg is not installed ({exc})"
    try:
        with _connect() as connection:
            superuser = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not superuser.fetchone()[0]:
                return f"the role {_user()!r} on the PostgreSQL server at {_host()} is not a superuser"
    except psycopg.Error as exc:
        return f"no PostgreSQL server at {_host()} for the role {_user()!r}: {' '.join(str(exc).split())}"
    return None


def require_server() -> None:
    """Fail (under CI) or skip (elsewhere) the calling test, with the reason, if no server can be used."""
    problem = server_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests, but {problem} (.ci/run installs and starts it)")
    pytest.skip(f"{problem} (.ci/run installs and starts one)")


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the local server, uniquely named; yields its URL and drops it after.

    The drop ends any connection still open to it (``WITH (FORCE)``: a killed process's, say).
    """
    from psycopg import sql

    name = f"{PREFIX}_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    with _connect() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(name)
    finally:
        with _connect() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
