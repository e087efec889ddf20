"""Shared test configuration: spacepy as an independent reference for the coordinate frames, and the
catalogue's databases (SQLite and a real PostgreSQL server) for the archive and service tests.

spacepy (a test-only dependency) is configured here, before anything imports ``spacepy.time``, so that
it neither warns about the age of its leap-second table nor tries to fetch anything.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings as hypothesis_settings

from testsupport import postgres

# Under CI, Hypothesis draws the same examples every run (derandomize): CI's verdict is a regression, not a
# new random find of an old corner. Everywhere else it explores at random; what it finds is fixed and pinned
# with @example (e.g. tests/badinput/test_api_hypothesis.py).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

try:  # configure spacepy before its time module reads the leap-second file
    import spacepy

    spacepy.config["enable_old_data_warning"] = False
except ImportError:  # pragma: no cover - spacepy is installed in the development environment
    spacepy = None


def _shc_to_igrf_txt(shc: Path, out: Path) -> None:
    """Rewrite an IGRF SHC file in the NOAA ``igrfNNcoeffs.txt`` table layout that spacepy reads.

    The SHC file's last column (2030.0) is the 2025.0 model plus 5 years of predictive secular variation;
    the table layout instead lists the main-field epochs and then the SV in nT/yr, so the SV column is
    (c(2030) - c(2025)) / 5. The parsing here is deliberately independent of ``smilekit.igrf.read_shc``.
    """
    rows = [line.split() for line in shc.read_text().splitlines() if line.strip() and line[0] != "#"]
    epochs = [float(x) for x in rows[1]]
    main = epochs[:-1]
    lines = [
        "# IGRF-14 converted from SHC for spacepy (test only)",
        "# units nT and nT/yr",
        "c/s deg ord " + " ".join(["IGRF"] * len(main)) + " SV",
        "g/h n m " + " ".join(f"{e:.1f}" for e in main) + f" {main[-1]:.0f}-{epochs[-1]:.0f}",
    ]
    for fields in rows[2:]:
        n, m = int(fields[0]), int(fields[1])
        values = [float(x) for x in fields[2:]]
        sv = (values[-1] - values[-2]) / (epochs[-1] - epochs[-2])
        kind = "g" if m >= 0 else "h"
        lines.append(f"{kind} {n} {abs(m)} " + " ".join(f"{v:.2f}" for v in values[:-1]) + f" {sv:.3f}")
    out.write_text("\n".join(lines) + "\n")


def _converter(coordinates, sptime):
    """A function converting (N, 3) vectors at N datetime64 times with spacepy's Python backend (no IRBEM)."""
    names = {"GEI": "ECITOD", "MAG": "CDMAG"}

    def convert(vectors: np.ndarray, times: np.ndarray, source: str, target: str) -> np.ndarray:
        ticks = sptime.Ticktock([t.astype("datetime64[us]").item() for t in np.atleast_1d(times)], "UTC")
        coords = coordinates.Coords(
            np.atleast_2d(vectors), names.get(source, source), "car", ticks=ticks, use_irbem=False
        )
        return np.asarray(coords.convert(names.get(target, target), "car").data)

    return convert


@pytest.fixture(scope="session")
def spacepy_stock():
    """spacepy's coordinate conversion as shipped (spacepy 0.7.0 uses IGRF-13, valid to 2025.0)."""
    if spacepy is None:  # pragma: no cover
        pytest.skip("spacepy is not installed")
    coordinates = importlib.import_module("spacepy.coordinates")
    sptime = importlib.import_module("spacepy.time")
    return _converter(coordinates, sptime)


@pytest.fixture()
def spacepy_igrf14(spacepy_stock, tmp_path_factory):
    """spacepy's coordinate conversion with its IGRF table replaced by IGRF-14 (read by spacepy's reader).

    spacepy 0.7.0 ships IGRF-13 only and, for times after 2025-01-01, warns and holds the dipole at its
    2025.0 value. To compare over 2000-2030 we hand spacepy's ``IGRFCoefficients`` reader the IGRF-14
    table; everything else (its Sun, sidereal time, precession-nutation, dipole interpolation and SV
    extrapolation) stays spacepy's own. The stock table is restored afterwards.
    """
    from smilekit._data import data_path

    igrf = importlib.import_module("spacepy.igrf")

    table = tmp_path_factory.mktemp("igrf") / "igrf14coeffs.txt"
    _shc_to_igrf_txt(data_path("igrf/IGRF14.shc"), table)
    stock = igrf.igrfcoeffs
    igrf.igrfcoeffs = igrf.IGRFCoefficients(fname=str(table))
    try:
        yield spacepy_stock
    finally:
        igrf.igrfcoeffs = stock


@pytest.fixture()
def postgres_url():
    """The URL of a fresh database on the local PostgreSQL server, dropped after the test.

    Without a usable server the test fails under CI and skips elsewhere (:mod:`testsupport.postgres`).
    """
    postgres.require_server()
    with postgres.fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def catalogue_url(request):
    """The ``url=`` of an archive's catalogue, once per back end: None (the archive's own SQLite file) and
    a fresh PostgreSQL database (:func:`postgres_url`)."""
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("postgres_url")
