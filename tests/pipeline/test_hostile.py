"""The pipeline given bad input: a clear project error naming the file, or a recorded loss, never silence."""

from __future__ import annotations

import json

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from smilekit.cli import app
from smilekit.errors import InputError
from smilekit.instruments.mag import make_l1
from smilekit.pipeline import (
    ProcessingSettings,
    process,
    read_mag_calibration,
    read_settings,
    read_time_correlation,
    write_settings,
    write_time_correlation,
)
from smilekit.pipeline.processing import MAG_L2_NO_ATTITUDE
from smilekit.products.insitu_cdf import read_mag_l1, read_mag_l2
from smilekit.telemetry import TimeCorrelation

from .conftest import write_l0


def test_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "l0").mkdir()
    with pytest.raises(InputError, match=r"holds no packet files \(\*\.bin\)"):
        process(tmp_path / "l0", tmp_path / "out")
    with pytest.raises(InputError, match="is not a folder"):
        process(tmp_path / "missing", tmp_path / "out")


def test_a_missing_or_malformed_calibration_names_the_file(tmp_path, scenario):
    write_l0(tmp_path / "l0", scenario)
    cal = tmp_path / "l0" / "mag_calibration.json"
    content = json.loads(cal.read_text())
    cal.unlink()
    with pytest.raises(InputError, match=r"mag_calibration\.json: the MAG calibration file is missing"):
        process(tmp_path / "l0", tmp_path / "out")
    cal.write_text("{not json")
    with pytest.raises(InputError, match=r"mag_calibration\.json: .* cannot be read as JSON"):
        read_mag_calibration(cal)
    content["scale"] = [[1.0, 1.0], [1.0, 1.0]]
    cal.write_text(json.dumps(content))
    with pytest.raises(InputError, match=r"mag_calibration\.json: 'scale' must have shape \(2, 3\)"):
        read_mag_calibration(cal)
    content["scale"] = [[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]]
    cal.write_text(json.dumps(content))
    with pytest.raises(InputError, match=r"mag_calibration\.json: not a valid MAG calibration: scale"):
        read_mag_calibration(cal)
    assert not (tmp_path / "out").exists()  # refused before any work


def test_a_malformed_time_correlation_names_the_file(tmp_path):
    path = tmp_path / "time_correlation.json"
    path.write_text(
        json.dumps({"obt_s": [10.0, 5.0], "utc": ["2026-01-01", "2026-01-02"], "gradient": [1, 1]})
    )
    with pytest.raises(InputError, match=r"time_correlation\.json: not a valid time-correlation table"):
        read_time_correlation(path)
    path.write_text(json.dumps({"obt_s": [10.0], "utc": ["2026-01-01", "2026-01-02"], "gradient": [1]}))
    with pytest.raises(InputError, match=r"time_correlation\.json: 'utc' must be a list of 1"):
        read_time_correlation(path)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="must hold a JSON object"):
        read_time_correlation(path)


def test_the_time_correlation_round_trips(tmp_path):
    tct = TimeCorrelation([1.0e8, 1.0e8 + 86400.0] * u.s, ["2026-03-20T00:00", "2026-03-21T00:00:00.000123"],
                          [1.0 + 2e-7, 1.0 - 3e-7])  # fmt: skip
    back = read_time_correlation(write_time_correlation(tmp_path / "t.json", tct))
    coarse = np.arange(int(1.0e8) - 100, int(1.0e8) + 200000, 997)
    np.testing.assert_array_equal(back.utc_from_obt(coarse, 123)[0], tct.utc_from_obt(coarse, 123)[0])
    np.testing.assert_array_equal(back.gradient, tct.gradient)


def test_the_calibration_round_trips_bit_for_bit(tmp_path, scenario):
    write_l0(tmp_path, scenario)
    back = read_mag_calibration(tmp_path / "mag_calibration.json")
    for a, b in zip(back.values, scenario.calibration.values, strict=True):
        np.testing.assert_array_equal(a, b)


def test_settings_are_checked(tmp_path):
    path = write_settings(tmp_path / "processing.json", ProcessingSettings(lia_field_window_s=8.0))
    assert read_settings(path).lia_field_window_s == 8.0
    path.write_text(json.dumps({"lia_window": 3}))
    with pytest.raises(InputError, match=r"processing\.json: unknown settings \['lia_window'\]"):
        read_settings(path)
    with pytest.raises(InputError, match="lia_alpha_temperature_ratio must be >= 0"):
        ProcessingSettings(lia_alpha_temperature_ratio=-1.0)


def test_garbage_and_truncated_files_are_recorded_and_the_rest_processed(tmp_path, scenario):
    paths = write_l0(tmp_path / "l0", scenario)
    rng = np.random.default_rng(1)
    (tmp_path / "l0" / "smile_tm_contact_0002.bin").write_bytes(
        rng.integers(0, 256, 5000, np.uint8).tobytes()
    )
    (tmp_path / "l0" / "smile_tm_contact_0003.bin").write_bytes(b"")
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) - 37])  # the second pass cut short inside its last packet
    summary = process(tmp_path / "l0", tmp_path / "out")
    bad_files = {b["file"] for b in summary["bad_regions"]}
    assert {
        "smile_tm_contact_0001.bin",
        "smile_tm_contact_0002.bin",
        "smile_tm_contact_0003.bin",
    } <= bad_files
    cut = [b for b in summary["bad_regions"] if b["file"] == "smile_tm_contact_0001.bin"]
    assert cut[0]["offset"] > 0 and "past the end" in cut[0]["reason"]
    # everything but the truncated last packet is processed, bit for bit
    l1 = [read_mag_l1(p) for p in sorted((tmp_path / "out").glob("smile_mag_l1_*"))]
    ref = make_l1(scenario.raw, scenario.config)
    n = sum(x.sizes["time"] for x in l1)
    assert n >= ref.sizes["time"] - 32
    np.testing.assert_array_equal(l1[0]["b_inboard"].values, ref["b_inboard"].values[: l1[0].sizes["time"]])


