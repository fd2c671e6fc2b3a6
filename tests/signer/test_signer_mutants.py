"""The signer's decision and delivery, pinned line by line (issue 19's surviving signer mutants).

Fees and calldata are computed here by hand or with eth-abi, never by walletkit; time is the
store's injected clock; broadcasts go to anvil.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore

KEY = "0x" + "42" * 32
TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
GWEI = 10**9
ETH = 10**18


class Clock:
    """The store's clock, set by the test (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _signer(policy: str, clock: Clock | None = None) -> Signer:
    return Signer(Policy.from_toml(policy), SQLiteStore(clock=clock or Clock()))


def _eth() -> wk.Account:
    return wk.Account.from_private_key("eth", KEY)


def test_the_window_is_the_policy_window_back_from_now() -> None:
    clock = Clock()
    signer = _signer(
        f"""
[chains.eth]
recipients = ["{TO}"]
window = {{ amount = "2", seconds = 3600 }}
""",
        clock,
    )
    account = _eth()

    def pay(nonce: int) -> None:
        signer.transfer(account, TO, 3 * ETH // 2, nonce=nonce, gas=21_000, gas_price=GWEI)

    pay(0)
    clock.now += 3599
    with pytest.raises(wk.errors.PolicyViolation) as info:
        pay(1)  # 1.5 + 1.5 > 2 within the hour
    assert info.value.rule == "rolling_window"
    clock.now += 2  # 3601 s after the first spend: it left the window
    pay(1)
    clock.now += 3599
    with pytest.raises(wk.errors.PolicyViolation):
        pay(2)
    clock.now += 2
    pay(2)


@pytest.mark.parametrize(
    ("fields", "fee"),
    [
        ({"gas": 21_000, "gas_price": 3 * GWEI}, 21_000 * 3 * GWEI),  # legacy: gas x gas_price
        (
            {"gas": 21_000, "max_fee_per_gas": 5 * GWEI, "max_priority_fee_per_gas": GWEI},
            21_000 * 5 * GWEI,  # EIP-1559: gas x max_fee_per_gas (the most it can pay)
        ),
        ({"gas": 50_000, "gas_price": 2 * GWEI}, 100_000 * GWEI),
    ],
)
def test_the_fee_judged_is_gas_times_price(fields: dict[str, int], fee: int) -> None:
    def policy(cap_wei: int) -> str:
        return f"""
[chains.eth]
recipients = ["{TO}"]
max_fee = "{cap_wei / ETH:.18f}"
"""

    _signer(policy(fee)).transfer(_eth(), TO, 1, nonce=0, **fields)  # at the cap: allowed
    with pytest.raises(wk.errors.PolicyViolation) as info:
        _signer(policy(fee - 1)).transfer(_eth(), TO, 1, nonce=0, **fields)
    assert info.value.rule == "max_fee"
    assert f"({fee} base units)" in str(info.value)


def _approve_tx(spender: str, amount: int) -> Any:
    from chains.evm.transaction import EvmTransaction

    data = keccak(text="approve(address,uint256)")[:4] + abi_encode(["address", "uint256"], [spender, amount])
    return EvmTransaction(
        chain_id=1,
        nonce=0,
        gas=60_000,
        to=bytes.fromhex(TOKEN[2:]),
        value=0,
        data=data,
        gas_price=GWEI,
        tx_type=0,
    )


APPROVALS = f"""
[chains.eth]
recipients = ["{TO}"]
window = {{ amount = "1", seconds = 3600 }}
[chains.eth.tokens."{TOKEN}"]
decimals = 6
max_per_tx = "100"
window = {{ amount = "150", seconds = 3600 }}
"""


def test_an_erc20_approve_reaches_the_policy_as_an_approval() -> None:
    signer = _signer(APPROVALS)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(_eth(), _approve_tx(TO, 2**256 - 1))
    assert info.value.rule == "no_unlimited_approvals"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(_eth(), _approve_tx(TO, 100 * 10**6 + 1))  # above max_per_tx: unlimited
    assert info.value.rule == "no_unlimited_approvals"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(_eth(), _approve_tx("0x" + "12" * 20, 5))
    assert info.value.rule == "spender_allowlist"
    signer.sign_transaction(_eth(), _approve_tx(TO, 100 * 10**6))
    assert signer.store.audit_events()[-1]["spends"] == {TOKEN: str(100 * 10**6)}
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(_eth(), _approve_tx(TO, 50 * 10**6 + 1))  # 100 + 50.000001 > 150 in the window
    assert info.value.rule == "rolling_window"
    signer.sign_transaction(_eth(), _approve_tx(TO, 0))  # a revocation is always allowed and costs nothing


# --- broadcasting, on anvil -----------------------------------------------------------------------


@pytest.fixture
def node_and_accounts(anvil_eth: Any) -> tuple[Any, wk.Account, wk.Account]:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    return anvil_eth, sender, receiver


def _policy(to: str) -> Policy:
    return Policy.from_toml(f"""
[chains.eth]
recipients = ["{to}"]
max_per_tx = "5"
max_fee = "0.01"
""")


def _keys(signer: Signer) -> list[str]:
    with signer.store.transaction() as db:
        return [str(r[0]) for r in signer.store.run(db, "SELECT key FROM idempotency ORDER BY key").fetchall()]


def _stored_nonce(signer: Signer, address: str) -> list[int]:
    with signer.store.transaction() as db:
        rows = signer.store.run(db, "SELECT next FROM nonces WHERE chain='eth' AND address=?", (address,))
        return [int(r[0]) for r in rows.fetchall()]


def test_a_refused_broadcast_keeps_its_key_and_resyncs_the_nonce(
    node_and_accounts: tuple[Any, wk.Account, wk.Account], tmp_path: Path
) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    # simulate=False: anvil's simulation would refuse it first; here the broadcast itself is refused.
    signer = Signer(_policy(receiver.address), SQLiteStore(tmp_path / "s.db"), simulate=False)
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)gas"):  # below the 21,000 intrinsic gas: anvil refuses
        signer.send(sender, node, receiver.address, ETH, idempotency_key="order-1", gas=20_000)
    # Kept: a node's answer does not prove the bytes never reached the network (a node may relay
    # and still answer an error), so a retry with the key sends the same bytes and is refused again.
    assert _keys(signer) == ["order-1"]
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)gas") as again:
        signer.send(sender, node, receiver.address, ETH, idempotency_key="order-1", gas=20_000)
    assert "is not on the network" not in str(again.value)  # the node's own refusal, passed on as it came
    assert _stored_nonce(signer, sender.address) == []  # the node's count decides the next nonce
    assert node.w3.eth.get_transaction_count(sender.address) == 0
    txid = signer.send(sender, node, receiver.address, ETH, idempotency_key="order-2")
    assert node.w3.eth.get_transaction(txid)["nonce"] == 0  # not 1: the refused one's nonce is free again
    assert node.balance(receiver.address) == ETH
    assert _keys(signer) == ["order-1", "order-2"] and _stored_nonce(signer, sender.address) == [1]


def test_nonce_too_low_on_a_fresh_send_is_an_error(node_and_accounts: tuple[Any, wk.Account, wk.Account]) -> None:
    # "nonce too low" means success only for a replay of stored bytes; a fresh transaction that
    # hits it was not sent, and the caller must hear so.
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address))
    first = signer.send(sender, node, receiver.address, 10**15, nonce=0)
    assert node.w3.eth.get_transaction(first)["nonce"] == 0
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)nonce"):
        signer.send(sender, node, receiver.address, 2 * 10**15, nonce=0, idempotency_key="late")
    assert _keys(signer) == ["late"]  # kept (a refusal proves nothing), and never reported as success
    assert node.balance(receiver.address) == 10**15


def test_send_transaction_broadcasts_once_marks_its_key_and_keeps_the_nonce(
    node_and_accounts: tuple[Any, wk.Account, wk.Account], tmp_path: Path
) -> None:
    from chains.evm.transaction import EvmTransaction

    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address), SQLiteStore(tmp_path / "s.db"))
    signer.send(sender, node, receiver.address, 10**15)  # the store reserves nonce 0: its next is 1
    assert _stored_nonce(signer, sender.address) == [1]

    def prepared(nonce: int, value: int, gas: int = 21_000) -> EvmTransaction:
        return EvmTransaction(
            chain_id=1,
            nonce=nonce,
            gas=gas,
            to=bytes.fromhex(receiver.address[2:]),
            value=value,
            data=b"",
            gas_price=10 * GWEI,
            tx_type=0,
        )

    txid = signer.send_transaction(sender, node, prepared(1, 10**15), idempotency_key="prepared-1")
    assert node.w3.eth.get_transaction(txid)["nonce"] == 1
    assert node.w3.eth.get_transaction_receipt(txid)["status"] == 1
    assert signer.store.is_handed_out("prepared-1")  # marked broadcast under its key
    assert signer.send_transaction(sender, node, prepared(1, 10**15), idempotency_key="prepared-1") == txid
    assert node.balance(receiver.address) == 2 * 10**15  # the send and this one, once
    unsimulated = Signer(_policy(receiver.address), signer.store, simulate=False)  # the broadcast itself refuses
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)gas"):  # below the intrinsic 21,000
        unsimulated.send_transaction(sender, node, prepared(2, 10**15, gas=20_000))
    assert _stored_nonce(signer, sender.address) == [1]  # a prepared transaction's refusal resyncs nothing
    # The client simulates before signing: 3 ETH from a 2 ETH account cannot run, so the policy
    # refuses it (without the client it would be signed and only the broadcast would fail).
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.send_transaction(sender, node, prepared(2, 3 * ETH))
    assert info.value.rule == "simulation"


