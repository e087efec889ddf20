"""The ephemeris CDF: ISTP compliance by spacepy's independent checks, and a lossless round trip."""

import astropy.units as u
import cdflib
import numpy as np
import pytest

from smilekit.errors import ProductError
from smilekit.mission import kepler_track, sample_times, science_orbit
from smilekit.products.cdf import TT2000_FILL, write_istp_cdf
from smilekit.products.ephemeris import (
    MODE_CODES,
    ephemeris_dataset,
    read_ephemeris_cdf,
    write_ephemeris_cdf,
)

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")

# spacepy's checks that smilekit departs from on purpose, each for a stated reason:
ACCEPTED = (
    # CDAWeb's own vector products (e.g. OMNI HRO, MMS FGM B_GSE) are (record, 3) time series with labels;
    # spacepy wants every multi-dimensional variable to be a spectrogram.
    "Multi dim variable with time_series display type",
    # An orbit product spans many days in one file (the CLI writes a whole planning period).
    "multiple days",
)


@pytest.fixture(scope="module")
def track():
    return kepler_track(
        science_orbit("2026-03-01"), sample_times("2026-03-01", "2026-03-01T12:00", 600 * u.s)
    )


def test_istp_checks_of_spacepy_pass(track, tmp_path):
    path = write_ephemeris_cdf(tmp_path / "smile_pre_eph_20260301_v01.cdf", track)
    with pycdf.CDF(str(path)) as cdf:
        errors = [e for e in istp.FileChecks.all(cdf) if not any(a in e for a in ACCEPTED)]
        assert errors == []
        assert cdf["Epoch"].attrs["FILLVAL"] == pycdf.lib.v_tt2000_to_datetime(int(TT2000_FILL))
        assert cdf["Epoch"].type() == pycdf.const.CDF_TIME_TT2000.value


def test_round_trip_is_exact(track, tmp_path):
    path = write_ephemeris_cdf(tmp_path / "smile_pre_eph_20260301_v01.cdf", track)
    cdf = cdflib.CDF(str(path))
    times = cdflib.cdfepoch.to_datetime(cdf.varget("Epoch"))
    np.testing.assert_array_equal(times, track.time)
    np.testing.assert_array_equal(cdf.varget("pos_gei"), track.position_gei_km)
    np.testing.assert_allclose(cdf.varget("pos_gse"), track.position("GSE").to_value("RE"), rtol=0, atol=0)
    assert cdf.varattsget("pos_gse")["UNITS"] == "RE"
    assert cdf.globalattsget()["Logical_file_id"] == ["smile_pre_eph_20260301_v01"]


def test_missing_global_attribute_is_a_product_error(track, tmp_path):
    ds = ephemeris_dataset(track)
    del ds.attrs["PI_name"]
    with pytest.raises(ProductError, match="PI_name"):
        write_istp_cdf(ds, tmp_path / "x.cdf")


def test_non_compliant_variable_is_refused_and_no_file_left(track, tmp_path):
    ds = ephemeris_dataset(track)
    del ds["altitude"].attrs["UNITS"]
    with pytest.raises(ProductError, match="altitude"):
        write_istp_cdf(ds, tmp_path / "x.cdf")
    assert not (tmp_path / "x.cdf").exists()


def test_read_ephemeris_cdf_is_the_inverse_of_write(track, tmp_path):
    from smilekit.mission.modes import mode_timeline
    from smilekit.mission.pointing import attitude

    att = attitude(track, [10.0, 0.0, 0.0] * u.Unit("RE"))
    timeline = mode_timeline(track)
    back = read_ephemeris_cdf(write_ephemeris_cdf(tmp_path / "e.cdf", track, attitude=att, timeline=timeline))
    np.testing.assert_array_equal(back["time"].values, track.time)
    np.testing.assert_array_equal(back["pos_gei"].values, track.position_gei_km)
    np.testing.assert_array_equal(back["vel_gei"].values, track.velocity_gei_km_s)
    for frame in ("GSE", "GSM"):
        name = f"pos_{frame.lower()}"
        np.testing.assert_array_equal(back[name].values, track.position(frame).to_value("RE"))
        assert back[name].attrs["units"] == "RE"
    np.testing.assert_array_equal(back["altitude"].values, track.altitude.to_value("km"))
    np.testing.assert_array_equal(back["orbit_number"].values, track.orbit_number())
    for name in ("sxi_boresight_gse", "sxi_long_axis_gse", "uvi_boresight_gse"):
        np.testing.assert_array_equal(back[name].values, getattr(att, name))
    np.testing.assert_array_equal(back["mode"].values, [MODE_CODES[m] for m in timeline.mode])
    np.testing.assert_array_equal(back["sxi_shutter_open"].values, np.asarray(timeline.sxi_shutter_open, int))
    # without attitude and modes: those variables are absent, not invented
    bare = read_ephemeris_cdf(write_ephemeris_cdf(tmp_path / "b.cdf", track))
    assert "sxi_boresight_gse" not in bare and "mode" not in bare


def test_read_ephemeris_cdf_refuses_another_product(track, tmp_path):
    ds = ephemeris_dataset(track).drop_vars("pos_gse")
    path = write_istp_cdf(ds, tmp_path / "x.cdf")
    with pytest.raises(ProductError, match="pos_gse"):
        read_ephemeris_cdf(path)
