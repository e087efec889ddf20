"""A few minutes of MAG (both sensors), LIA and housekeeping along the science orbit, as packets."""

from __future__ import annotations

import types

import astropy.units as u
import numpy as np
import pytest

from smilekit.instruments.lia import simulate_counts
from smilekit.instruments.lia.distributions import Population
from smilekit.instruments.mag import ground_calibration, simulate_mag
from smilekit.instruments.mag.config import MAGConfig
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude, body_to_gse_values
from smilekit.pipeline import write_mag_calibration, write_time_correlation
from smilekit.telemetry import Packetiser, TimeCorrelation, housekeeping, merge

START = np.datetime64("2026-03-21T06:00:00", "ns")
#: Housekeeping (attitude) cadence and run length.
HK_STEP_S = 10.0
MINUTES = 6


def _scenario():
    orbit = science_orbit("2026-03-20")
    times = sample_times(str(START), str(START + np.timedelta64(MINUTES * 60, "s")), HK_STEP_S * u.s,
                         include_stop=True)  # fmt: skip
    track = kepler_track(orbit, times)
    att = attitude(track, [10.0, 0.0, 0.0] * u.Unit("RE"))
    timeline = mode_timeline(track)
    hk = housekeeping(att, timeline)
    n = times.size
    phase = np.linspace(0.0, 2.0, n)
    b = np.column_stack([30 * np.cos(phase), 30 * np.sin(phase), 5 + 0 * phase]) * u.nT
    config = MAGConfig(vector_rate=2 * u.Hz)
    raw = simulate_mag(b, att, 11, time=times, config=config)
    calibration = ground_calibration(config, 5)
    lia_t = times[1:-1:2]  # a distribution every 20 s, inside the attitude's span
    k = lia_t.size
    rot = body_to_gse_values(att, lia_t)
    phase_lia = np.interp(lia_t.astype(np.int64), times.astype(np.int64), phase)
    b_dir = np.column_stack([np.cos(phase_lia), np.sin(phase_lia), 0 * phase_lia])  # the simulator's only
    pops = [Population("proton", [8.0] * k / u.cm**3, [[-420.0, 30.0, 10.0]] * k * u.km / u.s,
                       [2e5] * k * u.K, [2e5] * k * u.K, b_dir)]  # fmt: skip
    counts = simulate_counts(pops, 3, attitude=rot, time=lia_t, keep_expected=False)
    correlation = TimeCorrelation.ideal()
    packetiser = Packetiser(correlation)
    batch = merge(packetiser.mag(raw), packetiser.lia(counts), packetiser.hk(hk))
    return types.SimpleNamespace(att=att, hk=hk, raw=raw, config=config, calibration=calibration,
                                 counts=counts, correlation=correlation, batch=batch)  # fmt: skip


@pytest.fixture(scope="session")
def scenario():
    return _scenario()


def write_l0(folder, scenario, streams=None):
    """The scenario's auxiliary files and two passes (first and second half of the packets) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_time_correlation(folder / "time_correlation.json", scenario.correlation)
    write_mag_calibration(folder / "mag_calibration.json", scenario.calibration)
    if streams is None:
        b = scenario.batch
        half = len(b) // 2
        streams = [b"".join(b.packets[:half]), b"".join(b.packets[half:])]
    paths = []
    for k, s in enumerate(streams):
        paths.append(folder / f"smile_tm_contact_{k:04d}.bin")
        paths[-1].write_bytes(s)
    return paths
