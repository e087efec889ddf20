"""Bad input that used to run away with memory (issue 14): each gets a bounded success or a refusal that
names the size it would need, before anything big is allocated."""

from __future__ import annotations

import tracemalloc

import astropy.units as u
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.mission.orbit import check_track_request, track_memory_estimate
from smilekit.runs.plan import run_orbit, run_plan
from smilekit.solarwind import SolarWind, read_solar_wind
from smilekit.solarwind.drivers import drivers_at
from smilekit.solarwind.gaps import fill_gaps, regularize
from smilekit.solarwind.readers import omni_hro
from testsupport.solarwind_files import truth, write_hro

T0 = np.datetime64("2015-01-01T00:00", "ns")
TEN_YEARS = np.timedelta64(3652, "D")


def _four_records_ten_years_apart() -> SolarWind:
    """Three 1-min records, then the fourth ten years later (the issue's 4-record file)."""
    time = T0 + np.array([0, 60, 120], "timedelta64[s]")
    time = np.append(time, T0 + TEN_YEARS)
    return SolarWind(
        time,
        n=[5.0, 6.0, 7.0, 8.0] * u.cm**-3,
        v_gse=[[-400.0, 0.0, 0.0]] * 4 * u.km / u.s,
        b_gse=[[0.0, 0.0, -5.0]] * 4 * u.nT,
        t=[1e5] * 4 * u.K,
    )


def test_a_ten_year_gap_stays_a_gap_with_bounded_rows():
    sw = fill_gaps(regularize(_four_records_ten_years_apart(), "1min"), max_gap=10 * u.min)
    # 3 records, 60 NaN rows of margin on each side of the gap, the last record: not 5.26 million rows
    assert len(sw) == 3 + 60 + 60 + 1
    assert sw.ds.attrs["long_gaps"] == 1
    assert str(T0 + TEN_YEARS)[:10] in sw.ds.attrs["long_gap_spans"]
    quality = sw.ds["quality"].values
    assert (quality[:3] == 0).all() and quality[-1] == 0 and (quality[3:-1] == 2).all()
    assert np.isnan(sw.ds["n"].values[3:-1]).all()
    np.testing.assert_array_equal(sw.ds["n"].values[[0, 1, 2, -1]], [5.0, 6.0, 7.0, 8.0])
    # the grid keeps its phase across the gap: every time is a whole number of minutes from the first
    assert ((sw.time.values - T0) % np.timedelta64(60, "s") == np.timedelta64(0)).all()


def test_interpolating_the_regularised_series_inside_a_long_gap_gives_nan():
    sw = fill_gaps(regularize(_four_records_ten_years_apart(), "1min"), max_gap=10 * u.min)
    x = sw.time.values.astype(np.int64).astype(float)
    middle = float((T0 + TEN_YEARS // 2).astype(np.int64))
    assert np.isnan(np.interp(middle, x, sw.ds["n"].values))
    # drivers_at, though, interpolates over the valid records only, so it bridges the gap: a stage that
    # must not (the mission stage) has to limit itself to the spans with data
    assert np.isfinite(drivers_at(sw, T0 + TEN_YEARS // 2)["pdyn"]).all()


def test_minute_gaps_are_regularised_as_before():
    time = T0 + np.array([0, 1, 2, 5, 6, 7], "timedelta64[m]")
    sw = SolarWind(
        time,
        n=(np.arange(6.0) + 1) * u.cm**-3,
        v_gse=[[-400.0, 0.0, 0.0]] * 6 * u.km / u.s,
        b_gse=[[0.0, 0.0, -5.0]] * 6 * u.nT,
        t=[1e5] * 6 * u.K,
    )
    out = regularize(sw, "1min")
    assert len(out) == 8 and "long_gaps" not in out.ds.attrs
    assert np.isnan(out.ds["n"].values[3:5]).all()
    filled = fill_gaps(out, max_gap=5 * u.min)
    assert (filled.ds["quality"].values[3:5] == 1).all()


def test_an_oversized_grid_is_refused_before_allocation_with_its_size():
    sw = _four_records_ten_years_apart()
    with pytest.raises(InputError, match=r"would need 5,25\d,\d{3} rows .* the limit is 1,000,000 rows"):
        regularize(sw, "1min", long_gap=np.timedelta64(20 * 365, "D"), max_rows=1_000_000)


@pytest.mark.parametrize("run, kind", [(run_plan, "plan"), (run_orbit, "orbit")])
def test_an_oversized_plan_or_orbit_is_refused_before_it_starts(tmp_path, run, kind):
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            run(tmp_path / "out", start="2026-03-01", days=1200, memory_limit=2**30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert f"{kind} over 1200 days" in message and "1,728,001 track samples" in message
    assert "GiB of memory; the limit is 1.0 GiB" in message
    assert peak < 20 * 2**20  # refused before propagating anything
    assert not (tmp_path / "out" / "ephemeris.cdf").exists()


def test_the_plan_estimate_for_1200_days():
    # issue 14: `plan --days 1200` grew past 22 GB (13.3 kB a sample); with the constraints chunked the
    # 60-120 day runs cost 0.6 GiB and the estimate for 1200 days is about 3 GiB
    assert 2 * 2**30 < track_memory_estimate(1200 * 1440 + 1, "plan") < 4 * 2**30
    assert check_track_request("2026-03-01", "2026-03-08", 60 * u.s, "plan", limit=2**31) == 7 * 1440 + 1


def test_a_long_hro_file_is_read_in_bounded_memory(tmp_path, monkeypatch):
    lines = 50_000
    with np.errstate(over="ignore"):  # the made-up pulse's exp() far from its middle
        data = truth(minutes=lines)
    path = write_hro(tmp_path / "omni_min2015.asc", data)
    monkeypatch.setattr(omni_hro, "CHUNK_LINES", 10_000)  # several chunks in a fast test
    tracemalloc.start()
    try:
        sw = read_solar_wind(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sw) == lines
    # the words array is 46 x 50 000 x 8 B = 18 MB; a list of every line's words was about 100 MB
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_a_bad_line_in_a_later_chunk_is_named(tmp_path, monkeypatch):
    path = write_hro(tmp_path / "omni_min2015.asc", truth(minutes=300))
    text = path.read_text().splitlines()
    words = text[250].split()
    words[20] = "abc"
    text[250] = " ".join(words)
    path.write_text("\n".join(text) + "\n")
    monkeypatch.setattr(omni_hro, "CHUNK_LINES", 100)
    with pytest.raises(InputError, match=r"line 251: not a number"):
        read_solar_wind(path)
