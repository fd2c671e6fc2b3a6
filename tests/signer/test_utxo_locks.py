"""Bitcoin through the signer on the kernel regtest chain: two requests never pick the same coin; a
broadcast spend's coins stay locked past the time limit, a refused spend's are released. Time is the
store's injected clock, moved by the test: no sleep stands in for it."""

from __future__ import annotations

from typing import Any

import pytest

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore

BTC = 10**8


class Clock:
    """The store's clock, set by the test (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _setup(chain: Any, coins: int) -> tuple[wk.Account, wk.Account, Policy]:
    """A sender with ``coins`` mature coinbase coins, a receiver, and a policy allowing it up to 40 BTC."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender = wallet.account("btc", network="regtest")
    receiver = wallet.account("btc", index=5, network="regtest")
    for _ in range(coins):
        chain.mine(1, to=sender.address)
    chain.mine(100)
    policy = Policy.from_dict(
        {"chains": {"btc": {"networks": ["regtest"], "recipients": [receiver.address], "max_per_tx": "40"}}}
    )
    return sender, receiver, policy


def _locked(signer: Signer) -> set[str]:
    with signer.store.decision() as db:
        return signer.store.locked_outpoints_in(db, "btc")


def test_concurrent_requests_use_different_coins(wk_engine: Any) -> None:
    chain = wk_engine("btc")
    sender, receiver, policy = _setup(chain, 3)
    signer = Signer(policy, SQLiteStore())
    fields = chain.prepare_transfer(sender, receiver.address, 10 * BTC, None, {})  # both see the same coins
    first = signer.transfer(sender, receiver.address, 10 * BTC, **fields)
    second = signer.transfer(sender, receiver.address, 10 * BTC, **fields)
    inputs = [{(i.prevout.txid, i.prevout.vout) for i in s.extra["tx"].inputs} for s in (first, second)]
    assert not inputs[0] & inputs[1]  # the first request's coins were locked for the second
    chain.broadcast(first)
    chain.broadcast(second)  # no double spend: both are mined
    assert chain.balance(receiver.address) == 20 * BTC
    third = signer.transfer(sender, receiver.address, 10 * BTC, **fields)  # only the third coin is left
    assert {(i.prevout.txid, i.prevout.vout) for i in third.extra["tx"].inputs}.isdisjoint(inputs[0] | inputs[1])


def test_broadcast_spends_stay_locked_and_refused_ones_are_released(wk_engine: Any) -> None:
    chain = wk_engine("btc")
    sender, receiver, policy = _setup(chain, 2)
    clock = Clock()
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    stale = chain.prepare_transfer(sender, receiver.address, 10 * BTC, None, {})  # a UTXO list that will go stale
    coins = [f"{u['txid']}:{u['vout']}" for u in stale["utxos"]]
    txid = signer.send(sender, chain, receiver.address, 10 * BTC, **stale)
    spent = _locked(signer)
    assert len(spent) == 1 and spent < set(coins)
    clock.now += 601  # past the lock's time limit: a broadcast spend is held all the same
    assert _locked(signer) == spent
    again = signer.transfer(sender, receiver.address, 10 * BTC, **stale)  # the stale list still has the spent coin
    assert {f"{i.prevout.txid}:{i.prevout.vout}" for i in again.extra["tx"].inputs}.isdisjoint(spent)
    assert chain.broadcast(again) == again.txid and chain.confirmed.get(txid)

    # A spend the network refuses gives its coins back at once (here: a coin already spent).
    gone = [u for u in stale["utxos"] if f"{u['txid']}:{u['vout']}" in spent]
    fresh = Signer(policy, SQLiteStore())
    with pytest.raises(wk.errors.BroadcastRejected, match=r"spent|missing"):
        fresh.send(sender, chain, receiver.address, BTC, utxos=gone, fee_rate=2)
    assert _locked(fresh) == set()


def test_a_replayed_broadcast_holds_its_coins(wk_engine: Any) -> None:
    # Signed before a crash, sent on the retry: the retry's broadcast holds the coins too.
    chain = wk_engine("btc")
    sender, receiver, policy = _setup(chain, 1)
    clock = Clock()
    signer = Signer(policy, SQLiteStore(clock=clock), utxo_lock_seconds=600)
    fields = chain.prepare_transfer(sender, receiver.address, BTC, None, {})
    signed = signer.transfer(sender, receiver.address, BTC, idempotency_key="pay-7", **fields)
    coins = {f"{i.prevout.txid}:{i.prevout.vout}" for i in signed.extra["tx"].inputs}
    clock.now += 599
    assert _locked(signer) == coins  # signed, not yet sent: locked for the lock's time
    clock.now += 2
    assert _locked(signer) == set()  # signed, never sent: the time limit freed the coin
    assert signer.send(sender, chain, receiver.address, BTC, idempotency_key="pay-7", **fields) == signed.txid
    clock.now += 10**9  # decades later: a broadcast spend is held all the same
    assert _locked(signer) == coins
