"""Keys in a hardware security module, through PKCS#11: they sign, and never enter the process.

PKCS#11 (OASIS, "Cryptographic Token Interface", v2.40 / v3.x) is what HSMs speak:
YubiHSM 2, Thales Luna, Utimaco, AWS CloudHSM and SoftHSM each ship a library (a ``.so``)
that this module loads through ``python-pkcs11`` (the ``hsm`` extra).

- :class:`Pkcs11KeyStore` logs in to one token and generates, lists and opens its keys.
- Keys are generated in the token (``C_GenerateKeyPair``), private, sensitive and never
  extractable: secp256k1 (EC, ``CKA_EC_PARAMS`` = OID 1.3.132.0.10) for Bitcoin,
  Ethereum, BSC and TRON; ed25519 (EC Edwards, OID 1.3.101.112) for Solana where the
  token offers ``CKM_EDDSA``.
- Public keys, and so addresses, come from the token's public key object
  (``CKA_EC_POINT``, a DER OCTET STRING around the point), never from a private key.
- :class:`Pkcs11Key` answers :class:`walletkit.keys.SigningKey`: ``CKM_ECDSA`` signs the
  raw 32-byte digest and returns r || s (PKCS#11 section 2.3.1), which may have a high S and
  carries no recovery id; walletkit makes S low (s := n - s when s > n/2), finds the
  recovery id from the known public key, and verifies the result with libsecp256k1 before
  returning it. ``CKM_EDDSA`` signatures are verified with libsodium.
- PKCS#11 has no BIP340 Schnorr: a taproot key-path spend raises
  :class:`~walletkit.errors.UnsupportedOperation`, and :meth:`Pkcs11KeyStore.account`
  refuses a ``p2tr`` account (its coins could not be spent by this key).

The PIN is used to log in and then dropped: no repr, message or pickle holds it. One
login serves every store on the same token in the process (PKCS#11 logs in an application,
not a session); calls on it are serialized by a lock, as one PKCS#11 session allows.

>>> Pkcs11KeyStore.__name__
'Pkcs11KeyStore'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from walletkit.errors import (
    HsmError,
    HsmKeyExists,
    HsmKeyNotFound,
    HsmLibraryNotFound,
    HsmLoginFailed,
    HsmSignatureInvalid,
    HsmTokenNotFound,
    InvalidInput,
    InvalidKey,
    MissingSecret,
    UnsupportedOperation,
)
from walletkit.extras import require
from walletkit.keys import Curve, PublicKey
from walletkit.keys.external import ExternalKey

if TYPE_CHECKING:
    from walletkit.account import Account

SECP256K1_OID = "1.3.132.0.10"
ED25519_OID = "1.3.101.112"
# What each curve needs from the token: (key pair generation, signing) mechanism names.
MECHANISMS: dict[Curve, tuple[str, str]] = {
    "secp256k1": ("EC_KEY_PAIR_GEN", "ECDSA"),
    "ed25519": ("EC_EDWARDS_KEY_PAIR_GEN", "EDDSA"),
}
# CKA_EC_PARAMS: DER of the named curve's OID (RFC 5480), or for ed25519 the PrintableString
# "edwards25519" that PKCS#11 v2.40 tokens may use instead (PKCS#11 v3.0 section 2.3.10).
_EC_PARAMS: dict[bytes, Curve] = {
    bytes.fromhex("06052b8104000a"): "secp256k1",
    bytes.fromhex("06032b6570"): "ed25519",
    b"\x13\x0cedwards25519": "ed25519",
}
_PURPOSE = "walletkit.keys.pkcs11 (keys in a hardware security module)"


def _pkcs11() -> ModuleType:
    return require("pkcs11", "hsm", _PURPOSE)


def _error(e: BaseException) -> str:
    # python-pkcs11's exceptions are named after the CKR_ code and carry no PIN; name the class only.
    return type(e).__name__


@dataclass(frozen=True, slots=True)
class HsmKeyInfo:
    """A key pair on a token: its label, its curve and its public key (read from the token).

    >>> HsmKeyInfo("hot-1", "ed25519", PublicKey("ed25519", bytes(32))).label
    'hot-1'
    """

    label: str
    curve: Curve
    public_key: PublicKey


# --- the login: one per (library, token) in a process --------------------------------------

_PIN_KEY = secrets.token_bytes(32)  # per process: lets a second store's PIN be compared, not kept


def _pin_tag(pin: str) -> bytes:
    return hmac.new(_PIN_KEY, pin.encode("utf-8"), hashlib.sha256).digest()


class _Login:
    """A logged-in session on one token, shared by the stores that opened it (counted)."""

    __slots__ = ("library_path", "lock", "mechanisms", "pin_tag", "session", "token_label", "users")

    def __init__(self, library_path: str, token_label: str, session: Any, mechanisms: frozenset[str], tag: bytes):
        self.library_path = library_path
        self.token_label = token_label
        self.session: Any = session
        self.mechanisms = mechanisms
        self.pin_tag = tag
        self.lock = threading.RLock()  # a PKCS#11 session runs one operation at a time
        self.users = 1


_logins: dict[tuple[str, str], _Login] = {}
_logins_lock = threading.Lock()


def _open_login(library_path: str, token_label: str, pin: str) -> _Login:
    pkcs11 = _pkcs11()
    if not os.path.isfile(library_path):
        raise HsmLibraryNotFound(f"no PKCS#11 library at {library_path}: expected the path of the vendor's .so file")
    try:
        library = pkcs11.lib(library_path)
    except pkcs11.PKCS11Error as e:
        raise HsmLibraryNotFound(f"the PKCS#11 library {library_path} could not be loaded: {e}") from None
    try:
        token = library.get_token(token_label=token_label)
    except pkcs11.NoSuchToken:
        # An uninitialized token (SoftHSM's spare slot) has an empty label: it is left out.
        present = sorted({slot.get_token().label for slot in library.get_slots(token_present=True)} - {""})
        raise HsmTokenNotFound(
            f"no token labelled {token_label!r} in {library_path}; tokens present: "
            + (", ".join(repr(label) for label in present) or "none")
        ) from None
    except pkcs11.MultipleTokensReturned:
        raise HsmError(f"more than one token is labelled {token_label!r} in {library_path}") from None
    except pkcs11.PKCS11Error as e:
        raise HsmError(f"the slots of {library_path} could not be read ({_error(e)})") from None
    try:
        mechanisms = frozenset(getattr(m, "name", str(m)) for m in token.slot.get_mechanisms())
    except pkcs11.PKCS11Error as e:
        raise HsmError(f"token {token_label!r} did not list its mechanisms ({_error(e)})") from None
    try:
        session = token.open(rw=True, user_pin=pin)
    except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange) as e:
        raise HsmLoginFailed(f"token {token_label!r} refused the PIN ({_error(e)})") from None
    except (pkcs11.PinLocked, pkcs11.PinExpired) as e:
        raise HsmLoginFailed(f"token {token_label!r}: the user PIN is {_error(e)[3:].lower()}; reset it") from None
    except pkcs11.UserAlreadyLoggedIn:
        raise HsmLoginFailed(
            f"token {token_label!r} is already logged in by this process outside walletkit; close that session first"
        ) from None
    except pkcs11.PKCS11Error as e:
        raise HsmError(f"token {token_label!r} could not open a session ({_error(e)})") from None
    return _Login(library_path, token_label, session, mechanisms, _pin_tag(pin))


def _acquire(library_path: str, token_label: str, pin: str) -> _Login:
    with _logins_lock:
        found = _logins.get((library_path, token_label))
        if found is not None:
            if not hmac.compare_digest(found.pin_tag, _pin_tag(pin)):
                raise HsmLoginFailed(
                    f"token {token_label!r} is open in this process with another PIN; this PIN was not accepted"
                )
            found.users += 1
            return found
        login = _open_login(library_path, token_label, pin)
        _logins[(library_path, token_label)] = login
        return login


def _release(login: _Login) -> None:
    with _logins_lock:
        login.users -= 1
        if login.users > 0:
            return
        _logins.pop((login.library_path, login.token_label), None)
        session, login.session = login.session, None
    if session is not None:
        pkcs11 = _pkcs11()
        with login.lock:
            try:
                session.close()  # logs out: the last store on this token is gone
            except pkcs11.PKCS11Error as e:
                raise HsmError(f"token {login.token_label!r} did not close its session ({_error(e)})") from None


def reset_library(library_path: str) -> None:
    """Unload a PKCS#11 library this process loaded, so its next use loads and initializes it afresh.

    SoftHSM reads its configuration (``SOFTHSM2_CONF``) and finds its tokens when initialized:
    a token directory made later is seen only after this. Nothing happens if the library is
    not loaded (or python-pkcs11 is not installed).

    Raises:
        HsmError: a key store on the library is still open.
    """
    module = sys.modules.get("pkcs11")
    if module is None:
        return
    with _logins_lock:
        open_tokens = sorted(token for path, token in _logins if path == library_path)
        if open_tokens:
            raise HsmError(
                f"key stores on {library_path} are still open (tokens {', '.join(map(repr, open_tokens))}); close them first"
            )
        module.unload(library_path)


# --- parsing what the token says ------------------------------------------------------------


def _der_octet_string(data: bytes) -> bytes | None:
    # CKA_EC_POINT is DER OCTET STRING(point) (PKCS#11 v2.40 section 2.3.3); None if it is not one.
    if len(data) < 2 or data[0] != 0x04:
        return None
    n = data[1]
    if n < 0x80:
        return data[2:] if len(data) == 2 + n else None
    size = n & 0x7F
    if size not in (1, 2) or len(data) < 2 + size:
        return None
    length = int.from_bytes(data[2 : 2 + size], "big")
    return data[2 + size :] if len(data) == 2 + size + length else None


def public_key_from_ec_point(curve: Curve, ec_point: bytes) -> PublicKey:
    """Return the public key in a token's ``CKA_EC_POINT``: DER OCTET STRING(point), or the bare point.

    PKCS#11 wraps the point (65-byte uncompressed SEC1 for secp256k1, 32 bytes for ed25519)
    in an OCTET STRING; some older tokens return it bare, which is accepted too.

    >>> public_key_from_ec_point("ed25519", bytes([4, 32]) + bytes(32)).data == bytes(32)
    True

    Raises:
        InvalidKey: neither form holds a valid point of the curve.
    """
    unwrapped = _der_octet_string(ec_point)
    sizes = (33, 65) if curve == "secp256k1" else (32,)
    for candidate in (unwrapped, ec_point):
        if candidate is not None and len(candidate) in sizes:
            try:
                return PublicKey(curve, candidate)
            except InvalidKey:
                continue
    raise InvalidKey(f"the token's EC point ({len(ec_point)} bytes) is not a {curve} public key")


# --- the key ------------------------------------------------------------------------------


class Pkcs11Key(ExternalKey):
    """A key pair on a PKCS#11 token; it signs there and is never read (a :class:`~walletkit.keys.SigningKey`).

    Made by :meth:`Pkcs11KeyStore.key`. ``CKM_ECDSA`` and ``CKM_EDDSA`` sign in the token;
    :class:`~walletkit.keys.external.ExternalKey` makes S low, finds the recovery id and
    verifies every signature under the token's public key before returning it.
    """

    __slots__ = ("_label", "_login", "_private")

    def __init__(self, login: _Login, label: str, curve: Curve, private: Any, public: PublicKey) -> None:
        super().__init__(curve, public)
        self._login = login
        self._label = label
        self._private: Any = private

    @property
    def label(self) -> str:
        """The key's label on the token (``CKA_LABEL``)."""
        return self._label

    @property
    def token_label(self) -> str:
        """The label of the token that holds the key."""
        return self._login.token_label

    def where(self) -> str:
        """Say which key on which token: ``key 'hot-1' on HSM token 'payouts'``."""
        return f"key {self._label!r} on HSM token {self.token_label!r}"

    def _token_sign(self, data: bytes, mechanism: str) -> bytes:
        pkcs11 = _pkcs11()
        login = self._login
        with login.lock:
            if login.session is None:
                raise HsmError(f"the key store of token {login.token_label!r} is closed; open it again to sign")
            try:
                signature = self._private.sign(data, mechanism=getattr(pkcs11.Mechanism, mechanism))
            except pkcs11.PKCS11Error as e:
                raise HsmError(f"{self.where()} did not sign ({_error(e)})") from None
        return bytes(signature)

    def sign_digest(self, digest32: bytes) -> tuple[int, int]:
        """Return the token's ``CKM_ECDSA`` signature (r, s) of a 32-byte digest, as it gives it (S may be high).

        PKCS#11 (v2.40 section 2.3.1) returns r || s, each as long as the curve order: 64 bytes.

        Raises:
            HsmError: the token did not sign, or returned another length.
        """
        raw = self._token_sign(digest32, "ECDSA")
        if len(raw) != 64:
            raise HsmSignatureInvalid(
                f"{self.where()} returned a {len(raw)}-byte ECDSA signature; expected r || s, 64 bytes"
            )
        return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")

    def sign(self, message: bytes) -> bytes:
        """Return the token's ``CKM_EDDSA`` (Ed25519) signature of ``message``.

        Raises:
            HsmError: the token did not sign.
        """
        return self._token_sign(message, "EDDSA")

    def __repr__(self) -> str:
        return f"Pkcs11Key({self._curve}, token={self.token_label!r}, label={self._label!r})"


