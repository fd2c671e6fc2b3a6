"""The watcher on TRON behind the local HTTP test node (tests/watch/tron_node.py, a test helper: no TRON node
can run here). Transactions are built and signed by walletkit, checked by the node as a node checks them,
and put in blocks; the watcher reads blocks and transaction infos over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walletkit as wk
from tests.watch.tron_node import TronNode, hex41
from walletkit.watch import TransferEvent, Watcher

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # a TRC-20 contract address; the node keeps its balances
TRC10 = "1002000"


@pytest.fixture
def node() -> Iterator[TronNode]:
    made = TronNode()
    try:
        yield made
    finally:
        made.close()


def send(client: object, account: wk.Account, to: str, amount: int, token: str | None = None) -> str:
    """Fill, sign and broadcast (not waiting: blocks come when the test mines them)."""
    fields = client.prepare_transfer(account, to, amount, token, {})  # type: ignore[attr-defined]
    return str(client.broadcast(account.sign(account.transfer(to, amount, token, **fields))))  # type: ignore[attr-defined]


def facts(events: list[TransferEvent], status: str = "seen") -> list[tuple[str, int, str, str, str | None, str, int]]:
    return [
        (e.txid, e.index, e.direction, e.address, e.counterparty, e.asset, e.amount)
        for e in events
        if e.status == status
    ]


def test_trx_trc10_trc20_in_and_out(node: TronNode) -> None:
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender, *watched = wallet.accounts("tron", count=4)
    node.balances[hex41(sender.address)] = 10**10
    node.assets[(hex41(sender.address), TRC10)] = 10**6
    node.tokens[(hex41(USDT), hex41(sender.address))] = 10**9
    client = wk.connect("tron", node.url)
    watcher = Watcher(confirmations={"tron": 2})
    watcher.add("tron", [a.address for a in watched])
    assert watcher.poll(client) == []
    trx = send(client, sender, watched[0].address, 2_000_000)
    trc10 = send(client, sender, watched[1].address, 700, TRC10)
    trc20 = send(client, sender, watched[2].address, 5_000_000, USDT)
    node.mine()
    events = watcher.poll(client)
    assert facts(events) == [
        (trx, 0, "in", watched[0].address, sender.address, "native", 2_000_000),
        (trc10, 0, "in", watched[1].address, sender.address, TRC10, 700),
        (trc20, 1, "in", watched[2].address, sender.address, USDT, 5_000_000),
    ]
    # Out: TRX and TRC-20 leave a watched account; a TRC-20 transfer past the balance reverts and moves nothing.
    node.balances[hex41(watched[2].address)] = 10**8
    out_trx = send(client, watched[2], sender.address, 1_000)
    out_trc20 = send(client, watched[2], watched[0].address, 4_000_000, USDT)
    node.tokens[(hex41(USDT), hex41(watched[2].address))] = 10**9  # so the client lets a doomed call through
    fields = client.prepare_transfer(watched[2], sender.address, 10**8, USDT, {})
    node.tokens[(hex41(USDT), hex41(watched[2].address))] = 1_000_000
    failed = client.broadcast(watched[2].sign(watched[2].transfer(sender.address, 10**8, USDT, **fields)))
    node.mine()
    events = watcher.poll(client)
    assert node.blocks[-1]["transactions"][-1]["txID"] == failed
    assert facts(events) == [
        (out_trx, 0, "out", watched[2].address, sender.address, "native", 1_000),
        (out_trc20, 1, "out", watched[2].address, watched[0].address, USDT, 4_000_000),
        (out_trc20, 1, "in", watched[0].address, watched[2].address, USDT, 4_000_000),
    ]
    assert sorted(e.txid for e in events if e.status == "confirmed") == sorted([trx, trc10, trc20])
    node.mine()
    assert sorted(facts(watcher.poll(client), "confirmed")) == sorted(facts(events))
