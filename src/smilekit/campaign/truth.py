"""The truth of an evaluation case and its simulated SXI image.

1. **Truth** (:func:`case_truth`): the upstream state ``SolarWindState(n, v_gse=(-v, 0, 0), b_gsm=(bx, by,
   bz), T = 1e5 K, time)``; the dipole tilt :func:`smilekit.frames.dipole_tilt` at the case time; the
   *physical* emissivity :meth:`SWCXEmissivity.from_solar_wind
   <smilekit.geospace.emissivity.SWCXEmissivity.from_solar_wind>` (magnetosheath plasma with the Shue et
   al. 1998 magnetopause and cusp funnels, times the Hodges exosphere); the true stand-off
   ``r0_true = standoff("shue1998", pdyn, bz)`` (RE); the true north cusp edges from
   ``smilekit.science.cusps.true_cusp_edges(state, time)``.
2. **Image** (:func:`simulate_l2` = :func:`truth_image` then :func:`l1_l2`): the body attitude from
   :func:`~smilekit.mission.pointing.attitude_values` (boresight to the aim point, long axis towards the
   Earth), the line-of-sight intensity :func:`smilekit.instruments.sxi.intensity_map` at 0.25 deg
   (:data:`IMAGE_PIXEL`), the photon events :func:`~smilekit.instruments.sxi.simulate.simulate_events` over
   the exposure with all backgrounds and the case's seed, and one L2 image
   :func:`~smilekit.instruments.sxi.l2.make_l2` whose bin is the whole exposure (0.25 deg pixels).

The harness (:func:`smilekit.campaign.evaluate.run_case`) then runs every retrieval on that image and
measures it against the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import astropy.units as u
import numpy as np

from smilekit.campaign.cases import Case, as_case
from smilekit.frames import dipole_tilt
from smilekit.geospace.boundaries import standoff
from smilekit.geospace.emissivity import SWCXEmissivity
from smilekit.instruments.sxi import intensity_map, make_l2, simulate_events
from smilekit.mission.pointing import Attitude, attitude_at
from smilekit.science.cusps import true_cusp_edges
from smilekit.solarwind.state import SolarWindState
from smilekit.units import RE

__all__ = [
    "IMAGE_PIXEL",
    "Truth",
    "case_attitude",
    "case_state",
    "case_truth",
    "l1_l2",
    "simulate_l2",
    "truth_image",
]

#: Image pixel (deg) of the simulated L2 images and of the truth intensity map.
IMAGE_PIXEL = 0.25 * u.deg


class Truth(NamedTuple):
    """What the image is simulated from and what the retrievals are measured against."""

    state: Any  #: SolarWindState at the case time
    tilt: u.Quantity  #: dipole tilt
    source: Any  #: the physical SWCX emissivity (EmissivityModel)
    r0: float  #: true stand-off distance (Shue et al. 1998), RE
    cusp_equatorward: float  #: true north cusp equatorward edge, deg GSM latitude at the reference distance
    cusp_poleward: float  #: true north cusp poleward edge, deg
    rotation: np.ndarray  #: body -> GSE attitude (3, 3), ``case_attitude(case).rotation[0]``


def case_truth(case, *, cusp_truth: Callable | None = None) -> Truth:
    """The truth of one case (module notes, step 1) and its SXI attitude.

    ``cusp_truth(state, time) -> (equatorward, poleward)`` (deg Quantities; NaN allowed) defaults to
    ``smilekit.science.cusps.true_cusp_edges``.
    """
    case = as_case(case)
    state = case_state(case)
    tilt = dipole_tilt(case.time)
    source = SWCXEmissivity.from_solar_wind(state, tilt=tilt, warn=False)
    r0 = float(standoff("shue1998", pdyn=state.pdyn, bz=state.bz, warn=False).to_value(RE))
    equatorward, poleward = (cusp_truth or true_cusp_edges)(state, case.time)
    rotation = case_attitude(case).rotation[0]
    return Truth(
        state=state,
        tilt=tilt,
        source=source,
        r0=r0,
        cusp_equatorward=float(u.Quantity(equatorward).to_value(u.deg)),
        cusp_poleward=float(u.Quantity(poleward).to_value(u.deg)),
        rotation=rotation,
    )


def case_state(case: Case) -> SolarWindState:
    """The upstream state of a case: ``SolarWindState(n, v_gse=(-v, 0, 0), b_gsm, T = 1e5 K, time)``."""
    return SolarWindState(
        n=case.n * u.cm**-3, v_gse=[-case.v, 0.0, 0.0] * (u.km / u.s), b_gsm=case.b * u.nT, time=case.time
    )


def case_attitude(case: Case) -> Attitude:
    """The spacecraft's attitude at a case (one sample): SXI on the aim point, long axis towards the Earth,
    UVI on the oval's centre (:func:`~smilekit.mission.pointing.attitude_at`)."""
    return attitude_at(case.time, case.sc[None, :] * RE, case.aim[None, :] * RE)


def truth_image(case: Case, truth: Truth):
    """The noise-free SWCX intensity over the field of view (keV cm^-2 s^-1 sr^-1), 0.25 deg pixels."""
    return intensity_map(
        truth.source,
        case.sc * RE,
        case.aim * RE,
        rotation=truth.rotation,
        time=case.time,
        pixel=IMAGE_PIXEL,
    )


def l1_l2(case: Case, truth: Truth, sky):
    """The photon events of the exposure (all backgrounds, the case's seed) binned to one L2 image."""
    exposure = case.exposure_s * u.s
    events = simulate_events(
        sky, exposure, start=case.time, rotation=truth.rotation, sc_position=case.sc * RE, rng=case.seed
    )
    return make_l2(events, cadence=exposure, pixel=IMAGE_PIXEL)


def simulate_l2(case: Case, truth: Truth):
    """The default simulation of a case: :func:`truth_image` then :func:`l1_l2`; returns the L2 dataset."""
    return l1_l2(case, truth, truth_image(case, truth))
