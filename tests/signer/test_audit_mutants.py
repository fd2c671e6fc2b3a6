"""The audit trail's key, head and anchor, pinned line by line (mutation group ``signer-store``, issue 19).

Expected values are written out by hand here (the anchor file's JSON text, the messages, the
file modes) or read from the operating system (``os.stat``, the calls reaching ``os.fsync``).
"""

from __future__ import annotations

import os
import pickle
import stat
import sys
from pathlib import Path

import pytest

from walletkit.errors import InvalidInput, InvalidKey
from walletkit.signer.audit import AuditAnchor, AuditHead, AuditKey, AuditReport

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
