"""THE packet layouts: the APID of each instrument and data type, its fields, and its data rate.

SMILE's packet ICDs are not public. Every layout here is an **assumption** of this package, made to carry
losslessly what the simulators produce, and kept in this one table (:data:`LAYOUTS`) so that the real ICDs
can replace it in one place. Each layout is a ccsdspy packet definition (``FixedLength`` or
``VariableLength`` of ``PacketField`` / ``PacketArray``) after the 6-octet primary header: every one
begins with the CUC secondary header (``obt_coarse``, ``obt_fine``) and ends with the packet error
control (``pec``, :mod:`smilekit.telemetry.packets`). Integers are big-endian (CCSDS octet order).

======  =======================  ========  ==================================================================
APID    name                     kind      user data (after the CUC time; bits)
======  =======================  ========  ==================================================================
0x064   hk_platform              fixed     mode (8: index of :data:`smilekit.mission.modes.MODES`),
                                           sxi_shutter_open (8), quaternion (4 x float 64, body -> GSE,
                                           scalar last), temperature (4 x float 32, degC: SXI CCD, UVI CCD,
                                           LIA, MAG outboard; values are assumptions)
0x0C8   mag_vectors              fixed     period_ns (32), n_vectors (8), spare (8), counts_inboard and
                                           counts_outboard (32 x 3 x int 32 each: raw ADC counts, sensor
                                           frame; fill -2^31); 32 vectors a packet (1 s at 32 Hz)
0x12C   lia_distribution         variable  distribution (16, mod 65536), part (8), n_parts (8),
                                           first_energy (8), n_energy (8), n_elevation (8), n_azimuth (8),
                                           accumulation_ms (32), data (8 x n: shuffled deflate of the part's
                                           counts as big-endian uint32, energy-major); 4 energy steps a part
0x190   sxi_frame_header         fixed     exposure_id (16), exposure_coarse (32), exposure_fine (16),
                                           frame (32: index in the exposure), n_frames (32), frame_ms (32),
                                           n_events (32), sun_flags (8: 2 Sun near, 4 Sun in FOV), spare (8)
0x191   sxi_events               variable  exposure_id (16), frame (32), n_events (16), rawx, rawy (16 x n),
                                           ccd (8 x n), pi (16 x n); at most 4096 events a packet
0x1F4   uvi_image                variable  image_id (16), part (8), n_parts (8), first_row (16), n_rows (16),
                                           image_rows (16), image_cols (16), n_frames (16), word_bytes (8),
                                           spare (8), exposure_ms (32), data (8 x n: shuffled deflate of the
                                           rows as big-endian int16, or int32 when a DN is beyond int16: the
                                           read noise makes a dark pixel's DN negative); 16 rows a part
======  =======================  ========  ==================================================================

Compression (LIA, UVI): the words byte-shuffled, then zlib (deflate, :cite:`rfc1950`, level 6), lossless
(:func:`~smilekit.telemetry.packets.deflate_words`). Each part is compressed on its
own, so a lost packet loses only its energy steps or rows (flagged on the ground), never the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import astropy.units as u
import ccsdspy
from ccsdspy import PacketArray, PacketField

from smilekit.errors import InputError
from smilekit.telemetry.packets import MIN_PACKET_BYTES, PRIMARY_HEADER_BYTES

__all__ = [
    "APID",
    "LAYOUTS",
    "LIA_ENERGIES_PER_PART",
    "MAG_VECTORS_PER_PACKET",
    "SXI_MAX_EVENTS_PER_PACKET",
    "UVI_ROWS_PER_PART",
    "Layout",
    "data_rate",
]

#: Vectors of each MAG sensor per packet.
MAG_VECTORS_PER_PACKET = 32
#: LIA energy steps per packet (a 32-step distribution is 8 packets).
LIA_ENERGIES_PER_PART = 4
#: Largest number of SXI events in one packet.
SXI_MAX_EVENTS_PER_PACKET = 4096
#: UVI image rows per packet.
UVI_ROWS_PER_PART = 16
#: Number of housekeeping temperatures.
HK_TEMPERATURES = ("sxi_ccd", "uvi_ccd", "lia", "mag_outboard")

_TIME = [PacketField("obt_coarse", "uint", 32), PacketField("obt_fine", "uint", 16)]
_PEC = [PacketField("pec", "uint", 16)]


@dataclass(frozen=True)
class Layout:
    """One packet type: its APID, name, instrument, ccsdspy definition, field units, and its fields (the
    ccsdspy ``PacketField`` / ``PacketArray`` list of the definition, CUC time and CRC included)."""

    apid: int
    name: str
    instrument: str
    definition: ccsdspy.FixedLength | ccsdspy.VariableLength
    units: dict
    description: str

    fields: tuple = ()

    @property
    def fixed_bytes(self) -> int | None:
        """Octets of a whole packet of a fixed-length layout (None for variable length)."""
        if not isinstance(self.definition, ccsdspy.FixedLength):
            return None
        shapes = [f.array_shape if isinstance(f, PacketArray) else (1,) for f in self.fields]
        bits = sum(f.bit_length * math.prod(shape) for f, shape in zip(self.fields, shapes, strict=True))
        return PRIMARY_HEADER_BYTES + bits // 8

    @property
    def header_bytes(self) -> int:
        """Octets of the user data's scalar fields (the CUC time and the CRC left out): the part of a
        variable-length packet that does not grow with its arrays."""
        extra = {f.name for f in _TIME + _PEC}
        scalars = [f for f in self.fields if not isinstance(f, PacketArray) and f.name not in extra]
        return sum(f.bit_length for f in scalars) // 8


def _layout(apid, name, instrument, fields, units, description, variable=False) -> Layout:
    kind = ccsdspy.VariableLength if variable else ccsdspy.FixedLength
    every = _TIME + fields + _PEC
    definition = kind(every, apid=apid, name=name, description=description)
    return Layout(apid, name, instrument, definition, units, description, tuple(every))


_N = MAG_VECTORS_PER_PACKET
LAYOUTS: dict[int, Layout] = {
    layout.apid: layout
    for layout in (
        _layout(
            0x064, "hk_platform", "platform",
            [PacketField("mode", "uint", 8), PacketField("sxi_shutter_open", "uint", 8),
             PacketArray("quaternion", "float", 64, array_shape=4),
             PacketArray("temperature", "float", 32, array_shape=len(HK_TEMPERATURES))],
            {"quaternion": "1", "temperature": "degC"},
            "platform housekeeping: mode, SXI shutter, attitude quaternion (body -> GSE), temperatures",
        ),
        _layout(
            0x0C8, "mag_vectors", "MAG",
            [PacketField("period_ns", "uint", 32), PacketField("n_vectors", "uint", 8),
             PacketField("spare", "uint", 8),
             PacketArray("counts_inboard", "int", 32, array_shape=(_N, 3)),
             PacketArray("counts_outboard", "int", 32, array_shape=(_N, 3))],
            {"period_ns": "ns", "counts_inboard": "count", "counts_outboard": "count"},
            "MAG raw vectors of both sensors (ADC counts, sensor frames)",
        ),
        _layout(
            0x12C, "lia_distribution", "LIA",
            [PacketField("distribution", "uint", 16), PacketField("part", "uint", 8),
             PacketField("n_parts", "uint", 8), PacketField("first_energy", "uint", 8),
             PacketField("n_energy", "uint", 8), PacketField("n_elevation", "uint", 8),
             PacketField("n_azimuth", "uint", 8), PacketField("accumulation_ms", "uint", 32),
             PacketArray("data", data_type="uint", bit_length=8, array_shape="expand")],
            {"accumulation_ms": "ms", "data": "shuffled deflate of uint32 counts"},
            "LIA count distribution, one part of energy steps (compressed uint32 counts)",
            variable=True,
        ),
        _layout(
            0x190, "sxi_frame_header", "SXI",
            [PacketField("exposure_id", "uint", 16), PacketField("exposure_coarse", "uint", 32),
             PacketField("exposure_fine", "uint", 16), PacketField("frame", "uint", 32),
             PacketField("n_frames", "uint", 32), PacketField("frame_ms", "uint", 32),
             PacketField("n_events", "uint", 32), PacketField("sun_flags", "uint", 8),
             PacketField("spare", "uint", 8)],
            {"frame_ms": "ms", "n_events": "count"},
            "SXI CCD frame header: exposure, frame index, event count, Sun flags",
        ),
        _layout(
            0x191, "sxi_events", "SXI",
            [PacketField("exposure_id", "uint", 16), PacketField("frame", "uint", 32),
             PacketField("n_events", "uint", 16),
             PacketArray("rawx", data_type="uint", bit_length=16, array_shape="n_events"),
             PacketArray("rawy", data_type="uint", bit_length=16, array_shape="n_events"),
             PacketArray("ccd", data_type="uint", bit_length=8, array_shape="n_events"),
             PacketArray("pi", data_type="uint", bit_length=16, array_shape="n_events")],
            {"rawx": "pixel", "rawy": "pixel", "pi": "chan"},
            "SXI photon events of one CCD frame: pixel, CCD, PI channel",
            variable=True,
        ),
        _layout(
            0x1F4, "uvi_image", "UVI",
            [PacketField("image_id", "uint", 16), PacketField("part", "uint", 8),
             PacketField("n_parts", "uint", 8), PacketField("first_row", "uint", 16),
             PacketField("n_rows", "uint", 16), PacketField("image_rows", "uint", 16),
             PacketField("image_cols", "uint", 16), PacketField("n_frames", "uint", 16),
             PacketField("word_bytes", "uint", 8), PacketField("spare", "uint", 8),
             PacketField("exposure_ms", "uint", 32),
             PacketArray("data", data_type="uint", bit_length=8, array_shape="expand")],
            {"exposure_ms": "ms", "data": "shuffled deflate of int16 or int32 DN"},
            "UVI image rows (compressed DN)",
            variable=True,
        ),
    )
}  # fmt: skip

#: APID by layout name, e.g. ``APID["mag_vectors"]``.
APID = {layout.name: apid for apid, layout in LAYOUTS.items()}


def data_rate(name: str, *, compressed_fraction: float = 1.0, events_per_s: float = 0.0,
              hk_period=1.0 * u.s, mag_rate=32.0 * u.Hz, lia_accumulation=4.0 * u.s,
              uvi_cadence=60.0 * u.s, uvi_pixels: int = 512) -> u.Quantity:  # fmt: skip
    """The packet data rate (bit/s, headers and CRCs included) of one layout in continuous operation.

    Parameters
    ----------
    name : str
        A layout name of :data:`LAYOUTS` (``APID`` keys).
    compressed_fraction : float
        LIA and UVI: compressed size / raw size (1: the uncompressed upper bound; the measured fraction of
        simulated data is what the packetisers achieve, e.g. a few per cent for sparse LIA counts).
    events_per_s : float
        SXI events: the event rate (events per second).
    hk_period, mag_rate, lia_accumulation, uvi_cadence : Quantity
        Cadences (defaults: 1 s housekeeping, 32 Hz MAG, 4 s LIA, one UVI image a minute).
    uvi_pixels : int
        UVI image side (512).

    Examples
    --------
    >>> round(float(data_rate("mag_vectors").to_value("bit/s")))
    6304
    """
    if name not in APID:
        raise InputError(f"unknown layout {name!r}; the layouts are {sorted(APID)}")
    if not 0.0 < compressed_fraction <= 1.0:
        raise InputError(f"compressed_fraction must lie in (0, 1], got {compressed_fraction}")
    layout = LAYOUTS[APID[name]]
    bits = 8.0
    if name == "hk_platform":
        rate = layout.fixed_bytes * bits / hk_period.to_value(u.s)
    elif name == "mag_vectors":
        rate = layout.fixed_bytes * bits * mag_rate.to_value(u.Hz) / MAG_VECTORS_PER_PACKET
    elif name == "lia_distribution":
        parts = 32 // LIA_ENERGIES_PER_PART
        raw = 32 * 16 * 48 * 4 * compressed_fraction
        packets = parts * (MIN_PACKET_BYTES + layout.header_bytes)
        rate = (packets + raw) * bits / lia_accumulation.to_value(u.s)
    elif name == "sxi_frame_header":
        rate = layout.fixed_bytes * bits / 4.0  # one header per 4-s CCD frame
    elif name == "sxi_events":
        rate = (events_per_s * 7 + (MIN_PACKET_BYTES + layout.header_bytes) / 4.0) * bits
    else:  # uvi_image
        parts = -(-uvi_pixels // UVI_ROWS_PER_PART)
        raw = uvi_pixels * uvi_pixels * 2 * compressed_fraction
        rate = (parts * (MIN_PACKET_BYTES + layout.header_bytes) + raw) * bits / uvi_cadence.to_value(u.s)
    return rate * u.bit / u.s
