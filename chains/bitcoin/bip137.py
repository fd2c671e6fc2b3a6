"""BIP137 "Bitcoin Signed Message" signatures (the legacy signmessage format).

    digest = SHA256d(varstr("Bitcoin Signed Message:\\n") || varstr(message))
    signature = base64(header || r || s), header = 27 + recid + 4 (compressed P2PKH),
                +8 for P2SH-P2WPKH, +12 for P2WPKH (BIP137's segwit headers)

For P2TR, which BIP137 does not cover, the signature uses the compressed-P2PKH header
and verification derives the BIP86 address from the recovered key (as Sparrow and
Electrum do); BIP322 is the standard way for taproot.
"""

from __future__ import annotations

import base64
import binascii

from chains.bitcoin import address as addr
from chains.bitcoin.network import PARAMS
from chains.bitcoin.tx import varint
from walletkit.chain import message_bytes
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import double_sha256
from walletkit.errors import InvalidSignature
from walletkit.keys import SigningKey, sign_recoverable

_MAGIC = b"Bitcoin Signed Message:\n"
_HEADER_BASE = {"p2pkh": 31, "p2tr": 31, "p2sh-p2wpkh": 35, "p2wpkh": 39}


def message_digest(message: str | bytes) -> bytes:
    """Return the BIP137 digest of a message (text as UTF-8)."""
    data = message_bytes(message)
    return double_sha256(varint(len(_MAGIC)) + _MAGIC + varint(len(data)) + data)


def sign(secret: bytes | SigningKey, message: str | bytes, kind: str) -> str:
    """Return the base64 BIP137 signature of a message for an address kind.

    ``secret`` is a :class:`~walletkit.keys.SigningKey` or a raw 32-byte secp256k1 secret.
    """
    sig = sign_recoverable(secret, message_digest(message))
    header = _HEADER_BASE[kind] + sig[64]
    return base64.b64encode(bytes([header]) + sig[:64]).decode("ascii")


def verify(address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
    """Return True if the signature's recovered key owns ``address`` (any header family)."""
    dest = addr.decode(address, network)
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError, TypeError) as e:
        raise InvalidSignature("a BIP137 signature is 65 bytes in base64") from e
    if len(raw) != 65 or not 27 <= raw[0] <= 42:
        raise InvalidSignature("a BIP137 signature is 65 bytes with a header byte 27..42")
    rec = (raw[0] - 27) & 3
    try:
        public = secp256k1.recover(
            message_digest(message), int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:65], "big"), rec
        )
    except InvalidSignature:
        return False
    params = next(p for p in PARAMS.values() if addr.accepts(dest, p.name))
    if raw[0] < 31:  # uncompressed P2PKH
        from walletkit.crypto.hashes import hash160
        from walletkit.encoding.base58 import b58check_encode

        legacy = b58check_encode(bytes([params.p2pkh]) + hash160(secp256k1.uncompress(public)))
        return legacy == dest.address
    return any(addr.encode(public, kind, params) == dest.address for kind in ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"))
