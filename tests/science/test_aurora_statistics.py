"""The model's oval boundaries over the year 2000 against a published Kp-binned auroral model.

Reference: Zhang & Paxton (2008, :cite:`zhang2008`), the Kp-dependent model of the electron energy flux
fitted to TIMED/GUVI FUV images: in each of six Kp bins (0-1.5, 1.5-3, 3-4.5, 4.5-6, 6-8, 8-10) the flux is
an Epstein function of magnetic co-latitude x = 90 - |MLAT| (deg),
A exp((x - B)/C) / (1 + exp((x - B)/D))^2, whose parameters are Fourier series in MLT to the 6th
harmonic (Appendix A, steps 1, 4, 5); the coefficients are Appendix A, Table 1
(tests/data/aurora/zhang_paxton_2008_table1.txt, provenance in tests/data/PROVENANCE.md). The oval of that
model is drawn where the flux crosses 0.25 erg cm^-2 s^-1 (Sigernes et al. 2011, :cite:`sigernes2011`),
smilekit's own :data:`~smilekit.science.aurora.ENERGY_FLUX_THRESHOLD`; so both ovals go through the same
boundary rule (:func:`~smilekit.science.aurora.field_boundaries`, 1-h MLT sectors, on OVATION's
0.5 deg x 15 min grid) and differ only in the flux model: DMSP-measured electron energy flux regressed on
the solar-wind coupling (OVATION Prime 2010, :cite:`newell2010`) against GUVI LBH-inferred energy flux
binned by Kp (ZP).
Coordinates: OVATION's grid is AACGM (:cite:`newell2009`); ZP's are magnetic latitude and MLT as the paper
gives them (AACGM, not confirmed here; AACGM and corrected geomagnetic latitudes differ by well under 1 deg
at auroral latitudes).

The comparison: OVATION Prime 2010 (:func:`~smilekit.science.aurora.model_boundaries`) driven by the shipped
OMNI2 hourly solar wind of 2000 (every 2nd hour: the medians move < 0.2 deg from the whole year's at
Kp < 6), its boundaries binned by the Kp of the same OMNI2 records (word 39, Kp x 10, read by
:func:`~smilekit.solarwind.read_omni2` as ``kp``; bins [lo, hi) at ZP's edges); the median of each Kp bin x
MLT sector against the ZP boundary of that bin (the model at its own bin's coefficients, no interpolation).

Tolerance: 2.5 deg. That is about one ZP Kp-bin step (ZP's nightside edge moves 1.5-2.7 deg from one bin to
the next at Kp < 6), i.e. agreement to the Kp resolution of the published statistics, and a half to a
quarter of the hour-to-hour spread of the model's boundaries within a bin (their interquartile range is 2-5
deg on the nightside). The medians themselves are precise to ~0.1-0.2 deg (100-1600 hours per bin).

What was found (``PYTHONPATH=src python tests/science/test_aurora_statistics.py`` prints the table):
* agree within 2.5 deg: the equatorward boundary in every sector at Kp < 6 except the two regions below;
  on the nightside (20-04 MLT) the differences are -2.0 to +2.1 deg, mean -0.6 deg (OVATION slightly
  equatorward: probably the faint diffuse aurora that DMSP's particle detectors count and LBH images barely
  show; not verified here); the nightside expansion with Kp, -1.3 deg per Kp unit against ZP's -1.4
  (Carbary 2005, :cite:`carbary2005`, abstract: about 1 deg per Kp);
* a smilekit bug found and fixed (:func:`smilekit.geospace.ovation.fill_northern_wedge`): the release's fill
  of the northern dawn/midnight data gap was missing, which left a notch at 01-03 MLT (the edge 2-3 deg
  poleward of its neighbours at Kp 4.5-8);
* disagree (strict xfails, with the measurement asserted beside them): the prenoon edge at Kp < 3 (08-12
  MLT, OVATION 2-7 deg equatorward), the noon-dusk edge at Kp 3-6 (12-20 MLT, OVATION 2-8 deg poleward), the
  storm bin Kp 6-8 (OVATION 2-12 deg poleward), and the poleward boundary everywhere (OVATION 1-4 deg
  equatorward at Kp < 3, diverging as ZP's poleward edge climbs to 84-89 deg at Kp 6-8); the reasons are in
  each test.
"""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from smilekit._data import data_path
from smilekit.science.aurora import ENERGY_FLUX_THRESHOLD, field_boundaries, model_boundaries
from smilekit.solarwind import read_omni2

