"""BIP322 simple signatures: the BIP's vectors (hashes, to_spend/to_sign txids, signatures, errors), kernel cross-check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import walletkit as wk
from chains.bitcoin import bip322, kernel
from chains.bitcoin.address import decode
from chains.bitcoin.plugin import BITCOIN

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "vectors" / "bip322_test_vectors.json").read_text()
)["data"]
BASIC, GENERATED = VECTORS["basic"], VECTORS["generated"]
OURS = [v for v in BASIC["simple"] + GENERATED["simple"] if v["type"] in ("p2wpkh", "p2tr")]
ALL_SIMPLE = BASIC["simple"] + GENERATED["simple"]


@pytest.mark.parametrize("case", BASIC["tx_hashes"], ids=lambda c: repr(c["message"][:12]))
def test_message_hash_and_virtual_txids(case: dict[str, str]) -> None:
    assert bip322.message_hash(case["message"]).hex() == case["message_hash"]
    spend = bip322.to_spend(decode(case["address"]).script_pubkey, case["message"])
    assert spend.txid == case["to_spend_tx_hash"]
    assert bip322.to_sign(spend).txid == case["to_sign_tx_hash"]


@pytest.mark.parametrize("case", ALL_SIMPLE, ids=lambda c: f"{c['type']}-{c['message'][:10]}")
def test_vector_signatures_verify(case: dict[str, Any]) -> None:
    for signature in case["bip322_signatures"]:
        assert bip322.verify(case["address"], case["message"], signature)
        assert bip322.verify(case["address"], case["message"], signature.removeprefix("smp"))  # pre-2026 form
        assert not bip322.verify(case["address"], case["message"] + "x", signature)


@pytest.mark.parametrize("case", OURS, ids=lambda c: f"{c['type']}-{c['message'][:10]}")
def test_we_sign_what_the_vectors_sign(case: dict[str, Any]) -> None:
    account = wk.Account.from_private_key("btc", case["private_keys"][0], kind=case["type"])
    assert account.address == case["address"]
    ours = BITCOIN.sign_message_bip322(account, case["message"], prefix=True)
    if case["type"] == "p2wpkh":  # ECDSA (RFC6979) is deterministic: one of the listed encodings
        assert ours in case["bip322_signatures"]
    assert BITCOIN.verify_message(account.address, case["message"], ours)
    # libbitcoinkernel agrees: the to_sign transaction's input passes Core's interpreter.
    spk = decode(account.address).script_pubkey
    spend = bip322.to_spend(spk, case["message"])
    assert kernel.verify_input(bip322.to_sign(spend, bip322.decode_signature(ours)), 0, list(spend.outputs))


def test_legacy_text_vectors_unprefixed() -> None:
    signing = VECTORS["legacy_text_vectors"]["signing"]
    account = wk.Account.from_private_key("btc", signing["private_key_wif"])
    for case in signing["signatures"]:
        assert BITCOIN.sign_message_bip322(account, case["message"]) in case["any_of"]


@pytest.mark.parametrize(
    "case", [c for c in GENERATED["error"] if c["signature"].startswith("smp")], ids=lambda c: c["description"]
)
def test_error_vectors_do_not_verify(case: dict[str, str]) -> None:
    assert not bip322.verify(case["address"], case["message"], case["signature"])


@pytest.mark.parametrize("kind", ["p2wpkh", "p2tr"])
def test_account_round_trip_and_routing(kind: str) -> None:
    account = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("btc", kind=kind, network="regtest")
    signature = BITCOIN.sign_message_bip322(account, "walletkit")
    assert account.verify_message("walletkit", signature)  # routed to BIP322
    assert not account.verify_message("walletkit!", signature)
    assert account.verify_message("walletkit", account.sign_message("walletkit"))  # BIP137 still routed


@pytest.mark.parametrize("bad", ["ful" + "AA" * 10, "not base64", "AA==", "smpBQ=="])
def test_bad_signatures_are_typed_errors(bad: str) -> None:
    with pytest.raises(wk.errors.InvalidSignature):
        bip322.verify("bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l", "", bad)


def test_legacy_kinds_point_to_bip137() -> None:
    account = wk.Account.from_private_key("btc", "11" * 32, kind="p2pkh")
    with pytest.raises(wk.errors.UnsupportedOperation, match="BIP137"):
        BITCOIN.sign_message_bip322(account, "x")
