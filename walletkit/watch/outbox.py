"""The transactional outbox: events wait in the store until a consumer marks them done.

The watcher writes each event into ``watch_outbox`` in the same transaction that records its
block, once per consumer name. A consumer claims its oldest due rows, delivers them, and marks
each ``done`` (or schedules a retry, or a dead letter) in the same transaction as the claim.

On PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` on a connection of the
consumer's own, without the signer's advisory lock: many workers drain one outbox in parallel,
none takes a row another holds, and a worker that dies mid-delivery drops its locks with its
connection, so its rows go to the next claim. On SQLite the store's write transaction
serializes consumers (``BEGIN IMMEDIATE``).

Guarantees: a plain sink (callback, webhook) gets every event at least once; a transactional
sink (or :meth:`Outbox.batch`), whose work commits with the "done" mark, exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from walletkit.errors import InvalidInput, WalletKitError
from walletkit.watch.events import TransferEvent
from walletkit.watch.sinks import CallbackSink, Sink
from walletkit.watch.store import Store, create_tables

_ERROR_CHARS = 300


class DeliveryReport(NamedTuple):
    """What one :meth:`Outbox.deliver` call did: events taken, tries that failed, events given up."""

    delivered: int
    failed: int
    dead: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a sink refused ``attempts`` times; ``error`` is the last refusal."""

    event: TransferEvent
    attempts: int
    error: str | None


@dataclass(frozen=True, slots=True)
class Batch:
    """Events claimed by :meth:`Outbox.batch`, and the connection of the transaction holding them."""

    db: Any
    events: tuple[TransferEvent, ...]