TABLE = Path(__file__).parents[1] / "data" / "aurora" / "zhang_paxton_2008_table1.txt"
#: Zhang & Paxton (2008) Kp bins (Appendix A), as [lo, hi) here.
KP_EDGES = np.array([0.0, 1.5, 3.0, 4.5, 6.0, 8.0, 10.0])
KP_CENTRES = np.array([0.75, 2.25, 3.75, 5.25, 7.0, 9.0])
#: OVATION Prime 2010's grid (bin centres), the grid both models are evaluated on.
MLAT = 50.25 + 0.5 * np.arange(80)
MLT = 0.125 + 0.25 * np.arange(96)
SECTORS = np.arange(24) + 0.5
TOLERANCE = 2.5  # deg, see the module docstring
NIGHT = np.array([20.5, 21.5, 22.5, 23.5, 0.5, 1.5, 2.5, 3.5])  # 20-04 MLT
#: The sectors where the equatorward boundaries disagree beyond the tolerance, by Kp bin (see the xfails).
PRENOON = np.array([8.5, 9.5, 10.5, 11.5])  # 08-12 MLT, Kp < 3
NOON_DUSK = np.array([12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5])  # 12-20 MLT, Kp 3-6
DISAGREE = {0: PRENOON, 1: PRENOON, 2: NOON_DUSK, 3: NOON_DUSK}
STEP = 2  # every 2nd hour: the medians move < 0.2 deg from the whole year's at Kp < 6 (every 3rd: 0.5)


def read_zp_table(path=TABLE) -> np.ndarray:
    """Table 1 of Zhang & Paxton (2008): (6 Kp bins, 13 terms: const, cos 1-6, sin 1-6; A B C D)."""
    coef = np.full((6, 13, 4), np.nan)
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        k, term = int(words[0]), words[1]
        j = 0 if term == "const" else int(term[3:]) + (0 if term.startswith("cos") else 6)
        coef[k, j] = [float(w) for w in words[2:]]
    assert np.isfinite(coef).all(), "the table must give all 6 x 13 x 4 coefficients"
    return coef


def zp_energy_flux(coef: np.ndarray, kp_bin: int) -> xr.DataArray:
    """The ZP (2008) electron energy flux of one Kp bin on OVATION's grid (erg cm^-2 s^-1), Appendix A
    steps (1), (4), (5): angle = MLT 2 pi / 24, x = 90 - |MLAT|, each Epstein parameter a Fourier series
    in angle."""
    angle = MLT * np.pi / 12.0
    n = np.arange(1, 7)
    harmonics = np.outer(angle, n)
    basis = np.concatenate([np.ones((MLT.size, 1)), np.cos(harmonics), np.sin(harmonics)], axis=1)
    a, b, c, d = (basis @ coef[kp_bin]).T  # each (96,)
    x = 90.0 - MLAT[:, None]
    flux = a * np.exp((x - b) / c) / (1.0 + np.exp((x - b) / d)) ** 2
    return xr.DataArray(
        flux, dims=("mlat", "mlt"), coords={"mlat": MLAT, "mlt": MLT}, attrs={"units": "erg cm^-2 s^-1"}
    )


@pytest.fixture(scope="module")
def zp():
    return zp_boundaries()


@pytest.fixture(scope="module")
def ovation_2000():
    """OVATION's boundaries over 2000 (every STEP-th hour) with the Kp of each hour (OMNI2 word 39 / 10)."""
    sw = read_omni2(data_path("omni/omni2_2000.dat"))
    times = sw.time.values[::STEP]
    kp = sw.ds["kp"].values[::STEP] / 10.0
    b = model_boundaries(times, sw)
    return b.assign(kp=("time", kp))


def kp_medians(b: xr.Dataset) -> dict:
    """Median boundary per Kp bin and sector (NaN-ignoring) of ``model_boundaries`` output with ``kp``, and
    the count of hours per bin."""
    which = np.searchsorted(KP_EDGES, b["kp"].values, side="right") - 1
    out = {}
    for name in ("equatorward", "poleward"):
        v = b[f"{name}_mlat"].values
        out[name] = np.array([np.nanmedian(v[which == k], axis=0) for k in range(6)])
    out["count"] = np.bincount(which, minlength=6)
    return out


def zp_boundaries() -> xr.Dataset:
    """ZP boundaries by Kp bin (dim ``kp_bin``) and MLT sector, through smilekit's boundary rule."""
    coef = read_zp_table()
    parts = [field_boundaries(zp_energy_flux(coef, k), ENERGY_FLUX_THRESHOLD) for k in range(6)]
    return xr.concat(parts, dim="kp_bin")


@pytest.fixture(scope="module")
def medians(ovation_2000):
    return kp_medians(ovation_2000)


