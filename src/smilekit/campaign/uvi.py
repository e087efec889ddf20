"""The UVI frames of a campaign: the auroral oval imaged beside SXI and its boundaries against the model.

SXI observes in the Full Science Mode (above 50 000 km), where UVI is on too
(:func:`~smilekit.mission.modes.mode_timeline`); a campaign takes one UVI image in every clock hour (UTC)
that holds an SXI frame, at the start of the hour's first SXI frame (:func:`uvi_frames`). An hour, because
the campaign's solar wind is hourly (OMNI2) and OVATION Prime averages it over the 4 hours before a frame:
the 5-min frames of one hour would show the same model oval, and one image an hour keeps UVI to about a
tenth of a campaign's cost (a user's finer solar wind is sampled the same way). UVI also observes lower,
30 000 - 50 000 km in RSM2, without SXI: those stretches are not in a campaign, whose frames are SXI's.

:func:`uvi_frame_row` makes and measures one image with the main job's UVI chain
(:mod:`smilekit.runs.stages.uvi`, which also prefers frames with OVATION's whole 4-h window; a campaign
takes its hourly frame whatever the window and records ``ovation_window_hours``): the OVATION Prime 2010
electron precipitation driven by the solar wind (:func:`~smilekit.campaign.schedule.solar_wind_series`),
seen with the frame's attitude (UVI on the oval's centre, :func:`~smilekit.campaign.truth.case_attitude`)
as an LBH-long sky (:func:`~smilekit.instruments.uvi.sky.model_sky`), one 1-min exposure of the detector's
512 x 512 pixels (:func:`~smilekit.instruments.uvi.simulate_image`, the frame's own random stream), L1 and
L2, then the boundaries and the hemispheric power of the image
(:func:`~smilekit.science.aurora.image_boundaries`, :func:`~smilekit.science.aurora.image_hemispheric_power`)
against the model's at that time (:func:`~smilekit.science.aurora.model_boundaries`).
"""

from __future__ import annotations

import math
import time

import astropy.units as u
import numpy as np
import pandas as pd

from smilekit.campaign.cases import Case
from smilekit.campaign.truth import case_attitude
from smilekit.errors import SmilekitError
from smilekit.geospace.ovation import AVERAGE_HOURS, OvationPrime2010, window_hours
from smilekit.instruments.uvi import simulate_image
from smilekit.instruments.uvi.config import UVIConfig
from smilekit.instruments.uvi.l1 import make_l1
from smilekit.instruments.uvi.l2 import make_l2
from smilekit.instruments.uvi.sky import LBH_POPULATIONS, model_sky, precipitation_emission, shell_geometry
from smilekit.science.aurora import (
    image_boundaries,
    image_hemispheric_power,
    mean_boundary_difference,
    model_boundaries,
)

__all__ = ["UVI_COLUMNS", "UVI_EXPOSURE", "UVI_STATUSES", "uvi_frame_row", "uvi_frames", "uvi_tables"]

#: The exposure of a campaign's UVI image (the main job's default).
UVI_EXPOSURE = 1 * u.min
#: The columns of a campaign's UVI rows, one per UVI frame (``uvi/chunk-IIIII.parquet``).
UVI_COLUMNS = (
    "case_id",  # the SXI frame whose start the UVI exposure shares
    "time",  # the exposure's start
    "status",  # "ok", or one of UVI_STATUSES: why there is no image or no boundary
    "detail",  # the error message behind a status, else empty
    "ovation_window_hours",  # hours of OVATION's 4-h average that held solar wind (fewer after a gap)
    "equatorward_bias_deg",  # mean image - model equatorward boundary over the sectors where both are found
    "poleward_bias_deg",
    "equatorward_sectors",  # MLT sectors (of 24) whose equatorward boundary the image finds
    "model_equatorward_sectors",  # and the model has
    "hemispheric_power_GW",  # the image's electron hemispheric power
    "model_hemispheric_power_GW",
    "covered_area_fraction",  # of the oval's area the image sees
    "seconds",  # wall-clock time of the row
)


#: Why a UVI row has no boundaries (its ``status``; ``detail`` says more).
UVI_STATUSES = ("field misses the Earth", "no model oval", "no boundary found", "no solar wind", "error")


def uvi_frames(cases: list[Case]) -> list[Case]:
    """The SXI frames that get a UVI image: the first of each clock hour (UTC) in time order."""
    ordered = sorted(cases, key=lambda c: (np.datetime64(c.time, "ns"), c.case_id))
    hours = [np.datetime64(c.time, "h") for c in ordered]
    return [c for k, c in enumerate(ordered) if k == 0 or hours[k] != hours[k - 1]]


