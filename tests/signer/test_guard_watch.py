"""The guard fed by the watcher, on real engines: a spend the signer did not sign freezes the account
(every PostgreSQL worker sees it at its next decision); the signer's own payouts freeze nothing.

Solana runs behind tests/watch/solana_rpc.py, a local JSON-RPC endpoint that makes blocks of what
LiteSVM executed (a test helper: no validator can run here).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walletkit as wk
from chains.bitcoin.regtest import RegtestChain
from tests.signer.conftest import fresh_database
from tests.watch.solana_rpc import SolanaRpc
from walletkit.signer import Policy, PostgresStore, Signer, SQLiteStore
from walletkit.watch import Watcher

PHRASE = "zoo " * 11 + "wrong"  # its own accounts: the session's anvil is shared with other tests
ETH = 10**18


def _policy(chain: str, receiver: str, extra: str = "") -> str:
    return f'[chains.{chain}]\n{extra}recipients = ["{receiver}"]\nmax_per_tx = "5"\n'


def _observe(signer: Signer, events: list[Any]) -> list[Any]:
    return [f for f in (signer.observe(e) for e in events) if f is not None]


def test_a_foreign_spend_freezes_every_postgres_worker_within_one_poll(postgres: str, anvil_eth: Any) -> None:
    uri = fresh_database(postgres, f"guard_{secrets.token_hex(4)}")
    sender, receiver = wk.Wallet.from_mnemonic(PHRASE).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 10 * ETH)
    policy_text = _policy("eth", receiver.address)
    store = PostgresStore(uri)
    signer = Signer(Policy.from_toml(policy_text), store)
    watcher = Watcher(store)
    watcher.add("eth", [sender.address])
    watcher.poll(anvil_eth)  # the cursor starts at the head
    worker = str(Path(__file__).with_name("guard_worker.py"))
    workers = [
        subprocess.Popen(
            [sys.executable, worker, uri, policy_text, PHRASE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        assert [w.stdout.readline().strip() for w in workers] == ["ready"] * 4  # type: ignore[union-attr]

        def round_() -> list[str]:
            for w in workers:
                w.stdin.write("go\n")  # type: ignore[union-attr]
                w.stdin.flush()  # type: ignore[union-attr]
            return [w.stdout.readline().strip() for w in workers]  # type: ignore[union-attr]

        assert round_() == ["signed"] * 4
        signer.send(sender, anvil_eth, receiver.address, ETH // 10)  # the signer's own payout...
        assert _observe(signer, watcher.poll(anvil_eth)) == []  # ...is seen and freezes nothing
        assert round_() == ["signed"] * 4
        thief = wk.Account.from_private_key("eth", sender.export_private_key())  # the key, outside walletkit
        stolen = thief.connect(anvil_eth).send("0x" + "66" * 20, 2 * ETH)
        mined = time.monotonic()
        freezes = _observe(signer, watcher.poll(anvil_eth))  # one poll
        frozen_after = time.monotonic() - mined
        assert [f.source for f in freezes] == ["foreign_spend"] and stolen in freezes[0].reason
        assert round_() == ["frozen"] * 4  # every worker, at its next decision
        print(f"\nforeign spend mined -> frozen after one poll: {frozen_after * 1000:.0f} ms", file=sys.stderr)
    finally:
        for w in workers:
            w.stdin.close()  # type: ignore[union-attr]
            w.wait(timeout=60)
    with pytest.raises(wk.errors.AccountFrozen):
        signer.send(sender, anvil_eth, receiver.address, 1)


def test_a_thousand_payouts_trip_nothing(anvil_eth: Any, tmp_path: Path) -> None:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 100 * ETH)
    store = SQLiteStore(tmp_path / "payouts.db")
    policy = Policy.from_toml(
        _policy("eth", receiver.address, 'window = { amount = "50", seconds = 86400 }\n')
        + "[chains.eth.velocity]\ntransactions = { count = 5000, seconds = 3600 }\n[guard]\nrefusal_burst = { count = 3, seconds = 60 }\n"
    )
    signer = Signer(policy, store)
    watcher = Watcher(store)
    watcher.add("eth", [sender.address, receiver.address])
    watcher.poll(anvil_eth)
    client = sender.connect(anvil_eth).client
    seen = 0
    for batch in range(10):
        for _ in range(100):
            signer.send(sender, client, receiver.address, 10**15, wait=False)
        anvil_eth.w3.provider.make_request("evm_mine", [])
        events = watcher.poll(anvil_eth)
        seen += sum(1 for e in events if e.direction == "out" and e.status == "seen")
        assert _observe(signer, events) == [], batch
    while seen < 1000:  # the last payouts land in the next blocks
        anvil_eth.w3.provider.make_request("evm_mine", [])
        events = watcher.poll(anvil_eth)
        seen += sum(1 for e in events if e.direction == "out" and e.status == "seen")
        assert _observe(signer, events) == []
    assert seen == 1000 and signer.frozen() == []
    assert anvil_eth.balance(receiver.address) == 1000 * 10**15


def test_a_foreign_spend_on_regtest_freezes(tmp_path: Path) -> None:
    sender, receiver = (
        wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", index=i, network="regtest") for i in range(2)
    )
    with RegtestChain() as chain:
        store = SQLiteStore(tmp_path / "btc.db")
        signer = Signer(Policy.from_toml(_policy("btc", receiver.address, 'networks = ["regtest"]\n')), store)
        watcher = Watcher(store)
        watcher.add("btc", [sender.address], network="regtest")
        watcher.poll(chain)
        chain.mine(3, to=sender.address)
        chain.mine(100)
        assert _observe(signer, watcher.poll(chain)) == []  # coinbase coins arrive: "in" events
        signer.send(sender, chain, receiver.address, 10**8)  # the signer's own spend
        assert _observe(signer, watcher.poll(chain)) == []
        fields = chain.prepare_transfer(sender, receiver.address, 10**8, None, {})
        chain.broadcast(sender.sign(sender.transfer(receiver.address, 10**8, **fields)))  # outside the signer
        freezes = _observe(signer, watcher.poll(chain))
        assert [f.source for f in freezes] == ["foreign_spend"]
        with pytest.raises(wk.errors.AccountFrozen):
            signer.transfer(
                sender, receiver.address, 10**8, **chain.prepare_transfer(sender, receiver.address, 10**8, None, {})
            )


@pytest.fixture
def rpc() -> Iterator[SolanaRpc]:
    made = SolanaRpc()
    try:
        yield made
    finally:
        made.close()


def test_a_foreign_spend_on_litesvm_freezes(rpc: SolanaRpc, tmp_path: Path) -> None:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=2)
    rpc.engine.airdrop(sender.address, 10 * 10**9)
    client = wk.connect("sol", rpc.url)
    store = SQLiteStore(tmp_path / "sol.db")
    signer = Signer(Policy.from_toml(_policy("sol", receiver.address)), store)
    watcher = Watcher(store, confirmations={"sol": 1})
    watcher.add("sol", [sender.address])
    watcher.poll(client)
    signer.send(sender, client, receiver.address, 10**9, wait=False)
    rpc.mine()
    assert _observe(signer, watcher.poll(client)) == []  # the signer's own payout
    thief = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("sol").address
    fields = client.prepare_transfer(sender, thief, 10**9, None, {})  # type: ignore[attr-defined]
    client.broadcast(sender.sign(sender.transfer(thief, 10**9, **fields)))  # signed outside the signer
    rpc.mine()
    freezes = _observe(signer, watcher.poll(client))
    assert [f.source for f in freezes] == ["foreign_spend"]
    with pytest.raises(wk.errors.AccountFrozen):
        signer.transfer(sender, receiver.address, 1, recent_blockhash=rpc.engine.latest_blockhash())
