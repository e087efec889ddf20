"""A real headless browser for the tests: Debian's chromium driven by selenium through chromedriver.

Used by tests/products/test_report.py (the run's report page) and tests/service/test_quicklook_browser.py
(the archive's quick-look pages). Where chromium, chromedriver or selenium is missing the tests skip, with
the reason, except under CI (the environment variable ``CI`` set), where they fail: CI must run them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


def _installed(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)


def browser_paths(what: str) -> tuple[str, str]:
    """The paths of chromium and chromedriver; skips (fails under CI) the test of ``what`` without them."""
    chromium, driver = _installed("chromium"), _installed("chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver)) if path is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed (Debian: apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test of {what}, but {reason}")
        pytest.skip(reason)
    return chromium, driver


@contextlib.contextmanager
def headless_chromium(what: str, *, width: int = 1280, height: int = 900) -> Iterator:
    """A selenium ``webdriver.Chrome`` on headless chromium (window ``width`` x ``height``), quit after; skips
    (fails under CI) the test of ``what`` where chromium, chromedriver or selenium is missing."""
    chromium, driver = browser_paths(what)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("selenium is not installed (pip install -e '.[test]')")

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"):  # fmt: skip
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()