class Outbox:
    """One consumer's view of the outbox in ``store``.

    Args:
        store: the watcher's store (``SQLiteStore`` or ``PostgresStore``).
        consumer: the consumer name the watcher writes rows for (``Watcher(consumers=...)``).
    """

    def __init__(self, store: Store, consumer: str = "default") -> None:
        if not isinstance(consumer, str) or not consumer:
            raise InvalidInput(f"a consumer name is non-empty text, got {consumer!r}")
        self.store = store
        self.consumer = consumer
        self._local = threading.local()
        create_tables(store)

    # --- transactions --------------------------------------------------------------------

    def _tx(self) -> AbstractContextManager[Any]:
        if self.store.kind == "postgres":
            return self._pg_tx()
        return self.store.transaction()

    @contextmanager
    def _pg_tx(self) -> Iterator[Any]:
        # A connection of our own: the store's transaction() holds the signer's advisory lock,
        # which would serialize every consumer; row locks (SKIP LOCKED) are all a claim needs.
        db = getattr(self._local, "db", None)
        if db is None or db.closed:
            import psycopg

            url = getattr(self.store, "url", None)
            if not isinstance(url, str):
                raise WalletKitError("a PostgreSQL store without a url cannot serve outbox consumers")
            db = self._local.db = psycopg.connect(url, autocommit=True)
        with db.transaction():
            yield db

    def _claim(self, db: Any, limit: int) -> list[tuple[Any, ...]]:
        sql = (
            "SELECT seq, event, attempts FROM watch_outbox WHERE consumer=? AND state='pending' AND next_at<=?"
            " ORDER BY seq LIMIT ?"
        )
        if self.store.kind == "postgres":
            sql += " FOR UPDATE SKIP LOCKED"
        return list(self.store.run(db, sql, (self.consumer, self.store.clock(), limit)).fetchall())

    def _done(self, db: Any, seq: int) -> None:
        self.store.run(db, "UPDATE watch_outbox SET state='done', error=NULL WHERE seq=?", (seq,))

    # --- delivery -------------------------------------------------------------------------

    def deliver(self, sink: Sink | Any, *, limit: int = 1000, batch: int = 10) -> DeliveryReport:
        """Deliver due events to ``sink`` (a Sink, a TransactionalSink or a plain callable), oldest first.

        Each claimed event is delivered inside the claim's transaction: taken -> ``done``;
        refused -> ``attempts + 1`` and a next try after ``sink.retry_delay(attempts)`` seconds
        of the store's clock, or ``dead`` once ``attempts`` reaches ``sink.max_attempts``.
        Failed events wait; later ones go ahead of them.

        Args:
            limit: at most this many deliveries (taken or failed) in this call.
            batch: events claimed per transaction.
        """
        target: Any = CallbackSink(sink) if not isinstance(sink, Sink) and callable(sink) else sink
        transactional = bool(getattr(target, "transactional", False))
        max_attempts = int(getattr(target, "max_attempts", 5))
        delivered = failed = dead = 0
        while delivered + failed + dead < limit:
            with self._tx() as db:
                rows = self._claim(db, min(batch, limit - delivered - failed - dead))
                for seq, text, attempts in rows:
                    event = TransferEvent.from_json(text)
                    self.store.run(db, "SAVEPOINT watch_delivery")
                    try:
                        if transactional:
                            target.deliver_in(db, event)
                        else:
                            target.deliver(event)
                    except Exception as e:  # any refusal is retried, and its reason kept; nothing is hidden
                        self.store.run(db, "ROLLBACK TO SAVEPOINT watch_delivery")
                        tries = int(attempts) + 1
                        error = f"{type(e).__name__}: {e}"[:_ERROR_CHARS]
                        if tries >= max_attempts:
                            state, next_at = "dead", self.store.clock()
                            dead += 1
                        else:
                            delay = getattr(target, "retry_delay", None)
                            wait = float(delay(tries)) if callable(delay) else float(min(2**tries, 600))
                            state, next_at = "pending", self.store.clock() + wait
                            failed += 1
                        self.store.run(
                            db,
                            "UPDATE watch_outbox SET state=?, attempts=?, next_at=?, error=? WHERE seq=?",
                            (state, tries, next_at, error, seq),
                        )
                    else:
                        self.store.run(db, "RELEASE SAVEPOINT watch_delivery")
                        self._done(db, seq)
                        delivered += 1
            if not rows:
                break
        return DeliveryReport(delivered, failed, dead)

    @contextmanager
    def batch(self, limit: int = 100) -> Iterator[Batch]:
        """Claim up to ``limit`` due events in one transaction; mark them done when the block exits.

        Do your own work with ``store.run(batch.db, ...)`` inside the block: it commits with the
        "done" marks, or (if the block raises) neither does. On PostgreSQL the rows are locked
        ``FOR UPDATE SKIP LOCKED``: other workers claim other events meanwhile.

        >>> from walletkit.signer.store import SQLiteStore
        >>> outbox = Outbox(SQLiteStore())
        >>> with outbox.batch() as b:
        ...     len(b.events)
        0
        """
        with self._tx() as db:
            rows = self._claim(db, limit)
            yield Batch(db, tuple(TransferEvent.from_json(text) for _, text, _ in rows))
            for seq, _, _ in rows:
                self._done(db, seq)

    # --- inspection ----------------------------------------------------------------------------

    def pending(self) -> int:
        """Return how many events wait for this consumer (due now or later)."""
        with self.store.transaction() as db:
            row = self.store.run(
                db, "SELECT COUNT(*) FROM watch_outbox WHERE consumer=? AND state='pending'", (self.consumer,)
            ).fetchone()
        return int(row[0])

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Return the events given up on, oldest first."""
        with self.store.transaction() as db:
            rows = self.store.run(
                db,
                "SELECT event, attempts, error FROM watch_outbox WHERE consumer=? AND state='dead' ORDER BY seq LIMIT ?",
                (self.consumer, limit),
            ).fetchall()
        return [DeadLetter(TransferEvent.from_json(text), int(attempts), error) for text, attempts, error in rows]

    def requeue_dead(self) -> int:
        """Put every dead letter back in line (attempts reset); return how many."""
        with self.store.transaction() as db:
            cursor = self.store.run(
                db,
                "UPDATE watch_outbox SET state='pending', attempts=0, next_at=? WHERE consumer=? AND state='dead'",
                (self.store.clock(), self.consumer),
            )
            return int(cursor.rowcount)

    def close(self) -> None:
        """Close this thread's PostgreSQL connection, if one was opened."""
        db = getattr(self._local, "db", None)
        if db is not None and not db.closed:
            db.close()
