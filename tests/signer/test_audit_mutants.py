"""The audit trail's key, head and anchor, pinned line by line (mutation group ``signer-store``, issue 19).

Expected values are written out by hand here (the anchor file's JSON text, the messages, the
file modes) or read from the operating system (``os.stat``, the calls reaching ``os.fsync``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import stat
import struct
import sys
from pathlib import Path

import pytest

from walletkit.errors import InvalidInput, InvalidKey, WalletKitError
from walletkit.signer import SQLiteStore
from walletkit.signer.audit import AuditAnchor, AuditHead, AuditKey, AuditReport, verify_log

HASH = "ab" * 32
KEY_ID = "0123456789abcdef"
MAC = "cd" * 32


def _head_text(**fields: object) -> str:
    """An anchor file's JSON written by hand, with some fields replaced."""
    values: dict[str, object] = {
        "format": '"walletkit-audit-anchor/1"',
        "seq": "3",
        "hash": f'"{HASH}"',
        "at": "1.5",
        "key_id": f'"{KEY_ID}"',
        "mac": f'"{MAC}"',
    }
    values.update({k: v for k, v in fields.items()})
    return "{" + ", ".join(f'"{k}": {v}' for k, v in values.items()) + "}"


def test_a_head_is_written_as_this_exact_json() -> None:
    # Keys sorted, json.dumps's default separators: the file's bytes do not depend on field order.
    head = AuditHead(3, HASH, 1.5, KEY_ID, MAC)
    assert head.to_json() == (
        f'{{"at": 1.5, "format": "walletkit-audit-anchor/1", "hash": "{HASH}", "key_id": "{KEY_ID}", '
        f'"mac": "{MAC}", "seq": 3}}'
    )
    assert AuditHead.from_json(_head_text()) == head


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_head_text(format='"walletkit-audit-anchor/2"'), "format"),
        ("[1, 2]", "format"),
        (_head_text(seq="0"), "seq"),
        (_head_text(seq="-4"), "seq"),
        (_head_text(seq="true"), "seq"),
        (_head_text(seq='"3"'), "seq"),
        (_head_text(at='"1.5"'), "at"),
        (_head_text(at="true"), "at"),
        (_head_text(at="null"), "at"),
        (_head_text(hash='"abcd"'), "hex"),
    ],
)
def test_a_malformed_head_is_refused_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as info:
        AuditHead.from_json(text)
    assert str(info.value) == (
        "expected an audit head (walletkit-audit-anchor/1: seq, hash, at, key_id, mac); "
        f"this text is not one ({reason})"
    )


def test_a_head_time_may_be_an_integer() -> None:
    head = AuditHead.from_json(_head_text(at="7", seq="1"))
    assert head.at == 7.0 and isinstance(head.at, float) and head.seq == 1


def test_the_key_hides_its_secret_but_not_its_methods() -> None:
    key = AuditKey(bytes(range(32)))
    names = dir(key)
    assert "_secret" not in names
    assert {"export_hex", "key_id", "mac", "row_mac", "sign_head", "signed"} <= set(names)
    assert f"{key}" == f"{key:>80}" == repr(key) == f"AuditKey(id={key.key_id}, <redacted>)"
    with pytest.raises(TypeError) as info:
        pickle.dumps(key)
    assert str(info.value) == "an AuditKey cannot be pickled; export it explicitly with export_hex()"


def test_a_generated_key_is_32_random_bytes() -> None:
    first, second = AuditKey.generate(), AuditKey.generate()
    assert len(bytes.fromhex(first.export_hex())) == 32
    assert first != second


def test_key_parsing_errors_say_what_was_given(tmp_path: Path) -> None:
    with pytest.raises(InvalidKey) as info:
        AuditKey.from_hex(123)  # type: ignore[arg-type]
    assert str(info.value) == "an audit key in hex is text, got int"
    short = tmp_path / "short.hex"
    short.write_text("ab" * 16, encoding="ascii")
    with pytest.raises(InvalidKey) as info:
        AuditKey.from_file(short)
    assert str(info.value) == f"audit key file {str(short)!r}: an audit key is at least 32 bytes, got 16"
    missing = tmp_path / "missing.hex"
    with pytest.raises(InvalidKey) as info:
        AuditKey.from_file(missing)
    assert str(info.value) == f"audit key file {str(missing)!r} cannot be read as hex text: FileNotFoundError"
    # The file is read as ASCII: a key file holding other text is unreadable, not "not hex".
    accented = tmp_path / "accented.hex"
    accented.write_bytes("é".encode() * 40)
    with pytest.raises(InvalidKey) as info:
        AuditKey.from_file(accented)
    assert str(info.value) == f"audit key file {str(accented)!r} cannot be read as hex text: UnicodeDecodeError"
    good = tmp_path / "good.hex"
    good.write_text(" " + "07" * 32 + "\n", encoding="ascii")
    assert AuditKey.from_file(good) == AuditKey(bytes([7]) * 32)


