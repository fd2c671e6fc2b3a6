"""Failure classes 10 and 12 (tests/hardening/FAILURE-CLASSES.md): BIP32 keys with leading zeros, invalid keys.

Moved from tests/hardening/test_failure_classes.py, without what tests/core/test_bip32.py
already pins: BIP32 test vectors 1-4 (test_vectors_1_to_4, which also round-trips each key
through the parser) and every key of vector 5 through HDNode.parse (test_vector_5_invalid_keys,
test_vector_5_is_present).
"""

from __future__ import annotations

import random
import secrets

import pytest

import walletkit as wk
from tests.conftest import load_vectors
from walletkit.hd.bip32 import HDNode


def test_fc_10_bip32_leading_zero() -> None:
    """Failure class 10. btcutil hdkeychain (btcsuite/btcutil#172), bitcore-lib#94: child keys shorter than 32 bytes.

    BIP32 test vectors 3 and 4 (the leading-zero cases, bitcoin/bips#1030) run in
    tests/core/test_bip32.py::test_vectors_1_to_4.
    """
    rng = random.Random(10)  # test scheduling only; the keys come from the library
    root = HDNode.from_seed(secrets.token_bytes(32))
    short = 0
    for _ in range(10_000):
        node = root
        for _ in range(rng.randint(1, 3)):  # a random path: depth 1-3, hardened or not
            node = node.child(rng.randrange(2**32))
        assert node.secret is not None and len(node.secret) == 32
        serialized = node.serialize(0x0488ADE4, True)
        assert len(serialized) == 78 and serialized[45] == 0 and serialized[46:] == node.secret  # 0x00 || ser256(k)
        short += node.secret[0] == 0
    assert short > 0  # about 1 in 256 start with a zero byte, and stayed 32 bytes


def test_fc_12_invalid_extended_keys() -> None:
    """Failure class 12. libbitcoin-system#1871: xprv padding byte not validated (BIP32 test vector 5).

    Every key of vector 5 is refused by the parser in tests/core/test_bip32.py; here the one whose
    key is out of range names why, and the public watch-only API refuses all 16 too.
    """
    bad = "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPxFnfoLZB21Teqt1VvEHx"
    with pytest.raises(wk.errors.InvalidExtendedKey, match=r"not in 1\.\.n-1"):
        HDNode.parse(bad)
    invalid = load_vectors("bip32_test_vectors")[4]["invalid_extended_keys"]
    assert len(invalid) == 16
    for case in invalid:  # every key of vector 5, through the public watch-only API
        with pytest.raises(wk.errors.InvalidExtendedKey):
            wk.Wallet.from_xpub(case["key"], "btc")
