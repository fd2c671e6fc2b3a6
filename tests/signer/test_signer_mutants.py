"""The signer's decision and delivery, pinned line by line (issue 19's surviving signer mutants).

Fees and calldata are computed here by hand or with eth-abi, never by walletkit; time is the
store's injected clock; broadcasts go to anvil.
"""

from __future__ import annotations

import hashlib
import json
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
