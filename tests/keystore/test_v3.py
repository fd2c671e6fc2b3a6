"""Web3 Secret Storage v3: the spec's vectors, interop both ways with eth-account, weak parameters, bad files."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import load_vectors
from walletkit.errors import KeystoreCorrupted, WeakKdfParameters, WrongPassword
from walletkit.keystore import v3

VECTORS = load_vectors("web3_secret_storage_vectors")


@pytest.mark.parametrize("kdf", ["pbkdf2", "scrypt"])
def test_spec_vectors(kdf: str) -> None:
    assert v3.decrypt(VECTORS[kdf], VECTORS["password"], allow_weak=True).hex() == VECTORS["private_key"]
    with pytest.raises(WrongPassword):
        v3.decrypt(VECTORS[kdf], "wrong", allow_weak=True)


def test_weak_parameters_are_refused_unless_allowed() -> None:
    """Failure class 18: the file must not choose a weak cost silently (Trust Wallet #4680; eth-keyfile reads c from the file).

    These vectors use c=2^18, r=1; test_spec_vectors opens them with allow_weak=True.
    """
    with pytest.raises(WeakKdfParameters, match="below the floor of 600,000"):
        v3.decrypt(VECTORS["pbkdf2"], VECTORS["password"])
    with pytest.raises(WeakKdfParameters, match="below the floor of 2\\^17"):
        v3.encrypt(bytes(31) + b"\x01", "pw", n=1 << 10)


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=1, max_size=32).map(lambda b: b.rjust(32, b"\0")), st.text(max_size=20), st.integers(0, 3))
def test_interop_with_eth_account_both_ways(secret: bytes, password: str, zeros: int) -> None:
    """Failure class 11: keys that start with zero bytes survive both directions as 32 bytes (cf. geth's v3_test_vector.json)."""
    secret = bytes(zeros) + secret[zeros:]
    if int.from_bytes(secret, "big") == 0:
        secret = secret[:-1] + b"\x01"
    theirs = Account.encrypt(secret, password, kdf="scrypt", iterations=1 << 10)
    assert v3.decrypt(theirs, password, allow_weak=True) == secret
    ours = v3.encrypt(secret, password, n=1 << 10, allow_weak=True)
    assert bytes(Account.decrypt(ours, password)) == secret
    assert ours["address"] == Account.from_key(secret).address[2:].lower()


def test_geth_short_keys_are_padded() -> None:
    """Failure class 11: geth once wrote 30- and 31-byte keys (30_byte_key/31_byte_key in its
    accounts/keystore/testdata/v3_test_vector.json): walletkit returns 32 bytes."""
    secret = bytes(2) + bytes(range(1, 31))
    keyfile = v3.encrypt(secret, "pw", n=1 << 10, allow_weak=True)
    from walletkit.crypto.hashes import keccak256
    from walletkit.keystore.kdf import scrypt
    from walletkit.keystore.v3 import _aes_ctr  # rewrite the file as geth did: ciphertext of the 30 significant bytes

    params = keyfile["crypto"]["kdfparams"]
    derived = scrypt(b"pw", bytes.fromhex(params["salt"]), params["n"], params["r"], params["p"], 32)
    ciphertext = _aes_ctr(derived[:16], bytes.fromhex(keyfile["crypto"]["cipherparams"]["iv"]), secret[2:])
    keyfile["crypto"]["ciphertext"] = ciphertext.hex()
    keyfile["crypto"]["mac"] = keccak256(derived[16:32] + ciphertext).hex()
    assert v3.decrypt(keyfile, "pw", allow_weak=True) == secret


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("crypto"),
        lambda d: d["crypto"].update(kdf="bcrypt"),
        lambda d: d["crypto"].update(cipher="aes-256-cbc"),
        lambda d: d["crypto"]["kdfparams"].update(n=3),
        lambda d: d["crypto"]["kdfparams"].update(n=2**40),
        lambda d: d["crypto"]["kdfparams"].update(salt="zz"),
        lambda d: d["crypto"].update(mac="00"),
        lambda d: d.update(version=4),
        lambda d: d["crypto"]["cipherparams"].pop("iv"),
        lambda d: d["crypto"]["kdfparams"].update(r="8"),
    ],
)
def test_malformed_keyfiles_give_typed_errors(mutate: object) -> None:
    keyfile = v3.encrypt(bytes(31) + b"\x05", "pw", n=1 << 10, allow_weak=True)
    mutate(keyfile)  # type: ignore[operator]
    with pytest.raises((KeystoreCorrupted, WeakKdfParameters)):
        v3.decrypt(json.dumps(keyfile), "pw", allow_weak=True)
