"""The guard's policy matrix, offline with a frozen clock: when approval rules trigger (amount per
asset, new recipient, new contract call, named effect kinds), velocity rules (transactions and new
recipients per window, cooldown), the refusal burst, and malformed approval tables."""

from __future__ import annotations

import itertools
from typing import Any

import nacl.signing
import pytest

import walletkit as wk
from chains.evm.transaction import EvmTransaction
from walletkit.errors import AccountFrozen, InvalidInput, PolicyViolation
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.approvals import ApproverSignature, PendingRequest

WALLET = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
CONTRACT = "0x" + "c0" * 20
ALICE, BOB = nacl.signing.SigningKey(b"\x01" * 32), nacl.signing.SigningKey(b"\x02" * 32)
APPROVERS = {"alice": {"ed25519": ALICE.verify_key.encode().hex()}, "bob": {"ed25519": BOB.verify_key.encode().hex()}}
EVM = {"nonce": 0, "gas": 90_000, "max_fee_per_gas": 10**9, "max_priority_fee_per_gas": 1}
TRON = {"ref_block_bytes": "0000", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
SOL = {"recent_blockhash": "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _signer(chain: str, rules: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> tuple[Signer, Clock]:
    accounts = [_account(chain, i) for i in range(1, 7)]
    spec: dict[str, Any] = {
        "recipients": [a.address for a in accounts] + ([CONTRACT] if chain == "eth" else []),
        "max_per_tx": "1000",
        "approvals": rules,
        **(extra or {}),
    }
    if chain == "eth":
        spec["tokens"] = {USDT: {"decimals": 6, "max_per_tx": "1000000"}}
        spec["calls"] = [{"contract": CONTRACT}]
        spec["allow_unlimited_approvals"] = True
        spec["spenders"] = [a.address for a in accounts]
    if chain == "btc":
        spec["networks"] = ["regtest"]
    clock = Clock()
    policy = Policy.from_dict({"approvers": APPROVERS, "chains": {chain: spec}})
    return Signer(policy, SQLiteStore(clock=clock)), clock


def _fields(chain: str) -> dict[str, Any]:
    if chain in ("eth", "bsc"):
        return dict(EVM)
    if chain == "tron":
        return dict(TRON)
    if chain == "sol":
        return dict(SOL)
    sender = WALLET.account("btc", network="regtest")
    return {"utxos": [_coin(i, _spk(sender)) for i in range(6)], "fee_rate": 1}  # signed spends lock their coins


def _coin(i: int, spk: bytes) -> dict[str, Any]:
    """A 2,000 BTC coin with the transaction that made it (segwit v0 values are proven by it)."""
    from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

    prev = Transaction((TxIn(OutPoint(f"{i:02x}" * 32, 0)),), (TxOut(2_000 * 10**8, spk),), 2, 0)
    return {"txid": prev.txid, "vout": 0, "value": 2_000 * 10**8, "prev_tx": prev.serialize()}


def _spk(account: wk.Account) -> bytes:
    from chains.bitcoin import script

    return script.script_pubkey(account.public_key.data, account.kind)


def _account(chain: str, index: int = 0) -> wk.Account:
    return (
        WALLET.account(chain, index=index, network="regtest") if chain == "btc" else WALLET.account(chain, index=index)
    )


# --- amount thresholds per asset ------------------------------------------------------------------

DECIMALS = {"eth": 18, "tron": 6, "sol": 9, "btc": 8}
AMOUNT_CASES = [
    (chain, mult, delta)
    for chain in DECIMALS
    for mult, delta in itertools.product([1, 2], [-1, 0, 1, 10 ** DECIMALS[chain]])
]


@pytest.mark.parametrize(("chain", "mult", "delta"), AMOUNT_CASES)
def test_above_amount_needs_approval(chain: str, mult: int, delta: int) -> None:
    threshold = mult * 10 ** DECIMALS[chain]
    signer, _ = _signer(
        chain, [{"name": "large", "above": {"native": str(mult)}, "approvers": ["alice", "bob"], "required": 2}]
    )
    sender, to = _account(chain), _account(chain, 1).address
    amount = threshold + delta
    result = signer.request(sender, to, amount, requester="ops", **_fields(chain))
    assert isinstance(result, PendingRequest) == (amount > threshold)
    if isinstance(result, PendingRequest):
        assert result.needs == {"large": 2}
        with pytest.raises(PolicyViolation, match="approval_required"):
            signer.transfer(sender, to, amount, **_fields(chain))


@pytest.mark.parametrize("units", [0, 999_999, 1_000_000, 1_000_001, 50_000_000])
@pytest.mark.parametrize("spelling", [USDT, USDT.lower()])
def test_above_amount_per_token(units: int, spelling: str) -> None:
    signer, _ = _signer("eth", [{"name": "usdt", "above": {spelling: "1"}, "approvers": ["alice"], "required": 1}])
    result = signer.request(_account("eth"), _account("eth", 1).address, units, USDT, requester="ops", **EVM)
    assert isinstance(result, PendingRequest) == (units > 1_000_000)
    # native payments are not judged by a token threshold
    assert not isinstance(
        signer.request(_account("eth"), _account("eth", 1).address, 10**20, requester="o", **EVM), PendingRequest
    )


# --- new recipients, new contracts, named effect kinds --------------------------------------------


@pytest.mark.parametrize("chain", ["eth", "tron", "sol", "btc"])
@pytest.mark.parametrize("index", [1, 2, 3])
def test_new_recipient_needs_approval_once(chain: str, index: int) -> None:
    signer, _ = _signer(chain, [{"name": "new", "new_recipient": True, "approvers": ["alice", "bob"], "required": 1}])
    sender, to = _account(chain), _account(chain, index).address
    pending = signer.request(sender, to, 1000, requester="ops", **_fields(chain))
    assert isinstance(pending, PendingRequest)
    signer.approve(pending.id, ApproverSignature("bob", BOB.sign(bytes.fromhex(pending.digest)).signature))
    signer.execute(pending.id, sender)
    again = signer.request(sender, to, 1000, requester="ops", **_fields(chain))
    assert not isinstance(again, PendingRequest)  # paid before: no approval now
    other = _account(chain, index % 5 + 2).address
    assert isinstance(signer.request(sender, other, 1000, requester="ops", **_fields(chain)), PendingRequest)


@pytest.mark.parametrize("selector", ["a0712d68", "40c10f19", "12345678"])
def test_new_contract_call_needs_approval_once(selector: str) -> None:
    signer, _ = _signer("eth", [{"name": "calls", "new_contract": True, "approvers": ["alice"], "required": 1}])
    sender = _account("eth")
    tx = EvmTransaction(
        1,
        0,
        90_000,
        bytes.fromhex(CONTRACT[2:]),
        0,
        bytes.fromhex(selector) + bytes(32),
        max_fee_per_gas=10**9,
        max_priority_fee_per_gas=1,
    )
    pending = signer.request_transaction(sender, tx, requester="ops")
    assert isinstance(pending, PendingRequest)
    signer.approve(pending.id, ApproverSignature("alice", ALICE.sign(bytes.fromhex(pending.digest)).signature))
    signed = signer.execute(pending.id, sender)
    assert not isinstance(signed, PendingRequest)
    again = EvmTransaction(1, 1, 90_000, tx.to, 0, tx.data, max_fee_per_gas=10**9, max_priority_fee_per_gas=1)
    assert not isinstance(signer.request_transaction(sender, again, requester="ops"), PendingRequest)
    other = EvmTransaction(
        1, 2, 90_000, tx.to, 0, bytes.fromhex("deadbeef"), max_fee_per_gas=10**9, max_priority_fee_per_gas=1
    )
    assert isinstance(signer.request_transaction(sender, other, requester="ops"), PendingRequest)


@pytest.mark.parametrize(
    ("kinds", "approve", "needs"),
    [
        (["approval"], True, True),
        (["approval"], False, False),
        (["transfer"], False, True),
        (["transfer"], True, False),
        (["call"], True, False),
        (["approval", "transfer"], False, True),
        (["approval", "transfer"], True, True),
    ],
)
def test_named_effect_kinds(kinds: list[str], approve: bool, needs: bool) -> None:
    signer, _ = _signer("eth", [{"name": "kinds", "effects": kinds, "approvers": ["alice"], "required": 1}])
    fields = {**EVM, "approve": True} if approve else EVM
    result = signer.request(_account("eth"), _account("eth", 1).address, 5, USDT, requester="ops", **fields)
    assert isinstance(result, PendingRequest) == needs


# --- velocity ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 5])
@pytest.mark.parametrize("chain", ["eth", "sol"])
def test_transactions_per_window(count: int, chain: str) -> None:
    signer, clock = _signer(chain, [], {"velocity": {"transactions": {"count": count, "seconds": 600}}})
    sender, to = _account(chain), _account(chain, 1).address
    for i in range(count):
        signer.transfer(sender, to, 1000 + i, **_fields(chain))
    with pytest.raises(PolicyViolation, match="velocity_transactions"):
        signer.transfer(sender, to, 2000, **_fields(chain))
    clock.now += 601
    signer.transfer(sender, to, 1000, **_fields(chain))


@pytest.mark.parametrize("count", [1, 2, 3])
def test_new_recipients_per_window(count: int) -> None:
    signer, clock = _signer("eth", [], {"velocity": {"new_recipients": {"count": count, "seconds": 3600}}})
    sender = _account("eth")
    for i in range(1, count + 1):
        signer.transfer(sender, _account("eth", i).address, 1, **EVM)
    signer.transfer(sender, _account("eth", 1).address, 1, **EVM)  # a known recipient does not count
    with pytest.raises(PolicyViolation, match="velocity_new_recipients"):
        signer.transfer(sender, _account("eth", count + 1).address, 1, **EVM)
    clock.now += 3601
    signer.transfer(sender, _account("eth", count + 1).address, 1, **EVM)


@pytest.mark.parametrize(
    ("cooldown", "wait", "refused"), [(60, 0, True), (60, 59, True), (60, 60, False), (60, 61, False), (0, 0, False)]
)
def test_cooldown_per_address(cooldown: int, wait: int, refused: bool) -> None:
    signer, clock = _signer("eth", [], {"velocity": {"cooldown": cooldown}})
    sender, to = _account("eth"), _account("eth", 1).address
    signer.transfer(sender, to, 1, **EVM)
    clock.now += wait
    if refused:
        with pytest.raises(PolicyViolation, match="cooldown"):
            signer.transfer(sender, to, 1, **EVM)
        signer.transfer(sender, _account("eth", 2).address, 1, **EVM)  # another address is not cooling down
    else:
        signer.transfer(sender, to, 1, **EVM)


# --- refusal burst ------------------------------------------------------------------------------------


@pytest.mark.parametrize("burst", [1, 3, 5])
def test_refusal_burst_freezes(burst: int) -> None:
    signer, _clock = _signer("eth", [])
    policy = Policy(signer.policy.chains, signer.policy.approvers, type(signer.policy.guard)(refusal_burst=(burst, 60)))
    signer = Signer(policy, signer.store)
    sender, stranger = _account("eth"), "0x" + "12" * 20
    for i in range(burst):
        with pytest.raises(PolicyViolation) as refused:
            signer.transfer(sender, stranger, 1, **EVM)
        assert not isinstance(refused.value, AccountFrozen) and (i < burst - 1 or signer.frozen(sender))
    with pytest.raises(AccountFrozen):
        signer.transfer(sender, _account("eth", 1).address, 1, **EVM)
    other = _account("eth", 3)  # the freeze is per account
    signer.transfer(other, _account("eth", 1).address, 1, **EVM)


def test_refusals_spread_out_do_not_freeze() -> None:
    signer, clock = _signer("eth", [])
    policy = Policy(signer.policy.chains, signer.policy.approvers, type(signer.policy.guard)(refusal_burst=(3, 60)))
    signer = Signer(policy, signer.store)
    for _ in range(10):
        with pytest.raises(PolicyViolation):
            signer.transfer(_account("eth"), "0x" + "12" * 20, 1, **EVM)
        clock.now += 31  # at most two refusals in any 60 s
    assert signer.frozen() == []


# --- malformed approval tables ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"approvers": ["alice"], "required": 2}, "required"),
        ({"approvers": ["alice"], "required": 0}, "required"),
        ({"approvers": ["alice"], "required": True}, "required"),
        ({"approvers": ["zed"], "required": 1}, "unknown approvers"),
        ({"approvers": [], "required": 1}, "approvers"),
        ({"approvers": "alice"}, "approvers"),
        ({"approvers": ["alice"], "expires": 0}, "expires"),
        ({"approvers": ["alice"], "expires": 10**9}, "expires"),
        ({"approvers": ["alice"], "effects": ["teleport"]}, "effects"),
        ({"approvers": ["alice"], "new_recipient": "yes"}, "new_recipient"),
        ({"approvers": ["alice"], "above": {"native": 1.5}}, "whole coins"),
        ({"approvers": ["alice"], "above": {"0x" + "ab" * 20: "1"}}, "tokens first"),
        ({"approvers": ["alice"], "above": ["native"]}, "above"),
    ],
)
def test_malformed_rules_name_the_field(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Policy.from_dict({"approvers": APPROVERS, "chains": {"eth": {"approvals": [rule]}}})


@pytest.mark.parametrize(
    ("approver", "message"),
    [
        ({"ed25519": "00" * 31}, "32 bytes"),
        ({"secp256k1": "02" * 32}, "33 bytes"),
        ({"totp": "yes"}, "totp"),
        ({"ed25519": "zz"}, "hex"),
        ({}, "exactly one"),
        ({"ed25519": "00" * 32, "totp": True}, "exactly one"),
    ],
)
def test_malformed_approvers_name_the_field(approver: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Policy.from_dict({"approvers": {"x": approver}, "chains": {"eth": {}}})
