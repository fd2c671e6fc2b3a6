"""The keystore file, its accounts and its secret hygiene pinned line by line (issue 19, the
``keystore`` mutation group). Addresses come from embit, eth-account and the BIP86 vector;
Argon2id output from argon2-cffi (the reference C implementation); v3 files are read by eth-account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from argon2.low_level import Type, hash_secret_raw
from embit import bip32 as embit_bip32
from embit import bip39 as embit_bip39
from embit import script as embit_script
from embit.networks import NETWORKS
from eth_account import Account as EthAccount

import walletkit as wk
from walletkit.keystore import KdfParams, Keystore, v3
from walletkit.keystore.store import AccountEntry, _Sealed

PHRASE = "abandon " * 11 + "about"
FAST = KdfParams.scrypt(n=1 << 10)  # not about the KDF: cheap parameters, explicitly
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
# BIP86's test vector: m/86'/0'/0'/0/0 of PHRASE.
BIP86_FIRST = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"


def _make(path: Path, **kw: Any) -> Keystore:
    kw.setdefault("mnemonic", PHRASE)
    return Keystore.create(path, "pw", kdf=FAST, allow_weak=True, **kw)


def _testnet_p2tr(path: str) -> str:
    key = embit_bip32.HDKey.from_seed(embit_bip39.mnemonic_to_seed(PHRASE)).derive(path)
    return str(embit_script.p2tr(key.get_public_key()).address(NETWORKS["test"]))


def test_accounts_keep_their_kind_and_network(tmp_path: Path) -> None:
    ks = _make(tmp_path / "w.json")
    ks.add_account("tap", "btc", "m/86'/0'/0'/0/0", kind="p2tr")
    ks.add_account("tap-test", "btc", "m/86'/0'/0'/0/0", kind="p2tr", network="testnet")
    again = Keystore.open(tmp_path / "w.json", "pw", allow_weak=True)
    assert [a.to_json() for a in again.accounts] == [
        {"name": "tap", "chain": "btc", "path": "m/86'/0'/0'/0/0", "label": "", "kind": "p2tr"},
        {
            "name": "tap-test",
            "chain": "btc",
            "path": "m/86'/0'/0'/0/0",
            "label": "",
            "kind": "p2tr",
            "network": "testnet",
        },
    ]
    for store in (ks, again):
        assert store.account("tap").address == BIP86_FIRST
        assert store.account("tap-test").address == _testnet_p2tr("m/86'/0'/0'/0/0")


def test_account_entry_json_has_kind_and_network_only_when_set() -> None:
    assert AccountEntry("a", "eth").to_json() == {"name": "a", "chain": "eth", "path": None, "label": ""}
    assert AccountEntry("b", "btc", "m/0", "x", "p2wpkh", "regtest").to_json() == {
        "name": "b",
        "chain": "btc",
        "path": "m/0",
        "label": "x",
        "kind": "p2wpkh",
        "network": "regtest",
    }


def test_unknown_and_duplicate_account_names(tmp_path: Path) -> None:
    ks = _make(tmp_path / "w.json")
    with pytest.raises(wk.errors.KeystoreError) as info:
        ks.account("nope")
    assert str(info.value) == "no account named 'nope'; stored: none"
    ks.add_account("a", "eth")
    ks.add_account("b", "eth", key="0x" + KEY)
    with pytest.raises(wk.errors.KeystoreError) as info:
        ks.account("nope")
    assert str(info.value) == "no account named 'nope'; stored: a, b"
    with pytest.raises(wk.errors.KeystoreError) as info:
        ks.add_account("a", "btc")
    assert str(info.value) == "an account named 'a' exists already"
    EthAccount.enable_unaudited_hdwallet_features()
    assert ks.account("a").address == EthAccount.from_mnemonic(PHRASE).address
    assert ks.account("b").address == EthAccount.from_key(bytes.fromhex(KEY)).address


def test_the_wallet_uses_the_stored_passphrase(tmp_path: Path) -> None:
    EthAccount.enable_unaudited_hdwallet_features()
    with_passphrase = _make(tmp_path / "p.json", passphrase="TREZOR")
    assert with_passphrase.wallet().account("eth").address == EthAccount.from_mnemonic(PHRASE, "TREZOR").address
    without = _make(tmp_path / "n.json")
    assert without.wallet().account("eth").address == EthAccount.from_mnemonic(PHRASE).address
    keys_only = _make(tmp_path / "k.json", mnemonic=None, keys={"ops": "0x" + KEY})
    assert not keys_only.has_mnemonic
    with pytest.raises(wk.errors.KeystoreError) as info:
        keys_only.wallet()
    assert str(info.value) == "this keystore holds raw keys, not a mnemonic"


def test_save_refusals_say_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    first = _make(path)
    second = Keystore.open(path, "pw", allow_weak=True)
    with pytest.raises(wk.errors.KeystoreError) as info:
        first.save(overwrite=False)
    assert str(info.value) == f"{path} exists; pass overwrite=True to replace it"
    second.add_account("a", "eth")  # the file is at generation 2 now, ``first`` read generation 1
    with pytest.raises(wk.errors.KeystoreConflict) as conflict:
        first.save()
    assert str(conflict.value) == (
        f"{path} was written by another handle since this one read it (generation 2, this handle has 1); "
        "nothing was written: open it again and redo the change"
    )


def test_argon2id_defaults_and_lanes_match_argon2_cffi() -> None:
    assert KdfParams.argon2id() == KdfParams("argon2id", memory_cost=256 * 1024, time_cost=3, lanes=1)
    salt = bytes(range(16))
    params = KdfParams("argon2id", memory_cost=8 * 1024, time_cost=2, lanes=2, salt=salt)
    assert KdfParams.argon2id(memory_cost=8 * 1024, time_cost=2, lanes=2).name == "argon2id"
    built = KdfParams.argon2id(memory_cost=8 * 1024, time_cost=2, lanes=2)
    assert (built.memory_cost, built.time_cost, built.lanes) == (8 * 1024, 2, 2)
    expected = hash_secret_raw(b"pw", salt, time_cost=2, memory_cost=8 * 1024, parallelism=2, hash_len=32, type=Type.ID)
    assert params.derive(b"pw") == expected


def test_the_keystore_shows_nothing_and_refuses_copies(tmp_path: Path) -> None:
    ks = _make(tmp_path / "w.json")
    assert format(ks) == f"{ks:>30}" == repr(ks) == "Keystore(w.json, 0 accounts, <redacted>)"
    assert set(dir(ks)) == set(object.__dir__(ks)) - {"_secret", "_password"}
    assert {"accounts", "path", "add_account"} <= set(dir(ks))
    with pytest.raises(TypeError) as info:
        ks.__reduce__()
    assert str(info.value) == "a Keystore cannot be pickled or copied; open the file again where it is needed"
    with pytest.raises(TypeError) as info:
        ks.__getstate__()
    assert str(info.value) == "a Keystore has no state to export; export_secret() is the explicit way"


def test_a_sealed_secret_shows_nothing() -> None:
    sealed = _Sealed(b"hunter2")
    assert repr(sealed) == str(sealed) == format(sealed) == f"{sealed:>20}" == "<redacted>"
    assert set(dir(sealed)) == set(object.__dir__(sealed)) - {"_value"}
    assert "__repr__" in dir(sealed)
    with pytest.raises(TypeError) as info:
        sealed.__reduce__()
    assert str(info.value) == "a secret cannot be pickled or copied"
    with pytest.raises(TypeError) as info:
        sealed.__getstate__()
    assert str(info.value) == "a secret has no state to export"


def test_v3_files_written_here_open_in_eth_account() -> None:
    secret = bytes.fromhex(KEY)
    keyfile = v3.encrypt(secret, "pw", n=1 << 10, r=8, p=1, allow_weak=True)
    assert bytes(EthAccount.decrypt(keyfile, "pw")) == secret
    assert len(bytes.fromhex(keyfile["crypto"]["kdfparams"]["salt"])) == 32  # geth and eth-account write 32
    assert keyfile["address"] == EthAccount.from_key(secret).address[2:].lower()
    json.dumps(keyfile)  # plain JSON


@pytest.mark.parametrize("secret", [bytes(32), bytes(31), b"\x01" * 33, (2**256 - 1).to_bytes(32, "big")])
def test_v3_refuses_keys_that_are_not_secp256k1_keys(secret: bytes) -> None:
    with pytest.raises(wk.errors.InvalidKey) as info:
        v3.encrypt(secret, "pw", n=1 << 10, allow_weak=True)
    assert str(info.value) == "a v3 keyfile holds a valid 32-byte secp256k1 key"


def test_a_second_handle_catches_up_before_it_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    first = _make(path)
    second = Keystore.open(path, "pw", allow_weak=True)
    first.add_account("a", "eth")
    first.change_password("pw2", KdfParams.scrypt(n=1 << 11), allow_weak=True)
    with pytest.raises(wk.errors.KeystoreConflict) as info:
        second.add_account("b", "eth")
    assert str(info.value) == (
        f"{path} was re-encrypted under another password since this handle opened it; "
        "open it again with the new password"
    )
    third = Keystore.open(path, "pw2", allow_weak=True)
    assert third.generation == 3
    first.add_account("c", "eth", key="0x" + KEY)  # generation 4, by another handle
    third.add_account("d", "btc")  # catches up under the lock: keeps c, adds d
    assert [a.name for a in third.accounts] == ["a", "c", "d"] and third.generation == 5
    assert third.kdf.n == 1 << 11
    assert third.account("c").address == EthAccount.from_key(bytes.fromhex(KEY)).address
    assert [a.name for a in Keystore.open(path, "pw2", allow_weak=True).accounts] == ["a", "c", "d"]
    third.save()  # up to date: no conflict
    assert third.generation == 6


def test_a_replaced_file_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    old = _make(path)
    _make(path, overwrite=True)  # another keystore (another id) in its place
    with pytest.raises(wk.errors.KeystoreConflict) as info:
        old.add_account("a", "eth")
    assert str(info.value) == f"{path} was replaced by another keystore since this handle opened it"
    gone = tmp_path / "gone.json"
    moved = _make(gone)
    gone.unlink()
    moved.add_account("a", "eth")  # nothing to catch up with: written afresh
    assert [a.name for a in Keystore.open(gone, "pw", allow_weak=True).accounts] == ["a"]


def test_change_password_checks_the_floor_unless_allowed(tmp_path: Path) -> None:
    ks = _make(tmp_path / "w.json")
    with pytest.raises(wk.errors.WeakKdfParameters):
        ks.change_password("new", KdfParams.scrypt(n=1 << 10))
    ks.change_password("new", KdfParams.scrypt(n=1 << 10), allow_weak=True)
    assert Keystore.open(tmp_path / "w.json", "new", allow_weak=True).has_mnemonic


def test_v3_files_follow_web3_secret_storage_to_the_letter() -> None:
    # Read with the spec's own field names (eth-account lower-cases keys, so it would not notice):
    # derived = scrypt(pw, salt, n, r, p, 32); mac = keccak256(derived[16:32] || ciphertext);
    # key = AES-128-CTR(derived[:16], iv) over the ciphertext. hashlib's scrypt, pycryptodome's
    # Keccak and AES: none of it walletkit's.
    import hashlib
    import uuid

    from Crypto.Cipher import AES
    from Crypto.Hash import keccak
    from Crypto.Util import Counter

    secret = bytes.fromhex(KEY)
    keyfile = v3.encrypt(secret, "pw", n=1 << 10, r=8, p=1, allow_weak=True)
    assert set(keyfile) == {"address", "crypto", "id", "version"} and keyfile["version"] == 3
    assert uuid.UUID(keyfile["id"]).version == 4
    crypto = keyfile["crypto"]
    assert set(crypto) == {"cipher", "cipherparams", "ciphertext", "kdf", "kdfparams", "mac"}
    assert crypto["cipher"] == "aes-128-ctr" and crypto["kdf"] == "scrypt"
    params = crypto["kdfparams"]
    assert (params["dklen"], params["n"], params["r"], params["p"]) == (32, 1 << 10, 8, 1)
    salt, iv = bytes.fromhex(params["salt"]), bytes.fromhex(crypto["cipherparams"]["iv"])
    derived = hashlib.scrypt(b"pw", salt=salt, n=1 << 10, r=8, p=1, dklen=32)
    ciphertext = bytes.fromhex(crypto["ciphertext"])
    assert crypto["mac"] == keccak.new(digest_bits=256, data=derived[16:32] + ciphertext).hexdigest()
    counter = Counter.new(128, initial_value=int.from_bytes(iv, "big"))
    assert AES.new(derived[:16], AES.MODE_CTR, counter=counter).decrypt(ciphertext) == secret


def _eth_account_file(**changes: Any) -> dict[str, Any]:
    keyfile = EthAccount.encrypt(bytes.fromhex(KEY), "pw", kdf="scrypt", iterations=1 << 10)
    keyfile["crypto"]["kdfparams"].update(changes)
    return dict(keyfile)


def test_v3_reads_text_bytes_and_the_capitalised_crypto_of_old_geth() -> None:
    secret = bytes.fromhex(KEY)
    keyfile = _eth_account_file()
    assert v3.decrypt(json.dumps(keyfile), "pw", allow_weak=True) == secret
    assert v3.decrypt(json.dumps(keyfile).encode(), "pw", allow_weak=True) == secret
    old = {("Crypto" if k == "crypto" else k): v for k, v in keyfile.items()}
    assert v3.decrypt(old, "pw", allow_weak=True) == secret
    # dklen up to 64 is read (only the first 32 derived bytes are used, and scrypt's last step,
    # PBKDF2-HMAC-SHA256, gives the same first 32 bytes whatever the length asked)
    assert v3.decrypt(_eth_account_file(dklen=64), "pw", allow_weak=True) == secret


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"r": (1 << 24) + 1}, "kdf parameter r must be an integer in 1..16777216, got 16777217"),
        ({"n": 0}, "kdf parameter n must be an integer in 1..16777216, got 0"),
        ({"n": 1}, "scrypt parameters out of range"),
        ({"n": 3}, "scrypt parameters out of range"),
        ({"n": 6}, "scrypt parameters out of range"),
        ({"r": 65}, "scrypt parameters out of range"),
        ({"p": 65}, "scrypt parameters out of range"),
        ({"r": True}, "kdf parameter r must be an integer in 1..16777216, got True"),
        ({"p": "1"}, "kdf parameter p must be an integer in 1..16777216, got '1'"),
        ({"dklen": 65}, "kdf parameter dklen must be an integer in 32..64, got 65"),
        ({"dklen": 31}, "kdf parameter dklen must be an integer in 32..64, got 31"),
    ],
)
def test_v3_parameter_bounds_are_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(wk.errors.KeystoreCorrupted) as info:
        v3.decrypt(_eth_account_file(**change), "pw", allow_weak=True)
    assert str(info.value) == message


def test_v3_structural_refusals_are_named() -> None:
    keyfile = _eth_account_file()
    cases: list[tuple[object, str]] = [
        ({**keyfile, "version": 2}, "not a Web3 Secret Storage v3 keyfile"),
        ([keyfile], "not a Web3 Secret Storage v3 keyfile"),
        ({"version": 3, "crypto": "x"}, "the keyfile has no crypto section"),
        ({"version": 3}, "the keyfile has no crypto section"),
        (
            {**keyfile, "crypto": {**keyfile["crypto"], "cipher": "aes-128-cbc"}},
            "unsupported cipher 'aes-128-cbc'; expected aes-128-ctr",
        ),
    ]
    for value, message in cases:
        with pytest.raises(wk.errors.KeystoreCorrupted) as info:
            v3.decrypt(value, "pw", allow_weak=True)  # type: ignore[arg-type]
        assert str(info.value) == message


@pytest.mark.parametrize(("n", "r", "p"), [(2, 8, 1), (2, 64, 1), (2, 1, 64)])
def test_v3_reads_scrypt_parameters_at_their_bounds(n: int, r: int, p: int) -> None:
    secret = bytes.fromhex(KEY)
    keyfile = v3.encrypt(secret, "pw", n=n, r=r, p=p, allow_weak=True)
    assert v3.decrypt(keyfile, "pw", allow_weak=True) == secret


def _pbkdf2_file(c: int, **crypto: Any) -> dict[str, Any]:
    keyfile = EthAccount.encrypt(bytes.fromhex(KEY), "pw", kdf="pbkdf2", iterations=c)
    keyfile["crypto"].update(crypto)
    return dict(keyfile)


def test_v3_pbkdf2_bounds_and_refusals() -> None:
    secret = bytes.fromhex(KEY)
    assert v3.decrypt(_pbkdf2_file(1), "pw", allow_weak=True) == secret
    assert v3.decrypt(_pbkdf2_file(600_000), "pw") == secret  # the floor itself needs no opt-in
    cases: list[tuple[dict[str, Any], str]] = [
        (
            _pbkdf2_file(1, kdfparams={"c": 0, "dklen": 32, "prf": "hmac-sha256", "salt": "00" * 16}),
            "kdf parameter c must be an integer in 1..100000000, got 0",
        ),
        (
            _pbkdf2_file(1, kdfparams={"c": 100_000_001, "dklen": 32, "prf": "hmac-sha256", "salt": "00" * 16}),
            "kdf parameter c must be an integer in 1..100000000, got 100000001",
        ),
        (
            _pbkdf2_file(1, kdfparams={"c": 1, "dklen": 32, "prf": "hmac-sha512", "salt": "00" * 16}),
            "unsupported pbkdf2 prf 'hmac-sha512'; expected hmac-sha256",
        ),
        (_pbkdf2_file(1, kdf="argon2"), "unsupported kdf 'argon2'; expected scrypt or pbkdf2"),
    ]
    for keyfile, message in cases:
        with pytest.raises(wk.errors.KeystoreCorrupted) as info:
            v3.decrypt(keyfile, "pw", allow_weak=True)
        assert str(info.value) == message


def test_scrypt_parameters_are_kept() -> None:
    params = KdfParams.scrypt(n=1 << 12, r=16, p=2)
    assert (params.name, params.n, params.r, params.p) == ("scrypt", 1 << 12, 16, 2)


NAMES = ("walletkit_keystore", "id", "generation", "kdf", "cipher", "accounts", "check")


def _hand_built(
    path: Path, plaintext: bytes, accounts: object = None, generation: int | None = 1, password: bytes = b"pw"
) -> None:
    """Write a keystore by hand from store.py's format description, with hashlib and pycryptodome."""
    import hashlib
    import hmac

    from Crypto.Cipher import AES

    salt, nonce = bytes(range(32)), bytes(range(12))
    derived = hashlib.scrypt(password, salt=salt, n=1 << 10, r=8, p=1, dklen=64)
    check = hmac.digest(derived[32:], b"walletkit keystore password check", "sha256")
    header: dict[str, Any] = {
        "walletkit_keystore": 1,
        "id": "hand-built",
        "kdf": {"name": "scrypt", "n": 1 << 10, "r": 8, "p": 1, "salt": salt.hex()},
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
        "check": check.hex(),
    }
    if accounts is not None:
        header["accounts"] = accounts
    if generation is not None:
        header["generation"] = generation
    aad = json.dumps({k: header[k] for k in NAMES if k in header}, sort_keys=True, separators=(",", ":")).encode()
    cipher = AES.new(derived[:32], AES.MODE_GCM, nonce=nonce)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    path.write_text(json.dumps({**header, "ciphertext": (ciphertext + tag).hex()}))


