"""walletkit's keystore: round trips, wrong password vs tampering, weak parameters, atomic durable writes."""

from __future__ import annotations

import hmac
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walletkit.errors import KeystoreCorrupted, KeystoreError, WeakKdfParameters, WrongPassword
from walletkit.keystore import KdfParams, Keystore
from walletkit.keystore import store as store_module

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
FAST = KdfParams.scrypt(n=1 << 10)  # tests that are not about the KDF use cheap parameters, explicitly


def make(path: Path, password: str = "correct horse", **kw: object) -> Keystore:
    return Keystore.create(path, password, mnemonic=PHRASE, kdf=FAST, allow_weak=True, **kw)  # type: ignore[arg-type]


def test_round_trip_and_accounts(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    ks = make(path)
    ks.add_account("savings", "btc", "m/84'/0'/0'/0/3", "cold")
    ks.add_account("ops", "eth", key="0x" + "46" * 32)
    again = Keystore.open(path, "correct horse", allow_weak=True)
    # m/84'/0'/0'/0/3 of PHRASE, from bip-utils (Bip84, BITCOIN, account 0, external chain, index 3).
    assert again.account("savings").address == "bc1q6awlg7krz9wx8gqaddsgax809nl7859rjtlcu6"
    assert again.account("ops").address == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
    assert [a.label for a in again.accounts] == ["cold", ""]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert "legal" not in text and "46" * 32 not in text


def test_default_kdf_is_scrypt_2_18_and_opens(tmp_path: Path) -> None:
    ks = Keystore.create(tmp_path / "strong.json", "pw", mnemonic=PHRASE)
    header = json.loads((tmp_path / "strong.json").read_text())
    assert header["kdf"]["name"] == "scrypt" and header["kdf"]["n"] == 1 << 18 and header["kdf"]["r"] == 8
    assert Keystore.open(tmp_path / "strong.json", "pw").has_mnemonic and ks.kdf.n == 1 << 18


def test_argon2id(tmp_path: Path) -> None:
    # The file is opened a second time by hand, with an independent Argon2id (argon2-cffi, the
    # reference C implementation; walletkit uses cryptography's OpenSSL one) and the format
    # written out in walletkit/keystore/store.py's docstring: key = KDF(password), 64 bytes, the
    # first 32 the AES-256-GCM key, the last 32 the key of the password check value.
    from argon2.low_level import Type, hash_secret_raw
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from eth_account import Account as EthAccount

    path = tmp_path / "a.json"
    Keystore.create(path, "pw", mnemonic=PHRASE, kdf=KdfParams.argon2id(memory_cost=64 * 1024, time_cost=2))
    document = json.loads(path.read_text())
    kdf = document["kdf"]
    salt = bytes.fromhex(kdf["salt"])
    assert (kdf["name"], kdf["memory_cost"], kdf["time_cost"], kdf["lanes"], len(salt)) == ("argon2id", 65536, 2, 1, 32)
    derived = hash_secret_raw(b"pw", salt, time_cost=2, memory_cost=64 * 1024, parallelism=1, hash_len=64, type=Type.ID)
    check = hmac.digest(derived[32:], b"walletkit keystore password check", "sha256")
    assert document["check"] == check.hex()
    names = ("walletkit_keystore", "id", "generation", "kdf", "cipher", "accounts", "check")
    aad = json.dumps({k: document[k] for k in names}, sort_keys=True, separators=(",", ":")).encode()
    plaintext = AESGCM(derived[:32]).decrypt(
        bytes.fromhex(document["cipher"]["nonce"]), bytes.fromhex(document["ciphertext"]), aad
    )
    assert json.loads(plaintext) == {"mnemonic": PHRASE, "passphrase": ""}
    # The address, from eth-account's own BIP39/BIP32 (m/44'/60'/0'/0/0), pinned as text too.
    EthAccount.enable_unaudited_hdwallet_features()
    expected = "0x58A57ed9d8d624cBD12e2C467D34787555bB1b25"
    assert EthAccount.from_mnemonic(PHRASE).address == expected
    assert Keystore.open(path, "pw").wallet().account("eth").address == expected


def test_wrong_password_and_tampering_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    make(path)
    with pytest.raises(WrongPassword, match="does not open"):
        Keystore.open(path, "wrong", allow_weak=True)
    document = json.loads(path.read_text())
    flipped = dict(document, ciphertext=("0" if document["ciphertext"][0] != "0" else "1") + document["ciphertext"][1:])
    path.write_text(json.dumps(flipped))
    with pytest.raises(KeystoreCorrupted, match="altered or truncated"):
        Keystore.open(path, "correct horse", allow_weak=True)
    path.write_text(json.dumps(dict(document, accounts=[{"name": "x", "chain": "eth", "path": None, "label": ""}])))
    with pytest.raises(KeystoreCorrupted):
        Keystore.open(path, "correct horse", allow_weak=True)  # the header is authenticated
    path.write_text(json.dumps(document)[:-40])
    with pytest.raises(KeystoreCorrupted, match="not JSON"):
        Keystore.open(path, "correct horse", allow_weak=True)


def test_fresh_salt_and_nonce_every_write(tmp_path: Path) -> None:
    # Failure class 17: no static salt; the same content encrypts differently each time.
    path = tmp_path / "w.json"
    ks = make(path)
    first = json.loads(path.read_text())
    ks.save()
    second = json.loads(path.read_text())
    assert first["kdf"]["salt"] != second["kdf"]["salt"] and first["cipher"]["nonce"] != second["cipher"]["nonce"]
    assert len(bytes.fromhex(second["kdf"]["salt"])) >= 16


def test_weak_parameters(tmp_path: Path) -> None:
    with pytest.raises(WeakKdfParameters, match="below the floor"):
        Keystore.create(tmp_path / "w.json", "pw", mnemonic=PHRASE, kdf=FAST)
    make(tmp_path / "w.json")
    with pytest.raises(WeakKdfParameters):
        Keystore.open(tmp_path / "w.json", "correct horse")
    ks = Keystore.open(tmp_path / "w.json", "correct horse", allow_weak=True)
    ks.change_password("correct horse", KdfParams.scrypt())  # upgrade on unlock
    assert Keystore.open(tmp_path / "w.json", "correct horse").kdf.n == 1 << 18


def test_no_overwrite_without_flag(tmp_path: Path) -> None:
    make(tmp_path / "w.json")
    with pytest.raises(KeystoreError, match="exists"):
        make(tmp_path / "w.json")


def test_write_order_is_fsync_replace_fsync_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failure class 20: durable writes (Electrum's 0-byte wallet, spesmilo/electrum#960; no fsync, zingolabs/zingo-mobile#1224)."""
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(a: object, b: object) -> None:
        calls.append("replace")
        real_replace(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.os, "fsync", fsync)
    monkeypatch.setattr(store_module.os, "replace", replace)
    make(tmp_path / "w.json")
    assert calls == ["fsync-file", "replace", "fsync-dir"]


def test_stale_temp_files_are_cleaned(tmp_path: Path) -> None:
    (tmp_path / ".wk-tmp-w.json.deadbeef").write_bytes(b"half a file")
    make(tmp_path / "w.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.json.lock", "w.json"]  # the lock file stays


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40), st.text(max_size=30))
def test_unicode_passwords_and_passphrases_round_trip(tmp_path: Path, password: str, passphrase: str) -> None:
    path = tmp_path / "u.json"
    Keystore.create(path, password, mnemonic=PHRASE, passphrase=passphrase, kdf=FAST, allow_weak=True, overwrite=True)
    opened = Keystore.open(path, password, allow_weak=True)
    assert opened.export_secret()["passphrase"] == passphrase


def test_canary_no_secret_in_repr_errors_or_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    password = "canary-password-91c2"
    path = tmp_path / "w.json"
    ks = Keystore.create(path, password, mnemonic=PHRASE, kdf=FAST, allow_weak=True)
    texts = [repr(ks), str(ks)]
    for attempt in ("canary-password-91c3", password + "x"):
        try:
            Keystore.open(path, attempt, allow_weak=True)
        except KeystoreError as e:
            texts += [str(e), repr(e)]
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    assert password not in blob and "legal winner" not in blob and "canary-password" not in blob
