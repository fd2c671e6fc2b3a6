"""BIP32: test vectors 1-5, SLIP-132 versions, public = private derivation, leading zeros."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import load_vectors
from walletkit.errors import InvalidExtendedKey, InvalidPath
from walletkit.hd.bip32 import HDNode
from walletkit.hd.path import HARDENED

VECTORS = load_vectors("bip32_test_vectors")
VALID = [(v["seed_hex"], c) for v in VECTORS if "chains" in v for c in v["chains"]]
INVALID = [k for v in VECTORS for k in v.get("invalid_extended_keys", [])]


@pytest.mark.parametrize(("seed", "chain"), VALID, ids=lambda x: x if isinstance(x, str) and len(x) < 60 else None)
def test_vectors_1_to_4(seed: str, chain: dict[str, str]) -> None:
    node = HDNode.from_seed(bytes.fromhex(seed)).derive(chain["path"])
    assert node.to_xprv() == chain["ext_prv"]
    assert node.to_xpub() == chain["ext_pub"]
    parsed, _ = HDNode.parse(chain["ext_prv"])
    assert parsed.to_xprv() == chain["ext_prv"]
    assert HDNode.parse(chain["ext_pub"])[0].to_xpub() == chain["ext_pub"]


def test_vector_5_is_present() -> None:
    assert len(INVALID) == 16


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["reason"])
def test_vector_5_invalid_keys(case: dict[str, str]) -> None:
    with pytest.raises(InvalidExtendedKey):
        HDNode.parse(case["key"])


def test_public_node_cannot_derive_hardened() -> None:
    node = HDNode.from_seed(bytes(16)).neuter()
    with pytest.raises(InvalidPath, match="hardened"):
        node.child(HARDENED)


def test_slip132_prefixes_round_trip() -> None:
    node = HDNode.from_seed(bytes(range(32))).derive("m/84'/0'/0'")
    for prefix in "xyztuv":
        text = node.to_xpub(prefix)
        assert text.startswith(prefix + "pub")
        parsed, version = HDNode.parse(text)
        assert version.prefix == prefix and parsed.public_key == node.public_key
        assert HDNode.parse(node.to_xprv(prefix))[0].secret == node.secret


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=16, max_size=64), st.lists(st.integers(0, HARDENED - 1), min_size=1, max_size=4))
def test_public_derivation_equals_private(seed: bytes, path: list[int]) -> None:
    node = HDNode.from_seed(seed)
    assert (
        node.neuter().derive("m/" + "/".join(map(str, path))).public_key
        == node.derive("m/" + "/".join(map(str, path))).public_key
    )


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=16, max_size=64), st.lists(st.integers(0, 2**32 - 1), max_size=5))
def test_serialization_round_trip_and_32_byte_keys(seed: bytes, indexes: list[int]) -> None:
    node = HDNode.from_seed(seed)
    for i in indexes:
        node = node.child(i)
        assert len(node.secret) == 32  # failure class 10: leading zeros kept
    assert HDNode.parse(node.to_xprv())[0].to_xprv() == node.to_xprv()
    assert HDNode.parse(node.to_xpub())[0].to_xpub() == node.to_xpub()
