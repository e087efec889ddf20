"""The community's other clients read the archive through HAPI as the archive guide says: pyspedas (into tplot
variables, through hapiclient) and speasy (its HAPI CSV codec, on a response that carries its header), and
get the values that were ingested (read back from the archived CDFs with cdflib)."""

from __future__ import annotations

import numpy as np
import pytest

from testsupport.service_archive import PUBLIC_END


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_pyspedas_reads_a_public_dataset_into_tplot_variables(served, tmp_path, monkeypatch):
    import pyspedas

    monkeypatch.chdir(tmp_path)  # hapiclient's cache (hapi-data/) goes under the working folder
    expected = served.archive.public_expected["mag_l2_fields"]
    start = np.datetime_as_string(expected["Time"][0], unit="s") + "Z"
    stop = np.datetime_as_string(PUBLIC_END, unit="s") + "Z"
    names = pyspedas.hapi(
        trange=[start, stop], server=served.base + "/hapi", dataset="mag_l2_fields", parameters="b_gsm",
        quiet=True,
    )  # fmt: skip
    assert names == ["b_gsm"]
    data = pyspedas.get_data("b_gsm")
    times = (np.asarray(data.times) * 1e9).round().astype("int64").astype("datetime64[ns]")  # unix seconds
    np.testing.assert_array_equal(times, expected["Time"])
    np.testing.assert_array_equal(data.y, expected["b_gsm"])


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_speasy_reads_a_hapi_csv_response_with_its_header(served):
    from speasy.core.codecs import get_codec

    expected = served.archive.public_expected["sxi_l3_boundaries"]
    start = np.datetime_as_string(expected["Time"][0], unit="s") + "Z"
    stop = np.datetime_as_string(PUBLIC_END, unit="s") + "Z"
    url = (f"{served.base}/hapi/data?dataset=sxi_l3_boundaries&parameters=r0_max_intensity&start={start}"
           f"&stop={stop}&include=header")  # fmt: skip
    variable = get_codec("hapi/csv").load_variables(["r0_max_intensity"], url)["r0_max_intensity"]
    np.testing.assert_array_equal(variable.time, expected["Time"])
    np.testing.assert_array_equal(variable.values.ravel(), expected["r0_max_intensity"])
