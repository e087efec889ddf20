"""The ground segment's processing: L0 packet files and auxiliary files -> L1, L2 and L3 products.

- :mod:`~smilekit.pipeline.auxiliary`: the auxiliary inputs beside the packets (time correlation, MAG
  calibration, processing settings, the ephemeris, the upstream solar wind), as files of fixed names;
- :mod:`~smilekit.pipeline.processing`: :func:`process`, one packet file (ground pass) at a time, with
  provenance, versions and every loss in the products' flags and the summary.

The command line: ``smilekit process L0_DIR --out DIR``.
"""

from smilekit.pipeline.auxiliary import (
    EPHEMERIS_FILE,
    MAG_CALIBRATION_FILE,
    SETTINGS_FILE,
    SOLAR_WIND_FILE,
    TIME_CORRELATION_FILE,
    ProcessingSettings,
    ephemeris_at,
    read_ephemeris,
    read_mag_calibration,
    read_settings,
    read_time_correlation,
    read_upstream,
    write_mag_calibration,
    write_settings,
    write_time_correlation,
)
from smilekit.pipeline.processing import PACKET_SUFFIX, SUMMARY_FILE, process

__all__ = [
    "EPHEMERIS_FILE",
    "MAG_CALIBRATION_FILE",
    "PACKET_SUFFIX",
    "SETTINGS_FILE",
    "SOLAR_WIND_FILE",
    "SUMMARY_FILE",
    "TIME_CORRELATION_FILE",
    "ProcessingSettings",
    "ephemeris_at",
    "process",
    "read_ephemeris",
    "read_mag_calibration",
    "read_settings",
    "read_time_correlation",
    "read_upstream",
    "write_mag_calibration",
    "write_settings",
    "write_time_correlation",
]