def test_a_hand_built_keystore_opens(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    _hand_built(path, json.dumps({"mnemonic": PHRASE}).encode())  # no passphrase, no accounts key at all
    ks = Keystore.open(path, "pw", allow_weak=True)
    assert ks.accounts == [] and ks.id == "hand-built" and ks.generation == 1
    EthAccount.enable_unaudited_hdwallet_features()
    assert ks.wallet().account("eth").address == EthAccount.from_mnemonic(PHRASE).address


@pytest.mark.parametrize(
    ("plaintext", "accounts", "message"),
    [
        (
            b"not json",
            None,
            "the keystore's encrypted contents are malformed: not JSON: Expecting value at line 1, column 1",
        ),
        (b"[1]", None, "the keystore's contents are malformed: not an object"),
        (
            b"{}",
            [{"name": "a", "chain": "eth", "colour": "red"}],
            "the keystore's accounts are malformed: each is an object of name, chain, path, label, "
            "and optionally kind and network",
        ),
    ],
)
def test_hand_built_contents_that_are_malformed(
    tmp_path: Path, plaintext: bytes, accounts: object, message: str
) -> None:
    path = tmp_path / "h.json"
    _hand_built(path, plaintext, accounts)
    with pytest.raises(wk.errors.KeystoreCorrupted) as info:
        Keystore.open(path, "pw", allow_weak=True)
    assert str(info.value) == message


def test_wrong_password_and_tampering_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    _make(path)
    with pytest.raises(wk.errors.WrongPassword) as info:
        Keystore.open(path, "not it", allow_weak=True)
    assert str(info.value) == "the password does not open this keystore"
    document = json.loads(path.read_text())
    document["ciphertext"] = ("00" if document["ciphertext"][:2] != "00" else "11") + document["ciphertext"][2:]
    path.write_text(json.dumps(document))
    with pytest.raises(wk.errors.KeystoreCorrupted) as corrupted:
        Keystore.open(path, "pw", allow_weak=True)
    assert str(corrupted.value) == "the keystore was altered or truncated: its authentication tag does not match"


ARGON = {"name": "argon2id", "salt": "00" * 16, "memory_cost": 64 * 1024, "time_cost": 2, "lanes": 1}
SCRYPT = {"name": "scrypt", "salt": "00" * 16, "n": 2, "r": 8, "p": 1}


def test_kdf_headers_are_read_with_every_parameter() -> None:
    argon = KdfParams.from_json({**ARGON, "memory_cost": 4 << 20, "time_cost": 100, "lanes": 64})
    assert (argon.name, argon.memory_cost, argon.time_cost, argon.lanes) == ("argon2id", 4 << 20, 100, 64)
    assert KdfParams.from_json({**ARGON, "lanes": 4}).lanes == 4
    scrypt = KdfParams.from_json({**SCRYPT, "n": 1 << 10, "r": 64, "p": 64})
    assert (scrypt.name, scrypt.n, scrypt.r, scrypt.p, scrypt.salt) == ("scrypt", 1 << 10, 64, 64, bytes(16))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([SCRYPT], "the keystore's kdf section is not an object"),
        ({**ARGON, "name": "pbkdf2"}, "unknown kdf 'pbkdf2'; expected scrypt or argon2id"),
        (
            {k: v for k, v in SCRYPT.items() if k != "salt"},
            "the keystore's kdf section is malformed: the field 'salt' is missing",
        ),
        (
            {k: v for k, v in ARGON.items() if k != "lanes"},
            "the keystore's kdf section is malformed: the field 'lanes' is missing",
        ),
        ({**SCRYPT, "r": 0}, "kdf parameter r must be a positive integer below 2^32"),
        ({**SCRYPT, "p": 2**32}, "kdf parameter p must be a positive integer below 2^32"),
        ({**ARGON, "time_cost": True}, "kdf parameter time_cost must be a positive integer below 2^32"),
        ({**ARGON, "lanes": 0}, "kdf parameter lanes must be a positive integer below 2^32"),
        ({**SCRYPT, "n": 6}, "scrypt parameters out of range"),
        ({**ARGON, "memory_cost": (4 << 20) + 1}, "argon2id parameters out of range"),
        ({**ARGON, "time_cost": 101}, "argon2id parameters out of range"),
        ({**ARGON, "lanes": 65}, "argon2id parameters out of range"),
    ],
)
def test_kdf_header_refusals_are_named(header: object, message: str) -> None:
    with pytest.raises(wk.errors.KeystoreCorrupted) as info:
        KdfParams.from_json(header)
    assert str(info.value) == message


