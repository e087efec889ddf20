"""
An SXI image and the magnetopause retrieved from it
===================================================

A 5-min SXI exposure from near apogee, aimed by the 20.3 deg limb rule, of the solar-wind charge-exchange
emissivity of a 15 cm^-3 solar wind (the gas-dynamic magnetosheath times the Hodges 1994 exosphere, with
the Shue et al. 1998 magnetopause inside it: the truth). Every stand-off method of
:data:`smilekit.science.magnetopause.METHODS` then locates the subsolar magnetopause in the L2 image: the
boundary fit of Jorgensen et al. (2019) is drawn on the image, every answer is compared with the truth
below.
"""

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np

from smilekit import RE, frames
from smilekit.geospace import SWCXEmissivity, boundaries
from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
from smilekit.mission.pointing import limb_offset_aim_points
from smilekit.products.plots.sxi import fov_coordinates, plot_sxi_frame
from smilekit.science import METHODS
from smilekit.solarwind import SolarWindState

t = "2026-03-20T12:00"
state = SolarWindState(n=15 * u.cm**-3, v_gse=[-450, 0, 0] * u.km / u.s, b_gsm=[0, 2, -2] * u.nT, time=t)
truth = SWCXEmissivity.from_solar_wind(state, tilt=frames.dipole_tilt(t))
sc = [6.0, 0.0, 18.0] * RE  # near apogee, over the dayside
sky = intensity_map(truth, sc, limb_offset_aim_points(sc)[0], pixel=0.25 * u.deg, time=t)
l2 = make_l2(simulate_events(sky, 5 * u.min, rng=2))

r0_true = boundaries.standoff("shue1998", pdyn=state.pdyn, bz=state.bz).to_value(RE)
found = {name: method(l2, solar_wind=state) for name, method in METHODS.items()}

# %%
# The retrieved magnetopause in the field of view: the Shue et al. (1998) surface of this solar wind
# scaled to the Jorgensen fit's stand-off, in the noon-midnight plane (GSM to GSE to the imager's axes).
theta = np.radians(np.linspace(-120, 120, 161))
rotation = np.column_stack(
    [
        l2.attrs["long_axis_gse"],
        np.cross(l2.attrs["boresight_gse"], l2.attrs["long_axis_gse"]),
        l2.attrs["boresight_gse"],
    ]
)
shue = boundaries.shue1998(np.abs(theta) * u.rad, pdyn=state.pdyn, bz=state.bz).to_value(RE)


def projected(r0: float) -> tuple[np.ndarray, np.ndarray]:
    r = shue * r0 / r0_true  # the same flaring, scaled to the stand-off r0
    gsm = np.column_stack([r * np.cos(theta), np.zeros_like(theta), r * np.sin(theta)])
    return fov_coordinates(frames.transform(gsm, t, "GSM", "GSE"), sc.to_value(RE), rotation)


fitted = found["boundary_fitting_jorgensen"]
fig = plot_sxi_frame(
    sky,
    l2,
    overlays={"jorgensen": projected(fitted.r0.to_value(RE))},
    title=f"SXI, {t} UT, 5-min exposure",
    overlay_label=f"the magnetopause of the Jorgensen fit, r0 = {fitted.r0:.2f}",
)

# %%
# The stand-off by every method, with its uncertainty, against the truth.
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
names = list(found)
r0 = [found[n].r0.to_value(RE) for n in names]
sigma = [found[n].r0_sigma.to_value(RE) for n in names]
ax.errorbar(r0, range(len(names)), xerr=sigma, fmt="o", color="k", capsize=3)
ax.axvline(r0_true, color="tab:red", label=f"truth, Shue et al. 1998: {r0_true:.2f} RE")
ax.axvspan(r0_true - 0.5, r0_true + 0.5, color="tab:red", alpha=0.12, label="the requirement, 0.5 RE")
ax.set_yticks(range(len(names)), names)
ax.set_xlabel("subsolar stand-off r0 (RE)")
ax.legend(loc="lower left", fontsize="small")
plt.show()
