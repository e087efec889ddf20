"""Mission design and operations: the orbit and its propagation, the transfer, pointing, operating modes,
ground passes, power and visibility (ESA/CAS mission description: :cite:`branduardiraymont2018`,
:cite:`branduardiraymont2022`).

Everything works on a :class:`Track` (UTC times, GEI position and velocity) from :func:`kepler_track`
(two-body) or :func:`propagate` (J2, Sun and Moon, the analytic :mod:`~smilekit.mission.ephemeris`). The
imagers' mounts and fields of view are :mod:`~smilekit.mission.fov`; the aim rules, attitude law and
exclusions :mod:`~smilekit.mission.pointing`; the attitude under an aim rule and the modes the constraints
allow :mod:`~smilekit.mission.operations`.
"""

from smilekit.mission.ephemeris import EPHEMERIS_RANGE, moon_position, sun_position
from smilekit.mission.ground import STATIONS, GroundStation, contact_mask, downlink_budget, elevation, passes
from smilekit.mission.modes import MODES, SXI_MIN_ALTITUDE, UVI_MIN_ALTITUDE, ModeTimeline, mode_timeline
from smilekit.mission.orbit import (
    KeplerianElements,
    Track,
    kepler_track,
    sample_times,
    science_orbit,
    solve_kepler,
)
from smilekit.mission.pointing import (
    Attitude,
    attitude,
    exclusions,
    fov_distance,
    fov_footprint,
    in_fov,
    limb_offset_aim_points,
    subsolar_aim_points,
    uvi_mount_error,
    view_angles,
)
from smilekit.mission.power import eclipses, in_shadow, power_budget, power_summary, shadow_fraction
from smilekit.mission.propagator import PERTURBATIONS, orbit_evolution, propagate
from smilekit.mission.transfer import (
    FiniteBurn,
    TransferPlan,
    finite_burn,
    launch_orbit,
    perigee_change_delta_v,
    plan_transfer,
    rocket_propellant,
)
from smilekit.mission.visibility import cusp_centres, orbit_fractions, seasonal_visibility, visibility

__all__ = [
    "EPHEMERIS_RANGE",
    "MODES",
    "PERTURBATIONS",
    "STATIONS",
    "SXI_MIN_ALTITUDE",
    "UVI_MIN_ALTITUDE",
    "Attitude",
    "FiniteBurn",
    "GroundStation",
    "KeplerianElements",
    "ModeTimeline",
    "Track",
    "TransferPlan",
    "attitude",
    "contact_mask",
    "cusp_centres",
    "downlink_budget",
    "eclipses",
    "elevation",
    "exclusions",
    "finite_burn",
    "fov_distance",
    "fov_footprint",
    "in_fov",
    "in_shadow",
    "kepler_track",
    "launch_orbit",
    "limb_offset_aim_points",
    "mode_timeline",
    "moon_position",
    "orbit_evolution",
    "orbit_fractions",
    "passes",
    "perigee_change_delta_v",
    "plan_transfer",
    "power_budget",
    "power_summary",
    "propagate",
    "rocket_propellant",
    "sample_times",
    "science_orbit",
    "seasonal_visibility",
    "shadow_fraction",
    "solve_kepler",
    "subsolar_aim_points",
    "sun_position",
    "uvi_mount_error",
    "view_angles",
    "visibility",
]
