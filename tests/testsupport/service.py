"""The archive's service for the tests: a real uvicorn server on loopback, in a thread of the test process.

Used by tests/service/ and benchmarks/bench_service.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from smilekit.service import create_app


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(folder, *, url: str | None = None, clock=None, timeout_s: float = 20.0) -> Iterator[str]:
    """Serve the archive ``folder`` (catalogue ``url``; the data policy at ``clock()``) on 127.0.0.1 with
    uvicorn in a thread; yields the base URL (``http://127.0.0.1:PORT``) once it answers, stops it after."""
    port = free_port()
    app = create_app(folder, url=url, clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"smilekit-serve-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)
