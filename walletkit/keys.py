"""Key values: a private key that never shows itself, and a public key.

Both are immutable and checked when built, so code past construction trusts them.
secp256k1 goes through libsecp256k1 (coincurve), ed25519 through libsodium (PyNaCl).
"""

from __future__ import annotations

from typing import Literal

from walletkit.crypto import ed25519, secp256k1
from walletkit.errors import InvalidKey

Curve = Literal["secp256k1", "ed25519"]
CURVES: tuple[Curve, ...] = ("secp256k1", "ed25519")


class PrivateKey:
    """A 32-byte private key on a curve; its repr and str never reveal it.

    >>> key = PrivateKey("secp256k1", bytes(31) + b"\\x01")
    >>> key
    PrivateKey(secp256k1, <redacted>)
    >>> key.public_key().data.hex()[:8]
    '0279be66'
    """

    __slots__ = ("_curve", "_public", "_secret")

    _curve: Curve
    _secret: bytes
    _public: PublicKey | None

    def __init__(self, curve: Curve, secret: bytes, *, _public: PublicKey | None = None) -> None:
        if curve not in CURVES:
            raise InvalidKey(f"unknown curve {curve!r}; expected one of {', '.join(CURVES)}")
        if not isinstance(secret, (bytes, bytearray)) or len(secret) != 32:
            got = f"{len(secret)} bytes" if isinstance(secret, (bytes, bytearray)) else type(secret).__name__
            raise InvalidKey(f"a {curve} private key is 32 bytes, got {got}")
        if curve == "secp256k1" and not secp256k1.is_valid_secret(bytes(secret)):
            raise InvalidKey("a secp256k1 private key must be in 1..n-1")
        object.__setattr__(self, "_curve", curve)
        object.__setattr__(self, "_secret", bytes(secret))
        object.__setattr__(self, "_public", _public)

    @classmethod
    def trusted(cls, curve: Curve, secret: bytes, public: PublicKey) -> PrivateKey:
        """Build a key from values derivation already checked (skips the checks; internal use)."""
        key = object.__new__(cls)
        _set = object.__setattr__
        _set(key, "_curve", curve)
        _set(key, "_secret", secret)
        _set(key, "_public", public)
        return key

    @classmethod
    def parse(cls, curve: Curve, value: str | bytes) -> PrivateKey:
        """Parse 32 raw bytes or 64 hex digits (``0x`` optional); the error never shows the key.

        >>> PrivateKey.parse("secp256k1", "0x" + "00" * 31 + "01").curve
        'secp256k1'

        Raises:
            InvalidKey: not 32 bytes / 64 hex digits, or not a valid key for the curve.
        """
        if isinstance(value, (bytes, bytearray)):
            return cls(curve, bytes(value))
        if not isinstance(value, str):
            raise InvalidKey(f"a private key is 32 bytes or 64 hex digits, got {type(value).__name__}")
        text = value.strip()
        text = text[2:] if text[:2] in ("0x", "0X") else text
        if len(text) != 64:
            raise InvalidKey(f"a {curve} private key is 64 hex digits, got {len(text)} characters")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidKey(f"a {curve} private key is 64 hex digits; this text has other characters") from None
        return cls(curve, raw)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PrivateKey is immutable")

    @property
    def curve(self) -> Curve:
        """The curve this key is on."""
        return self._curve

    def secret_bytes(self) -> bytes:
        """Return the raw 32 secret bytes. Handle with care: this is the key."""
        return self._secret

    def public_key(self) -> PublicKey:
        """Return the public key (compressed SEC1 for secp256k1, 32 bytes for ed25519)."""
        public = self._public
        if public is None:
            if self._curve == "secp256k1":
                compressed, uncompressed = secp256k1.public_pair_from_secret(self._secret)
                public = PublicKey("secp256k1", compressed, _trusted=True, _uncompressed=uncompressed)
            else:
                public = PublicKey("ed25519", ed25519.public_from_seed(self._secret), _trusted=True)
            object.__setattr__(self, "_public", public)
        return public

    def __repr__(self) -> str:
        return f"PrivateKey({self._curve}, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        import hmac

        return self._curve == other._curve and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash((self._curve, self.public_key().data))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a PrivateKey cannot be pickled; export it explicitly")


class PublicKey:
    """A public key: 33-byte compressed SEC1 (secp256k1) or 32 bytes (ed25519).

    >>> PublicKey("ed25519", bytes(32)).curve
    'ed25519'
    """

    __slots__ = ("_uncompressed", "curve", "data")

    curve: Curve
    data: bytes
    _uncompressed: bytes | None

    def __init__(
        self, curve: Curve, data: bytes, *, _trusted: bool = False, _uncompressed: bytes | None = None
    ) -> None:
        if not _trusted:
            if curve not in CURVES:
                raise InvalidKey(f"unknown curve {curve!r}; expected one of {', '.join(CURVES)}")
            if not isinstance(data, (bytes, bytearray)):
                raise InvalidKey(f"a public key is bytes, got {type(data).__name__}")
            data = bytes(data)
            if curve == "secp256k1":
                data = secp256k1.compress(data)
            elif len(data) != 32:
                raise InvalidKey(f"an ed25519 public key is 32 bytes, got {len(data)}")
        _set = object.__setattr__
        _set(self, "curve", curve)
        _set(self, "data", data)
        _set(self, "_uncompressed", _uncompressed)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PublicKey is immutable")

    def uncompressed(self) -> bytes:
        """Return the 65-byte uncompressed SEC1 form (secp256k1 only)."""
        unc = self._uncompressed
        if unc is None:
            if self.curve != "secp256k1":
                raise InvalidKey("only secp256k1 keys have an uncompressed form")
            unc = secp256k1.uncompress(self.data)
            object.__setattr__(self, "_uncompressed", unc)
        return unc

    def hex(self) -> str:
        """Return the key bytes as lowercase hex."""
        return self.data.hex()

    def __repr__(self) -> str:
        return f"PublicKey({self.curve}, {self.data.hex()})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self.curve == other.curve and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.curve, self.data))
