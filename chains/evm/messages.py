"""EIP-191 ``personal_sign`` messages: sign, and verify by public key recovery.

hash = keccak256(0x19 || "Ethereum Signed Message:\\n" || len(message) || message)
signature = r (32) || s (32) || v (1, 27 or 28)
"""

from __future__ import annotations

from chains.evm.address import address_of
from walletkit.chain import message_bytes
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256
from walletkit.errors import InvalidSignature
from walletkit.keys import SigningKey, sign_recoverable


def personal_hash(message: str | bytes) -> bytes:
    """Return the EIP-191 version 0x45 hash of a message.

    >>> personal_hash("hello").hex()[:16]
    '50b2c43fd39106ba'
    """
    data = message_bytes(message)
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(data)).encode() + data)


def sign_hash(secret: bytes | SigningKey, digest: bytes) -> bytes:
    """Return r || s || v (v = 27 + recovery id) over a 32-byte digest; low S.

    ``secret`` is a :class:`~walletkit.keys.SigningKey` or a raw 32-byte secp256k1 secret
    (signed with an RFC 6979 nonce in memory).
    """
    sig = sign_recoverable(secret, digest)
    return sig[:64] + bytes([27 + sig[64]])


def parse_signature(signature: str | bytes) -> tuple[int, int, int]:
    """Return (r, s, recovery id) of a 65-byte signature given as bytes or 0x-hex.

    Raises:
        InvalidSignature: wrong length, not hex, or a v that is not 0, 1, 27 or 28.
    """
    raw: bytes
    if isinstance(signature, (bytes, bytearray)):
        raw = bytes(signature)
    elif isinstance(signature, str):
        text = signature[2:] if signature[:2] in ("0x", "0X") else signature
        try:
            raw = bytes.fromhex(text)
        except ValueError as e:
            raise InvalidSignature("an EVM signature is 65 bytes of hex (r || s || v)") from e
    else:
        raise InvalidSignature(f"a signature is hex text or bytes, got {type(signature).__name__}")
    if len(raw) != 65:
        raise InvalidSignature(f"an EVM signature is 65 bytes (r || s || v), got {len(raw)}")
    v = raw[64]
    if v not in (0, 1, 27, 28):
        raise InvalidSignature(f"signature v must be 27 or 28 (or 0/1), got {v}")
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), v - 27 if v >= 27 else v


def recover_address(digest: bytes, signature: str | bytes) -> str:
    """Return the checksummed address whose key made ``signature`` over ``digest``."""
    r, s, rec = parse_signature(signature)
    if s > secp256k1.HALF_N:
        raise InvalidSignature("signature S is in the upper half of the curve order (EIP-2 forbids it)")
    return address_of(secp256k1.uncompress(secp256k1.recover(digest, r, s, rec)))
