"""The solar-wind stage of the main job: the cadence of the records, the regular series, the peak."""

import astropy.units as u
import numpy as np
import pytest

from smilekit import runs
from smilekit.runs import JobContext
from smilekit.runs.stages.solar_wind import smoothed_pdyn, stage_solar_wind
from smilekit.runs.stages.sxi import SXISettings
from smilekit.solarwind import SolarWind, load_event_indices, provenance, read_solar_wind
from testsupport import solarwind_files


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


def _minute_series(pdyn_nPa: np.ndarray, start="2015-06-21T15:00") -> SolarWind:
    """1-min records at 450 km/s whose density gives the dynamic pressure ``pdyn_nPa`` (OMNI's definition,
    Pdyn = 2e-6 n V^2 nPa, as :attr:`SolarWind.pdyn`)."""
    size = pdyn_nPa.size
    v = 450.0
    n = pdyn_nPa / (2e-6 * v**2)
    return SolarWind(
        np.datetime64(start, "ns") + np.arange(size) * np.timedelta64(60, "s"),
        n=n * u.cm**-3,
        v_gse=np.tile([-v, 0.0, 0.0], (size, 1)) * u.km / u.s,
        b_gsm=np.tile([0.0, 2.0, -5.0], (size, 1)) * u.nT,
        t=np.full(size, 1e5) * u.K,
    )


def test_a_one_record_spike_does_not_win_over_a_plateau_one_exposure_long(tmp_path):
    # 2 nPa, a one-minute spike of 8 nPa at minute 20, a 5-min (one exposure) plateau of 4 nPa at 60-64:
    # smoothed over 5 min the spike is (8 + 4 x 2) / 5 = 3.2 nPa, the plateau's middle 4 nPa
    pdyn = np.full(120, 2.0)
    pdyn[20] = 8.0
    pdyn[60:65] = 4.0
    sw = _minute_series(pdyn)
    ctx = JobContext(solar_wind=sw, out=tmp_path, event="spike")
    section = stage_solar_wind(ctx)
    assert sw.pdyn.values[20] == pytest.approx(8.0) and np.nanargmax(sw.pdyn.values) == 20
    assert section["peak_pdyn_time"] == str(sw.time.values[62])
    assert ctx.results["peak_index"] == 62
    assert section["peak_pdyn_nPa"] == pytest.approx(4.0, rel=1e-9)
    assert section["peak_pdyn_sample_max_nPa"] == pytest.approx(8.0, rel=1e-9)
    assert section["peak_smoothing"] == (
        "centred running mean over the 5-min SXI exposure: 5 records of 60 s, NaN-aware (at least 3 valid)"
    )
    assert section["indices"] is None  # none given


def test_the_smoothing_follows_the_exposure_setting_and_skips_missing_records(tmp_path):
    # a 1-min exposure: no smoothing of 1-min records, the spike is the peak
    pdyn = np.full(60, 2.0)
    pdyn[20] = 8.0
    pdyn[40:43] = 4.0
    settings = runs.JobSettings().replace(sxi=SXISettings(exposure_min=1.0))
    ctx = JobContext(solar_wind=_minute_series(pdyn), out=tmp_path, event="spike", settings=settings)
    section = stage_solar_wind(ctx)
    assert ctx.results["peak_index"] == 20 and section["peak_pdyn_nPa"] == pytest.approx(8.0)
    # NaN-aware: the mean of the valid records; none where fewer than 3 of the 5 are valid
    values = np.array([1.0, np.nan, 3.0, np.nan, np.nan, 5.0, 5.0])
    smoothed, _ = smoothed_pdyn(values, np.timedelta64(60, "s"), 5 * u.min)
    np.testing.assert_allclose(smoothed, [np.nan, np.nan, np.nan, np.nan, 13 / 3, np.nan, np.nan])
    values = np.array([1.0, 1.0, 3.0, np.nan, 5.0, 5.0, 5.0])
    smoothed, _ = smoothed_pdyn(values, np.timedelta64(60, "s"), 5 * u.min)
    # (records beyond the ends count as missing: the first window has 3 of its 5)
    np.testing.assert_allclose(smoothed, [5 / 3, 5 / 3, 2.5, 3.5, 4.5, 5.0, 5.0])


