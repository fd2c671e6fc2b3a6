"""walletkit/signer/guard.py pinned line by line (mutation group ``signer``, issue 19).

The guard's tables on a SQLite file with an injected clock: every row written and read back is
compared whole with values written out here; the velocity and burst windows at their edges.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from walletkit.effects import Approval, ContractCall, Transfer
from walletkit.errors import AccountFrozen, PolicyViolation
from walletkit.signer import SQLiteStore
from walletkit.signer.guard import Freeze, GuardState, scope_of
from walletkit.signer.rules import Velocity

A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
C = "0x" + "cc" * 20
ME = "0x" + "11" * 20
T0 = 1_700_000_000.0


class Clock:
    """The store's clock, set by the test (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guard(tmp_path: Path) -> GuardState:
    return GuardState(SQLiteStore(tmp_path / "g.db", clock=Clock()))


def _rows(guard: GuardState, sql: str) -> list[tuple[Any, ...]]:
    with guard.store.transaction() as db:
        return [tuple(r) for r in guard.store.run(db, sql).fetchall()]


def test_freezes_are_kept_until_lifted_and_cover_their_scope(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    mine = scope_of("eth", ME)
    assert mine == f"eth:{ME}"
    with guard.store.transaction() as db:
        guard.check_frozen_in(db, "eth", ME)  # nothing frozen
        assert guard.freeze_in(db, mine, "stolen key?", "foreign_spend") is True
        assert guard.freeze_in(db, mine, "again", "manual") is False  # frozen already
        clock.now += 5
        assert guard.freeze_in(db, scope_of("eth", A), "other", "manual") is True
        assert guard.freezes_in(db) == [
            Freeze(mine, "stolen key?", "foreign_spend", T0),
            Freeze(f"eth:{A}", "other", "manual", T0 + 5),
        ]
        assert guard.freezes_in(db, "eth", ME) == [Freeze(mine, "stolen key?", "foreign_spend", T0)]
        assert guard.freezes_in(db, "bsc", ME) == []
        with pytest.raises(AccountFrozen) as info:
            guard.check_frozen_in(db, "eth", ME)
        assert (info.value.scope, info.value.reason) == (mine, "stolen key?")
        clock.now += 5
        guard.lift_in(db, mine)
        guard.check_frozen_in(db, "eth", ME)
        assert guard.freezes_in(db, "eth", ME) == []
        assert guard.freeze_in(db, "*", "all", "manual") is True
        assert [f.scope for f in guard.freezes_in(db, "eth", ME)] == ["*"]  # "*" covers every account
    assert _rows(guard, "SELECT scope, lifted_at FROM guard_freezes ORDER BY at, scope") == [
        (mine, T0 + 10),
        (f"eth:{A}", None),
        ("*", None),
    ]


def test_what_was_signed_is_recorded_and_known_per_chain(guard: GuardState) -> None:
    effects = [Transfer("native", B, 5), Transfer("native", A, 1), ContractCall(C, "a9059cbb"), Approval("t", A, 0)]
    with guard.store.transaction() as db:
        guard.record_in(db, "eth", ME, effects, "0x01")
        guard.record_in(db, "eth", ME, [], "0x02")  # nothing paid or called: one row for the count
        guard.record_in(db, "bsc", ME, [Transfer("native", C, 1)], "0x03")
        assert guard.known_in(db, "eth") == (frozenset({A, B, ""}), frozenset({f"{C}:a9059cbb"}))
        assert guard.known_in(db, "eth", [Transfer("native", A, 1), Transfer("native", C, 1)]) == (
            frozenset({A}),
            frozenset(),
        )
        assert guard.known_in(db, "eth", [ContractCall(C, "a9059cbb"), ContractCall(C, "095ea7b3")]) == (
            frozenset(),
            frozenset({f"{C}:a9059cbb"}),
        )
        assert guard.signed_txids_in(db, "eth") == {"0x01", "0x02"}
        assert guard.signed_txids_in(db, "sol") == set()
    assert _rows(guard, "SELECT chain, account, counterparty, kind, txid, at FROM guard_signed ORDER BY rowid") == [
        ("eth", ME, A, "pay", "0x01", T0),
        ("eth", ME, B, "pay", "0x01", T0),
        ("eth", ME, f"{C}:a9059cbb", "call", "0x01", T0),
        ("eth", ME, "", "other", "0x02", T0),
        ("bsc", ME, C, "pay", "0x03", T0),
    ]


def _velocity(guard: GuardState, effects: list[Any], velocity: Velocity) -> str | None:
    with guard.store.transaction() as db:
        try:
            guard.check_velocity_in(db, "eth", ME, effects, velocity)
        except PolicyViolation as e:
            return f"{e.rule}: {str(e).split(': ', 1)[1]}"
    return None


def _signed(guard: GuardState, txid: str, *recipients: str) -> None:
    with guard.store.transaction() as db:
        guard.record_in(db, "eth", ME, [Transfer("native", r, 1) for r in recipients], txid)


def test_the_transaction_count_window(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    rule = Velocity(transactions=(2, 60))
    pay = [Transfer("native", A, 1)]
    assert _velocity(guard, pay, rule) is None
    assert _velocity(guard, pay, None) is None  # type: ignore[arg-type]
    _signed(guard, "0x01", A, B)  # one transaction, two rows
    assert _velocity(guard, pay, rule) is None
    clock.now += 10
    _signed(guard, "0x02", A)
    assert _velocity(guard, pay, rule) == "velocity_transactions: 2 transactions in the last 60 s; the limit is 2"
    clock.now = T0 + 60  # the first is exactly 60 s old: still counted
    assert _velocity(guard, pay, rule) == "velocity_transactions: 2 transactions in the last 60 s; the limit is 2"
    clock.now = T0 + 60.5
    assert _velocity(guard, pay, rule) is None
    with guard.store.transaction() as db:  # another account's transactions do not count
        guard.record_in(db, "eth", A, pay, "0x03")
        guard.record_in(db, "eth", A, pay, "0x04")
    assert _velocity(guard, pay, rule) is None


def test_the_new_recipient_window(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    rule = Velocity(new_recipients=(2, 100))
    _signed(guard, "0x01", A)
    clock.now += 50
    _signed(guard, "0x02", B)
    assert _velocity(guard, [Transfer("native", A, 1)], rule) is None  # A is not new
    assert _velocity(guard, [Transfer("native", C, 1)], rule) == (
        "velocity_new_recipients: 2 new recipients in the last 100 s; 1 more would pass 2"
    )
    assert _velocity(guard, [ContractCall(C, None)], rule) is None  # nothing paid
    clock.now = T0 + 100  # A's first payment is exactly 100 s old: still recent
    assert _velocity(guard, [Transfer("native", C, 1)], rule) is not None
    clock.now = T0 + 100.5
    assert _velocity(guard, [Transfer("native", C, 1)], rule) is None
    assert _velocity(guard, [Transfer("native", C, 1), Transfer("native", "0x" + "dd" * 20, 1)], rule) == (
        "velocity_new_recipients: 1 new recipients in the last 100 s; 2 more would pass 2"
    )


def test_the_cooldown_per_recipient(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    rule = Velocity(cooldown=30)
    _signed(guard, "0x01", A)
    clock.now += 29.5
    assert _velocity(guard, [Transfer("native", A, 1)], rule) == (
        f"cooldown: {A} was paid 30 s ago; the cooldown is 30 s"  # 29.5 s, shown rounded
    )
    assert _velocity(guard, [Transfer("native", B, 1)], rule) is None  # never paid
    clock.now = T0 + 30
    assert _velocity(guard, [Transfer("native", A, 1)], rule) is None
    assert _velocity(guard, [Transfer("native", A, 1)], Velocity(cooldown=0)) is None


def test_a_burst_of_refusals_reaches_its_count_within_its_window(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    with guard.store.transaction() as db:
        assert guard.refused_in(db, "eth", ME, "max_per_tx", None) is False
        assert guard.refused_in(db, "eth", ME, "max_per_tx", (3, 60)) is False  # 2 in the window
        assert guard.refused_in(db, "eth", A, "max_per_tx", (3, 60)) is False  # another account
        clock.now = T0 + 60
        assert guard.refused_in(db, "eth", ME, "max_fee", (3, 60)) is True  # 3, the first exactly 60 s old
        clock.now = T0 + 120.5
        assert guard.refused_in(db, "eth", ME, "max_fee", (2, 60)) is False  # only this one in the window
    assert _rows(guard, "SELECT chain, account, rule, at FROM guard_refusals ORDER BY at, account") == [
        ("eth", ME, "max_per_tx", T0),
        ("eth", ME, "max_per_tx", T0),
        ("eth", A, "max_per_tx", T0),
        ("eth", ME, "max_fee", T0 + 60),
        ("eth", ME, "max_fee", T0 + 120.5),
    ]


def test_a_request_row_round_trips(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    row = {
        "id": "r1",
        "kind": "transfer",
        "chain": "eth",
        "network": "mainnet",
        "account": ME,
        "requester": "ops",
        "request": '{"to": "x"}',
        "digest": "dd" * 32,
        "effects": "ee|5|ff",
        "needs": {"large": 2, "b": 1},
        "expires_at": T0 + 600,
    }
    with guard.store.transaction() as db:
        assert guard.request_in(db, "r1") is None
        guard.save_request_in(db, row)
        assert guard.request_in(db, "r1") == {**row, "status": "pending", "txid": ""}
        assert guard.approvers_in(db, "r1") == []
        clock.now += 2
        guard.add_approval_in(db, "r1", "bob")
        clock.now -= 1
        guard.add_approval_in(db, "r1", "alice")
        guard.add_approval_in(db, "r2", "carol")
        assert guard.approvers_in(db, "r1") == ["alice", "bob"]  # in the order they came
        guard.finish_request_in(db, "r1", "executed", "0xabc")
        assert guard.request_in(db, "r1") == {**row, "status": "executed", "txid": "0xabc"}
        guard.finish_request_in(db, "r1", "expired")
        assert guard.request_in(db, "r1")["txid"] == ""  # type: ignore[index]
        assert guard.use_totp_step_in(db, "carol", 100) is True
        assert guard.use_totp_step_in(db, "carol", 100) is False  # a reused step
        assert guard.use_totp_step_in(db, "carol", 101) is True
        assert guard.use_totp_step_in(db, "dave", 100) is True
    assert _rows(guard, "SELECT needs FROM guard_requests") == [('{"b": 1, "large": 2}',)]
    assert _rows(guard, "SELECT request_id, approver, at FROM guard_approvals ORDER BY at") == [
        ("r1", "alice", T0 + 1),
        ("r2", "carol", T0 + 1),
        ("r1", "bob", T0 + 2),
    ]


def test_without_a_cooldown_a_clock_stepped_back_refuses_nothing(guard: GuardState) -> None:
    clock: Clock = guard.store.clock
    _signed(guard, "0x01", A)  # A paid at T0
    clock.now = T0 - 10  # the clock steps back: A's last payment is "in the future"
    assert _velocity(guard, [Transfer("native", A, 1)], Velocity(cooldown=0)) is None
    assert _velocity(guard, [Transfer("native", A, 1)], Velocity(cooldown=5)) == (
        f"cooldown: {A} was paid -10 s ago; the cooldown is 5 s"
    )
