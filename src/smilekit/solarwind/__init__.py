"""Solar wind: the state that drives the geospace models, time series, readers and scenarios."""

from smilekit.solarwind.state import SolarWindState

__all__ = ["SolarWindState"]
