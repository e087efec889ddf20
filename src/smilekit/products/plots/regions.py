"""The regions quick-look: the ion moments that decide the region, the regions shaded, the crossings.

:func:`shade_regions` shades each run of one region on any time axis, with the colours of the MAG
quick-look (:data:`smilekit.products.plots.mag.REGION_COLOURS`; the same spans as its ``regions``
argument). :func:`plot_regions` draws a classification (:func:`smilekit.science.regions.classify_regions`):
the density, the ion sonic Mach number with the thresholds and, where given, ``|B|``, on a shared UT axis,
the regions shaded and, if given, the crossings (:func:`~smilekit.science.regions.find_crossings`) as
vertical lines. The module takes their datasets and does not import the science (dependencies point
down the flow).
Quick-look figures are for browsing, not for publication (SMILE data policy, :cite:`branduardiraymont2022`,
sec. 5.3). Artists carry a ``gid`` (``"region:<name>"``, ``"density"``, ``"mach"``, ``"b_magnitude"``,
``"crossing:<boundary>"``) for tests and users.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from smilekit.errors import InputError
from smilekit.products.plots.mag import CODE_NAMES, shade_regions
from smilekit.products.plots.style import ut_time_axis

__all__ = ["CODE_NAMES", "plot_regions", "shade_regions"]

_CROSSING_COLOURS = {"bow shock": "tab:red", "magnetopause": "tab:purple", "bow shock + magnetopause": "k"}


def plot_regions(regions: xr.Dataset, crossings: xr.Dataset | None = None, *, title: str = "") -> Figure:
    """The quick-look of a classification: density, Mach number (thresholds dashed), ``|B|`` if present.

    Parameters
    ----------
    regions : xarray.Dataset
        :func:`smilekit.science.regions.classify_regions`'s output.
    crossings : xarray.Dataset, optional
        :func:`smilekit.science.regions.find_crossings`'s output: a vertical line at each (``time``,
        coloured by ``boundary``).
    title : str
        Figure title (default: the date).

    Raises
    ------
    InputError
        For a Dataset that is not a classification.
    """
    if not isinstance(regions, xr.Dataset) or not {"region", "mach", "density"} <= set(regions.data_vars):
        raise InputError("regions must be the Dataset of smilekit.science.regions.classify_regions")
    time = np.asarray(regions["time"].values, dtype="datetime64[ns]")
    t_num = mdates.date2num(time)
    has_b = "b_magnitude" in regions
    fig = Figure(figsize=(10, 7 if has_b else 5.5), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(3 if has_b else 2, 1, sharex=True)))
    axes[0].semilogy(t_num, regions["density"].values, color="k", lw=0.7, gid="density")
    axes[0].set_ylabel("n (cm$^{-3}$)")
    axes[1].semilogy(t_num, regions["mach"].values, color="0.3", lw=0.7, gid="mach")
    for key in ("mach_solar_wind", "mach_magnetosheath", "mach_magnetosphere"):
        if key in regions.attrs:
            axes[1].axhline(regions.attrs[key], color="k", lw=0.6, ls="--")
    axes[1].set_ylabel("ion sonic Mach")
    if has_b:
        axes[2].plot(t_num, regions["b_magnitude"].values, color="k", lw=0.7, gid="b_magnitude")
        axes[2].set_ylabel("|B| (nT)")
    shade_regions(axes, regions)
    named: set[str] = set()
    if crossings is not None and not (
        isinstance(crossings, xr.Dataset) and {"time", "boundary"} <= set(crossings.variables)
    ):
        raise InputError("crossings must be the Dataset of find_crossings (time and boundary on 'crossing')")
    lines = (
        [] if crossings is None else zip(crossings["time"].values, crossings["boundary"].values, strict=True)
    )
    for when, boundary in lines:
        when = mdates.date2num(np.datetime64(when, "ns"))
        boundary = str(boundary)
        for k, ax in enumerate(axes):
            label = boundary if k == 0 and boundary not in named else None
            colour = _CROSSING_COLOURS.get(boundary, "k")
            ax.axvline(when, color=colour, lw=0.8, gid=f"crossing:{boundary}", label=label)
        named.add(boundary)
    axes[0].legend(loc="upper right", fontsize="small")
    for ax in axes:
        ax.xaxis_date()
    ut_time_axis(axes[-1])
    if t_num.size > 1:
        axes[-1].set_xlim(t_num[0], t_num[-1])
    day = np.datetime_as_string(time[0], unit="D") if time.size else ""
    fig.suptitle(title or f"Regions from the ion moments {day} (quick-look, not for publication)")
    return fig