def test_without_housekeeping_mag_l1_is_kept_and_the_l2_loss_recorded(tmp_path, scenario):
    b = scenario.batch
    keep = b.apid != 0x64  # no HK packets
    assert (~keep).sum() > 0
    stream = b"".join(p for p, k in zip(b.packets, keep, strict=True) if k)
    write_l0(tmp_path / "l0", scenario, streams=[stream])
    summary = process(tmp_path / "l0", tmp_path / "out")
    assert len(list((tmp_path / "out").glob("smile_mag_l1_*"))) == 1
    assert not list((tmp_path / "out").glob("smile_mag_l2_*"))
    assert summary["mag"]["no_attitude_vectors"] == scenario.raw.sizes["time"]
    assert any("no attitude" in e["error"] for e in summary["errors"])
    assert summary["lia"]["no_field_distributions"] == summary["lia"]["distributions"] > 0


def test_vectors_beyond_the_last_attitude_are_flagged(tmp_path, scenario):
    b = scenario.batch
    hk_times = np.flatnonzero(b.apid == 0x64)
    drop = set(hk_times[-6:])  # the last minute of housekeeping lost
    stream = b"".join(p for i, p in enumerate(b.packets) if i not in drop)
    write_l0(tmp_path / "l0", scenario, streams=[stream])
    process(tmp_path / "l0", tmp_path / "out")
    parts = [read_mag_l2(p) for p in sorted((tmp_path / "out").glob("smile_mag_l2_*"))]
    l2 = xr.concat(parts, dim="time", combine_attrs="drop")
    assert l2.sizes["time"] == scenario.raw.sizes["time"]
    flagged = (l2["quality"].values & MAG_L2_NO_ATTITUDE) > 0
    assert flagged.sum() > 0 and np.isnan(l2["b_gse"].values[flagged]).all()
    assert np.isfinite(l2["b_gse"].values[~flagged]).all()
    assert l2["time"].values[flagged].min() > l2["time"].values[~flagged].max()


def test_the_command_line(tmp_path, scenario):
    write_l0(tmp_path / "l0", scenario)
    runner = CliRunner()
    result = runner.invoke(app, ["process", str(tmp_path / "l0"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "mag l1 vectors" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["mag"]["l1_vectors"] == scenario.raw.sizes["time"]
    result = runner.invoke(app, ["process", str(tmp_path / "nothing"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_a_replayed_pass_is_counted_late_and_changes_nothing(tmp_path, scenario):
    b = scenario.batch
    half = len(b) // 2
    first, second = b"".join(b.packets[:half]), b"".join(b.packets[half:])
    write_l0(tmp_path / "l0", scenario, streams=[first, first[: len(first) // 3] + second])
    summary = process(tmp_path / "l0", tmp_path / "out")
    late = summary["late_packets"]
    assert sum(late.values()) > 0 and summary["mag"]["lost_vectors"] == 0
    l1 = xr.concat([read_mag_l1(p) for p in sorted((tmp_path / "out").glob("smile_mag_l1_*"))], dim="time")
    ref = make_l1(scenario.raw, scenario.config)
    np.testing.assert_array_equal(l1["time"].values, ref["time"].values)
    np.testing.assert_array_equal(l1["b_outboard"].values, ref["b_outboard"].values)


def test_a_time_correlation_jump_flags_the_samples_converted_next_to_it(tmp_path, scenario):
    from smilekit.pipeline.processing import MAG_L1_TIME, MAG_L2_TIME

    write_l0(tmp_path / "l0", scenario)
    ideal = TimeCorrelation.ideal()
    t = scenario.raw["time"].values
    coarse, _ = ideal.obt_from_utc(t[[0, 200, 600]])
    rows = coarse - np.array([1000, 0, 0])
    utc = ideal.utc_from_obt(rows)[0]
    utc[2] += np.timedelta64(20, "ms")  # the third row is 20 ms off the second's prediction: a jump
    tct = TimeCorrelation(rows.astype(float) * u.s, utc)
    assert [j["row"] for j in tct.jumps] == [2]
    write_time_correlation(tmp_path / "l0" / "time_correlation.json", tct)
    summary = process(tmp_path / "l0", tmp_path / "out")
    assert summary["time_correlation_jumps"] == tct.jumps
    l1 = xr.concat([read_mag_l1(p) for p in sorted((tmp_path / "out").glob("smile_mag_l1_*"))], dim="time")
    # expected: the samples of every packet whose time falls in the rows on either side of the jump (from
    # the second row on); the packet's time is its first sample's (32 a packet)
    packet_start = ideal.obt_from_utc(t[(np.arange(t.size) // 32) * 32])[0]
    expected = packet_start >= rows[1]
    assert 0 < expected.sum() < t.size
    np.testing.assert_array_equal((l1["flag_inboard"].values & MAG_L1_TIME) > 0, expected)
    assert summary["mag"]["time_flagged_vectors"] == expected.sum()
    l2 = xr.concat([read_mag_l2(p) for p in sorted((tmp_path / "out").glob("smile_mag_l2_*"))], dim="time")
    np.testing.assert_array_equal((l2["quality"].values & MAG_L2_TIME) > 0, expected)
    # after the jump the times are the telemetry's (20 ms later than the simulator's)
    assert l1["time"].values[-1] - t[-1] == np.timedelta64(20, "ms")
