"""The watcher: per-block cost against the size of the watch set, xpub derivation on every core, events per second.

- An anvil block of 200 transfers (100 ETH, 100 ERC-20) scanned by ``chains.evm.watch`` while
  watching 10 and 100,000 addresses: the issue's bound is at most 1.5x apart, with the same
  number of RPC calls per block (printed). The limit row is the two RPC calls alone.
- 100,000 deposit addresses derived from an xpub in one process and in one per core (the
  issue's bound: at least 1.6x faster on 2 cores); ``WALLETKIT_BENCH_LONG=1`` also does 10^6.
- Events per second: ``Watcher.poll`` recording 1,000 deposits (each seen and confirmed) from
  anvil into an SQLite store, then ``Outbox.deliver`` handing them to a callback.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from bench.common import Impl, Row, row, timed_rows
from chains.evm.anvil import ANVIL_MNEMONIC, AnvilEngine
from chains.evm.contracts import test_token_artifact
from chains.evm.transaction import EvmTransaction
from chains.evm.watch import TOPICS
from walletkit.account import Account
from walletkit.testing import start_engine
from walletkit.wallet import Wallet
from walletkit.watch import Outbox, Watcher, WatchSet, derive_addresses

XPUB = (  # BIP32 test vector 1, m/0H: any account-level key serves
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"
)
GWEI = 10**9


class _Anvil:
    """anvil with automine off; transactions signed here with explicit nonces."""

    def __init__(self, engine: AnvilEngine) -> None:
        self.engine = engine
        self.request = engine.w3.provider.make_request
        self.request("evm_setAutomine", [False])  # type: ignore[arg-type]
        self.request("evm_setIntervalMining", [0])  # type: ignore[arg-type]
        self.funders = Wallet.from_mnemonic(ANVIL_MNEMONIC).accounts("eth", 10)
        self.nonces = {a.address: 0 for a in self.funders}

    def send(self, account: Account, to: str, value: int = 0, token: str | None = None, data: bytes = b"") -> str:
        fields: dict[str, Any] = {
            "nonce": self.nonces[account.address],
            "gas": 21_000 if token is None and not data else 3_000_000,
            "max_fee_per_gas": 50 * GWEI,
            "max_priority_fee_per_gas": GWEI,
        }
        self.nonces[account.address] += 1
        if data:
            tx = EvmTransaction(chain_id=1, nonce=fields["nonce"], gas=fields["gas"], to=None, data=data, tx_type=2,
                                max_fee_per_gas=fields["max_fee_per_gas"], max_priority_fee_per_gas=GWEI)  # fmt: skip
            signed = account.sign(tx)
        else:
            signed = account.sign(account.transfer(to, value, token, **fields))
        self.request("eth_sendRawTransaction", ["0x" + signed.raw.hex()])  # type: ignore[arg-type]
        return signed.txid

    def mine(self) -> int:
        self.request("anvil_mine", ["0x1"])  # type: ignore[arg-type]
        return int(self.request("eth_blockNumber", [])["result"], 16)  # type: ignore[arg-type]

    def token(self) -> str:
        from eth_abi.abi import encode as abi_encode

        code = bytes.fromhex(test_token_artifact()["bytecode"][2:])
        txid = self.send(
            self.funders[0], "", data=code + abi_encode(["string", "string", "uint256"], ["T", "T", 10**30])
        )
        self.mine()
        receipt = self.request("eth_getTransactionReceipt", [txid])["result"]  # type: ignore[arg-type]
        return str(receipt["contractAddress"])

    def block_of(self, recipients: list[str], token: str, per_kind: int = 100) -> int:
        """Mine one block of ``per_kind`` ETH and ``per_kind`` token transfers to ``recipients`` (in turn)."""
        for i in range(per_kind):
            sender = self.funders[i % len(self.funders)]
            self.send(sender, recipients[i % len(recipients)], 10**12 + i)
            self.send(sender, recipients[(i + 1) % len(recipients)], i + 1, token=token)
        return self.mine()


def _block_rows(lab: _Anvil, quick: bool) -> list[Row]:
    workload = "scan an anvil block of 200 transfers"
    token = lab.token()
    recipients = [f"0x{os.urandom(20).hex()}" for _ in range(50)]
    height = lab.block_of(recipients, token)
    small, large = WatchSet("eth", "mainnet"), WatchSet("eth", "mainnet")
    from walletkit.registry import get_chain

    checksum = get_chain("eth").validate_address
    small.add(checksum(a) for a in recipients[:10])
    large.add(checksum(f"0x{os.urandom(20).hex()}") for _ in range(100_000 - 10))
    large.add(checksum(a) for a in recipients[:10])
    watcher = Watcher()
    scanner = watcher.scanner(lab.engine)
    found = {name: scanner.scan(height, ws) for name, ws in (("10", small), ("100,000", large))}
    calls = {name: block.calls for name, block in found.items() if block is not None}
    transfers = {name: len(block.transfers) for name, block in found.items() if block is not None}
    print(f"  RPC calls per block: {calls}; transfers found: {transfers}", file=sys.stderr)
    block_hash = found["10"].hash if found["10"] is not None else ""
    request = lab.engine.w3.provider.make_request

    def raw_calls() -> object:
        request("eth_getBlockByNumber", [hex(height), True])  # type: ignore[arg-type]
        return request("eth_getLogs", [{"blockHash": block_hash, "topics": TOPICS}])  # type: ignore[arg-type]

    impls: list[Impl] = [
        ("walletkit watching 10 addresses", "walletkit", lambda: scanner.scan(height, small), 1),
        ("walletkit watching 100,000 addresses", "walletkit", lambda: scanner.scan(height, large), 1),
        ("the two RPC calls alone (limit)", "limit", raw_calls, 1),
    ]
    rows = timed_rows(workload, impls, quick)
    speeds = [r["ops_per_s"] for r in rows]
    print(f"  10 vs 100,000 watched: {speeds[0] / speeds[1]:.2f}x apart (bound: 1.5x)", file=sys.stderr)
    return rows


def _derive_rows(quick: bool) -> list[Row]:
    rows: list[Row] = []
    counts = [10_000 if quick else 100_000]
    if os.environ.get("WALLETKIT_BENCH_LONG"):
        counts.append(1_000_000)
    cores = os.cpu_count() or 1
    for count in counts:
        workload = f"derive {count:,} deposit addresses from an xpub"
        speeds = {}
        for workers in (1, cores):
            best = 0.0
            for _ in range(1 if count > 100_000 else 2):
                t0 = time.perf_counter()
                addresses = derive_addresses("btc", XPUB, 0, count, workers=workers)
                best = max(best, count / (time.perf_counter() - t0))
            assert len(addresses) == count
            speeds[workers] = best
            rows.append(row(workload, f"walletkit {workers} process{'es' if workers > 1 else ''}", "walletkit", best))
        print(f"  {workload}: {speeds[cores] / speeds[1]:.2f}x faster on {cores} cores (bound: 1.6x)", file=sys.stderr)
    return rows


def _event_rows(lab: _Anvil, quick: bool) -> list[Row]:
    token = lab.token()
    targets = Wallet.from_mnemonic(ANVIL_MNEMONIC).accounts("eth", 500, start=100)
    addresses = [a.address for a in targets]
    start = lab.mine() + 1
    blocks = 1 if quick else 5
    for _ in range(blocks):
        lab.block_of(addresses, token)
    watcher = Watcher(confirmations={"eth": 1})
    watcher.add("eth", addresses)
    t0 = time.perf_counter()
    events = watcher.poll(lab.engine, start=start)
    recorded = len(events) / (time.perf_counter() - t0)
    delivered: list[object] = []
    t0 = time.perf_counter()
    report = Outbox(watcher.store).deliver(delivered.append, limit=10**6, batch=100)
    handed = report.delivered / (time.perf_counter() - t0)
    print(
        f"  {len(events)} events from {blocks} blocks of 200 transfers; {report.delivered} delivered", file=sys.stderr
    )
    workload = "watch events from anvil (SQLite in memory)"
    return [
        row(workload, "walletkit Watcher.poll: events recorded", "walletkit", recorded),
        row(workload, "walletkit Outbox.deliver: events handed over", "walletkit", handed),
    ]


def run(quick: bool) -> list[Row]:
    """Measure block scanning against the watch set's size, xpub derivation per core, and events per second."""
    rows = _derive_rows(quick)
    with start_engine("eth") as engine:
        lab = _Anvil(engine)
        rows += _block_rows(lab, quick)
        rows += _event_rows(lab, quick)
    return rows
