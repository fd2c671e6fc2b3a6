"""walletkit's encrypted wallet file: one mnemonic (or raw keys) and named account metadata.

    file = JSON { "walletkit_keystore": 1, "id", "generation", "kdf": {...},
                  "cipher": {"name": "aes-256-gcm", "nonce"},
                  "accounts": [{"name", "chain", "path", "label", "kind"?, "network"?}],
                  "check", "ciphertext" }
    key = KDF(password);  ciphertext = AES-256-GCM(key, nonce, secret JSON, AAD = header)

The header (everything but the ciphertext) is authenticated, so a changed KDF parameter,
id, generation or account entry makes the file fail to open. Writes are atomic and
durable: a temp file in the same folder, fsync, ``os.replace``, fsync of the folder; mode
0600. A crash at any point leaves the old or the new file.

Several handles on one file (processes, threads, objects) do not lose each other's updates:
every write holds an exclusive ``fcntl`` lock on ``.<name>.lock`` beside the file, and bumps
the authenticated ``generation``. :meth:`Keystore.add_account` and
:meth:`Keystore.change_password` re-read the file under the lock when another handle wrote
since (a read-modify-write); :meth:`Keystore.save` of a handle that is behind the file raises
:class:`~walletkit.errors.KeystoreConflict` instead of overwriting what it never saw.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
import secrets
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from walletkit.encoding.parse_errors import reason
from walletkit.errors import (
    InvalidInput,
    KeystoreConflict,
    KeystoreCorrupted,
    KeystoreError,
    MissingSecret,
    WrongPassword,
)
from walletkit.keystore.kdf import KdfParams

FORMAT_VERSION = 1
_TEMP_PREFIX = ".wk-tmp-"
_MAX_FILE = 1 << 20
_SECRET_SLOTS = frozenset({"_secret", "_password"})
T = TypeVar("T")


class _Sealed(Generic[T]):
    """A secret on its way through a function: no repr, format, pickle, copy, state or dir shows it.

    Functions that take a password or a secret turn it into a _Sealed first and drop the
    plain value, so a traceback that captures locals (pytest --showlocals, loguru's
    diagnose, rich tracebacks) shows ``<redacted>`` in walletkit's frames.
    """

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a secret cannot be pickled or copied")

    def __getstate__(self) -> object:
        raise TypeError("a secret has no state to export")

    def __dir__(self) -> list[str]:
        return [name for name in object.__dir__(self) if name != "_value"]


def _password_bytes(password: str | bytes) -> bytes:
    # Passwords are NFKD-normalized, as BIP39 passphrases are: one typed password, one key.
    if isinstance(password, bytes):
        return password
    if not isinstance(password, str):
        raise InvalidInput(f"a password is text or bytes, got {type(password).__name__}")
    return unicodedata.normalize("NFKD", password).encode("utf-8")


def _new_password(password: str | bytes) -> _Sealed[bytes]:
    value = _password_bytes(password)
    if not value:
        raise MissingSecret("a keystore password must not be empty: an empty password encrypts nothing")
    return _Sealed(value)


@dataclass(frozen=True, slots=True)
class AccountEntry:
    """Named account metadata (no secret): which chain, which path, a label, and the kind and network."""

    name: str
    chain: str
    path: str | None = None
    label: str = ""
    kind: str | None = None
    network: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The header form (kind and network only when set)."""
        out: dict[str, Any] = {"name": self.name, "chain": self.chain, "path": self.path, "label": self.label}
        out.update({k: v for k, v in (("kind", self.kind), ("network", self.network)) if v is not None})
        return out


