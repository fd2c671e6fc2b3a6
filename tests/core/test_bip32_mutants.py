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

import walletkit as wk
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
