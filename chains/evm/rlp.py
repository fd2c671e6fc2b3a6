"""Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).

Written by hand: the ``rlp`` package infers a serializer per item, which costs more than
the signature on the transaction-signing hot path. Tests cross-check it against ``rlp``.
"""

from __future__ import annotations

from typing import Union

Item = Union[bytes, int, list["Item"], tuple["Item", ...]]


_SINGLE = [bytes([i]) for i in range(0x80)]
_SHORT = [bytes([0x80 + n]) for n in range(56)]


def _length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(encoded)]) + encoded


def encode_uint(value: int) -> bytes:
    """Encode a non-negative int: big-endian, no leading zeros (the fast path of :func:`encode`).

    >>> encode_uint(0), encode_uint(127), encode_uint(1024).hex()
    (b'\\x80', b'\\x7f', '820400')
    """
    if value < 0x80:
        if value > 0:
            return _SINGLE[value]
        if value == 0:
            return b"\x80"
        raise ValueError("RLP cannot encode a negative integer")
    n = (value.bit_length() + 7) >> 3
    return _SHORT[n] + value.to_bytes(n, "big") if n < 56 else _length_prefix(n, 0x80) + value.to_bytes(n, "big")


def encode_bytes(value: bytes) -> bytes:
    """Encode a byte string (``bytes`` exactly).

    >>> encode_bytes(b""), encode_bytes(b"\\x01"), encode_bytes(b"\\x80").hex()
    (b'\\x80', b'\\x01', '8180')
    """
    n = len(value)
    if n == 1 and value[0] < 0x80:
        return value
    return _SHORT[n] + value if n < 56 else _length_prefix(n, 0x80) + value


# A list's header by payload length, for payloads under 256 bytes (0xc0 + n, then 0xf8 n): looked
# up, here and on the transaction-signing hot path.
LIST_PREFIXES = tuple(bytes([0xC0 + n]) if n < 56 else _length_prefix(n, 0xC0) for n in range(256))


def list_prefix(payload_length: int) -> bytes:
    """Return the RLP header of a list whose items encode to ``payload_length`` bytes."""
    return LIST_PREFIXES[payload_length] if payload_length < 256 else _length_prefix(payload_length, 0xC0)


def encode(item: Item) -> bytes:
    """Encode bytes, a non-negative int (big-endian, no leading zeros) or a list of items.

    >>> encode([b"cat", b"dog"]).hex()
    'c88363617483646f67'
    >>> encode(0), encode(1024).hex()
    (b'\\x80', '820400')
    """
    if type(item) is int:  # the common case first: transaction fields are mostly integers
        if 0 < item < 0x80:
            return _SINGLE[item]
        if item < 0:
            raise ValueError("RLP cannot encode a negative integer")
        item = item.to_bytes((item.bit_length() + 7) // 8, "big")
        if len(item) < 56:
            return _SHORT[len(item)] + item
        return _length_prefix(len(item), 0x80) + item
    if type(item) is bytes:
        n = len(item)
        if n == 1 and item[0] < 0x80:
            return item
        return _SHORT[n] + item if n < 56 else _length_prefix(n, 0x80) + item
    if isinstance(item, int):  # an int subclass (IntEnum, bool)
        return encode(int(item))
    if isinstance(item, (bytes, bytearray)):
        if len(item) == 1 and item[0] < 0x80:
            return bytes(item)
        return _length_prefix(len(item), 0x80) + bytes(item)
    payload = b"".join([encode(x) for x in item])
    return _length_prefix(len(payload), 0xC0) + payload
