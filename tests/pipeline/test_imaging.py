"""SXI and UVI through the pipeline: simulate -> packets -> pass files -> process -> L1/L2 FITS.

A 60-s SXI exposure and one 60-s UVI frame along the science orbit, with housekeeping at 10 s and the
orbit as ``ephemeris.cdf``. The products read back equal the in-memory chains run on the same L0
(:func:`~smilekit.instruments.sxi.l1.event_list_from_telemetry`, :func:`~smilekit.instruments.uvi.make_l1`)
and the telemetered SXI columns equal the simulator's; without the ephemeris both are skipped and the
summary says so; losses are counted.
"""

from __future__ import annotations

import types

import astropy.units as u
import numpy as np
import pytest
import xarray as xr
from astropy.io import fits

from smilekit.errors import InputError
from smilekit.instruments.mag import ground_calibration
from smilekit.instruments.mag.config import MAGConfig
from smilekit.instruments.sxi import event_list_from_telemetry, simulate_events
from smilekit.instruments.sxi import make_l2 as sxi_make_l2
from smilekit.instruments.uvi import image_from_telemetry, make_l1, make_l2, simulate_image
from smilekit.instruments.uvi.sky import model_sky, shell_geometry
from smilekit.mission.fov import UVI
from smilekit.mission.orbit import kepler_track, sample_times, science_orbit
from smilekit.mission.pointing import attitude
from smilekit.pipeline import EPHEMERIS_FILE, process, write_mag_calibration, write_time_correlation
from smilekit.products import sxi_fits, uvi_fits
from smilekit.products.ephemeris import write_ephemeris_cdf
from smilekit.products.provenance import read_provenance
from smilekit.telemetry import Packetiser, TimeCorrelation, housekeeping, merge
from smilekit.telemetry import depacketise as dp
from smilekit.telemetry.l0 import read_l0
from smilekit.telemetry.layouts import APID
from smilekit.units import RAYLEIGH

START = np.datetime64("2026-03-21T06:00:00", "ns")
STEP_S = 10
SXI_START_S, UVI_START_S, EXPOSURE_S = 20, 90, 60


def _ring(mlat, mlt, lat, lon, zenith):
    """A 1 kR ring at 65-75 deg MLAT on a 100 R floor."""
    return (100.0 + np.where(np.abs(mlat.to_value(u.deg) - 70.0) < 5.0, 1000.0, 0.0)) * RAYLEIGH


