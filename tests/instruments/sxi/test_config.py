"""SXIConfig: the seed's published values as defaults, the derived CCD geometry, and validation."""

import dataclasses
import math

import astropy.units as u
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.instruments.sxi.config import SXIConfig, ccd_rectangles


def test_defaults_are_the_seed_table_1_values():
    # Seed chapter, Table 1 "Main parameters of the Soft X-ray Imager" (from the ESA Red Book)
    cfg = SXIConfig()
    assert cfg.focal_length == 30 * u.cm
    assert list(cfg.fov.to_value(u.deg)) == [27.0, 16.0]
    assert cfg.psf_fwhm == 8 * u.arcmin
    assert cfg.effective_area == 15 * u.cm**2
    assert cfg.qe == 0.89
    assert cfg.energy_resolution == 50 * u.eV and cfg.energy_resolution_reference == 500 * u.eV
    assert cfg.frame_time == 4 * u.s
    assert cfg.ccd_size == 8.1 * u.cm  # the Leicester SXI pages, :cite:`leicestersxi`


def test_values_are_plain_floats_in_fixed_units():
    v = SXIConfig().values
    assert v.focal_mm == 300.0 and v.ccd_mm == 81.0 and v.frame_s == 4.0
    # FWHM 8 arcmin at 300 mm: sigma = 300 * 8/60 deg in rad / 2.3548
    assert math.isclose(v.psf_sigma_mm, 300 * math.radians(8 / 60) / (2 * math.sqrt(2 * math.log(2))))
    assert math.isclose(v.fwhm_ref_kev, 0.05) and math.isclose(v.e_ref_kev, 0.5)


def test_one_ccd_spans_15_4_deg():
    # 8.1 cm at 30 cm focal length: 2 atan(4.05 / 30) = 15.38 deg, the "15.5 deg" also quoted for SXI
    assert math.isclose(SXIConfig().ccd_angle.to_value(u.deg), 2 * math.degrees(math.atan(4.05 / 30)))
    assert abs(SXIConfig().ccd_angle.to_value(u.deg) - 15.5) < 0.2


def test_ccd_rectangles_gap_and_fov_frame():
    cfg = SXIConfig()
    rect = cfg.ccd_rectangles_values()
    x_lim = 300 * math.tan(math.radians(13.5))
    np.testing.assert_allclose(rect[0], [-x_lim, -1.0, -40.5, 40.5])
    np.testing.assert_allclose(rect[1], [1.0, x_lim, -40.5, 40.5])
    wide = dataclasses.replace(cfg, ccd_gap=20 * u.mm)
    np.testing.assert_allclose(wide.ccd_rectangles_values()[:, :2], [[-x_lim, -10.0], [10.0, x_lim]])


@settings(max_examples=30, deadline=None)
@given(
    gap=st.floats(0.0, 30.0),
    fov_u=st.floats(5.0, 60.0),
    fov_v=st.floats(5.0, 40.0),
)
def test_rectangles_are_disjoint_inside_the_frame(gap, fov_u, fov_v):
    frame_width = 2 * 300.0 * math.tan(math.radians(fov_u / 2))  # focal length 30 cm
    if gap >= frame_width:  # hypothesis found gap 27 mm in a 5 deg field: refused, not silently outside
        with pytest.raises(InputError, match="ccd_gap"):
            SXIConfig(ccd_gap=gap * u.mm, fov=[fov_u, fov_v] * u.deg)
        return
    cfg = SXIConfig(ccd_gap=gap * u.mm, fov=[fov_u, fov_v] * u.deg)
    v = cfg.values
    rect = ccd_rectangles(v)
    x_lim = v.focal_mm * math.tan(math.radians(fov_u / 2))
    y_lim = v.focal_mm * math.tan(math.radians(fov_v / 2))
    assert rect[0, 1] <= rect[1, 0]  # CCD 1 left of CCD 2
    assert np.all(np.abs(rect[:, :2]) <= x_lim + 1e-9) and np.all(np.abs(rect[:, 2:]) <= y_lim + 1e-9)
    assert np.all(np.abs(rect[:, 2:]) <= 40.5 + 1e-9)  # never beyond the CCD
    assert math.isclose(rect[1, 0] - rect[0, 1], max(gap, 0.0), abs_tol=1e-9) or rect[0, 0] >= rect[0, 1]


@pytest.mark.parametrize(
    "change",
    [
        {"qe": 1.5},
        {"qe": 0.0},
        {"psf_reflection_probability": 0.0},
        {"vignetting_corner": 1.2},
        {"ccd_gap": -1 * u.mm},
        {"focal_length": 30.0},
        {"fov": [27.0] * u.deg},
        {"fov": [200.0, 16.0] * u.deg},
        {"effective_area": 15 * u.s},
        {"ccd_pixels": 0},
        {"r45_band": [1.0, 0.5] * u.keV},
        {"spectrum": "SWCX"},
    ],
)
def test_bad_fields_raise_input_error(change):
    with pytest.raises(InputError):
        SXIConfig(**change)


def test_replace_gives_a_new_validated_object():
    cfg = SXIConfig()
    other = dataclasses.replace(cfg, frame_time=2 * u.s)
    assert other.values.frame_s == 2.0 and cfg.values.frame_s == 4.0
    assert "SXIConfig(" in repr(other)


def test_resolve_gives_the_defaults_for_none_the_config_itself_and_rejects_other_types():
    assert SXIConfig.resolve(None).values == SXIConfig().values
    cfg = dataclasses.replace(SXIConfig(), qe=0.5)
    assert SXIConfig.resolve(cfg) is cfg
    with pytest.raises(InputError, match="config must be an SXIConfig, got dict"):
        SXIConfig.resolve({})


def test_the_defaults_are_made_once_and_no_caller_can_change_them_in_place():
    from smilekit.instruments.uvi import UVIConfig

    shared = SXIConfig.resolve(None)
    assert SXIConfig.resolve(None) is shared and UVIConfig.resolve(None) is UVIConfig.resolve(None)
    with pytest.raises(ValueError, match="read-only"):
        shared.fov *= 2  # in place, before the frozen dataclass could refuse the assignment
    with pytest.raises(dataclasses.FrozenInstanceError):
        shared.qe = 0.5
    np.testing.assert_array_equal(shared.fov.to_value(u.deg), SXIConfig().fov.to_value(u.deg))  # unchanged
    assert SXIConfig().fov.flags.writeable  # a config made by hand is the caller's own
    # the values too, which may be views of the fields (MAG's offsets, in nT as given)
    from smilekit.instruments.mag import MAGConfig

    mag = MAGConfig.resolve(None)
    with pytest.raises(ValueError, match="read-only"):
        mag.values.offset_nt[0, 0] += 100.0
    np.testing.assert_array_equal(mag.offset.to_value(u.nT), MAGConfig().offset.to_value(u.nT))
