"""The geospace stages: the stand-off distance of every boundary model along the event, and the SWCX
emissivity of every emissivity model at peak pressure.

The model sets the job compares (:func:`boundary_models`, :func:`emissivity_models`) and the emissivity
slices (:func:`emissivity_slices`) are public: ``smilekit geospace`` shows the same models for one state.
Provides ``standoffs`` (the stand-off time series of each model, RE) and ``tilt_deg`` (the dipole tilt at
each record).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import ClassVar

import astropy.units as u
import numpy as np
import xarray as xr

import smilekit
from smilekit.geospace import boundaries
from smilekit.geospace.cube import EmissivityCube
from smilekit.geospace.emissivity import CMEM, Jorgensen2019, SWCXEmissivity
from smilekit.geospace.validity import check_fit_range, fit_range_of
from smilekit.products.plots import quicklook
from smilekit.products.plots.style import model_label
from smilekit.runs.context import JobContext, finite_or_none
from smilekit.runs.registry import stage
from smilekit.runs.settings import SettingsSection, register_section, setting
from smilekit.solarwind import SolarWind, SolarWindState
from smilekit.solarwind.drivers import drivers_at

__all__ = [
    "EmissivitySettings",
    "boundary_models",
    "emissivity_models",
    "emissivity_slices",
    "stage_emissivity",
    "stage_standoff",
    "state_drivers",
]


@register_section
@dataclass(frozen=True)
class EmissivitySettings(SettingsSection):
    """The grid of the emissivity slices (RE, GSM): X from start to stop, and Y, Z (the same grid)."""

    section: ClassVar[str] = "emissivity"

    x_start_re: float = setting(-10.0, bound=None)
    x_stop_re: float = setting(20.0, bound=None)
    x_count: int = setting(301)
    yz_start_re: float = setting(-20.0, bound=None)
    yz_stop_re: float = setting(20.0, bound=None)
    yz_count: int = setting(401)

    def __post_init__(self) -> None:
        super().__post_init__()
        for axis in ("x", "yz"):
            count = getattr(self, f"{axis}_count")
            if count < 2:
                self.reject(f"{axis}_count", count, "an integer >= 2 (the grid's two ends at least)")
            start, stop = getattr(self, f"{axis}_start_re"), getattr(self, f"{axis}_stop_re")
            if stop <= start:
                self.reject(f"{axis}_stop_re", stop, f"a number > {axis}_start_re = {start!r}")

    @property
    def x(self) -> np.ndarray:
        """The X grid, RE."""
        return np.linspace(self.x_start_re, self.x_stop_re, self.x_count)

    @property
    def yz(self) -> np.ndarray:
        """The Y and the Z grid, RE."""
        return np.linspace(self.yz_start_re, self.yz_stop_re, self.yz_count)


@stage(
    "standoff",
    requires=("solar_wind", "peak_index"),
    provides=("standoffs", "tilt_deg"),
    description="Subsolar stand-off distance of every magnetopause model and the bow shock along the event.",
)
def stage_standoff(ctx: JobContext) -> dict:
    """Stand-off distance of every magnetopause model and the bow shock along the event."""
    sw: SolarWind = ctx.results["solar_wind"]
    times = sw.time.values
    drivers = drivers_at(sw)  # on the series' own records, missing ones NaN
    valid = np.all([np.isfinite(q.value) for q in drivers.values()], axis=0)
    standoffs, checks = {}, {}
    for name, model in boundary_models().items():
        r0 = np.full(times.shape, np.nan)
        kwargs = {k: drivers[k][valid] for k in boundaries.model_kernel(model)[1]}
        r0[valid] = model(0 * u.deg, warn=False, **kwargs).to_value(smilekit.RE)
        standoffs[name] = r0
        checks[name] = check_fit_range(model, **drivers)  # gaps (NaN drivers) are not flagged
    ctx.results["standoffs"] = standoffs
    ctx.results["tilt_deg"] = drivers["tilt"].value
    quicklook.plot_standoff(
        times,
        standoffs,
        ctx.figure_path(
            "standoff.png",
            "Subsolar stand-off distance of each model; dashed where the solar wind is outside the model's "
            "fitted range, grey band where far outside",
        ),
        outside={name: check.outside for name, check in checks.items()},
        far_outside={name: check.far_outside for name, check in checks.items()},
    )
    peak = ctx.results["peak_index"]
    out = {}
    for name, r0 in standoffs.items():
        check = checks[name]
        outside = check.outside
        out[name] = {
            "min_RE": finite_or_none(np.nanmin(r0)),
            "max_RE": finite_or_none(np.nanmax(r0)),
            "median_RE": finite_or_none(np.nanmedian(r0)),
            "at_peak_pdyn_RE": finite_or_none(r0[peak]),
            "fit_range": check.fit_range.as_dict(),
            "outside_fit_range": {
                "records": int(outside.sum()),
                "fraction": float(outside.sum() / max(int(valid.sum()), 1)),
                "far_outside_records": int(check.far_outside.sum()),
                "at_peak": bool(outside[peak]),
                "why": check.counts(),
            },
        }
    return out


@stage(
    "emissivity",
    requires=("solar_wind", "peak_index", "tilt_deg"),
    settings="emissivity",
    description="SWCX emissivity of each model in the XZ and XY planes (GSM) at peak pressure.",
)
def stage_emissivity(ctx: JobContext) -> Generator[None, None, dict]:
    """SWCX emissivity of each model in the XZ and XY planes (GSM) at the time of peak pressure.

    It parks at once (:mod:`smilekit.runs.registry`) and does its work when finished: no stage reads what it
    makes, and on a run with Dask workers its ~2 s would otherwise hold back the SXI stage, so the workers
    would wait that long for their first frames."""
    yield
    sw: SolarWind = ctx.results["solar_wind"]
    peak = ctx.results["peak_index"]
    state = sw.at(sw.time.values[peak])
    tilt = ctx.results["tilt_deg"][peak] * u.deg
    models = emissivity_models(state, tilt)
    sheath = models["physical SWCX"].sheath
    out = {"time": str(state.time), "tilt_deg": float(tilt.value), "models": {}}
    drivers = state_drivers(state, tilt)
    for name, model in models.items():
        slices = emissivity_slices(model, ctx.settings.emissivity)
        slug = name.replace(" ", "_").lower()
        path = ctx.figure_path(
            f"emissivity_{slug}.png", f"{model_label(name)} emissivity at peak pressure, XZ and XY (GSM)"
        )
        check = check_fit_range(model, **drivers)
        reasons = check.reasons(0)
        quicklook.plot_emissivity_slices(
            slices,
            sheath,
            path,
            title=f"{model_label(name)}, {np.datetime_as_string(state.time, unit='m')} UT",
            outside_fit_range=reasons,
            far_outside=bool(check.far_outside[0]),
        )
        out["models"][name] = {
            "max_eV_cm-3_s-1": float(max(np.nanmax(s.values) for s in slices.values())),
            "x_of_max_on_sun_earth_line_RE": float(_x_of_max(slices["xz"])),
            "fit_range": fit_range_of(model).as_dict(),
            "outside_fit_range": reasons,
        }
    return out


def state_drivers(state: SolarWindState, tilt: u.Quantity) -> dict[str, u.Quantity]:
    """Every driver a fitted range may bound, for one state: pdyn, pm, bz, tilt, n and v (the speed)."""
    return {
        "pdyn": state.pdyn,
        "pm": state.pm,
        "bz": state.bz,
        "tilt": tilt.to(u.deg),
        "n": state.n,
        "v": state.speed,
    }


def boundary_models() -> dict:
    """Every stand-off model the job reports: the magnetopause models and the bow shock, by name."""
    return {**boundaries.MAGNETOPAUSE_MODELS, "bow shock (jelinek2012)": boundaries.jelinek2012_bow_shock}


def emissivity_slices(model, grid: EmissivitySettings | None = None) -> dict[str, xr.DataArray]:
    """The emissivity of ``model`` sampled in the XZ (y = 0) and XY (z = 0) planes, GSM.

    ``grid`` is the slice grid (RE); default the job's, ``EmissivitySettings()``.
    """
    grid = EmissivitySettings() if grid is None else grid
    x, yz = grid.x, grid.yz
    return {
        "xz": EmissivityCube.from_model(model, x, [0.0], yz).plane("xz", y=0.0),
        "xy": EmissivityCube.from_model(model, x, yz, [0.0]).plane("xy", z=0.0),
    }


def emissivity_models(state: SolarWindState, tilt: u.Quantity) -> dict:
    """The emissivity models the job compares, all driven by one solar-wind state."""
    return {
        "physical SWCX": SWCXEmissivity.from_solar_wind(state, tilt=tilt, warn=False),
        "Jorgensen 2019": Jorgensen2019.from_solar_wind(state, warn=False),
        "CMEM": CMEM.from_solar_wind(state, tilt=tilt, warn=False),
    }


def _x_of_max(plane: xr.DataArray) -> float:
    """X of the largest emissivity on the Sun-Earth line (the nose of the sheath) in an XZ plane."""
    line = plane.sel(z=0.0, method="nearest")
    return float(line.x[int(np.nanargmax(line.values))])
