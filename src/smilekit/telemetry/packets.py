"""CCSDS space packets: the primary header, the CUC secondary header, the packet error control (CRC).

A smilekit telemetry packet is a Python :class:`bytes` (layout constants below):

===========  =====  ===========================================================================
octets       bits   field
===========  =====  ===========================================================================
0-1          3      packet version number, 0 (CCSDS 133.0-B-2 sec. 4.1.3.2, :cite:`ccsds1330b2`)
             1      packet type, 0 telemetry
             1      secondary header flag, 1 (every smilekit packet has one)
             11     APID (:mod:`smilekit.telemetry.layouts` assigns them)
2-3          2      sequence flags, 0b11 unsegmented
             14     packet sequence count, per APID, modulo 16384
4-5          16     packet data length = octets of the data field - 1
6-9          32     CUC coarse time: whole seconds of the on-board time (CCSDS 301.0-B-4 sec. 3.2,
                    :cite:`ccsds3010b4`; implicit P-field: 4 octets coarse, 2 octets fine)
10-11        16     CUC fine time, units of 2^-16 s
12-(n-3)            user data (the instrument's, :mod:`smilekit.telemetry.layouts`)
(n-2)-(n-1)  16     packet error control: CRC-16 (polynomial 0x1021, initial value 0xFFFF) of every
                    octet before it (ECSS-E-ST-70-41C annex B.1, :cite:`ecss70041c`)
===========  =====  ===========================================================================

The CRC is a table-driven numba kernel over many packets at once (:func:`crc16_many`): it is the hot part
of building and of checking a stream. A packet stream on disk is the plain concatenation of packets.
"""

from __future__ import annotations

import zlib

import numba
import numpy as np

from smilekit.errors import InputError, TelemetryError

__all__ = [
    "CUC_FINE_PER_S",
    "MAX_DATA_FIELD_BYTES",
    "MAX_PACKET_BYTES",
    "MIN_PACKET_BYTES",
    "PEC_BYTES",
    "PRIMARY_HEADER_BYTES",
    "SECONDARY_HEADER_BYTES",
    "SEQUENCE_COUNT_MODULO",
    "SEQUENCE_UNSEGMENTED",
    "build_packets",
    "crc16",
    "crc16_many",
    "decode_cuc_ticks",
    "decode_primary_headers",
    "deflate_words",
    "inflate_words",
    "primary_header",
]

#: Octets of the CCSDS primary header.
PRIMARY_HEADER_BYTES = 6
#: Octets of the secondary header: a CUC time, 4 octets coarse + 2 octets fine.
SECONDARY_HEADER_BYTES = 6
#: Octets of the packet error control (the CRC) at the end of every packet.
PEC_BYTES = 2
#: The smallest smilekit packet: headers and CRC, no user data.
MIN_PACKET_BYTES = PRIMARY_HEADER_BYTES + SECONDARY_HEADER_BYTES + PEC_BYTES
#: The largest data field the 16-bit length field allows (65536 octets, CCSDS 133.0-B-2 sec. 4.1.3.5).
MAX_DATA_FIELD_BYTES = 65536
#: The largest packet.
MAX_PACKET_BYTES = PRIMARY_HEADER_BYTES + MAX_DATA_FIELD_BYTES
#: The sequence count is 14 bits: it wraps at 16384.
SEQUENCE_COUNT_MODULO = 16384
#: Sequence flags of an unsegmented packet (0b11).
SEQUENCE_UNSEGMENTED = 3
#: Units of the CUC fine time per second (2 octets of fine time: 2^-16 s).
CUC_FINE_PER_S = 65536


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
        table[byte] = crc
    return table


_CRC_TABLE = _crc_table()


@numba.njit(cache=True, nogil=True)
def _crc16_kernel(buf, starts, lengths, table, out):
    for k in range(starts.shape[0]):
        crc = 0xFFFF
        s = starts[k]
        for i in range(s, s + lengths[k]):
            crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ buf[i]) & 0xFF]
        out[k] = crc


def crc16_many(buffer, starts, lengths) -> np.ndarray:
    """CRC-16 (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR) of many byte ranges.

    Parameters
    ----------
    buffer : numpy.ndarray of uint8, bytes or bytearray
        The bytes.
    starts, lengths : array_like of int
        Where each range begins in ``buffer`` and how many octets it holds.

    Returns
    -------
    numpy.ndarray of uint16
        One CRC per range. This is ECSS-E-ST-70-41C's packet error control (:cite:`ecss70041c`), the
        "CRC-16/CCITT-FALSE" of the CRC catalogues, whose check value (the CRC of ``b"123456789"``) is
        0x29B1.
    """
    buf = np.frombuffer(buffer, dtype=np.uint8) if not isinstance(buffer, np.ndarray) else buffer
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    lengths = np.ascontiguousarray(lengths, dtype=np.int64)
    out = np.empty(starts.shape[0], dtype=np.uint16)
    if starts.size:
        _crc16_kernel(buf, starts, lengths, _CRC_TABLE, out)
    return out


