"""Mission design and operations: the orbit, its propagation, transfer, pointing, modes, ground passes,
power and visibility (ESA/CAS mission description; FACTS.md)."""

from smilekit.mission.orbit import (
    KeplerianElements,
    Track,
    kepler_track,
    sample_times,
    science_orbit,
    solve_kepler,
)

__all__ = [
    "KeplerianElements",
    "Track",
    "kepler_track",
    "sample_times",
    "science_orbit",
    "solve_kepler",
]
