"""The signer store's bookkeeping, pinned line by line (issue 19's surviving store mutants).

Each expected value is written out by hand or read from the database engine itself (SQLite's
lock table, PostgreSQL's advisory locks), never from the store's own answer to another question.
Time is the store's injected clock. These run on a SQLite file (fast enough for the mutation
group ``signer-store``); test_store_mutants_postgres.py runs every one of them on PostgreSQL too.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from walletkit.errors import IdempotencyConflict
from walletkit.signer import PostgresStore, SQLiteStore
from walletkit.signer.audit import AuditReport

Store = SQLiteStore | PostgresStore
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


class Clock:
    """The store's clock, set by the test (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A SQLite store in a file (PostgreSQL runs these same tests: test_store_mutants_postgres.py)."""
    return SQLiteStore(tmp_path / "s.db", clock=Clock())


def _rows(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with store.transaction() as db:
        return [tuple(r) for r in store.run(db, sql, params).fetchall()]


def _spend(store: Store, chain: str, spends: dict[str, int], key: str | None = None) -> None:
    with store.decision() as db:
        store.record_in(db, key, f"request {key}", chain, spends, b"\x01\x02", "aa" * 32, {"decision": "signed"})


def test_the_window_sum_is_per_asset(store: Store) -> None:
    # A token spend and a native spend never share a window: each asset has its own sum.
    _spend(store, "eth", {"native": 5})
    _spend(store, "eth", {TOKEN: 7})
    _spend(store, "eth", {"native": 11, TOKEN: 13})
    with store.decision() as db:
        assert store.spent_in(db, "eth", "native", 0) == 16
        assert store.spent_in(db, "eth", TOKEN, 0) == 20
        assert store.spent_in(db, "eth", "0x" + "00" * 20, 0) == 0
        assert store.spent_in(db, "bsc", "native", 0) == 0


def test_the_window_starts_where_it_is_asked(store: Store) -> None:
    clock: Clock = store.clock  # type: ignore[assignment]
    _spend(store, "eth", {"native": 1})  # at t
    clock.now += 10
    _spend(store, "eth", {"native": 2})  # at t + 10
    t = clock.now - 10
    with store.decision() as db:
        assert store.spent_in(db, "eth", "native", t) == 3  # a row exactly at the start is inside
        assert store.spent_in(db, "eth", "native", t + 0.5) == 2
        assert store.spent_in(db, "eth", "native", t + 10) == 2
        assert store.spent_in(db, "eth", "native", t + 10.5) == 0
    assert _rows(store, "SELECT at, amount, total FROM ledger ORDER BY id") == [(t, "1", "1"), (t + 10, "2", "3")]


def test_the_node_floor_wins_over_a_stored_nonce(store: Store) -> None:
    # The node's pending count rose past the store's (another wallet sent from this address):
    # the store hands out the node's count, never a nonce the node already used.
    with store.decision() as db:
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 0) == 0
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 0) == 1
        assert store.next_nonce_in(db, "eth", ADDRESS, 0) == 2
        assert store.next_nonce_in(db, "eth", ADDRESS, 7) == 7
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 7) == 7
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 3) == 8  # a lagging node count does not go back
        assert store.next_nonce_in(db, "eth", ADDRESS, 0) == 9
        assert store.next_nonce_in(db, "bsc", ADDRESS, 0) == 0  # per chain
        assert store.next_nonce_in(db, "eth", "0x" + "12" * 20, 4) == 4  # per address
    assert _rows(store, "SELECT chain, address, next FROM nonces") == [("eth", ADDRESS, 9)]


def test_resync_forgets_the_stored_nonce(store: Store) -> None:
    with store.decision() as db:
        for expected in range(3):
            assert store.reserve_nonce_in(db, "eth", ADDRESS, 0) == expected
        store.reserve_nonce_in(db, "bsc", ADDRESS, 0)
    store.resync_nonce("eth", ADDRESS)
    assert _rows(store, "SELECT chain, address, next FROM nonces") == [("bsc", ADDRESS, 1)]
    with store.decision() as db:
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 2) == 2  # the node's count decides again


