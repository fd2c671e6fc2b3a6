"""ed25519 (RFC 8032) through libsodium: the one place that touches the curve.

A signing key is expanded once, from its 32-byte seed only, into libsodium's 64-byte
secret key (seed || the seed's own public key) and kept in a :class:`SigningKey`. No
function here takes a public key beside a secret, so no caller can pair a secret with
someone else's public key (the "double public key" oracle, failure class 8:
MystenLabs/ed25519-unsafe-libs, RUSTSEC-2022-0093).

libsodium is called through PyNaCl's own cffi binding (``nacl._sodium``), the calls
``nacl.bindings.crypto_sign`` and ``crypto_sign_seed_keypair`` make, without the Python
checks they wrap around each call (as :mod:`walletkit.crypto.secp256k1` does with
coincurve's binding). Buffers are allocated per call: thread-safe.
"""

from __future__ import annotations

import nacl.bindings as _sodium
from nacl._sodium import ffi as _ffi
from nacl._sodium import lib as _lib
from nacl.exceptions import BadSignatureError, CryptoError

from walletkit.errors import InvalidKey

_new = _ffi.new
_buffer = _ffi.buffer
_NULL = _ffi.NULL
_crypto_sign = _lib.crypto_sign
_seed_keypair = _lib.crypto_sign_seed_keypair


def _expand(seed: bytes) -> tuple[bytes, object]:
    """Return (public key, libsodium secret key buffer) of a 32-byte seed."""
    if type(seed) is not bytes:
        if not isinstance(seed, (bytes, bytearray)):
            raise InvalidKey(f"an ed25519 seed is 32 bytes, got {type(seed).__name__}")
        seed = bytes(seed)
    if len(seed) != 32:
        raise InvalidKey(f"an ed25519 seed is 32 bytes, got {len(seed)}")
    public, secret = _new("unsigned char[32]"), _new("unsigned char[64]")
    if _seed_keypair(public, secret, seed) != 0:
        raise InvalidKey("libsodium could not expand this ed25519 seed")
    key: bytes = _buffer(public, 32)[:]
    return key, secret


class SigningKey:
    """An ed25519 key expanded once from its 32-byte seed; it signs without deriving anything again.

    The expanded secret stays in a C buffer that no attribute, repr, pickle or copy
    shows; ``public`` is the seed's own public key.

    >>> key = SigningKey(bytes(32))
    >>> key.public.hex()[:16]
    '3b6a27bcceb6a42d'
    >>> key.sign(b"m") == sign(bytes(32), b"m")
    True
    >>> key
    SigningKey(ed25519, <redacted>)

    Raises:
        InvalidKey: the seed is not 32 bytes.
    """

    __slots__ = ("_secret", "public")

    _secret: object
    public: bytes

    def __init__(self, seed: bytes) -> None:
        public, secret = _expand(seed)
        object.__setattr__(self, "public", public)
        object.__setattr__(self, "_secret", secret)

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte RFC 8032 signature of ``message`` (deterministic: no nonce to choose)."""
        if type(message) is not bytes:
            message = bytes(message)
        n = len(message)
        out = _new("unsigned char[]", n + 64)  # crypto_sign writes signature || message
        _crypto_sign(out, _NULL, message, n, self._secret)
        signature: bytes = _buffer(out, 64)[:]
        return signature

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SigningKey is immutable")

    def __repr__(self) -> str:
        return "SigningKey(ed25519, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a SigningKey cannot be pickled or copied; keep its PrivateKey")

    def __dir__(self) -> list[str]:
        # Inspectors list what dir() names: the expanded secret is left out.
        return [name for name in object.__dir__(self) if name != "_secret"]


def public_from_seed(seed: bytes) -> bytes:
    """Return the 32-byte public key of a 32-byte seed.

    >>> public_from_seed(bytes(32)).hex()[:16]
    '3b6a27bcceb6a42d'

    Raises:
        InvalidKey: the seed is not 32 bytes.
    """
    if type(seed) is not bytes or len(seed) != 32:
        return _expand(seed)[0]  # converts a bytearray, or raises the typed error
    public = _new("unsigned char[32]")
    _seed_keypair(public, _new("unsigned char[64]"), seed)  # the secret half is dropped
    key: bytes = _buffer(public, 32)[:]
    return key


def sign(seed: bytes, message: bytes) -> bytes:
    """Return the 64-byte ed25519 signature of ``message`` under ``seed`` (expands the seed each call).

    To sign many messages with one key, keep a :class:`SigningKey` (or a
    :class:`walletkit.keys.PrivateKey`, which keeps one) instead.

    Raises:
        InvalidKey: the seed is not 32 bytes.
    """
    return SigningKey(seed).sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Return True if ``signature`` verifies (libsodium's strict checks: S < L, canonical A, no small order)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        _sodium.crypto_sign_open(signature + message, public)
    except (BadSignatureError, CryptoError, ValueError):
        return False
    return True
