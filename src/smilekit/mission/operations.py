"""Operations: the attitude under an SXI aim rule, and the modes that the pointing constraints allow.

Two steps every operations picture starts from (``smilekit run``'s mission stage, ``smilekit plan``): the
spacecraft attitude along a track with one of the SXI aim rules (:data:`POINTING_RULES`), then the pointing
constraints (Sun, Earth limb, Moon: :func:`smilekit.mission.pointing.exclusions`), the visibility of the
targets (:func:`smilekit.mission.visibility.visibility`) and the mode timeline they allow
(:func:`smilekit.mission.modes.mode_timeline`).
"""

from __future__ import annotations

import dataclasses

import astropy.units as u
import numpy as np
import pandas as pd
import xarray as xr

from smilekit.errors import InputError
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import Track
from smilekit.mission.pointing import (
    AIM_RULES,
    Attitude,
    attitude,
    exclusions,
    limb_offset_aim_points,
    subsolar_aim_points,
)
from smilekit.mission.visibility import TYPICAL_SOLAR_WIND, visibility

__all__ = ["CHUNK_SAMPLES", "POINTING_RULES", "constrained_modes", "spacecraft_attitude"]

#: Samples evaluated at a time by :func:`constrained_modes` (two weeks at 1 min): the constraint and
#: visibility checks hold a few kB of intermediates per sample, so a long track is done in pieces and only
#: the per-sample results (a few bytes each) are kept (issue 14: ``plan --days 60`` peaked at 1.4 GB here).
CHUNK_SAMPLES = 20_160

#: SXI aim rules (:data:`~smilekit.mission.pointing.AIM_RULES`; the subsolar one is the default here).
POINTING_RULES = AIM_RULES


def spacecraft_attitude(track: Track, pointing: str = "subsolar", solar_wind=TYPICAL_SOLAR_WIND):
    """The three-axis attitude along ``track`` with the SXI aim rule ``pointing`` (:data:`POINTING_RULES`).

    Where the limb rule has no solution (spacecraft behind the Earth) the attitude is NaN and flagged invalid.
    """
    if pointing == "subsolar":
        aim = subsolar_aim_points(track.time, solar_wind)
    elif pointing == "limb":
        aim = limb_offset_aim_points(track.position("GSE"), errors="nan")
    else:
        raise InputError(f"pointing must be one of {POINTING_RULES}, got {pointing!r}")
    return attitude(track, aim)


def _slice_attitude(att: Attitude, piece: slice) -> Attitude:
    values = {}
    for field in dataclasses.fields(att):
        value = getattr(att, field.name)
        values[field.name] = value[piece] if isinstance(value, np.ndarray) else value
    return dataclasses.replace(att, **values)


def constrained_modes(track: Track, att, solar_wind=TYPICAL_SOLAR_WIND, *, chunk: int | None = None):
    """Pointing constraints, visibility and the mode timeline they allow.

    SXI is available unless a Sun, Earth-limb or Moon exclusion holds (or the attitude is undefined); UVI
    is available when the whole northern oval is in its field of view. Returns ``(exclusions table,
    visibility dataset, ModeTimeline)``.

    The checks run :data:`CHUNK_SAMPLES` samples at a time (``chunk`` to change it), so their working
    memory does not grow with the track; every check is per sample (the orbit counter is taken over the
    whole track), so the result is the same.
    """
    size = max(int(chunk or CHUNK_SAMPLES), 1)
    parts_ex, parts_vis = [], []
    for a in range(0, len(track), size):
        piece = slice(a, a + size)
        sub_track, sub_att = track[piece], _slice_attitude(att, piece)
        parts_ex.append(exclusions(sub_track, sub_att))
        parts_vis.append(visibility(sub_track, sub_att, solar_wind, moon_angle=0.0 * u.deg))
    excluded = parts_ex[0] if len(parts_ex) == 1 else pd.concat(parts_ex)
    if len(parts_vis) > 1:
        vis = xr.concat(parts_vis, dim="time", combine_attrs="override")
        # the one variable that is not per sample: the orbit counter runs over the whole track
        vis["orbit"] = ("time", track.orbit_number(), dict(parts_vis[0]["orbit"].attrs))
    else:
        vis = parts_vis[0]
    timeline = mode_timeline(
        track, sxi_available=~excluded["excluded"].to_numpy(), uvi_available=vis["oval_visible"].values
    )
    return excluded, vis, timeline
