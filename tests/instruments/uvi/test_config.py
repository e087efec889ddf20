"""UVIConfig: the seed's requirements as defaults, derived quantities, and validation."""

import dataclasses
import math

import astropy.units as u
import pytest

from smilekit.errors import InputError
from smilekit.instruments.uvi import UVIConfig
from smilekit.mission.fov import UVI


def test_defaults_are_the_seed_values():
    # Seed chapter section 3.2: 10 x 10 deg FOV, 160-180 nm, > 1e16 visible rejection, 1-min exposures
    cfg = UVIConfig()
    assert cfg.fov == UVI.fov[0] == 10 * u.deg
    assert list(cfg.passband.to_value(u.nm)) == [160.0, 180.0]
    assert cfg.visible_rejection == 1e16
    assert cfg.exposure == 60 * u.s


def test_derived_quantities():
    cfg = UVIConfig()
    assert cfg.effective_area.to_value(u.cm**2) == pytest.approx(math.pi * 4.0 * 0.25)
    assert cfg.pixel_angle.to_value(u.deg) == pytest.approx(10.0 / 512)
    assert cfg.electrons_per_event.to_value(u.electron) == pytest.approx(1000 * 300 * 0.02 * 0.5)
    v = cfg.values
    assert all(isinstance(x, float | int) for x in v)


def test_replace_and_resolve():
    cfg = dataclasses.replace(UVIConfig(), pixels=256, optics_psf_fwhm=2 * u.arcmin)
    assert cfg.values.pixels == 256
    assert cfg.values.optics_fwhm_deg == pytest.approx(2 / 60)
    assert UVIConfig.resolve(cfg) is cfg
    with pytest.raises(InputError, match="UVIConfig"):
        UVIConfig.resolve("default")


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("photocathode_qe", 1.5, "photocathode_qe"),
        ("photocathode_qe", 0.0, "photocathode_qe"),
        ("optics_throughput", -0.1, "optics_throughput"),
        ("visible_rejection", 0.5, "visible_rejection"),
        ("visible_albedo", 1.2, "visible_albedo"),
        ("pixels", 4, "pixels"),
        ("pixels", 512.0, "pixels"),
        ("pixels", 100_000, "pixels must be an integer from 8 to 4096"),
        ("mcp_gain_shape", 0.0, "mcp_gain_shape"),
        ("aperture_diameter", -4 * u.cm, "aperture_diameter"),
        ("aperture_diameter", 4.0, "aperture_diameter"),
        ("read_noise", 15 * u.s, "read_noise"),
        ("fov", 120 * u.deg, "fov"),
        ("passband", [180, 160] * u.nm, "passband"),
    ],
)
def test_bad_fields_are_refused(name, value, match):
    with pytest.raises(InputError, match=match):
        dataclasses.replace(UVIConfig(), **{name: value})
