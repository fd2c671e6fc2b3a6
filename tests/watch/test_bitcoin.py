"""The watcher on a regtest chain whose blocks libbitcoinkernel validates: deposits to all four address kinds and a
spend, a reorg by a longer competing chain, and an xpub whose gap limit finds address 25 once address 5 is used.

Expected values come from the transactions the test signs (their txids and outputs), never from the watcher.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import walletkit as wk
from chains.bitcoin.regtest import RegtestChain
from chains.bitcoin.tx import Transaction
from walletkit.hd.bip32 import HDNode
from walletkit.signer.store import SQLiteStore
from walletkit.watch import TransferEvent, Watcher

PHRASE = "abandon " * 11 + "about"
KINDS = ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[RegtestChain, wk.Account]]:
    funder = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    with RegtestChain() as regtest:
        regtest.mine(120, to=funder.address)  # 20 mature coinbase coins
        yield regtest, funder


def pay(regtest: RegtestChain, funder: wk.Account, outputs: list[tuple[str, int]]) -> Transaction:
    """Sign a payment from one mature funder coin (not broadcast)."""
    coin = next(c for c in regtest.utxos(funder.address) if c.output.value >= 10**8)
    utxo = {"txid": coin.outpoint.txid, "vout": coin.outpoint.vout, "value": coin.output.value}
    (to, amount), rest = outputs[0], outputs[1:]
    signed = funder.sign(funder.transfer(to, amount, utxos=[utxo], fee_rate=2, outputs=rest))
    regtest.coins.pop(coin.outpoint)  # held for this payment: the next one takes another coin
    return Transaction.parse(signed.raw)


def facts(events: list[TransferEvent], status: str = "seen") -> set[tuple[str, int, str, str, int]]:
    return {(e.txid, e.index, e.direction, e.address, e.amount) for e in events if e.status == status}


def test_deposits_to_every_kind_and_a_spend(chain: tuple[RegtestChain, wk.Account]) -> None:
    regtest, funder = chain
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    accounts = {kind: wallet.account("btc", kind=kind, network="regtest") for kind in KINDS}
    change = accounts["p2wpkh"].sibling(change=1, index=0)
    watcher = Watcher(confirmations={"btc": 2})
    watcher.add("btc", [a.address for a in accounts.values()] + [change.address], network="regtest")
    assert watcher.poll(regtest) == []
    deposits = {}
    for k, (kind, account) in enumerate(accounts.items()):
        tx = pay(regtest, funder, [(account.address, 100_000 * (k + 1))])
        regtest.mine(1, txs=[tx])
        deposits[kind] = tx
    events = watcher.poll(regtest)
    expected = {
        (deposits[kind].txid, 0, "in", accounts[kind].address, 100_000 * (k + 1)) for k, kind in enumerate(KINDS)
    }
    assert facts(events) == expected
    assert {e.counterparty for e in events} == {None}
    # The p2wpkh account spends its coin: one "out" for the coin, one "in" for its change.
    spender = accounts["p2wpkh"]
    external = funder.address  # not watched
    spend = spender.connect(regtest).send(external, 30_000)
    events = watcher.poll(regtest)
    spent = regtest.confirmed[spend]
    assert spent == regtest.height
    change_value = regtest.balance(change.address)
    out = [e for e in events if e.direction == "out"]
    assert [(e.txid, e.index, e.address, e.amount, e.counterparty) for e in out] == [
        (spend, 0, spender.address, 300_000, external)
    ]
    assert facts(events) == {
        (spend, 0, "out", spender.address, 300_000),
        (spend, 1, "in", change.address, change_value),
    }
    regtest.mine(1)
    confirmed = watcher.poll(regtest)
    assert facts(confirmed, "confirmed") == facts(events)
    assert all(e.confirmations == 2 for e in confirmed)


def test_reorg_by_a_longer_competing_chain(chain: tuple[RegtestChain, wk.Account]) -> None:
    regtest, funder = chain
    target = wk.Wallet.from_mnemonic(PHRASE).account("btc", index=7, network="regtest").address
    watcher = Watcher(confirmations={"btc": 6})
    watcher.add("btc", [target], network="regtest")
    watcher.poll(regtest)
    first = pay(regtest, funder, [(target, 70_000)])
    regtest.mine(1, txs=[first])
    regtest.mine(1)
    orphan_hash = regtest.block_hash(regtest.height - 1)
    seen = watcher.poll(regtest)
    assert facts(seen) == {(first.txid, 0, "in", target, 70_000)}
    assert seen[0].block_hash == orphan_hash
    replacement = pay(regtest, funder, [(target, 80_000)])
    new_hashes = regtest.reorg(depth=2, blocks=3, txs=[replacement])
    assert regtest.block_hash(regtest.height) == new_hashes[-1] and orphan_hash not in new_hashes
    events = watcher.poll(regtest)
    reverted = [e for e in events if e.status == "reverted"]
    assert [(e.txid, e.block_hash, e.key) for e in reverted] == [(first.txid, orphan_hash, seen[0].key)]
    assert facts(events) == {(replacement.txid, 0, "in", target, 80_000)}
    assert events.index(reverted[0]) == 0
    assert first.txid not in regtest.confirmed


def _vpub(phrase: str) -> str:
    """The account-level extended public key of BIP84 on test networks (m/84'/1'/0'), as wallets export it."""
    node = HDNode.from_seed(wk.bip39.Mnemonic.parse(phrase).to_seed(""))
    return node.derive("m/84'/1'/0'").to_xpub("v")


def test_xpub_gap_limit_finds_address_25_once_5_is_used(chain: tuple[RegtestChain, wk.Account], tmp_path: Path) -> None:
    regtest, funder = chain
    phrase = wk.generate_mnemonic()
    keys = wk.Wallet.from_mnemonic(phrase)
    receive = [a.address for a in keys.accounts("btc", count=60, network="regtest")]
    vpub = _vpub(phrase)
    store = SQLiteStore(tmp_path / "watch.db")
    watcher = Watcher(store, confirmations={"btc": 1})
    watched = watcher.add_xpub("btc", vpub, gap_limit=20, network="regtest")
    assert (
        set(receive[:20]) <= set(watched) and receive[20] not in watched and len(watched) == 40
    )  # 0..19 on both branches
    watcher.poll(regtest)
    tx = pay(regtest, funder, [(receive[5], 50_000), (receive[25], 60_000), (receive[46], 70_000)])
    regtest.mine(1, txs=[tx])
    events = watcher.poll(regtest)
    # 5 moves the window to 0..25, which finds 25 in the same block; 25 moves it to 0..45: 46 stays unseen.
    assert facts(events) == {(tx.txid, 0, "in", receive[5], 50_000), (tx.txid, 1, "in", receive[25], 60_000)}
    assert receive[45] in watcher.watch_set("btc", "regtest") and receive[46] not in watcher.watch_set("btc", "regtest")
    # A restart on the same store resumes the window.
    again = Watcher(SQLiteStore(tmp_path / "watch.db"), confirmations={"btc": 1})
    assert len(again.add_xpub("btc", vpub, gap_limit=20, network="regtest")) == 46 + 20
    assert again.poll(regtest) == []