def uvi_frame_row(case: Case, solar_wind) -> dict:
    """One UVI image at the start of an SXI frame and its boundaries against the model (module notes).

    ``solar_wind`` is a :class:`~smilekit.solarwind.SolarWind` holding the :data:`AVERAGE_HOURS` hours before
    the frame. A frame the models or the geometry refuse (UVI's field misses the Earth, no solar wind in
    the averaging window) is a row with that ``status`` (:data:`UVI_STATUSES`), the message in ``detail``,
    and NaN values. A window with fewer hours of solar wind than :data:`AVERAGE_HOURS` (after a gap) is
    OVATION's average of those it has, as ``ovation_window_hours`` says; the row is still "ok".
    """
    started = time.perf_counter()
    row = _uvi_row(case, solar_wind)
    row["seconds"] = time.perf_counter() - started
    return row


def _uvi_row(case: Case, solar_wind) -> dict:
    t = np.datetime64(case.time, "ns")
    row = {key: math.nan for key in UVI_COLUMNS}
    row.update(case_id=case.case_id, time=str(t), status="ok", detail="")
    config = UVIConfig(exposure=UVI_EXPOSURE.to(u.s))
    geometry = shell_geometry(None, case_attitude(case), index=0, config=config, on_miss="flag")
    if geometry.attrs.get("flag"):
        row["status"] = "field misses the Earth"
        return row
    try:
        row["ovation_window_hours"] = int(window_hours(solar_wind, [t])[0])
        model = model_boundaries([t], solar_wind).isel(time=0)
        precipitation = OvationPrime2010().precipitation([t], solar_wind, populations=LBH_POPULATIONS)
    except SmilekitError as exc:
        row.update(status="no model oval", detail=f"{type(exc).__name__}: {exc}")
        return row
    emission = precipitation_emission(precipitation, t)
    sky = model_sky(None, None, None, emission, geometry=geometry, config=config)
    counts = simulate_image(sky, UVI_EXPOSURE, np.random.default_rng([case.seed, 2]), config=config)
    l2 = make_l2(make_l1(counts, config), geometry, config=config)
    image, power = image_boundaries(l2), image_hemispheric_power(l2)
    row.update(
        equatorward_bias_deg=mean_boundary_difference(image, model, "equatorward"),
        poleward_bias_deg=mean_boundary_difference(image, model, "poleward"),
        equatorward_sectors=int(np.isfinite(image["equatorward_mlat"].values).sum()),
        model_equatorward_sectors=int(np.isfinite(model["equatorward_mlat"].values).sum()),
        hemispheric_power_GW=float(power["electron_power"]),
        model_hemispheric_power_GW=float(model["electron_power"]),
        covered_area_fraction=float(power["covered_area_fraction"]),
    )
    if row["equatorward_sectors"] == 0:
        row["status"] = "no boundary found"
    return row


def uvi_tables(uvi: pd.DataFrame) -> dict:
    """The campaign's UVI answer: images, how many found the oval, the equatorward and poleward boundaries'
    mean and RMS differences from the model (deg, over the images' sector means) and the median ratio of
    the image's hemispheric power to the model's; ``short_window`` counts the answered images whose OVATION
    average had fewer than :data:`AVERAGE_HOURS` hours of solar wind."""
    ok = uvi[uvi["status"] == "ok"]

    def stats(column):
        values = ok[column].to_numpy(float)
        values = values[np.isfinite(values)]
        if not values.size:
            return None, None
        return float(values.mean()), float(np.sqrt(np.mean(values**2)))

    eq_mean, eq_rms = stats("equatorward_bias_deg")
    pw_mean, pw_rms = stats("poleward_bias_deg")
    ratio = ok["hemispheric_power_GW"].to_numpy(float) / ok["model_hemispheric_power_GW"].to_numpy(float)
    ratio = ratio[np.isfinite(ratio)]
    return {
        "uvi_frames": len(uvi),
        "answered": len(ok),
        "statuses": {str(k): int(v) for k, v in uvi["status"].value_counts().items()},
        "equatorward_bias_deg": eq_mean,
        "equatorward_rms_deg": eq_rms,
        "poleward_bias_deg": pw_mean,
        "poleward_rms_deg": pw_rms,
        "hemispheric_power_ratio_median": float(np.median(ratio)) if ratio.size else None,
        "averaging_hours": AVERAGE_HOURS,
        "short_window": int((ok["ovation_window_hours"] < AVERAGE_HOURS).sum()),
    }
