"""The guard's state in the signer's store: history, velocity, pending requests, approvals, freezes.

All of it lives in the store (SQLite or PostgreSQL) beside the signer's own tables, and every
read that decides happens inside the signer's decision transaction, so every worker sees a
freeze, an approval or a velocity count at its next decision. Time comes from the store's clock.

Tables (created on first use): ``guard_signed`` (what was signed: recipients, calls, per account),
``guard_refusals``, ``guard_requests``, ``guard_approvals``, ``guard_totp_used``, ``guard_freezes``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from walletkit.effects import Effect
from walletkit.errors import AccountFrozen, PolicyViolation
from walletkit.signer.approvals import counterparties

_TABLES = (
    "CREATE TABLE IF NOT EXISTS guard_signed (chain TEXT NOT NULL, account TEXT NOT NULL, counterparty TEXT NOT NULL,"
    " kind TEXT NOT NULL, txid TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS guard_signed_by ON guard_signed (chain, account, at)",
    "CREATE INDEX IF NOT EXISTS guard_signed_to ON guard_signed (chain, counterparty, at)",
    "CREATE TABLE IF NOT EXISTS guard_refusals (chain TEXT NOT NULL, account TEXT NOT NULL, rule TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS guard_requests (id TEXT PRIMARY KEY, kind TEXT NOT NULL, chain TEXT NOT NULL,"
    " network TEXT NOT NULL, account TEXT NOT NULL, requester TEXT NOT NULL, request TEXT NOT NULL,"
    " digest TEXT NOT NULL, effects TEXT NOT NULL, needs TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL,"
    " status TEXT NOT NULL, txid TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS guard_approvals (request_id TEXT NOT NULL, approver TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL, PRIMARY KEY (request_id, approver))",
    "CREATE TABLE IF NOT EXISTS guard_totp_used (approver TEXT NOT NULL, step BIGINT NOT NULL,"
    " PRIMARY KEY (approver, step))",
    "CREATE TABLE IF NOT EXISTS guard_freezes (scope TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL, lifted_at DOUBLE PRECISION)",
)


@dataclass(frozen=True, slots=True)
class Freeze:
    """A freeze in force: ``scope`` (``"<chain>:<address>"`` or ``"*"``), why, what raised it, when (seconds)."""

    scope: str
    reason: str
    source: str
    at: float


def scope_of(chain: str, address: str) -> str:
    """Return the freeze scope of one account."""
    return f"{chain}:{address}"


class GuardState:
    """Queries over the guard's tables; every ``*_in`` method runs inside the caller's transaction."""

    def __init__(self, store: Any) -> None:
        self.store = store
        with store.transaction() as db:
            for statement in _TABLES:
                store.run(db, statement)

    # --- freezes ------------------------------------------------------------------------------

    def freezes_in(self, db: Any, chain: str | None = None, address: str | None = None) -> list[Freeze]:
        """Return the freezes in force over an account (or every freeze, without one)."""
        rows = self.store.run(
            db, "SELECT scope, reason, source, at FROM guard_freezes WHERE lifted_at IS NULL"
        ).fetchall()
        freezes = [Freeze(str(r[0]), str(r[1]), str(r[2]), float(r[3])) for r in rows]
        if chain is None or address is None:
            return freezes
        return [f for f in freezes if f.scope in ("*", scope_of(chain, address))]

    def check_frozen_in(self, db: Any, chain: str, address: str) -> None:
        """Raise :class:`AccountFrozen` if a freeze covers the account."""
        found = self.freezes_in(db, chain, address)
        if found:
            raise AccountFrozen(found[0].scope, found[0].reason)

    def freeze_in(self, db: Any, scope: str, reason: str, source: str) -> bool:
        """Freeze a scope (no-op if already frozen); return True if a new freeze was recorded."""
        if any(f.scope == scope for f in self.freezes_in(db)):
            return False
        self.store.run(
            db,
            "INSERT INTO guard_freezes (scope, reason, source, at) VALUES (?, ?, ?, ?)",
            (scope, reason, source, self.store.clock()),
        )
        return True

    def lift_in(self, db: Any, scope: str) -> None:
        """Lift every freeze of a scope."""
        self.store.run(
            db, "UPDATE guard_freezes SET lifted_at=? WHERE scope=? AND lifted_at IS NULL", (self.store.clock(), scope)
        )

    # --- history and velocity -----------------------------------------------------------------

    def known_in(
        self, db: Any, chain: str, effects: Sequence[Effect] | None = None
    ) -> tuple[frozenset[str], frozenset[str]]:
        """Return which recipients were paid and which ``contract:selector`` calls were signed on a
        chain before: among the counterparties of ``effects`` (an index look-up each), or all of them."""
        if effects is None:
            rows = self.store.run(db, "SELECT DISTINCT counterparty, kind FROM guard_signed WHERE chain=?", (chain,))
            found = [(str(c), str(k)) for c, k in rows.fetchall()]
        else:
            wanted = [(c, "pay") for c in sorted(counterparties(effects)[0])]
            wanted += [(c, "call") for c in sorted(counterparties(effects)[1])]
            found = [
                (c, k)
                for c, k in wanted
                if self.store.run(
                    db, "SELECT 1 FROM guard_signed WHERE chain=? AND counterparty=? AND kind=? LIMIT 1", (chain, c, k)
                ).fetchone()
            ]
        paid = frozenset(c for c, k in found if k != "call")
        called = frozenset(c for c, k in found if k == "call")
        return paid, called

    def record_in(self, db: Any, chain: str, account: str, effects: Sequence[Effect], txid: str) -> None:
        """Remember what a signed transaction paid and called (one row at least, for the velocity count)."""
        paid, called = counterparties(effects)
        rows = [(p, "pay") for p in sorted(paid)] + [(c, "call") for c in sorted(called)] or [("", "other")]
        now = self.store.clock()
        for counterparty, kind in rows:
            self.store.run(
                db,
                "INSERT INTO guard_signed (chain, account, counterparty, kind, txid, at) VALUES (?, ?, ?, ?, ?, ?)",
                (chain, account, counterparty, kind, txid, now),
            )

    def check_velocity_in(self, db: Any, chain: str, account: str, effects: Sequence[Effect], velocity: Any) -> None:
        """Raise PolicyViolation (``velocity_transactions``, ``velocity_new_recipients``, ``cooldown``)."""
        if velocity is None:
            return
        now = self.store.clock()
        if velocity.transactions is not None:
            count, seconds = velocity.transactions
            done = self.store.run(
                db,
                "SELECT COUNT(DISTINCT txid) FROM guard_signed WHERE chain=? AND account=? AND at>=?",
                (chain, account, now - seconds),
            ).fetchone()[0]
            if int(done) + 1 > count:
                raise PolicyViolation(
                    "velocity_transactions", f"{done} transactions in the last {seconds} s; the limit is {count}"
                )
        paid, _ = counterparties(effects)
        if velocity.new_recipients is not None and paid:
            count, seconds = velocity.new_recipients
            known, _ = self.known_in(db, chain, effects)
            new = paid - known
            if new:
                rows = self.store.run(
                    db,
                    "SELECT counterparty, MIN(at) FROM guard_signed WHERE chain=? AND kind='pay' GROUP BY counterparty",
                    (chain,),
                ).fetchall()
                recent = sum(1 for _, first in rows if float(first) >= now - seconds)
                if recent + len(new) > count:
                    raise PolicyViolation(
                        "velocity_new_recipients",
                        f"{recent} new recipients in the last {seconds} s; {len(new)} more would pass {count}",
                    )
        if velocity.cooldown and paid:
            for recipient in sorted(paid):
                last = self.store.run(
                    db,
                    "SELECT MAX(at) FROM guard_signed WHERE chain=? AND counterparty=? AND kind='pay'",
                    (chain, recipient),
                ).fetchone()[0]
                if last is not None and now - float(last) < velocity.cooldown:
                    raise PolicyViolation(
                        "cooldown",
                        f"{recipient} was paid {now - float(last):.0f} s ago; the cooldown is {velocity.cooldown} s",
                    )

    def refused_in(self, db: Any, chain: str, account: str, rule: str, burst: tuple[int, int] | None) -> bool:
        """Record a refusal; return True when the refusals in the burst window reach the burst count."""
        now = self.store.clock()
        self.store.run(
            db, "INSERT INTO guard_refusals (chain, account, rule, at) VALUES (?, ?, ?, ?)", (chain, account, rule, now)
        )
        if burst is None:
            return False
        count, seconds = burst
        seen = self.store.run(
            db,
            "SELECT COUNT(*) FROM guard_refusals WHERE chain=? AND account=? AND at>=?",
            (chain, account, now - seconds),
        ).fetchone()[0]
        return int(seen) >= count

    def signed_txids_in(self, db: Any, chain: str) -> set[str]:
        """Return every txid this signer signed on a chain (a spend not among them is foreign)."""
        rows = self.store.run(db, "SELECT DISTINCT txid FROM guard_signed WHERE chain=?", (chain,)).fetchall()
        return {str(r[0]) for r in rows}

    # --- pending requests ------------------------------------------------------------------------

    def save_request_in(self, db: Any, row: Mapping[str, Any]) -> None:
        """Store a new pending request."""
        self.store.run(
            db,
            "INSERT INTO guard_requests (id, kind, chain, network, account, requester, request, digest, effects, needs,"
            " expires_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
            (
                row["id"],
                row["kind"],
                row["chain"],
                row["network"],
                row["account"],
                row["requester"],
                row["request"],
                row["digest"],
                row["effects"],
                json.dumps(row["needs"], sort_keys=True),
                row["expires_at"],
            ),
        )

    def request_in(self, db: Any, request_id: str) -> dict[str, Any] | None:
        """Return a stored request as a mapping (``needs`` decoded), or None."""
        row = self.store.run(
            db,
            "SELECT id, kind, chain, network, account, requester, request, digest, effects, needs, expires_at, status,"
            " txid FROM guard_requests WHERE id=?",
            (request_id,),
        ).fetchone()
        if row is None:
            return None
        keys = (
            "id",
            "kind",
            "chain",
            "network",
            "account",
            "requester",
            "request",
            "digest",
            "effects",
            "needs",
            "expires_at",
            "status",
            "txid",
        )
        out = dict(zip(keys, row))
        out["needs"] = json.loads(str(out["needs"]))
        out["expires_at"] = float(out["expires_at"])
        return out

    def approvers_in(self, db: Any, request_id: str) -> list[str]:
        """Return who approved a request, in order."""
        rows = self.store.run(
            db, "SELECT approver FROM guard_approvals WHERE request_id=? ORDER BY at, approver", (request_id,)
        ).fetchall()
        return [str(r[0]) for r in rows]

    def add_approval_in(self, db: Any, request_id: str, approver: str) -> None:
        """Count one approval."""
        self.store.run(
            db,
            "INSERT INTO guard_approvals (request_id, approver, at) VALUES (?, ?, ?)",
            (request_id, approver, self.store.clock()),
        )

    def use_totp_step_in(self, db: Any, approver: str, step: int) -> bool:
        """Spend a TOTP time step of an approver; False if it was spent before (a reused code)."""
        seen = self.store.run(
            db, "SELECT 1 FROM guard_totp_used WHERE approver=? AND step=?", (approver, step)
        ).fetchone()
        if seen is not None:
            return False
        self.store.run(db, "INSERT INTO guard_totp_used (approver, step) VALUES (?, ?)", (approver, step))
        return True

    def finish_request_in(self, db: Any, request_id: str, status: str, txid: str = "") -> None:
        """Mark a request executed (with its txid) or expired."""
        self.store.run(db, "UPDATE guard_requests SET status=?, txid=? WHERE id=?", (status, txid, request_id))
