"""
The orbit and what SXI and UVI see along it
===========================================

Two orbits of SMILE's science orbit from 1 March 2026 (5 000 km x 20 RE, 73 deg, apogee over the north;
propagated with J2 and the Sun's and the Moon's gravity), SXI aimed at the subsolar magnetopause, in the
manner of the orbit, visibility and field-of-view simulator of the mission handbook (its Fig. 15): the
orbit in three GSE planes with the model magnetopause and bow shock, the angles from the SXI boresight and
the times each target is visible, and the sky seen from near apogee with both imagers' fields of view.
"""

import astropy.units as u
import numpy as np

from smilekit.mission import propagate, sample_times, science_orbit
from smilekit.mission.operations import constrained_modes, spacecraft_attitude
from smilekit.products.plots.mission import plot_fov_view, plot_orbit_planes, plot_visibility

orbit = science_orbit("2026-03-01")
track = propagate(orbit, sample_times("2026-03-01", "2026-03-05T06:00", 120 * u.s))
att = spacecraft_attitude(track, "subsolar")  # the typical solar wind drives the model magnetopause
excluded, vis, timeline = constrained_modes(track, att)
apogee = int(np.argmax(np.linalg.norm(track.position("GSE").value, axis=1)))
print(f"period {orbit.period:.2f}; Full Science Mode {timeline.hours_per_orbit()['FSM']:.1f} an orbit")

# %%
# The orbit and the boundaries, with SMILE at apogee.
fig_orbit = plot_orbit_planes(track, att=att, time=track.time[apogee], title="SMILE, 2026-03-01 to 03-05")

# %%
# Along the orbit: the Sun's, the Earth's, the nose's and the cusps' angles from the SXI boresight, the
# altitude against the imagers' limits, and when each target is visible.
fig_visibility = plot_visibility(vis, title="Visibility along two orbits")

# %%
# The sky from apogee: the SXI and UVI fields of view, the Earth's disc, the nose, the cusps and the oval.
fig_fov = plot_fov_view(track, att, track.time[apogee], title="The view from apogee")
