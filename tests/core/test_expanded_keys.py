"""Keys keep their expanded forms (issue 18): ed25519 signing keys and parsed secp256k1 points.

Checked against independent implementations (OpenSSL's ed25519 through ``cryptography``,
coincurve's own public-key API), and for secret hygiene: the expanded form shows in no
repr, pickle, copy or inspector, and the ed25519 public key a signature commits to always
comes from the secret (failure class 8, the double-public-key oracle).
"""

from __future__ import annotations

import copy
import io
import pickle
import secrets

import coincurve
import pytest
import rich
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import walletkit as wk
from walletkit.crypto import ed25519, secp256k1
from walletkit.keys import PrivateKey, PublicKey

SEEDS = st.binary(min_size=32, max_size=32)
MESSAGES = st.binary(max_size=1300)


def _openssl_sign(seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


@settings(max_examples=300, deadline=None)
@given(SEEDS, st.lists(MESSAGES, min_size=1, max_size=4))
def test_ed25519_signatures_match_openssl(seed: bytes, messages: list[bytes]) -> None:
    key = PrivateKey("ed25519", seed)
    kept = ed25519.SigningKey(seed)
    for message in messages:  # the first signature expands the key, the next ones reuse it
        expected = _openssl_sign(seed, message)
        assert key.sign_ed25519(message) == expected
        assert kept.sign(message) == expected
        assert ed25519.sign(seed, message) == expected
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert key.public_key().data == kept.public == ed25519.public_from_seed(seed) == public


def test_bytearray_and_memoryview_messages_sign_their_bytes() -> None:
    seed = secrets.token_bytes(32)
    key = PrivateKey("ed25519", seed)
    expected = _openssl_sign(seed, b"hello")
    assert key.sign_ed25519(bytearray(b"hello")) == key.sign_ed25519(memoryview(b"hello")) == expected


def test_the_key_is_expanded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []

    class Counting(ed25519.SigningKey):
        __slots__ = ()

        def __init__(self, seed: bytes) -> None:
            made.append(1)
            super().__init__(seed)

    monkeypatch.setattr(ed25519, "SigningKey", Counting)
    key = PrivateKey("ed25519", secrets.token_bytes(32))
    key.public_key()
    for i in range(5):
        key.sign_ed25519(bytes([i]))
    assert len(made) == 1
    account = wk.Account.from_private_key("sol", secrets.token_bytes(32))
    for i in range(3):
        account.sign_message(f"m{i}")
        account.sign(account.transfer(account.address, i, recent_blockhash="11111111111111111111111111111111"))
    assert len(made) == 2


def test_the_signature_commits_to_the_secrets_own_public_key() -> None:
    """Failure class 8: a key built with someone else's public key still signs as its own secret."""
    seed, other_seed = secrets.token_bytes(32), secrets.token_bytes(32)
    other = PublicKey("ed25519", ed25519.public_from_seed(other_seed))
    mismatched = PrivateKey.trusted("ed25519", seed, other)  # derivation's internal door, misused
    signature = mismatched.sign_ed25519(b"m")
    assert signature == _openssl_sign(seed, b"m")
    Ed25519PublicKey.from_public_bytes(ed25519.public_from_seed(seed)).verify(signature, b"m")
    assert not ed25519.verify(other.data, b"m", signature)
    # No signing entry point takes a public key beside the secret.
    assert ed25519.SigningKey.__init__.__code__.co_varnames[:2] == ("self", "seed")
    assert ed25519.SigningKey.sign.__code__.co_varnames[:2] == ("self", "message")
    assert PrivateKey.sign_ed25519.__code__.co_argcount == 2


def test_only_ed25519_keys_sign_ed25519() -> None:
    key = PrivateKey("secp256k1", bytes(31) + b"\x01")
    with pytest.raises(wk.errors.InvalidKey, match="needs an ed25519 key; this key is secp256k1"):
        key.sign_ed25519(b"m")
    for bad in (b"", bytes(31), bytes(33), "00" * 32):
        with pytest.raises(wk.errors.InvalidKey, match="32 bytes"):
            ed25519.SigningKey(bad)  # type: ignore[arg-type]


def _inspected(obj: object) -> str:
    out = []
    for flags in ({}, {"methods": True}, {"private": True}, {"dunder": True}, {"all": True}):
        console = Console(file=io.StringIO(), width=400)
        rich.inspect(obj, console=console, **flags)  # type: ignore[arg-type]
        out.append(console.file.getvalue())  # type: ignore[attr-defined]
    return "\n".join(out)


@pytest.mark.parametrize("curve", ["ed25519", "secp256k1"])
def test_secret_hygiene_with_the_expanded_form_kept(curve: str) -> None:
    seed = secrets.token_bytes(32)
    key = PrivateKey(curve, seed)  # type: ignore[arg-type]
    public = key.public_key()
    if curve == "ed25519":
        key.sign_ed25519(b"m")  # the expanded form is now kept
    expanded_hex = (seed + public.data).hex()  # libsodium's 64-byte secret key
    texts = [repr(key), str(key), f"{key}", f"{key!r}", f"{key:>80}", _inspected(key)]
    assert repr(key) == str(key) == f"{key}" == f"PrivateKey({curve}, <redacted>)"
    blob = "\n".join(texts)
    for secret in (seed.hex(), repr(seed)[2:-1], expanded_hex, seed.hex()[:16], repr(seed)[2:14]):
        assert secret not in blob
    assert "_secret =" not in blob and "_expanded =" not in blob  # annotations name the slots; no value shows
    for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled"):
            attempt(key)


def test_signing_key_hygiene() -> None:
    seed = secrets.token_bytes(32)
    kept = ed25519.SigningKey(seed)
    assert repr(kept) == str(kept) == f"{kept}" == "SigningKey(ed25519, <redacted>)"
    blob = _inspected(kept)
    assert seed.hex() not in blob and repr(seed)[2:-1] not in blob and "_secret =" not in blob
    for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled or copied"):
            attempt(kept)
    with pytest.raises(AttributeError, match="immutable"):
        kept.public = bytes(32)  # type: ignore[misc]


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.booleans())
def test_public_keys_keep_their_parsed_point(secret: bytes, compressed_input: bool) -> None:
    if not secp256k1.is_valid_secret(secret):
        return
    reference = coincurve.PublicKey.from_valid_secret(secret)
    given_bytes = reference.format(compressed_input)
    public = PublicKey("secp256k1", given_bytes)
    assert public.data == reference.format(True)
    assert public.uncompressed() == reference.format(False)
    assert secp256k1.compress(given_bytes) == reference.format(True)
    assert secp256k1.uncompress(given_bytes) == reference.format(False)
    # A copy or pickle rebuilds the point from the bytes.
    for clone in (pickle.loads(pickle.dumps(public)), copy.copy(public), copy.deepcopy(public)):  # noqa: S301 (our own bytes)
        assert clone == public and clone.uncompressed() == public.uncompressed()


