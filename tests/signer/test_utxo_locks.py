"""Bitcoin through the signer on the kernel regtest chain: two requests never pick the same coin."""

from __future__ import annotations

from typing import Any

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore

BTC = 10**8


def test_concurrent_requests_use_different_coins(wk_engine: Any) -> None:
    chain = wk_engine("btc")
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender = wallet.account("btc", network="regtest")
    receiver = wallet.account("btc", index=5, network="regtest")
    for _ in range(3):
        chain.mine(1, to=sender.address)
    chain.mine(100)
    policy = Policy.from_dict(
        {"chains": {"btc": {"networks": ["regtest"], "recipients": [receiver.address], "max_per_tx": "40"}}}
    )
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
