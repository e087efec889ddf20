"""Packet format: the CRC against its check value and an independent implementation, the primary header
against a hand-decoded example and ccsdspy's decoder, sequence counts wrapping at 16384."""

from __future__ import annotations

import binascii
import io
from pathlib import Path

import ccsdspy
import ccsdspy.utils
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smilekit.errors import InputError
from smilekit.telemetry.packets import (
    MIN_PACKET_BYTES,
    build_packets,
    crc16,
    crc16_many,
    decode_cuc_ticks,
    decode_primary_headers,
    primary_header,
)


def test_crc_check_value():
    # CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0): check value 0x29B1, the CRC
    # of the ASCII string "123456789" (the catalogue value of this CRC, as ECSS-E-ST-70-41C's PEC)
    assert crc16(b"123456789") == 0x29B1
    # the empty message leaves the initial value
    assert crc16(b"") == 0xFFFF


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=8))
def test_crc_matches_binascii(chunks):
    # binascii.crc_hqx is an independent implementation of CRC-CCITT (poly 0x1021, MSB first); started from
    # 0xFFFF it is the same CRC
    buf = b"".join(chunks)
    lengths = [len(c) for c in chunks]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    got = crc16_many(np.frombuffer(buf, dtype=np.uint8), starts, lengths)
    assert got.tolist() == [binascii.crc_hqx(c, 0xFFFF) for c in chunks]


def test_primary_header_hand_decoded():
    # 0x0864 = 000 0 1 00001100100: version 0, telemetry, secondary header, APID 0x064;
    # 0xC005 = 11 00000000000101: unsegmented, count 5; 0x0013 = 19 = 20 octets of data field - 1
    assert primary_header(0x64, 5, 20) == bytes([0x08, 0x64, 0xC0, 0x05, 0x00, 0x13])
    d = decode_primary_headers(np.frombuffer(bytes.fromhex("0864c0050013"), dtype=np.uint8))
    assert {k: int(v[0]) for k, v in d.items()} == {
        "version": 0, "type": 0, "secondary_flag": 1, "apid": 0x64, "sequence_flags": 3,
        "sequence_count": 5, "data_length": 19, "total_bytes": 26,
    }  # fmt: skip
    with pytest.raises(InputError, match="APID"):
        primary_header(2048, 0, 10)


def test_headers_agree_with_ccsdspy_on_real_packets():
    # CYGNSS level-0 packets shipped with ccsdspy's tests: ccsdspy's header reader is the reference
    path = (
        Path(ccsdspy.__file__).parent / "tests/data/split/CYGNSS_F7_L0_2022_086_10_15_V01_F__first101pkts.tlm"
    )
    ref = ccsdspy.utils.read_primary_headers(str(path))
    buf = np.fromfile(path, dtype=np.uint8)
    offsets = [0]
    while True:
        h = decode_primary_headers(buf[offsets[-1] : offsets[-1] + 6])
        nxt = offsets[-1] + int(h["total_bytes"][0])
        if nxt >= buf.size:
            break
        offsets.append(nxt)
    ours = decode_primary_headers(buf[np.asarray(offsets)[:, None] + np.arange(6)])
    assert len(offsets) == len(ref["CCSDS_APID"]) == 101
    np.testing.assert_array_equal(ours["apid"], ref["CCSDS_APID"])
    np.testing.assert_array_equal(ours["sequence_count"], ref["CCSDS_SEQUENCE_COUNT"])
    np.testing.assert_array_equal(ours["data_length"], ref["CCSDS_PACKET_LENGTH"])
    np.testing.assert_array_equal(ours["sequence_flags"], ref["CCSDS_SEQUENCE_FLAG"])


