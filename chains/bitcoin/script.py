"""Script templates for the four single-key kinds, and pushes."""

from __future__ import annotations

from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import hash160


def push(data: bytes) -> bytes:
    """Return a minimal data push."""
    n = len(data)
    if n < 0x4C:
        return bytes([n]) + data
    if n <= 0xFF:
        return b"\x4c" + bytes([n]) + data
    return b"\x4d" + n.to_bytes(2, "little") + data


def p2pkh(public: bytes) -> bytes:
    """OP_DUP OP_HASH160 <HASH160(K)> OP_EQUALVERIFY OP_CHECKSIG."""
    return b"\x76\xa9\x14" + hash160(public) + b"\x88\xac"


def p2wpkh(public: bytes) -> bytes:
    """OP_0 <HASH160(K)>."""
    return b"\x00\x14" + hash160(public)


def p2sh_p2wpkh(public: bytes) -> bytes:
    """OP_HASH160 <HASH160(redeem)> OP_EQUAL, redeem = OP_0 <HASH160(K)>."""
    return b"\xa9\x14" + hash160(p2wpkh(public)) + b"\x87"


def p2tr(public: bytes) -> bytes:
    """OP_1 <Q.x>, Q the BIP86 output key of K."""
    return b"\x51\x20" + secp256k1.taproot_output_key(public[1:])[0]


SCRIPT_OF = {"p2pkh": p2pkh, "p2wpkh": p2wpkh, "p2sh-p2wpkh": p2sh_p2wpkh, "p2tr": p2tr}


def script_pubkey(public: bytes, kind: str) -> bytes:
    """Return the scriptPubKey of a compressed public key for a kind."""
    return SCRIPT_OF[kind](public)
