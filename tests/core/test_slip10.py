"""SLIP-10: ed25519 vectors (hardened only) and secp256k1 vectors (equal to BIP32)."""

from __future__ import annotations

import pytest

from tests.conftest import load_vectors
from walletkit.errors import InvalidPath
from walletkit.hd.bip32 import HDNode
from walletkit.hd.slip10 import Ed25519Node

VECTORS = load_vectors("slip10_test_vectors")
ED = [(v["seed_hex"], c) for v in VECTORS["ed25519"] for c in v["chains"]]
SECP = [(v["seed_hex"], c) for v in VECTORS["secp256k1"] if "chains" in v for c in v["chains"]]


@pytest.mark.parametrize(("seed", "chain"), ED)
def test_ed25519(seed: str, chain: dict[str, str]) -> None:
    node = Ed25519Node.from_seed(bytes.fromhex(seed)).derive(chain["path"])
    assert node.secret.hex() == chain["private"]
    assert node.chain_code.hex() == chain["chain_code"]
    assert "00" + node.public_key.hex() == chain["public"]


@pytest.mark.parametrize(("seed", "chain"), SECP)
def test_secp256k1(seed: str, chain: dict[str, str]) -> None:
    node = HDNode.from_seed(bytes.fromhex(seed)).derive(chain["path"])
    assert node.secret.hex() == chain["private"]
    assert node.chain_code.hex() == chain["chain_code"]
    assert node.public_key.hex() == chain["public"]
    assert node.parent_fingerprint.hex() == chain["fingerprint"]


@pytest.mark.parametrize("path", ["m/44'/501'/0'/0", "m/0", "m/1'/2"])
def test_ed25519_refuses_normal_index(path: str) -> None:
    # Failure class 13: a normal ed25519 child is an error, never silently hardened.
    with pytest.raises(InvalidPath, match="hardened children only"):
        Ed25519Node.from_seed(bytes(32)).derive(path)