def test_a_report_counts_its_rows_in_words() -> None:
    assert str(AuditReport(True, None, 1, False, None)) == "ok: 1 row (hash chain)"
    assert str(AuditReport(True, None, 2, True, None)) == "ok: 2 rows (hash chain, row MACs)"
    assert str(AuditReport(True, None, 0, True, 5)) == "ok: 0 rows (hash chain, row MACs, anchor at seq 5)"
    assert str(AuditReport(False, "row 2 was edited", 2, False, None)) == "audit trail broken: row 2 was edited"


def _fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record what each os.fsync call flushes ('file' or 'directory'), then flush it for real."""
    seen: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        seen.append("directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_an_anchor_flushes_the_file_then_its_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fsyncs(monkeypatch)
    key = AuditKey(bytes(32))
    anchor = AuditAnchor(tmp_path / "anchor.json")
    head = key.sign_head(1, HASH, 2.0)
    anchor.write(head)
    assert seen == ["file", "directory"]
    assert anchor.head(key) == head
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.json"]  # the temporary file was renamed


def test_an_anchor_without_fsync_flushes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fsyncs(monkeypatch)
    key = AuditKey(bytes(32))
    anchor = AuditAnchor(tmp_path / "anchor.json", fsync=False)
    anchor.write(key.sign_head(1, HASH, 2.0))
    assert seen == []
    assert anchor.head(key) == key.sign_head(1, HASH, 2.0)


def test_the_anchor_lock_is_a_private_file_beside_it(tmp_path: Path) -> None:
    anchor = AuditAnchor(tmp_path / "anchor.json")
    lock = anchor.lock()
    try:
        mode = stat.S_IMODE(os.stat(tmp_path / "anchor.json.lock").st_mode)
        assert mode & ~0o600 == 0  # no bit beyond owner read/write (the umask may only clear bits)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.json.lock"]
    finally:
        lock.release()
    lock.release()  # a second release does nothing


def test_without_flock_the_anchor_lock_is_a_thread_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A platform without fcntl: `import fcntl` fails (sys.modules entry None), the anchor's thread lock is used.
    monkeypatch.setitem(sys.modules, "fcntl", None)
    anchor = AuditAnchor(tmp_path / "anchor.json")
    lock = anchor.lock()
    assert anchor._lock.locked()
    assert list(tmp_path.iterdir()) == []  # no lock file
    lock.release()
    assert not anchor._lock.locked()
    lock.release()  # once only: the thread lock is not released twice
    again = anchor.lock()
    assert anchor._lock.locked()
    again.release()


def test_an_anchor_names_its_file_and_keys_hash_by_their_secret(tmp_path: Path) -> None:
    path = tmp_path / "anchor.json"
    assert repr(AuditAnchor(path)) == f"AuditAnchor({str(path)!r})"
    a, b = AuditKey(bytes(32)), AuditKey(bytes([1]) * 32)
    assert len({a, AuditKey(bytes(32)), b}) == 2
    assert hash(a) == hash(AuditKey(bytes(32))) and hash(a) != hash(b)


# --- the store's verify_audit and anchor, read back whole ---------------------------------------------


class Clock:
    """The store's clock, set by the test (seconds since the epoch)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _spend(store: SQLiteStore, amount: int) -> None:
    with store.decision() as db:
        store.record_in(db, None, "r", "eth", {"native": amount}, b"", "aa" * 32, {"decision": "signed"})


