"""KDF floors and caps, v3 weak-parameter refusals, and the keystore's authenticated id, pinned
line by line (issue 19's surviving keystore mutants). Keyfiles to read are written by eth-account,
and what walletkit writes is read back by eth-account: the expected values are not walletkit's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from walletkit.keystore import v3
from walletkit.keystore.kdf import KdfParams
from walletkit.keystore.store import Keystore

SALT = bytes(range(16))
SECRET = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
PASSWORD = "correct horse"


@pytest.mark.parametrize(
    ("params", "weak"),
    [
        (KdfParams("scrypt", n=1 << 17, r=8, p=1, salt=SALT), False),
        (KdfParams("scrypt", n=1 << 16, r=8, p=1, salt=SALT), True),  # N below 2^17
        (KdfParams("scrypt", n=1 << 18, r=7, p=1, salt=SALT), True),  # r below 8
        (KdfParams("scrypt", n=1 << 18, r=8, p=0, salt=SALT), True),
        (KdfParams("scrypt", n=1 << 18, r=8, p=1, salt=SALT[:15]), True),  # salt below 16 bytes
        (KdfParams("argon2id", memory_cost=64 * 1024, time_cost=2, salt=SALT), False),
        (KdfParams("argon2id", memory_cost=64 * 1024 - 1, time_cost=2, salt=SALT), True),
        (KdfParams("argon2id", memory_cost=64 * 1024, time_cost=1, salt=SALT), True),
    ],
)
def test_the_kdf_floor(params: KdfParams, weak: bool) -> None:
    assert params.is_weak() is weak
    if weak:
        with pytest.raises(wk.errors.WeakKdfParameters, match="below the floor"):
            params.check(allow_weak=False)
    else:
        params.check(allow_weak=False)
    params.check(allow_weak=True)  # the caller's opt-in opens anything in range


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"n": 1 << 24, "r": 8, "p": 1}, True),
        ({"n": 1 << 25, "r": 8, "p": 1}, False),  # the N cap is 2^24
        ({"n": 1 << 31, "r": 8, "p": 1}, False),
        ({"n": 3, "r": 8, "p": 1}, False),  # not a power of two
        ({"n": 1, "r": 8, "p": 1}, False),
        ({"n": 2, "r": 64, "p": 64}, True),
        ({"n": 2, "r": 65, "p": 1}, False),
        ({"n": 2, "r": 8, "p": 65}, False),
    ],
)
def test_scrypt_header_ranges(fields: dict[str, int], ok: bool) -> None:
    header = {"name": "scrypt", "salt": SALT.hex(), **fields}
    if ok:
        assert KdfParams.from_json(header) == KdfParams("scrypt", salt=SALT, **fields)
    else:
        with pytest.raises(wk.errors.KeystoreCorrupted, match="out of range"):
            KdfParams.from_json(header)


def test_v3_decrypt_refuses_weak_scrypt_unless_allowed() -> None:
    keyfile = EthAccount.encrypt(SECRET, PASSWORD, kdf="scrypt", iterations=1 << 16)
    assert keyfile["crypto"]["kdfparams"]["n"] == 1 << 16
    with pytest.raises(wk.errors.WeakKdfParameters, match="N=65536"):
        v3.decrypt(keyfile, PASSWORD)
    assert v3.decrypt(keyfile, PASSWORD, allow_weak=True) == SECRET


def test_v3_decrypt_refuses_weak_pbkdf2_unless_allowed() -> None:
    keyfile = EthAccount.encrypt(SECRET, PASSWORD, kdf="pbkdf2", iterations=599_999)
    with pytest.raises(wk.errors.WeakKdfParameters, match="c=599999"):
        v3.decrypt(keyfile, PASSWORD)
    assert v3.decrypt(keyfile, PASSWORD, allow_weak=True) == SECRET


def test_v3_decrypt_reads_the_floor_itself() -> None:
    keyfile = EthAccount.encrypt(SECRET, PASSWORD, kdf="scrypt", iterations=1 << 17)
    assert v3.decrypt(keyfile, PASSWORD) == SECRET


def test_v3_encrypt_refuses_n_below_2_17() -> None:
    with pytest.raises(wk.errors.WeakKdfParameters, match="N=65536"):
        v3.encrypt(SECRET, PASSWORD, n=1 << 16)
    weak = v3.encrypt(SECRET, PASSWORD, n=1 << 16, allow_weak=True)
    assert weak["crypto"]["kdfparams"] == {**weak["crypto"]["kdfparams"], "n": 1 << 16, "r": 8, "p": 1, "dklen": 32}
    assert bytes(EthAccount.decrypt(weak, PASSWORD)) == SECRET
    floor = v3.encrypt(SECRET, PASSWORD, n=1 << 17)
    assert bytes(EthAccount.decrypt(floor, PASSWORD)) == SECRET
    assert floor["address"] == EthAccount.from_key(SECRET).address[2:].lower()


WEAK = KdfParams.scrypt(n=1 << 10, r=8, p=1)  # fast for the test; opened with allow_weak


def _tampered(path: Path, **changes: object) -> None:
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))


def test_the_keystore_id_is_authenticated(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    Keystore.create(path, PASSWORD, keys={"k": "0x" + SECRET.hex()}, kdf=WEAK, allow_weak=True)
    original = json.loads(path.read_text())
    assert Keystore.open(path, PASSWORD, allow_weak=True).id == original["id"]
    _tampered(path, id="00000000-0000-4000-8000-000000000000")
    with pytest.raises(wk.errors.KeystoreCorrupted):
        Keystore.open(path, PASSWORD, allow_weak=True)
    path.write_text(json.dumps(original))
    _tampered(path, generation=original.get("generation", 0) + 1)
    with pytest.raises(wk.errors.KeystoreCorrupted):
        Keystore.open(path, PASSWORD, allow_weak=True)
    path.write_text(json.dumps(original))
    assert Keystore.open(path, PASSWORD, allow_weak=True).id == original["id"]  # untouched again: opens