def test_build_packets_layout_and_wrap():
    user = np.arange(3 * 5, dtype=np.uint8).reshape(3, 5)
    packets, nxt = build_packets(0x0C8, 16382, [10, 11, 12], [0, 32768, 65535], user)
    assert nxt == 1  # 16382, 16383, 0 -> next 1
    counts = [
        int(decode_primary_headers(np.frombuffer(p[:6], np.uint8))["sequence_count"][0]) for p in packets
    ]
    assert counts == [16382, 16383, 0]
    heads = np.frombuffer(b"".join(p[:12] for p in packets), np.uint8).reshape(3, 12)
    assert decode_cuc_ticks(heads).tolist() == [10 * 65536, 11 * 65536 + 32768, 12 * 65536 + 65535]
    for i, p in enumerate(packets):
        assert len(p) == MIN_PACKET_BYTES + 5
        assert int.from_bytes(p[6:10], "big") == 10 + i
        assert p[12:17] == user[i].tobytes()
        assert int.from_bytes(p[-2:], "big") == binascii.crc_hqx(p[:-2], 0xFFFF)
    # ccsdspy decodes the same fields from the concatenation
    d = ccsdspy.FixedLength(
        [ccsdspy.PacketField("c", "uint", 32), ccsdspy.PacketField("f", "uint", 16),
         ccsdspy.PacketArray("u", "uint", 8, array_shape=5), ccsdspy.PacketField("pec", "uint", 16)]
    ).load(io.BytesIO(b"".join(packets)), include_primary_header=True)  # fmt: skip
    np.testing.assert_array_equal(d["f"], [0, 32768, 65535])
    np.testing.assert_array_equal(d["u"], user)
    assert d["CCSDS_SECONDARY_FLAG"].tolist() == [1, 1, 1]


def test_build_packets_refuses_bad_input():
    with pytest.raises(InputError, match="CUC"):
        build_packets(1, 0, [2**32], [0], np.zeros((1, 2), np.uint8))
    with pytest.raises(InputError, match="fit"):
        build_packets(1, 0, [0], [0], [b"\0" * 65530])


def test_data_rates_match_the_packets(mag_raw_sim, hk_sim):
    # the layout's nominal rate times the duration is what the packetisers make (to one packet)
    import astropy.units as u

    from smilekit.telemetry.l0 import read_l0
    from smilekit.telemetry.layouts import data_rate
    from smilekit.telemetry.packetise import Packetiser, merge

    p = Packetiser()
    l0 = read_l0(b"".join(merge(p.mag(mag_raw_sim), p.hk(hk_sim)).packets))
    for name, seconds, packet in (("mag_vectors", 600.0, 788), ("hk_platform", 120.0, 64)):
        expected = (data_rate(name) * seconds * u.s).to_value(u.byte)
        assert abs(l0.report[name]["octets"] - expected) <= packet
    with pytest.raises(InputError, match="unknown layout"):
        data_rate("sxi")


def test_layouts_table_is_the_documented_one():
    # the module's table lists every layout with its APID, name and kind, and nothing else
    import re

    import ccsdspy as c

    from smilekit.telemetry import layouts

    rows = re.findall(r"^(0x[0-9A-F]{3})\s+(\w+)\s+(fixed|variable)", layouts.__doc__, flags=re.M)
    documented = {int(a, 16): (name, kind) for a, name, kind in rows}
    actual = {a: (lay.name, "fixed" if isinstance(lay.definition, c.FixedLength) else "variable")
              for a, lay in layouts.LAYOUTS.items()}  # fmt: skip
    assert documented == actual
    for lay in layouts.LAYOUTS.values():  # every layout starts with the CUC time and ends with the CRC
        names = [f.name for f in lay.fields]
        assert names[:2] == ["obt_coarse", "obt_fine"] and names[-1] == "pec"


def test_the_packetisers_headers_are_the_layouts():
    """The user-data headers the packetiser packs are the layouts' scalar fields, octet for octet (the data
    rates count them from the layouts)."""
    from smilekit.telemetry import packetise
    from smilekit.telemetry.layouts import APID, LAYOUTS

    assert packetise._LIA_HEADER.size == LAYOUTS[APID["lia_distribution"]].header_bytes == 12
    assert packetise._UVI_HEADER.size == LAYOUTS[APID["uvi_image"]].header_bytes == 20
    assert LAYOUTS[APID["sxi_events"]].header_bytes == 8


def test_merge_gives_one_stream_whatever_order_the_batches_come_in():
    # packets of one on-board time are ordered by APID, then as they came: the stream of the main job does
    # not depend on the order its instrument stages hand their packets over
    from smilekit.telemetry.packetise import PacketBatch, merge

    a = PacketBatch([b"a1", b"a2"], np.array([0x30, 0x30]), np.array([5, 9]))
    b = PacketBatch([b"b1", b"b2"], np.array([0x20, 0x20]), np.array([5, 7]))
    ab, ba = merge(a, b), merge(b, a)
    assert ab.packets == ba.packets == [b"b1", b"a1", b"b2", b"a2"]
    np.testing.assert_array_equal(ab.ticks, [5, 5, 7, 9])
    np.testing.assert_array_equal(ab.apid, ba.apid)