def _edited(path: Path, edit: Any) -> Path:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    return path


ALTERED = "the keystore was altered or truncated: its authentication tag does not match"
BAD_GENERATION = "bad generation; expected a non-negative integer"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d.update(cipher={"name": "aes-128-gcm", "nonce": d["cipher"]["nonce"]}),
            "unknown cipher; expected aes-256-gcm",
        ),
        (lambda d: d.update(cipher={"name": "aes-256-gcm", "nonce": "00" * 11}), "bad nonce or ciphertext length"),
        (lambda d: d.update(ciphertext="00" * 15), "bad nonce or ciphertext length"),
        (lambda d: d.update(ciphertext="00" * 16), ALTERED),  # long enough to parse, a tag that fails
        (lambda d: d.update(accounts={}), "bad accounts or id"),
        (lambda d: d.update(id=7), "bad accounts or id"),
        (lambda d: d.update(check="00" * 31), "bad password check value"),
        (lambda d: d.update(generation=True), BAD_GENERATION),
        (lambda d: d.update(generation=-1), BAD_GENERATION),
        (lambda d: d.update(generation="1"), BAD_GENERATION),
        (lambda d: d.update(generation=2**63), BAD_GENERATION),
        (lambda d: d.update(generation=2**63 - 1), ALTERED),  # in range; the header no longer authenticates
        (lambda d: d.update(generation=0), ALTERED),
        (lambda d: d.pop("generation"), ALTERED),
        (lambda d: d.pop("cipher"), "the keystore is malformed: the field 'cipher' is missing"),
        (lambda d: d.update(walletkit_keystore=2), "not a walletkit keystore of format version 1"),
    ],
)
def test_header_refusals_are_named(tmp_path: Path, edit: Any, message: str) -> None:
    path = tmp_path / "w.json"
    _make(path)
    with pytest.raises(wk.errors.KeystoreCorrupted) as info:
        Keystore.open(_edited(path, edit), "pw", allow_weak=True)
    assert str(info.value) == message


