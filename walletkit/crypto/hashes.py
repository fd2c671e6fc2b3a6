"""Hash functions used across chains: SHA-256, RIPEMD-160, HASH160, Keccak-256, HMAC-SHA512.

Keccak-256 (the pre-standard SHA-3 that Ethereum and TRON use) comes from safe-pysha3,
the fastest maintained binding; RIPEMD-160 from hashlib when OpenSSL still offers it,
else pycryptodome.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import sha3  # safe-pysha3

_sha256 = hashlib.sha256
_keccak = sha3.keccak_256
# The Keccak-256 hasher itself: new_keccak256(data).digest() is keccak256(data) with no Python call
# around it, for the signing hot paths.
new_keccak256 = sha3.keccak_256


def sha256(data: bytes) -> bytes:
    """Return SHA-256(data).

    >>> sha256(b"").hex()[:16]
    'e3b0c44298fc1c14'
    """
    return _sha256(data).digest()


def double_sha256(data: bytes) -> bytes:
    """Return SHA-256(SHA-256(data)), Bitcoin's hash256."""
    return _sha256(_sha256(data).digest()).digest()


def keccak256(data: bytes) -> bytes:
    """Return Keccak-256(data) (not NIST SHA3-256).

    >>> keccak256(b"").hex()[:16]
    'c5d2460186f7233c'
    """
    digest: bytes = _keccak(data).digest()
    return digest


def _pick_ripemd160() -> Callable[[bytes], bytes]:
    try:
        hashlib.new("ripemd160", b"")
    except ValueError:  # OpenSSL 3 without the legacy provider
        from Crypto.Hash import RIPEMD160

        return lambda data: RIPEMD160.new(data).digest()
    return lambda data: hashlib.new("ripemd160", data).digest()


ripemd160: Callable[[bytes], bytes] = _pick_ripemd160()


def hash160(data: bytes) -> bytes:
    """Return RIPEMD-160(SHA-256(data)).

    >>> hash160(b"").hex()
    'b472a266d0bd89c13706a4132ccfb16f7c3b9fcb'
    """
    return ripemd160(_sha256(data).digest())


# HMAC in C (OpenSSL through CPython's _hashlib), called without the Python frame hmac.digest
# wraps around this same function: HD derivation calls it once per level, on the hot path of
# every address. hmac.digest is the fallback on a Python built without OpenSSL.
try:
    from _hashlib import hmac_digest as hmac_digest
except ImportError:  # pragma: no cover - CPython builds here always have _hashlib
    hmac_digest = hmac.digest  # type: ignore[assignment]


def hmac_sha512(key: bytes, data: bytes) -> bytes:
    """Return HMAC-SHA512(key, data)."""
    return hmac.digest(key, data, "sha512")


def tagged_hash(tag: str, data: bytes) -> bytes:
    """Return the BIP340 tagged hash SHA256(SHA256(tag) || SHA256(tag) || data)."""
    t = _sha256(tag.encode()).digest()
    return _sha256(t + t + data).digest()
