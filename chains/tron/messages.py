"""TRON message signing (TIP-191, tronweb ``signMessageV2``).

hash = keccak256("\\x19TRON Signed Message:\\n" || len(message) || message)
signature = 0x || r || s || v (v = 27 + recovery id)
"""

from __future__ import annotations

from chains.tron.address import address_of
from walletkit.chain import message_bytes
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256
from walletkit.errors import InvalidSignature
from walletkit.keys import SigningKey, sign_recoverable


def message_hash(message: str | bytes) -> bytes:
    """Return the TIP-191 hash of a message."""
    data = message_bytes(message)
    return keccak256(b"\x19TRON Signed Message:\n" + str(len(data)).encode() + data)


def sign(secret: bytes | SigningKey, message: str | bytes) -> str:
    """Return the 0x-hex signature r || s || v of a message (``secret``: a SigningKey or 32 secret bytes)."""
    sig = sign_recoverable(secret, message_hash(message))
    return "0x" + (sig[:64] + bytes([27 + sig[64]])).hex()


def recover(message: str | bytes, signature: str) -> str:
    """Return the base58 address that made ``signature`` over ``message``.

    Raises:
        InvalidSignature: not 65 bytes of hex, or a bad v.
    """
    return recover_address(message_hash(message), signature, "TRON")


def recover_address(digest: bytes, signature: object, what: str) -> str:
    """Return the base58 address whose key made ``signature`` (0x-hex r || s || v) over ``digest``.

    Raises:
        InvalidSignature: not 65 bytes of hex, or a v other than 0, 1, 27, 28.
    """
    if not isinstance(signature, str):
        raise InvalidSignature(f"a {what} signature is hex text, got {type(signature).__name__}")
    text = signature[2:] if signature[:2] in ("0x", "0X") else signature
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 65 or raw[64] not in (0, 1, 27, 28):
        raise InvalidSignature(f"a {what} signature is 65 bytes of hex (r || s || v) with v 27 or 28")
    v = raw[64] - 27 if raw[64] >= 27 else raw[64]
    public = secp256k1.recover(digest, int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), v)
    return address_of(secp256k1.uncompress(public))