def test_forget_deletes_the_key(store: Store) -> None:
    _spend(store, "eth", {"native": 1}, key="order-1")
    _spend(store, "eth", {"native": 1}, key="order-2")
    assert store.remembered("order-1", "request order-1") == (b"\x01\x02", "aa" * 32, False)
    store.forget("order-1")
    assert store.remembered("order-1", "request order-1") is None
    assert _rows(store, "SELECT key FROM idempotency") == [("order-2",)]


def test_forget_if_unsent_keeps_what_may_be_out(store: Store) -> None:
    for key in ("unsent", "broadcast", "handed-out", "kept"):
        _spend(store, "eth", {}, key=key)
    store.mark_broadcast("broadcast")
    with store.decision() as db:
        store.handed_out_in(db, "handed-out")
    assert _rows(store, "SELECT key, broadcast FROM idempotency ORDER BY key") == [
        ("broadcast", 1),
        ("handed-out", 2),
        ("kept", 0),
        ("unsent", 0),
    ]
    assert store.forget_if_unsent("unsent") is True
    assert store.forget_if_unsent("broadcast") is False
    assert store.forget_if_unsent("handed-out") is False
    assert store.forget_if_unsent("never-seen") is True
    assert _rows(store, "SELECT key FROM idempotency ORDER BY key") == [("broadcast",), ("handed-out",), ("kept",)]
    with store.decision() as db:
        store.handed_out_in(db, "broadcast")  # only an unsent record becomes handed out
    assert _rows(store, "SELECT broadcast FROM idempotency WHERE key='broadcast'") == [(1,)]


def test_utxo_locks_expire_on_the_clock(store: Store) -> None:
    clock: Clock = store.clock  # type: ignore[assignment]
    with store.decision() as db:
        store.lock_outpoints_in(db, "btc", ["aa:0", "bb:1"], 600)
        store.lock_outpoints_in(db, "ltc", ["aa:0"], 600)
    assert _rows(store, "SELECT outpoint, until FROM utxo_locks WHERE chain='btc' ORDER BY outpoint") == [
        ("aa:0", clock.now + 600),
        ("bb:1", clock.now + 600),
    ]
    clock.now += 599.5
    with store.decision() as db:
        assert store.locked_outpoints_in(db, "btc") == {"aa:0", "bb:1"}
    store.unlock_outpoints("btc", ["bb:1"])
    store.hold_outpoints("btc", ["cc:2"])
    clock.now += 1
    with store.decision() as db:
        assert store.locked_outpoints_in(db, "btc") == {"cc:2"}  # aa:0's 600 s are over; cc:2 is held
        assert store.locked_outpoints_in(db, "ltc") == set()
    clock.now += 10**9
    with store.decision() as db:
        assert store.locked_outpoints_in(db, "btc") == {"cc:2"}


def test_unlocking_frees_a_timed_lock_but_never_a_hold(store: Store) -> None:
    """A refused spend frees its coins, but not a coin another spend of which reached the network:
    a refused RBF replacement must not put a coin whose spend is in flight back on offer."""
    clock: Clock = store.clock  # type: ignore[assignment]
    clock.now += 1_000
    with store.decision() as db:
        store.lock_outpoints_in(db, "btc", ["aa:0"], 600)
    store.hold_outpoints("btc", ["bb:1"])
    store.unlock_outpoints("btc", ["aa:0", "bb:1"])
    assert _rows(store, "SELECT outpoint FROM utxo_locks WHERE chain='btc'") == [("bb:1",)]
    clock.now += 10**9
    with store.decision() as db:
        assert store.locked_outpoints_in(db, "btc") == {"bb:1"}


