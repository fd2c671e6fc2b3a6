"""The signer's shared state: idempotency records, EVM nonces, the spend ledger, the audit log.

One interface, two backends: :class:`SQLiteStore` (one machine; threads and processes
share the file, ``BEGIN IMMEDIATE`` serializes writers) and :class:`PostgresStore`
(several processes or machines; a transaction-scoped advisory lock serializes decisions).
The audit log is append-only and hash-chained: each row's hash covers the previous hash
and its own event, so editing or deleting a row breaks :meth:`verify_audit`. No secret is
ever written: events hold chains, addresses, amounts, rules and txids.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from walletkit.errors import IdempotencyConflict, WalletKitError

_TABLES = (
    "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, request TEXT NOT NULL, chain TEXT NOT NULL,"
    " raw {blob} NOT NULL, txid TEXT NOT NULL, broadcast INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS ledger (id {serial} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, chain TEXT NOT NULL,"
    " asset TEXT NOT NULL, amount TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit (seq {serial} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, event TEXT NOT NULL,"
    " prev TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS nonces (chain TEXT NOT NULL, address TEXT NOT NULL, next BIGINT NOT NULL,"
    " PRIMARY KEY (chain, address))",
    "CREATE TABLE IF NOT EXISTS utxo_locks (chain TEXT NOT NULL, outpoint TEXT NOT NULL, until DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (chain, outpoint))",
)
# Indexes the queries need, made after _TABLES: a rolling window reads only its own rows.
_INDEXES = ("CREATE INDEX IF NOT EXISTS ledger_window ON ledger (chain, asset, at)",)
GENESIS = "0" * 64
HELD = 1e15  # seconds: a lock on a broadcast spend outlives any deployment (about 31 million years)


Clock = Callable[[], float]


class _SqlStore:
    """The store's logic, over a DB-API connection; backends supply transactions.

    ``clock`` returns the time in seconds since the epoch (``time.time`` unless a test or a
    caller injects another): every time the store writes or compares comes from it.
    """

    placeholder = "?"
    clock: Clock = staticmethod(time.time)  # type: ignore[assignment]
    kind = "sql"

    def _tx(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        """Return a context manager holding one write transaction (and the store's lock) on a connection.

        Other parts of walletkit that share the store (the watcher, the guard) keep their
        tables in the same database and write through this; use :meth:`run` inside it.
        """
        return self._tx()

    def run(self, db: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """Execute one statement written with ``?`` placeholders inside :meth:`transaction`; return the cursor."""
        return self._run(db, sql, params)

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)

    def _run(self, db: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return db.execute(self._q(sql), params)

    # --- idempotency ---------------------------------------------------------------------

    def remembered(self, key: str, request: str) -> tuple[bytes, str, bool] | None:
        """Return (raw, txid, broadcast) stored for ``key``; raise if the key served another request."""
        with self._tx() as db:
            return self.remembered_in(db, key, request)

    def remembered_in(self, db: Any, key: str, request: str) -> tuple[bytes, str, bool] | None:
        """:meth:`remembered` inside the caller's transaction (the signer asks under its decision lock,
        so two workers holding one key cannot both sign)."""
        row = self._run(db, "SELECT request, raw, txid, broadcast FROM idempotency WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        if row[0] != request:
            raise IdempotencyConflict(f"idempotency key {key!r} was used for a different request")
        return bytes(row[1]), str(row[2]), bool(row[3])

    def mark_broadcast(self, key: str) -> None:
        """Note that the transaction of ``key`` reached the network."""
        with self._tx() as db:
            self._run(db, "UPDATE idempotency SET broadcast=1 WHERE key=?", (key,))

    def handed_out_in(self, db: Any, key: str) -> None:
        """Note, inside the caller's transaction, that a key's bytes were handed to a second caller
        (a replay): from now on they may reach the network whatever the first caller's broadcast says."""
        self._run(db, "UPDATE idempotency SET broadcast=2 WHERE key=? AND broadcast=0", (key,))

    def forget_if_unsent(self, key: str) -> bool:
        """Forget a key whose broadcast was refused, unless its bytes were handed out or broadcast.

        Returns:
            True if the key was forgotten (a retry signs anew); False if it is kept because its
            bytes may have reached the network.
        """
        with self._tx() as db:
            row = self._run(db, "SELECT broadcast FROM idempotency WHERE key=?", (key,)).fetchone()
            if row is None or int(row[0]) != 0:
                return row is None
            self._run(db, "DELETE FROM idempotency WHERE key=?", (key,))
            return True

    def forget(self, key: str) -> None:
        """Drop an idempotency record whose transaction was refused by the network."""
        with self._tx() as db:
            self._run(db, "DELETE FROM idempotency WHERE key=?", (key,))

    # --- one atomic decision ----------------------------------------------------------------

    def decision(self) -> AbstractContextManager[Any]:
        """Hold the writer lock across read-check-sign-write, so limits and nonces cannot race."""
        return self._tx()

    def record_in(
        self,
        db: Any,
        key: str | None,
        request: str,
        chain: str,
        spends: Mapping[str, int],
        raw: bytes,
        txid: str,
        event: dict[str, Any],
    ) -> None:
        """Store the idempotency record, the spends (base units per canonical asset) and the audit
        event inside the caller's transaction."""
        if key is not None:
            self._run(
                db,
                "INSERT INTO idempotency (key, request, chain, raw, txid) VALUES (?, ?, ?, ?, ?)",
                (key, request, chain, raw, txid),
            )
        now = self.clock()
        for asset, amount in sorted(spends.items()):
            self._run(
                db,
                "INSERT INTO ledger (at, chain, asset, amount) VALUES (?, ?, ?, ?)",
                (now, chain, asset, str(amount)),
            )
        self._append(db, event)

    # Amounts are decimal text (a token amount can pass 2^63): the backend sums them exactly in one row.
    _window_sum = "SELECT group_concat(amount) FROM ledger WHERE chain=? AND asset=? AND at>=?"

    def spent_in(self, db: Any, chain: str, asset: str, since: float) -> int:
        """Sum of an asset spent since a time, inside the caller's transaction (rolling windows).

        The index ``ledger_window`` (chain, asset, at) limits the scan to the window's rows.
        """
        total = self._run(db, self._window_sum, (chain, asset, since)).fetchone()[0]
        if total is None:
            return 0
        return sum(map(int, total.split(","))) if isinstance(total, str) else int(total)

    def next_nonce_in(self, db: Any, chain: str, address: str, floor: int) -> int:
        """Return the nonce :meth:`reserve_nonce_in` would reserve, without reserving it."""
        row = self._run(db, "SELECT next FROM nonces WHERE chain=? AND address=?", (chain, address)).fetchone()
        return max(floor, int(row[0]) if row else 0)

    def reserve_nonce_in(self, db: Any, chain: str, address: str, floor: int) -> int:
        """Reserve the next EVM nonce of an address for every process sharing the store.

        ``floor`` is the node's pending count: the store never hands out less.
        """
        row = self._run(db, "SELECT next FROM nonces WHERE chain=? AND address=?", (chain, address)).fetchone()
        nonce = max(floor, int(row[0]) if row else 0)
        if row:
            self._run(db, "UPDATE nonces SET next=? WHERE chain=? AND address=?", (nonce + 1, chain, address))
        else:
            self._run(db, "INSERT INTO nonces (chain, address, next) VALUES (?, ?, ?)", (chain, address, nonce + 1))
        return nonce

    def locked_outpoints_in(self, db: Any, chain: str) -> set[str]:
        """Return the outpoints (``txid:vout``) other requests hold, inside the caller's transaction."""
        rows = self._run(db, "SELECT outpoint FROM utxo_locks WHERE chain=? AND until>?", (chain, self.clock()))
        return {str(r[0]) for r in rows.fetchall()}

    def lock_outpoints_in(self, db: Any, chain: str, outpoints: list[str], seconds: float) -> None:
        """Hold outpoints for ``seconds`` (a signed spend of them is on its way), inside the caller's transaction."""
        until = self.clock() + seconds
        for outpoint in outpoints:
            self._run(db, "DELETE FROM utxo_locks WHERE chain=? AND outpoint=?", (chain, outpoint))
            self._run(db, "INSERT INTO utxo_locks (chain, outpoint, until) VALUES (?, ?, ?)", (chain, outpoint, until))

    def hold_outpoints(self, chain: str, outpoints: list[str]) -> None:
        """Hold outpoints with no time limit: their spend reached the network (a later request must
        not spend them again, even from a stale UTXO list; once mined they are offered no more)."""
        with self._tx() as db:
            self.lock_outpoints_in(db, chain, outpoints, HELD)

    def unlock_outpoints(self, chain: str, outpoints: list[str]) -> None:
        """Release outpoints whose spend never reached the network."""
        with self._tx() as db:
            for outpoint in outpoints:
                self._run(db, "DELETE FROM utxo_locks WHERE chain=? AND outpoint=?", (chain, outpoint))

    def resync_nonce(self, chain: str, address: str) -> None:
        """Forget the stored next nonce (after a refused broadcast): the node's count decides again."""
        with self._tx() as db:
            self._run(db, "DELETE FROM nonces WHERE chain=? AND address=?", (chain, address))

    # --- audit ---------------------------------------------------------------------------------

    def append_in(self, db: Any, event: dict[str, Any]) -> None:
        """Append an audit event inside the caller's transaction."""
        self._append(db, event)

    def _append(self, db: Any, event: dict[str, Any]) -> None:
        last = self._run(db, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        text = json.dumps(event, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((prev + text).encode()).hexdigest()
        self._run(
            db, "INSERT INTO audit (at, event, prev, hash) VALUES (?, ?, ?, ?)", (self.clock(), text, prev, digest)
        )

    def audit_events(self) -> list[dict[str, Any]]:
        """Return every audit event in order."""
        with self._tx() as db:
            return [json.loads(r[0]) for r in self._run(db, "SELECT event FROM audit ORDER BY seq").fetchall()]

    def verify_audit(self) -> bool:
        """Recompute the hash chain; False if any row was edited, removed or reordered."""
        prev = GENESIS
        with self._tx() as db:
            rows = self._run(db, "SELECT event, prev, hash FROM audit ORDER BY seq").fetchall()
        for text, stored_prev, stored_hash in rows:
            if stored_prev != prev or hashlib.sha256((prev + text).encode()).hexdigest() != stored_hash:
                return False
            prev = stored_hash
        return True

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run raw SQL (tests use it to tamper with the log)."""
        with self._tx() as db:
            self._run(db, sql, params)


class SQLiteStore(_SqlStore):
    """Signer state in one SQLite file (``:memory:`` for a single process)."""

    kind = "sqlite"

    def __init__(self, path: str | Path = ":memory:", *, clock: Clock | None = None) -> None:
        self.path = str(path)
        if clock is not None:
            self.clock = clock
        self._local = threading.local()
        self._lock = threading.RLock()
        self._memory: sqlite3.Connection | None = None
        with self._lock:
            db = self._db()
            for statement in _TABLES:
                db.execute(statement.format(blob="BLOB", serial="INTEGER"))
            for statement in _INDEXES:
                db.execute(statement)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self.path == ":memory:":
                if self._memory is None:
                    self._memory = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                db = self._memory
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


class PostgresStore(_SqlStore):
    """Signer state in PostgreSQL (psycopg 3), shared by processes on several machines."""

    placeholder = "%s"
    _window_sum = "SELECT SUM(CAST(amount AS NUMERIC)) FROM ledger WHERE chain=? AND asset=? AND at>=?"
    _LOCK_ID = 0x77616C6C  # one advisory lock serializes signing decisions

    kind = "postgres"

    def __init__(self, url: str, *, clock: Clock | None = None) -> None:
        if clock is not None:
            self.clock = clock
        try:
            import psycopg
        except ImportError as e:
            raise WalletKitError("PostgresStore needs psycopg 3 (pip install 'psycopg[binary]')") from e
        self.url = url
        self._psycopg = psycopg
        self._local = threading.local()
        with self._tx() as db:
            for statement in _TABLES:
                db.execute(statement.format(blob="BYTEA", serial="BIGSERIAL"))
            for statement in _INDEXES:
                db.execute(statement)

    def _db(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is None or db.closed:
            db = self._psycopg.connect(self.url, autocommit=True)  # transaction() then issues BEGIN/COMMIT
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        db = self._db()
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (self._LOCK_ID,))
            yield db
