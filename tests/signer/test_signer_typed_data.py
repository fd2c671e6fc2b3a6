"""Signer.sign_typed_data judges what a permit allows, by the same rules as transactions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data
from eth_utils import keccak

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore

WALLET = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
OWNER = WALLET.account("eth")
SPENDER = WALLET.account("eth", index=1).address
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"

PERMIT = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Permit": [
            {"name": "owner", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ],
    },
    "primaryType": "Permit",
    "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": USDC},
    "message": {"owner": OWNER.address, "spender": SPENDER, "value": 5_000_000, "nonce": 0, "deadline": 1_900_000_000},
}


def _signer(**rules: Any) -> Signer:
    spec: dict[str, Any] = {
        "spenders": [SPENDER],
        "tokens": {USDC: {"decimals": 6, "max_per_tx": "100", "window": {"amount": "12", "seconds": 86400}}},
        "typed_data": [{"contract": USDC, "primary_types": ["Permit"]}],
        **rules,
    }
    return Signer(Policy.from_dict({"chains": {"eth": spec}}), SQLiteStore())


def _permit(**message: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PERMIT)
    doc["message"].update(message)
    return doc


def test_an_allowed_permit_is_signed_and_counts_against_the_window() -> None:
    signer = _signer()
    signature = signer.sign_typed_data(OWNER, _permit())
    signable = encode_typed_data(full_message=_permit())
    assert EthAccount.recover_message(signable, signature=signature) == OWNER.address  # an independent check
    signer.sign_typed_data(OWNER, _permit(nonce=1))  # 10 USDC approved in the window so far
    with pytest.raises(wk.errors.PolicyViolation, match="rolling_window"):
        signer.sign_typed_data(OWNER, _permit(nonce=2))
    event = signer.store.audit_events()[0]
    expected = keccak(b"\x19" + signable.version + signable.header + signable.body)  # EIP-712, by eth-account's parts
    assert event["typed_data"] == expected.hex()
    assert any(e.get("spender") == SPENDER for e in event["effects"])


@pytest.mark.parametrize(
    ("doc", "rule"),
    [
        (_permit(value=2**256 - 1), "no_unlimited_approvals"),
        (_permit(value=101_000_000), "no_unlimited_approvals"),  # above the token's per-transaction limit
        (_permit(spender="0x" + "12" * 20), "spender_allowlist"),
        ({**_permit(), "domain": {**PERMIT["domain"], "verifyingContract": "0x" + "ab" * 20}}, "eip712_domain"),
    ],
)
def test_permits_are_judged_as_approvals(doc: dict[str, Any], rule: str) -> None:
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        _signer().sign_typed_data(OWNER, doc)
    assert refused.value.rule == rule


def test_a_domain_without_chain_id_is_refused() -> None:
    doc = copy.deepcopy(PERMIT)
    del doc["domain"]["chainId"]
    doc["types"]["EIP712Domain"] = [f for f in doc["types"]["EIP712Domain"] if f["name"] != "chainId"]
    with pytest.raises(wk.errors.PolicyViolation, match="eip712_domain"):
        _signer().sign_typed_data(OWNER, doc)


def test_another_chain_is_refused() -> None:
    doc = copy.deepcopy(PERMIT)
    doc["domain"]["chainId"] = 56
    with pytest.raises(wk.errors.ChainMismatch):
        _signer().sign_typed_data(OWNER, doc)
