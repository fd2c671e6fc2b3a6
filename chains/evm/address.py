"""EVM addresses: keccak256(pubkey)[12:], written with the EIP-55 mixed-case checksum."""

from __future__ import annotations

from functools import lru_cache

from walletkit.crypto.hashes import keccak256
from walletkit.errors import InvalidAddress

_HEX = frozenset("0123456789abcdefABCDEF")
# Byte tables for EIP-55 without a Python loop: 0x20 where a digest nibble is >= 8, and
# 0x20 where the address character is a letter (clearing 0x20 upper-cases a-f).
_UPPER = bytes(0x20 if c in b"89abcdef" else 0 for c in range(256))
_LETTER = bytes(0x20 if c in b"abcdef" else 0 for c in range(256))


def checksum_encode(address20: bytes) -> str:
    """Return the EIP-55 form of a 20-byte address.

    A hex letter is upper case where the same nibble of keccak256(lowercase hex) is >= 8.

    >>> checksum_encode(bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    """
    lower = address20.hex().encode("ascii")
    upper_at = keccak256(lower).hex()[:40].encode("ascii").translate(_UPPER)
    letters = lower.translate(_LETTER)
    mixed = int.from_bytes(lower, "big") ^ (int.from_bytes(upper_at, "big") & int.from_bytes(letters, "big"))
    return "0x" + mixed.to_bytes(40, "big").decode("ascii")


def address_of(uncompressed: bytes) -> str:
    """Return the checksummed address of a 65-byte uncompressed secp256k1 public key."""
    return checksum_encode(keccak256(uncompressed[1:])[12:])


def parse_address(text: object) -> bytes:
    """Return the 20 bytes of an address; mixed case must carry a valid EIP-55 checksum.

    All-lowercase and all-uppercase forms carry no checksum and are accepted.

    Raises:
        InvalidAddress: not text, not 0x + 40 hex digits, or a mixed-case checksum mismatch.
    """
    if isinstance(text, str):
        return _parse_text(text)
    if isinstance(text, (bytes, bytearray)) and len(text) == 20:
        return bytes(text)
    raise InvalidAddress(f"an EVM address is 0x followed by 40 hex digits, got {type(text).__name__}")


# Backends send to the same few addresses again and again; checking a checksum costs a hash.
@lru_cache(maxsize=4096)
def _parse_text(text: str) -> bytes:
    body = text[2:] if text[:2] in ("0x", "0X") else None
    if body is None or len(body) != 40 or not _HEX.issuperset(body):
        shown = text if len(text) <= 64 else text[:61] + "..."
        raise InvalidAddress(f"an EVM address is 0x followed by 40 hex digits, got {shown!r}")
    raw = bytes.fromhex(body)
    if body != body.lower() and body != body.upper() and checksum_encode(raw)[2:] != body:
        raise InvalidAddress(
            f"EIP-55 checksum mismatch in {text}: the mixed case does not match; expected {checksum_encode(raw)}"
        )
    return raw
