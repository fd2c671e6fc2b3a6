"""Wallet Import Format: base58check(version || key || 0x01 if compressed)."""

from __future__ import annotations

from chains.bitcoin.network import PARAMS
from walletkit.encoding.base58 import Base58Error, b58check_decode, b58check_encode
from walletkit.errors import InvalidKey
from walletkit.keys import PrivateKey


def encode_wif(key: PrivateKey, network: str, compressed: bool = True) -> str:
    """Return the WIF of a key for a network (compressed by default)."""
    payload = bytes([PARAMS[network].wif]) + key.secret_bytes() + (b"\x01" if compressed else b"")
    return b58check_encode(payload)


def decode_wif(text: str) -> tuple[PrivateKey, str, bool]:
    """Return (key, network, compressed) of a WIF; the network is ``mainnet`` or ``testnet``.

    Raises:
        InvalidKey: bad checksum, version or length; the message never contains the key.
    """
    try:
        payload = b58check_decode(text.strip())
    except Base58Error as e:
        raise InvalidKey(f"not a WIF private key: {e}") from None
    if len(payload) == 34 and payload[-1] == 1:
        compressed = True
    elif len(payload) == 33:
        compressed = False
    else:
        raise InvalidKey(f"a WIF key holds 33 or 34 bytes (with the 0x01 compression flag), got {len(payload)}")
    version = payload[0]
    network = {0x80: "mainnet", 0xEF: "testnet"}.get(version)
    if network is None:
        raise InvalidKey(f"unknown WIF version byte 0x{version:02x}; expected 0x80 (mainnet) or 0xef (test networks)")
    return PrivateKey("secp256k1", payload[1:33]), network, compressed
