"""Solana keys and addresses: base58 of the 32-byte ed25519 public key.

A Solana CLI keypair is 64 bytes, seed || public key; the public half must be the seed's
own public key (a keypair that pairs a seed with someone else's public key is the
"double public key" oracle, and is refused).
"""

from __future__ import annotations

import json

from solders.pubkey import Pubkey

from walletkit.crypto import ed25519
from walletkit.encoding.base58 import Base58Error, b58decode
from walletkit.errors import InvalidAddress, InvalidKey
from walletkit.keys import PrivateKey


def parse_address(text: object) -> bytes:
    """Return the 32 bytes of a base58 Solana address.

    Raises:
        InvalidAddress: not base58, or not 32 bytes.
    """
    if type(text) is str and 32 <= len(text) <= 44:
        try:  # the usual case: solders' decoder (Rust bs58), 10x faster; errors come from the path below
            return bytes(Pubkey.from_string(text))
        except ValueError:
            pass
    if not isinstance(text, str):
        raise InvalidAddress(f"a Solana address is base58 text, got {type(text).__name__}")
    s = text.strip()
    if not 32 <= len(s) <= 44:
        shown = s if len(s) <= 64 else s[:61] + "..."
        raise InvalidAddress(f"a Solana address is 32 to 44 base58 characters, got {shown!r}")
    try:
        raw = b58decode(s)
    except Base58Error as e:
        raise InvalidAddress(f"not a Solana address: {e}") from e
    if len(raw) != 32:
        raise InvalidAddress(f"a Solana address is 32 bytes, got {len(raw)}")
    return raw


def keypair_bytes(key: PrivateKey) -> bytes:
    """Return the 64-byte keypair (seed || public key)."""
    return key.secret_bytes() + key.public_key().data


def parse_private_key(value: str | bytes) -> PrivateKey:
    """Parse a base58 64-byte keypair, a CLI JSON array of 64 ints, 64 keypair bytes or a 32-byte seed.

    Raises:
        InvalidKey: not a key, or a keypair whose public half is not its seed's.
    """
    raw: bytes
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                numbers = json.loads(text)
                raw = bytes(numbers)
            except (ValueError, TypeError):
                raise InvalidKey("a Solana CLI keypair is a JSON array of 64 numbers 0..255") from None
        else:
            try:
                raw = b58decode(text)
            except Base58Error:
                raise InvalidKey("a Solana private key is a base58 64-byte keypair or a JSON array") from None
    else:
        raise InvalidKey(f"a Solana private key is text or bytes, got {type(value).__name__}")
    if len(raw) == 32:
        return PrivateKey("ed25519", raw)
    if len(raw) != 64:
        raise InvalidKey(f"a Solana keypair is 64 bytes (seed || public key), got {len(raw)}")
    key = PrivateKey("ed25519", raw[:32])
    if ed25519.public_from_seed(raw[:32]) != raw[32:]:
        raise InvalidKey("this keypair's public half is not its seed's public key (a mismatched keypair is refused)")
    return key


def address_of(public: bytes) -> str:
    """Return the base58 address of a 32-byte public key.

    Encoded by solders (Rust bs58): 5x faster than based58 on 32 bytes, the same text.

    >>> address_of(bytes(32))
    '11111111111111111111111111111111'
    """
    return str(Pubkey(public))
