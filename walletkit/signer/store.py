"""The signer's shared state: idempotency records, EVM nonces, the spend ledger, the audit log.

One interface, two backends: :class:`SQLiteStore` (one machine; threads and processes
share the file, ``BEGIN IMMEDIATE`` serializes writers) and :class:`PostgresStore`
(several processes or machines; a transaction-scoped advisory lock serializes decisions).
The audit log is append-only and hash-chained: each row's hash covers its seq, its time, the
previous hash and its event, so editing or deleting a row breaks :meth:`verify_audit`. With an
:class:`~walletkit.signer.audit.AuditKey` each row also carries a MAC, and with an
:class:`~walletkit.signer.audit.AuditAnchor` the newest head is kept signed outside the
database: then a deleted tail, an emptied table and a rewrite with recomputed hashes are
found too. Each spend's ledger rows carry the seq of the audit row that lists them, so a
deleted or edited ledger row (which would reopen a spending window) is found as well. On
PostgreSQL, triggers refuse UPDATE, DELETE and TRUNCATE of the audit and ledger tables.
No secret is ever written: events hold chains, addresses, amounts, rules and txids.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from walletkit.errors import IdempotencyConflict, InvalidInput, WalletKitError
from walletkit.extras import require
from walletkit.signer.audit import GENESIS, AuditAnchor, AuditHead, AuditKey, AuditReport, row_hash, verify_log

_TABLES = (
    "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, request TEXT NOT NULL, chain TEXT NOT NULL,"
    " raw {blob} NOT NULL, txid TEXT NOT NULL, broadcast INTEGER NOT NULL DEFAULT 0)",
    # audit_seq: the audit row whose event lists this spend (verify_audit checks one against the other).
    # total: the running sum of the (chain, asset) spends up to and including this row, so a rolling
    # window is two index look-ups (last total minus the total before the window), not a scan.
    "CREATE TABLE IF NOT EXISTS ledger (id {serial} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, chain TEXT NOT NULL,"
    " asset TEXT NOT NULL, amount TEXT NOT NULL, audit_seq BIGINT, total TEXT NOT NULL DEFAULT '0')",
    # seq is given by the store (last + 1 under the writer lock): 1, 2, 3... with no gap. mac is
    # HMAC(audit key, hash), NULL when the store has no audit key.
    "CREATE TABLE IF NOT EXISTS audit (seq {integer} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, event TEXT NOT NULL,"
    " prev TEXT NOT NULL, hash TEXT NOT NULL, mac TEXT)",
    "CREATE TABLE IF NOT EXISTS nonces (chain TEXT NOT NULL, address TEXT NOT NULL, next BIGINT NOT NULL,"
    " PRIMARY KEY (chain, address))",
    "CREATE TABLE IF NOT EXISTS utxo_locks (chain TEXT NOT NULL, outpoint TEXT NOT NULL, until DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (chain, outpoint))",
)
# Indexes the queries need, made after _TABLES: a rolling window reads only its own rows.
_INDEXES = ("CREATE INDEX IF NOT EXISTS ledger_window ON ledger (chain, asset, at)",)
# PostgreSQL: the audit trail and the spend ledger are append-only for every role that has not
# dropped or disabled these triggers (a superuser can: the anchor still finds what it then cuts).
_APPEND_ONLY = """CREATE OR REPLACE FUNCTION walletkit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'walletkit: % of table % is refused: it is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$"""
_PG_TRIGGERS = {
    (
        table,
        name,
    ): f"CREATE TRIGGER {name} BEFORE {what} ON {table} FOR EACH {each} EXECUTE FUNCTION walletkit_append_only()"
    for table in ("audit", "ledger")
    for name, what, each in (
        (f"{table}_append_only", "UPDATE OR DELETE", "ROW"),
        (f"{table}_no_truncate", "TRUNCATE", "STATEMENT"),
    )
}
_log = logging.getLogger("walletkit.signer.audit")
HELD = 1e15  # seconds: a lock on a broadcast spend outlives any deployment (about 31 million years)


Clock = Callable[[], float]