def _sector(values, mlts):
    return values[..., np.searchsorted(SECTORS, mlts)]


def _diff(medians, zp, name, k, mlts=SECTORS):
    return _sector(medians[name][k] - zp[f"{name}_mlat"].values[k], mlts)


def test_zp_table_is_the_papers_and_draws_a_plausible_oval(zp):
    # the transcription: spot values of Table 1 (bin 0 const A, bin 5 sin 6 D); ZP's own midnight edge moves
    # equatorward with Kp from a quiet-time 62-66 deg (the physics both models are built on)
    coef = read_zp_table()
    assert coef[0, 0, 0] == 3.2402978 and coef[5, 12, 3] == 0.2985601
    eq_midnight = _sector(zp["equatorward_mlat"].values, [0.5])[:5, 0]
    assert np.all(np.diff(eq_midnight) < 0) and 62.0 < eq_midnight[0] < 66.0


def test_every_kp_bin_up_to_8_is_populated_in_2000(medians):
    # 2000 was near solar maximum: at least ~100 h in each bin up to Kp 8 (Kp 8-9, 14 h, is not used)
    assert np.all(medians["count"][:5] >= 90), medians["count"]


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_equatorward_boundary_agrees_outside_the_documented_sectors(medians, zp, k):
    keep = ~np.isin(SECTORS, DISAGREE[k])
    diff = _diff(medians, zp, "equatorward", k)[keep]
    assert np.all(np.abs(diff) <= TOLERANCE), dict(zip(SECTORS[keep], np.round(diff, 1), strict=True))


def test_nightside_mean_offset_is_small(medians, zp):
    # over 20-04 MLT and Kp < 6 the model's edge is on average 0.6 deg equatorward of ZP's (measured: -0.64;
    # the differences run from -2.0 to +2.1 deg): no systematic offset beyond the definitions' difference
    diff = np.array([_diff(medians, zp, "equatorward", k, NIGHT) for k in range(4)])
    assert -1.5 < diff.mean() < 0.0, np.round(diff, 1)


def test_no_notch_after_midnight(medians):
    # the northern wedge (its coefficients 0 at 23-04 MLT below ~67 deg, and the southern fluxes low in the
    # same bins) left the 01-03 MLT edge 2-3 deg poleward of the 00-01 and 03-04 MLT edges at Kp 4.5-8
    # before the release's fill (smilekit.geospace.ovation.fill_northern_wedge); now within 1 deg
    for k in range(5):
        eq = medians["equatorward"][k]
        notch = _sector(eq, [1.5, 2.5]).mean() - _sector(eq, [0.5, 3.5]).mean()
        assert notch < 1.0, (k, round(float(notch), 2))


def test_nightside_expansion_with_kp_matches_published_rate(medians, zp):
    # slope of the midnight-sector (23-01 MLT) equatorward edge over Kp bins 0-3 against the bin centres:
    # OVATION -1.3 deg per Kp unit, ZP -1.4; Carbary (2005, abstract): about 1 deg per Kp step
    cols = [23.5, 0.5]
    model = _sector(medians["equatorward"][:4], cols).mean(axis=1)
    ref = _sector(zp["equatorward_mlat"].values[:4], cols).mean(axis=1)
    slope_model = np.polyfit(KP_CENTRES[:4], model, 1)[0]
    slope_ref = np.polyfit(KP_CENTRES[:4], ref, 1)[0]
    assert -1.6 < slope_model < -0.7, slope_model
    assert abs(slope_model - slope_ref) < 0.5, (slope_model, slope_ref)


@pytest.mark.xfail(
    strict=True,
    reason="prenoon 08-12 MLT at Kp < 3: OVATION's equatorward edge lies 1.7-7.4 deg equatorward of ZP's. "
    "OVATION's diffuse electrons there form a broad band of 0.25-0.5 erg cm^-2 s^-1 from ~67 to 78 deg "
    "(a property of the model's coefficients, the same with the northern ones alone); probably ZP's sunlit "
    "dayside LBH, under kilorayleigh dayglow, does not resolve aurora that faint (31 R at the threshold): "
    "a model difference, not verified further here",
)
@pytest.mark.parametrize("k", [0, 1])
def test_prenoon_equatorward_boundary_at_low_kp(medians, zp, k):
    assert np.all(np.abs(_diff(medians, zp, "equatorward", k, PRENOON)) <= TOLERANCE)