def crc16(data) -> int:
    """CRC-16/CCITT-FALSE of one byte string (see :func:`crc16_many`).

    Examples
    --------
    >>> hex(crc16(b"123456789"))
    '0x29b1'
    """
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    return int(crc16_many(buf, [0], [buf.size])[0])


def primary_header(apid: int, sequence_count: int, data_length: int, sequence_flags: int = 3) -> bytes:
    """The 6 octets of a telemetry packet's primary header (secondary header flag set).

    ``data_length`` is the number of octets of the data field (secondary header, user data and CRC); the
    header holds it minus one.

    Examples
    --------
    >>> primary_header(0x64, 5, 20).hex()
    '0864c0050013'
    """
    if not 0 <= apid < 2048:
        raise InputError(f"an APID is 11 bits, 0 to 2047, got {apid}")
    if not 1 <= data_length <= MAX_DATA_FIELD_BYTES:
        raise InputError(f"a packet data field holds 1 to {MAX_DATA_FIELD_BYTES} octets, got {data_length}")
    word0 = (0 << 13) | (0 << 12) | (1 << 11) | apid
    word1 = ((sequence_flags & 3) << 14) | (sequence_count % SEQUENCE_COUNT_MODULO)
    return bytes([word0 >> 8, word0 & 0xFF, word1 >> 8, word1 & 0xFF, (data_length - 1) >> 8,
                  (data_length - 1) & 0xFF])  # fmt: skip


