"""The science stage: the magnetopause stand-off and the north-cusp edges from every SXI frame.

Every stand-off method and the cusp retrieval run on every frame of the SXI stage and are compared with the
model truth (the Shue 1998 magnetopause and the cusp funnel inside the physical emissivity that made the
images); the results go to a CSV table, a figure and the L3 CDF.
"""

from __future__ import annotations

from collections.abc import Generator

import astropy.units as u
import pandas as pd

import smilekit
from smilekit._io import save_figure, write_table
from smilekit.campaign.statistics import r0_error_stats
from smilekit.errors import ModelDomainError
from smilekit.geospace import boundaries
from smilekit.products.l3_cdf import write_l3_cdf
from smilekit.products.names import product_name
from smilekit.products.plots.science import plot_standoff_series
from smilekit.products.plots.style import model_label
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import stage
from smilekit.science.cusps import retrieve_image, true_cusp_edges
from smilekit.solarwind import SolarWind

__all__ = ["retrieve_frame", "stage_science"]


def retrieve_frame(when, state, l2) -> tuple[list[dict], dict, object, dict]:
    """Every stand-off method and the cusp retrieval on one SXI frame, against the model truth.

    Returns ``(rows, estimates by method, cusp estimate, cusp row)``: the frame's lines of
    ``standoff_retrievals.csv`` and of the cusp table. A function of its arguments alone, so that
    :meth:`~smilekit.runs.context.JobContext.map` can run it on a worker.
    """
    r0_true = float(
        boundaries.standoff("shue1998", pdyn=state.pdyn, bz=state.bz, warn=False).to_value(smilekit.RE)
    )
    found, cusp = retrieve_image(l2, solar_wind=state)
    rows = []
    for name, est in found.items():
        r0_est, sigma = est.r0.to_value(smilekit.RE), est.r0_sigma.to_value(smilekit.RE)
        rows.append(
            {"time": when, "method": name, "r0_true": r0_true, "r0_est": r0_est, "r0_sigma": sigma,
             "status": est.status}
        )  # fmt: skip
    eq_true, pw_true = true_cusp_edges(state, when)
    cusp_row = {
        "time": when,
        "equatorward_est": cusp.equatorward.to_value(u.deg),
        "poleward_est": cusp.poleward.to_value(u.deg),
        "equatorward_sigma": cusp.equatorward_sigma.to_value(u.deg),
        "poleward_sigma": cusp.poleward_sigma.to_value(u.deg),
        "equatorward_true": eq_true.to_value(u.deg),
        "poleward_true": pw_true.to_value(u.deg),
        "status": cusp.status,
    }
    return rows, found, cusp, cusp_row


@stage(
    "science",
    requires=("solar_wind", "standoffs", "sxi_frames"),
    description="r0 by every method and the north-cusp edges from every SXI frame, against the model truth.",
)
def stage_science(ctx: JobContext) -> Generator[None, None, dict]:
    """The magnetopause stand-off and the north-cusp edges from every SXI frame by every method, against
    the model truth (the Shue 1998 magnetopause and the cusp funnel inside the physical emissivity that
    made the images), as a figure and the L3 CDF. It parks (:mod:`smilekit.runs.registry`) once the
    retrievals are started."""
    kept = ctx.results.get("sxi_frames")
    if not kept:
        raise ModelDomainError("no SXI frames to work from (the sxi stage made none)")
    batch = ctx.submit(retrieve_frame, *zip(*kept, strict=True))  # on the worker that holds each frame
    yield  # parked: the next stages run here while the workers retrieve
    retrieved = batch.result()
    rows = [row for frame_rows, *_ in retrieved for row in frame_rows]
    estimates = [list(found.values()) for _, found, _, _ in retrieved]
    cusps = [cusp for _, _, cusp, _ in retrieved]
    cusp_rows = [cusp_row for *_, cusp_row in retrieved]
    table, cusp_table = pd.DataFrame(rows), pd.DataFrame(cusp_rows)
    write_table(table, ctx.out / "standoff_retrievals.csv", index=False)
    name = product_name("sxi", "l3", "boundaries", kept[0][0], ext="cdf")
    l3_path = write_l3_cdf(ctx.out / name, estimates, cusps)
    sw: SolarWind = ctx.results["solar_wind"]
    minutes = f"{ctx.settings.sxi.exposure_min:g}-min"  # the L2 cadence is the exposure
    fig = plot_standoff_series(
        table,
        reference=(
            f"{model_label('shue1998')}, upstream solar wind",
            sw.time.values,
            ctx.results["standoffs"]["shue1998"],
        ),
        cusps=cusp_table,
        title=f"SXI retrievals over the event ({minutes} frames)",
    )
    save_figure(
        fig,
        ctx.figure_path(
            "standoff_series.png",
            "r0 by every method against the model truth (Shue et al. 1998 in the emissivity that made the "
            "images)",
        ),
        dpi=100,
    )
    table["r0_err"] = table["r0_est"] - table["r0_true"]
    per_method = {}
    for name, group in table.groupby("method", sort=False):
        err = group["r0_err"].dropna().to_numpy(float)
        stats = r0_error_stats(err, len(group) - err.size)
        per_method[name] = {
            "answered": stats["n"],
            "of": stats["n"] + stats["n_failed"],
            "bias_re": finite_or_none(stats["bias_re"]),
            "rms_re": finite_or_none(stats["rms_re"]),
        }
    return {
        "frames": len(kept),
        "methods": per_method,
        "cusp_answered": int((cusp_table["status"] == "ok").sum()),
        "files": ["standoff_retrievals.csv", l3_path.name],
    }