def test_a_sqlite_decision_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    # BEGIN IMMEDIATE takes SQLite's RESERVED lock at once, before the decision reads anything:
    # another writer cannot start until it commits (a deferred BEGIN would let two decisions read
    # the same nonce). SQLite itself answers: a second BEGIN IMMEDIATE that may not wait fails.
    store = SQLiteStore(tmp_path / "lock.db")
    other = sqlite3.connect(tmp_path / "lock.db", timeout=0, isolation_level=None)
    try:
        with store.decision():
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
        with pytest.raises(RuntimeError), store.decision():
            raise RuntimeError("a failed decision rolls back")
        other.execute("BEGIN IMMEDIATE")  # and releases the lock too
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_failed_decision_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.decision() as db:
        store.reserve_nonce_in(db, "eth", ADDRESS, 0)
        store.record_in(db, "k", "r", "eth", {"native": 9}, b"\x00", "bb" * 32, {"decision": "signed"})
        raise RuntimeError("the signature failed")
    assert _rows(store, "SELECT count(*) FROM nonces") == [(0,)]
    assert _rows(store, "SELECT count(*) FROM ledger") == [(0,)]
    assert _rows(store, "SELECT count(*) FROM idempotency") == [(0,)]
    assert store.audit_events() == []


class Ticking:
    """A clock that moves on one second each time it is read (from 100.0)."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return 99.0 + self.reads


def test_an_event_without_spends_is_stored_as_given_at_one_instant(tmp_path: Path) -> None:
    # One decision is recorded at the one time the store read for it (the clock's first reading),
    # and its event is stored as the caller wrote it.
    store = SQLiteStore(tmp_path / "t.db", clock=Ticking())
    with store.decision() as db:
        store.record_in(db, "k", "r", "eth", {}, b"\x01", "cc" * 32, {"decision": "signed", "n": 1})
    assert _rows(store, "SELECT seq, at FROM audit") == [(1, 100.0)]
    assert store.audit_events() == [{"decision": "signed", "n": 1}]
    assert store.verify_audit()


def test_a_clock_stepped_back_writes_the_last_spend_time_again(store: Store) -> None:
    # Times never go back within an asset's rows: the audit row and its ledger rows carry the
    # last spend's time (1000), not the stepped-back clock's (900), and the log still verifies.
    clock: Clock = store.clock  # type: ignore[assignment]
    clock.now = 1000.0
    _spend(store, "eth", {"native": 1})
    clock.now = 900.0
    _spend(store, "eth", {"native": 2, TOKEN: 3})
    assert _rows(store, "SELECT seq, at FROM audit ORDER BY seq") == [(1, 1000.0), (2, 1000.0)]
    assert _rows(store, "SELECT at, asset, amount, audit_seq, total FROM ledger ORDER BY id") == [
        (1000.0, "native", "1", 1, "1"),
        (1000.0, TOKEN, "3", 2, "3"),
        (1000.0, "native", "2", 2, "3"),
    ]
    assert store.audit_events()[1]["ledger"] == {"chain": "eth", "spends": {"native": "2", TOKEN: "3"}}
    assert store.verify_audit()


def test_a_remembered_key_returns_its_bytes_and_whether_they_went_out(store: Store) -> None:
    _spend(store, "eth", {}, key="order-1")
    assert store.remembered("order-1", "request order-1") == (b"\x01\x02", "aa" * 32, False)
    assert store.is_handed_out("order-1") is False
    store.mark_broadcast("order-1")
    assert store.remembered("order-1", "request order-1") == (b"\x01\x02", "aa" * 32, True)
    assert store.is_handed_out("order-1") is True
    assert store.is_handed_out("never-seen") is False
    with pytest.raises(IdempotencyConflict) as info:
        store.remembered("order-1", "another request")
    assert str(info.value) == "idempotency key 'order-1' was used for a different request"


def _x87_tags(libm: Any) -> bytes:
    """The x87 tag word, read with glibc's fegetenv (x86-64 fenv_t: __tags at offset 8; 0xffff: all empty)."""
    import ctypes

    env = ctypes.create_string_buffer(512)
    libm.fegetenv(env)
    return env.raw[8:10]