# --- typed data ------------------------------------------------------------------------------------

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
APPROVER = "ab" * 32  # an ed25519 public key: the approvers are never asked here


def _owner() -> wk.Account:
    return wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("eth")


def _permit(spender: str, value: int, nonce: int = 0) -> dict[str, Any]:
    return {
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
        "message": {
            "owner": _owner().address,
            "spender": spender,
            "value": value,
            "nonce": nonce,
            "deadline": 1_900_000_000,
        },
    }


def _authorization(to: str, value: int) -> dict[str, Any]:
    """An EIP-3009 TransferWithAuthorization of USDC."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "TransferWithAuthorization": [
                {"name": "from", "type": "address"},
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "validAfter", "type": "uint256"},
                {"name": "validBefore", "type": "uint256"},
                {"name": "nonce", "type": "bytes32"},
            ],
        },
        "primaryType": "TransferWithAuthorization",
        "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": USDC},
        "message": {
            "from": _owner().address,
            "to": to,
            "value": value,
            "validAfter": 0,
            "validBefore": 1_900_000_000,
            "nonce": "0x" + "07" * 32,
        },
    }


def _typed_signer(approvals: list[dict[str, Any]] | None = None, **kwargs: Any) -> Signer:
    chain: dict[str, Any] = {
        "recipients": [TO],
        "spenders": [TO],
        "tokens": {USDC: {"decimals": 6, "max_per_tx": "100", "window": {"amount": "500", "seconds": 86400}}},
        "typed_data": [{"contract": USDC, "primary_types": ["Permit", "TransferWithAuthorization"]}],
    }
    spec: dict[str, Any] = {"chains": {"eth": chain}}
    if approvals is not None:
        chain["approvals"] = approvals
        spec["approvers"] = {"alice": {"ed25519": APPROVER}}
    return Signer(Policy.from_dict(spec), SQLiteStore(clock=Clock()), **kwargs)


def _eip712_digest(doc: dict[str, Any]) -> str:
    from eth_account.messages import encode_typed_data

    signable = encode_typed_data(full_message=doc)
    return keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def test_a_signed_permit_is_audited_recorded_and_remembered_by_its_digest() -> None:
    from eth_account import Account as EthAccount
    from eth_account.messages import encode_typed_data

    seen: list[Any] = []
    signer = _typed_signer(on_freeze=[seen.append])
    owner, doc = _owner(), _permit(TO, 5_000_000)
    signature = signer.sign_typed_data(owner, doc)
    assert EthAccount.recover_message(encode_typed_data(full_message=doc), signature=signature) == owner.address
    digest = _eip712_digest(doc)
    event = signer.store.audit_events()[-1]
    assert {k: event[k] for k in ("chain", "network", "from", "typed_data", "decision")} == {
        "chain": "eth",
        "network": "mainnet",
        "from": owner.address,
        "typed_data": digest,
        "decision": "signed",
    }
    assert event["spends"][USDC] == "5000000"
    with signer.store.transaction() as db:
        rows = signer.store.run(db, "SELECT counterparty, kind, txid FROM guard_signed").fetchall()
        ledger = signer.store.run(db, "SELECT asset, amount FROM ledger WHERE asset=?", (USDC,)).fetchall()
        keys = signer.store.run(db, "SELECT count(*) FROM idempotency").fetchone()
    assert [tuple(r) for r in rows] == [(TO, "pay", "typed:" + digest)]
    assert [tuple(r) for r in ledger] == [(USDC, "5000000")]
    assert tuple(keys) == (0,)  # typed data has no idempotency record
    assert seen == []  # nothing was frozen


def test_refused_typed_data_is_audited_with_its_rule() -> None:
    signer = _typed_signer()
    owner, doc = _owner(), _permit("0x" + "12" * 20, 5)
    with pytest.raises(wk.errors.PolicyViolation):
        signer.sign_typed_data(owner, doc)
    event = signer.store.audit_events()[-1]
    assert (event["decision"], event["rule"], event["typed_data"], event["from"]) == (
        "refused",
        "spender_allowlist",
        _eip712_digest(doc),
        owner.address,
    )
    signer.freeze(owner)
    with pytest.raises(wk.errors.AccountFrozen):
        signer.sign_typed_data(owner, _permit(TO, 5))
    assert signer.store.audit_events()[-1]["rule"] == "frozen"


def test_typed_data_an_approval_rule_covers_is_refused_and_other_typed_data_signed() -> None:
    big = [{"name": "big", "above": {USDC: "50"}, "approvers": ["alice"], "required": 1}]
    signer = _typed_signer(big)
    signer.sign_typed_data(_owner(), _permit(TO, 5_000_000))  # below the rule: signed
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_typed_data(_owner(), _permit(TO, 60_000_000, nonce=1))
    assert info.value.rule == "approval_required"
    assert "typed data that an approval rule covers is not signed" in str(info.value)


def test_a_recipient_paid_before_is_not_new_to_typed_data() -> None:
    fresh = [{"name": "fresh", "new_recipient": True, "approvers": ["alice"], "required": 1}]
    signer = _typed_signer(fresh)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_typed_data(_owner(), _authorization(TO, 1_000_000))  # TO was never paid on eth
    assert info.value.rule == "approval_required"
    with signer.store.transaction() as db:  # TO was paid on eth before (as the guard records a payment)
        signer.guard.record_in(db, "eth", _owner().address, [], "0x" + "aa" * 32)
        signer.store.run(
            db,
            "INSERT INTO guard_signed (chain, account, counterparty, kind, txid, at) VALUES (?, ?, ?, ?, ?, ?)",
            ("eth", _owner().address, TO, "pay", "0x" + "bb" * 32, 1.0),
        )
    signer.sign_typed_data(_owner(), _authorization(TO, 1_000_000))


def test_a_chain_without_typed_data_says_so() -> None:
    account = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("btc")
    with pytest.raises(wk.errors.UnsupportedOperation) as info:
        _typed_signer().sign_typed_data(account, _permit(TO, 5))
    assert str(info.value) == "btc has no typed-data signing"


def test_a_replay_marks_its_key_broadcast_and_a_taken_nonce_is_an_error(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address))
    # Signed under a key but not sent; a later send with the key sends those stored bytes.
    signed = signer.transfer(
        sender, receiver.address, 10**15, idempotency_key="k1", nonce=0, gas=21_000, gas_price=10 * GWEI
    )
    assert not signer.store.is_handed_out("k1")
    assert (
        signer.send(sender, node, receiver.address, 10**15, idempotency_key="k1", gas=21_000, gas_price=10 * GWEI)
        == signed.txid
    )
    assert signer.store.is_handed_out("k1")  # marked broadcast
    assert node.w3.eth.get_transaction(signed.txid)["nonce"] == 0
    # Signed under another key at nonce 1, then another transaction takes nonce 1: the stored bytes
    # can never be mined, and "nonce too low" for them is an error, not success.
    late = signer.transfer(
        sender, receiver.address, 10**15, idempotency_key="k2", nonce=1, gas=21_000, gas_price=10 * GWEI
    )
    signer.send(sender, node, receiver.address, 2 * 10**15, nonce=1)
    with pytest.raises(wk.errors.BroadcastRejected) as info:
        signer.send(sender, node, receiver.address, 10**15, idempotency_key="k2", gas=21_000, gas_price=10 * GWEI)
    assert str(info.value).startswith(f"{late.txid} is not on the network, and its nonce is taken: ")
    assert node.balance(receiver.address) == 3 * 10**15


def test_sign_transaction_checks_its_key_and_the_request_behind_it() -> None:
    from chains.evm.transaction import EvmTransaction

    account = _eth()

    def tx(value: int) -> EvmTransaction:
        return EvmTransaction(
            chain_id=1, nonce=0, gas=21_000, to=bytes.fromhex(TO[2:]), value=value, data=b"", gas_price=GWEI, tx_type=0
        )

    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
""")
    with pytest.raises(wk.errors.InvalidInput) as info:
        signer.sign_transaction(account, tx(1), idempotency_key="")
    assert str(info.value) == "an idempotency key is text of 1 to 256 characters, got 0 characters"
    first = signer.sign_transaction(account, tx(1), idempotency_key="t1")
    assert signer.sign_transaction(account, tx(1), idempotency_key="t1").raw == first.raw
    with pytest.raises(wk.errors.IdempotencyConflict):
        signer.sign_transaction(account, tx(2), idempotency_key="t1")  # another transaction under the key
    # The audit names the request by the first 16 hex digits of SHA-256 over its JSON text, written here by hand.
    text = (
        '{"chain": "eth", "from": "'
        + account.address
        + '", "network": "mainnet", "tx": '
        + json.dumps(repr(tx(1)))
        + "}"
    )
    assert signer.store.audit_events()[0]["request"] == hashlib.sha256(text.encode()).hexdigest()[:16]


