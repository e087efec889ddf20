"""The solar-wind stage of the main job: the cadence of the records, the regular series, the peak."""

import astropy.units as u
import numpy as np

from smilekit.runs import JobContext
from smilekit.runs.stages.solar_wind import stage_solar_wind
from smilekit.solarwind import SolarWind


def _jittered_series(seed: int, size: int = 120) -> SolarWind:
    """16-s records with +-0.4 s of jitter (ACE propagated to the Earth), a pressure pulse in the middle."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-05-10T17:00:27.689", "ns")
    offsets_ms = np.arange(size) * 16_000 + rng.integers(-400, 401, size)
    n = np.where(np.arange(size) == size // 2, 40.0, 5.0)
    return SolarWind(
        start + offsets_ms.astype("timedelta64[ms]"),
        n=n * u.cm**-3,
        v_gse=np.tile([-450.0, 0.0, 0.0], (size, 1)) * u.km / u.s,
        b_gsm=np.tile([0.0, 2.0, -5.0], (size, 1)) * u.nT,
        t=np.full(size, 1e5) * u.K,
    )


def test_jittered_records_get_their_nominal_cadence_and_every_record_stays(tmp_path):
    # the spacings are 15.2 to 16.8 s: their most common whole-second value, rounded, is 16 s whatever the
    # draw (truncated, it was 15 s for some draws, and the stage interpolated points never measured)
    for seed in range(6):
        sw = _jittered_series(seed)
        ctx = JobContext(solar_wind=sw, out=tmp_path, event="jittered")
        section = stage_solar_wind(ctx)
        assert section["cadence_s"] == 16.0
        assert section["records"] == len(sw) and section["interpolated"] == 0 and section["missing"] == 0
        # the pulse is the peak, on the grid time of its record
        peak = ctx.results["peak_index_time"]
        assert abs(peak - sw.time.values[len(sw) // 2]) <= np.timedelta64(500, "ms")
