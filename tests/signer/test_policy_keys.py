"""A policy file is default deny: a misspelt key is an error that names it, never a rule silently off.

Found by a new user: ``max_per_txn = "0.5"`` (for max_per_tx) loaded without a word and a 100 ETH
transfer was signed. The kind: every table of the policy (top level, chains, windows, tokens, calls,
authority, typed data, approvals, velocity, guard, approvers) refuses keys it does not know.
Also pinned here: a token marked ``nft`` reads approve/transferFrom amounts as token ids.
"""

from __future__ import annotations

from typing import Any

import pytest

import walletkit as wk
from walletkit.errors import InvalidInput
from walletkit.signer import Policy, Signer, SQLiteStore

OK = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
NFT = "0x" + "7f" * 20
KEY = "0x" + "00" * 32  # an ed25519 public key of zeros is fine for parsing


@pytest.mark.parametrize(
    ("policy", "unknown"),
    [
        ({"chains": {"eth": {"max_per_txn": "0.5"}}}, "max_per_txn"),
        ({"chains": {"eth": {"recipient": [OK]}}}, "recipient"),
        ({"chains": {"eth": {"approval": []}}}, "approval"),
        ({"chain": {"eth": {}}}, "chain"),
        ({"chains": {"eth": {"window": {"amount": "1", "second": 60}}}}, "second"),
        ({"chains": {"eth": {"velocity": {"transaction": {"count": 1, "seconds": 1}}}}}, "transaction"),
        ({"chains": {"eth": {"velocity": {"transactions": {"count": 1, "second": 1}}}}}, "second"),
        ({"guard": {"refusal_bursts": {"count": 1, "seconds": 1}}}, "refusal_bursts"),
        ({"chains": {"eth": {"freeze_on_foreign_spend": True}}}, "freeze_on_foreign_spend"),
        ({"guard": {"unfreeze": {"approver": ["a"]}}}, "approver"),
        ({"chains": {"eth": {"tokens": {OK: {"decimal": 6}}}}}, "decimal"),
        ({"chains": {"eth": {"calls": [{"contract": OK, "function": ["f()"]}]}}}, "function"),
        ({"chains": {"eth": {"authority": [{"kind": "nonce_authority", "new": OK}]}}}, "new"),
        ({"chains": {"eth": {"typed_data": [{"contract": OK, "primary_type": ["P"]}]}}}, "primary_type"),
        (
            {
                "approvers": {"a": {"ed25519": KEY}},
                "chains": {"eth": {"approvals": [{"approvers": ["a"], "require": 1}]}},
            },
            "require",
        ),
        ({"approvers": {"a": {"ed25519": KEY, "label": "x"}}, "chains": {"eth": {}}}, "label"),
    ],
)
def test_unknown_policy_keys_are_refused_by_name(policy: dict[str, Any], unknown: str) -> None:
    with pytest.raises(InvalidInput, match=rf"unknown key\(s\) {unknown}\b"):
        Policy.from_dict(policy)


def test_a_misspelt_limit_no_longer_signs() -> None:
    with pytest.raises(InvalidInput, match="max_per_txn"):
        Policy.from_toml('[chains.eth]\nmax_per_txn = "0.5"\n')
    policy = Policy.from_toml('[chains.eth]\nmax_per_tx = "0.5"\n')
    sender = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("eth")
    with pytest.raises(wk.errors.PolicyViolation, match="max_per_tx"):
        Signer(policy, SQLiteStore()).transfer(sender, OK, 100 * 10**18, nonce=0, gas_price=1)


def _nft_signer() -> Signer:
    return Signer(
        Policy.from_dict({"chains": {"eth": {"recipients": [OK], "tokens": {NFT: {"nft": True, "max_per_tx": "1"}}}}}),
        SQLiteStore(),
    )


def test_erc721_approve_of_token_zero_is_not_a_revocation() -> None:
    sender = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("eth")
    stranger = "0x" + "12" * 20
    fields = {"nonce": 0, "gas": 60_000, "gas_price": 1, "approve": True}
    with pytest.raises(wk.errors.PolicyViolation, match="spender_allowlist"):  # approve(stranger, tokenId 0)
        _nft_signer().transfer(sender, stranger, 0, NFT, **fields)
    _nft_signer().transfer(sender, OK, 0, NFT, **fields)  # token 0 to an allowed spender: one token


def test_erc721_transfer_from_counts_one_token_not_its_id() -> None:
    from chains.evm.transaction import EvmTransaction

    sender = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("eth")
    owner = bytes.fromhex(sender.address[2:])
    data = (
        bytes.fromhex("23b872dd") + bytes(12) + owner + bytes(12) + bytes.fromhex(OK[2:]) + (10**6).to_bytes(32, "big")
    )
    tx = EvmTransaction(1, 0, 90_000, bytes.fromhex(NFT[2:]), 0, data, tx_type=0, gas_price=1)
    signed = _nft_signer().sign_transaction(sender, tx)  # token #1000000: one token, within max_per_tx = 1
    assert signed.raw


def test_refusals_name_amounts_in_whole_coins_as_the_policy_does() -> None:
    """The policy is written in whole coins; its refusals say the same amounts that way (base units too)."""
    policy = Policy.from_toml(
        f'[chains.eth]\nmax_per_tx = "0.5"\nmax_fee = "0.01"\n[chains.eth.tokens."{NFT}"]\ndecimals = 6\nmax_per_tx = "2.5"\n'
    )
    sender = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("eth")
    signer = Signer(policy, SQLiteStore())
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.transfer(sender, OK, 15 * 10**17, nonce=0, gas_price=1)
    assert "1.5 ETH (1500000000000000000 base units) is above the per-transaction limit of 0.5 ETH" in str(
        refused.value
    )
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.transfer(sender, OK, 3_000_000, NFT, nonce=0, gas=60_000, gas_price=1)
    token = "0x7f7F7F7f7F7f7f7f7F7f7f7F7f7F7f7f7f7f7F7F"  # EIP-55 of NFT, as the decoder names it
    assert f"3 of {token} (3000000 base units) is above the per-transaction limit of 2.5 of {token}" in str(
        refused.value
    )
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.transfer(sender, OK, 1, nonce=0, gas_price=10**12)
    assert "fee 0.021 ETH (21000000000000000 base units) is above the cap of 0.01 ETH" in str(refused.value)