def test_bad_public_keys_are_refused() -> None:
    point = coincurve.PublicKey.from_valid_secret(bytes(31) + b"\x07").format(True)
    for bad in (b"\x02" + bytes(32), b"\x05" + point[1:], point[:-1], point + b"\x00", b""):
        with pytest.raises(wk.errors.InvalidKey):
            PublicKey("secp256k1", bad)
        with pytest.raises(wk.errors.InvalidKey):
            secp256k1.compress(bad)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=3))
def test_public_tweaks_match_coincurve(secret: bytes, tweaks: list[bytes]) -> None:
    if not secp256k1.is_valid_secret(secret):
        return
    parent = coincurve.PublicKey.from_valid_secret(secret)
    for tweak in tweaks:  # the parent's parsed point is kept between children
        if int.from_bytes(tweak, "big") >= secp256k1.N:
            with pytest.raises(wk.errors.InvalidKey, match="tweak"):
                secp256k1.add_tweak(parent.format(True), tweak)
            continue
        assert secp256k1.add_tweak(parent.format(True), tweak) == parent.add(tweak).format(True)


def test_public_tweak_edges() -> None:
    secret = bytes(31) + b"\x05"
    parent = coincurve.PublicKey.from_valid_secret(secret).format(True)
    n_minus_5 = (secp256k1.N - 5).to_bytes(32, "big")  # P + (n-5)G = infinity
    with pytest.raises(wk.errors.InvalidKey, match="invalid public key"):
        secp256k1.add_tweak(parent, n_minus_5)
    top = (secp256k1.N - 1).to_bytes(32, "big")  # the largest tweak: P - G = 4G
    assert secp256k1.add_tweak(parent, top) == coincurve.PublicKey.from_valid_secret(bytes(31) + b"\x04").format(True)
    with pytest.raises(wk.errors.InvalidKey, match="tweak"):
        secp256k1.add_tweak(parent, secp256k1.N.to_bytes(32, "big"))
    with pytest.raises(wk.errors.InvalidKey, match="32 bytes"):
        secp256k1.add_tweak(parent, bytes(31))