def test_load_gives_libm_and_an_fninit_that_empties_the_x87_stack() -> None:
    # On x86-64 Linux the store loads libm and three bytes of machine code (FNINIT; RET). Run in a
    # forked child: code loaded wrong can crash the process that calls it, and the child's exit
    # status says what happened (0: loaded, the stack was full after FLD1 x 8 and empty after it).
    import os
    import platform

    from walletkit.signer import store as store_module

    assert platform.system() == "Linux" and platform.machine() == "x86_64"  # where this suite runs
    # Loaded here too (not run): a mutation tool that traces which tests call _load() sees this one.
    loaded = store_module._load()
    assert loaded[0] is not None and loaded[1] is not None
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status only
        code = 3
        try:
            libm, fninit = store_module._load()
            if libm is None or fninit is None:
                code = 4
            else:
                code_page = __import__("mmap").mmap(-1, 4096, prot=7)  # FLD1 x 8; RET: fill the stack
                code_page.write(bytes([0xD9, 0xE8] * 8 + [0xC3]))
                import ctypes

                ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(code_page)))()
                full = _x87_tags(libm)
                fninit()
                code = 0 if (full == b"\x00\x00" and _x87_tags(libm) == b"\xff\xff") else 5
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), f"the child died of signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 0


def test_execute_runs_raw_sql_in_its_own_transaction(store: Store) -> None:
    store.execute("INSERT INTO nonces (chain, address, next) VALUES (?, ?, ?)", ("eth", ADDRESS, 41))
    assert _rows(store, "SELECT chain, address, next FROM nonces") == [("eth", ADDRESS, 41)]
    with store.decision() as db:
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 0) == 41
    store.execute("DELETE FROM nonces")
    assert _rows(store, "SELECT count(*) FROM nonces") == [(0,)]


def _in_thread(work: Any) -> Any:
    """Run ``work()`` in another thread; return what it returned (or raise what it raised)."""
    import threading

    out: list[Any] = []

    def run() -> None:
        try:
            out.append(("ok", work()))
        except BaseException as e:  # handed back to the test's thread
            out.append(("error", e))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    kind, value = out[0]
    if kind == "error":
        raise value
    return value


def test_an_in_memory_store_is_one_database_that_its_threads_share() -> None:
    store, other = SQLiteStore(), SQLiteStore()
    assert store.path == ":memory:"
    with store.decision() as db:
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 5) == 5
    # Another thread reads the same database (one connection, usable from any thread).
    assert _in_thread(lambda: _rows(store, "SELECT next FROM nonces")) == [(6,)]
    with store.decision() as db:
        assert _in_thread(lambda: 1) == 1  # (the thread helper itself works while a decision is open)
        assert store.reserve_nonce_in(db, "eth", ADDRESS, 0) == 6
    assert _rows(other, "SELECT count(*) FROM nonces") == [(0,)]  # another in-memory store is another database
    with store.transaction() as first:
        pass
    assert _in_thread(lambda: _connection(store)) is first


def _connection(store: Store) -> Any:
    with store.transaction() as db:
        return db


