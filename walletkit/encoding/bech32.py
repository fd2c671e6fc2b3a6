"""Bech32 (BIP173) and Bech32m (BIP350) strings and segwit addresses.

Written by hand: the reference implementation on PyPI (``bech32``) is unmaintained
since 2020 and about five times slower, and address derivation is a hot path. The
algorithm is the BIP's; the tests cross-check it against the reference package and the
BIPs' valid/invalid vectors.
"""

from __future__ import annotations

from enum import Enum

from walletkit.errors import InvalidInput

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_REV = {c: i for i, c in enumerate(CHARSET)}
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class Encoding(Enum):
    """Which checksum constant a string uses."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


class Bech32Error(InvalidInput):
    """Text that is not a valid bech32/bech32m string or segwit address."""


def _make_table() -> tuple[int, ...]:
    table = []
    for top in range(32):
        mask = 0
        for i, g in enumerate(_GEN):
            if (top >> i) & 1:
                mask ^= g
        table.append(mask)
    return tuple(table)


# The BCH generator folded into one lookup per 5-bit step (same result as the BIP's loop).
_TABLE = _make_table()


def _polymod(values: list[int], chk: int = 1) -> int:
    table = _TABLE
    for v in values:
        chk = ((chk & 0x1FFFFFF) << 5) ^ v ^ table[chk >> 25]
    return chk


_hrp_state_cache: dict[str, int] = {}


def _hrp_state(hrp: str) -> int:
    state = _hrp_state_cache.get(hrp)
    if state is None:
        state = _polymod(_hrp_expand(hrp))
        if len(_hrp_state_cache) < 64:
            _hrp_state_cache[hrp] = state
    return state


def _hrp_expand(hrp: str) -> list[int]:
    codes = [ord(c) for c in hrp]
    return [c >> 5 for c in codes] + [0] + [c & 31 for c in codes]


def encode(hrp: str, data: list[int], spec: Encoding) -> str:
    """Encode 5-bit ``data`` under ``hrp`` with the checksum of ``spec``.

    >>> encode("a", [], Encoding.BECH32)
    'a12uel5l'
    """
    polymod = _polymod([*data, 0, 0, 0, 0, 0, 0], _hrp_state(hrp)) ^ spec.value
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    charset = CHARSET
    return hrp + "1" + "".join([charset[d] for d in data + checksum])


def decode(text: str, max_length: int = 90) -> tuple[str, list[int], Encoding]:
    """Decode a bech32/bech32m string into (hrp, 5-bit data, encoding).

    Raises:
        Bech32Error: mixed case, bad characters, bad length or a checksum that fails.
    """
    if not isinstance(text, str):
        raise Bech32Error(f"expected bech32 text, got {type(text).__name__}")
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise Bech32Error("bech32 text has a character outside printable ASCII")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("bech32 text mixes upper and lower case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > max_length:
        raise Bech32Error(f"bech32 text has a bad length or separator position (length {len(text)})")
    hrp = text[:pos]
    try:
        data = [_CHARSET_REV[c] for c in text[pos + 1 :]]
    except KeyError as e:
        raise Bech32Error(f"bech32 data has a character outside the bech32 alphabet: {e.args[0]!r}") from e
    const = _polymod(_hrp_expand(hrp) + data)
    for spec in Encoding:
        if const == spec.value:
            return hrp, data[:-6], spec
    raise Bech32Error("bech32 checksum does not match")


def convertbits(data: bytes | list[int], frombits: int, tobits: int, pad: bool = True) -> list[int]:
    """Regroup a sequence of ``frombits``-bit values into ``tobits``-bit values."""
    acc = 0
    bits = 0
    ret: list[int] = []
    maxv = (1 << tobits) - 1
    max_acc = (1 << (frombits + tobits - 1)) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise Bech32Error("bech32 data value out of range")
        acc = ((acc << frombits) | value) & max_acc
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad:
        if bits:
            ret.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise Bech32Error("bech32 data has non-zero or excess padding")
    return ret


def encode_segwit(hrp: str, version: int, program: bytes) -> str:
    """Encode a segwit address (BIP173 for v0, BIP350 bech32m for v1+).

    >>> encode_segwit("bc", 0, bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6"))
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    """
    spec = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    # 8-bit to 5-bit groups through one big integer: the program is at most 40 bytes.
    bits = len(program) * 8
    pad = -bits % 5
    value = int.from_bytes(program, "big") << pad
    groups = [(value >> shift) & 31 for shift in range(bits + pad - 5, -1, -5)]
    return encode(hrp, [version, *groups], spec)


def decode_segwit(hrp: str, address: str) -> tuple[int, bytes]:
    """Decode a segwit address for ``hrp``; return (witness version, program).

    Raises:
        Bech32Error: wrong hrp, bad checksum/encoding for the version, bad program length.
    """
    got_hrp, data, spec = decode(address)
    if got_hrp != hrp:
        raise Bech32Error(f"expected the human-readable part {hrp!r}, got {got_hrp!r}")
    if not data:
        raise Bech32Error("segwit address has no witness version")
    version = data[0]
    program = bytes(convertbits(data[1:], 5, 8, False))
    if version > 16:
        raise Bech32Error(f"witness version must be 0..16, got {version}")
    if not 2 <= len(program) <= 40:
        raise Bech32Error(f"witness program must be 2..40 bytes, got {len(program)}")
    if version == 0 and len(program) not in (20, 32):
        raise Bech32Error(f"a v0 witness program is 20 or 32 bytes, got {len(program)}")
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if spec is not expected:
        raise Bech32Error(f"witness version {version} must use {expected.name.lower()}, got {spec.name.lower()}")
    return version, program
