"""Fixtures of the service tests: the archive of :mod:`testsupport.service_archive` served by the real
uvicorn server on loopback (:func:`testsupport.service.live_server`), on both catalogue back ends.

``served`` is built once per session and back end (``sqlite``: the archive's own SQLite file;
``postgresql``: a fresh database on the local server, as the ``catalogue_url`` fixture of tests/conftest.py
gives, which is function-scoped and so cannot feed a session fixture; the same :mod:`testsupport.postgres`
helpers make it here, and it fails under CI or skips elsewhere without a server). The tests that use it
only read; a test that changes the archive (a PI release) builds its own. A test that needs one back end
only asks for it with ``@pytest.mark.parametrize("served", ["sqlite"], indirect=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from testsupport.service_archive import ServiceArchive, served_archive


@dataclass
class Served:
    """An archive (:func:`~testsupport.service_archive.build_archive`) and the base URL of its live server,
    whose clock is the archive's."""

    archive: ServiceArchive
    base: str
    backend: str

    def get(self, path: str, *, token: str | None = None, headers: dict | None = None, **kwargs):
        """``GET base + path`` with ``requests`` (``token``: sent as ``Authorization: Bearer token``)."""
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.get(self.base + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """The service archive on a live server, per catalogue back end (module docstring)."""
    folder = tmp_path_factory.mktemp(f"service-{request.param}")
    with served_archive(folder, request.param) as (archive, base):
        yield Served(archive, base, request.param)
