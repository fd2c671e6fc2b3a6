"""The protobuf wire format, just what TRON transactions use (varint and length-delimited fields).

Written by hand: TRON's .proto files are not published as a maintained Python package,
and generating and shipping protobuf classes for eight messages would add a runtime and
a build step for forty lines of the wire format. Fields are written in field-number
order and proto3 defaults (0, empty, false) are omitted, as TRON's own SDKs do;
tests compare every byte with tronweb.
"""

from __future__ import annotations

from collections.abc import Iterable

VARINT, LENGTH_DELIMITED = 0, 2
Field = tuple[int, "int | bool | bytes | None"]


def varint(value: int) -> bytes:
    """Encode an unsigned (or two's-complement 64-bit negative) integer as a varint.

    >>> varint(300).hex()
    'ac02'
    """
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def message(fields: Iterable[Field]) -> bytes:
    """Encode (field number, value) pairs; ints and bools as varints, bytes as length-delimited.

    ``None``, 0, False and b"" are proto3 defaults and are left out.
    """
    out = bytearray()
    for number, value in fields:
        if value is None or value is False or value == 0 or value == b"":
            continue
        if isinstance(value, (bytes, bytearray)):
            out += varint(number << 3 | LENGTH_DELIMITED) + varint(len(value)) + value
        else:
            out += varint(number << 3 | VARINT) + varint(int(value))
    return bytes(out)


def repeated(number: int, items: Iterable[bytes]) -> list[Field]:
    """Return the fields of a repeated embedded message (each item already encoded)."""
    return [(number, item) for item in items]
