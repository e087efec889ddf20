"""The regions stage: solar wind, magnetosheath and magnetosphere from the in situ data alone, and the
boundary crossings they show, against the truth and the model boundaries.

The LIA moments (density, bulk speed, temperature) and MAG's field at the same times are classified by
:func:`smilekit.science.regions.classify_regions` (the ion Mach number and density; no upstream monitor, no
boundary model), the crossings found (:func:`~smilekit.science.regions.find_crossings`) and both measured
against the in situ truth at those times (:func:`~smilekit.science.regions.compare_with_truth`: the
fraction of time right in each region, the crossings detected and false, their time error, and how far the
spacecraft at a found crossing lies from the model boundary). What in situ data add to SXI's picture: the
crossings locate the boundary where the models only predict it. The samples are the LIA stage's (one a
minute by default): an excursion across a boundary shorter than about half the classifier's 5-sample median
window is not resolved (``[lia] every_s = 4``, the instrument's cadence, resolves 8-s excursions at 15 times
the LIA stage's cost).
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit._io import jsonable, save_figure
from smilekit.products.plots.regions import plot_regions
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import stage
from smilekit.science.regions import average_field, classify_regions, compare_with_truth, find_crossings
from smilekit.units import RE

__all__ = ["stage_regions"]


def _quantity(da) -> u.Quantity:
    """A moment as a Quantity, in the unit its ``units`` attribute names."""
    return da.values * u.Unit(da.attrs["units"])


@stage(
    "regions",
    requires=("lia_moments", "mag_l2", "insitu_truth"),
    provides=("regions",),
    description="Regions and boundary crossings from LIA and MAG alone, against the truth and the models.",
)
def stage_regions(ctx: JobContext) -> dict:
    """The regions and crossings the in situ data show (module docstring)."""
    moments, mag = ctx.results["lia_moments"], ctx.results["mag_l2"]
    times = moments["time"].values
    truth = ctx.results["insitu_truth"].sel(time=times)
    regions = classify_regions(
        times,
        density=_quantity(moments["density_p"]),
        velocity=_quantity(moments["velocity_p"]),
        temperature=_quantity(moments["temperature_p"]),
        b=average_field(mag, times),
        positions=truth["position_gse"].values * RE,
    )
    ctx.results["regions"] = regions
    found = find_crossings(regions)
    score = compare_with_truth(regions, truth)
    fig = plot_regions(regions, found, title=f"Regions from LIA and MAG alone, {ctx.event}")
    save_figure(
        fig, ctx.figure_path("regions.png", "Regions from the in situ data: density, Mach number, |B|")
    )
    rows = [
        {
            "time": str(found["time"].values[k]),
            "boundary": str(found["boundary"].values[k]),
            "direction": str(found["direction"].values[k]),
            "r_RE": finite_or_none(found["r"].values[k]) if "r" in found else None,
        }
        for k in range(found.sizes["crossing"])
    ]
    spacing = np.diff(times).astype("timedelta64[ns]").astype(np.float64) * 1e-9
    return {
        "samples": int(times.size),
        "sample_spacing_s": finite_or_none(np.median(spacing)) if spacing.size else None,
        "score": jsonable(score),
        "crossings": rows,
    }
