"""Payload: the imagers' fields of view and mounts, and the lookup by name."""

import astropy.units as u
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.instruments.sxi import SXIConfig
from smilekit.mission.fov import INSTRUMENTS, SXI, UVI, InstrumentMount, instrument_mount

vectors = st.tuples(*(st.floats(-1.0, 1.0) for _ in range(3))).filter(lambda v: np.linalg.norm(v) > 0.1)


def unit(v):
    return np.asarray(v, dtype=float) / np.linalg.norm(v, axis=-1, keepdims=True)


def test_fields_of_view_and_frames_are_the_published_ones():
    # SXI 27 x 16 deg (long axis along body X), UVI 10 x 10 deg (ESA SMILE Definition Study Report)
    assert SXI.fov.to_value(u.deg).tolist() == [27.0, 16.0] and SXI.fov_deg == (27.0, 16.0)
    assert UVI.fov.to_value(u.deg).tolist() == [10.0, 10.0] and UVI.fov_deg == (10.0, 10.0)
    assert (SXI.frame, UVI.frame) == ("body", "boresight")
    assert INSTRUMENTS == {"SXI": SXI, "UVI": UVI}
    # the SXI configuration's frame is the payload's field of view, not a second copy
    assert SXIConfig().fov.to_value(u.deg).tolist() == list(SXI.fov_deg)
    with pytest.raises(ValueError):
        SXI.fov[0] = 30 * u.deg  # a shared constant


def test_lookup_by_name_is_case_insensitive_and_rejects_others():
    assert instrument_mount("sxi") is SXI and instrument_mount("UVI") is UVI
    with pytest.raises(InputError, match=r"instrument must be one of \['SXI', 'UVI'\], got 'LIA'"):
        instrument_mount("LIA")
    with pytest.raises(InputError, match="instrument must be one of"):
        instrument_mount(3)
    with pytest.raises(InputError, match="frame"):
        InstrumentMount("MAG", [1, 1] * u.deg, "boom")


def test_sxi_frame_is_the_body_frame():
    rotation = np.eye(3)[None]
    assert SXI.frame_values(rotation, np.array([[1.0, 0.0, 0.0]])) is rotation


@settings(max_examples=60, deadline=None)
@given(vectors, vectors, vectors)
@example((0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (0.0, 2e-6, 1.0))  # boresight 2e-6 rad from body X
def test_uvi_frame_is_a_rotation_about_its_own_boresight(body_x, body_z, boresight):
    z_body = unit(body_z)
    x_body = np.asarray(body_x) - np.dot(body_x, z_body) * z_body
    if np.linalg.norm(x_body) < 1e-3:
        return
    x_body = unit(x_body)
    rotation = np.stack([x_body, np.cross(z_body, x_body), z_body], axis=-1)[None]
    b = unit(boresight)[None]
    m = UVI.frame_values(rotation, b)[0]
    along_x = x_body - np.dot(x_body, b[0]) * b[0]
    # X is the part of body X perpendicular to the boresight, normalised: its rounding error is about
    # eps / |that part|, large when the boresight nears body X (down to 1e-9, where body Y takes over;
    # hypothesis found |part| = 2e-6 with 4e-11 off orthogonal)
    part = np.linalg.norm(along_x)
    tol = 1e-12 if part <= 1e-9 else max(1e-12, 1e-15 / part)
    assert m @ m.T == pytest.approx(np.eye(3), abs=tol)
    assert np.linalg.det(m) == pytest.approx(1.0, abs=tol)
    assert m[:, 2] == pytest.approx(b[0], abs=1e-15)
    if part > 1e-6:
        # X is the part of the body X axis perpendicular to the boresight
        assert m[:, 0] == pytest.approx(unit(along_x), abs=1e-9)


def test_uvi_frame_falls_back_to_body_y_when_its_boresight_is_along_body_x():
    rotation = np.eye(3)[None]
    m = UVI.frame_values(rotation, np.array([[1.0, 0.0, 0.0]]))[0]
    assert m[:, 2] == pytest.approx([1.0, 0.0, 0.0])
    assert m[:, 0] == pytest.approx([0.0, 1.0, 0.0])
    assert m[:, 1] == pytest.approx([0.0, 0.0, 1.0])
