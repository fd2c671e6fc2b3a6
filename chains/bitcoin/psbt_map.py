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


# Key-data lengths of the known key types (BIP174, BIP370, BIP371): a set of allowed lengths,
# or a callable for the taproot leaf script's control block. Types not listed (proprietary
# 0xfc, future types) are carried through untouched.
_PUBKEY = frozenset({33, 65})
_NONE = frozenset({0})
GLOBAL_KEYS: dict[int, frozenset[int]] = {
    0x00: _NONE,
    0x01: frozenset({78}),
    0x02: _NONE,
    0x03: _NONE,
    0x04: _NONE,
    0x05: _NONE,
    0x06: _NONE,
    0xFB: _NONE,
}
INPUT_KEYS: dict[int, frozenset[int]] = {
    0x00: _NONE,
    0x01: _NONE,
    0x02: _PUBKEY,
    0x03: _NONE,
    0x04: _NONE,
    0x05: _NONE,
    0x06: _PUBKEY,
    0x07: _NONE,
    0x08: _NONE,
    0x09: _NONE,
    0x0A: frozenset({20}),
    0x0B: frozenset({32}),
    0x0C: frozenset({20}),
    0x0D: frozenset({32}),
    0x0E: _NONE,
    0x0F: _NONE,
    0x10: _NONE,
    0x11: _NONE,
    0x12: _NONE,
    0x13: _NONE,
    0x14: frozenset({64}),
    0x15: frozenset(33 + 32 * k for k in range(129)),
    0x16: frozenset({32}),
    0x17: _NONE,
    0x18: _NONE,
}
OUTPUT_KEYS: dict[int, frozenset[int]] = {
    0x00: _NONE,
    0x01: _NONE,
    0x02: _PUBKEY,
    0x03: _NONE,
    0x04: _NONE,
    0x05: _NONE,
    0x06: _NONE,
    0x07: frozenset({32}),
}
# Fields only one version may carry (BIP370: v2 fields are excluded from v0 and 0x00 from v2).
V2_ONLY = {"global": {0x02, 0x03, 0x04, 0x05, 0x06}, "input": {0x0E, 0x0F, 0x10, 0x11, 0x12}, "output": {0x03, 0x04}}
V0_ONLY = {"global": {0x00}, "input": set(), "output": set()}
_SPECS = {"global": GLOBAL_KEYS, "input": INPUT_KEYS, "output": OUTPUT_KEYS}


def check_keys(entries: Map, where: str, version: int, index: int | None = None) -> None:
    """Refuse a known key type whose key data has the wrong length, or a field of the other version.

    ``where`` is "global", "input" or "output"; ``version`` is 0 or 2.

    Raises:
        InvalidTransaction: names the map, the key type, the key-data length found and expected.
    """
    name = where if index is None else f"{where} {index}"
    spec = _SPECS[where]
    forbidden = V2_ONLY[where] if version == 0 else V0_ONLY[where]
    for key in entries:
        kind = key[0]
        if kind in forbidden:
            raise InvalidTransaction(
                f"PSBT v{version} {name} map carries key type 0x{kind:02x}, which only a "
                f"PSBT v{2 if version == 0 else 0} may carry (BIP370)"
            )
        allowed = spec.get(kind)
        if allowed is not None and len(key) - 1 not in allowed:
            expected = "no key data" if allowed == _NONE else f"key data of {sorted(allowed)[:3]} bytes"
            raise InvalidTransaction(
                f"PSBT {name} key type 0x{kind:02x} has {len(key) - 1} bytes of key data; expected {expected}"
            )