def build_packets(apid: int, first_count: int, coarse, fine, user_data) -> tuple[list[bytes], int]:
    """Packets of one APID: headers, CUC times, user data and CRCs, numbered from ``first_count``.

    Parameters
    ----------
    apid : int
        The APID (0-2047).
    first_count : int
        The sequence count of the first packet (the next ones count up, modulo 16384).
    coarse, fine : array_like of int
        The CUC time of each packet: whole seconds (< 2^32) and units of 2^-16 s (< 65536).
    user_data : numpy.ndarray of uint8 (N, L), or sequence of bytes
        The user data of each packet: one row each (fixed length, vectorised) or one byte string each.

    Returns
    -------
    packets : list of bytes
        The packets, in order.
    next_count : int
        The sequence count the next packet of this APID takes.
    """
    coarse = np.asarray(coarse, dtype=np.int64)
    fine = np.asarray(fine, dtype=np.int64)
    n = coarse.shape[0]
    if fine.shape != (n,):
        raise InputError(f"coarse and fine times must have the same shape, got {coarse.shape}, {fine.shape}")
    if n and (coarse.min() < 0 or coarse.max() >= 2**32 or fine.min() < 0 or fine.max() >= CUC_FINE_PER_S):
        raise InputError("a CUC time needs 0 <= coarse < 2**32 and 0 <= fine < 65536")
    if isinstance(user_data, np.ndarray):
        if user_data.ndim != 2 or user_data.shape[0] != n:
            raise InputError(f"user data must be (N, L) with N = {n} packets, got {user_data.shape}")
        lengths = np.full(n, user_data.shape[1], dtype=np.int64)
        body = np.ascontiguousarray(user_data, dtype=np.uint8).reshape(-1)
    else:
        if len(user_data) != n:
            raise InputError(f"give one user data string per packet: {len(user_data)} for {n} packets")
        lengths = np.fromiter((len(d) for d in user_data), dtype=np.int64, count=n)
        body = np.frombuffer(b"".join(user_data), dtype=np.uint8)
    data_field = SECONDARY_HEADER_BYTES + lengths + PEC_BYTES
    if n and data_field.max() > MAX_DATA_FIELD_BYTES:
        raise InputError(f"user data of {int(lengths.max())} octets do not fit one packet")
    total = PRIMARY_HEADER_BYTES + data_field
    ends = np.cumsum(total)
    starts = ends - total
    out = np.zeros(int(ends[-1]) if n else 0, dtype=np.uint8)
    counts = (first_count + np.arange(n)) % SEQUENCE_COUNT_MODULO
    word0 = (1 << 11) | apid
    word1 = (SEQUENCE_UNSEGMENTED << 14) | counts
    length = data_field - 1
    header = np.stack([np.full(n, word0 >> 8), np.full(n, word0 & 0xFF), word1 >> 8, word1 & 0xFF,
                       length >> 8, length & 0xFF, (coarse >> 24) & 0xFF, (coarse >> 16) & 0xFF,
                       (coarse >> 8) & 0xFF, coarse & 0xFF, fine >> 8, fine & 0xFF], axis=1)  # fmt: skip
    hdr = PRIMARY_HEADER_BYTES + SECONDARY_HEADER_BYTES
    idx = starts[:, None] + np.arange(hdr)
    out[idx] = header.astype(np.uint8)
    body_starts = starts + hdr
    body_pos = np.repeat(body_starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    out[body_pos + np.arange(body.size)] = body
    crc = crc16_many(out, starts, total - PEC_BYTES)
    out[ends - 2] = (crc >> 8).astype(np.uint8)
    out[ends - 1] = (crc & 0xFF).astype(np.uint8)
    raw = out.tobytes()
    packets = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    return packets, int((first_count + n) % SEQUENCE_COUNT_MODULO)


def decode_primary_headers(headers: np.ndarray) -> dict[str, np.ndarray]:
    """Fields of many primary headers, (N, 6) uint8 -> dict of int arrays.

    Keys: ``version``, ``type``, ``secondary_flag``, ``apid``, ``sequence_flags``, ``sequence_count``,
    ``data_length`` (the field: octets of the data field - 1) and ``total_bytes`` (the packet's length).
    """
    h = np.asarray(headers, dtype=np.int64).reshape(-1, PRIMARY_HEADER_BYTES)
    word0 = (h[:, 0] << 8) | h[:, 1]
    word1 = (h[:, 2] << 8) | h[:, 3]
    length = (h[:, 4] << 8) | h[:, 5]
    return {
        "version": word0 >> 13,
        "type": (word0 >> 12) & 1,
        "secondary_flag": (word0 >> 11) & 1,
        "apid": word0 & 0x7FF,
        "sequence_flags": word1 >> 14,
        "sequence_count": word1 & 0x3FFF,
        "data_length": length,
        "total_bytes": length + 1 + PRIMARY_HEADER_BYTES,
    }


def decode_cuc_ticks(headers: np.ndarray) -> np.ndarray:
    """On-board times (int64 ticks of 2^-16 s: coarse * 65536 + fine) of many packets' first 12 octets.

    ``headers`` is (N, >= 12) uint8: the primary header and the CUC secondary header of each packet.
    """
    h = np.asarray(headers, dtype=np.int64)[
        :, PRIMARY_HEADER_BYTES : PRIMARY_HEADER_BYTES + SECONDARY_HEADER_BYTES
    ]
    coarse = (h[:, 0] << 24) | (h[:, 1] << 16) | (h[:, 2] << 8) | h[:, 3]
    return coarse * CUC_FINE_PER_S + ((h[:, 4] << 8) | h[:, 5])


#: zlib level of :func:`deflate_words`.
ZLIB_LEVEL = 6


def deflate_words(values: np.ndarray, dtype: str) -> bytes:
    """Lossless compression of integer words: byte-shuffled, then zlib (deflate, :cite:`rfc1950`).

    The words (``dtype``, e.g. ``">i2"``, ``">u4"``) are written as byte planes (every word's first
    octet, then every second octet, ...: the "shuffle" of HDF5's filter) and deflated; on noisy images
    this halves the size of 32-bit words against deflate alone, at a tenth of the time.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(-5, 1000, 7)
    >>> bool((inflate_words(deflate_words(a, ">i4"), ">i4") == a).all())
    True
    """
    words = np.ascontiguousarray(np.asarray(values).astype(dtype)).reshape(-1)
    planes = words.view(np.uint8).reshape(-1, np.dtype(dtype).itemsize).T
    return zlib.compress(np.ascontiguousarray(planes).tobytes(), ZLIB_LEVEL)


def inflate_words(data: bytes, dtype: str) -> np.ndarray:
    """The words of :func:`deflate_words` (flat, in ``dtype``); a corrupt block raises TelemetryError."""
    try:
        raw = zlib.decompress(bytes(data))
    except zlib.error as exc:
        raise TelemetryError(f"a compressed block does not inflate: {exc}") from exc
    size = np.dtype(dtype).itemsize
    if len(raw) % size:
        raise TelemetryError(f"a compressed block holds {len(raw)} octets, not whole {size}-octet words")
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(size, -1)
    return np.ascontiguousarray(planes.T).view(np.dtype(dtype)).reshape(-1)
