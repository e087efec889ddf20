"""The upstream solar wind's ISTP CDF (spacepy's independent ISTP checks, an exact round trip) and the
quick-look figures of products (their names, time ranges, the not-for-publication notice)."""

from __future__ import annotations

import astropy.units as u
import cdflib
import numpy as np
import pytest
from PIL import Image

from smilekit.errors import ProductError
from smilekit.products.names import parse_product_name
from smilekit.products.quicklooks import NOTICE, quicklook_name, quicklook_time_range, write_quicklook
from smilekit.products.solar_wind_cdf import read_solar_wind_cdf, write_solar_wind_cdf
from smilekit.solarwind import SolarWind
from testsupport.archive import write_mag_versions, write_sxi

pycdf = pytest.importorskip("spacepy.pycdf")
istp = pytest.importorskip("spacepy.pycdf.istp")
# spacepy's check departed from on purpose, as for the ephemeris (tests/products/test_ephemeris.py): vectors
# are (record, 3) time series with labels, as CDAWeb's own OMNI HRO and MMS FGM products are.
ACCEPTED = ("Multi dim variable with time_series display type",)


@pytest.fixture
def solar_wind():
    time = np.datetime64("2026-03-21T00:00", "ns") + np.arange(30) * np.timedelta64(60, "s")
    n = np.linspace(4.0, 30.0, 30)
    n[7] = np.nan  # a gap
    v = np.column_stack([np.linspace(-400.0, -700.0, 30), np.full(30, 12.5), np.full(30, -3.0)])
    b = np.column_stack([np.full(30, 2.0), np.sin(np.arange(30)), np.linspace(5.0, -25.0, 30)])
    return SolarWind(time, n=n * u.cm**-3, v_gse=v * u.km / u.s, b_gsm=b * u.nT, t=np.full(30, 1e5) * u.K,
                     source="test", allow_gaps=True)  # fmt: skip


def test_the_solar_wind_cdf_passes_spacepy_istp_checks_and_reads_back_exactly(solar_wind, tmp_path):
    path = write_solar_wind_cdf(tmp_path / "smile_aux_l2_solarwind_20260321T000000_v01.cdf", solar_wind)
    with pycdf.CDF(str(path)) as cdf:
        assert [e for e in istp.FileChecks.all(cdf) if not any(a in e for a in ACCEPTED)] == []
        assert cdf["n"].attrs["UNITS"] == "cm^-3" and cdf["b_gsm"].attrs["COORDINATE_SYSTEM"] == "GSM"
    back = read_solar_wind_cdf(path)
    np.testing.assert_array_equal(back.time.values, solar_wind.time.values)
    np.testing.assert_array_equal(back.n.value, solar_wind.n.value)  # the gap comes back as NaN
    np.testing.assert_array_equal(back.v_gse.value, solar_wind.v_gse.value)
    np.testing.assert_array_equal(back.b_gsm.value, solar_wind.b_gsm.value)
    pdyn = cdflib.CDF(str(path)).varget("pdyn")  # OMNI's 2e-6 n V^2, fill where n is missing
    assert pdyn[7] == -1e31 and pdyn[0] == pytest.approx(
        2e-6 * 4.0 * np.hypot(400.0, np.hypot(12.5, 3.0)) ** 2
    )
    garbage = tmp_path / "garbage.cdf"
    garbage.write_bytes(b"not a cdf" * 10)
    with pytest.raises(ProductError, match="not a smilekit solar-wind CDF"):
        read_solar_wind_cdf(garbage)


def test_a_quicklook_is_named_at_level_ql_and_carries_its_range_and_the_notice(tmp_path):
    (mag_v1, _), times = write_mag_versions(tmp_path / "mag")
    sxi_l2 = write_sxi(tmp_path / "sxi")[1]
    for product in (mag_v1, sxi_l2):
        figure = write_quicklook(product, tmp_path)
        assert figure.name == quicklook_name(product)
        parts, source = parse_product_name(figure.name), parse_product_name(product.name)
        assert (parts.level, parts.descriptor, parts.version) == ("ql", source.descriptor, source.version)
        with Image.open(figure) as image:
            assert image.format == "PNG" and image.text["Description"] == NOTICE
    start, stop = quicklook_time_range(tmp_path / quicklook_name(mag_v1))
    assert start == times[0] and stop == times[-1] + np.timedelta64(1, "ns")  # the CDF's records, half-open
    start, stop = quicklook_time_range(tmp_path / quicklook_name(sxi_l2))
    assert (str(start), str(stop)) == ("2026-03-21T06:00:00.000000000", "2026-03-21T06:01:00.000000000")


def test_what_is_not_a_quicklook_or_has_nothing_to_draw_is_refused(tmp_path):
    png = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(png)
    with pytest.raises(ProductError, match="not a smilekit quick-look"):
        quicklook_time_range(png)
    with pytest.raises(ProductError, match="CDF and FITS"):
        write_quicklook(tmp_path / "smile_mag_l2_fields_20260321T000000_v01.csv")
