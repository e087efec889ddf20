"""The UVI chain end to end along a real orbit, recovered against the model truth that made the images.

OVATION Prime 2010 driven by the shipped OMNI2 2000 hours through the Bastille Day storm (2000-07-14/16)
-> the emission (LBH-long of the electrons + the sunlit dayglow) -> the UVI sky on the detector's grid
from SMILE's science orbit (epoch 2000-07-14, UVI aimed at the oval in FSM and RSM2) -> one 1-min image
-> L1 -> L2 -> image boundaries and hemispheric power, compared with ``model_boundaries`` (the same
threshold definition: 0.25 erg cm^-2 s^-1 = 31 R). The images reach the model's 31 R threshold: the
per-pixel noise at 31 R is 19 R in 1 min (test_l1), but a 1-h MLT sector's latitude profile averages tens
of pixels per 0.5-deg bin, a few R on the night side; on the sunlit dayside the 2 kR dayglow's photon noise
(~150 R per pixel) dominates and the dayside boundaries scatter by 2-4 deg.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from smilekit._data import data_path
from smilekit.geospace.ovation import OvationPrime2010
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.l1 import make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.sky import model_sky, precipitation_emission, shell_geometry
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude, limb_offset_aim_points
from smilekit.science.aurora import image_boundaries, image_hemispheric_power, model_boundaries
from smilekit.solarwind import read_omni2
from smilekit.units import RE

SECTORS = {"night": (21, 3), "dawn": (3, 9), "day": (9, 15), "dusk": (15, 21)}


def _in(h, lo, hi):
    return (h >= lo) & (h < hi) if lo < hi else (h >= lo) | (h < hi)


@pytest.fixture(scope="module")
def recovery():
    sw = read_omni2(data_path("omni/omni2_2000.dat"))
    times = sample_times("2000-07-14", "2000-07-16T06:00", 3600 * u.s)
    track = kepler_track(science_orbit("2000-07-14"), times)
    modes = mode_timeline(track)
    aims = limb_offset_aim_points(track.position("GSE"), errors="nan")
    aims = np.where(np.isfinite(aims), aims, [10.0, 0.0, 0.0] * RE)  # SXI's aim; UVI aims at the oval
    att = attitude(track, aims)
    fsm = np.flatnonzero(modes.mode == "FSM")
    rsm2 = np.flatnonzero(modes.mode == "RSM2")
    picks = [int(k) for k in (*fsm[::8], *rsm2)]  # 6 FSM frames 8 h apart, the 4 RSM2 frames
    ft = att.time[picks]
    prec = OvationPrime2010().precipitation(ft, sw, populations=("diffuse", "monoenergetic", "broadband"))
    truth = model_boundaries(ft, sw)
    frames = []
    for k in picks:
        g = shell_geometry(None, att, index=k)
        sky = model_sky(None, None, None, precipitation_emission(prec, att.time[k]), geometry=g)
        l2 = make_l2(make_l1(simulate_image(sky, 60 * u.s, k)), g)
        frames.append((modes.mode[k], image_boundaries(l2), image_hemispheric_power(l2)))
    return truth, frames


def _stats(truth, frames, name, lo, hi):
    m = _in(truth["mlt"].values, lo, hi)
    diffs, n_truth, n_found = [], 0, 0
    for j, (_, b, _) in enumerate(frames):
        tr = truth[f"{name}_mlat"].values[j, m]
        im = b[f"{name}_mlat"].values[m]
        ok = np.isfinite(tr)
        n_truth += int(ok.sum())
        n_found += int((ok & np.isfinite(im)).sum())
        diffs.extend((im - tr)[ok & np.isfinite(im)])
    d = np.asarray(diffs)
    return d.mean(), np.sqrt(np.mean(d * d)), n_found / n_truth


# measured (seeds = frame index), bias / RMS (deg) / fraction of the model's boundaries found:
#   equatorward  night -0.33/0.65/0.92  dawn 0.36/3.60/0.93  day -0.31/2.47/1.00  dusk 0.13/1.51/0.92
#   poleward     night  0.40/1.13/0.98  dawn 0.24/2.28/1.00  day -0.88/2.33/0.98  dusk 0.20/1.19/1.00
TOLERANCE = {  # (|bias|, RMS, found) per 6-h sector; night and dusk tight, dawn and day (dayglow) loose
    "night": (0.8, 1.5, 0.85),
    "dusk": (0.8, 2.5, 0.85),
    "dawn": (1.0, 5.0, 0.85),
    "day": (1.5, 4.0, 0.85),
}


@pytest.mark.parametrize("name", ["equatorward", "poleward"])
@pytest.mark.parametrize("sector", list(SECTORS))
def test_boundaries_recovered_along_the_orbit(recovery, name, sector):
    truth, frames = recovery
    bias, rms, found = _stats(truth, frames, name, *SECTORS[sector])
    max_bias, max_rms, min_found = TOLERANCE[sector]
    assert abs(bias) < max_bias and rms < max_rms and found > min_found, (bias, rms, found)


def test_hemispheric_power_recovered_where_the_oval_is_seen(recovery):
    truth, frames = recovery
    for j, (mode, _, hp) in enumerate(frames):
        model = float(truth["electron_power"][j])
        power, cover = float(hp["electron_power"]), float(hp["covered_area_fraction"])
        if cover > 0.95:  # FSM from 12-20 RE sees the whole oval: measured 1-2 % below the model (O2)
            assert -0.05 < power / model - 1.0 < 0.01, (j, mode, power, model)
        else:  # RSM2 from 6-8 RE sees 53-83 % of the area: what it misses is missing, never added
            assert power < model, (j, mode, power, model, cover)
