"""Signing straight through libsecp256k1 (coincurve's bindings), for the transaction hot path.

coincurve's ``sign_schnorr`` rebuilds the keypair (a point multiplication) and verifies its
own signature (another) on every call; its ``sign`` goes through a DER helper object. A
wallet signs many inputs with one key, so the BIP340 keypair is made once per key and
kept in a small bounded map; the signatures are the same bytes libsecp256k1 gives.
"""

from __future__ import annotations

import os
from typing import Any

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from walletkit.errors import InvalidKey

_CTX = GLOBAL_CONTEXT.ctx
_keypairs: dict[bytes, Any] = {}
_MAX_KEYPAIRS = 64


def _keypair(secret: bytes) -> Any:
    keypair = _keypairs.get(secret)
    if keypair is None:
        keypair = ffi.new("secp256k1_keypair *")
        if not lib.secp256k1_keypair_create(_CTX, keypair, secret):
            raise InvalidKey("not a valid secp256k1 secret")
        if len(_keypairs) >= _MAX_KEYPAIRS:
            _keypairs.pop(next(iter(_keypairs)))
        _keypairs[secret] = keypair
    return keypair


def schnorr(secret: bytes, digest32: bytes, aux: bytes | None = None) -> bytes:
    """Return the 64-byte BIP340 signature of ``digest32``; ``aux`` is fresh randomness by default."""
    signature = ffi.new("unsigned char[64]")
    if not lib.secp256k1_schnorrsig_sign32(_CTX, signature, digest32, _keypair(secret), aux or os.urandom(32)):
        raise InvalidKey("libsecp256k1 could not sign with this key")
    return bytes(ffi.buffer(signature, 64))


def ecdsa_der(secret: bytes, digest32: bytes) -> bytes:
    """Return the DER ECDSA signature (RFC6979 nonce, low S) of ``digest32``."""
    signature = ffi.new("secp256k1_ecdsa_signature *")
    if not lib.secp256k1_ecdsa_sign(_CTX, signature, digest32, secret, ffi.NULL, ffi.NULL):
        raise InvalidKey("libsecp256k1 could not sign with this key")
    out = ffi.new("unsigned char[72]")
    size = ffi.new("size_t *", 72)
    lib.secp256k1_ecdsa_signature_serialize_der(_CTX, out, size, signature)
    return bytes(ffi.buffer(out, size[0]))
