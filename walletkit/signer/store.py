"""The signer's shared state in SQLite: idempotency records, the spend ledger, the audit log.

One file, safe across threads and processes (``BEGIN IMMEDIATE`` serializes writers). The
audit log is append-only and hash-chained: each row's hash covers the previous hash and
its own event, so editing or deleting a row breaks :meth:`verify_audit`. No secret is
ever written: events hold chains, addresses, amounts, rules and txids.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from walletkit.errors import IdempotencyConflict

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, request TEXT NOT NULL, chain TEXT NOT NULL,
                                        raw BLOB NOT NULL, txid TEXT NOT NULL, broadcast INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, at REAL NOT NULL, chain TEXT NOT NULL, asset TEXT NOT NULL,
                                   amount TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, at REAL NOT NULL, event TEXT NOT NULL, prev TEXT NOT NULL,
                                  hash TEXT NOT NULL);
"""
GENESIS = "0" * 64


class SQLiteStore:
    """Signer state in one SQLite file (``:memory:`` for a single process)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._local = threading.local()
        self._lock = threading.RLock()
        with self._lock:
            self._db().executescript(_SCHEMA)  # executescript manages its own transaction

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if self.path == ":memory:":
                db = getattr(self, "_memory", None) or sqlite3.connect(
                    ":memory:", check_same_thread=False, isolation_level=None
                )
                self._memory = db
            else:
                db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- idempotency ---------------------------------------------------------------------

    def remembered(self, key: str, request: str) -> tuple[bytes, str, bool] | None:
        """Return (raw, txid, broadcast) stored for ``key``; raise if the key served another request."""
        with self._lock:
            row = (
                self._db()
                .execute("SELECT request, raw, txid, broadcast FROM idempotency WHERE key=?", (key,))
                .fetchone()
            )
        if row is None:
            return None
        if row[0] != request:
            raise IdempotencyConflict(f"idempotency key {key!r} was used for a different request")
        return bytes(row[1]), str(row[2]), bool(row[3])

    # --- one atomic decision ----------------------------------------------------------------

    def record(
        self,
        key: str | None,
        request: str,
        chain: str,
        asset: str,
        amount: int,
        raw: bytes,
        txid: str,
        event: dict[str, Any],
    ) -> None:
        """Store the idempotency record, the spend and the audit event in one transaction."""
        with self._tx() as db:
            self.record_in(db, key, request, chain, asset, amount, raw, txid, event)

    def record_in(
        self,
        db: sqlite3.Connection,
        key: str | None,
        request: str,
        chain: str,
        asset: str,
        amount: int,
        raw: bytes,
        txid: str,
        event: dict[str, Any],
    ) -> None:
        """The body of :meth:`record`, inside a transaction the caller holds (see :meth:`decision`)."""
        if key is not None:
            db.execute(
                "INSERT INTO idempotency (key, request, chain, raw, txid) VALUES (?, ?, ?, ?, ?)",
                (key, request, chain, raw, txid),
            )
        db.execute(
            "INSERT INTO ledger (at, chain, asset, amount) VALUES (?, ?, ?, ?)",
            (time.time(), chain, asset, str(amount)),
        )
        self._append(db, event)

    def mark_broadcast(self, key: str) -> None:
        """Note that the transaction of ``key`` was broadcast."""
        with self._tx() as db:
            db.execute("UPDATE idempotency SET broadcast=1 WHERE key=?", (key,))

    def spent_since(self, chain: str, asset: str, since: float) -> int:
        """Sum of amounts of an asset spent since a time (for rolling-window limits)."""
        with self._lock:
            rows = (
                self._db()
                .execute("SELECT amount FROM ledger WHERE chain=? AND asset=? AND at>=?", (chain, asset, since))
                .fetchall()
            )
        return sum(int(r[0]) for r in rows)

    @contextmanager
    def decision(self) -> Iterator[sqlite3.Connection]:
        """Hold the writer lock across read-check-sign-write, so rolling limits cannot race."""
        with self._tx() as db:
            yield db

    def append_in(self, db: sqlite3.Connection, event: dict[str, Any]) -> None:
        """Append an audit event inside a transaction the caller holds."""
        self._append(db, event)

    # --- audit ---------------------------------------------------------------------------------

    def audit(self, event: dict[str, Any]) -> None:
        """Append one event to the hash-chained log."""
        with self._tx() as db:
            self._append(db, event)

    def _append(self, db: sqlite3.Connection, event: dict[str, Any]) -> None:
        last = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        text = json.dumps(event, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((prev + text).encode()).hexdigest()
        db.execute("INSERT INTO audit (at, event, prev, hash) VALUES (?, ?, ?, ?)", (time.time(), text, prev, digest))

    def audit_events(self) -> list[dict[str, Any]]:
        """Return every audit event in order."""
        with self._lock:
            return [json.loads(r[0]) for r in self._db().execute("SELECT event FROM audit ORDER BY seq")]

    def verify_audit(self) -> bool:
        """Recompute the hash chain; False if any row was edited, removed or reordered."""
        prev = GENESIS
        with self._lock:
            rows = self._db().execute("SELECT event, prev, hash FROM audit ORDER BY seq").fetchall()
        for text, stored_prev, stored_hash in rows:
            if stored_prev != prev or hashlib.sha256((prev + text).encode()).hexdigest() != stored_hash:
                return False
            prev = stored_hash
        return True

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run raw SQL (tests use it to tamper with the log)."""
        with self._tx() as db:
            db.execute(sql, params)