# --- keys, the decision's audit trail, refusals and freezes (offline) -------------------------------


def test_an_idempotency_key_is_text_of_1_to_256_characters() -> None:
    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
""")
    account = _eth()
    signed = signer.transfer(account, TO, 1, idempotency_key="k" * 256, nonce=0, gas=21_000, gas_price=GWEI)
    assert signed.txid == "0x" + keccak(signed.raw).hex()
    with pytest.raises(wk.errors.InvalidInput) as info:
        signer.transfer(account, TO, 1, idempotency_key="k" * 257, nonce=0, gas=21_000, gas_price=GWEI)
    assert str(info.value) == "an idempotency key is text of 1 to 256 characters, got 257 characters"
    with pytest.raises(wk.errors.InvalidInput) as info:
        signer.transfer(account, TO, 1, idempotency_key=7, nonce=0, gas=21_000, gas_price=GWEI)  # type: ignore[arg-type]
    assert str(info.value) == "an idempotency key is text of 1 to 256 characters, got int"


def test_a_pending_result_is_refused_where_only_signing_was_asked() -> None:
    from walletkit.signer.approvals import PendingRequest
    from walletkit.signer.signer import _signed

    with pytest.raises(wk.errors.PolicyViolation) as info:
        _signed(PendingRequest("r-1", "ab" * 32, 0.0, {"big": 1}, ()))
    assert info.value.rule == "approval_required"
    assert str(info.value).endswith("request r-1 waits for approvals")


def test_the_repr_names_the_chains_and_the_store() -> None:
    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
[chains.btc]
recipients = []
""")
    assert repr(signer) == "Signer(2 chain(s), SQLiteStore)"


def test_a_signed_transfer_is_audited_with_its_effects() -> None:
    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
""")
    account = _eth()
    signed = signer.transfer(account, TO, 3 * ETH // 2, nonce=0, gas=21_000, gas_price=GWEI)
    # The request text written out by hand (sorted keys, amounts as text, the nonce left out).
    text = json.dumps(
        {
            "amount": str(3 * ETH // 2),
            "chain": "eth",
            "fields": {"gas": "21000", "gas_price": str(GWEI)},
            "from": account.address,
            "network": "mainnet",
            "to": TO,
            "token": None,
        },
        sort_keys=True,
    )
    assert (
        signer.store.audit_events()
        == [
            {
                "chain": "eth",
                "network": "mainnet",
                "from": "0x17c5185167401eD00cF5F5b2fc97D9BBfDb7D025",  # the address of key 0x42..42 (eth-account)
                "request": hashlib.sha256(text.encode()).hexdigest()[:16],
                "effects": [
                    {
                        "effect": "transfer",
                        "asset": "native",
                        "to": TO,
                        "amount": "1500000000000000000",
                        "token_id": "",
                        "source": "",
                    },
                    {"effect": "fee", "amount": str(21_000 * GWEI), "detail": "type 0"},
                ],
                "decision": "signed",
                "txid": "0x" + keccak(signed.raw).hex(),
                "spends": {"native": "1500000000000000000"},
                "ledger": {"chain": "eth", "spends": {"native": "1500000000000000000"}},
            }
        ]
    )


def test_a_refusal_is_audited_by_its_rule_or_its_error_type() -> None:
    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
max_per_tx = "1"
""")
    account = _eth()
    with pytest.raises(wk.errors.PolicyViolation):
        signer.transfer(account, TO, 2 * ETH, nonce=0, gas=21_000, gas_price=GWEI)
    with pytest.raises(wk.errors.InvalidTransaction):
        signer.transfer(account, TO, 1, nonce=-1, gas=21_000, gas_price=GWEI)  # the builder refuses it
    events = signer.store.audit_events()
    assert [(e["decision"], e["rule"], e["from"], e["chain"]) for e in events] == [
        ("refused", "max_per_tx", account.address, "eth"),
        ("refused", "InvalidTransaction", account.address, "eth"),
    ]


def _burst_signer(seen: list[Any], clock: Clock) -> Signer:
    policy = Policy.from_dict(
        {
            "chains": {
                "eth": {
                    "recipients": [TO],
                    "max_per_tx": "1",
                    "tokens": {USDC: {"decimals": 6, "max_per_tx": "100"}},
                    "spenders": [TO],
                    "typed_data": [{"contract": USDC, "primary_types": ["Permit"]}],
                }
            },
            "guard": {"refusal_burst": {"count": 2, "seconds": 60}},
        }
    )
    return Signer(policy, SQLiteStore(clock=clock), on_freeze=[seen.append])


def test_a_burst_of_refused_transfers_freezes_the_account_and_says_so() -> None:
    from walletkit.signer.guard import Freeze

    seen: list[Freeze] = []
    clock = Clock()
    signer = _burst_signer(seen, clock)
    account = _eth()
    with pytest.raises(wk.errors.PolicyViolation):
        signer.transfer(account, TO, 2 * ETH, nonce=0, gas=21_000, gas_price=GWEI)
    assert seen == [] and signer.frozen() == []
    with pytest.raises(wk.errors.PolicyViolation):
        signer.transfer(account, TO, 2 * ETH, nonce=0, gas=21_000, gas_price=GWEI)
    expected = Freeze(f"eth:{account.address}", "2 refusals in the burst window", "refusal_burst", clock.now)
    assert seen == [expected] and signer.frozen() == [expected]
    with pytest.raises(wk.errors.AccountFrozen):
        signer.transfer(account, TO, 1, nonce=0, gas=21_000, gas_price=GWEI)
    assert seen == [expected]  # a refusal because of the freeze freezes nothing again


def test_a_burst_of_refused_typed_data_freezes_the_account_and_says_so() -> None:
    from walletkit.signer.guard import Freeze

    seen: list[Freeze] = []
    clock = Clock()
    signer = _burst_signer(seen, clock)
    owner = _owner()
    for _ in range(2):
        with pytest.raises(wk.errors.PolicyViolation):
            signer.sign_typed_data(owner, _permit("0x" + "12" * 20, 5))  # an unknown spender
    expected = Freeze(f"eth:{owner.address}", "2 refusals in the burst window", "refusal_burst", clock.now)
    assert seen == [expected]


def test_a_freeze_of_another_account_stops_neither_its_transfers_nor_its_typed_data() -> None:
    signer = _typed_signer()
    other = wk.Account.from_private_key("eth", "0x" + "43" * 32)
    signer.freeze(other)
    owner = _owner()
    signer.sign_typed_data(owner, _permit(TO, 5))
    signer.transfer(owner, TO, 1, nonce=0, gas=21_000, gas_price=GWEI)
    with pytest.raises(wk.errors.AccountFrozen):
        signer.sign_typed_data(other, _permit(TO, 5))


def test_every_approval_rule_that_applies_is_named() -> None:
    policy = Policy.from_dict(
        {
            "approvers": {"alice": {"ed25519": APPROVER}},
            "chains": {
                "eth": {
                    "recipients": [TO],
                    "approvals": [
                        {"name": "big", "above": {"native": "1"}, "approvers": ["alice"], "required": 1},
                        {"name": "fresh", "new_recipient": True, "approvers": ["alice"], "required": 1},
                        {"name": "huge", "above": {"native": "100"}, "approvers": ["alice"], "required": 1},
                    ],
                }
            },
        }
    )
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.transfer(_eth(), TO, 2 * ETH, nonce=0, gas=21_000, gas_price=GWEI)
    assert info.value.rule == "approval_required"
    assert str(info.value).endswith("approval rule(s) big, fresh apply: ask through Signer.request")


def test_typed_data_an_approval_rule_covers_is_refused_with_its_reason() -> None:
    big = [{"name": "big", "above": {USDC: "50"}, "approvers": ["alice"], "required": 1}]
    with pytest.raises(wk.errors.PolicyViolation) as info:
        _typed_signer(big).sign_typed_data(_owner(), _permit(TO, 60_000_000))
    assert info.value.rule == "approval_required"
    assert str(info.value).endswith(": typed data that an approval rule covers is not signed")
    assert "XX" not in str(info.value)


