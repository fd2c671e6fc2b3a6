"""Key values: a private key that never shows itself, a public key, and the signing seam.

Both are immutable and checked when built, so code past construction trusts them.
secp256k1 goes through libsecp256k1 (coincurve), ed25519 through libsodium (PyNaCl).

Every chain signs through :class:`SigningKey`, the protocol a key backend answers: a
digest in, a signature out, in the forms the chains need (recoverable for Ethereum, TRON
and BIP137; DER for Bitcoin's ECDSA inputs; BIP340 Schnorr for taproot; ed25519 for
Solana). :class:`PrivateKey` answers it in memory; :mod:`walletkit.keys.pkcs11` answers
it from a hardware security module, where the key never enters the process. What a
backend cannot sign it refuses with :class:`~walletkit.errors.UnsupportedOperation`.

Each key keeps its expanded form once computed: an ed25519 private key its libsodium
signing key (expanded from the secret alone, so the public key it signs with is always
the secret's own), a secp256k1 public key its parsed libsecp256k1 point. The expanded
forms show nowhere: not in a repr, a pickle, a copy or an inspector.
"""

from __future__ import annotations

from typing import Literal, Protocol

from walletkit.crypto import ed25519, secp256k1
from walletkit.errors import InvalidKey

Curve = Literal["secp256k1", "ed25519"]
CURVES: tuple[Curve, ...] = ("secp256k1", "ed25519")


class SigningKey(Protocol):
    """A key that signs: in memory (:class:`PrivateKey`) or behind a backend that only signs (an HSM).

    Every signature a chain makes goes through one of these four methods. Each returns a
    signature that verifies under :meth:`public_key` and, on secp256k1, has a low S
    (s <= n/2, BIP62 and EIP-2): a backend that gets another form from its device
    normalises and verifies it before returning it. A method the backend cannot serve
    raises :class:`~walletkit.errors.UnsupportedOperation` saying so.
    """

    @property
    def curve(self) -> Curve:
        """The curve of the key: ``secp256k1`` or ``ed25519``."""
        ...

    def public_key(self) -> PublicKey:
        """Return the public key (compressed SEC1 for secp256k1, 32 bytes for ed25519)."""
        ...

    def secret_bytes(self) -> bytes:
        """Return the 32 secret bytes, where the backend holds them in memory.

        Raises:
            UnsupportedOperation: the key never leaves its device (an HSM).
        """
        ...

    def sign_recoverable(self, digest32: bytes) -> bytes:
        """Sign a 32-byte digest; return 65 bytes r || s || recovery id (0..3), low S (secp256k1).

        Raises:
            InvalidKey: not a secp256k1 key, or a digest that is not 32 bytes.
        """
        ...

    def sign_der(self, digest32: bytes) -> bytes:
        """Sign a 32-byte digest; return the DER signature (BIP66), low S (secp256k1).

        Raises:
            InvalidKey: not a secp256k1 key, or a digest that is not 32 bytes.
        """
        ...

    def sign_schnorr(self, digest32: bytes, *, taproot_root: bytes | None = None, aux: bytes | None = None) -> bytes:
        """Sign a 32-byte digest by BIP340; return 64 bytes.

        ``taproot_root`` None signs with the key itself; bytes sign with its BIP341 output
        key, tweaked by ``hashTapTweak(P.x || taproot_root)``: ``b""`` for a BIP86 key-path
        spend (no script tree), a 32-byte Merkle root otherwise. ``aux`` is BIP340's 32
        bytes of auxiliary randomness (fresh when None).

        Raises:
            UnsupportedOperation: the backend has no BIP340 (PKCS#11 tokens have none).
        """
        ...

    def sign_ed25519(self, message: bytes) -> bytes:
        """Return the 64-byte ed25519 (RFC 8032) signature of ``message``.

        Raises:
            InvalidKey: not an ed25519 key.
        """
        ...