@pytest.mark.xfail(
    strict=True,
    reason="noon-dusk 12-20 MLT at Kp 3-6: OVATION's electron edge lies 1.7-7.9 deg poleward of ZP's. "
    "OVATION's dusk electron energy flux is weak at active times (the same with the northern coefficients "
    "alone; adding the ions, left out as they emit little LBH, moves the edge 4-8 deg equatorward at 12-14 "
    "MLT but only 1-2.5 deg at 14-20 MLT, measured at dPhi/dt = 6000 at equinox); GUVI's LBH probably "
    "includes the dusk proton aurora (not verified here): a model difference, not a smilekit bug",
)
@pytest.mark.parametrize("k", [2, 3])
def test_noon_dusk_equatorward_boundary_at_moderate_kp(medians, zp, k):
    assert np.all(np.abs(_diff(medians, zp, "equatorward", k, NOON_DUSK)) <= TOLERANCE)


def test_dayside_offsets_have_the_documented_sign_and_size(medians, zp):
    # the measurements behind the two xfails above
    pre = np.array([_diff(medians, zp, "equatorward", k, PRENOON) for k in (0, 1)])
    dusk = np.array([_diff(medians, zp, "equatorward", k, NOON_DUSK[1:6]) for k in (2, 3)])
    assert np.all(pre < -1.0) and pre.min() < -5.0, np.round(pre, 1)
    assert np.all(dusk > 2.5) and dusk.max() > 7.0, np.round(dusk, 1)


@pytest.mark.xfail(
    strict=True,
    reason="Kp 6-8: OVATION's nightside edge (56-58 deg) lies 2-4.5 deg poleward of ZP's (52-55 deg), and "
    "6-12 deg poleward at 13-20 MLT: OVATION Prime 2010 expands too little in storms (its fluxes are "
    "linear in the coupling, fitted mostly to moderate driving); 2000 has 96 such hours in this sample",
)
def test_storm_bin_equatorward_boundary(medians, zp):
    assert np.all(np.abs(_diff(medians, zp, "equatorward", 4, NIGHT)) <= TOLERANCE)


@pytest.mark.xfail(
    strict=True,
    reason="poleward boundary: OVATION's lies 1-4 deg equatorward of ZP's at Kp < 3 in every sector, and "
    "the two diverge with Kp (ZP's climbs to 84-89 deg at Kp 6-8, OVATION's to 77). At a fixed flux "
    "threshold the poleward edge sits where the flux decays slowly into the polar cap, so it follows each "
    "model's polar-cap flux (ZP's Epstein tail, OVATION's broadband and monoenergetic) more than the oval; "
    "same rule and threshold in both, not a smilekit bug",
)
@pytest.mark.parametrize("k", [0, 1])
def test_poleward_boundary(medians, zp, k):
    assert np.all(np.abs(_diff(medians, zp, "poleward", k)) <= TOLERANCE)


def test_poleward_offset_is_the_documented_one(medians, zp):
    # the measurement behind the xfail above: at Kp < 3 OVATION's poleward edge is 1-4.5 deg equatorward of
    # ZP's in every sector; ZP's midnight poleward edge climbs > 10 deg from Kp 0-1.5 to 6-8, OVATION's < 5
    diff = np.array([_diff(medians, zp, "poleward", k) for k in (0, 1)])
    assert np.all((diff < -0.8) & (diff > -4.5)), np.round(diff, 1)
    zp_midnight = _sector(zp["poleward_mlat"].values, [0.5])[:5, 0]
    ov_midnight = _sector(medians["poleward"], [0.5])[:5, 0]
    assert zp_midnight[4] - zp_midnight[0] > 10.0
    assert 0.0 < ov_midnight[4] - ov_midnight[0] < 5.0


def comparison_table(medians, zp) -> str:
    """The Kp bin x MLT sector table (model median, ZP, difference) as text, for the report."""
    lines = []
    for name in ("equatorward", "poleward"):
        ref = zp[f"{name}_mlat"].values
        for k in range(5):
            lines.append(f"{name} Kp {KP_EDGES[k]:g}-{KP_EDGES[k + 1]:g} ({medians['count'][k]} h)")
            lines.append("  MLT   " + " ".join(f"{s:5.1f}" for s in SECTORS))
            lines.append("  OVAT  " + " ".join(f"{v:5.1f}" for v in medians[name][k]))
            lines.append("  ZP08  " + " ".join(f"{v:5.1f}" for v in ref[k]))
            lines.append("  diff  " + " ".join(f"{v:5.1f}" for v in medians[name][k] - ref[k]))
    return "\n".join(lines)


if __name__ == "__main__":  # print the comparison table
    sw = read_omni2(data_path("omni/omni2_2000.dat"))
    b = model_boundaries(sw.time.values[::STEP], sw).assign(kp=("time", sw.ds["kp"].values[::STEP] / 10.0))
    print(comparison_table(kp_medians(b), zp_boundaries()))