def test_the_indices_over_the_event_are_summarised_and_drawn(tmp_path):
    sw = _minute_series(np.full(120, 2.0), start="2003-10-30T21:00")
    indices = load_event_indices("2003-10-29-halloween")
    ctx = JobContext(solar_wind=sw, out=tmp_path, event="halloween", indices=indices)
    section = stage_solar_wind(ctx)
    # the minima between 21:00 and 22:59 (the file's records), not those of the whole storm
    over = indices.select(sw.time.values[0], sw.time.values[-1])
    symh, symh_time = over.minimum("sym_h")
    al, al_time = over.minimum("al")
    assert section["indices"] == {
        "source": indices.source,
        "min_sym_h_nT": symh,
        "min_sym_h_time": str(symh_time),
        "min_al_nT": al,
        "min_al_time": str(al_time),
        "records": 120,
    }
    assert symh == -432.0 and symh_time == np.datetime64("2003-10-30T22:55")  # the storm's minimum
    assert (tmp_path / "solar_wind.png").stat().st_size > 10_000
    assert ctx.figures == [("solar_wind.png", "Solar wind (GSM field, OMNI Pdyn), SYM-H and AL")]


def test_indices_outside_the_event_are_null_not_a_failure(tmp_path):
    sw = _minute_series(np.full(30, 2.0), start="2020-01-01T00:00")
    ctx = JobContext(
        solar_wind=sw, out=tmp_path, event="elsewhere", indices=load_event_indices("2006-12-14-cme")
    )
    section = stage_solar_wind(ctx)
    assert section["indices"]["records"] == 0
    assert section["indices"]["min_sym_h_nT"] is None and section["indices"]["min_al_time"] is None


def test_summary_records_the_files_provenance_the_peak_state_and_the_indices_it_carried(tmp_path):
    # an OMNI CDF carries SYM-H and AL: without --indices they are the storm context, and the summary says
    # where every quantity came from (the CDF has all of them: no default) and the state at the peak
    data = solarwind_files.truth(minutes=120)
    sw = read_solar_wind(solarwind_files.write_omni_cdf(tmp_path / "omni_hro_1min.cdf", data))
    ctx = JobContext(solar_wind=sw, out=tmp_path, event="omni cdf")
    section = stage_solar_wind(ctx)
    assert section["provenance"] == provenance(sw) and section["provenance"]["defaults"] == {}
    assert section["provenance"]["source"] == "omni_hro_1min.cdf"
    peak = ctx.results["peak_index"]
    prepared = ctx.results["solar_wind"]
    assert section["peak_n_cm-3"] == pytest.approx(prepared.ds["n"].values[peak])
    assert section["peak_v_km_s"] == pytest.approx(prepared.speed.values[peak])
    assert section["peak_bz_gsm_nT"] == pytest.approx(prepared.bz.values[peak])
    assert section["indices"]["source"].startswith("omni_hro_1min.cdf")
    assert section["indices"]["min_sym_h_nT"] == data["sym_h"].min()
    assert section["indices"]["min_al_nT"] == data["al"].min()
    assert ctx.figures[0][1].endswith("SYM-H and AL")
    # the prepared series as the table the pipeline and the archive read, read back the same
    assert section["files"] == ["solar_wind.csv"]
    table = read_solar_wind(tmp_path / "solar_wind.csv")
    np.testing.assert_array_equal(table.time.values, prepared.time.values)
    for name in ("n", "v_gse", "b_gsm", "t"):
        np.testing.assert_allclose(getattr(table, name).value, getattr(prepared, name).value, rtol=1e-12)


def test_a_qin_denton_file_brings_its_defaults_into_the_summary(tmp_path):
    data = solarwind_files.truth(minutes=120)
    sw = read_solar_wind(solarwind_files.write_qin_denton(tmp_path / "qd.h5", data))
    section = stage_solar_wind(JobContext(solar_wind=sw, out=tmp_path, event="qd"))
    assert set(section["provenance"]["defaults"]) == {"bx", "t", "v_gse"}
    assert "Lopez" in section["provenance"]["defaults"]["t"]
    assert section["indices"] is None  # Qin-Denton files carry Dst and Kp, not SYM-H or AL