def test_a_file_store_keeps_one_connection_per_thread(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")
    first, second = _connection(store), _connection(store)
    assert first is second  # reused within a thread

    def pragmas() -> tuple[Any, Any, Any]:
        db = _connection(store)
        return db, db.execute("PRAGMA journal_mode").fetchone(), db.execute("PRAGMA busy_timeout").fetchone()

    elsewhere, journal, timeout = _in_thread(pragmas)
    assert elsewhere is not first  # each thread has its own
    assert journal == ("wal",)
    assert timeout == (60_000,)  # waits up to 60 s for the write lock (milliseconds)
    assert first.execute("PRAGMA busy_timeout").fetchone() == (60_000,)


# --- _load() where it must load nothing, or must load libm another way ------------------------------------


@pytest.mark.parametrize(("system", "machine"), [("Linux", "aarch64"), ("Darwin", "x86_64"), ("Windows", "AMD64")])
def test_load_loads_nothing_off_x86_64_linux(monkeypatch: pytest.MonkeyPatch, system: str, machine: str) -> None:
    # FNINIT; RET are x86 bytes and __tags at offset 8 is glibc x86-64's fenv_t: on any other system or
    # machine nothing is loaded (and so nothing run). No such machine is at hand, so platform answers
    # as one would (its own documented values: 'Linux', 'Darwin', 'Windows'; 'aarch64', 'x86_64', 'AMD64').
    import platform

    from walletkit.signer import store as store_module

    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    assert store_module._load() == (None, None)


def test_load_opens_libm_by_its_soname_where_find_library_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # ctypes.util.find_library runs ldconfig, gcc or ld to look; a slim container has none of them and
    # it returns None. libm is then opened by glibc's soname, libm.so.6, and works: fegetenv returns 0.
    import ctypes
    import ctypes.util

    from walletkit.signer import store as store_module

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    libm, fninit = store_module._load()
    assert libm is not None and fninit is not None
    env = ctypes.create_string_buffer(512)
    assert libm.fegetenv(env) == 0


FE_TONEAREST, FE_UPWARD = 0x000, 0x800  # <fenv.h> on x86: the rounding-control bits of the x87 control word


def test_a_transaction_keeps_the_callers_rounding_mode(store: Store) -> None:
    # With the x87 stack empty (as it is between C calls) the store leaves the floating-point unit
    # alone: FNINIT would also reset the x87 control word, and with it a rounding mode the caller set
    # with fesetround (glibc's fegetround reads that control word back).
    import ctypes

    libm = ctypes.CDLL("libm.so.6")
    assert libm.fesetround(FE_UPWARD) == 0
    try:
        assert libm.fegetround() == FE_UPWARD
        with store.transaction():
            pass
        assert libm.fegetround() == FE_UPWARD
    finally:
        libm.fesetround(FE_TONEAREST)
    assert libm.fegetround() == FE_TONEAREST


def test_a_postgres_store_without_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # psycopg absent (sys.modules entry None: the interpreter's own way to make the import fail).
    import sys

    from walletkit.errors import MissingExtra

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtra) as info:
        PostgresStore("postgresql://127.0.0.1:9/x")
    assert (info.value.extra, info.value.module) == ("postgres", "psycopg")
    assert str(info.value) == (
        "PostgresStore needs the 'postgres' extra: psycopg is not installed; run: "
        'python -m pip install "walletkit-multichain[postgres]" (from a clone: python -m pip install -e ".[postgres]"),'
        " which installs psycopg"
    )


def test_an_edited_running_total_is_found_without_a_key_or_an_anchor(store: Store) -> None:
    # 1 then 2 native: the running totals are "1" and "3". An edited second total (SQLite has no
    # append-only trigger) is found by adding the amounts up again; no head was checked.
    _spend(store, "eth", {"native": 1})
    _spend(store, "eth", {"native": 2})
    assert store.verify_audit() == AuditReport(True, None, 2, False, None)
    store.execute("UPDATE ledger SET total = '7' WHERE id = 2")
    assert store.verify_audit() == AuditReport(
        False,
        "ledger row 2 (eth native) has running total 7, but its spends add up to 3 "
        "(an edited total would move a rolling window)",
        2,
        False,
        None,
    )


def test_a_ledger_row_pointing_at_an_audit_row_without_spends_is_found(store: Store) -> None:
    # Row 1 records no spend; a ledger row forged to point at it (a spend hidden from the audit
    # trail's spends) is found, though its running total is consistent.
    _spend(store, "eth", {}, key="k")
    _spend(store, "eth", {"native": 1})
    store.execute(
        "INSERT INTO ledger (at, chain, asset, amount, audit_seq, total) VALUES (?, ?, ?, ?, ?, ?)",
        (1_700_000_000.0, "eth", "native", "5", 1, "6"),
    )
    assert store.verify_audit() == AuditReport(
        False, "ledger row 2 (eth native) belongs to no audited spend (inserted or edited)", 2, False, None
    )
