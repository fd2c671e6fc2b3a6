"""Base58 and Base58Check (Bitcoin alphabet), through ``based58`` (a Rust implementation).

Errors come back as :class:`~walletkit.errors.InvalidAddress`-neutral
:class:`~walletkit.errors.InvalidInput`; callers re-raise with their own context.
"""

from __future__ import annotations

import based58

from walletkit.crypto.hashes import double_sha256
from walletkit.errors import InvalidInput

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ALPHABET_SET = frozenset(ALPHABET)


class Base58Error(InvalidInput):
    """Text that is not base58, or whose base58check checksum fails."""


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 text.

    >>> b58encode(b"\\x00\\x01")
    '12'
    """
    return based58.b58encode(data).decode("ascii")


def b58decode(text: str) -> bytes:
    """Decode base58 text.

    Raises:
        Base58Error: a character outside the base58 alphabet.
    """
    if not isinstance(text, str) or not text or not _ALPHABET_SET.issuperset(text):
        raise Base58Error("not base58 text (alphabet 1-9, A-Z, a-z without 0, O, I, l)")
    return bytes(based58.b58decode(text.encode("ascii")))


def b58check_encode(payload: bytes) -> str:
    """Encode ``payload || sha256d(payload)[:4]`` as base58.

    >>> b58check_encode(bytes(21))
    '1111111111111111111114oLvT2'
    """
    return based58.b58encode(payload + double_sha256(payload)[:4]).decode("ascii")


def b58check_decode(text: str) -> bytes:
    """Decode base58check text and return the payload.

    Raises:
        Base58Error: not base58, too short, or the 4-byte checksum does not match.
    """
    raw = b58decode(text)
    if len(raw) < 5:
        raise Base58Error(f"base58check data is at least 5 bytes, got {len(raw)}")
    payload, checksum = raw[:-4], raw[-4:]
    if double_sha256(payload)[:4] != checksum:
        raise Base58Error("base58check checksum does not match")
    return payload