class _Seal:
    """A commit's pending anchor write: the anchor lock (held until written) and the head, if it may advance."""

    __slots__ = ("head", "lock")

    def __init__(self, lock: Any, head: AuditHead | None) -> None:
        self.lock = lock
        self.head = head


class _SqlStore:
    """The store's logic, over a DB-API connection; backends supply transactions.

    ``clock`` returns the time in seconds since the epoch (``time.time`` unless a test or a
    caller injects another): every time the store writes or compares comes from it.
    """

    placeholder = "?"
    clock: Clock = staticmethod(time.time)  # type: ignore[assignment]
    kind = "sql"
    audit_key: AuditKey | None = None
    anchor: AuditAnchor | None = None
    _local: threading.local

    def _audit_setup(self, audit_key: AuditKey | None, anchor: AuditAnchor | str | Path | None) -> None:
        if audit_key is not None and not isinstance(audit_key, AuditKey):
            raise InvalidInput(f"audit_key must be an AuditKey, got {type(audit_key).__name__}")
        if anchor is not None and not isinstance(anchor, AuditAnchor):
            if not isinstance(anchor, (str, Path)):
                raise InvalidInput(f"anchor must be an AuditAnchor or a file path, got {type(anchor).__name__}")
            anchor = AuditAnchor(anchor)
        if anchor is not None and audit_key is None:
            raise InvalidInput("an audit anchor needs an audit_key: the anchored head is signed with it")
        self.audit_key = audit_key
        self.anchor = anchor

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

    def is_handed_out(self, key: str) -> bool:
        """True when a key's bytes were handed to a second caller or marked broadcast."""
        with self._tx() as db:
            row = self._run(db, "SELECT broadcast FROM idempotency WHERE key=?", (key,)).fetchone()
        return row is not None and int(row[0]) != 0

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
        event inside the caller's transaction.

        When there are spends, the stored event gets a ``ledger`` entry ``{"chain": chain,
        "spends": {asset: "amount"}}`` and each ledger row the event's seq, at the event's time.
        """
        if key is not None:
            self._run(
                db,
                "INSERT INTO idempotency (key, request, chain, raw, txid) VALUES (?, ?, ?, ?, ?)",
                (key, request, chain, raw, txid),
            )
        now = float(self.clock())
        if not spends:
            self._append(db, event, now)
            return
        # The event lists the ledger rows written with it, at the same time: verify_audit checks
        # the ledger against it, so a deleted or edited spend is found.
        amounts = {asset: str(amount) for asset, amount in sorted(spends.items())}
        last = {asset: self._last_spend(db, chain, asset) for asset in amounts}
        # Times never go back within an asset's rows (a clock stepped back writes the last time
        # again), so the rows before a window's start are a prefix of its rows.
        now = max([now, *(at for at, _ in last.values())])
        seq = self._append(db, {**event, "ledger": {"chain": chain, "spends": amounts}}, now)
        for asset, amount in amounts.items():
            self._run(
                db,
                "INSERT INTO ledger (at, chain, asset, amount, audit_seq, total) VALUES (?, ?, ?, ?, ?, ?)",
                (now, chain, asset, amount, seq, str(last[asset][1] + int(amount))),
            )

    def _last_spend(self, db: Any, chain: str, asset: str) -> tuple[float, int]:
        row = self._run(
            db,
            "SELECT at, total FROM ledger WHERE chain=? AND asset=? ORDER BY at DESC, id DESC LIMIT 1",
            (chain, asset),
        ).fetchone()
        return (float(row[0]), int(row[1])) if row else (0.0, 0)

    def spent_in(self, db: Any, chain: str, asset: str, since: float) -> int:
        """Sum of an asset spent since a time, inside the caller's transaction (rolling windows).

        The newest running total minus the last one before ``since``: two look-ups through the
        index ``ledger_window`` (chain, asset, at), whatever the number of spends in the window.
        Totals are decimal text (a token amount can pass 2^63).
        """
        _, newest = self._last_spend(db, chain, asset)
        if not newest:
            return 0
        before = self._run(
            db,
            "SELECT total FROM ledger WHERE chain=? AND asset=? AND at<? ORDER BY at DESC, id DESC LIMIT 1",
            (chain, asset, since),
        ).fetchone()
        return newest - (int(before[0]) if before else 0)

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
        """Release outpoints whose spend never reached the network.

        A hold (:meth:`hold_outpoints`: another spend of the coin reached the network) is never
        released here: a refused replacement of that spend does not make the coin free again.
        """
        with self._tx() as db:
            for outpoint in outpoints:
                self._run(
                    db, "DELETE FROM utxo_locks WHERE chain=? AND outpoint=? AND until<?", (chain, outpoint, HELD)
                )

    def resync_nonce(self, chain: str, address: str) -> None:
        """Forget the stored next nonce (after a refused broadcast): the node's count decides again."""
        with self._tx() as db:
            self._run(db, "DELETE FROM nonces WHERE chain=? AND address=?", (chain, address))

    # --- audit ---------------------------------------------------------------------------------

    def append_in(self, db: Any, event: dict[str, Any]) -> None:
        """Append an audit event inside the caller's transaction."""
        self._append(db, event)

    def _append(self, db: Any, event: dict[str, Any], at: float | None = None) -> int:
        """Append one hash-chained row (and its MAC with a key); return its seq."""
        last = self._run(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
        at = float(self.clock()) if at is None else at
        text = json.dumps(event, sort_keys=True, separators=(",", ":"))
        digest = row_hash(seq, at, prev, text)
        mac = self.audit_key.row_mac(digest) if self.audit_key is not None else None
        self._run(
            db,
            "INSERT INTO audit (seq, at, event, prev, hash, mac) VALUES (?, ?, ?, ?, ?, ?)",
            (seq, at, text, prev, digest, mac),
        )
        if self.anchor is not None:
            self._local.head = (seq, digest, at)
        return seq

    # The anchor is written after the commit (a rolled-back row is never anchored), under its lock,
    # taken before the commit: no other process commits and anchors in between.

    def _begin(self) -> None:
        self._local.head = None

    def _seal(self, db: Any) -> _Seal | None:
        """Before COMMIT: lock the anchor, and allow its advance only if this transaction's head
        extends the anchored one (else the log was cut or rewritten: the anchor keeps the evidence)."""
        appended = getattr(self._local, "head", None)
        self._local.head = None
        if appended is None or self.anchor is None or self.audit_key is None:
            return None
        seq, digest, at = appended
        lock = self.anchor.lock()
        try:
            current = self.anchor.head(self.audit_key)
            if current is not None:
                row = self._run(db, "SELECT hash FROM audit WHERE seq=?", (current.seq,)).fetchone()
                if current.seq >= seq or row is None or row[0] != current.hash:
                    _log.warning(
                        "audit anchor %s kept at seq %d: the log no longer extends it (cut or rewritten)",
                        self.anchor.path,
                        current.seq,
                    )
                    return _Seal(lock, None)
        except InvalidInput as e:
            _log.warning("audit anchor not advanced: %s", e)
            return _Seal(lock, None)
        except BaseException:
            lock.release()
            raise
        return _Seal(lock, self.audit_key.sign_head(seq, digest, at))

    def _publish(self, seal: _Seal | None) -> None:
        """After COMMIT: write the anchor (if it may advance) and release its lock."""
        if seal is None:
            return
        try:
            if seal.head is not None and self.anchor is not None:
                try:
                    self.anchor.write(seal.head)
                except OSError as e:
                    raise WalletKitError(
                        f"audit anchor {str(self.anchor.path)!r} could not be written ({type(e).__name__}: {e});"
                        " the transaction is committed, its head is not anchored"
                    ) from e
        finally:
            seal.lock.release()

    @staticmethod
    def _release(seal: _Seal | None) -> None:
        if seal is not None:
            seal.lock.release()

    def audit_events(self) -> list[dict[str, Any]]:
        """Return every audit event in order."""
        with self._tx() as db:
            return [json.loads(r[0]) for r in self._run(db, "SELECT event FROM audit ORDER BY seq").fetchall()]

    def verify_audit(self, key: AuditKey | None = None, anchor: AuditAnchor | AuditHead | None = None) -> AuditReport:
        """Check the audit log and the spend ledger; the report is true when nothing was found wrong.

        Without a key (and none given to the store) the hash chain, the seqs and the ledger are
        checked: an edited or deleted row, an edited time, a deleted or edited ledger row. With
        the audit key, every row's MAC too: a rewrite with recomputed hashes. With an anchor (or
        a head published elsewhere), the anchored head too: a deleted tail and an emptied table.

        Args:
            key: the audit key; default the store's ``audit_key``.
            anchor: an :class:`AuditAnchor` or a signed :class:`AuditHead`; default the store's
                ``anchor``. A missing anchor file is a problem once the log has rows.

        Returns:
            An :class:`AuditReport` (``bool(report)``; ``report.problem`` says what and where).

        Raises:
            InvalidInput: an anchor was given without a key.
        """
        key = key if key is not None else self.audit_key
        anchor = anchor if anchor is not None else self.anchor
        if anchor is not None and key is None:
            raise InvalidInput("checking an audit anchor needs the audit key")
        head: AuditHead | None = None
        name = "the anchor"
        problem: str | None = None
        # The anchor first: it is written after its rows commit, so rows read later include its head.
        if isinstance(anchor, AuditHead):
            name = "the given head"
            head = anchor
            if key is not None and not key.signed(head):
                problem = "the given head's MAC does not match (another key, or an edited head)"
        elif anchor is not None and key is not None:
            name = f"the anchor {str(anchor.path)!r}"
            try:
                head = anchor.head(key)
            except InvalidInput as e:
                problem = str(e)
        with self._tx() as db:
            rows = self._run(db, "SELECT seq, at, event, prev, hash, mac FROM audit ORDER BY seq").fetchall()
            ledger = self._run(
                db, "SELECT id, at, chain, asset, amount, audit_seq, total FROM ledger ORDER BY id"
            ).fetchall()
        if problem is None and isinstance(anchor, AuditAnchor) and head is None and rows:
            problem = f"{name} does not exist but the log has {len(rows)} rows"
        if problem is not None:
            return AuditReport(False, problem, len(rows), key is not None, head.seq if head else None)
        audit = [(int(r[0]), float(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5]) for r in rows]
        spends = [(int(r[0]), float(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5]) for r in ledger]  # no total
        report = verify_log(audit, spends, key, head, anchor_name=name)
        if not report:
            return report
        running: dict[tuple[str, str], int] = {}
        for ident, _at, chain, asset, amount, _seq, total in ledger:
            running[(chain, asset)] = running.get((chain, asset), 0) + int(amount)
            if str(total) != str(running[(chain, asset)]):
                return AuditReport(
                    False,
                    f"ledger row {ident} ({chain} {asset}) has running total {total}, but its spends add up to "
                    f"{running[(chain, asset)]} (an edited total would move a rolling window)",
                    len(rows),
                    key is not None,
                    head.seq if head else None,
                )
        return report

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run raw SQL (tests use it to tamper with the log)."""
        with self._tx() as db:
            self._run(db, sql, params)


def _x87_sound() -> None:
    """Empty the x87 register stack if foreign native code left values on it (x86-64 Linux only).

    SQLite compares integer-valued reals with a REAL through long double (x87). Native code that
    leaves values on the x87 stack (some LiteSVM programs do, seen in this project's tests) makes
    those compares overflow the stack and yield NaN: a rolling window then found no row before its
    start. Between C calls the stack is always empty, so when the tag word says otherwise the x87
    unit is reset with FNINIT. Python offers no way to run that instruction and no library wraps
    it, so three bytes of machine code (FNINIT; RET) are called through ctypes; where executable
    memory cannot be had, nothing is done.
    """
    if _FNINIT is None or _LIBM is None:
        return
    env = ctypes.create_string_buffer(512)
    _LIBM.fegetenv(env)
    if env.raw[8:10] != b"\xff\xff":  # glibc x86-64 fenv_t: __tags at offset 8; 0xffff: all empty
        _FNINIT()


def _load() -> tuple[Any, Any]:
    import mmap
    import platform

    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None, None
    try:
        libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        code = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        code.write(bytes([0xDB, 0xE3, 0xC3]))  # FNINIT; RET
        fninit = ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(code)))
    except (OSError, ValueError, PermissionError):
        return None, None
    _KEEP.append(code)
    return libm, fninit


_KEEP: list[Any] = []  # the executable page lives as long as the process
_LIBM, _FNINIT = _load()


class SQLiteStore(_SqlStore):
    """Signer state in one SQLite file (``:memory:`` for a single process).

    Args:
        path: the database file.
        clock: seconds since the epoch (default ``time.time``).
        audit_key: signs each audit row (:class:`~walletkit.signer.audit.AuditKey`); keep it
            outside the database.
        anchor: the file (or :class:`~walletkit.signer.audit.AuditAnchor`) holding the newest
            signed head, outside the database; needs ``audit_key``.
        synchronous: ``"full"`` (default): every decision is on disk before it returns (an fsync
            per decision, which survives a power loss). ``"normal"``: WAL's NORMAL mode, which
            survives a crash of the process but may lose the last decisions on a power loss or an
            OS crash; a lost idempotency record or nonce reservation could then let a retry sign
            again. Choose it only where the disk flush is the bottleneck and the machine's power
            is protected.

    Raises:
        InvalidInput: an anchor without an audit key, or arguments of the wrong type.
    """

    kind = "sqlite"

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        clock: Clock | None = None,
        audit_key: AuditKey | None = None,
        anchor: AuditAnchor | str | Path | None = None,
        synchronous: str = "full",
    ) -> None:
        if synchronous not in ("full", "normal"):
            raise InvalidInput(f'synchronous is "full" or "normal", got {synchronous!r}')
        self.synchronous = synchronous
        self.path = str(path)
        if clock is not None:
            self.clock = clock
        self._audit_setup(audit_key, anchor)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._memory: sqlite3.Connection | None = None
        with self._lock:
            db = self._db()
            for statement in _TABLES:
                db.execute(statement.format(blob="BLOB", serial="INTEGER", integer="INTEGER"))
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
                db.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        _x87_sound()
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            self._begin()
            try:
                yield db
                seal = self._seal(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            try:
                db.execute("COMMIT")
            except BaseException:
                self._release(seal)
                raise
            self._publish(seal)


class PostgresStore(_SqlStore):
    """Signer state in PostgreSQL (psycopg 3), shared by processes on several machines.

    Takes ``clock``, ``audit_key`` and ``anchor`` as :class:`SQLiteStore` does. Creates (once)
    triggers that refuse UPDATE, DELETE and TRUNCATE of the audit and ledger tables.
    """

    placeholder = "%s"
    _LOCK_ID = 0x77616C6C  # one advisory lock serializes signing decisions

    kind = "postgres"

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        audit_key: AuditKey | None = None,
        anchor: AuditAnchor | str | Path | None = None,
    ) -> None:
        if clock is not None:
            self.clock = clock
        self._audit_setup(audit_key, anchor)
        psycopg = require("psycopg", "postgres", "PostgresStore")
        self.url = url
        self._psycopg = psycopg
        self._local = threading.local()
        with self._tx() as db:
            for statement in _TABLES:
                db.execute(statement.format(blob="BYTEA", serial="BIGSERIAL", integer="BIGINT"))
            for statement in _INDEXES:
                db.execute(statement)
            present = {
                (str(r[0]), str(r[1]))
                for r in db.execute(
                    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                    " WHERE c.oid IN ('audit'::regclass, 'ledger'::regclass)"
                ).fetchall()
            }
            missing = [sql for name, sql in _PG_TRIGGERS.items() if name not in present]
            if missing:
                db.execute(_APPEND_ONLY)
                for statement in missing:
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
        seal = None
        try:
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (self._LOCK_ID,))
                self._begin()
                yield db
                seal = self._seal(db)
        except BaseException:
            self._release(seal)  # the commit failed: nothing to anchor
            raise
        self._publish(seal)
