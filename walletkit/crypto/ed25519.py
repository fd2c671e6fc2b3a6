"""ed25519 through libsodium (PyNaCl): the one place that touches the curve.

Signing takes only the 32-byte seed and derives the public key itself, so no caller can
pair a secret with someone else's public key (the "double public key" oracle).
"""

from __future__ import annotations

import nacl.bindings as _sodium
from nacl.exceptions import BadSignatureError, CryptoError


def public_from_seed(seed: bytes) -> bytes:
    """Return the 32-byte public key of a 32-byte seed."""
    return _sodium.crypto_sign_seed_keypair(seed)[0]


def sign(seed: bytes, message: bytes) -> bytes:
    """Return the 64-byte ed25519 signature of ``message`` under ``seed``."""
    _, sk = _sodium.crypto_sign_seed_keypair(seed)
    return _sodium.crypto_sign(message, sk)[:64]


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Return True if ``signature`` verifies (libsodium's strict checks)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        _sodium.crypto_sign_open(signature + message, public)
    except (BadSignatureError, CryptoError, ValueError):
        return False
    return True