# --- the store ------------------------------------------------------------------------------


class Pkcs11KeyStore:
    """One PKCS#11 token, logged in: generate key pairs there, list them, and open accounts on them.

    Args:
        library_path: the vendor's PKCS#11 library, e.g. ``/usr/lib/softhsm/libsofthsm2.so``.
        token_label: the token's label (``CKA_LABEL`` of the token, as ``softhsm2-util --show-slots`` lists).
        pin: the user PIN; used to log in, then dropped (never kept, shown or logged).

    Raises:
        MissingExtra: python-pkcs11 is not installed (the ``hsm`` extra).
        HsmLibraryNotFound: no library at that path, or it does not load.
        HsmTokenNotFound: no token with that label (the message lists those present).
        HsmLoginFailed: the PIN was refused.
        MissingSecret: an empty PIN.

    >>> Pkcs11KeyStore("/nonexistent/libpkcs11.so", "t", "0000")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    walletkit.errors.HsmLibraryNotFound: no PKCS#11 library at /nonexistent/libpkcs11.so: ...
    """

    __slots__ = ("_closed", "_login", "library_path", "token_label")

    def __init__(self, library_path: str | os.PathLike[str], token_label: str, pin: str) -> None:
        if not isinstance(token_label, str) or not token_label:
            raise InvalidInput("token_label is the token's label, a non-empty string")
        if not isinstance(pin, str):
            raise InvalidInput(f"the PIN is a string, got {type(pin).__name__}")
        if not pin:
            raise MissingSecret(f"an empty PIN was given for token {token_label!r}")
        self.library_path = os.fspath(library_path)
        self.token_label = token_label
        self._login = _acquire(self.library_path, token_label, pin)
        self._closed = False

    @classmethod
    def from_env(cls, prefix: str = "WALLETKIT_HSM") -> Pkcs11KeyStore:
        """Open the store named by ``<prefix>_LIBRARY``, ``<prefix>_TOKEN`` and ``<prefix>_PIN``.

        Raises:
            MissingSecret: the PIN variable is unset or empty (the message names the variable).
            InvalidInput: the library or token variable is unset.
        """
        names = {part: f"{prefix}_{part}" for part in ("LIBRARY", "TOKEN", "PIN")}
        library, token = os.environ.get(names["LIBRARY"]), os.environ.get(names["TOKEN"])
        if not library or not token:
            missing = [names[p] for p, v in (("LIBRARY", library), ("TOKEN", token)) if not v]
            raise InvalidInput(f"set {' and '.join(missing)} to the PKCS#11 library path and the token label")
        pin = os.environ.get(names["PIN"])
        if not pin:
            raise MissingSecret(f"the environment variable {names['PIN']} (the token's user PIN) is unset or empty")
        return cls(library, token, pin)

    # --- what the token offers ------------------------------------------------------------

    @property
    def mechanisms(self) -> tuple[str, ...]:
        """The names of the mechanisms the token's slot offers (``ECDSA``, ``EDDSA``...), sorted."""
        return tuple(sorted(self._login.mechanisms))

    def supports(self, curve: Curve) -> bool:
        """Return True if the token can generate and sign with keys on ``curve``."""
        return all(m in self._login.mechanisms for m in MECHANISMS[curve])

    def _require(self, curve: Curve) -> None:
        missing = [m for m in MECHANISMS[curve] if m not in self._login.mechanisms]
        if missing:
            raise UnsupportedOperation(
                f"token {self.token_label!r} offers no {' and no '.join('CKM_' + m for m in missing)}, "
                f"so it cannot hold {curve} keys; its mechanisms: {', '.join(self.mechanisms)}"
            )

    @contextmanager
    def _token(self, doing: str) -> Iterator[Any]:
        # The logged-in session, under its lock; the token's errors become HsmError naming what failed.
        pkcs11 = _pkcs11()
        with self._login.lock:
            session = self._login.session
            if self._closed or session is None:
                raise HsmError(f"the key store of token {self.token_label!r} is closed")
            try:
                yield session
            except pkcs11.PKCS11Error as e:
                raise HsmError(f"token {self.token_label!r} failed while {doing} ({_error(e)})") from None

    # --- keys -------------------------------------------------------------------------------

    def _pair(self, label: str) -> tuple[Any, PublicKey, Curve]:
        # The private half, the public key (read from the public half) and the curve of the pair labelled so.
        self._check_label(label)
        pkcs11 = _pkcs11()
        attribute, kind = pkcs11.Attribute, pkcs11.ObjectClass
        with self._token(f"reading key {label!r}") as session:
            private = list(session.get_objects({attribute.CLASS: kind.PRIVATE_KEY, attribute.LABEL: label}))
            public = list(session.get_objects({attribute.CLASS: kind.PUBLIC_KEY, attribute.LABEL: label}))
            if not private and not public:
                raise HsmKeyNotFound(f"token {self.token_label!r} holds no key labelled {label!r}")
            if len(private) != 1 or len(public) != 1:
                raise HsmKeyNotFound(
                    f"token {self.token_label!r} holds {len(private)} private and {len(public)} public keys "
                    f"labelled {label!r}; expected one of each"
                )
            try:
                params = bytes(public[0][attribute.EC_PARAMS])
            except pkcs11.PKCS11Error:  # an RSA or AES key has no CKA_EC_PARAMS
                params = b""
            curve = _EC_PARAMS.get(params)
            if curve is None:
                raise HsmKeyNotFound(f"key {label!r} on token {self.token_label!r} is neither secp256k1 nor ed25519")
            ec_point = bytes(public[0][attribute.EC_POINT])
        try:
            return private[0], public_key_from_ec_point(curve, ec_point), curve
        except InvalidKey as e:
            raise HsmError(f"key {label!r} on token {self.token_label!r}: {e}") from None

    def generate(self, chain: str, label: str) -> HsmKeyInfo:
        """Generate a key pair for ``chain`` in the token, labelled ``label``; return its public half.

        The private key is made in the token with ``CKA_SENSITIVE`` true and ``CKA_EXTRACTABLE``
        false (so ``CKA_NEVER_EXTRACTABLE`` and ``CKA_ALWAYS_SENSITIVE`` hold, and are checked),
        may only sign (no derive, decrypt or unwrap), and is stored on the token.

        Args:
            chain: a chain name (``btc``, ``eth``, ``bsc``, ``tron``: secp256k1; ``sol``: ed25519).
            label: the label of both halves (``CKA_LABEL``); unique on the token.

        Raises:
            UnknownChain: no such chain.
            HsmKeyExists: a key with this label is already on the token.
            UnsupportedOperation: the token offers no mechanisms for the chain's curve.
            HsmError: the token refused to generate (e.g. it does not know the curve).
        """
        from walletkit.registry import get_chain

        curve = get_chain(chain).spec.curve
        self._check_label(label)
        self._require(curve)
        pkcs11 = _pkcs11()
        attribute = pkcs11.Attribute
        oid = SECP256K1_OID if curve == "secp256k1" else ED25519_OID
        with self._token(f"generating a {curve} key pair") as session:
            if any(True for _ in session.get_objects({attribute.LABEL: label})):
                raise HsmKeyExists(f"token {self.token_label!r} already holds a key labelled {label!r}")
            params = session.create_domain_parameters(
                pkcs11.KeyType.EC if curve == "secp256k1" else pkcs11.KeyType.EC_EDWARDS,
                {attribute.EC_PARAMS: pkcs11.util.ec.encode_named_curve_parameters(oid)},
                local=True,
            )
            _, private_key = params.generate_keypair(
                store=True,
                label=label,
                id=secrets.token_bytes(16),  # CKA_ID pairs the two halves
                capabilities=pkcs11.MechanismFlag.SIGN | pkcs11.MechanismFlag.VERIFY,
                mechanism=getattr(pkcs11.Mechanism, MECHANISMS[curve][0]),
                private_template={attribute.PRIVATE: True, attribute.SENSITIVE: True, attribute.EXTRACTABLE: False},
            )
            flags = {
                name: bool(private_key[getattr(attribute, name)])
                for name in ("SENSITIVE", "EXTRACTABLE", "ALWAYS_SENSITIVE", "NEVER_EXTRACTABLE")
            }
            if flags["EXTRACTABLE"] or not (flags["SENSITIVE"] and flags["NEVER_EXTRACTABLE"]):
                private_key.destroy()
                raise HsmError(
                    f"token {self.token_label!r} made key {label!r} extractable or not sensitive ({flags}); "
                    "it was destroyed"
                )
        _, public, _ = self._pair(label)
        return HsmKeyInfo(label, curve, public)

    @staticmethod
    def _check_label(label: str) -> None:
        if not isinstance(label, str) or not label or len(label.encode("utf-8")) > 255:
            raise InvalidInput(f"a key label is a non-empty string of up to 255 bytes, got {label!r}")

    def key(self, label: str) -> Pkcs11Key:
        """Return the signing key labelled ``label`` (its public key read from the token's public key object).

        Raises:
            HsmKeyNotFound: no such key pair (or not exactly one private and one public half).
            UnsupportedOperation: the token offers no signing mechanism for the key's curve.
        """
        private, public, curve = self._pair(label)
        self._require(curve)
        return Pkcs11Key(self._login, label, curve, private, public)

    def account(self, chain: str, label: str, *, kind: str | None = None, network: str | None = None) -> Account:
        """Return an account of ``chain`` on the key labelled ``label``: the uniform account API, signed in the token.

        Args:
            chain: chain name or alias; its curve must be the key's.
            label: the key's label.
            kind: address kind (Bitcoin: ``p2pkh``, ``p2sh-p2wpkh``, ``p2wpkh``; not ``p2tr``).
            network: network name (``regtest``, ``sepolia``, ...).

        Raises:
            HsmKeyNotFound: no such key.
            InvalidKey: the key's curve is not the chain's (an ed25519 key for ``eth``...).
            UnsupportedOperation: a ``p2tr`` account (PKCS#11 cannot sign BIP340, so its
                coins could never be spent), or a token without the curve's mechanisms.
        """
        from walletkit.account import Account, resolve_options
        from walletkit.registry import get_chain

        plugin = get_chain(chain)
        options = resolve_options(plugin, kind, network, None)
        if options.kind == "p2tr":
            raise UnsupportedOperation(
                f"an HSM key cannot hold a p2tr account: PKCS#11 has no BIP340 Schnorr, so coins sent to it "
                f"could not be spent (key {label!r} on token {self.token_label!r}); use p2wpkh"
            )
        key = self.key(label)
        if key.curve != plugin.spec.curve:
            raise InvalidKey(f"key {label!r} is {key.curve}, but {plugin.spec.name} signs with {plugin.spec.curve}")
        return Account(plugin, options, key.public_key(), key=key)

    def list(self) -> list[HsmKeyInfo]:
        """Return every secp256k1 and ed25519 key pair on the token, by label (other keys are left out).

        Raises:
            HsmError: the store is closed, or the token refused to list.
        """
        pkcs11 = _pkcs11()
        attribute = pkcs11.Attribute
        with self._token("listing keys") as session:
            found = session.get_objects({attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY})
            labels = sorted({str(obj[attribute.LABEL]) for obj in found})
        out: list[HsmKeyInfo] = []
        for label in labels:
            try:
                _, public, curve = self._pair(label)
            except (HsmKeyNotFound, InvalidInput):
                continue  # a key of another kind, or without its public half: not one walletkit signs with
            out.append(HsmKeyInfo(label, curve, public))
        return out

    # --- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release this store's share of the login; the last store on the token logs out, and its keys stop signing."""
        if not self._closed:
            self._closed = True
            _release(self._login)

    def __enter__(self) -> Pkcs11KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "logged in"
        return f"Pkcs11KeyStore({self.library_path}, token={self.token_label!r}, {state})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Pkcs11KeyStore holds an HSM login; it cannot be pickled")
