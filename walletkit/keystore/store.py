"""walletkit's encrypted wallet file: one mnemonic (or raw keys) and named account metadata.

    file = JSON { "walletkit_keystore": 1, "id", "kdf": {...}, "cipher": {"name": "aes-256-gcm",
                  "nonce"}, "accounts": [{"name", "chain", "path", "label"}], "ciphertext" }
    key = KDF(password);  ciphertext = AES-256-GCM(key, nonce, secret JSON, AAD = header)

The header (everything but the ciphertext) is authenticated, so a changed KDF parameter,
id or account entry makes the file fail to open. Writes are atomic and durable: a temp
file in the same folder, fsync, ``os.replace``, fsync of the folder; mode 0600. A crash
at any point leaves the old or the new file.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from walletkit.errors import InvalidInput, KeystoreCorrupted, KeystoreError, WrongPassword
from walletkit.keystore.kdf import KdfParams

FORMAT_VERSION = 1
_TEMP_PREFIX = ".wk-tmp-"
_MAX_FILE = 1 << 20


def _password_bytes(password: str | bytes) -> bytes:
    # Passwords are NFKD-normalized, as BIP39 passphrases are: one typed password, one key.
    if isinstance(password, bytes):
        return password
    if not isinstance(password, str):
        raise InvalidInput(f"a password is text or bytes, got {type(password).__name__}")
    return unicodedata.normalize("NFKD", password).encode("utf-8")


@dataclass(frozen=True, slots=True)
class AccountEntry:
    """Named account metadata (no secret): which chain, which path, a label."""

    name: str
    chain: str
    path: str | None = None
    label: str = ""


@dataclass(slots=True, repr=False)
class Keystore:
    """An opened keystore: its secrets are in memory, its header on disk.

    >>> import tempfile, os
    >>> from walletkit.keystore import Keystore, KdfParams
    >>> path = os.path.join(tempfile.mkdtemp(), "w.json")
    >>> ks = Keystore.create(path, "pw", mnemonic="abandon " * 11 + "about",
    ...                      kdf=KdfParams.scrypt(n=1 << 10), allow_weak=True)
    >>> Keystore.open(path, "pw", allow_weak=True).wallet().account("eth").address
    '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'
    >>> ks
    Keystore(w.json, 0 accounts, <redacted>)
    """

    path: Path
    kdf: KdfParams
    id: str
    _secret: dict[str, Any]
    accounts: list[AccountEntry] = field(default_factory=list)
    _password: bytes = b""

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

        Raises:
            KeystoreError: the file exists and ``overwrite`` is not set.
            WeakKdfParameters: KDF parameters below the floor without ``allow_weak``.
            InvalidMnemonic: the phrase is not valid BIP39.
        """
        from walletkit.bip39 import Mnemonic

        secret: dict[str, Any] = {}
        if mnemonic is not None:
            secret["mnemonic"] = Mnemonic.parse(mnemonic).phrase
            secret["passphrase"] = passphrase
        if keys:
            secret["keys"] = dict(keys)
        if not secret:
            raise InvalidInput("a keystore holds a mnemonic or keys; neither was given")
        params = (kdf or KdfParams.scrypt()).with_fresh_salt()
        params.check(allow_weak)
        store = cls(Path(path), params, str(uuid.uuid4()), secret, [], _password_bytes(password))
        store.save(overwrite=overwrite)
        return store

    @classmethod
    def open(cls, path: str | os.PathLike[str], password: str | bytes, *, allow_weak: bool = False) -> Keystore:
        """Open and decrypt a keystore.

        Raises:
            WrongPassword: the password does not open it.
            KeystoreCorrupted: truncated, tampered with or malformed.
            WeakKdfParameters: weak KDF parameters without ``allow_weak`` (re-save to upgrade).
        """
        path = Path(path)
        try:
            with path.open("rb") as f:
                raw = f.read(_MAX_FILE + 1)
        except FileNotFoundError:
            raise KeystoreError(f"no keystore at {path}") from None
        except OSError as e:
            raise KeystoreError(f"cannot read {path}: {e.strerror}") from None
        if len(raw) > _MAX_FILE:
            raise KeystoreCorrupted("the keystore file is larger than any keystore")
        header, ciphertext, nonce = _parse(raw)
        kdf = KdfParams.from_json(header.get("kdf"))
        kdf.check(allow_weak)
        key, check = _keys(kdf, _password_bytes(password))
        if not hmac.compare_digest(check, bytes.fromhex(str(header.get("check", "")))):
            raise WrongPassword("the password does not open this keystore")
        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
        except InvalidTag:
            raise KeystoreCorrupted(
                "the keystore was altered or truncated: its authentication tag does not match"
            ) from None
        try:
            secret = json.loads(plaintext)
            accounts = [AccountEntry(**a) for a in header.get("accounts", [])]
        except (ValueError, TypeError) as e:
            raise KeystoreCorrupted(f"the keystore's contents are malformed: {type(e).__name__}") from None
        return cls(path, kdf, str(header["id"]), secret, accounts, _password_bytes(password))

    # --- what it holds ---------------------------------------------------------------------

    @property
    def has_mnemonic(self) -> bool:
        """True when the keystore holds a mnemonic."""
        return "mnemonic" in self._secret

    def wallet(self) -> Any:
        """Return the HD wallet of the stored mnemonic (and passphrase)."""
        from walletkit.wallet import Wallet

        if not self.has_mnemonic:
            raise KeystoreError("this keystore holds raw keys, not a mnemonic")
        return Wallet.from_mnemonic(self._secret["mnemonic"], self._secret.get("passphrase", ""))

    def account(self, name: str) -> Any:
        """Return a stored account by name: derived from the mnemonic, or from a raw key."""
        from walletkit.account import Account

        entry = next((a for a in self.accounts if a.name == name), None)
        if entry is None:
            raise KeystoreError(
                f"no account named {name!r}; stored: {', '.join(a.name for a in self.accounts) or 'none'}"
            )
        keys = self._secret.get("keys", {})
        if entry.name in keys:
            return Account.from_private_key(entry.chain, keys[entry.name])
        return self.wallet().account(entry.chain, path=entry.path)

    def add_account(
        self, name: str, chain: str, path: str | None = None, label: str = "", *, key: str | None = None
    ) -> None:
        """Record an account (derived at ``path``, or a raw ``key`` kept encrypted) and save."""
        if any(a.name == name for a in self.accounts):
            raise KeystoreError(f"an account named {name!r} exists already")
        from walletkit.registry import get_chain

        get_chain(chain)
        if key is not None:
            from walletkit.account import Account

            Account.from_private_key(chain, key)  # checks the key before it is stored
            self._secret.setdefault("keys", {})[name] = key
        self.accounts.append(AccountEntry(name, chain, path, label))
        self.save(overwrite=True)

    def export_secret(self) -> dict[str, Any]:
        """Return a copy of the decrypted secrets (mnemonic, passphrase, keys). Handle with care."""
        return json.loads(json.dumps(self._secret))  # type: ignore[no-any-return]

    # --- writing ------------------------------------------------------------------------------

    def change_password(
        self, new_password: str | bytes, kdf: KdfParams | None = None, *, allow_weak: bool = False
    ) -> None:
        """Re-encrypt under a new password (and KDF parameters), atomically."""
        params = (kdf or self.kdf).with_fresh_salt()
        params.check(allow_weak)
        self.kdf = params
        self._password = _password_bytes(new_password)
        self.save(overwrite=True)

    def save(self, *, overwrite: bool = True) -> None:
        """Encrypt with a fresh salt and nonce and write atomically and durably (mode 0600)."""
        if not overwrite and self.path.exists():
            raise KeystoreError(f"{self.path} exists; pass overwrite=True to replace it")
        self.kdf = self.kdf.with_fresh_salt()
        header = {
            "walletkit_keystore": FORMAT_VERSION,
            "id": self.id,
            "kdf": self.kdf.to_json(),
            "cipher": {"name": "aes-256-gcm", "nonce": secrets.token_bytes(12).hex()},
            "accounts": [{"name": a.name, "chain": a.chain, "path": a.path, "label": a.label} for a in self.accounts],
        }
        key, check = _keys(self.kdf, self._password)
        header["check"] = check.hex()
        plaintext = json.dumps(self._secret, separators=(",", ":")).encode()
        ciphertext = AESGCM(key).encrypt(bytes.fromhex(header["cipher"]["nonce"]), plaintext, _aad(header))  # type: ignore[index]
        document = dict(header, ciphertext=ciphertext.hex())
        atomic_write(self.path, json.dumps(document, indent=1).encode())

    def __repr__(self) -> str:
        return f"Keystore({self.path.name}, {len(self.accounts)} accounts, <redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Keystore cannot be pickled")


def _keys(kdf: KdfParams, password: bytes) -> tuple[bytes, bytes]:
    # 64 derived bytes: an AES-256 key, and a key for a password check value, so a wrong
    # password (WrongPassword) is told apart from an altered file (KeystoreCorrupted).
    derived = kdf.derive(password, 64)
    return derived[:32], hmac.digest(derived[32:], b"walletkit keystore password check", "sha256")


def _aad(header: dict[str, Any]) -> bytes:
    fields = {k: header[k] for k in ("walletkit_keystore", "id", "kdf", "cipher", "accounts", "check") if k in header}
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
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreCorrupted(f"the keystore is malformed: {type(e).__name__}") from None
    return document, ciphertext, nonce


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file, never a mix.

    Temp file in the same folder, fsync(file), os.replace, fsync(folder); mode 0600.
    Temp files left by an earlier crash are removed first.
    """
    folder = path.parent if str(path.parent) else Path(".")
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
