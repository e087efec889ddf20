"""The auroral oval: its centre and edges where the module docstring puts them."""

import numpy as np
import pytest

from smilekit.frames import transform
from smilekit.geospace.aurora import oval_centre, oval_points
from smilekit.units import RE, RE_KM


def test_oval_centre_and_edges_sit_where_documented():
    t = np.array(["2026-03-20T00:00", "2026-06-21T17:00"], dtype="datetime64[ns]")
    centre_sm = transform(oval_centre(t).to_value(RE), t, "GSE", "SM")
    r = np.linalg.norm(centre_sm, axis=-1)
    assert r * RE_KM == pytest.approx(RE_KM + 120.0, abs=1e-6)
    assert np.degrees(np.arccos(centre_sm[:, 2] / r)) == pytest.approx(4.0, abs=1e-9)  # colatitude
    assert (centre_sm[:, 0] < 0).all()  # towards midnight (antisunward)
    pts_sm = transform(oval_points(t, n=4).to_value(RE), t[:, None], "GSE", "SM")
    mlat = np.degrees(np.arcsin(pts_sm[..., 2] / np.linalg.norm(pts_sm, axis=-1)))
    # n=4 puts points at noon, dusk, midnight, dawn; documented: 73-79 deg at noon, 65-71 deg at midnight
    assert mlat[:, [0, 4]] == pytest.approx(np.array([[79.0, 73.0]] * 2), abs=1e-9)
    assert mlat[:, [2, 6]] == pytest.approx(np.array([[71.0, 65.0]] * 2), abs=1e-9)