class PrivateKey:
    """A 32-byte private key on a curve; its repr and str never reveal it.

    >>> key = PrivateKey("secp256k1", bytes(31) + b"\\x01")
    >>> key
    PrivateKey(secp256k1, <redacted>)
    >>> key.public_key().data.hex()[:8]
    '0279be66'
    """

    __slots__ = ("_curve", "_expanded", "_public", "_secret")

    _curve: Curve
    _secret: bytes
    _public: PublicKey | None
    _expanded: ed25519.SigningKey  # set once expanded (an unset slot until then)

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
        _set_curve(key, curve)
        _set_secret(key, secret)
        _set_public(key, public)
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
                # The public key comes from the expanded key, which is kept for signing.
                public = PublicKey("ed25519", self._signing_key().public, _trusted=True)
            object.__setattr__(self, "_public", public)
        return public

    def _signing_key(self) -> ed25519.SigningKey:
        try:
            return self._expanded
        except AttributeError:
            pass
        if self._curve != "ed25519":
            raise InvalidKey(f"an ed25519 signature needs an ed25519 key; this key is {self._curve}")
        expanded = ed25519.SigningKey(self._secret)
        object.__setattr__(self, "_expanded", expanded)
        return expanded

    def sign_recoverable(self, digest32: bytes) -> bytes:
        """Sign a 32-byte digest; return 65 bytes r || s || recovery id, low S, RFC 6979 nonce.

        >>> key = PrivateKey("secp256k1", bytes(31) + b"\\x01")
        >>> signature = key.sign_recoverable(bytes(32))
        >>> len(signature), signature[64] in (0, 1)
        (65, True)

        Raises:
            InvalidKey: not a secp256k1 key, or a digest that is not 32 bytes.
        """
        if self._curve != "secp256k1":
            raise InvalidKey(f"an ECDSA signature needs a secp256k1 key; this key is {self._curve}")
        return secp256k1.sign_recoverable_compact(self._secret, digest32)

    def sign_der(self, digest32: bytes) -> bytes:
        """Sign a 32-byte digest; return the DER signature (BIP66), low S, RFC 6979 nonce.

        >>> PrivateKey("secp256k1", bytes(31) + b"\\x01").sign_der(bytes(32))[:1].hex()
        '30'

        Raises:
            InvalidKey: not a secp256k1 key, or a digest that is not 32 bytes.
        """
        if self._curve != "secp256k1":
            raise InvalidKey(f"an ECDSA signature needs a secp256k1 key; this key is {self._curve}")
        return secp256k1.sign_der(self._secret, digest32)

    def sign_schnorr(self, digest32: bytes, *, taproot_root: bytes | None = None, aux: bytes | None = None) -> bytes:
        """Sign a 32-byte digest by BIP340 (64 bytes); with ``taproot_root``, as the BIP341 output key.

        ``taproot_root`` None signs with this key; ``b""`` with its BIP86 output key (the
        tweak ``hashTapTweak(P.x)``), 32 bytes with the output key of that script tree.
        ``aux`` is BIP340's auxiliary randomness (32 fresh bytes when None).

        >>> key = PrivateKey("secp256k1", bytes(31) + b"\\x01")
        >>> len(key.sign_schnorr(bytes(32), taproot_root=b""))
        64

        Raises:
            InvalidKey: not a secp256k1 key; a digest or aux that is not 32 bytes.
        """
        if self._curve != "secp256k1":
            raise InvalidKey(f"a BIP340 signature needs a secp256k1 key; this key is {self._curve}")
        secret = self._secret if taproot_root is None else secp256k1.taproot_tweak_secret(self._secret, taproot_root)
        return secp256k1.sign_schnorr(secret, digest32, aux)

    def sign_ed25519(self, message: bytes) -> bytes:
        """Return the 64-byte ed25519 (RFC 8032) signature of ``message`` bytes.

        The key is expanded once, from the secret alone, and kept: later signatures skip
        the expansion. Signing is deterministic; nothing else (no public key, no nonce)
        can be passed in.

        >>> key = PrivateKey("ed25519", bytes(32))
        >>> key.sign_ed25519(b"m") == ed25519.sign(bytes(32), b"m")
        True

        Raises:
            InvalidKey: the key is not an ed25519 key.
        """
        try:
            expanded = self._expanded
        except AttributeError:
            expanded = self._signing_key()
        return expanded.sign(message)

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

    def __dir__(self) -> list[str]:
        # Inspectors (rich.inspect, debuggers, IDEs) list what dir() names: the slots holding the
        # secret and its expanded form are left out, even when private attributes are asked for.
        return [name for name in object.__dir__(self) if name not in PrivateKey.__slots__]


