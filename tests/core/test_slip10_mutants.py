"""SLIP-10 ed25519 nodes pinned line by line (issue 19, the ``hd`` mutation group): depth, seed
lengths and messages, against bip-utils (an independent SLIP-10) where a value is expected.
"""

from __future__ import annotations

import pytest
from bip_utils import Bip32Slip10Ed25519

from walletkit.errors import InvalidKey, InvalidPath
from walletkit.hd.slip10 import Ed25519Node

SEED = bytes.fromhex("000102030405060708090a0b0c0d0e0f")  # SLIP-10 test vector 1


def test_depth_counts_levels_as_bip_utils_does() -> None:
    master = Ed25519Node.from_seed(SEED)
    assert master.depth == 0 == Ed25519Node(master.secret, master.chain_code).depth
    for path in ("m/0'", "m/0'/1'", "m/0'/1'/2'/2'/1000000000'"):
        ours = master.derive(path)
        theirs = Bip32Slip10Ed25519.FromSeed(SEED).DerivePath(path)
        assert ours.depth == theirs.Depth().ToInt() == path.count("/")
        assert ours.secret == theirs.PrivateKey().Raw().ToBytes()
        assert b"\x00" + ours.public_key == theirs.PublicKey().RawCompressed().ToBytes()


@pytest.mark.parametrize("size", [16, 64])
def test_seed_lengths_at_the_bounds(size: int) -> None:
    seed = bytes(range(size))
    assert Ed25519Node.from_seed(seed).secret == Bip32Slip10Ed25519.FromSeed(seed).PrivateKey().Raw().ToBytes()


@pytest.mark.parametrize("seed", [bytes(15), bytes(65), "00" * 32, None])
def test_seed_lengths_past_the_bounds(seed: object) -> None:
    with pytest.raises(InvalidKey) as info:
        Ed25519Node.from_seed(seed)  # type: ignore[arg-type]
    assert str(info.value) == "a SLIP-10 seed is 16 to 64 bytes"


def test_normal_indexes_are_refused_with_their_messages() -> None:
    master = Ed25519Node.from_seed(SEED)
    with pytest.raises(InvalidPath) as info:
        master.child(7)
    assert (
        str(info.value)
        == "ed25519 (SLIP-10) derives hardened children only; got normal index 7, write it as 7' instead"
    )
    with pytest.raises(InvalidPath) as info:
        master.derive("m/0'/3")
    assert str(info.value) == "ed25519 (SLIP-10) derives hardened children only; m/0'/3 has a normal level"


def test_node_refuses_pickle_and_hides_its_secret_from_dir() -> None:
    node = Ed25519Node.from_seed(SEED)
    assert repr(node) == "Ed25519Node(depth=0, <private>)"
    assert set(dir(node)) == set(object.__dir__(node)) - {"secret"}
    assert {"chain_code", "derive", "public_key"} <= set(dir(node))
    with pytest.raises(TypeError) as info:
        node.__reduce__()
    assert str(info.value) == "an Ed25519Node cannot be pickled or copied; export it explicitly"
    with pytest.raises(TypeError) as info:
        node.__getstate__()
    assert str(info.value) == "an Ed25519Node has no state to export"