def test_files_that_cannot_be_keystores(tmp_path: Path) -> None:
    with pytest.raises(wk.errors.KeystoreError) as info:
        Keystore.open(tmp_path / "missing.json", "pw")
    assert str(info.value) == f"no keystore at {tmp_path / 'missing.json'}"
    with pytest.raises(wk.errors.KeystoreError) as info:
        Keystore.open(tmp_path, "pw")
    assert str(info.value) == f"cannot read {tmp_path}: Is a directory"
    big = tmp_path / "big.json"
    big.write_bytes(b" " * ((1 << 20) + 1))
    with pytest.raises(wk.errors.KeystoreCorrupted) as corrupted:
        Keystore.open(big, "pw")
    assert str(corrupted.value) == "the keystore file is larger than any keystore"
    big.write_bytes(b" " * (1 << 20))  # 1 MiB exactly is read (and is not JSON)
    with pytest.raises(wk.errors.KeystoreCorrupted) as corrupted:
        Keystore.open(big, "pw")
    assert str(corrupted.value) == "the keystore is not JSON (truncated or overwritten?)"


def test_v3_field_refusals_are_named() -> None:
    from Crypto.Hash import keccak

    keyfile = _eth_account_file()
    crypto = keyfile["crypto"]
    no_dklen = {
        **keyfile,
        "crypto": {**crypto, "kdfparams": {k: v for k, v in crypto["kdfparams"].items() if k != "dklen"}},
    }
    assert v3.decrypt(no_dklen, "pw", allow_weak=True) == bytes.fromhex(KEY)  # dklen defaults to 32
    cases: list[tuple[Any, type[Exception], str]] = [
        (
            {**keyfile, "crypto": {**crypto, "kdfparams": [1]}},
            wk.errors.KeystoreCorrupted,
            "kdfparams is not an object",
        ),
        ({**keyfile, "crypto": {**crypto, "mac": "00" * 31}}, wk.errors.KeystoreCorrupted, "bad iv or mac length"),
        (
            {**keyfile, "crypto": {k: v for k, v in crypto.items() if k != "ciphertext"}},
            wk.errors.KeystoreCorrupted,
            "malformed v3 keyfile: the field 'ciphertext' is missing",
        ),
        (
            {**keyfile, "crypto": {**crypto, "mac": "00" * 32}},
            wk.errors.WrongPassword,
            "the password does not open this keyfile (MAC mismatch)",
        ),
    ]
    for value, error, message in cases:
        with pytest.raises(error) as info:
            v3.decrypt(value, "pw", allow_weak=True)
        assert str(info.value) == message
    # 33 bytes under a correct MAC (computed here with hashlib's scrypt and pycryptodome's Keccak)
    import hashlib

    params = crypto["kdfparams"]
    derived = hashlib.scrypt(
        b"pw", salt=bytes.fromhex(params["salt"]), n=params["n"], r=params["r"], p=params["p"], dklen=32
    )
    long_ciphertext = bytes.fromhex(crypto["ciphertext"]) + b"\x01"
    mac = keccak.new(digest_bits=256, data=derived[16:32] + long_ciphertext).hexdigest()
    too_long = {**keyfile, "crypto": {**crypto, "ciphertext": long_ciphertext.hex(), "mac": mac}}
    with pytest.raises(wk.errors.KeystoreCorrupted) as corrupted:
        v3.decrypt(too_long, "pw", allow_weak=True)
    assert str(corrupted.value) == "the decrypted key is 33 bytes; a secp256k1 key is 32"


