"""LIA quick-look: it renders, the spectrogram is the counts summed over angles, the moments are drawn."""

from __future__ import annotations

import io

import astropy.units as u
import matplotlib.dates as mdates
import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.instruments.lia import Population, compute_moments, simulate_counts
from smilekit.products.plots.lia import plot_lia

T0 = np.datetime64("2026-03-20T06:00", "ns")
B = [0.3, -0.5, 0.81]


@pytest.fixture(scope="module")
def levels():
    """Four accumulations of a solar-wind beam, the last too tenuous for moments (NaN, flagged)."""
    density = np.array([6.0, 7.0, 8.0, 1e-6])
    v = np.tile([-400.0, 20.0, 0.0], (4, 1)) * u.km / u.s
    pops = [Population("proton", density / u.cm**3, v, 1e5 * u.K, 1e5 * u.K, B)]
    counts = simulate_counts(pops, 5, time=T0 + np.arange(4) * np.timedelta64(4, "s"))
    return counts, compute_moments(counts, B)


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_draws_the_spectrogram_and_the_moments(levels):
    counts, moments = levels
    fig = plot_lia(counts, moments)
    axes = fig.axes[:4]  # the fifth is the colour bar
    (mesh,) = by_gid(axes[0], "spectrogram")
    summed = counts["counts"].values.sum(axis=(2, 3))
    drawn = mesh.get_array()
    np.testing.assert_array_equal(drawn.filled(0).reshape(summed.T.shape), summed.T)
    assert drawn.mask.reshape(summed.T.shape)[summed.T == 0].all()  # no count: blank, not log(0)
    assert axes[0].get_yscale() == "log" and axes[0].get_ylabel() == "E/q (eV)"
    assert mesh.norm.vmin == 1.0 and mesh.norm.vmax == summed.max() > 1
    t = mdates.date2num(moments["time"].values)
    expected = {
        "density_p": moments["density_p"].values,
        "speed_p": np.linalg.norm(moments["velocity_p"].values, axis=1),
        "temperature_p": moments["temperature_p"].values,
    }
    for ax, (gid, values) in zip(axes[1:], expected.items(), strict=True):
        (line,) = by_gid(ax, gid)
        np.testing.assert_allclose(line.get_data()[0], t)
        np.testing.assert_array_equal(line.get_data()[1], values)
    assert "cm" in axes[1].get_ylabel() and "km/s" in axes[2].get_ylabel() and "K" in axes[3].get_ylabel()
    (flagged,) = by_gid(axes[1], "flagged")
    np.testing.assert_allclose(flagged.get_data()[0], t[moments["quality_flag"].values != 0])
    assert axes[3].get_xlabel() == "UT"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_is_refused(levels):
    counts, moments = levels
    with pytest.raises(InputError, match="density_p"):
        plot_lia(counts, moments.drop_vars("density_p"))
    with pytest.raises(InputError, match="counts Dataset"):
        plot_lia(moments, moments)
    with pytest.raises(InputError, match="datetime64"):
        plot_lia(counts.assign_coords(time=np.arange(4)), moments)