def test_each_asset_is_judged_over_its_own_window() -> None:
    clock = Clock()
    signer = Signer(
        Policy.from_dict(
            {
                "chains": {
                    "eth": {
                        "recipients": [TO],
                        "window": {"amount": "10", "seconds": 3600},
                        "tokens": {TOKEN: {"decimals": 6, "window": {"amount": "150", "seconds": 60}}},
                    }
                }
            }
        ),
        SQLiteStore(clock=clock),
    )
    account = _eth()

    def pay(nonce: int) -> None:
        signer.transfer(account, TO, 100 * 10**6, TOKEN, nonce=nonce, gas=60_000, gas_price=GWEI)

    pay(0)
    clock.now += 59
    with pytest.raises(wk.errors.PolicyViolation) as info:
        pay(1)  # 200 > 150 within the token's minute
    assert info.value.rule == "rolling_window"
    clock.now += 2  # 61 s: the token's window (not the native hour) let the first spend go
    pay(1)


def test_a_token_request_is_not_the_same_request_as_a_native_one() -> None:
    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
[chains.eth.tokens."{TOKEN}"]
decimals = 6
""")
    account = _eth()
    signer.transfer(account, TO, 5, TOKEN, idempotency_key="t", nonce=0, gas=60_000, gas_price=GWEI)
    with pytest.raises(wk.errors.IdempotencyConflict):
        signer.transfer(account, TO, 5, idempotency_key="t", nonce=0, gas=60_000, gas_price=GWEI)


def test_the_store_reserves_each_nonce_once_above_the_nodes_count() -> None:
    from eth_account._utils.legacy_transactions import Transaction

    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
""")
    account = _eth()
    nonces = []
    for floor in (0, 0, 5, 0):  # the node's pending count, as send() reads it
        signed = signer.transfer(account, TO, 1, _nonce_floor=lambda f=floor: f, gas=21_000, gas_price=GWEI)
        nonces.append(Transaction.from_bytes(signed.raw).nonce)
    assert nonces == [0, 1, 5, 6]
    assert _stored_nonce(signer, account.address) == [7]


# --- requests that wait for approvals, executed -----------------------------------------------------


def _approvers() -> tuple[Any, Any]:
    import nacl.signing

    return nacl.signing.SigningKey(bytes([1]) * 32), nacl.signing.SigningKey(bytes([2]) * 32)


def _approval_policy(chain: str = "eth", recipients: tuple[str, ...] = (TO,), **extra: Any) -> Policy:
    alice, bob = _approvers()
    rules: dict[str, Any] = {
        "recipients": list(recipients),
        "approvals": [{"name": "large", "above": {"native": "1"}, "approvers": ["alice", "bob"], "required": 1}],
        **extra,
    }
    return Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": alice.verify_key.encode().hex()},
                "bob": {"ed25519": bob.verify_key.encode().hex()},
            },
            "chains": {chain: rules},
        }
    )


def _approve(signer: Signer, pending: Any) -> None:
    from walletkit.signer.approvals import ApproverSignature

    alice, _ = _approvers()
    signer.approve(pending.id, ApproverSignature("alice", alice.sign(bytes.fromhex(pending.digest)).signature))


