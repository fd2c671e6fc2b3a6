"""End to end on a regtest chain whose every block libbitcoinkernel validates, through the account API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import walletkit as wk
from chains.bitcoin.tx import Transaction
from walletkit.testing import start_engine

KINDS = ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"]
BTC = 10**8


@pytest.fixture(scope="module")
def funded() -> Iterator[tuple[Any, dict[str, wk.Account]]]:
    # A chain of its own: on the session's shared one, the subsidy these sends need (4 BTC and
    # fees) depends on how many blocks other tests mined first (it halves every 150 blocks).
    with start_engine("btc") as chain:
        wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
        accounts = {kind: wallet.account("btc", kind=kind, network="regtest") for kind in KINDS}
        for account in accounts.values():
            chain.mine(1, to=account.address)
        chain.mine(100)  # coinbase maturity
        yield chain, accounts


@pytest.mark.parametrize("kind", KINDS)
def test_send_from_each_kind(funded: tuple[Any, dict[str, wk.Account]], kind: str) -> None:
    chain, accounts = funded
    sender = accounts[kind]
    receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", kind="p2tr", network="regtest")
    height = chain.height
    txid = sender.connect(chain).send(receiver.address, 3 * BTC)
    assert chain.wait(txid) == height + 1 == chain.height  # connected in a block the kernel accepted
    assert chain.balance(receiver.address) == 3 * BTC
    # The change came back to the account's change address; a second send spends it.
    txid2 = sender.connect(chain).send(receiver.address, BTC, fee_rate=5)
    assert chain.balance(receiver.address) == 4 * BTC and chain.wait(txid2) == chain.height


def test_double_spend_is_refused(funded: tuple[Any, dict[str, wk.Account]]) -> None:
    chain, accounts = funded
    sender = accounts["p2wpkh"]
    target = accounts["p2tr"].address
    fields = chain.prepare_transfer(sender, target, BTC, None, {})
    first = sender.sign(sender.transfer(target, BTC, **fields))
    second = sender.sign(sender.transfer(target, 2 * BTC, **fields))  # the same coins
    chain.broadcast(first)
    with pytest.raises(wk.errors.BroadcastRejected, match="unknown or already spent"):
        chain.broadcast(second)


def test_immature_coinbase_is_refused(funded: tuple[Any, dict[str, wk.Account]]) -> None:
    chain, _ = funded
    fresh = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    chain.mine(1, to=fresh.address)
    coin = chain.utxos(fresh.address, mature_only=False)[0]
    utxo = {"txid": coin.outpoint.txid, "vout": coin.outpoint.vout, "value": coin.output.value}
    signed = fresh.sign(fresh.transfer(fresh.address, BTC, utxos=[utxo], fee_rate=2))
    with pytest.raises(wk.errors.BroadcastRejected, match="immature until block"):
        chain.broadcast(signed)
    with pytest.raises(wk.errors.InsufficientFunds):
        fresh.connect(chain).send(fresh.address, BTC)  # nothing mature to spend


def test_kernel_refuses_a_block_with_a_bad_signature(funded: tuple[Any, dict[str, wk.Account]]) -> None:
    chain, accounts = funded
    sender = accounts["p2wpkh"]
    fields = chain.prepare_transfer(sender, sender.address, BTC, None, {})
    tx: Transaction = sender.sign(sender.transfer(sender.address, BTC, **fields)).extra["tx"]  # type: ignore[assignment]
    signature = bytearray(tx.inputs[0].witness[0])
    signature[8] ^= 1
    forged = tx.with_input(0, witness=(bytes(signature), tx.inputs[0].witness[1]))
    height = chain.height
    with pytest.raises(wk.errors.BroadcastRejected, match="libbitcoinkernel refused block"):
        chain.mine(1, txs=[forged])  # straight to the kernel, past the engine's own checks
    assert chain.height == height


def test_subsidy_halves_every_150_blocks(funded: tuple[Any, dict[str, wk.Account]]) -> None:
    chain, _ = funded
    assert chain.subsidy(149) == 50 * BTC and chain.subsidy(150) == 25 * BTC
