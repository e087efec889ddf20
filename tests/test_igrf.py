"""Tests of smilekit.igrf: the SHC reader and the IGRF-14 dipole coefficients."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ppigrf.ppigrf import read_shc as ppigrf_read_shc

from smilekit._data import data_path
from smilekit.errors import InputError
from smilekit.igrf import dipole_coefficients, igrf14, read_shc


def test_published_igrf14_dipole_values():
    """IGRF-14 coefficient table (IAGA V-MOD, igrf14coeffs.txt, NOAA NCEI, Nov 2024; Alken et al. 2025,
    doi:10.5281/zenodo.14012302): DGRF 2020.0 g10 = -29403.41, g11 = -1451.37, h11 = 4653.35 nT;
    IGRF 2025.0 g10 = -29350.0, g11 = -1410.3, h11 = 4545.5 nT; SV 2025-2030: +12.6, +10.0, -21.5 nT/yr.
    Exact to the table's printed digits (tolerance 1e-9 nT)."""
    for when, expected in [
        ("2020-01-01", (-29403.41, -1451.37, 4653.35)),
        ("2025-01-01", (-29350.0, -1410.3, 4545.5)),
    ]:
        np.testing.assert_allclose(dipole_coefficients(when), expected, rtol=0, atol=1e-9)
    # Two years of predictive secular variation after 2025.0 (2027-01-01 is exactly 2027.0).
    np.testing.assert_allclose(
        dipole_coefficients("2027-01-01"),
        (-29350.0 + 2 * 12.6, -1410.3 + 2 * 10.0, 4545.5 - 2 * 21.5),
        rtol=0,
        atol=1e-9,
    )


def test_against_ppigrf_reader():
    """ppigrf 2.1 reads the same SHC file independently and interpolates linearly in time (pandas
    'time' interpolation, i.e. in days), while smilekit interpolates in decimal years as the IGRF
    prescribes. Within a 5-year interval the two time axes differ by less than one day (0.0027 yr), so
    at the largest dipole SV in the table (< 30 nT/yr) they differ by < 0.08 nT (measured: 0.050 nT over
    1900-2030 in 7-day steps). At the epochs they must agree exactly."""
    g, h = ppigrf_read_shc(str(data_path("igrf/IGRF14.shc")))
    rng = np.random.default_rng(14)
    seconds = rng.uniform(
        0, (np.datetime64("2030-01-01") - np.datetime64("1900-01-01")).astype(int) * 86400, 40
    )
    times = np.datetime64("1900-01-01", "ns") + (seconds * 1e9).astype("timedelta64[ns]")
    index = pd.DatetimeIndex(times)
    for frame, key, ours in [(g, (1, 0), 0), (g, (1, 1), 1), (h, (1, 1), 2)]:
        series = frame[key]
        combined = series.reindex(series.index.union(index)).interpolate(method="time")
        reference = combined.loc[index].to_numpy()
        np.testing.assert_allclose(dipole_coefficients(times)[ours], reference, rtol=0, atol=0.08)
        at_epochs = dipole_coefficients(series.index.to_numpy())[ours]
        np.testing.assert_allclose(at_epochs, series.to_numpy(), rtol=0, atol=1e-9)


def test_read_shc_structure():
    model = read_shc(data_path("igrf/IGRF14.shc"))
    assert model.epochs.size == 27
    assert model.epochs[0] == 1900.0 and model.epochs[-1] == 2030.0
    assert (model.valid_from, model.valid_to) == (1900.0, 2030.0)
    # Degrees 1..13: sum over n of (2n + 1) coefficients = 195.
    assert model.coefficients.shape == (195, 27)
    assert model.g(1, 0)[0] == -31543.0  # IGRF 1900.0 g10 (first row of the table)
    with pytest.raises(InputError, match="m >= 1"):
        model.h(1, 0)
    assert igrf14() is igrf14()  # parsed once


@pytest.mark.parametrize(
    "text, match",
    [
        ("# only a comment\n", "fewer than 3"),
        ("1 1 2 2 1 1900 1905\n1900.0 1905.0\n1 0 -31543\n", "line 3 has 3 fields"),
        ("1 1 2 2 1 1900 1905\n1900.0 1905.0\n1 0 -31543 abc\n", "not a number"),
        ("1 1 3 2 1 1900 1905\n1900.0 1905.0\n1 0 -31543 -31464\n", "header says 3"),
        ("x y\n1900.0 1905.0\n1 0 -31543 -31464\n", "SHC header"),
    ],
)
def test_read_shc_rejects_malformed_files(tmp_path, text, match):
    path = tmp_path / "bad.shc"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_shc(path)


@pytest.mark.parametrize("when", ["1899-12-31T23:59:59", "2030-01-01T00:00:01", "2045-06-01"])
def test_out_of_range_times_raise(when):
    with pytest.raises(InputError, match=r"outside the validity of IGRF-14.*1900-01-01.*2030-01-01"):
        dipole_coefficients(when)


def test_validity_edges_are_accepted_and_shapes_kept():
    g10, g11, h11 = dipole_coefficients(np.array([["1900-01-01", "2030-01-01"]], dtype="datetime64[ns]"))
    assert g10.shape == g11.shape == h11.shape == (1, 2)
    np.testing.assert_allclose(g10, [[-31543.0, -29287.0]])


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2029, 12, 31)))
def test_coefficients_lie_between_the_bracketing_epochs(when):
    """Linear interpolation: each coefficient lies between its values at the bracketing 5-year epochs."""
    model = igrf14()
    year0 = 1900 + 5 * ((when.year - 1900) // 5)
    i = int(np.searchsorted(model.epochs, year0))
    values = dipole_coefficients(when)
    for row, value in zip((model.g(1, 0), model.g(1, 1), model.h(1, 1)), values, strict=True):
        low, high = sorted((row[i], row[i + 1]))
        assert low - 1e-9 <= float(value) <= high + 1e-9