def test_a_request_is_audited_pending_then_signed_under_its_id() -> None:
    from walletkit.signer.approvals import PendingRequest

    signer = Signer(_approval_policy(), SQLiteStore(clock=Clock()))
    account = _eth()
    asked = signer.request(account, TO, 2 * ETH, requester="ops", nonce=0, gas=21_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    pending = signer.store.audit_events()[-1]
    assert {k: pending[k] for k in ("decision", "request_id", "chain", "network", "from")} == {
        "decision": "pending",
        "request_id": asked.id,
        "chain": "eth",
        "network": "mainnet",
        "from": account.address,
    }
    _approve(signer, asked)
    signed = signer.execute(asked.id, account)
    assert isinstance(signed, wk.SignedTransaction)
    event = signer.store.audit_events()[-1]
    assert (event["decision"], event["request_id"], event["txid"]) == (
        "signed",
        asked.id,
        "0x" + keccak(signed.raw).hex(),
    )
    with signer.store.decision() as db:
        row = signer.guard.request_in(db, asked.id)
    assert row is not None and (row["status"], row["txid"]) == ("executed", signed.txid)
    # A plain transfer is audited without a request id.
    signer.transfer(account, TO, ETH // 2, nonce=1, gas=21_000, gas_price=GWEI)
    assert "request_id" not in signer.store.audit_events()[-1]


# --- Bitcoin coins through the signer, on the kernel regtest chain ---------------------------------

BTC = 10**8


@pytest.fixture
def fresh_btc() -> Iterator[Callable[..., Any]]:
    """A kernel regtest chain of this test's own (the session's shared one is left as other tests
    expect it: these tests mine hundreds of blocks, which would halve its block subsidy)."""
    from walletkit.testing import start_engine

    started: list[Any] = []

    def start(**options: Any) -> Any:
        started.append(start_engine("btc", **options))
        return started[-1]

    yield start
    for chain in started:
        chain.close()


def _btc(chain: Any, coins: int, **extra: Any) -> tuple[wk.Account, wk.Account, Policy]:
    """A sender with ``coins`` mature coinbase coins, a receiver, and a policy allowing up to 40 BTC."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender = wallet.account("btc", network="regtest")
    receiver = wallet.account("btc", index=5, network="regtest")
    for _ in range(coins):
        chain.mine(1, to=sender.address)
    chain.mine(100)
    rules = {"networks": ["regtest"], "recipients": [receiver.address], "max_per_tx": "40", **extra}
    return sender, receiver, Policy.from_dict({"chains": {"btc": rules}})


def _locked(signer: Signer) -> set[str]:
    with signer.store.decision() as db:
        return signer.store.locked_outpoints_in(db, "btc")


def _inputs(signed: Any) -> set[str]:
    return {f"{i.prevout.txid}:{i.prevout.vout}" for i in signed.extra["tx"].inputs}


def test_coins_of_a_signed_spend_are_locked_for_600_seconds_by_default(fresh_btc: Any) -> None:
    chain = fresh_btc()
    sender, receiver, policy = _btc(chain, 2)
    clock = Clock()
    signer = Signer(policy, SQLiteStore(clock=clock))
    fields = chain.prepare_transfer(sender, receiver.address, 10 * BTC, None, {})  # both coins, twice
    first = signer.transfer(sender, receiver.address, 10 * BTC, **fields)
    assert len(_inputs(first)) == 1 and _locked(signer) == _inputs(first)
    clock.now += 1
    second = signer.transfer(sender, receiver.address, 10 * BTC, **fields)  # the first coin is not offered
    assert _inputs(second).isdisjoint(_inputs(first)) and _locked(signer) == _inputs(first) | _inputs(second)
    clock.now += 598  # 599 s after the first
    assert _locked(signer) == _inputs(first) | _inputs(second)
    clock.now += 1  # 600 s: the first lock ran out, the second (signed 1 s later) holds
    assert _locked(signer) == _inputs(second)
    third = signer.transfer(sender, receiver.address, 10 * BTC, **fields)
    assert _inputs(third) == _inputs(first)  # its coin is offered again


def test_a_refused_spend_gives_its_coins_back_and_a_sent_one_holds_them(fresh_btc: Any) -> None:
    chain = fresh_btc()
    sender, receiver, policy = _btc(chain, 2)
    clock = Clock()
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    stale = chain.prepare_transfer(sender, receiver.address, 10 * BTC, None, {})
    txid = signer.send(sender, chain, receiver.address, 10 * BTC, **stale)
    spent = _locked(signer)
    assert len(spent) == 1 and chain.confirmed.get(txid)
    clock.now += 10**6  # a broadcast spend is held past the lock's time limit
    assert _locked(signer) == spent
    # The network refuses a spend of the coin already spent: its coins are free at once.
    gone = [u for u in stale["utxos"] if f"{u['txid']}:{u['vout']}" in spent]
    fresh = Signer(policy, SQLiteStore(clock=clock))
    with pytest.raises(wk.errors.BroadcastRejected, match="is unknown or already spent"):
        fresh.send(sender, chain, receiver.address, BTC, utxos=gone, fee_rate=2)
    assert _locked(fresh) == set()


def test_a_replayed_spend_holds_its_coins(fresh_btc: Any) -> None:
    chain = fresh_btc()
    sender, receiver, policy = _btc(chain, 1)
    clock = Clock()
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    fields = chain.prepare_transfer(sender, receiver.address, BTC, None, {})
    signed = signer.transfer(sender, receiver.address, BTC, idempotency_key="pay-7", **fields)
    clock.now += 601
    assert _locked(signer) == set()  # signed, never sent: the time limit freed the coin
    assert signer.send(sender, chain, receiver.address, BTC, idempotency_key="pay-7", **fields) == signed.txid
    assert _broadcast_flag(signer, "pay-7") == 1  # marked broadcast, not only handed out
    clock.now += 10**9
    assert _locked(signer) == _inputs(signed)


def test_send_waits_until_mined_unless_told_not_to(fresh_btc: Any) -> None:
    chain = fresh_btc(automine=False)  # a broadcast waits in the mempool until a block is mined
    sender, receiver, policy = _btc(chain, 6)
    signer = Signer(policy, SQLiteStore(clock=Clock()))

    def fields() -> dict[str, Any]:
        return chain.prepare_transfer(sender, receiver.address, BTC, None, {})

    waited = signer.send(sender, chain, receiver.address, BTC, **fields())
    assert waited in chain.confirmed and waited not in chain.mempool
    sent = signer.send(sender, chain, receiver.address, BTC, wait=False, **fields())
    assert sent in chain.mempool and sent not in chain.confirmed
    chain.mine(1)
    # A prepared transaction: send_transaction waits too, unless told not to.
    tx = sender.transfer(receiver.address, BTC, **fields())
    txid = signer.send_transaction(sender, chain, tx)
    assert txid in chain.confirmed
    tx = sender.transfer(receiver.address, BTC, **fields())
    txid = signer.send_transaction(sender, chain, tx, wait=False)
    assert txid in chain.mempool
    chain.mine(1)
    # Bytes signed under a key and sent later (a replay): waited for too, unless told not to.
    given = fields()  # the same fields again: the same request
    signed = signer.transfer(sender, receiver.address, BTC, idempotency_key="r1", **given)
    assert signer.send(sender, chain, receiver.address, BTC, idempotency_key="r1", **given) == signed.txid
    assert signed.txid in chain.confirmed
    again = fields()
    signed = signer.transfer(sender, receiver.address, BTC, idempotency_key="r2", **again)
    assert signer.send(sender, chain, receiver.address, BTC, idempotency_key="r2", wait=False, **again) == signed.txid
    assert signed.txid in chain.mempool


def _broadcast_flag(signer: Signer, key: str) -> int:
    with signer.store.transaction() as db:
        return int(signer.store.run(db, "SELECT broadcast FROM idempotency WHERE key=?", (key,)).fetchone()[0])


def test_a_request_locks_the_coins_it_spends_with_or_without_a_client(fresh_btc: Any) -> None:
    from chains.bitcoin.tx import Transaction

    chain = fresh_btc()
    sender, receiver, policy = _btc(chain, 3)
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    fields = chain.prepare_transfer(sender, receiver.address, 10 * BTC, None, {})
    # Without a client: the coins given are locked, and the next request is offered the others.
    first = signer.request(sender, receiver.address, 10 * BTC, requester="ops", **fields)
    assert isinstance(first, wk.SignedTransaction) and _locked(signer) == _inputs(first)
    second = signer.request(sender, receiver.address, 10 * BTC, requester="ops", **fields)
    assert isinstance(second, wk.SignedTransaction) and _inputs(second).isdisjoint(_inputs(first))
    # With a client: it lists every coin, the locked ones among them, and must choose the third.
    txid = signer.request(sender, receiver.address, 10 * BTC, requester="ops", client=chain)
    assert isinstance(txid, str) and chain.confirmed.get(txid)
    raw = chain.raw_transaction(txid)
    assert raw is not None
    mined = {f"{i.prevout.txid}:{i.prevout.vout}" for i in Transaction.parse(raw).inputs}
    assert len(mined) == 1
    assert mined.isdisjoint(_inputs(first) | _inputs(second))
    chain.broadcast(first)
    chain.broadcast(second)  # neither was double-spent by the third
    assert chain.balance(receiver.address) == 30 * BTC


def test_an_executed_request_is_sent_once_and_waited_for(fresh_btc: Any) -> None:
    chain = fresh_btc(automine=False)
    sender, receiver, _ = _btc(chain, 1)
    signer = Signer(
        _approval_policy("btc", (receiver.address,), networks=["regtest"], max_per_tx="40"), SQLiteStore(clock=Clock())
    )
    fields = chain.prepare_transfer(sender, receiver.address, 2 * BTC, None, {})
    asked = signer.request(sender, receiver.address, 2 * BTC, requester="ops", **fields)
    _approve(signer, asked)
    signed = signer.execute(asked.id, sender)  # signed here, sent later
    assert isinstance(signed, wk.SignedTransaction)
    txid = signer.execute(asked.id, sender, client=chain)  # the same bytes, broadcast, and waited for
    assert txid == signed.txid and txid in chain.confirmed
    assert _broadcast_flag(signer, f"approved-request:{asked.id}") == 1  # marked broadcast, not only handed out


def test_a_stored_spend_is_sent_again_without_asking_the_node_to_fill_it(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address))
    txid = signer.send(sender, node, receiver.address, 3 * ETH // 2, idempotency_key="once")
    # 0.5 ETH is left: filling the same payment again would fail for funds; its stored bytes are sent instead.
    assert signer.send(sender, node, receiver.address, 3 * ETH // 2, idempotency_key="once") == txid
    assert node.balance(receiver.address) == 3 * ETH // 2
    with pytest.raises(wk.errors.InsufficientFunds):
        signer.send(sender, node, receiver.address, 3 * ETH // 2, idempotency_key="twice")


def test_a_bad_key_is_refused_before_the_node_is_asked(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts  # the sender has nothing: filling would fail for funds
    signer = Signer(_policy(receiver.address))
    with pytest.raises(wk.errors.InvalidInput) as info:
        signer.send(sender, node, receiver.address, ETH, idempotency_key="")
    assert str(info.value) == "an idempotency key is text of 1 to 256 characters, got 0 characters"


def test_a_freeze_holds_back_stored_bytes_of_its_account_only(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address))
    fields = {"gas": 21_000, "gas_price": 10 * GWEI}
    first = signer.transfer(sender, receiver.address, 10**15, idempotency_key="a", nonce=0, **fields)
    second = signer.transfer(sender, receiver.address, 10**15, idempotency_key="b", nonce=1, **fields)
    signer.freeze(receiver)  # another account
    assert signer.send(sender, node, receiver.address, 10**15, idempotency_key="a", **fields) == first.txid
    signer.freeze(sender)
    with pytest.raises(wk.errors.AccountFrozen):
        signer.send(sender, node, receiver.address, 10**15, idempotency_key="b", **fields)
    assert not node.has_transaction(second.txid)


# --- replays and races, on anvil and LiteSVM --------------------------------------------------------


def test_a_refused_replay_names_its_transaction(node_and_accounts: tuple[Any, wk.Account, wk.Account]) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address))
    fields = {"nonce": 0, "gas": 20_000, "gas_price": 10 * GWEI}  # below the intrinsic 21,000: anvil refuses it
    signed = signer.transfer(sender, receiver.address, 10**15, idempotency_key="low", **fields)
    with pytest.raises(wk.errors.BroadcastRejected) as info:
        signer.send(sender, node, receiver.address, 10**15, idempotency_key="low", **fields)
    assert str(info.value).startswith(f"eth node refused {'0x' + keccak(signed.raw).hex()}: ")


def test_a_replay_the_runtime_already_processed_is_success(solana_svm: Any) -> None:
    # LiteSVM answers "AlreadyProcessed" for bytes it ran, and has no transaction look-up to ask.
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=2)
    solana_svm.airdrop(sender.address, 10**10)
    policy = Policy.from_dict({"chains": {"sol": {"recipients": [receiver.address], "max_per_tx": "5"}}})
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    txid = signer.send(sender, solana_svm, receiver.address, 10**9, idempotency_key="s1")
    assert signer.send(sender, solana_svm, receiver.address, 10**9, idempotency_key="s1") == txid
    assert solana_svm.balance(receiver.address) == 10**9  # paid once


class _SecondWorkerFirst:
    """The anvil engine, reached through a client that lets a second worker holding the same key send
    the stored bytes first (the race a key shared by two workers allows); everything else is anvil's."""

    def __init__(self, node: Any, second: Any) -> None:
        self._node, self._second = node, second

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)

    def broadcast(self, signed: Any) -> str:
        self._node.broadcast(self._second())  # the other worker's copy reaches the network first
        return str(self._node.broadcast(signed))


def _erc20_transfer(token: str, nonce: int, to: str, amount: int) -> Any:
    from chains.evm.transaction import EvmTransaction

    data = keccak(text="transfer(address,uint256)")[:4] + abi_encode(["address", "uint256"], [to, amount])
    return EvmTransaction(
        chain_id=1,
        nonce=nonce,
        gas=100_000,
        to=bytes.fromhex(token[2:]),
        value=0,
        data=data,
        gas_price=10 * GWEI,
        tx_type=0,
    )


def _token_and_policy(node: Any, sender: wk.Account, receiver: wk.Account, max_per_tx: str) -> tuple[str, Policy]:
    """A funded sender holding 1,000 of a test token, and a policy paying the receiver that token
    (0 decimals) up to ``max_per_tx``."""
    node.fund(sender.address, 2 * ETH)
    token = node.deploy_test_token(sender, 1_000)
    policy = Policy.from_dict(
        {
            "chains": {
                "eth": {"recipients": [receiver.address], "tokens": {token: {"decimals": 0, "max_per_tx": max_per_tx}}}
            }
        }
    )
    return token, policy


def test_bytes_another_worker_sent_first_are_followed_to_their_receipt(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    token, policy = _token_and_policy(node, sender, receiver, max_per_tx="5000")
    store = SQLiteStore(clock=Clock())
    signer, other = Signer(policy, store, simulate=False), Signer(policy, store, simulate=False)
    nonce = node.w3.eth.get_transaction_count(sender.address)
    tx = _erc20_transfer(token, nonce, receiver.address, 1_001)  # more than the 1,000 held: mined, and reverted
    racing = _SecondWorkerFirst(node, lambda: other.sign_transaction(sender, tx, idempotency_key="k"))
    with pytest.raises(wk.errors.BroadcastRejected) as info:
        signer.send_transaction(sender, racing, tx, idempotency_key="k")
    txid = "0x" + keccak(other.sign_transaction(sender, tx, idempotency_key="k").raw).hex()
    receipt = node.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 0
    assert str(info.value) == f"{txid} was mined in block {receipt['blockNumber']} but reverted"  # waited for
    assert _broadcast_flag(signer, "k") == 1  # marked broadcast, not only handed out
    assert node.balance(receiver.address, token) == 0


def test_a_token_send_is_not_the_same_request_as_a_native_one(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    token, policy = _token_and_policy(node, sender, receiver, max_per_tx="50")
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    signer.send(sender, node, receiver.address, 5, token, idempotency_key="t")
    assert node.balance(receiver.address, token) == 5
    with pytest.raises(wk.errors.IdempotencyConflict):
        signer.send(sender, node, receiver.address, 5, idempotency_key="t")
    assert node.balance(receiver.address) == 0


# --- simulation, on anvil --------------------------------------------------------------------------

TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")


def _noisy_token(node: Any, deployer: wk.Account, to: str) -> str:
    """Deploy a contract, assembled here by hand, that on every call logs an ERC-20 ``Transfer`` of
    its own token from the caller to ``to``, of 1 unit without calldata and 2 with: more than any
    transfer its calldata asks for, which only a simulation can see. Returns its address."""
    from chains.evm.transaction import EvmTransaction

    runtime = (
        bytes.fromhex("3615156001016000 52".replace(" ", ""))  # mem[0] = 1 + (calldatasize != 0)
        + b"\x73"
        + bytes.fromhex(to[2:])  # PUSH20 to (topic 2)
        + b"\x33"  # CALLER (topic 1)
        + b"\x7f"
        + TRANSFER_TOPIC  # PUSH32 the Transfer topic (topic 0)
        + bytes.fromhex("60206000a300")  # LOG3(0, 32, ...); STOP
    )
    # PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN: the 11-byte constructor returns the runtime.
    init = bytes([0x60, len(runtime), 0x80, 0x60, 0x0B, 0x60, 0x00, 0x39, 0x60, 0x00, 0xF3]) + runtime
    nonce = node.w3.eth.get_transaction_count(deployer.address)
    tx = EvmTransaction(
        chain_id=1, nonce=nonce, gas=200_000, to=None, value=0, data=init, gas_price=10 * GWEI, tx_type=0
    )
    receipt = node.wait(node.broadcast(deployer.sign(tx)))
    assert bytes(node.w3.eth.get_code(receipt["contractAddress"])) == runtime
    return str(receipt["contractAddress"])


def _noisy_signer(node: Any, sender: wk.Account, receiver: wk.Account) -> tuple[str, Signer]:
    """A funded sender, the noisy token deployed, and a signer whose policy lists it and the receiver."""
    node.fund(sender.address, 2 * ETH)
    noisy = _noisy_token(node, sender, receiver.address)
    policy = Policy.from_dict(
        {
            "chains": {
                "eth": {
                    "recipients": [noisy, receiver.address],
                    "tokens": {noisy: {"decimals": 0, "max_per_tx": "100"}},
                }
            }
        }
    )
    return noisy, Signer(policy, SQLiteStore(clock=Clock()))


def test_a_simulation_that_moves_more_than_the_decoded_effects_is_refused_with_both_amounts(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    from chains.evm.transaction import EvmTransaction

    node, sender, receiver = node_and_accounts
    noisy, signer = _noisy_signer(node, sender, receiver)
    nonce = node.w3.eth.get_transaction_count(sender.address)

    def call(data: bytes) -> EvmTransaction:
        to = bytes.fromhex(noisy[2:])
        return EvmTransaction(
            chain_id=1, nonce=nonce, gas=100_000, to=to, value=0, data=data, gas_price=10 * GWEI, tx_type=0
        )

    # No calldata: decoded as 0 wei to the contract, nothing of its token; the simulation sees 1 unit leave.
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(sender, call(b""), client=node)
    assert info.value.rule == "simulation"
    assert str(info.value).endswith(
        f": simulation moves 1 of {noisy} out of {sender.address}; the decoded effects say 0"
    )
    # transfer(receiver, 1): decoded as 1 unit; the simulation sees 2.
    data = keccak(text="transfer(address,uint256)")[:4] + abi_encode(["address", "uint256"], [receiver.address, 1])
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(sender, call(data), client=node)
    assert str(info.value).endswith(
        f": simulation moves 2 of {noisy} out of {sender.address}; the decoded effects say 1"
    )
    assert [e["rule"] for e in signer.store.audit_events()] == ["simulation", "simulation"]
    # Without a client nothing is simulated: the decoded effects alone decide.
    assert signer.sign_transaction(sender, call(data)).txid


def test_a_transaction_whose_simulation_reverts_is_refused_saying_so(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    token, policy = _token_and_policy(node, sender, receiver, max_per_tx="5000")
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    tx = _erc20_transfer(token, node.w3.eth.get_transaction_count(sender.address), receiver.address, 1_001)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_transaction(sender, tx, client=node)
    assert info.value.rule == "simulation"
    assert ": the transaction could not be simulated as harmless: the simulated transaction reverts: " in str(
        info.value
    )


def test_a_coin_value_the_chain_contradicts_is_refused_naming_the_coin(fresh_btc: Any) -> None:
    # A legacy (P2PKH) input's value is not committed to by its signature: without the transaction
    # that made the coin, its value is a claim, checked here against the kernel chain's coins.
    chain = fresh_btc()
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender = wallet.account("btc", network="regtest", kind="p2pkh")
    receiver = wallet.account("btc", index=5, network="regtest")
    chain.mine(1, to=sender.address)
    chain.mine(100)
    coin = dict(chain.prepare_transfer(sender, receiver.address, BTC, None, {})["utxos"][0])
    del coin["prev_tx"]
    coin["value"] += 1_000  # claims 1,000 sat more than the coin holds
    policy = Policy.from_dict(
        {"chains": {"btc": {"networks": ["regtest"], "recipients": [receiver.address], "max_per_tx": "40"}}}
    )
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.transfer(sender, receiver.address, BTC, utxos=[coin], fee_rate=2, client=chain)
    assert info.value.rule == "unverified"
    assert str(info.value).endswith(
        f": the input_value claim about {coin['txid']}:{coin['vout']} disagrees with the chain"
    )


class _SendsThenWaits:
    """Anvil, reached by the second worker: its broadcast lands, then it pauses (before the worker can
    mark the key broadcast) until the first worker has finished; everything else is anvil's."""

    def __init__(self, node: Any, sent: threading.Event, finished: threading.Event) -> None:
        self._node, self._sent, self._finished = node, sent, finished

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)

    def broadcast(self, signed: Any) -> str:
        txid = str(self._node.broadcast(signed))
        self._sent.set()
        self._finished.wait(timeout=60)
        return txid


class _FirstWaitsForSecond:
    """Anvil, reached by the first worker: before its own broadcast, a second worker holding the same
    key sends the stored bytes (through :class:`_SendsThenWaits`, in a thread of its own)."""

    def __init__(self, node: Any, second: Callable[[], None], sent: threading.Event) -> None:
        self._node, self._sent = node, sent
        self.thread = threading.Thread(target=second)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)

    def broadcast(self, signed: Any) -> str:
        if self.thread.ident is None:  # the first broadcast only: a replay goes to anvil alone
            self.thread.start()
            assert self._sent.wait(timeout=60)
        return str(self._node.broadcast(signed))


def test_a_key_whose_bytes_a_second_worker_is_sending_is_not_reported_refused(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    # Two workers hold one key: the second finds the stored bytes and sends them while the first is
    # still broadcasting its own copy. The node answers the first "already known" (or "nonce too
    # low"): a success, since the bytes are out; the first worker must not report the payment refused
    # (nor resync its nonce) because the second had not yet marked the key broadcast.
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    store = SQLiteStore(clock=Clock())
    first, second = Signer(_policy(receiver.address), store), Signer(_policy(receiver.address), store)
    sent, finished = threading.Event(), threading.Event()
    results: list[Any] = []

    def other() -> None:
        try:
            client = _SendsThenWaits(node, sent, finished)
            results.append(second.send(sender, client, receiver.address, 10**15, idempotency_key="both"))
        except Exception as e:  # shown by the assertion below
            results.append(e)

    client = _FirstWaitsForSecond(node, other, sent)
    try:
        txid = first.send(sender, client, receiver.address, 10**15, idempotency_key="both")
    finally:
        finished.set()
    client.thread.join(timeout=60)
    assert results == [txid]
    assert node.balance(receiver.address) == 10**15  # paid once
    assert _stored_nonce(first, sender.address) == [1]  # nothing resynced


# --- requests with a client: filled, simulated, broadcast, resynced ---------------------------------


def test_a_request_with_a_client_is_simulated_before_it_is_signed(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    from chains.evm.transaction import EvmTransaction

    node, sender, receiver = node_and_accounts
    noisy, signer = _noisy_signer(node, sender, receiver)
    expected = f": simulation moves 1 of {noisy} out of {sender.address}; the decoded effects say 0"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.request(sender, noisy, 0, requester="ops", client=node, gas=100_000)
    assert str(info.value).endswith(expected)
    nonce = node.w3.eth.get_transaction_count(sender.address)
    to = bytes.fromhex(noisy[2:])
    tx = EvmTransaction(chain_id=1, nonce=nonce, gas=100_000, to=to, value=0, data=b"", gas_price=10 * GWEI, tx_type=0)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.request_transaction(sender, tx, requester="ops", client=node)
    assert str(info.value).endswith(expected)


def test_a_request_with_a_client_takes_the_next_nonce_and_a_refused_one_resyncs_it(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_policy(receiver.address), SQLiteStore(clock=Clock()), simulate=False)
    signer.send(sender, node, receiver.address, 10**15)  # nonce 0
    txid = signer.request(sender, receiver.address, 10**15, requester="ops", client=node)
    assert isinstance(txid, str)
    assert node.w3.eth.get_transaction(txid)["nonce"] == 1 and node.w3.eth.get_transaction_receipt(txid)["status"] == 1
    assert _stored_nonce(signer, sender.address) == [2]
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)gas"):  # below the intrinsic 21,000
        signer.request(sender, receiver.address, 10**15, requester="ops", client=node, gas=20_000)
    assert _stored_nonce(signer, sender.address) == []  # the node's count decides again


def test_an_executed_request_refused_by_the_node_resyncs_the_nonce(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    signer = Signer(_approval_policy(recipients=(receiver.address,)), SQLiteStore(clock=Clock()), simulate=False)
    asked = signer.request(sender, receiver.address, 2 * ETH // 2 + 1, requester="ops", client=node, gas=20_000)
    _approve(signer, asked)
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)gas"):
        signer.execute(asked.id, sender, client=node)
    assert _stored_nonce(signer, sender.address) == []
    assert node.w3.eth.get_transaction_count(sender.address) == 0


def test_a_request_with_a_client_waits_until_mined_unless_told_not_to(fresh_btc: Any) -> None:
    chain = fresh_btc(automine=False)
    sender, receiver, policy = _btc(chain, 2)
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    txid = signer.request(sender, receiver.address, BTC, requester="ops", client=chain)
    assert txid in chain.confirmed
    txid = signer.request(sender, receiver.address, BTC, requester="ops", client=chain, wait=False)
    assert txid in chain.mempool


def test_coins_given_as_utxo_objects_are_locked_as_dicts_are(fresh_btc: Any) -> None:
    from chains.bitcoin.transfer import Utxo

    chain = fresh_btc()
    sender, receiver, policy = _btc(chain, 2)
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    coins = chain.prepare_transfer(sender, receiver.address, 10 * BTC, None, {})["utxos"]
    utxos = [Utxo(c["txid"], c["vout"], c["value"], c["script_pubkey"], c["prev_tx"]) for c in coins]
    first = signer.transfer(sender, receiver.address, 10 * BTC, utxos=utxos, fee_rate=2)
    second = signer.transfer(sender, receiver.address, 10 * BTC, utxos=utxos, fee_rate=2)
    assert _inputs(first).isdisjoint(_inputs(second))


def test_a_token_id_of_an_nft_collection_is_judged_and_audited_as_one_token() -> None:
    collection = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
    signer = _signer(f"""
[chains.eth]
recipients = ["{TO}"]
[chains.eth.tokens."{collection}"]
nft = true
""")
    account = _eth()
    data = keccak(text="transferFrom(address,address,uint256)")[:4] + abi_encode(
        ["address", "address", "uint256"], [account.address, TO, 7]
    )
    signer.transfer(account, collection, 0, data=data, nonce=0, gas=100_000, gas_price=GWEI)
    effects = signer.store.audit_events()[-1]["effects"]
    assert {
        "effect": "transfer",
        "asset": collection,
        "to": TO,
        "amount": "1",
        "token_id": "7",
        "source": "",
    } in effects


def test_an_executed_request_is_filled_and_simulated_through_its_client(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    from chains.evm.transaction import EvmTransaction

    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 2 * ETH)
    noisy = _noisy_token(node, sender, receiver.address)
    token = node.deploy_test_token(sender, 10**24)
    alice, _ = _approvers()
    policy = Policy.from_dict(
        {
            "approvers": {"alice": {"ed25519": alice.verify_key.encode().hex()}},
            "chains": {
                "eth": {
                    "recipients": [noisy, receiver.address],
                    "tokens": {
                        noisy: {"decimals": 0, "max_per_tx": "100"},
                        token: {"decimals": 0, "max_per_tx": str(10**24)},
                    },
                    "approvals": [{"name": "any", "new_recipient": True, "approvers": ["alice"], "required": 1}],
                }
            },
        }
    )
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    expected = f": simulation moves 1 of {noisy} out of {sender.address}; the decoded effects say 0"
    # Waiting requests are not simulated; their execution is, through the client it is given.
    asked = signer.request(sender, noisy, 0, requester="ops", client=node, gas=100_000)
    _approve(signer, asked)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.execute(asked.id, sender, client=node)
    assert str(info.value).endswith(expected)
    nonce = node.w3.eth.get_transaction_count(sender.address)
    to = bytes.fromhex(noisy[2:])
    tx = EvmTransaction(chain_id=1, nonce=nonce, gas=100_000, to=to, value=0, data=b"", gas_price=10 * GWEI, tx_type=0)
    prepared = signer.request_transaction(sender, tx, requester="ops", client=node)
    _approve(signer, prepared)
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.execute(prepared.id, sender, client=node, tx=tx)
    assert str(info.value).endswith(expected)
    # A token payment of more token units than the account holds wei: the client estimates its gas
    # for the token call to the recipient, and checks the token balance, not the ether one.
    amount = 3 * ETH
    asked = signer.request(sender, receiver.address, amount, token, requester="ops", client=node)
    _approve(signer, asked)
    txid = signer.execute(asked.id, sender, client=node)
    assert node.w3.eth.get_transaction_receipt(txid)["status"] == 1
    assert node.balance(receiver.address, token) == amount


def test_an_executed_bitcoin_request_locks_its_coins(fresh_btc: Any) -> None:
    chain = fresh_btc()
    sender, receiver, _ = _btc(chain, 2)
    policy = _approval_policy("btc", (receiver.address,), networks=["regtest"], max_per_tx="40")
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    fields = chain.prepare_transfer(sender, receiver.address, 2 * BTC, None, {})
    asked = signer.request(sender, receiver.address, 2 * BTC, requester="ops", **fields)
    _approve(signer, asked)
    signed = signer.execute(asked.id, sender)
    assert isinstance(signed, wk.SignedTransaction) and _locked(signer) == _inputs(signed)


# --- A prepared spend's coins are the caller's: never locked, never freed by the signer ----------
# An RBF replacement (or any prepared spend) may spend a coin another broadcast spend holds. Were
# the signer to lock its coins, the 600 s lock would replace that hold; were it to free them on a
# refusal, the coin would be offered again while a spend of it is on the network.


def _held_then_prepared(chain: Any, amount: int) -> tuple[wk.Account, Signer, Clock, set[str], Any]:
    """A spend sent and mined (its coin held), and a prepared spend of ``amount`` sat from that same coin."""
    sender, receiver, _ = _btc(chain, 2)
    clock = Clock()
    policy = _approval_policy("btc", (receiver.address,), networks=["regtest"], max_per_tx="40")
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    stale = chain.prepare_transfer(sender, receiver.address, BTC // 2, None, {})
    signer.send(sender, chain, receiver.address, BTC // 2, **stale)  # under the approval rule's 1 BTC
    held = _locked(signer)
    assert len(held) == 1
    gone = [u for u in stale["utxos"] if f"{u['txid']}:{u['vout']}" in held]
    return sender, signer, clock, held, sender.transfer(receiver.address, amount, utxos=gone, fee_rate=3)


@pytest.mark.parametrize("entry", ["sign_transaction", "request_transaction", "execute"])
def test_signing_a_prepared_spend_keeps_a_broadcast_spends_hold(fresh_btc: Any, entry: str) -> None:
    chain = fresh_btc()
    # execute: 2 BTC is above the approval rule's 1 BTC, so the request waits for an approver.
    sender, signer, clock, held, prepared = _held_then_prepared(chain, 2 * BTC if entry == "execute" else BTC // 4)
    if entry == "sign_transaction":
        signed = signer.sign_transaction(sender, prepared)
    elif entry == "request_transaction":
        signed = signer.request_transaction(sender, prepared, requester="ops")
    else:
        asked = signer.request_transaction(sender, prepared, requester="ops")
        assert not isinstance(asked, wk.SignedTransaction)
        _approve(signer, asked)
        signed = signer.execute(asked.id, sender)
    assert isinstance(signed, wk.SignedTransaction) and _inputs(signed) == held
    clock.now += 10**6  # far past any lock's time limit: only a hold is still there
    assert _locked(signer) == held


@pytest.mark.parametrize("entry", ["send_transaction", "execute"])
def test_a_refused_prepared_spend_frees_no_coin(fresh_btc: Any, entry: str) -> None:
    chain = fresh_btc()
    sender, signer, clock, held, prepared = _held_then_prepared(chain, 2 * BTC if entry == "execute" else BTC // 4)
    with pytest.raises(wk.errors.BroadcastRejected, match="is unknown or already spent"):
        if entry == "send_transaction":
            signer.send_transaction(sender, chain, prepared)
        else:
            asked = signer.request_transaction(sender, prepared, requester="ops")
            assert not isinstance(asked, wk.SignedTransaction)
            _approve(signer, asked)
            signer.execute(asked.id, sender, client=chain)
    clock.now += 10**6
    assert _locked(signer) == held  # the broadcast spend still holds its coin


def test_a_refused_prepared_spend_leaves_a_signed_transfers_lock(fresh_btc: Any) -> None:
    """A transfer the signer signed (not sent) locks its coin for 600 s; a prepared spend of that coin
    and a spent one, refused by the network, does not free it."""
    chain = fresh_btc()
    sender, receiver, policy = _btc(chain, 3, max_per_tx="100")
    clock = Clock()
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    stale = chain.prepare_transfer(sender, receiver.address, BTC, None, {})
    sent = signer.send(sender, chain, receiver.address, BTC, **stale)
    spent = _locked(signer)
    waiting = signer.transfer(sender, receiver.address, BTC, **stale)  # another coin, locked, not sent
    locked = _inputs(waiting)
    assert chain.confirmed.get(sent) and locked.isdisjoint(spent) and _locked(signer) == spent | locked
    coins = [u for u in stale["utxos"] if f"{u['txid']}:{u['vout']}" in spent | locked]
    prepared = sender.transfer(receiver.address, 60 * BTC, utxos=coins, fee_rate=3)  # needs both coins
    with pytest.raises(wk.errors.BroadcastRejected, match="is unknown or already spent"):
        signer.send_transaction(sender, chain, prepared)
    clock.now += 599
    assert _locked(signer) == spent | locked


def _spent_coin(chain: Any) -> tuple[wk.Account, wk.Account, list[dict[str, Any]]]:
    """A sender whose coin was spent (mined) by another signer: the coin as a stale UTXO list gives it."""
    sender, receiver, policy = _btc(chain, 2)
    stale = chain.prepare_transfer(sender, receiver.address, BTC // 2, None, {})
    first = Signer(policy, SQLiteStore(clock=Clock()))
    first.send(sender, chain, receiver.address, BTC // 2, **stale)
    spent = _locked(first)
    return sender, receiver, [u for u in stale["utxos"] if f"{u['txid']}:{u['vout']}" in spent]


@pytest.mark.parametrize("entry", ["request", "execute"])
def test_a_refused_transfer_through_a_request_frees_the_coins_the_signer_locked(fresh_btc: Any, entry: str) -> None:
    chain = fresh_btc()
    sender, receiver, gone = _spent_coin(chain)
    policy = _approval_policy("btc", (receiver.address,), networks=["regtest"], max_per_tx="40")
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    # request: 1 BTC is not above the rule's 1 BTC, so it is signed and sent at once; execute: 2 BTC waits.
    if entry == "request":
        with pytest.raises(wk.errors.BroadcastRejected, match="is unknown or already spent"):
            signer.request(sender, receiver.address, BTC, requester="ops", client=chain, utxos=gone, fee_rate=2)
    else:
        asked = signer.request(sender, receiver.address, 2 * BTC, requester="ops", client=chain, utxos=gone, fee_rate=2)
        assert not isinstance(asked, (str, wk.SignedTransaction))
        assert _locked(signer) == set()  # a pending request locks nothing yet
        _approve(signer, asked)
        with pytest.raises(wk.errors.BroadcastRejected, match="is unknown or already spent"):
            signer.execute(asked.id, sender, client=chain)
    assert _locked(signer) == set()  # the network refused the spend: its coin is free again


def test_an_executed_prepared_spend_refused_leaves_a_signed_transfers_lock(fresh_btc: Any) -> None:
    """As for send_transaction: a prepared spend executed after approval and refused by the network
    frees no coin, not even one a transfer the signer signed (not sent) locks for 600 s."""
    chain = fresh_btc()
    sender, receiver, _ = _btc(chain, 3)
    clock = Clock()
    policy = _approval_policy("btc", (receiver.address,), networks=["regtest"], max_per_tx="100")
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    stale = chain.prepare_transfer(sender, receiver.address, BTC // 2, None, {})
    signer.send(sender, chain, receiver.address, BTC // 2, **stale)
    spent = _locked(signer)
    waiting = signer.transfer(sender, receiver.address, BTC // 2, **stale)
    locked = _inputs(waiting)
    coins = [u for u in stale["utxos"] if f"{u['txid']}:{u['vout']}" in spent | locked]
    prepared = sender.transfer(receiver.address, 60 * BTC, utxos=coins, fee_rate=3)  # needs both coins
    asked = signer.request_transaction(sender, prepared, requester="ops")
    assert not isinstance(asked, wk.SignedTransaction)
    _approve(signer, asked)
    with pytest.raises(wk.errors.BroadcastRejected, match="is unknown or already spent"):
        signer.execute(asked.id, sender, client=chain)
    clock.now += 599
    assert _locked(signer) == spent | locked


def test_a_refused_send_reserves_no_nonce_in_the_clients_own_manager(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    """The store reserves EVM nonces; the client is asked to fill the rest with a placeholder nonce,
    so a request the policy refuses leaves no reservation behind in the client's NonceManager (its
    next nonce would skip one, and a transaction sent through it would wait for ever)."""
    node, sender, receiver = node_and_accounts
    node.fund(sender.address, 10 * ETH)
    signer = Signer(_policy(receiver.address), SQLiteStore(clock=Clock()))
    with pytest.raises(wk.errors.PolicyViolation, match="max_per_tx"):
        signer.send(sender, node, receiver.address, 6 * ETH)  # above max_per_tx = 5
    fields = node.prepare_transfer(sender, receiver.address, 1, None, {})
    assert fields["nonce"] == node.w3.eth.get_transaction_count(sender.address, "pending") == 0


def test_a_token_send_with_its_own_nonce_is_filled_for_the_token(
    node_and_accounts: tuple[Any, wk.Account, wk.Account],
) -> None:
    """A nonce given by the caller: the client fills the rest (gas, fees) for the token call, not
    for a plain transfer of that many wei (21,000 gas would run the ERC-20 call out of gas)."""
    node, sender, receiver = node_and_accounts
    token, policy = _token_and_policy(node, sender, receiver, max_per_tx="500")
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    nonce = node.w3.eth.get_transaction_count(sender.address)
    txid = signer.send(sender, node, receiver.address, 300, token, nonce=nonce)
    receipt = node.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 1 and receipt["gasUsed"] > 21_000
    assert node.balance(receiver.address, token) == 300