class Keystore:
    """An opened keystore: its secrets are in memory, its header on disk.

    A secret-bearing value held to the :class:`~walletkit.keys.PrivateKey` standard: the repr
    is redacted; it is not a dataclass (``dataclasses.asdict`` refuses it) and has no
    ``__dict__`` (``vars`` refuses it); ``dir()``, so ``rich.inspect`` and debuggers, does not
    list the secret or the password; pickling and copying are refused.

    >>> import tempfile, os
    >>> from walletkit.keystore import Keystore, KdfParams
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "w.json")
    ...     ks = Keystore.create(path, "pw", mnemonic="abandon " * 11 + "about",
    ...                          kdf=KdfParams.scrypt(n=1 << 10), allow_weak=True)
    ...     print(Keystore.open(path, "pw", allow_weak=True).wallet().account("eth").address)
    ...     print(ks)
    0x9858EfFD232B4033E47d90003D41EC34EcaEda94
    Keystore(w.json, 0 accounts, <redacted>)
    """

    __slots__ = ("_generation", "_password", "_secret", "accounts", "id", "kdf", "path")

    path: Path
    kdf: KdfParams
    id: str
    accounts: list[AccountEntry]
    _secret: dict[str, Any]
    _password: bytes
    _generation: int

    def __init__(
        self,
        path: Path,
        kdf: KdfParams,
        id: str,
        secret: _Sealed[dict[str, Any]],
        accounts: list[AccountEntry],
        password: _Sealed[bytes],
        generation: int = 0,
    ) -> None:
        """Hold an opened keystore's parts (use :meth:`create` or :meth:`open`)."""
        self.path = path
        self.kdf = kdf
        self.id = id
        self._secret = secret._value
        self.accounts = accounts
        self._password = password._value
        self._generation = generation

    # --- create / open -----------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        password: str | bytes,
        *,
        mnemonic: str | None = None,
        passphrase: str = "",
        keys: dict[str, str] | None = None,
        kdf: KdfParams | None = None,
        overwrite: bool = False,
        allow_weak: bool = False,
    ) -> Keystore:
        """Write a new keystore holding a mnemonic (checked) and/or raw keys by chain.

        Args:
            path: the file to write (its folder must exist); ``.<name>.lock`` is made beside it.
            password: text (NFKD-normalized) or bytes; never empty.
            mnemonic, passphrase: a BIP39 phrase and its passphrase.
            keys: raw keys by account name, in each chain's usual text form.
            kdf: KDF parameters (default scrypt N=2^18, r=8, p=1); a fresh salt is drawn.

        Raises:
            MissingSecret: an empty password.
            KeystoreError: the file exists and ``overwrite`` is not set.
            WeakKdfParameters: KDF parameters below the floor without ``allow_weak``.
            InvalidMnemonic: the phrase is not valid BIP39.
        """
        from walletkit.bip39 import Mnemonic

        sealed = _new_password(password)
        given = _Sealed((mnemonic, passphrase, dict(keys or {})))
        del password, mnemonic, passphrase, keys
        secret: _Sealed[dict[str, Any]] = _Sealed({})
        if given._value[0] is not None:
            secret._value["mnemonic"] = Mnemonic.parse(given._value[0]).phrase
            secret._value["passphrase"] = given._value[1]
        if given._value[2]:
            secret._value["keys"] = given._value[2]
        if not secret._value:
            raise InvalidInput("a keystore holds a mnemonic or keys; neither was given")
        params = (kdf or KdfParams.scrypt()).with_fresh_salt()
        params.check(allow_weak)
        store = cls(Path(path), params, str(uuid.uuid4()), secret, [], sealed)
        with _locked(store.path):
            if store.path.exists() and not overwrite:
                raise KeystoreError(f"{store.path} exists; pass overwrite=True to replace it")
            store._write_locked()
        return store

    @classmethod
    def open(cls, path: str | os.PathLike[str], password: str | bytes, *, allow_weak: bool = False) -> Keystore:
        """Open and decrypt a keystore.

        Raises:
            WrongPassword: the password does not open it.
            KeystoreCorrupted: truncated, tampered with or malformed.
            WeakKdfParameters: weak KDF parameters without ``allow_weak`` (re-save to upgrade).
        """
        sealed = _Sealed(_password_bytes(password))
        del password
        path = Path(path)
        header, ciphertext, nonce = _parse(_read(path))
        kdf = KdfParams.from_json(header.get("kdf"))
        kdf.check(allow_weak)
        secret, accounts = _decrypt(header, ciphertext, nonce, kdf, sealed)
        return cls(path, kdf, str(header["id"]), secret, accounts, sealed, _generation_of(header))

    # --- what it holds ---------------------------------------------------------------------

    @property
    def has_mnemonic(self) -> bool:
        """True when the keystore holds a mnemonic."""
        return "mnemonic" in self._secret

    @property
    def generation(self) -> int:
        """How many times the file had been written when this handle last read or wrote it."""
        return self._generation

    def wallet(self) -> Any:
        """Return the HD wallet of the stored mnemonic (and passphrase)."""
        from walletkit.wallet import Wallet

        if not self.has_mnemonic:
            raise KeystoreError("this keystore holds raw keys, not a mnemonic")
        return Wallet.from_mnemonic(self._secret["mnemonic"], self._secret.get("passphrase", ""))

    def account(self, name: str) -> Any:
        """Return a stored account by name: derived from the mnemonic, or from a raw key.

        Raises:
            KeystoreError: no account of that name (the message lists the stored names).
        """
        from walletkit.account import Account

        entry = next((a for a in self.accounts if a.name == name), None)
        if entry is None:
            raise KeystoreError(
                f"no account named {name!r}; stored: {', '.join(a.name for a in self.accounts) or 'none'}"
            )
        keys = self._secret.get("keys", {})
        if entry.name in keys:
            return Account.from_private_key(entry.chain, keys[entry.name])
        return self.wallet().account(entry.chain, path=entry.path, kind=entry.kind, network=entry.network)

    def add_account(
        self,
        name: str,
        chain: str,
        path: str | None = None,
        label: str = "",
        *,
        key: str | None = None,
        kind: str | None = None,
        network: str | None = None,
    ) -> None:
        """Record an account (derived at ``path``, or a raw ``key`` kept encrypted) and save.

        A read-modify-write under the file lock: accounts that other handles added since this
        one read the file are kept (this handle is brought up to date).

        Raises:
            KeystoreError: an account of that name exists (here or in the file).
            KeystoreConflict: the file was replaced, or re-encrypted under another password.
            UnknownChain, InvalidKey: a bad chain name or key.
        """
        from walletkit.registry import get_chain

        sealed_key = _Sealed(key)
        del key
        get_chain(chain)
        if sealed_key._value is not None:
            from walletkit.account import Account

            Account.from_private_key(chain, sealed_key._value)  # checks the key before it is stored
        with _locked(self.path):
            self._refresh_locked()
            if any(a.name == name for a in self.accounts):
                raise KeystoreError(f"an account named {name!r} exists already")
            if sealed_key._value is not None:
                self._secret.setdefault("keys", {})[name] = sealed_key._value
            self.accounts.append(AccountEntry(name, chain, path, label, kind, network))
            self._write_locked()

    def export_secret(self) -> dict[str, Any]:
        """Return a copy of the decrypted secrets (mnemonic, passphrase, keys). Handle with care."""
        return json.loads(json.dumps(self._secret))  # type: ignore[no-any-return]

    # --- writing ------------------------------------------------------------------------------

    def change_password(
        self, new_password: str | bytes, kdf: KdfParams | None = None, *, allow_weak: bool = False
    ) -> None:
        """Re-encrypt under a new password (and KDF parameters), atomically, under the file lock.

        Raises:
            MissingSecret: an empty new password.
            WeakKdfParameters: parameters below the floor without ``allow_weak``.
            KeystoreConflict: the file was replaced, or re-encrypted by another handle.
        """
        sealed = _new_password(new_password)
        del new_password
        params = (kdf or self.kdf).with_fresh_salt()
        params.check(allow_weak)
        with _locked(self.path):
            self._refresh_locked()
            self.kdf = params
            self._password = sealed._value
            self._write_locked()

    def save(self, *, overwrite: bool = True) -> None:
        """Encrypt with a fresh salt and nonce and write atomically and durably (mode 0600).

        Raises:
            KeystoreError: the file exists and ``overwrite`` is false.
            KeystoreConflict: another handle wrote the file since this one read it; nothing
                was written (open it again and redo the change).
        """
        with _locked(self.path):
            if self.path.exists():
                if not overwrite:
                    raise KeystoreError(f"{self.path} exists; pass overwrite=True to replace it")
                on_disk = _parse(_read(self.path))[0]
                if (str(on_disk["id"]), _generation_of(on_disk)) != (self.id, self._generation):
                    raise KeystoreConflict(
                        f"{self.path} was written by another handle since this one read it (generation "
                        f"{_generation_of(on_disk)}, this handle has {self._generation}); nothing was written: "
                        "open it again and redo the change"
                    )
            self._write_locked()

    def _refresh_locked(self) -> None:
        # Under the lock: catch up with what other handles wrote since this one read the file.
        if not self.path.exists():
            return
        header, ciphertext, nonce = _parse(_read(self.path))
        if str(header["id"]) != self.id:
            raise KeystoreConflict(f"{self.path} was replaced by another keystore since this handle opened it")
        if _generation_of(header) == self._generation:
            return
        kdf = KdfParams.from_json(header.get("kdf"))
        try:
            secret, accounts = _decrypt(header, ciphertext, nonce, kdf, _Sealed(self._password))
        except WrongPassword:
            raise KeystoreConflict(
                f"{self.path} was re-encrypted under another password since this handle opened it; "
                "open it again with the new password"
            ) from None
        self.kdf, self._secret, self.accounts = kdf, secret._value, accounts
        self._generation = _generation_of(header)

    def _write_locked(self) -> None:
        self.kdf = self.kdf.with_fresh_salt()
        generation = self._generation + 1
        header: dict[str, Any] = {
            "walletkit_keystore": FORMAT_VERSION,
            "id": self.id,
            "generation": generation,
            "kdf": self.kdf.to_json(),
            "cipher": {"name": "aes-256-gcm", "nonce": secrets.token_bytes(12).hex()},
            "accounts": [a.to_json() for a in self.accounts],
        }
        key, check = _keys(self.kdf, self._password)
        header["check"] = check.hex()
        plaintext = json.dumps(self._secret, separators=(",", ":")).encode()
        ciphertext = AESGCM(key).encrypt(bytes.fromhex(header["cipher"]["nonce"]), plaintext, _aad(header))
        document = dict(header, ciphertext=ciphertext.hex())
        atomic_write(self.path, json.dumps(document, indent=1).encode())
        self._generation = generation

    # --- secret hygiene -----------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Keystore({self.path.name}, {len(self.accounts)} accounts, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Keystore cannot be pickled or copied; open the file again where it is needed")

    def __getstate__(self) -> object:
        raise TypeError("a Keystore has no state to export; export_secret() is the explicit way")

    def __dir__(self) -> list[str]:
        # Inspectors (rich.inspect, debuggers, IDEs) list what dir() names and read each
        # attribute, private ones included when asked: the secret and the password are left out.
        return [name for name in object.__dir__(self) if name not in _SECRET_SLOTS]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive fcntl lock on ``.<name>.lock`` beside ``path`` (released when the process dies)."""
    folder = path.parent  # a Path's parent is never empty: Path("w.json").parent is Path(".")
    try:
        fd = os.open(folder / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise KeystoreError(f"cannot lock {path}: {e.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            raw = f.read(_MAX_FILE + 1)
    except FileNotFoundError:
        raise KeystoreError(f"no keystore at {path}") from None
    except OSError as e:
        raise KeystoreError(f"cannot read {path}: {e.strerror}") from None
    if len(raw) > _MAX_FILE:
        raise KeystoreCorrupted("the keystore file is larger than any keystore")
    return raw


def _generation_of(header: dict[str, Any]) -> int:
    return int(header.get("generation", 0))


def _decrypt(
    header: dict[str, Any], ciphertext: bytes, nonce: bytes, kdf: KdfParams, password: _Sealed[bytes]
) -> tuple[_Sealed[dict[str, Any]], list[AccountEntry]]:
    key, check = _keys(kdf, password._value)
    if not hmac.compare_digest(check, bytes.fromhex(str(header.get("check", "")))):
        del key, check
        raise WrongPassword("the password does not open this keystore")
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
    except InvalidTag:
        del key
        raise KeystoreCorrupted(
            "the keystore was altered or truncated: its authentication tag does not match"
        ) from None
    del key
    try:
        secret = _Sealed(json.loads(plaintext))
    except (ValueError, RecursionError) as e:  # the reason names a position, never the plaintext
        raise KeystoreCorrupted(f"the keystore's encrypted contents are malformed: {reason(e)}") from None
    finally:
        del plaintext
    try:
        accounts = [AccountEntry(**a) for a in header.get("accounts", [])]
    except TypeError:
        fields = "name, chain, path, label, and optionally kind and network"
        raise KeystoreCorrupted(f"the keystore's accounts are malformed: each is an object of {fields}") from None
    if not isinstance(secret._value, dict):
        raise KeystoreCorrupted("the keystore's contents are malformed: not an object")
    return secret, accounts


def _keys(kdf: KdfParams, password: bytes) -> tuple[bytes, bytes]:
    # 64 derived bytes: an AES-256 key, and a key for a password check value, so a wrong
    # password (WrongPassword) is told apart from an altered file (KeystoreCorrupted).
    derived = kdf.derive(password, 64)
    return derived[:32], hmac.digest(derived[32:], b"walletkit keystore password check", "sha256")


def _aad(header: dict[str, Any]) -> bytes:
    names = ("walletkit_keystore", "id", "generation", "kdf", "cipher", "accounts", "check")
    fields = {k: header[k] for k in names if k in header}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _parse(raw: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise KeystoreCorrupted("the keystore is not JSON (truncated or overwritten?)") from None
    if not isinstance(document, dict) or document.get("walletkit_keystore") != FORMAT_VERSION:
        raise KeystoreCorrupted(f"not a walletkit keystore of format version {FORMAT_VERSION}")
    try:
        cipher = document["cipher"]
        if not isinstance(cipher, dict) or cipher.get("name") != "aes-256-gcm":
            raise KeystoreCorrupted("unknown cipher; expected aes-256-gcm")
        nonce = bytes.fromhex(str(cipher["nonce"]))
        ciphertext = bytes.fromhex(str(document["ciphertext"]))
        if len(nonce) != 12 or len(ciphertext) < 16:
            raise KeystoreCorrupted("bad nonce or ciphertext length")
        if not isinstance(document.get("accounts", []), list) or not isinstance(document.get("id"), str):
            raise KeystoreCorrupted("bad accounts or id")
        if not isinstance(document.get("check"), str) or len(bytes.fromhex(document["check"])) != 32:
            raise KeystoreCorrupted("bad password check value")
        generation = document.get("generation", 0)
        if isinstance(generation, bool) or not isinstance(generation, int) or not 0 <= generation < 1 << 63:
            raise KeystoreCorrupted("bad generation; expected a non-negative integer")
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreCorrupted(f"the keystore is malformed: {reason(e)}") from None
    return document, ciphertext, nonce


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file, never a mix.

    Temp file in the same folder, fsync(file), os.replace, fsync(folder); mode 0600.
    Temp files left by an earlier crash are removed first.
    """
    folder = path.parent  # a Path's parent is never empty: Path("w.json").parent is Path(".")
    for stale in folder.glob(f"{_TEMP_PREFIX}{path.name}.*"):
        stale.unlink(missing_ok=True)
    temp = folder / f"{_TEMP_PREFIX}{path.name}.{secrets.token_hex(6)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
