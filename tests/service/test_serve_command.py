"""``smilekit serve`` as a user runs it: a process of its own on loopback, answering HAPI and the policy, and
a clear error for a folder that is no archive."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
import requests

from testsupport.service import free_port
from testsupport.service_archive import PROPRIETARY_UNTIL


def _smilekit(*args: str, **kwargs) -> subprocess.Popen:
    code = "import sys; from smilekit.cli import app; sys.exit(app())"
    command = [sys.executable, "-c", code, *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_smilekit_serve_answers_on_loopback_and_stops(served):
    port = free_port()
    server = _smilekit("serve", "--archive", str(served.archive.folder), "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(base + "/health", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "smilekit serve did not answer within 60 s"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        catalog = requests.get(base + "/hapi/catalog", timeout=10).json()
        assert [d["id"] for d in catalog["catalog"]] == served.archive.datasets
        # the command's clock is the real one: the proprietary group is public from PROPRIETARY_UNTIL on
        proprietary = served.archive.proprietary_ids["mag_l2_fields"][0]
        download = requests.get(f"{base}/products/{proprietary}", timeout=10)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert download.status_code == (401 if now < PROPRIETARY_UNTIL else 200)
        if download.status_code == 200:
            assert download.content == served.archive.path(proprietary).read_bytes()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output


def test_a_folder_that_is_no_archive_is_said_plainly(tmp_path):
    result = _smilekit("serve", "--archive", str(tmp_path / "nothing"), "--port", str(free_port()))
    output, _ = result.communicate(timeout=60)
    assert result.returncode == 2 and "is not an archive" in output and "Traceback" not in output
