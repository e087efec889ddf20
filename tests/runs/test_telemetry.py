"""``smilekit run --telemetry``: the run's packets through the memory, a faulty downlink and the pipeline.

One run of the command on six hours of the default event (the shared ``short_event``, as a CSV), with the
link's faults raised so that every instrument loses something. Checked against the truth the run writes
(``downlink_packets.csv``: what became of each packet) and against the products the stages made in memory:
the pipeline's MAG L1 vectors are the simulator's bit for bit where nothing was lost and flagged exactly
where a packet did not arrive in time, the SXI events and UVI images likewise; every instrument has its
L1, L2 (and L3 for the imagers); ``smilekit process OUT/l0`` makes the same products again.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy.io import fits
from typer.testing import CliRunner

from smilekit.cli import app
from smilekit.pipeline.processing import MAG_L1_LOST
from smilekit.products import sxi_fits, uvi_fits
from smilekit.products.insitu_cdf import read_mag_l1
from smilekit.runs.stages.telemetry import AFTER_EVENT_H, L0_FOLDER, PACKETS_FILE, PRODUCTS_FOLDER
from smilekit.telemetry.packets import MAX_PACKET_BYTES

cdflib = pytest.importorskip("cdflib")
pd = pytest.importorskip("pandas")

CONFIG = """
[sxi]
max_frames = 1
[uvi]
max_frames = 2
[telemetry]
frame_loss_rate = 0.002
bit_error_rate = 3e-7
duplicate_rate = 0.005
delay_rate = 0.005
"""


@pytest.fixture(scope="module")
def packet_run(short_event, tmp_path_factory):
    root = tmp_path_factory.mktemp("telemetry")
    sw_file, config = root / "event.csv", root / "settings.toml"
    short_event.to_dataframe(derived_quantities=False).to_csv(sw_file)
    config.write_text(CONFIG)
    out = root / "out"
    result = CliRunner().invoke(
        app, ["run", "--solar-wind", str(sw_file), "--config", str(config), "--out", str(out), "--telemetry"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    packets = pd.read_csv(out / PACKETS_FILE, parse_dates=["generated"])
    return out, summary, packets


def _products(out, pattern):
    return sorted((out / PRODUCTS_FOLDER).glob(pattern))


def test_every_instrument_is_made_from_the_packets(packet_run):
    out, summary, packets = packet_run
    stage = summary["stages"]["telemetry"]
    assert stage["status"] == "ok"
    for pattern in ("mag_l1", "mag_l2", "lia_l1", "lia_l2", "sxi_l1", "sxi_l2", "sxi_l3", "uvi_l1", "uvi_l2",
                    "uvi_l3"):  # fmt: skip
        assert _products(out, f"smile_{pattern}_*_v01.*"), pattern
    assert sorted(stage["products"]) == sorted(p.name for p in (out / PRODUCTS_FOLDER).glob("smile_*"))
    assert (out / "downlink.png").stat().st_size > 10_000
    # the volume and the fate of every packet add up
    per = stage["per_instrument"]
    assert set(per) == {"HK", "MAG", "LIA", "SXI", "UVI", "all"}
    assert per["all"]["packets"] == stage["packets"] == len(packets)
    assert sum(per[s]["packets"] for s in ("HK", "MAG", "LIA", "SXI", "UVI")) == len(packets)
    link = stage["link"]
    assert sum(link[f"packets_{k}"] for k in ("received", "lost", "corrupted", "not_sent")) == len(packets)
    assert link["packets_lost"] > 0 and link["duplicates_sent"] > 0 and link["delayed_to_next_contact"] > 0
    assert (packets["octets"] <= MAX_PACKET_BYTES).all()
    # latency: positive, within the event plus the orbits after it whose contacts play the memory back
    latency_h = packets["latency_s"].dropna() / 3600.0
    assert latency_h.min() > 0 and latency_h.max() < 6 + AFTER_EVENT_H
    assert per["all"]["latency_max_h"] == pytest.approx(latency_h.max())
    assert (packets["memory"] == "downlinked").all()  # the default memory never fills in six hours


def test_mag_vectors_are_the_simulators_where_their_packet_arrived_and_flagged_where_not(packet_run):
    out, summary, packets = packet_run
    (direct_file,) = sorted(out.glob("smile_mag_l1_*.cdf"))  # the MAG stage's, from the simulator's memory
    direct = read_mag_l1(direct_file)
    ground = [read_mag_l1(p) for p in _products(out, "smile_mag_l1_*")]
    times = np.concatenate([g["time"].values for g in ground])
    np.testing.assert_array_equal(times, direct["time"].values)  # lost vectors come back as flagged fill
    lost = np.concatenate([(g["flag_inboard"].values & MAG_L1_LOST) > 0 for g in ground])
    for sensor in ("inboard", "outboard"):
        b = np.concatenate([g[f"b_{sensor}"].values for g in ground])
        np.testing.assert_array_equal(b[~lost], direct[f"b_{sensor}"].values[~lost])  # bit for bit
    # the flagged vectors are exactly those of the MAG packets that did not arrive in their own contact
    # (32 vectors a packet, in time order; vectors after the last packet received cannot be seen lost)
    mag = packets[packets["source"] == "MAG"].reset_index(drop=True)
    expected = np.repeat(~mag["on_time"].to_numpy(), 32)[: times.size]
    last = np.flatnonzero(mag["on_time"].to_numpy())[-1]
    expected[(last + 1) * 32 :] = lost[(last + 1) * 32 :]
    assert expected.sum() > 0
    np.testing.assert_array_equal(lost, expected)
    assert summary["stages"]["telemetry"]["ground"]["mag"]["lost_vectors"] == lost.sum()


def test_sxi_events_and_uvi_images_match_the_simulators_or_say_what_was_lost(packet_run):
    out, summary, _ = packet_run
    ground = summary["stages"]["telemetry"]["ground"]
    lossy = {e["product"] for e in ground["sxi"]["lossy_exposures"]}
    for path in _products(out, "smile_sxi_l1_events_*"):
        direct = sxi_fits.read_l1(out / "sxi" / path.name)
        back = sxi_fits.read_l1(path)
        if path.name in lossy:
            assert len(back) < len(direct)
            continue
        assert len(back) == len(direct) > 0
        for name in ("TIME", "RAWX", "RAWY", "CCDNR", "PI"):
            np.testing.assert_array_equal(back.columns[name], direct.columns[name])
    assert ground["sxi"]["exposures"] == len(_products(out, "smile_sxi_l1_events_*"))
    missing = {e["product"]: e["missing_rows"] for e in ground["uvi"]["lossy_images"]}
    for path in _products(out, "smile_uvi_l1_images_*"):
        direct = uvi_fits.read_l1(out / "uvi" / path.name)
        back = uvi_fits.read_l1(path)
        lost_rows = np.isnan(back["brightness"].values).all(axis=1) & ~np.isnan(
            direct["brightness"].values
        ).all(axis=1)
        assert lost_rows.sum() == missing.get(path.name, 0)
        keep = ~lost_rows
        np.testing.assert_allclose(back["rate"].values[keep], direct["rate"].values[keep], rtol=0, atol=0)


def _same_data(a, b) -> None:
    if a.suffix == ".cdf":
        x, y = cdflib.CDF(str(a)), cdflib.CDF(str(b))
        names = x.cdf_info().zVariables
        assert names == y.cdf_info().zVariables
        for name in names:
            np.testing.assert_array_equal(x.varget(name), y.varget(name), err_msg=f"{a.name} {name}")
    elif a.suffix == ".png":  # a quick-look: the same picture of the same data
        from PIL import Image

        with Image.open(a) as x, Image.open(b) as y:
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y), err_msg=a.name)
    else:
        with fits.open(a) as x, fits.open(b) as y:
            assert len(x) == len(y)
            for hx, hy in zip(x, y, strict=True):
                if hx.data is not None:
                    np.testing.assert_array_equal(hx.data, hy.data, err_msg=f"{a.name} {hx.name}")


def test_processing_the_runs_l0_again_gives_the_same_products(packet_run, tmp_path):
    out, _, _ = packet_run
    result = CliRunner().invoke(app, ["process", str(out / L0_FOLDER), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in (out / PRODUCTS_FOLDER).glob("smile_*"))
    assert sorted(p.name for p in tmp_path.glob("smile_*")) == made
    for name in made:
        _same_data(out / PRODUCTS_FOLDER / name, tmp_path / name)