class PublicKey:
    """A public key: 33-byte compressed SEC1 (secp256k1) or 32 bytes (ed25519).

    >>> PublicKey("ed25519", bytes(32)).curve
    'ed25519'
    """

    __slots__ = ("_parsed", "_uncompressed", "curve", "data")

    curve: Curve
    data: bytes
    _uncompressed: bytes | None
    _parsed: object  # the parsed libsecp256k1 point, once parsed (an unset slot until then)

    def __init__(
        self, curve: Curve, data: bytes, *, _trusted: bool = False, _uncompressed: bytes | None = None
    ) -> None:
        if _trusted:  # derivation's values: set as they are
            _set_key_curve(self, curve)
            _set_data(self, data)
            _set_uncompressed(self, _uncompressed)
            return
        if curve not in CURVES:
            raise InvalidKey(f"unknown curve {curve!r}; expected one of {', '.join(CURVES)}")
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidKey(f"a public key is bytes, got {type(data).__name__}")
        data = bytes(data)
        if curve == "secp256k1":
            parsed = secp256k1.parse_public(data)
            data = secp256k1.serialize_public(parsed, True)
            _set_parsed(self, parsed)
        elif len(data) != 32:
            raise InvalidKey(f"an ed25519 public key is 32 bytes, got {len(data)}")
        _set_key_curve(self, curve)
        _set_data(self, data)
        _set_uncompressed(self, _uncompressed)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PublicKey is immutable")

    def _point(self) -> object:
        # The parsed libsecp256k1 point (secp256k1_pubkey *), parsed once and kept.
        try:
            return self._parsed
        except AttributeError:
            pass
        if self.curve != "secp256k1":
            raise InvalidKey("only secp256k1 keys have a libsecp256k1 point")
        parsed = secp256k1.point(self.data)  # kept by the tweak that derived it, if one did
        _set_parsed(self, parsed)
        return parsed

    def uncompressed(self) -> bytes:
        """Return the 65-byte uncompressed SEC1 form (secp256k1 only).

        Raises:
            InvalidKey: an ed25519 key.
        """
        unc = self._uncompressed
        if unc is None:
            if self.curve != "secp256k1":
                raise InvalidKey("only secp256k1 keys have an uncompressed form")
            unc = secp256k1.serialize_public(self._point(), False)
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

    def __reduce__(self) -> tuple[object, ...]:
        # The kept libsecp256k1 point is a C buffer: a copy or pickle rebuilds it from the bytes.
        return (PublicKey, (self.curve, self.data))


# The slots' own setters: both classes refuse setattr, and derivation makes one of each per
# account, so their fields are set through the slot descriptors directly.
_set_curve, _set_secret, _set_public = (PrivateKey.__dict__[n].__set__ for n in ("_curve", "_secret", "_public"))
_set_key_curve, _set_data, _set_uncompressed, _set_parsed = (
    PublicKey.__dict__[n].__set__ for n in ("curve", "data", "_uncompressed", "_parsed")
)


# --- signing with a key object or raw secret bytes -------------------------------------
# The chains' signing functions take either: a SigningKey (what an account holds, in memory or
# in an HSM) or the 32 raw secret bytes older callers pass. Raw bytes go straight to libsecp256k1.


def sign_recoverable(key: bytes | SigningKey, digest32: bytes) -> bytes:
    """Sign a 32-byte digest with ``key``; return r || s || recovery id (65 bytes), low S.

    ``key`` is a :class:`SigningKey` or a raw 32-byte secp256k1 secret.

    >>> sign_recoverable(bytes(31) + b"\\x01", bytes(32)) == PrivateKey.parse("secp256k1", bytes(31) + b"\\x01").sign_recoverable(bytes(32))
    True

    Raises:
        InvalidKey: not a secp256k1 key; a digest that is not 32 bytes.
        UnsupportedOperation: the backend cannot make this signature.
    """
    if isinstance(key, bytes):
        return secp256k1.sign_recoverable_compact(key, digest32)
    return key.sign_recoverable(digest32)


def sign_der(key: bytes | SigningKey, digest32: bytes) -> bytes:
    """Sign a 32-byte digest with ``key`` (a :class:`SigningKey` or 32 secret bytes); return DER, low S.

    Raises:
        InvalidKey: not a secp256k1 key; a digest that is not 32 bytes.
        UnsupportedOperation: the backend cannot make this signature.
    """
    if isinstance(key, bytes):
        return secp256k1.sign_der(key, digest32)
    return key.sign_der(digest32)


def sign_taproot(key: bytes | SigningKey, digest32: bytes, aux: bytes | None = None) -> bytes:
    """Sign a BIP341 key-path digest with the BIP86 output key of ``key`` (no script tree); 64 bytes.

    ``key`` is a :class:`SigningKey` or 32 secret bytes; ``aux`` BIP340's auxiliary randomness.

    Raises:
        InvalidKey: not a secp256k1 key; a digest that is not 32 bytes.
        UnsupportedOperation: the backend has no BIP340 Schnorr (an HSM through PKCS#11).
    """
    if isinstance(key, bytes):
        return secp256k1.sign_schnorr(secp256k1.taproot_tweak_secret(key), digest32, aux)
    return key.sign_schnorr(digest32, taproot_root=b"", aux=aux)