@pytest.fixture(scope="module")
def imaging():
    times = sample_times(str(START), str(START + np.timedelta64(180, "s")), STEP_S * u.s, include_stop=True)
    track = kepler_track(science_orbit("2026-03-20"), times)
    att = attitude(track, [10.0, 0.0, 0.0] * u.Unit("RE"))
    tl = types.SimpleNamespace(
        time=times, mode=np.full(times.size, "FSM"), sxi_shutter_open=np.ones(times.size, bool)
    )
    pos = track.position("GSE")
    sky = xr.DataArray(np.full((16, 27), 2.0), dims=("v", "u"),
                       coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                       attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
    k_sxi = SXI_START_S // STEP_S
    sim = simulate_events(sky, EXPOSURE_S * u.s, start=str(times[k_sxi]), rotation=att.rotation[k_sxi],
                          sc_position=pos[k_sxi], rng=3)  # fmt: skip
    k_uvi = UVI_START_S // STEP_S
    frame = UVI.frame_values(att.rotation[k_uvi][None], att.uvi_boresight_gse[k_uvi][None])[0]
    g = shell_geometry(pos[k_uvi], frame, times[k_uvi])
    img = simulate_image(model_sky(None, None, None, _ring, geometry=g), EXPOSURE_S * u.s, 4)
    p = Packetiser(TimeCorrelation.ideal())
    sxi, uvi = p.sxi(sim), p.uvi(img)
    batch = merge(sxi, uvi, p.hk(housekeeping(att, tl)))
    return types.SimpleNamespace(track=track, att=att, sim=sim, img=img, sxi=sxi, uvi=uvi, batch=batch)


def _write(folder, s, *, ephemeris=True, drop=()):
    """Auxiliary files and two pass files (halves of the packets, without those ``drop`` names)."""
    folder.mkdir(parents=True)
    write_time_correlation(folder / "time_correlation.json", TimeCorrelation.ideal())
    write_mag_calibration(folder / "mag_calibration.json", ground_calibration(MAGConfig(), 5))
    if ephemeris:
        write_ephemeris_cdf(folder / EPHEMERIS_FILE, s.track, attitude=s.att)
    gone = {id(x) for x in drop}
    packets = [x for x in s.batch.packets if id(x) not in gone]
    half = len(packets) // 2
    for k, part in enumerate((packets[:half], packets[half:])):
        (folder / f"smile_tm_contact_{k:04d}.bin").write_bytes(b"".join(part))
    return sorted(folder.glob("*.bin"))


def _reference(files, s):
    """The in-memory chains on the same L0: SXI L1, UVI DN image and geometry."""
    l0 = read_l0(files)
    h = dp.hk(l0)
    pos = s.track.position("GSE")
    k_sxi = (SXI_START_S + EXPOSURE_S // 2) // STEP_S  # the exposures' middles are ephemeris samples
    k_uvi = (UVI_START_S + EXPOSURE_S // 2) // STEP_S
    events, frames = dp.sxi_events(l0)
    ev, table = event_list_from_telemetry(events, frames, h, pos[k_sxi])
    b = s.att.uvi_boresight_gse[k_uvi]
    (raw,) = dp.uvi_images(l0)
    dn, g = image_from_telemetry(raw, h, pos[k_uvi], uvi_boresight_gse=b / np.linalg.norm(b))
    return ev, table, dn, g


@pytest.fixture(scope="module")
def clean(tmp_path_factory, imaging):
    root = tmp_path_factory.mktemp("imaging")
    files = _write(root / "l0", imaging)
    return root / "out", process(root / "l0", root / "out"), _reference(files, imaging)


def _one(out, pattern):
    (path,) = sorted(out.glob(pattern))
    return path


def test_sxi_l1_is_event_list_from_telemetry_and_the_simulators_columns(clean, imaging):
    out, summary, (ev, _, _, _) = clean
    back = sxi_fits.read_l1(_one(out, "smile_sxi_l1_events_20260321T060020_v01.fits"))
    assert len(back) == len(ev) == len(imaging.sim) > 1000
    assert set(back.columns) == set(ev.columns)
    for name, col in ev.columns.items():
        np.testing.assert_array_equal(back.columns[name], col)
    np.testing.assert_array_equal(back.gti, ev.gti)
    np.testing.assert_allclose(back.sc_position_gse_re, ev.sc_position_gse_re, rtol=0, atol=1e-12)
    for name in ("TIME", "RAWX", "RAWY", "CCDNR", "PI"):  # telemetered: the simulator's, bit for bit
        np.testing.assert_array_equal(back.columns[name], imaging.sim.columns[name])
    s = summary["sxi"]
    assert s["exposures"] == 1 and s["events"] == len(ev) and s["frames_lost"] == 0
    assert "skipped" not in s and summary["errors"] == []


def test_sxi_l2_is_make_l2_with_the_fitted_background(clean):
    out, _, (ev, _, _, _) = clean
    path = _one(out, "smile_sxi_l2_images_20260321T060020_v01.fits")
    l2 = sxi_fits.read_l2(path)
    ref = sxi_make_l2(ev, background="fitted")
    np.testing.assert_array_equal(l2["counts"].values, ref["counts"].values)
    np.testing.assert_allclose(l2["background"].values, ref["background"].values, rtol=1e-6)
    parents = read_provenance(path).inputs
    assert "smile_sxi_l1_events_20260321T060020_v01.fits" in parents and EPHEMERIS_FILE in parents


def test_uvi_l1_l2_are_the_in_memory_chain(clean):
    out, summary, (_, _, dn, g) = clean
    ref1 = make_l1(dn)
    l1 = uvi_fits.read_l1(_one(out, "smile_uvi_l1_images_20260321T060130_v01.fits"))
    for k in ("rate", "rate_err", "brightness", "brightness_err"):
        np.testing.assert_allclose(l1[k].values, ref1[k].values, rtol=1e-6, equal_nan=True)
    for k in ("sc_position_gse_re", "boresight_gse", "x_axis_gse"):  # the ephemeris's and the HK's
        np.testing.assert_allclose(l1.attrs[k], ref1.attrs[k], rtol=0, atol=1e-12)
    ref2 = make_l2(ref1, g)
    l2 = uvi_fits.read_l2(_one(out, "smile_uvi_l2_images_20260321T060130_v01.fits"))
    np.testing.assert_array_equal(l2["n_pixels"].values, ref2["n_pixels"].values)
    np.testing.assert_allclose(l2["brightness"].values, ref2["brightness"].values, rtol=1e-6, equal_nan=True)
    assert summary["uvi"]["images"] == 1 and summary["uvi"]["missing_rows"] == 0


def test_without_ephemeris_sxi_and_uvi_are_skipped_and_recorded(tmp_path, imaging):
    _write(tmp_path / "l0", imaging, ephemeris=False)
    summary = process(tmp_path / "l0", tmp_path / "out")
    assert not list((tmp_path / "out").glob("smile_sxi_*")) and not list(
        (tmp_path / "out").glob("smile_uvi_*")
    )
    for chain, what in (("sxi", "skipped_exposures"), ("uvi", "skipped_images")):
        assert EPHEMERIS_FILE in summary[chain]["skipped"] and summary[chain][what] == 1


def test_losses_are_counted_and_reprocessing_writes_v02(tmp_path, imaging):
    events = np.flatnonzero(imaging.sxi.apid == APID["sxi_events"])
    drop = [imaging.sxi.packets[int(events[len(events) // 2])], imaging.uvi.packets[13]]
    files = _write(tmp_path / "l0", imaging, drop=drop)
    summary = process(tmp_path / "l0", tmp_path / "out")
    ev, table, dn, _ = _reference(files, imaging)
    assert summary["sxi"]["frames_lost"] == table.attrs["frames_lost"] == 1
    assert summary["sxi"]["events"] == len(ev) < len(imaging.sim)
    assert summary["uvi"]["missing_rows"] == dn.attrs["missing_rows"] > 0
    (sxi_loss,) = summary["sxi"]["lossy_exposures"]
    assert sxi_loss["frames_lost"] == 1 and sxi_loss["events_dropped"] == table.attrs["events_dropped"]
    (uvi_loss,) = summary["uvi"]["lossy_images"]
    assert uvi_loss["missing_rows"] == dn.attrs["missing_rows"] and uvi_loss["product"].endswith("_v01.fits")
    with fits.open(tmp_path / "out" / sxi_loss["product"]) as hdul:
        assert hdul["EVENTS"].header["FRMLOST"] == 1
        assert hdul["EVENTS"].header["EVTDROP"] == table.attrs["events_dropped"]
    l1 = uvi_fits.read_l1(_one(tmp_path / "out", "smile_uvi_l1_*_v01.fits"))
    assert np.isnan(l1["brightness"].values[~dn["valid"].values]).all()
    again = process(tmp_path / "l0", tmp_path / "out")
    assert len(again["products"]) == 6 and all(n.endswith("_v02.fits") for n in again["products"][:4])
    assert {n[:15] for n in again["products"][4:]} == {"smile_sxi_l3_bo", "smile_uvi_l3_bo"}
    assert len(list((tmp_path / "out").glob("smile_sxi_l1_*_v0[12].fits"))) == 2


def test_a_bad_ephemeris_file_is_refused_naming_it(tmp_path, imaging):
    _write(tmp_path / "l0", imaging, ephemeris=False)
    (tmp_path / "l0" / EPHEMERIS_FILE).write_bytes(b"not a cdf")
    with pytest.raises(InputError, match=EPHEMERIS_FILE):
        process(tmp_path / "l0", tmp_path / "out")


def test_command_line_reports_the_imagers(tmp_path, imaging):
    from typer.testing import CliRunner

    from smilekit.cli import app

    _write(tmp_path / "l0", imaging, ephemeris=False)
    result = CliRunner().invoke(app, ["process", str(tmp_path / "l0"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "sxi skipped exposures" in result.output and "uvi skipped images" in result.output


def test_an_exposure_outside_the_ephemeris_is_skipped_and_named(tmp_path, imaging):
    _write(tmp_path / "l0", imaging, ephemeris=False)
    short = kepler_track(science_orbit("2026-03-20"), imaging.track.time[:7])  # 0 to 60 s: SXI, not UVI
    write_ephemeris_cdf(tmp_path / "l0" / EPHEMERIS_FILE, short)
    summary = process(tmp_path / "l0", tmp_path / "out")
    assert summary["sxi"]["exposures"] == 1 and summary["uvi"]["skipped_images"] == 1
    (error,) = summary["errors"]
    assert error["chain"] == "uvi" and "outside the time span" in error["error"]
    assert not list((tmp_path / "out").glob("smile_uvi_*"))


def test_a_replayed_pass_is_counted_late_not_processed_again(tmp_path, imaging):
    _write(tmp_path / "l0", imaging)
    replay = imaging.sxi.packets + imaging.uvi.packets  # every imaging packet once more, in a third pass
    (tmp_path / "l0" / "smile_tm_contact_0002.bin").write_bytes(b"".join(replay))
    summary = process(tmp_path / "l0", tmp_path / "out")
    assert summary["sxi"]["exposures"] == 1 and summary["sxi"]["events"] == len(imaging.sim)
    assert summary["sxi"]["untimed_events"] == 0 and summary["uvi"]["images"] == 1
    assert sum(summary["late_packets"].values()) == len(replay)
    assert len(summary["products"]) == 6 and summary["errors"] == []  # L1, L2 of each; the two L3


def test_l3_files_hold_the_retrievals_of_the_l2_images(clean):
    """The SXI L3 record is every method run on the L2 file as read back (no solar wind in this L0
    folder: no priors), the UVI L3 record the image boundaries and power of its L2; provenance names the
    L2 products."""
    cdflib = pytest.importorskip("cdflib")
    from smilekit.science.aurora import image_boundaries, image_hemispheric_power
    from smilekit.science.magnetopause import METHODS

    out, summary, _ = clean
    assert summary["sxi"]["l3_images"] == 1 and summary["uvi"]["l3_images"] == 1
    sxi_l2 = _one(out, "smile_sxi_l2_images_*_v01.fits")
    path = _one(out, "smile_sxi_l3_boundaries_20260321T060020_v01.cdf")
    assert sxi_l2.name in read_provenance(path).inputs
    cdf = cdflib.CDF(str(path))
    l2 = sxi_fits.read_l2(sxi_l2)
    for name, method in METHODS.items():
        est = method(l2)
        r0 = est.r0.to_value("earthRad")
        want = r0 if np.isfinite(r0) else -1e31
        np.testing.assert_allclose(cdf.varget(f"r0_{name}"), [want], rtol=1e-9)
        assert (cdf.varget(f"quality_{name}")[0] & 1) == (est.status != "ok")
    uvi_l2 = _one(out, "smile_uvi_l2_images_*_v01.fits")
    path = _one(out, "smile_uvi_l3_boundaries_20260321T060130_v01.cdf")
    assert uvi_l2.name in read_provenance(path).inputs
    l2 = uvi_fits.read_l2(uvi_l2)
    b, hp = image_boundaries(l2), image_hemispheric_power(l2)
    cdf = cdflib.CDF(str(path))
    power = float(hp["electron_power"])
    want = power if np.isfinite(power) else -1e31  # ISTP fill for no value
    np.testing.assert_allclose(np.ravel(cdf.varget("hemispheric_power")), [want], rtol=1e-6)
    eq = cdf.varget("equatorward_mlat")
    want = np.where(np.isfinite(b["equatorward_mlat"].values), b["equatorward_mlat"].values, -1e31)
    np.testing.assert_allclose(np.ravel(eq), np.ravel(want), rtol=1e-6)


def test_an_exposure_that_waited_for_a_lost_frame_keeps_its_place_in_the_l3(tmp_path, imaging):
    """Two exposures; the first loses a frame header, so it waits to the end of the run and is made after
    the second: the SXI L3 still holds its records in time order."""
    cdflib = pytest.importorskip("cdflib")
    k1, k2 = SXI_START_S // STEP_S, 100 // STEP_S
    pos = imaging.track.position("GSE")
    p = Packetiser(TimeCorrelation.ideal())
    tl = types.SimpleNamespace(time=imaging.track.time, mode=np.full(len(imaging.track), "FSM"),
                               sxi_shutter_open=np.ones(len(imaging.track), bool))  # fmt: skip
    batches = []
    for k, seed in ((k1, 1), (k2, 2)):
        sim = simulate_events(_flat_sky(), EXPOSURE_S * u.s,
                              start=str(imaging.track.time[k]), rotation=imaging.att.rotation[k],
                              sc_position=pos[k], rng=seed)  # fmt: skip
        batches.append(p.sxi(sim))
    headers = np.flatnonzero(batches[0].apid == APID["sxi_frame_header"])
    lost = {id(batches[0].packets[int(headers[3])])}
    batch = merge(*batches, p.hk(housekeeping(imaging.att, tl)))
    s = types.SimpleNamespace(track=imaging.track, att=imaging.att,
                              batch=types.SimpleNamespace(packets=batch.packets))  # fmt: skip
    _write(tmp_path / "l0", s, drop=[x for x in batch.packets if id(x) in lost])
    summary = process(tmp_path / "l0", tmp_path / "out")
    assert summary["sxi"]["exposures"] == 2 and summary["sxi"]["frames_lost"] == 1
    names = [n for n in summary["products"] if n.startswith("smile_sxi_l1")]
    assert names == sorted(names, reverse=True)  # the first exposure was made last
    (l3,) = (tmp_path / "out").glob("smile_sxi_l3_*.cdf")
    epoch = cdflib.cdfepoch.to_datetime(cdflib.CDF(str(l3)).varget("Epoch"))
    assert epoch.size == 2 and epoch[0] < epoch[1]


def _flat_sky():
    return xr.DataArray(np.full((16, 27), 2.0), dims=("v", "u"),
                        coords={"v": np.arange(16) - 7.5, "u": np.arange(27) - 13.0},
                        attrs={"units": "keV cm-2 s-1 sr-1"})  # fmt: skip
