"""The MAG stage: both fluxgates along the event's orbit, from the true field to calibrated L2, L1/L2 CDFs.

The true field of the in situ truth (``insitu_truth``'s ``b_gse``) is measured by the two sensors on the
boom with the mission's attitude (:func:`~smilekit.instruments.mag.simulate.simulate_mag`: the
spacecraft's own field, offsets, scale factors, non-orthogonality, noise, digitisation, saturation), made
into L1 (:func:`~smilekit.instruments.mag.l1.make_l1`) and calibrated to L2 with a ground calibration that
carries its own errors (:func:`~smilekit.instruments.mag.calibration.ground_calibration`; the two-sensor
removal of the spacecraft's field, Ness et al. 1971). The L2 field is then compared with the truth in each
region (``error_by_region``: the median, 95th percentile and largest ``|B_L2 - B_true|``; MAG's requirement is
2 nT, seed chapter sec. 3.4).

Cost
----
``[mag] vector_rate_hz`` vectors per second per sensor, 1 by default: the instrument's 32 Hz (the
:class:`~smilekit.instruments.mag.config.MAGConfig` default, an assumption) costs 32 times the time and
memory (about 10 s and 2 GB a day; ``benchmarks/bench_mag.py``) and changes nothing the report shows but
the noise averaged in a sample. Set it to 32 for the full-rate files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np
import xarray as xr

from smilekit._io import save_figure
from smilekit.instruments.mag.calibration import ground_calibration
from smilekit.instruments.mag.config import MAGConfig
from smilekit.instruments.mag.l1 import make_l1
from smilekit.instruments.mag.l2 import make_l2
from smilekit.instruments.mag.simulate import simulate_mag
from smilekit.products.insitu_cdf import mag_product_name, write_mag_l1, write_mag_l2
from smilekit.products.plots.mag import plot_mag
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.runs.stages.insitu import REGION_NAMES
from smilekit.times import nearest_index

__all__ = ["MAGSettings", "field_errors", "stage_mag"]


@register_section
@dataclass(frozen=True)
class MAGSettings(SettingsSection):
    """The magnetometer of the main job: its vector rate and seed (module docstring: the cost)."""

    section: ClassVar[str] = "mag"

    #: Vectors per second per sensor (the instrument's is 32; 1 keeps a long event cheap).
    vector_rate_hz: float = setting(1.0)
    #: Seed of the noise and of the ground calibration's errors: same seed, same files.
    seed: int = setting(20260521, bound="non-negative")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.vector_rate_hz > 128.0:
            self.reject("vector_rate_hz", self.vector_rate_hz, "a number of vectors per second up to 128")

    @property
    def config(self) -> MAGConfig:
        """The instrument at these settings' vector rate."""
        return dataclasses.replace(MAGConfig(), vector_rate=self.vector_rate_hz * u.Hz)


def field_errors(l2: xr.Dataset, truth: xr.Dataset) -> dict:
    """``|B_L2 - B_true|`` (nT) in each region of the truth: samples, median, 95th percentile and largest.

    The truth's field and region are taken at each L2 sample (the field linearly interpolated, as the
    simulator does; the region of the nearest truth sample); L2 samples without a number (saturated or no
    sensor) are counted as ``no_value``.
    """
    t = l2["time"].values.astype("datetime64[ns]").astype(np.int64).astype(np.float64)
    tt = truth["time"].values.astype("datetime64[ns]").astype(np.int64).astype(np.float64)
    true = np.column_stack([np.interp(t, tt, truth["b_gse"].values[:, i]) for i in range(3)])
    error = np.linalg.norm(l2["b_gse"].values - true, axis=1)
    region = truth["region"].values[nearest_index(tt, t)]
    out = {}
    for code, name in REGION_NAMES.items():
        here = region == code
        if not here.any():
            continue
        e = error[here & np.isfinite(error)]
        out[name] = {
            "samples": int(here.sum()),
            "no_value": int(here.sum() - e.size),
            "median_nT": finite_or_none(np.median(e)) if e.size else None,
            "p95_nT": finite_or_none(np.percentile(e, 95)) if e.size else None,
            "max_nT": finite_or_none(e.max()) if e.size else None,
        }
    return out


@stage(
    "mag",
    requires=("insitu_truth", "attitude"),
    provides=("mag_l2", "mag_calibration"),
    settings="mag",
    description="MAG along the orbit: both sensors, the spacecraft field removed, L1 and L2 CDFs, errors.",
)
def stage_mag(ctx: JobContext) -> dict:
    """Both MAG sensors along the event and the calibrated field against the truth (module docstring)."""
    settings = ctx.settings.mag
    truth, att = ctx.results["insitu_truth"], ctx.results["attitude"]
    config = settings.config
    rng = np.random.default_rng(settings.seed)
    raw = simulate_mag(truth["b_gse"], att, rng, config=config)
    ctx.telemeter("mag", raw)
    l1 = make_l1(raw, config)
    calibration = ground_calibration(config, rng)
    l2 = make_l2(l1, att, calibration)
    ctx.results.update(mag_l2=l2, mag_calibration=calibration)
    start = l2["time"].values[0]
    text = f"SMILE MAG along the simulated event {ctx.event}."
    names = [mag_product_name(level, start) for level in ("l1", "l2")]
    write_mag_l1(ctx.out / names[0], l1, text=text)
    write_mag_l2(ctx.out / names[1], l2, text=text)
    fig = plot_mag(l2, frame="GSM", regions=truth[["region"]], title=f"MAG L2 along the orbit, {ctx.event}")
    save_figure(fig, ctx.figure_path("mag.png", "MAG L2 field (GSM) and |B|, the truth's regions shaded"))
    quality = l2["quality"].values
    return {
        "vectors": int(l2.sizes["time"]),
        "vector_rate_hz": settings.vector_rate_hz,
        "flagged_vectors": int((quality != 0).sum()),
        "error_by_region": field_errors(l2, truth),
        "files": names,
    }
