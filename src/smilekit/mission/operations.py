"""Operations: the attitude under an SXI aim rule, and the modes that the pointing constraints allow.

Two steps every operations picture starts from (``smilekit run``'s mission stage, ``smilekit plan``): the
spacecraft attitude along a track with one of the SXI aim rules (:data:`POINTING_RULES`), then the pointing
constraints (Sun, Earth limb, Moon: :func:`smilekit.mission.pointing.exclusions`), the visibility of the
targets (:func:`smilekit.mission.visibility.visibility`) and the mode timeline they allow
(:func:`smilekit.mission.modes.mode_timeline`).
"""

from __future__ import annotations

import astropy.units as u

from smilekit.errors import InputError
from smilekit.mission.modes import mode_timeline
from smilekit.mission.orbit import Track
from smilekit.mission.pointing import attitude, exclusions, limb_offset_aim_points, subsolar_aim_points
from smilekit.mission.visibility import TYPICAL_SOLAR_WIND, visibility

__all__ = ["POINTING_RULES", "constrained_modes", "spacecraft_attitude"]

#: SXI aim rules: the subsolar magnetopause for the solar wind (default) or the SXI team's 20.3 deg limb rule
#: (:cite:`wharton2025`).
POINTING_RULES = ("subsolar", "limb")


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


def constrained_modes(track: Track, att, solar_wind=TYPICAL_SOLAR_WIND):
    """Pointing constraints, visibility and the mode timeline they allow.

    SXI is available unless a Sun, Earth-limb or Moon exclusion holds (or the attitude is undefined); UVI
    is available when the whole northern oval is in its field of view. Returns ``(exclusions table,
    visibility dataset, ModeTimeline)``.
    """
    excluded = exclusions(track, att)
    vis = visibility(track, att, solar_wind, moon_angle=0.0 * u.deg)
    timeline = mode_timeline(
        track, sxi_available=~excluded["excluded"].to_numpy(), uvi_available=vis["oval_visible"].values
    )
    return excluded, vis, timeline
