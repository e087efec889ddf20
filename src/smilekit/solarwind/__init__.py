"""Solar wind: the state that drives the geospace models, time series, readers, gaps and scenarios.

- :class:`SolarWindState`: one upstream state (n, V GSE, B GSM, T) with derived quantities.
- :class:`SolarWind`: a time series of them, an :class:`xarray.Dataset` with units and provenance.
- :func:`read_solar_wind` (any format, detected) and the readers :func:`read_omni2`, :func:`read_omni_hro`,
  :func:`read_swmf_imf`, :func:`read_omni_cdf`, :func:`read_hdf5`, :func:`read_table`;
  :func:`provenance`: where a series came from and what was assumed for what the file lacks.
- :func:`regularize`, :func:`fill_gaps`: regular cadence, short gaps interpolated, long gaps flagged.
- :mod:`~smilekit.solarwind.scenarios`: synthetic steady, pressure-pulse, IMF-rotation and CME series.
- :func:`load_event`, :func:`list_events`: the bundled events (default :data:`DEFAULT_EVENT`).
- :class:`GeomagneticIndices`, :func:`read_indices`, :func:`load_event_indices`: the storm's SYM-H and AL.
- :func:`drivers_at`: the drivers of the boundary models (pdyn, pm, Bz, dipole tilt) from a state or a series.
"""

from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.events import DEFAULT_EVENT, EVENTS, list_events, load_event, load_event_indices
from smilekit.solarwind.gaps import fill_gaps, regularize
from smilekit.solarwind.indices import GeomagneticIndices, read_indices
from smilekit.solarwind.readers import (
    detect_format,
    read_hdf5,
    read_omni2,
    read_omni_cdf,
    read_omni_hro,
    read_solar_wind,
    read_swmf_imf,
    read_table,
)
from smilekit.solarwind.scenarios import cme_sheath_cloud, imf_rotation, pressure_pulse, steady
from smilekit.solarwind.series import SolarWind, provenance
from smilekit.solarwind.state import SolarWindState

__all__ = [
    "DEFAULT_EVENT",
    "EVENTS",
    "GeomagneticIndices",
    "SolarWind",
    "SolarWindState",
    "cme_sheath_cloud",
    "detect_format",
    "drivers_at",
    "fill_gaps",
    "imf_rotation",
    "list_events",
    "load_event",
    "load_event_indices",
    "pressure_pulse",
    "provenance",
    "read_hdf5",
    "read_indices",
    "read_omni2",
    "read_omni_cdf",
    "read_omni_hro",
    "read_solar_wind",
    "read_swmf_imf",
    "read_table",
    "regularize",
    "steady",
]
