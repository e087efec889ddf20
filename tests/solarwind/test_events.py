"""Tests of the bundled solar-wind events (smilekit.solarwind.events)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smilekit.errors import InputError
from smilekit.solarwind import (
    DEFAULT_EVENT,
    EVENTS,
    SolarWind,
    list_events,
    load_event,
    load_event_indices,
    provenance,
)


def test_registry_names_and_default():
    assert set(EVENTS) == {"2015-06-21-high-density", "2003-10-29-halloween", "2006-12-14-cme", "omni2-2000"}
    assert DEFAULT_EVENT == "2015-06-21-high-density"
    described = list_events()
    assert set(described) == set(EVENTS)
    assert all(isinstance(text, str) and text for text in described.values())
    for event in EVENTS.values():
        assert event.provenance and event.citation


@pytest.mark.parametrize(
    ("name", "records", "first", "frame"),
    [
        ("2015-06-21-high-density", 3742, "2015-06-21T15:00", "GSE"),
        ("2003-10-29-halloween", 10612, "2003-10-29T00:35:33", "GSM"),
        ("2006-12-14-cme", 2068, "2006-12-14T12:01", "GSE"),
        ("omni2-2000", 8784, "2000-01-01T00:00", "GSE+GSM"),
    ],
)
def test_load_event(name, records, first, frame):
    """Record counts: the file headers ("Final number of points") and SOURCES.md; first times: the files."""
    sw = load_event(name)
    assert isinstance(sw, SolarWind)
    assert len(sw) == records
    assert sw.time.values[0] == np.datetime64(first)
    assert sw.ds.attrs["event"] == name
    assert sw.ds.attrs["frame_of_origin"] == frame
    assert "citation" in sw.ds.attrs
    # the reader's record (what the report prints) keeps where the bundled file came from
    record = provenance(sw)
    assert record["origin"] == EVENTS[name].provenance and record["citation"] == EVENTS[name].citation
    assert record["defaults"] == {} and record["source"] == Path(EVENTS[name].file).name


def test_load_event_returns_independent_copies():
    a = load_event()
    a.ds["n"].values[0] = 999.0
    assert load_event().ds["n"].values[0] == 11.95


def test_unknown_event_lists_the_names():
    with pytest.raises(InputError, match="bundled events: 2015-06-21-high-density, 2003-10-29-halloween"):
        load_event("2012-06-16")


@pytest.mark.parametrize(
    ("name", "records", "first", "last", "min_sym_h"),
    [
        # counts and ends: the files (wc -l less the two header lines); minima: data/PROVENANCE.md
        ("2015-06-21-high-density", 4861, "2015-06-21T15:00", "2015-06-25T00:00", -208.0),
        ("2003-10-29-halloween", 2861, "2003-10-29T00:35", "2003-10-31T00:15", -432.0),
        ("2006-12-14-cme", 2161, "2006-12-14T12:00", "2006-12-16T00:00", -211.0),
    ],
)
def test_every_swpc_event_comes_with_its_sym_h_and_al(name, records, first, last, min_sym_h):
    indices = load_event_indices(name)
    assert len(indices) == records
    assert list(indices.time.values[[0, -1]]) == [np.datetime64(first), np.datetime64(last)]
    assert indices.minimum("sym_h")[0] == min_sym_h
    assert indices.ds.attrs["event"] == name and "Kyoto" in indices.ds.attrs["provenance"]
    # the indices cover the solar wind of the event (the Halloween solar wind runs 2 min past them)
    sw = load_event(name)
    assert indices.time.values[0] <= sw.time.values[0]
    assert indices.time.values[-1] >= sw.time.values[-1] - np.timedelta64(3, "m")


def test_event_indices_are_none_for_omni2_and_unknown_names_are_refused():
    assert load_event_indices("omni2-2000") is None
    with pytest.raises(InputError, match="unknown solar-wind event 'nope'"):
        load_event_indices("nope")


def test_event_indices_are_a_copy():
    indices = load_event_indices("2006-12-14-cme")
    indices.ds["sym_h"].values[:] = 0.0
    assert load_event_indices("2006-12-14-cme").minimum("sym_h")[0] == -211.0
