"""The PSBT key-value map codec (BIP174), shared by version 0 and version 2 (BIP370).

psbt = "psbt" 0xff || global map || one map per input || one map per output
map  = (varbytes(key) || varbytes(value))* || 0x00,  key = type byte || key data

The lowest PSBT module: :mod:`chains.bitcoin.psbt2` and :mod:`chains.bitcoin.psbt` import
it, and it imports neither (so the two versions do not import each other in a circle).
"""

from __future__ import annotations

import io
from typing import Protocol

from chains.bitcoin.tx import Transaction, read_varbytes, varbytes
from walletkit.errors import InvalidTransaction

MAGIC = b"psbt\xff"
G_UNSIGNED_TX = 0x00  # the global key of version 0's unsigned transaction

Map = dict[bytes, bytes]


class PsbtMaps(Protocol):
    """What a PSBT holds in either version: the transaction and one map per global, input and output."""

    tx: Transaction
    globals: Map
    inputs: list[Map]
    outputs: list[Map]


def _read_map(stream: io.BytesIO) -> Map:
    result: Map = {}
    while True:
        key = read_varbytes(stream)
        if not key:
            return result
        if key in result:
            raise InvalidTransaction(f"PSBT has a duplicate key 0x{key.hex()}")
        result[key] = read_varbytes(stream)


def _write_map(entries: Map) -> bytes:
    return b"".join(varbytes(k) + varbytes(v) for k, v in entries.items()) + b"\x00"
