"""The pipeline against the in-memory chains: L0 packet files -> MAG and LIA L1/L2 (smilekit.pipeline)."""

from __future__ import annotations

import json

import astropy.units as u
import numpy as np
import pytest
import xarray as xr

from smilekit.instruments.lia.moments import compute_moments
from smilekit.instruments.mag import make_l1, make_l2
from smilekit.pipeline import ProcessingSettings, process
from smilekit.pipeline.processing import LIA_LOST, MAG_L1_LOST, MAG_L2_LOST
from smilekit.products.insitu_cdf import read_lia_l1, read_lia_l2, read_mag_l1, read_mag_l2
from smilekit.products.provenance import read_provenance
from smilekit.science.regions import average_field

from .conftest import write_l0


def _read(out, pattern, reader) -> xr.Dataset:
    parts = [reader(p) for p in sorted(out.glob(pattern))]
    assert parts, pattern
    ds = xr.concat(parts, dim="time", combine_attrs="drop")
    return ds.sortby("time")


@pytest.fixture(scope="module")
def clean(tmp_path_factory, scenario):
    root = tmp_path_factory.mktemp("clean")
    write_l0(root / "l0", scenario)
    summary = process(root / "l0", root / "out")
    return root, summary


def test_mag_l1_from_telemetry_is_make_l1_bit_for_bit(clean, scenario):
    root, summary = clean
    l1 = _read(root / "out", "smile_mag_l1_*_v01.cdf", read_mag_l1)
    ref = make_l1(scenario.raw, scenario.config)
    np.testing.assert_array_equal(l1["time"].values, ref["time"].values)
    for s in ("inboard", "outboard"):
        np.testing.assert_array_equal(l1[f"b_{s}"].values, ref[f"b_{s}"].values)
        np.testing.assert_array_equal(l1[f"flag_{s}"].values, ref[f"flag_{s}"].values)
    assert summary["mag"]["lost_vectors"] == 0 and summary["errors"] == []
    assert len(summary["files"]) == 2  # two passes, one L1 product each
    assert len(list((root / "out").glob("smile_mag_l1_*"))) == 2


def test_mag_l2_from_the_hk_attitude_is_the_in_memory_chain(clean, scenario):
    root, _ = clean
    l2 = _read(root / "out", "smile_mag_l2_*_v01.cdf", read_mag_l2)
    ref = make_l2(make_l1(scenario.raw, scenario.config), scenario.att, scenario.calibration)
    np.testing.assert_array_equal(l2["time"].values, ref["time"].values)
    np.testing.assert_array_equal(l2["quality"].values, ref["quality"].values)
    # the attitude went through quaternions in the packets (float64, exact) and slerp: GSE to rounding
    np.testing.assert_allclose(l2["b_gse"].values, ref["b_gse"].values, rtol=0, atol=1e-9)
    # GSM: its angle is interpolated on a grid from each product's first sample (gse_to_gsm_values, error
    # below 1e-6 rad): the products of each pass differ from the whole run's within that bound
    error = np.linalg.norm(l2["b_gsm"].values - ref["b_gsm"].values, axis=1)
    assert (error <= 1e-6 * ref["b_magnitude"].values).all()


