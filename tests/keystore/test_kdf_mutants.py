"""KDF floors and caps, v3 weak-parameter refusals, and the keystore's authenticated id, pinned
line by line (issue 19's surviving keystore mutants). Keyfiles to read are written by eth-account,
and what walletkit writes is read back by eth-account: the expected values are not walletkit's.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from walletkit.keystore import kdf, v3
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


# RFC 7914 section 12 (test vectors): P, S, N, r, p and the 64-byte scrypt output, copied verbatim.
RFC7914 = [
    (
        b"",
        b"",
        16,
        1,
        1,
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
    ),
    (
        b"password",
        b"NaCl",
        1024,
        8,
        16,
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
    ),
    (
        b"pleaseletmein",
        b"SodiumChloride",
        16384,
        8,
        1,
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
        "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
    ),
]


@pytest.mark.parametrize(("password", "salt", "n", "r", "p", "expected"), RFC7914)
def test_scrypt_gives_the_rfc_7914_vectors(password: bytes, salt: bytes, n: int, r: int, p: int, expected: str) -> None:
    assert kdf.scrypt(password, salt, n, r, p, 64).hex() == expected
    params = KdfParams("scrypt", n=n, r=r, p=p, salt=salt)
    assert params.derive(password, 64).hex() == expected
    # 32 bytes by default: scrypt's last step is PBKDF2, so a shorter output is a prefix of the longer one
    assert params.derive(password).hex() == expected[:64]


@pytest.mark.parametrize("n", [2, 1 << 10, 1 << 16])
def test_openssl_computes_the_parameters_it_supports(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """pycryptodome is only the fallback for what OpenSSL refuses (r=1 with N >= 2^16, the spec's v3 vectors).

    OpenSSL refuses parameters whose memory exceeds ``maxmem`` (128 r (N + p + 2) bytes are needed); the
    cap passed must let the usual ones through, or every key would be derived by the slower fallback.
    With the fallback made unimportable, these still derive (expected value: OpenSSL with a 1 GiB cap).
    """
    expected = hashlib.scrypt(b"pw", salt=SALT, n=n, r=8, p=1, maxmem=1 << 30, dklen=64)
    monkeypatch.setitem(sys.modules, "Crypto.Protocol.KDF", None)
    assert kdf.scrypt(b"pw", SALT, n, 8, 1, 64) == expected


def test_a_fresh_salt_changes_nothing_else() -> None:
    params = KdfParams("scrypt", n=1 << 11, r=9, p=3, memory_cost=70_000, time_cost=4, lanes=5, salt=SALT)
    fresh = params.with_fresh_salt()
    assert (fresh.name, fresh.n, fresh.r, fresh.p, fresh.memory_cost, fresh.time_cost, fresh.lanes) == (
        "scrypt",
        2048,
        9,
        3,
        70_000,
        4,
        5,
    )
    assert len(fresh.salt) == 32  # the docstring's "new random 32-byte salt"
    assert fresh.salt != SALT and fresh.salt != params.with_fresh_salt().salt


def test_the_kdf_header_form() -> None:
    salt_hex = "000102030405060708090a0b0c0d0e0f"  # SALT, bytes 0..15
    assert KdfParams("scrypt", n=1 << 11, r=9, p=3, salt=SALT).to_json() == {
        "name": "scrypt",
        "n": 2048,
        "r": 9,
        "p": 3,
        "salt": salt_hex,
    }
    assert KdfParams("argon2id", memory_cost=70_000, time_cost=4, lanes=5, salt=SALT).to_json() == {
        "name": "argon2id",
        "memory_cost": 70_000,
        "time_cost": 4,
        "lanes": 5,
        "salt": salt_hex,
    }


def test_the_floor_refusal_says_what_the_floor_is_and_what_to_do() -> None:
    with pytest.raises(wk.errors.WeakKdfParameters) as info:
        KdfParams("argon2id", memory_cost=1024, time_cost=1, salt=SALT).check(allow_weak=False)
    assert str(info.value) == (
        "argon2id parameters are below the floor (scrypt N >= 2^17, r >= 8; Argon2id >= 64 MiB and 2 passes; "
        "salt >= 16 bytes); pass allow_weak=True to open it, then re-save to upgrade"
    )