def test_a_file_without_a_generation_is_at_generation_0(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    _hand_built(path, json.dumps({"mnemonic": PHRASE, "passphrase": ""}).encode(), generation=None)
    ks = Keystore.open(path, "pw", allow_weak=True)
    assert ks.generation == 0
    ks.add_account("a", "eth")
    assert ks.generation == 1 and json.loads(path.read_text())["generation"] == 1


def test_create_keeps_raw_keys_and_refuses_nothing_to_keep(tmp_path: Path) -> None:
    ks = _make(tmp_path / "k.json", mnemonic=None, keys={"ops": "0x" + KEY})
    assert ks.export_secret() == {"keys": {"ops": "0x" + KEY}}
    ks.add_account("ops", "eth")  # an entry named after a stored key is that key's account
    again = Keystore.open(tmp_path / "k.json", "pw", allow_weak=True)
    assert again.account("ops").address == EthAccount.from_key(bytes.fromhex(KEY)).address
    with pytest.raises(wk.errors.InvalidInput) as info:
        _make(tmp_path / "none.json", mnemonic=None)
    assert str(info.value) == "a keystore holds a mnemonic or keys; neither was given"
    for empty in ("", b""):
        with pytest.raises(wk.errors.MissingSecret) as missing:
            Keystore.create(tmp_path / "e.json", empty, mnemonic=PHRASE, kdf=FAST, allow_weak=True)
        assert str(missing.value) == "a keystore password must not be empty: an empty password encrypts nothing"


def test_a_written_keystore_decrypts_by_hand(tmp_path: Path) -> None:
    """What create() writes, read back with hashlib's scrypt and pycryptodome's AES-GCM from the documented format."""
    import hashlib
    import hmac
    import stat

    from Crypto.Cipher import AES

    path = tmp_path / "w.json"
    ks = _make(path, passphrase="TREZOR")
    text = path.read_text()
    document = json.loads(text)
    assert text == json.dumps(document, indent=1)  # the layout: JSON indented by one space, one field a line
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(document) == sorted([*NAMES, "ciphertext"])
    assert document["walletkit_keystore"] == 1 and document["id"] == ks.id and document["generation"] == 1
    assert document["accounts"] == [] and document["cipher"]["name"] == "aes-256-gcm"
    kdf, nonce = document["kdf"], bytes.fromhex(document["cipher"]["nonce"])
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", 1 << 10, 8, 1)
    salt = bytes.fromhex(kdf["salt"])
    assert len(salt) == 32 and len(nonce) == 12
    derived = hashlib.scrypt(b"pw", salt=salt, n=1 << 10, r=8, p=1, dklen=64)
    check = hmac.digest(derived[32:], b"walletkit keystore password check", "sha256")
    assert document["check"] == check.hex()
    aad = json.dumps({k: document[k] for k in NAMES}, sort_keys=True, separators=(",", ":")).encode()
    sealed = bytes.fromhex(document["ciphertext"])
    cipher = AES.new(derived[:32], AES.MODE_GCM, nonce=nonce)
    cipher.update(aad)
    plaintext = cipher.decrypt_and_verify(sealed[:-16], sealed[-16:])
    # the secret as compact JSON, no whitespace
    assert plaintext == ('{"mnemonic":"' + PHRASE.strip() + '","passphrase":"TREZOR"}').encode()
    ks.save()
    assert json.loads(path.read_text())["generation"] == 2 and ks.generation == 2


def test_passwords_are_nfkd_normalized_text_or_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    # U+FB01 (the "fi" ligature) and U+00E9 (e acute) are NFKD "fi" and "e" + U+0301: these bytes
    _hand_built(path, json.dumps({"mnemonic": PHRASE}).encode(), password=b"fi" + b"e\xcc\x81")
    for password in ("\ufb01\u00e9", "fie\u0301", b"fie\xcc\x81"):
        assert Keystore.open(path, password, allow_weak=True).id == "hand-built"
    with pytest.raises(wk.errors.WrongPassword):
        Keystore.open(path, "\ufb01\u00e9".encode(), allow_weak=True)  # bytes are taken as they are
    for call in (
        lambda: Keystore.open(path, 5, allow_weak=True),  # type: ignore[arg-type]
        lambda: Keystore.create(tmp_path / "n.json", 5, mnemonic=PHRASE, kdf=FAST, allow_weak=True),  # type: ignore[arg-type]
    ):
        with pytest.raises(wk.errors.InvalidInput) as info:
            call()
        assert str(info.value) == "a password is text or bytes, got int"


def test_v3_passwords_as_bytes() -> None:
    secret = bytes.fromhex(KEY)
    theirs = EthAccount.encrypt(secret, "pw", kdf="scrypt", iterations=1 << 10)
    assert v3.decrypt(theirs, b"pw", allow_weak=True) == secret
    ours = v3.encrypt(secret, b"pw", n=1 << 10, allow_weak=True)
    assert bytes(EthAccount.decrypt(ours, "pw")) == secret


def test_atomic_write_puts_the_file_beside_itself_and_cleans_up(tmp_path: Path) -> None:
    import stat

    from walletkit.keystore.store import atomic_write

    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / ".wk-tmp-f.json.0").write_bytes(b"left by a crash")
    (folder / ".wk-tmp-other.json.0").write_bytes(b"another file's")
    atomic_write(folder / "f.json", b"data")
    assert (folder / "f.json").read_bytes() == b"data"
    assert stat.S_IMODE((folder / "f.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [".wk-tmp-other.json.0", "f.json"]
    (folder / "d").mkdir()
    with pytest.raises(IsADirectoryError):  # os.replace cannot put a file over a folder
        atomic_write(folder / "d", b"data")
    assert sorted(p.name for p in folder.iterdir()) == [".wk-tmp-other.json.0", "d", "f.json"]  # no temp left
