"""The Magnetometer: two boom-mounted fluxgates, the spacecraft's own field, and the gradiometer calibration.

The chain: the true field along the orbit (GSE, nT, e.g. from :mod:`smilekit.geospace`) and the attitude
(:func:`smilekit.mission.pointing.attitude`) -> :func:`simulate_mag` (the spacecraft's field, each sensor's
offsets, scale factors, non-orthogonality, noise, digitisation and saturation; :class:`MAGConfig` holds the
instrument) -> ADC counts of both sensors -> :func:`make_l1` (nT, sensor frames, flags) -> :func:`make_l2`
(the ground calibration, :func:`ground_calibration`; the dual-magnetometer method of Ness et al. 1971,
:cite:`ness1971`; GSE and GSM, quality bits). The products' files (ISTP CDFs) are written and read by
:mod:`smilekit.products.insitu_cdf`; the quick-look is :func:`smilekit.products.plots.mag.plot_mag`.
"""

from smilekit.instruments.mag.calibration import (
    MAGCalibration,
    gradiometer_gains,
    ground_calibration,
    true_calibration,
)
from smilekit.instruments.mag.config import SENSORS, MAGConfig
from smilekit.instruments.mag.l1 import L1_FLAGS, make_l1
from smilekit.instruments.mag.l2 import L2_QUALITY, make_l2
from smilekit.instruments.mag.sensor import dipole_field_values
from smilekit.instruments.mag.simulate import simulate_mag

__all__ = [
    "L1_FLAGS",
    "L2_QUALITY",
    "SENSORS",
    "MAGCalibration",
    "MAGConfig",
    "dipole_field_values",
    "gradiometer_gains",
    "ground_calibration",
    "make_l1",
    "make_l2",
    "simulate_mag",
    "true_calibration",
]
