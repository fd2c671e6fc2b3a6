"""BIP32 edge rules pinned line by line (issue 19's surviving bip32 mutants).

BIP32: "In case parse256(IL) >= n or k_i = 0, the resulting key is invalid, and one should
proceed with the next value for i." An IL of at least n comes out of HMAC-SHA512 with
probability about 2^-127, so no real seed reaches it: these tests hand the module an HMAC that
returns a chosen IL (the one place a stand-in is used, since no engine can produce the case).
The depth byte is one byte (ser8), so depth 255 is the deepest node.
"""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from bip_utils import Base58Encoder, Bip32Slip10Secp256k1

import walletkit as wk
from tests.conftest import load_vectors
from walletkit.hd import bip32
from walletkit.hd.bip32 import HDNode

# secp256k1's group order, from SEC 2 section 2.4.1 (written out, not read from walletkit).
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SEED = bytes.fromhex("000102030405060708090a0b0c0d0e0f")  # BIP32 test vector 1


def _with_il(monkeypatch: pytest.MonkeyPatch, il: int) -> None:
    def digest(key: bytes, msg: bytes, name: str) -> bytes:
        real = hmac.digest(key, msg, name)
        return il.to_bytes(32, "big") + real[32:]

    monkeypatch.setattr(bip32, "hmac_digest", digest)


@pytest.mark.parametrize("il", [N, N + 1, 2**256 - 1])
def test_an_il_of_at_least_n_is_an_invalid_child(monkeypatch: pytest.MonkeyPatch, il: int) -> None:
    master = HDNode.from_seed(SEED)
    public = master.neuter()
    _with_il(monkeypatch, il)
    with pytest.raises(wk.errors.InvalidKey, match="invalid key"):
        master.child(0)
    with pytest.raises(wk.errors.InvalidKey, match="invalid key"):
        master.child(0x80000000)
    with pytest.raises(wk.errors.InvalidKey, match="invalid key"):
        public.child(0)


def test_il_just_below_n_is_a_valid_child(monkeypatch: pytest.MonkeyPatch) -> None:
    master = HDNode.from_seed(SEED)
    k = int.from_bytes(master.secret, "big")
    _with_il(monkeypatch, N - 1)
    child = master.child(0)
    assert int.from_bytes(child.secret, "big") == (N - 1 + k) % N  # k_i = IL + k mod n, by hand


def test_a_child_key_of_zero_is_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    master = HDNode.from_seed(SEED)
    _with_il(monkeypatch, N - int.from_bytes(master.secret, "big"))  # IL + k = n: k_i = 0
    with pytest.raises(wk.errors.InvalidKey):
        master.child(0)


def test_a_master_il_of_n_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_il(monkeypatch, N)
    with pytest.raises(wk.errors.InvalidKey, match="invalid master key"):
        HDNode.from_seed(SEED)


def _deep(depth: int) -> Any:
    master = HDNode.from_seed(SEED)
    return HDNode(master.chain_code, secret=master.secret, depth=depth)


def test_depth_stops_at_255() -> None:
    node = _deep(254).child(1)
    assert node.depth == 255
    assert node.serialize(0x0488ADE4, True)[4] == 255  # ser8(depth)
    with pytest.raises(wk.errors.InvalidPath, match="at most 255"):
        node.child(1)
    with pytest.raises(wk.errors.InvalidPath, match="at most 255"):
        node.neuter().child(1)


# --- sibling keys, public derivation and serialization against bip-utils (an independent BIP32) ---

ACCOUNT_PATH = "m/44'/0'/0'/0"


def _reference(path: str) -> Bip32Slip10Secp256k1:
    return Bip32Slip10Secp256k1.FromSeed(SEED).DerivePath(path)


def test_sibling_keys_are_bip_utils_children() -> None:
    node = HDNode.from_seed(SEED).derive(ACCOUNT_PATH)
    reference = _reference(ACCOUNT_PATH)
    got = list(node.sibling_keys(range(3, 13)))
    assert [index for index, *_ in got] == list(range(3, 13))
    prefixes = set()
    for index, secret, compressed, uncompressed in got:
        child = reference.ChildKey(index)
        assert secret == child.PrivateKey().Raw().ToBytes()
        assert compressed == child.PublicKey().RawCompressed().ToBytes()
        assert uncompressed == child.PublicKey().RawUncompressed().ToBytes()
        assert len(secret) == 32 and len(compressed) == 33 and len(uncompressed) == 65
        prefixes.add(compressed[0])
    assert prefixes == {2, 3}  # both parities of y met