def test_verify_audit_reports_each_problem_whole(tmp_path: Path) -> None:
    key = AuditKey(bytes(32))
    path = tmp_path / "anchor.json"
    store = SQLiteStore(tmp_path / "a.db", clock=Clock(), audit_key=key, anchor=path)
    _spend(store, 1)
    _spend(store, 2)
    assert store.verify_audit() == AuditReport(True, None, 2, True, 2)
    store.execute("UPDATE ledger SET total = '5' WHERE id = 1")
    assert store.verify_audit() == AuditReport(
        False,
        "ledger row 1 (eth native) has running total 5, but its spends add up to 1 "
        "(an edited total would move a rolling window)",
        2,
        True,
        2,
    )
    assert store.verify_audit(key=None, anchor=key.sign_head(2, "00" * 32, 1.0)) == AuditReport(
        False, "row 2 does not have the hash the given head holds (the log was cut or rewritten)", 2, True, 2
    )
    forged = AuditHead(2, "00" * 32, 1.0, key.key_id, "00" * 32)
    assert store.verify_audit(anchor=forged) == AuditReport(
        False, "the given head's MAC does not match (another key, or an edited head)", 2, True, 2
    )
    path.unlink()
    assert store.verify_audit() == AuditReport(
        False, f"the anchor {str(path)!r} does not exist but the log has 2 rows", 2, True, None
    )
    plain = SQLiteStore(tmp_path / "b.db")
    with pytest.raises(InvalidInput) as info:
        plain.verify_audit(anchor=AuditAnchor(path))
    assert str(info.value) == "checking an audit anchor needs the audit key"
    with pytest.raises(InvalidInput) as info:
        SQLiteStore(tmp_path / "c.db", anchor=path)
    assert str(info.value) == "an audit anchor needs an audit_key: the anchored head is signed with it"


def test_events_are_stored_as_compact_sorted_json(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "e.db", clock=Clock(0.25))  # a clock just after the epoch
    with store.decision() as db:
        store.append_in(db, {"b": [1, 2], "a": "x"})
    _spend(store, 3)
    with store.transaction() as db:
        events = [str(r[0]) for r in store.run(db, "SELECT event FROM audit ORDER BY seq").fetchall()]
        ats = [float(r[0]) for r in store.run(db, "SELECT at FROM ledger").fetchall()]
    assert events == [
        '{"a":"x","b":[1,2]}',
        '{"decision":"signed","ledger":{"chain":"eth","spends":{"native":"3"}}}',
    ]
    assert ats == [0.25]  # the first spend of an asset is at the clock's time, however early


def test_a_failed_anchor_write_says_the_transaction_is_committed(tmp_path: Path) -> None:
    def refuse(head: AuditHead) -> None:
        raise OSError("the log service is down")

    key = AuditKey(bytes(32))
    path = tmp_path / "anchor.json"
    store = SQLiteStore(tmp_path / "p.db", audit_key=key, anchor=AuditAnchor(path, publish=refuse))
    with pytest.raises(WalletKitError) as info:
        _spend(store, 1)
    assert str(info.value) == (
        f"audit anchor {str(path)!r} could not be written (OSError: the log service is down);"
        " the transaction is committed, its head is not anchored"
    )
    assert len(store.audit_events()) == 1


def test_an_anchor_that_no_longer_matches_is_kept_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key = AuditKey(bytes(32))
    path = tmp_path / "anchor.json"
    store = SQLiteStore(tmp_path / "k.db", clock=Clock(), audit_key=key, anchor=path)
    _spend(store, 1)
    _spend(store, 2)
    store.execute("DELETE FROM ledger WHERE audit_seq = 2")
    store.execute("DELETE FROM audit WHERE seq = 2")  # the log is cut below the anchored seq 2
    kept = path.read_text(encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="walletkit.signer.audit"):
        _spend(store, 4)  # seq 2 again, with another hash: the anchor keeps the evidence
    assert path.read_text(encoding="utf-8") == kept
    assert [r.getMessage() for r in caplog.records] == [
        f"audit anchor {path} kept at seq 2: the log no longer extends it (cut or rewritten)"
    ]
    caplog.clear()
    path.write_text(kept.replace('"seq": 2', '"seq": 1'), encoding="utf-8")  # an edited anchor file
    with caplog.at_level(logging.WARNING, logger="walletkit.signer.audit"):
        _spend(store, 8)  # still committed, the anchor not advanced
    assert len(store.audit_events()) == 3
    assert [r.getMessage() for r in caplog.records] == [
        f"audit anchor not advanced: audit anchor {str(path)!r}: its MAC does not match its head (the file was edited)"
    ]
    path.unlink()
    path.mkdir()
    with pytest.raises(InvalidInput) as info:
        AuditAnchor(path).head(key)
    assert str(info.value) == f"audit anchor {str(path)!r} cannot be read: IsADirectoryError"


def _row(seq: int, at: float, prev: str, event: str) -> tuple[int, float, str, str, str, None]:
    """One audit row with its hash computed by hand (the module docstring's formula, with hashlib)."""
    data = b"walletkit audit row v1\x00" + struct.pack(">Q", seq) + struct.pack(">d", at) + bytes.fromhex(prev)
    return (seq, at, event, prev, hashlib.sha256(data + event.encode()).hexdigest(), None)


