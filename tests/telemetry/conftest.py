"""Small simulations of every instrument, shared by the telemetry tests (seeded)."""

from __future__ import annotations

import types

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from scipy.spatial.transform import Rotation

from smilekit.instruments.lia import simulate_counts
from smilekit.instruments.lia.distributions import Population
from smilekit.instruments.mag import simulate_mag
from smilekit.instruments.sxi import simulate_events
from smilekit.instruments.uvi import simulate_image
from smilekit.telemetry.packetise import housekeeping

START = np.datetime64("2026-03-20T12:00:00", "ns")


@pytest.fixture(scope="session")
def mag_raw_sim():
    """Ten minutes of MAG at 32 Hz (a rotating field), both sensors."""
    t = START + np.arange(11) * np.timedelta64(60, "s")
    phase = np.linspace(0.0, 3.0, t.size)
    b = np.column_stack([40 * np.cos(phase), 40 * np.sin(phase), 10 + 0 * phase]) * u.nT
    return simulate_mag(b, np.eye(3), 7, time=t)


@pytest.fixture(scope="session")
def lia_sim():
    """Six 4-s LIA distributions of solar-wind protons."""
    n = 6
    t = START + np.arange(n) * np.timedelta64(4, "s")
    pop = Population("proton", [5.0] * n / u.cm**3, [[-400.0, 20.0, 0]] * n * u.km / u.s, [1e5] * n * u.K,
                     [1e5] * n * u.K, [[0, 0, 1]] * n)  # fmt: skip
    return simulate_counts(pop, 3, time=t)


@pytest.fixture(scope="session")
def sxi_sim():
    """One 60-s SXI exposure with every background."""
    sky = xr.DataArray(np.full((16, 27), 5.0), dims=("v", "u"),
                       coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                       attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
    return simulate_events(sky, 60 * u.s, start=str(START), rotation=np.eye(3)[:, [1, 2, 0]],
                           sc_position=[0, 0, 20] * u.Unit("RE"), rng=5)  # fmt: skip


@pytest.fixture(scope="session")
def uvi_sim():
    """One 60-s UVI image of an oval-like ring of emission."""
    y, x = np.mgrid[0:512, 0:512]
    r = np.hypot(x - 256, y - 256)
    brightness = 50.0 + 2000.0 * np.exp(-(((r - 150.0) / 20.0) ** 2))
    return simulate_image(brightness * u.R, 60 * u.s, 11)


@pytest.fixture(scope="session")
def hk_sim():
    """Housekeeping at 1 s for two minutes from an attitude and a mode timeline (stand-ins with the
    attributes :func:`housekeeping` reads)."""
    n = 120
    t = START + np.arange(n) * np.timedelta64(1, "s")
    rot = Rotation.random(n, random_state=2).as_matrix()
    rot[5] = np.nan  # an undefined attitude
    att = types.SimpleNamespace(time=t, rotation=rot)
    modes = np.array(["FSM", "RSM1", "RSM2", "RSM3"])[np.arange(n) // 30]
    tl = types.SimpleNamespace(time=t, mode=modes, sxi_shutter_open=np.arange(n) % 7 != 0)
    temps = {"sxi_ccd": -90.0 + 0.01 * np.arange(n)}
    return housekeeping(att, tl, temps)
