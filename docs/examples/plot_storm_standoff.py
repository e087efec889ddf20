"""
A storm's solar wind and the magnetopause stand-off
===================================================

The Halloween storm of 29-31 October 2003 as smilekit ships it (OMNI 1-min, the bundled event
``2003-10-29-halloween``): the density, speed and IMF Bz that reach the magnetopause, the dynamic pressure,
and the subsolar stand-off distance of every magnetopause model (Shue et al. 1997 and 1998, Lin et al.
2010, Jelínek et al. 2012) with the Jelínek et al. 2012 bow shock. Where the solar wind is outside the range
a model was fitted to, the model is extrapolated: :func:`smilekit.geospace.validity.check_fit_range` says
where, and the curve is dashed there. From 06 UT on 30 October the file's density is a smooth ramp with no
measured variation (a filled stretch of the source file, SWPC's validation event 1): the stand-offs there
follow the speed and the field alone.
"""

import warnings

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np

from smilekit import RE
from smilekit.geospace import boundaries
from smilekit.geospace.validity import check_fit_range
from smilekit.products.plots.style import ut_time_axis
from smilekit.solarwind import load_event
from smilekit.solarwind.drivers import drivers_at

sw = load_event("2003-10-29-halloween")
t = sw.time.values
drivers = drivers_at(sw)  # pdyn, pm, bz (GSM) and the dipole tilt at every record; NaN in the gaps
valid = np.all([np.isfinite(q.value) for q in drivers.values()], axis=0)

# %%
# The stand-off of each model: each takes the drivers it was fitted with
# (:func:`~smilekit.geospace.boundaries.model_kernel` names them).
models = {**boundaries.MAGNETOPAUSE_MODELS, "jelinek2012 bow shock": boundaries.jelinek2012_bow_shock}
standoffs, outside = {}, {}
for name, model in models.items():
    kwargs = {k: drivers[k][valid] for k in boundaries.model_kernel(model)[1]}
    r0 = np.full(t.shape, np.nan)
    with warnings.catch_warnings():  # the fit-range check below says where, record by record
        warnings.simplefilter("ignore")
        r0[valid] = boundaries.standoff(model, **kwargs).to_value(RE)
    standoffs[name] = r0
    outside[name] = check_fit_range(model, **drivers).outside

fig, axes = plt.subplots(5, 1, figsize=(9, 10), sharex=True, height_ratios=[1, 1, 1, 1, 2.2])
axes[0].plot(t, sw.n.to_value(u.cm**-3), color="k", lw=0.8)
axes[0].set_ylabel("n (cm$^{-3}$)")
axes[1].plot(t, sw.speed.values, color="k", lw=0.8)
axes[1].set_ylabel("V (km/s)")
axes[2].plot(t, sw.bz.values, color="k", lw=0.8)
axes[2].axhline(0, color="0.6", lw=0.5)
axes[2].set_ylabel("IMF B$_z$ GSM (nT)")
axes[3].semilogy(t, sw.pdyn.values, color="k", lw=0.8)
axes[3].set_ylabel("P$_{dyn}$ (nPa)")
for (name, r0), colour in zip(standoffs.items(), plt.cm.tab10.colors, strict=False):
    inside = np.where(outside[name], np.nan, r0)
    axes[4].plot(t, r0, color=colour, lw=0.8, ls="--")
    axes[4].plot(t, inside, color=colour, lw=1.2, label=name)
axes[4].set_ylabel("subsolar stand-off (RE)")
axes[4].legend(fontsize="small", ncols=2, loc="upper right")
axes[4].set_title("dashed: the solar wind outside the model's fitted range", fontsize="small")
for ax in axes:
    ax.grid(alpha=0.3)
ut_time_axis(axes[-1])
axes[0].set_title("The Halloween storm, OMNI 1-min: the solar wind and the stand-off of every model")
fig.align_ylabels(axes)
plt.show()
