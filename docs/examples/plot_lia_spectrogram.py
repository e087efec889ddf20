"""
An LIA spectrogram through the bow shock and the magnetopause
=============================================================

SMILE's Light Ion Analyser on an inbound leg of the science orbit, from the solar wind through the
magnetosheath into the magnetosphere: the in situ truth at the spacecraft (the solar wind upstream, the
gas-dynamic sheath between the model bow shock and magnetopause, a tenuous hot population inside) made
into proton and alpha distributions, counted by the two top-hat analysers (energy-angle response,
spacecraft potential, dead time, Poisson counts) every 5 min, and their moments. The spectrogram sums the
counts of each energy step over all angles.
"""

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit.geospace import insitu_truth
from smilekit.instruments.lia.distributions import truth_populations
from smilekit.instruments.lia.moments import compute_moments
from smilekit.instruments.lia.simulate import simulate_counts
from smilekit.mission import propagate, sample_times, science_orbit
from smilekit.mission.operations import spacecraft_attitude
from smilekit.mission.pointing import body_to_gse_values
from smilekit.products.plots.lia import plot_lia
from smilekit.solarwind.state import SolarWindState

sw = SolarWindState(n=6 * u.cm**-3, v_gse=[-420, 0, 0] * u.km / u.s, b_gsm=[2, 3, -4] * u.nT, t=1e5 * u.K)
orbit = science_orbit("2026-09-01")  # in September the inbound leg runs from the dusk-side solar wind
whole = propagate(orbit, sample_times("2026-09-01", "2026-09-05", 300 * u.s))  # two 50.6-h orbits
r = np.linalg.norm(whole.position("GSE").value, axis=1)
apogee = int(np.argmax(r[: r.size // 2]))
perigee = apogee + int(np.argmin(r[apogee : apogee + r.size // 2]))
track = whole[apogee : perigee + 1]  # inbound, from apogee to perigee
att = spacecraft_attitude(track, "subsolar", sw)
times = np.asarray(track.time, dtype="datetime64[ns]")
truth = insitu_truth(track.position("GSE"), times, sw)
b = truth["b_gse"].values
b_direction = b / np.linalg.norm(b, axis=1, keepdims=True)
counts = simulate_counts(
    truth_populations(truth, b_direction),
    np.random.default_rng(3),
    attitude=body_to_gse_values(att, times),
    time=times,
    keep_expected=False,
)
moments = compute_moments(counts, b_direction, frame="gse", alpha_temperature_ratio=4)
regions = np.unique(truth["region"].values)
print("regions along the leg (0 solar wind, 1 sheath, 2 magnetosphere, 3 cusp):", regions)

# %%
# Counts per energy step over all angles, and the proton density, speed and temperature.
spectrum = (
    counts["counts"].sum(("elevation", "azimuth")).expand_dims(elevation=[0.0], azimuth=[0.0], axis=(2, 3))
)
fig = plot_lia(
    xr.Dataset({"counts": spectrum}, attrs=counts.attrs), moments, title="LIA, inbound from apogee to perigee"
)
