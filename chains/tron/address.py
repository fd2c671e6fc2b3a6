"""TRON addresses: base58check(0x41 || keccak256(pubkey)[12:]), also written as 41-hex or 0x-hex."""

from __future__ import annotations

from walletkit.crypto.hashes import keccak256
from walletkit.encoding.base58 import Base58Error, b58check_decode, b58check_encode
from walletkit.errors import InvalidAddress

PREFIX = 0x41
_HEX = frozenset("0123456789abcdefABCDEF")


def address_of(uncompressed: bytes) -> str:
    """Return the base58 address of a 65-byte uncompressed public key."""
    return b58check_encode(b"\x41" + keccak256(uncompressed[1:])[12:])


def parse_address(text: object) -> bytes:
    """Return the 21 bytes (0x41 || 20) of an address given as ``T...``, ``41...`` or ``0x...``.

    >>> parse_address("TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC").hex()
    '417e5f4552091a69125d5dfcb7b8c2659029395bdf'

    Raises:
        InvalidAddress: a bad checksum, a prefix other than 0x41, or the wrong length.
    """
    if not isinstance(text, str):
        raise InvalidAddress(f"a TRON address is text, got {type(text).__name__}")
    s = text.strip()
    if s[:2] in ("0x", "0X") and len(s) == 42 and _HEX.issuperset(s[2:]):
        return b"\x41" + bytes.fromhex(s[2:])
    if len(s) == 42 and _HEX.issuperset(s):
        if s[:2] != "41":
            raise InvalidAddress(f"a hex TRON address starts with 41 (or 0x), got prefix {s[:2]!r} in {s!r}")
        return bytes.fromhex(s)
    if not s.startswith("T") or len(s) != 34:
        shown = s if len(s) <= 64 else s[:61] + "..."
        raise InvalidAddress(
            f"a TRON address is T followed by 33 base58 characters, or 41/0x + 40 hex digits; got {shown!r}"
        )
    try:
        raw = b58check_decode(s)
    except Base58Error as e:
        raise InvalidAddress(f"not a TRON address: {e}") from e
    if len(raw) != 21 or raw[0] != PREFIX:
        raise InvalidAddress(f"a TRON address holds 0x41 and 20 bytes, got {len(raw)} bytes starting 0x{raw[0]:02x}")
    return raw


def to_base58(raw21: bytes) -> str:
    """Return the ``T...`` form of 21 address bytes."""
    return b58check_encode(raw21)