def test_sibling_keys_refuse_hardened_indexes_and_public_nodes() -> None:
    node = HDNode.from_seed(SEED).derive(ACCOUNT_PATH)
    keys = node.sibling_keys(range(0x7FFFFFFF, 0x80000001))
    assert next(keys)[0] == 0x7FFFFFFF  # the last normal index is derived
    with pytest.raises(wk.errors.InvalidPath) as info:
        next(keys)
    assert str(info.value) == "sibling_keys derives normal (non-hardened) children only"
    with pytest.raises(wk.errors.InvalidKey) as key_info:
        next(node.neuter().sibling_keys(range(2)))
    assert str(key_info.value) == "sibling keys need a private node"


@pytest.mark.parametrize("il", [N, N + 1, 2**256 - 1])
def test_sibling_keys_refuse_an_il_of_at_least_n(monkeypatch: pytest.MonkeyPatch, il: int) -> None:
    node = HDNode.from_seed(SEED)
    _with_il(monkeypatch, il)
    with pytest.raises(wk.errors.InvalidKey) as info:
        next(node.sibling_keys(range(5, 6)))
    assert str(info.value) == "child 5 is an invalid key (probability 2^-127); use the next index"


def test_sibling_keys_at_il_n_minus_1_and_at_k_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    node = HDNode.from_seed(SEED)
    k = int.from_bytes(node.secret, "big")
    _with_il(monkeypatch, N - 1)
    (_, secret, _, _) = next(node.sibling_keys(range(1)))
    assert int.from_bytes(secret, "big") == (N - 1 + k) % N  # k_i = IL + k mod n, by hand
    _with_il(monkeypatch, N - k)  # IL + k = n: k_i = 0
    with pytest.raises(wk.errors.InvalidKey, match="child 0 is an invalid key"):
        next(node.sibling_keys(range(1)))


def test_public_children_are_bip_utils_public_children() -> None:
    node = HDNode.from_seed(SEED).derive("m/44'/0'/0'")
    public = node.neuter()
    reference = _reference("m/44'/0'/0'")
    reference.ConvertToPublic()
    assert public.to_xpub() == node.to_xpub() == reference.PublicKey().ToExtended()
    assert public.depth == 3 and public.child_number == 0x80000000 and not public.is_private
    for path in ("m/0", "m/1/7"):
        ours = public.derive(path)
        theirs = reference.DerivePath(path.removeprefix("m/"))
        assert ours.to_xpub() == theirs.PublicKey().ToExtended()
        assert ours.depth == 3 + path.count("/")
        assert ours.parent_fingerprint == theirs.ParentFingerPrint().ToBytes()
        assert ours.child_number == theirs.Index().ToInt()


def test_messages_of_derivation_refusals() -> None:
    node = HDNode.from_seed(SEED)
    with pytest.raises(wk.errors.InvalidPath) as info:
        node.neuter().child(0x80000000)
    assert str(info.value) == "a public key cannot derive a hardened child; use the private key"
    with pytest.raises(wk.errors.InvalidPath) as info:
        _deep(255).child(0)
    assert str(info.value) == "BIP32 depth is at most 255"
    with pytest.raises(wk.errors.InvalidKey) as key_info:
        node.neuter().serialize(0x0488ADE4, True)
    assert str(key_info.value) == "this node holds only a public key"


@pytest.mark.parametrize("size", [16, 64])
def test_seed_lengths_at_the_bounds(size: int) -> None:
    seed = bytes(range(size))
    assert HDNode.from_seed(seed).to_xprv() == Bip32Slip10Secp256k1.FromSeed(seed).PrivateKey().ToExtended()


@pytest.mark.parametrize("seed", [bytes(15), bytes(65), "00" * 32, None])
def test_seed_lengths_past_the_bounds(seed: object) -> None:
    with pytest.raises(wk.errors.InvalidKey) as info:
        HDNode.from_seed(seed)  # type: ignore[arg-type]
    assert str(info.value) == "a BIP32 seed is 16 to 64 bytes"


def test_a_master_il_of_n_is_refused_with_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_il(monkeypatch, N)
    with pytest.raises(wk.errors.InvalidKey) as info:
        HDNode.from_seed(SEED)
    assert str(info.value) == "this seed gives an invalid master key (probability 2^-127); use another seed"


def test_repr_shows_a_public_nodes_xpub_only() -> None:
    node = HDNode.from_seed(SEED)
    assert repr(node) == "HDNode(depth=0, <private>)"
    xpub = node.neuter().to_xpub()
    assert xpub == Bip32Slip10Secp256k1.FromSeed(SEED).PublicKey().ToExtended()
    assert repr(node.neuter()) == f"HDNode(depth=0, {xpub})"


