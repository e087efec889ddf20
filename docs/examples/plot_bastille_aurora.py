"""
The auroral oval through the Bastille Day storm
===============================================

OVATION Prime 2010 (Newell et al. 2010) driven by the hourly OMNI2 solar wind shipped with smilekit, 13-18
July 2000: the IMF Bz and the dynamic pressure, Dst, the 4-h averaged Newell coupling that drives the model,
the electron hemispheric power, and the equatorward and poleward edges of the oval (electron energy flux
0.25 erg cm^-2 s^-1) at midnight, dawn, noon and dusk from
:func:`smilekit.science.aurora.model_boundaries`. The UVI guide's figure of the storm is this one.
"""

import matplotlib.pyplot as plt
import numpy as np

from smilekit.products.plots.style import ut_time_axis
from smilekit.science.aurora import model_boundaries
from smilekit.solarwind import load_event

sw = load_event("omni2-2000")  # the bundled OMNI2 hourly year
start, stop = np.datetime64("2000-07-13T00", "ns"), np.datetime64("2000-07-18T00", "ns")
times = np.arange(start, stop, np.timedelta64(1, "h"))
edges = model_boundaries(times, sw)
window = sw.select(start, stop)
t = window.time.values

# %%
# The solar wind and the model's drivers above, the oval's edges in four 1-h MLT sectors below.
sectors = {
    "midnight": ([23.5, 0.5], "k"),
    "dawn": ([5.5, 6.5], "tab:blue"),
    "noon": ([11.5, 12.5], "tab:orange"),
    "dusk": ([17.5, 18.5], "tab:red"),
}
fig, axes = plt.subplots(6, 1, figsize=(9, 12), sharex=True, height_ratios=[1, 1, 1, 1, 1, 2.2])
axes[0].plot(t, window.bz.values, color="k", lw=0.9)
axes[0].axhline(0.0, color="0.6", lw=0.5)
axes[0].set_ylabel("IMF B$_z$ GSM\n(nT)")
axes[1].plot(t, window.pdyn.values, color="k", lw=0.9)
axes[1].set_ylabel("P$_{dyn}$ (nPa)")
axes[2].plot(t, window.ds["dst"].values, color="k", lw=0.9)
axes[2].set_ylabel("Dst (nT)")
axes[3].plot(times, edges["coupling"].values / 1e3, color="k", lw=0.9)
axes[3].set_ylabel("dΦ/dt, 4-h avg\n(10$^3$ OVATION units)")
axes[4].plot(times, edges["electron_power"].values, color="k", lw=0.9)
axes[4].set_ylabel("electron hem.\npower (GW)")
for name, (mlt, colour) in sectors.items():
    equatorward = edges["equatorward_mlat"].sel(mlt=mlt).mean("mlt")
    poleward = edges["poleward_mlat"].sel(mlt=mlt).mean("mlt")
    axes[5].plot(times, equatorward, color=colour, lw=1.2, label=f"{name}, equatorward")
    axes[5].plot(times, poleward, color=colour, lw=0.8, ls="--", label=f"{name}, poleward")
axes[5].set_ylabel("AACGM-v2 latitude (deg)")
axes[5].set_ylim(48, 86)
axes[5].legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=4, fontsize="x-small")
for ax in axes:
    ax.grid(alpha=0.3)
ut_time_axis(axes[-1])
axes[0].set_title(
    "Bastille Day storm, OMNI2 hourly: OVATION Prime 2010 oval edges\n"
    "(electron energy flux 0.25 erg cm$^{-2}$ s$^{-1}$, 1-h MLT sectors; Newell et al. 2010)"
)
fig.align_ylabels(axes)
plt.show()
