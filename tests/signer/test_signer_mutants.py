"""The signer's decision and delivery, pinned line by line (issue 19's surviving signer mutants).

Fees and calldata are computed here by hand or with eth-abi, never by walletkit; time is the
store's injected clock; broadcasts go to anvil.
"""

from __future__ import annotations

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
    with pytest.raises(wk.errors.BroadcastRejected, match=r"(?i)gas"):
        signer.send(sender, node, receiver.address, ETH, idempotency_key="order-1", gas=20_000)
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
