"""Bitcoin transfers from an account: coin selection, change, dust, fee caps, networks; signed bytes verified by the kernel."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.bitcoin import kernel
from chains.bitcoin.coinselect import dust_threshold

WALLET = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
TO = WALLET.account("btc", index=9, network="regtest").address


def _utxos(values: list[int]) -> list[dict[str, object]]:
    return [{"txid": os.urandom(32).hex(), "vout": i, "value": v} for i, v in enumerate(values)]


@pytest.mark.parametrize("kind", ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"])
def test_transfer_of_each_kind_pays_the_asked_rate(kind: str) -> None:
    account = WALLET.account("btc", kind=kind, network="regtest")
    transfer = account.transfer(TO, 150_000, utxos=_utxos([100_000, 90_000, 20_000]), fee_rate=7.5)
    signed = account.sign(transfer)
    tx = signed.extra["tx"]
    assert kernel.verify_all(tx, list(transfer.spent))  # type: ignore[attr-defined]
    rate = transfer.fee / tx.vsize  # type: ignore[attr-defined]
    assert 7.5 <= rate * 1.01 and rate <= 7.5 * 1.01
    assert signed.txid == tx.txid and signed.raw == tx.serialize()
    change = tx.outputs[transfer.change_output]  # type: ignore[attr-defined]
    assert change.script_pubkey == _spk(account.sibling(change=1, index=0))
    assert all(i.sequence == 0xFFFFFFFD for i in tx.inputs)  # RBF signalled


def _spk(account: wk.Account) -> bytes:
    from chains.bitcoin.address import decode

    return decode(account.address).script_pubkey


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1_000, 5 * 10**8), min_size=1, max_size=12), st.integers(546, 10**9), st.floats(1, 300))
def test_selection_never_overspends_or_leaves_dust(values: list[int], amount: int, rate: float) -> None:
    account = WALLET.account("btc", network="regtest")
    try:
        transfer = account.transfer(TO, amount, utxos=_utxos(values), fee_rate=rate)
    except wk.errors.InsufficientFunds as e:
        assert e.needed > e.available or e.available == sum(values)
        return
    tx = transfer.tx  # type: ignore[attr-defined]
    inputs = sum(o.value for o in transfer.spent)  # type: ignore[attr-defined]
    outputs = sum(o.value for o in tx.outputs)
    assert inputs - outputs == transfer.fee > 0  # type: ignore[attr-defined]
    assert transfer.fee <= 10_000_000  # type: ignore[attr-defined]
    assert all(o.value >= dust_threshold(o.script_pubkey) for o in tx.outputs)
    assert transfer.fee >= int(rate * transfer.estimated_vsize) - 1  # type: ignore[attr-defined]


def test_changeless_exact_match_by_branch_and_bound() -> None:
    account = WALLET.account("btc", network="regtest")
    transfer = account.transfer(TO, 99_000, utxos=_utxos([40_000, 99_000 + 110 * 2 + 100, 60_000]), fee_rate=2)
    assert transfer.change_output is None and len(transfer.tx.inputs) == 1  # type: ignore[attr-defined]


def test_several_recipients_and_op_return() -> None:
    account = WALLET.account("btc", network="regtest")
    other = WALLET.account("btc", index=10, kind="p2tr", network="regtest").address
    transfer = account.transfer(
        TO, 10_000, utxos=_utxos([500_000]), fee_rate=3, outputs=[(other, 20_000)], data="hello"
    )
    tx = transfer.tx  # type: ignore[attr-defined]
    assert [o.value for o in tx.outputs[:3]] == [10_000, 20_000, 0]
    assert tx.outputs[2].script_pubkey == b"\x6a\x05hello"
    assert kernel.verify_all(account.sign(transfer).extra["tx"], list(transfer.spent))  # type: ignore[arg-type,attr-defined]


def test_errors() -> None:
    account = WALLET.account("btc", network="regtest")
    with pytest.raises(wk.errors.InsufficientFunds, match=r"need \d+ sat, have 10000 sat"):
        account.transfer(TO, 50_000, utxos=_utxos([10_000]), fee_rate=1)
    with pytest.raises(wk.errors.DustOutput, match="below the dust threshold of 294"):
        account.transfer(TO, 100, utxos=_utxos([10_000]), fee_rate=1)
    with pytest.raises(wk.errors.FeeTooHigh, match="above the cap of 10000 sat/vB"):
        account.transfer(TO, 10_000, utxos=_utxos([10**8]), fee_rate=20_000)
    with pytest.raises(wk.errors.FeeTooHigh, match=r"fee \d+ sat is above the cap of 100000 sat"):
        account.transfer(TO, 10_000, utxos=_utxos([10**9]), fee_rate=1_000, max_fee=100_000)
    with pytest.raises(wk.errors.WrongNetwork, match="not a regtest address"):
        account.transfer(WALLET.account("btc").address, 10_000, utxos=_utxos([10**6]), fee_rate=1)
    with pytest.raises(wk.errors.InvalidTransaction, match="fee_rate"):
        account.transfer(TO, 10_000, utxos=_utxos([10**6]))
    with pytest.raises(wk.errors.InvalidAmount):
        account.transfer(TO, 0.001, utxos=_utxos([10**6]), fee_rate=1)  # type: ignore[arg-type]
