"""The watcher's tables, kept in the signer's store (SQLite embedded, PostgreSQL for many workers).

Tables (all keyed by chain and network):

- ``watch_cursors``: the last height recorded;
- ``watch_blocks``: the hashes of recent blocks (reorgs are found by comparing them);
- ``watch_transfers``: one row per transfer per block, with its state;
- ``watch_outbox``: one row per event per consumer, with its delivery state
  (``pending``, ``done``, ``dead``), attempts and the time of its next try;
- ``watch_coins``: Bitcoin outputs seen arriving at watched scripts, and their spend;
- ``watch_xpubs``: per extended key and branch, the highest address index used.

Everything is written through the store's public ``transaction()`` and ``run()``, so the
same SQL (``?`` placeholders) runs on both backends.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

Clock = Callable[[], float]


class Store(Protocol):
    """What the watcher needs of a store (``walletkit.signer.store.SQLiteStore`` or ``PostgresStore``)."""

    kind: str
    clock: Clock

    def transaction(self) -> AbstractContextManager[Any]:
        """Return a context manager holding one write transaction; yields a connection."""
        ...

    def run(self, db: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """Execute one ``?``-placeholder statement inside :meth:`transaction`; return the cursor."""
        ...


_TABLES = (
    "CREATE TABLE IF NOT EXISTS watch_cursors (chain TEXT NOT NULL, network TEXT NOT NULL, height BIGINT NOT NULL,"
    " PRIMARY KEY (chain, network))",
    "CREATE TABLE IF NOT EXISTS watch_blocks (chain TEXT NOT NULL, network TEXT NOT NULL, height BIGINT NOT NULL,"
    " hash TEXT NOT NULL, PRIMARY KEY (chain, network, height))",
    "CREATE TABLE IF NOT EXISTS watch_transfers (key TEXT NOT NULL, block_hash TEXT NOT NULL, chain TEXT NOT NULL,"
    " network TEXT NOT NULL, height BIGINT NOT NULL, status TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0,"
    " data TEXT NOT NULL, PRIMARY KEY (key, block_hash))",
    "CREATE TABLE IF NOT EXISTS watch_outbox (seq {serial} PRIMARY KEY, consumer TEXT NOT NULL, id TEXT NOT NULL,"
    " event TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at DOUBLE PRECISION NOT NULL, created DOUBLE PRECISION NOT NULL, error TEXT, UNIQUE (consumer, id))",
    "CREATE TABLE IF NOT EXISTS watch_coins (chain TEXT NOT NULL, network TEXT NOT NULL, outpoint TEXT NOT NULL,"
    " address TEXT NOT NULL, value TEXT NOT NULL, height BIGINT NOT NULL, spent_height BIGINT,"
    " PRIMARY KEY (chain, network, outpoint))",
    "CREATE TABLE IF NOT EXISTS watch_xpubs (chain TEXT NOT NULL, network TEXT NOT NULL, xpub TEXT NOT NULL,"
    " branch INTEGER NOT NULL, used BIGINT NOT NULL, PRIMARY KEY (chain, network, xpub, branch))",
)
_INDEXES = (
    # The confirmation step reads a chain's transfers still waiting for depth; a reorg those above a height.
    "CREATE INDEX IF NOT EXISTS watch_transfers_state ON watch_transfers (chain, network, status, height)",
    "CREATE INDEX IF NOT EXISTS watch_transfers_height ON watch_transfers (chain, network, height)",
    # A consumer claims its oldest due rows.
    "CREATE INDEX IF NOT EXISTS watch_outbox_due ON watch_outbox (consumer, state, next_at, seq)",
)


def create_tables(store: Store) -> None:
    """Create the watcher's tables and indexes if they are missing (idempotent; safe from many workers)."""
    serial = "BIGSERIAL" if store.kind == "postgres" else "INTEGER"
    with store.transaction() as db:
        for statement in _TABLES:
            store.run(db, statement.format(serial=serial))
        for statement in _INDEXES:
            store.run(db, statement)


def placeholders(count: int) -> str:
    """Return ``?, ?, ...`` for an IN list of ``count`` values."""
    return ", ".join("?" * count)