def test_lia_l2_is_compute_moments_of_the_in_memory_counts(clean, scenario):
    root, _ = clean
    l1 = _read(root / "out", "smile_lia_l1_*_v01.cdf", read_lia_l1)
    np.testing.assert_array_equal(l1["counts"].values, scenario.counts["counts"].values)
    moments = _read(root / "out", "smile_lia_l2_*_v01.cdf", read_lia_l2)
    mag = make_l2(make_l1(scenario.raw, scenario.config), scenario.att, scenario.calibration)
    times = scenario.counts["time"].values
    b = average_field(mag, times, window=4 * u.s).to_value(u.nT)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    ref = compute_moments(scenario.counts, b, frame="gse", alpha_temperature_ratio=4.0)
    np.testing.assert_array_equal(moments["time"].values, times)
    for name in ("density_p", "velocity_p", "temperature_p", "density_a"):
        np.testing.assert_allclose(moments[name].values, ref[name].values, rtol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(moments["quality_flag"].values, ref["quality_flag"].values)
    # the moments are the solar wind put in (a sanity check of the frame): 420 km/s along -X
    assert np.nanmedian(moments["velocity_p"].values[:, 0]) == pytest.approx(-420.0, rel=0.05)


def test_products_carry_provenance_and_reprocessing_writes_v02(tmp_path, scenario):
    write_l0(tmp_path / "l0", scenario)
    process(tmp_path / "l0", tmp_path / "out", settings=ProcessingSettings(lia_alpha_temperature_ratio=0.0))
    first = sorted((tmp_path / "out").glob("*_v01.cdf"))
    before = {p.name: (read_provenance(p), p.read_bytes()) for p in first}
    record = before[first[0].name][0]
    assert "smile_tm_contact_0000.bin" in record.inputs
    assert {"time_correlation.json", "mag_calibration.json"} <= set(record.inputs)
    assert json.loads(record.configuration)["lia_alpha_temperature_ratio"] == 0.0
    assert record.software.startswith("smilekit ")
    lia = next(p for p in first if "_lia_l2_" in p.name)
    parents = read_provenance(lia).inputs
    assert any(n.startswith("smile_lia_l1_") for n in parents)  # its counts
    assert any(n.startswith("smile_mag_l2_") for n in parents)  # the field's source
    summary = process(tmp_path / "l0", tmp_path / "out")
    second = sorted((tmp_path / "out").glob("*_v02.cdf"))
    assert [p.name.replace("_v02", "_v01") for p in second] == [p.name for p in first]
    assert sorted(summary["products"]) == [p.name for p in second]
    for p in first:  # v01 untouched
        assert (read_provenance(p), p.read_bytes()) == before[p.name]
    for v1 in (p for p in first if "_mag_l2_" in p.name):  # the same data again
        v2 = tmp_path / "out" / v1.name.replace("_v01", "_v02")
        np.testing.assert_array_equal(read_mag_l2(v1)["b_gse"].values, read_mag_l2(v2)["b_gse"].values)
    summary_file = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary_file["products"] == summary["products"]


def test_the_link_losses_are_flagged_exactly(tmp_path, scenario):
    import pandas as pd

    from smilekit.telemetry.link import GilbertElliott, transmit
    from smilekit.telemetry.onboard import simulate_memory

    batch = scenario.batch
    t = scenario.correlation.utc_from_obt(batch.ticks // 65536, batch.ticks % 65536)[0]
    size = np.array([len(p) for p in batch.packets])
    source = np.where(batch.apid == 0x12C, "LIA", np.where(batch.apid == 0x64, "HK", "MAG"))
    mid = t[len(t) // 2]
    end = t[-1] + np.timedelta64(60, "s")
    contacts = pd.DataFrame(
        {"start": [mid, end], "end": [mid + np.timedelta64(60, "s"), end + np.timedelta64(60, "s")]}
    )
    memory = simulate_memory(t, size, source, contacts, downlink_rate=1 * u.Mbit / u.s)
    link = transmit(batch.packets, memory, rng=4, channel=GilbertElliott.from_loss_rate(0.05, 3.0),
                    bit_error_rate=2e-5)  # fmt: skip
    fate = link.packet_fate()["fate"].values
    assert (fate == "lost").sum() > 0 and (fate == "corrupted").sum() > 0
    write_l0(tmp_path / "l0", scenario, streams=[])
    link.write(tmp_path / "l0")
    summary = process(tmp_path / "l0", tmp_path / "out")
    got = fate == "received"
    # MAG: the samples of each packet not received, between the first and the last received MAG packet
    mag = np.flatnonzero(batch.apid == np.unique(batch.apid[source == "MAG"])[0])
    received = got[mag]
    per = 32
    times = scenario.raw["time"].values
    lost_times = []
    for j in range(np.flatnonzero(received)[0], np.flatnonzero(received)[-1]):
        if not received[j]:
            lost_times.append(times[j * per : (j + 1) * per])
    lost_times = np.concatenate(lost_times)
    l1 = _read(tmp_path / "out", "smile_mag_l1_*", read_mag_l1)
    l2 = _read(tmp_path / "out", "smile_mag_l2_*", read_mag_l2)
    flagged = l1["time"].values[(l1["flag_inboard"].values & MAG_L1_LOST) > 0]
    np.testing.assert_array_equal(flagged, lost_times)
    np.testing.assert_array_equal(l2["time"].values[(l2["quality"].values & MAG_L2_LOST) > 0], lost_times)
    assert np.isnan(l2["b_gse"].values[(l2["quality"].values & MAG_L2_LOST) > 0]).all()
    assert summary["mag"]["lost_vectors"] == lost_times.size
    # the vectors received are the simulator's, bit for bit
    ref = make_l1(scenario.raw, scenario.config)
    kept = ~np.isin(l1["time"].values, lost_times)
    ref_kept = ref.sel(time=l1["time"].values[kept])
    np.testing.assert_array_equal(l1["b_inboard"].values[kept], ref_kept["b_inboard"].values)
    # LIA: a distribution with a part not received is flagged (none of its moments), one fully lost absent
    lia = np.flatnonzero(source == "LIA")
    parts = 8
    dist_got = got[lia].reshape(-1, parts)
    l2_lia = _read(tmp_path / "out", "smile_lia_l2_*", read_lia_l2)
    lia_times = scenario.counts["time"].values
    present = dist_got.any(axis=1)
    np.testing.assert_array_equal(l2_lia["time"].values, lia_times[present])
    partial = (~dist_got.all(axis=1))[present]
    np.testing.assert_array_equal((l2_lia["quality_flag"].values & LIA_LOST) > 0, partial)
    assert np.isnan(l2_lia["density_p"].values[partial]).all()
    # the corrupted packets are bad regions in the summary (adjacent ones merge into one region)
    assert 0 < len(summary["bad_regions"]) <= (fate == "corrupted").sum()
    lost_mag = summary["losses"]["mag_vectors"]["missing"]
    assert lost_mag == (~received[np.flatnonzero(received)[0] : np.flatnonzero(received)[-1]]).sum()


def test_lia_moments_in_blocks_are_the_moments_at_once(clean, scenario, tmp_path, monkeypatch):
    """A pass's distributions are made into L1 and L2 a block at a time (bounded memory): blocks of 4 give
    more files and the same L2 as the default block, which holds this whole scenario."""
    from smilekit.pipeline import processing

    root, _ = clean
    monkeypatch.setattr(processing, "DISTRIBUTIONS_PER_BLOCK", 4)
    write_l0(tmp_path / "l0", scenario)
    process(tmp_path / "l0", tmp_path / "out")
    assert len(list((tmp_path / "out").glob("smile_lia_l2_*"))) > len(
        list((root / "out").glob("smile_lia_l2_*"))
    )
    blocked = _read(tmp_path / "out", "smile_lia_l2_*_v01.cdf", read_lia_l2)
    whole = _read(root / "out", "smile_lia_l2_*_v01.cdf", read_lia_l2)
    assert blocked.sizes["time"] > 8
    for name in whole.data_vars:
        np.testing.assert_array_equal(blocked[name].values, whole[name].values, err_msg=name)


def test_passes_decoded_in_small_segments_give_the_same_data(clean, scenario, tmp_path, monkeypatch):
    """Each pass file decoded in segments of a few packets (iter_l0; a real pass can hold an orbit): more
    MAG L1 files, the same vectors, the same LIA moments, nothing counted lost."""
    from smilekit.telemetry import l0 as l0_module

    root, summary = clean
    monkeypatch.setattr(l0_module, "SEGMENT_OCTETS", 3000)
    write_l0(tmp_path / "l0", scenario)
    again = process(tmp_path / "l0", tmp_path / "out")
    assert len(list((tmp_path / "out").glob("smile_mag_l1_*"))) > 2 * len(
        list((root / "out").glob("smile_mag_l1_*"))
    )
    assert again["files"] == summary["files"] and again["gaps"] == [] and again["mag"]["lost_vectors"] == 0
    for pattern, reader in (("smile_mag_l1_*", read_mag_l1), ("smile_mag_l2_*", read_mag_l2),
                            ("smile_lia_l2_*", read_lia_l2)):  # fmt: skip
        a, b = _read(tmp_path / "out", pattern, reader), _read(root / "out", pattern, reader)
        for name in b.data_vars:
            # GSM: the angle is interpolated on a grid from each product's first sample (1e-6 rad)
            atol = 1e-6 * 40.0 if name == "b_gsm" else 1e-9
            np.testing.assert_allclose(a[name].values, b[name].values, rtol=0, atol=atol, equal_nan=True,
                                       err_msg=f"{pattern} {name}")  # fmt: skip
