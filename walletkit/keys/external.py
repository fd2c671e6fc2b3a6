"""Keys behind a backend that only signs: the backend signs, walletkit makes the signature usable and checks it.

A backend (an HSM through PKCS#11, and later a KMS or a remote signer) provides two calls:

- ``sign_digest(digest32) -> (r, s)`` for secp256k1: a plain ECDSA signature, whose S may be
  high and which carries no recovery id (what PKCS#11's ``CKM_ECDSA`` and most KMSs give);
- ``sign(message) -> bytes`` for ed25519: a 64-byte RFC 8032 signature.

:class:`ExternalKey` turns them into the four calls of :class:`walletkit.keys.SigningKey`:

- S is made low: s := n - s when s > n/2 (BIP62, EIP-2; Bitcoin's policy and Ethereum refuse high S);
- the recovery id that Ethereum, TRON and BIP137 need is the one under which (r, s) recovers
  to the key's known public key;
- every signature is verified under that public key (libsecp256k1, libsodium) before it is
  returned: a device fault or a wrong key gives :class:`~walletkit.errors.HsmSignatureInvalid`,
  never a signature the chain would reject or attribute to another key;
- BIP340 Schnorr (taproot) and export are refused with :class:`~walletkit.errors.UnsupportedOperation`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from walletkit.crypto import ed25519, secp256k1
from walletkit.errors import HsmSignatureInvalid, InvalidKey, InvalidSignature, UnsupportedOperation
from walletkit.keys import Curve, PublicKey


class ExternalKey(ABC):
    """A :class:`~walletkit.keys.SigningKey` whose private key is held by a backend that only signs.

    Subclasses implement :meth:`sign_digest` (secp256k1) and :meth:`sign` (ed25519) by asking
    their device, and name the device in :meth:`where`. The public key is given at
    construction, read from the device, never computed from a private key.
    """

    __slots__ = ("_curve", "_public")

    def __init__(self, curve: Curve, public: PublicKey) -> None:
        if public.curve != curve:
            raise InvalidKey(f"a {curve} key needs a {curve} public key, got {public.curve}")
        self._curve: Curve = curve
        self._public = public

    # --- what a backend provides ------------------------------------------------------------

    @abstractmethod
    def sign_digest(self, digest32: bytes) -> tuple[int, int]:
        """Return the device's ECDSA signature (r, s) of a 32-byte digest (S may be high)."""

    @abstractmethod
    def sign(self, message: bytes) -> bytes:
        """Return the device's 64-byte ed25519 signature of ``message``."""

    @abstractmethod
    def where(self) -> str:
        """Say where the key is held, for messages (``key 'hot-1' on HSM token 'payouts'``)."""

    # --- SigningKey -------------------------------------------------------------------------

    @property
    def curve(self) -> Curve:
        """The key's curve: ``secp256k1`` or ``ed25519``."""
        return self._curve

    def public_key(self) -> PublicKey:
        """Return the public key, as the device gives it."""
        return self._public

    def secret_bytes(self) -> bytes:
        """Refuse: the key never leaves its device.

        Raises:
            UnsupportedOperation: always.
        """
        raise UnsupportedOperation(f"{self.where()} never leaves it: it signs, it cannot be exported")

    def _ecdsa(self, digest32: bytes) -> tuple[int, int]:
        # The device's (r, s), S made low and the result verified under the known public key.
        if self._curve != "secp256k1":
            raise InvalidKey(f"an ECDSA signature needs a secp256k1 key; {self.where()} is {self._curve}")
        if not isinstance(digest32, (bytes, bytearray)) or len(digest32) != 32:
            raise InvalidKey("ECDSA signs a 32-byte digest")
        digest = bytes(digest32)
        try:
            r, s = secp256k1.low_s(*self.sign_digest(digest))
        except InvalidSignature as e:
            raise HsmSignatureInvalid(f"{self.where()} gave an invalid signature: {e}") from None
        if not secp256k1.verify_compact(self._public.data, r.to_bytes(32, "big") + s.to_bytes(32, "big"), digest):
            raise HsmSignatureInvalid(
                f"the signature made by {self.where()} does not verify under its public key; nothing was signed"
            )
        return r, s

    def sign_recoverable(self, digest32: bytes) -> bytes:
        """Sign a 32-byte digest on the device; return r || s || recovery id (65 bytes), low S, verified.

        Raises:
            InvalidKey: not a secp256k1 key, or a digest that is not 32 bytes.
            HsmError: the device did not sign; HsmSignatureInvalid: its signature did not verify.
        """
        r, s = self._ecdsa(digest32)
        try:
            recid = secp256k1.recovery_id(bytes(digest32), r, s, self._public.data)
        except InvalidSignature:
            raise HsmSignatureInvalid(
                f"the signature made by {self.where()} does not recover to its public key"
            ) from None
        return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recid])

    def sign_der(self, digest32: bytes) -> bytes:
        """Sign a 32-byte digest on the device; return the DER signature (BIP66), low S, verified.

        Raises:
            InvalidKey: not a secp256k1 key, or a digest that is not 32 bytes.
            HsmError: the device did not sign; HsmSignatureInvalid: its signature did not verify.
        """
        r, s = self._ecdsa(digest32)
        return secp256k1.der_from_compact(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def sign_schnorr(self, digest32: bytes, *, taproot_root: bytes | None = None, aux: bytes | None = None) -> bytes:
        """Refuse: a backend that signs ECDSA and Ed25519 cannot make BIP340 Schnorr signatures.

        Raises:
            UnsupportedOperation: always (PKCS#11 defines no BIP340 mechanism).
        """
        raise UnsupportedOperation(
            f"{self.where()} cannot make a BIP340 Schnorr signature: PKCS#11 has no such mechanism, "
            "so taproot (p2tr) key-path spends cannot be signed; use a p2wpkh address for HSM-held bitcoin"
        )

    def sign_ed25519(self, message: bytes) -> bytes:
        """Sign ``message`` on the device (Ed25519, RFC 8032); return 64 bytes, verified.

        Raises:
            InvalidKey: not an ed25519 key.
            HsmError: the device did not sign; HsmSignatureInvalid: its signature did not verify.
        """
        if self._curve != "ed25519":
            raise InvalidKey(f"an ed25519 signature needs an ed25519 key; {self.where()} is {self._curve}")
        data = bytes(message)
        signature = self.sign(data)
        if len(signature) != 64 or not ed25519.verify(self._public.data, data, signature):
            raise HsmSignatureInvalid(
                f"the signature made by {self.where()} does not verify under its public key; nothing was signed"
            )
        return signature

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError(f"{type(self).__name__} is a handle on a signing device; it cannot be pickled")
