"""The downlink figure draws what the mass memory did: its fill, the contacts, each source's latency."""

import astropy.units as u
import numpy as np
import pandas as pd
import pytest

from smilekit.errors import InputError
from smilekit.products.plots.telemetry import plot_downlink
from smilekit.telemetry.onboard import simulate_memory


def test_the_figure_shows_the_fill_the_contacts_and_every_sources_latency():
    t0 = np.datetime64("2026-03-01T00:00", "ns")
    t = t0 + (np.arange(300) * 60e9).astype("timedelta64[ns]")
    source = np.array(["MAG", "LIA", "HK"] * 100)
    contacts = pd.DataFrame({"start": [t0 + np.timedelta64(6, "h")], "end": [t0 + np.timedelta64(7, "h")]})
    memory = simulate_memory(t, np.full(300, 1000), source, contacts, downlink_rate=8 * u.kbit / u.s)
    fig = plot_downlink(memory, title="check")
    top, bottom = fig.axes
    (fill,) = [line for line in top.lines if line.get_gid() == "fill"]
    assert max(fill.get_ydata()) == pytest.approx(0.3)  # 300 packets of 1000 octets before the contact, MB
    assert [p.get_gid() for p in top.patches] == ["contact"]
    for name in ("MAG", "LIA", "HK"):
        (line,) = [x for x in bottom.lines if x.get_gid() == f"latency_{name}"]
        hours = np.asarray(line.get_xdata())
        latency = memory.latency()[source == name] / 3600.0
        assert hours.min() == pytest.approx(latency.min()) and hours.max() == pytest.approx(latency.max())


def test_the_figure_refuses_what_is_not_a_memory_result():
    with pytest.raises(InputError, match="MemoryResult"):
        plot_downlink({"fill": 1})
