"""
The auroral oval seen by UVI
============================

One 1-min UVI image of the northern oval at the height of the Bastille Day storm (15 July 2000, 21 UT),
from SMILE near apogee (the science orbit phased so that apogee falls then: SMILE flies from 2026, so the
orbit is hypothetical). The chain, link by link: OVATION Prime 2010 precipitation from the shipped OMNI2
hourly solar wind, LBH-long brightness with the sunlit dayglow, the emission shell seen from the
spacecraft, the imager (photons, photocathode, MCP, CCD, PSF), L1 (rayleighs) and L2 (dayglow removed,
binned to AACGM-v2 MLAT and MLT), and the oval's boundaries found in the image.
"""

import astropy.units as u
import numpy as np

from smilekit.geospace.ovation import OvationPrime2010
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.l1 import make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.sky import LBH_POPULATIONS, model_sky, precipitation_emission, shell_geometry
from smilekit.mission import propagate, sample_times
from smilekit.mission.operations import spacecraft_attitude
from smilekit.products.plots.uvi import plot_uvi_frame
from smilekit.runs.stages.mission import event_orbit
from smilekit.science.aurora import image_boundaries, image_hemispheric_power
from smilekit.solarwind import load_event

t = np.datetime64("2000-07-15T21:00", "ns")
hour = np.timedelta64(1, "h")
sw = load_event("omni2-2000").select(t - 6 * hour, t + hour)  # the bundled OMNI2 hourly year, 6 h of it
track = propagate(event_orbit(t - hour, t), sample_times(t - hour, t, 60 * u.s))
att = spacecraft_attitude(track, "subsolar", sw)
k = track.time.size - 1  # the last sample: t, apogee

precipitation = OvationPrime2010().precipitation(track.time[[k]], sw, populations=LBH_POPULATIONS)
geometry = shell_geometry(None, att, index=k)
sky = model_sky(None, None, None, precipitation_emission(precipitation, track.time[k]), geometry=geometry)
l2 = make_l2(make_l1(simulate_image(sky, 60 * u.s, np.random.default_rng(7))), geometry)
edges, power = image_boundaries(l2), image_hemispheric_power(l2)
print(f"hemispheric power from the image: {power['electron_power']:.0f} GW (electrons)")

# %%
# The image with its MLAT/MLT grid and the boundaries found, and the polar map of the L2 brightness.
fig = plot_uvi_frame(
    l2, geometry=geometry, boundaries=edges, title="UVI, 2000-07-15 21:00 UT (1-min exposure)"
)