def test_verify_log_on_rows_written_by_hand() -> None:
    first = _row(1, 10.0, "00" * 32, "[1]")  # an event that is not a mapping: no ledger entry
    odd = json.dumps({"ledger": {"chain": 5, "spends": {"native": "1"}}})  # chain not text: not a spend
    second = _row(2, 11.0, first[4], odd)
    empty = json.dumps({"ledger": {"chain": "eth", "spends": {}}})  # a spend of nothing: no ledger rows
    third = _row(3, 12.0, second[4], empty)
    assert verify_log([first, second, third]) == AuditReport(True, None, 3, False, None)
    relinked = (2, 11.0, odd, "11" * 32, second[4], None)
    assert verify_log([first, relinked, third]) == AuditReport(
        False, "row 2 does not link to row 1 (a row was replaced)", 3, False, None
    )
    stray = [(7, 11.0, "eth", "native", "1", None)]
    assert verify_log([first, second, third], stray) == AuditReport(
        False, "ledger row 7 (eth native) belongs to no audited spend (inserted or edited)", 3, False, None
    )


def test_a_ledger_row_pointing_at_an_audit_row_without_spends_belongs_to_none() -> None:
    first = _row(1, 10.0, "00" * 32, json.dumps({"decision": "refused"}))  # records no spend
    spend = json.dumps({"ledger": {"chain": "eth", "spends": {"native": "2"}}})
    second = _row(2, 11.0, first[4], spend)
    own = (1, 11.0, "eth", "native", "2", 2)
    assert verify_log([first, second], [own]) == AuditReport(True, None, 2, False, None)
    for audit_seq in (1, 3):  # a row with no spends, a row that does not exist
        forged = (2, 10.0, "eth", "native", "5", audit_seq)
        assert verify_log([first, second], [own, forged]) == AuditReport(
            False, "ledger row 2 (eth native) belongs to no audited spend (inserted or edited)", 2, False, None
        )


def test_an_anchor_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    # Under the C locale Python's default text encoding is ASCII: an anchor holding UTF-8 text that is
    # not ASCII would then not even be read. It is read as UTF-8 (then refused as no audit head).
    import locale

    path = tmp_path / "anchor.json"
    path.write_bytes("caf\u00e9".encode())
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        assert locale.getpreferredencoding(False) == "ANSI_X3.4-1968"  # ASCII, as glibc names it
        with pytest.raises(InvalidInput) as info:
            AuditAnchor(path).head(AuditKey(bytes(32)))
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert str(info.value) == (
        "expected an audit head (walletkit-audit-anchor/1: seq, hash, at, key_id, mac); this text is not one"
        " (Expecting value: line 1 column 1 (char 0))"
    )


class _Interrupted(Exception):
    """Raised by the test's signal handler inside a blocked flock."""


def test_an_interrupted_wait_for_the_anchor_lock_raises_the_interruption_and_leaks_no_descriptor(
    tmp_path: Path,
) -> None:
    # Another open file of the lock holds its flock, so taking the anchor's lock blocks. Once the
    # kernel lists that wait in /proc/locks (a "->" line), a signal reaches the waiting thread and its
    # handler raises: the lock attempt raises that, and closes the descriptor it opened.
    import fcntl
    import signal
    import threading

    anchor = AuditAnchor(tmp_path / "anchor.json")
    holder = os.open(tmp_path / "anchor.json.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    inode = os.fstat(holder).st_ino
    main = threading.get_ident()

    stop = threading.Event()

    def waiting() -> bool:  # "N: -> FLOCK ADVISORY WRITE pid maj:min:inode ...": a blocked request
        fields = [line.split() for line in Path("/proc/locks").read_text().splitlines()]
        return any(f[1] == "->" and f[6].endswith(f":{inode}") for f in fields if len(f) > 6)

    def interrupt() -> None:
        while not stop.is_set():
            if waiting():
                signal.pthread_kill(main, signal.SIGUSR1)
                return
            os.sched_yield()

    def handler(signum: int, frame: object) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGUSR1, handler)
    fds = set(os.listdir("/proc/self/fd"))
    waker = threading.Thread(target=interrupt)
    try:
        waker.start()
        with pytest.raises(_Interrupted):
            anchor.lock()
        assert set(os.listdir("/proc/self/fd")) == fds  # the lock file's descriptor was closed
    finally:
        stop.set()  # (if the lock did not wait, the waker stops looking)
        waker.join()
        signal.signal(signal.SIGUSR1, previous)
        os.close(holder)