def test_node_refuses_pickle_and_hides_its_secret_from_dir() -> None:
    node = HDNode.from_seed(SEED)
    assert set(dir(node)) == set(object.__dir__(node)) - {"_secret", "secret"}
    assert {"chain_code", "derive", "public_key"} <= set(dir(node))
    with pytest.raises(TypeError) as info:
        node.__reduce__()
    assert str(info.value) == "an HDNode cannot be pickled or copied; export it explicitly"
    with pytest.raises(TypeError) as info:
        node.__getstate__()
    assert str(info.value) == "an HDNode has no state to export"


# SLIP-132 (satoshilabs/slips slip-0132.md): the registered version bytes, written out.
SLIP132 = {
    ("p2pkh", False): (0x0488ADE4, 0x0488B21E),
    (None, False): (0x0488ADE4, 0x0488B21E),
    ("p2tr", False): (0x0488ADE4, 0x0488B21E),  # BIP86 reuses xpub
    ("p2sh-p2wpkh", False): (0x049D7878, 0x049D7CB2),
    ("p2wpkh", False): (0x04B2430C, 0x04B24746),
    ("p2pkh", True): (0x04358394, 0x043587CF),
    ("p2tr", True): (0x04358394, 0x043587CF),
    ("p2sh-p2wpkh", True): (0x044A4E28, 0x044A5262),
    ("p2wpkh", True): (0x045F18BC, 0x045F1CF6),
}


@pytest.mark.parametrize(("kind", "testnet"), list(SLIP132))
def test_version_for_gives_slip132s_versions(kind: str | None, testnet: bool) -> None:
    version = bip32.version_for(kind, testnet)
    assert (version.private, version.public) == SLIP132[(kind, testnet)]
    assert version.testnet is testnet


def test_version_for_without_a_network_flag_is_refused() -> None:
    with pytest.raises(wk.errors.InvalidExtendedKey) as info:
        bip32.version_for("p2wpkh", "mainnet")  # type: ignore[arg-type]
    assert str(info.value) == "no extended key version for kind 'p2wpkh'"
    with pytest.raises(wk.errors.InvalidExtendedKey) as info:
        HDNode.from_seed(SEED).to_xpub("w")
    assert str(info.value) == "unknown extended key prefix 'w'; expected one of x, y, z, t, u, v"


# The reason BIP32 test vector 5 gives for each invalid key -> walletkit's message for it.
VECTOR_5_MESSAGES = {
    "pubkey version / prvkey mismatch": "a public extended key's key starts with 02 or 03, got 00",
    "prvkey version / pubkey mismatch": "a private extended key's key starts with 00, got 03",
    "invalid pubkey prefix 04": "a public extended key's key starts with 02 or 03, got 04",
    "invalid prvkey prefix 04": "a private extended key's key starts with 00, got 04",
    "invalid pubkey prefix 01": "a public extended key's key starts with 02 or 03, got 01",
    "invalid prvkey prefix 01": "a private extended key's key starts with 00, got 01",
    "zero depth with non-zero parent fingerprint": "zero depth with a non-zero parent fingerprint",
    "zero depth with non-zero index": "zero depth with a non-zero child number",
    "unknown extended key version": "unknown extended key version 0x01010101",
    "private key 0 not in 1..n-1": "the private key is not in 1..n-1",
    "private key n not in 1..n-1": "the private key is not in 1..n-1",
    "invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007": (
        "the public key is not a point on secp256k1"
    ),
    "invalid checksum": "not an extended key: base58check checksum does not match",
}
VECTOR_5 = [k for v in load_vectors("bip32_test_vectors") for k in v.get("invalid_extended_keys", [])]


@pytest.mark.parametrize("case", VECTOR_5, ids=lambda c: c["reason"])
def test_vector_5_refusals_say_what_is_wrong(case: dict[str, str]) -> None:
    with pytest.raises(wk.errors.InvalidExtendedKey) as info:
        HDNode.parse(case["key"])
    assert str(info.value) == VECTOR_5_MESSAGES[case["reason"]]


def test_parse_refuses_other_lengths_and_non_text() -> None:
    for size in (77, 79):
        with pytest.raises(wk.errors.InvalidExtendedKey) as info:
            HDNode.parse(Base58Encoder.CheckEncode(bytes.fromhex("0488B21E") + bytes(size - 4)))
        assert str(info.value) == f"an extended key is 78 bytes, got {size}"
    with pytest.raises(wk.errors.InvalidExtendedKey) as info:
        HDNode.parse(b"xpub")  # type: ignore[arg-type]
    assert str(info.value) == "an extended key is text, got bytes"
