"""Crash consistency: a child writing the keystore dies at every step of the write path.

No sleep picks the moment. The child runs :meth:`Keystore.save` under a Python audit hook
(PEP 578) that sees each file-system step of the write before it happens: taking the lock,
reading the file, looking for stale temp files, creating the temp file, opening it for
writing, ``os.replace``, opening the folder to fsync it. For kill point *k*, the child
tells the parent through a pipe that it has reached step *k* and waits there; the parent
looks at the folder (to show where the write stands: no temp file yet, an empty one, a
complete one not yet renamed), sends SIGKILL, and checks that the file opens to the old
content if the kill came before ``os.replace`` and to the new content after it. Every kill
point of the path is hit, in both directions (phrase A to B and B to A), including the
extra step a stale temp file adds.

The kill inside the data itself is made by the kernel: with ``RLIMIT_FSIZE`` set to *n*
bytes (and SIGXFSZ at its default action, which Python ignores at start-up), the child's
write(2) stops at byte *n* of the temp file and the next one kills it, so the temp file is
left holding exactly *n* bytes of the new document.

(The KDF is cheap here on purpose: this test is about the write path, not the KDF.)
"""

from __future__ import annotations

import itertools
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

from walletkit.keystore import KdfParams, Keystore
from walletkit.keystore.store import _TEMP_PREFIX

PHRASES = (
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
)
# The audit events of the write path (PEP 578 names): each is a kill point.
WRITE_PATH_EVENTS = frozenset({"open", "fcntl.flock", "pathlib.Path.glob", "os.scandir", "os.remove", "os.rename"})
# The steps every save() must take, in this order (the full list, read by a first run with no
# kill, may hold more, such as the folder scan for stale temp files and their removal).
ESSENTIAL = [
    "open .w.json.lock",
    "fcntl.flock",
    f"open {_TEMP_PREFIX}w.json",  # the temp file is created
    "open fd",  # and opened for writing
    "os.rename",  # os.replace puts it in place
    "open folder",  # the folder is opened to fsync it
]


def _label(event: str, args: tuple[Any, ...], folder: Path) -> str:
    if event != "open":
        return event
    target = args[0]
    if isinstance(target, int):
        return "open fd"  # os.fdopen on the temp file's descriptor
    name = Path(os.fsdecode(target))
    if name == folder:
        return "open folder"
    return f"open {_TEMP_PREFIX}w.json" if name.name.startswith(_TEMP_PREFIX) else f"open {name.name}"


def _child(path: Path, phrase: str, stop_at: int, report: int) -> None:
    # In the forked child: open, change the content, and save with the audit hook armed.
    # At step ``stop_at`` report it and wait there (signal.pause) for the parent's SIGKILL.
    ks = Keystore.open(path, "pw", allow_weak=True)
    ks._secret["mnemonic"] = phrase
    step = 0
    armed = False

    def hook(event: str, args: tuple[Any, ...]) -> None:
        nonlocal step
        if not armed or event not in WRITE_PATH_EVENTS:
            return
        label = _label(event, args, path.parent)
        if step == stop_at:
            os.write(report, f"stop {label}\n".encode())
            while True:
                signal.pause()
        os.write(report, f"pass {label}\n".encode())
        step += 1

    sys.addaudithook(hook)
    armed = True
    ks.save()
    armed = False
    os.write(report, b"done\n")


def _temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{_TEMP_PREFIX}w.json.*"))


def _kill_at(path: Path, phrase: str, stop_at: int, stale: bool) -> tuple[list[str], str | None]:
    """Run one save in a child and SIGKILL it at step ``stop_at``; return the steps passed and the stop."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        code = 1
        try:
            os.close(read_end)
            _child(path, phrase, stop_at, write_end)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    passed: list[str] = []
    stopped: str | None = None
    try:
        with os.fdopen(read_end) as reports:
            for line in reports:
                word, _, label = line.rstrip("\n").partition(" ")
                if word == "pass":
                    passed.append(label)
                    continue
                if word == "stop":
                    stopped = label
                    # Where the write stands when the kill lands: shown, not assumed.
                    temps = _temp_files(path.parent)
                    stale_left = stale and "os.remove" not in passed
                    created, renamed = f"open {_TEMP_PREFIX}w.json" in passed, "os.rename" in passed
                    assert len(temps) == stale_left + (created and not renamed), (passed, label, temps)
                    if label == "open fd":
                        assert all(t.stat().st_size == 0 for t in temps)  # created, nothing written yet
                    if label == "os.rename":  # written and fsynced, not yet in place: a complete document
                        assert Keystore.open(temps[0], "pw", allow_weak=True).export_secret()["mnemonic"] == phrase
                break
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # a failed check leaves no child waiting behind
        os.waitpid(pid, 0)
        raise
    if stopped is not None:
        os.kill(pid, signal.SIGKILL)  # the kill lands at the step the child reported, where it waits
    _, status = os.waitpid(pid, 0)
    if stopped is None:
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    else:
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    return passed, stopped


def _start_from(path: Path, content: str, stale_at: int | None) -> None:
    # A clean file holding ``content``; with ``stale_at`` (the index of "open fd" in a clean
    # save), plus the empty temp file that a real kill at that step leaves behind.
    ks = Keystore.open(path, "pw", allow_weak=True)
    ks._secret["mnemonic"] = content
    ks.save()  # also removes any temp file an earlier kill left
    assert not _temp_files(path.parent)
    if stale_at is not None:
        _, stopped = _kill_at(path, PHRASES[0] if content == PHRASES[1] else PHRASES[1], stale_at, stale=False)
        assert stopped == "open fd" and len(_temp_files(path.parent)) == 1


def test_sigkill_at_every_step_of_the_write_path(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    Keystore.create(path, "pw", mnemonic=PHRASES[0], kdf=KdfParams.scrypt(n=1 << 4, r=1), allow_weak=True)
    clean_steps, _ = _kill_at(path, PHRASES[1], 1 << 30, stale=False)
    stale_at = clean_steps.index("open fd")
    seen: set[str] = set()
    for (old, new), stale in itertools.product(((PHRASES[0], PHRASES[1]), (PHRASES[1], PHRASES[0])), (False, True)):
        _start_from(path, old, stale_at if stale else None)
        steps, stopped = _kill_at(path, new, 1 << 30, stale)  # a first run, never stopped, lists the steps
        assert stopped is None and [s for s in steps if s in ESSENTIAL] == ESSENTIAL, steps
        assert ("os.remove" in steps) == stale  # a stale temp file is removed before the new one is made
        for stop_at in range(len(steps)):
            _start_from(path, old, stale_at if stale else None)
            passed, stopped = _kill_at(path, new, stop_at, stale)
            assert (passed, stopped) == (steps[:stop_at], steps[stop_at])  # the kill landed at step ``stop_at``
            seen.add(steps[stop_at])
            renamed = "os.rename" in passed
            content = Keystore.open(path, "pw", allow_weak=True).export_secret()["mnemonic"]
            assert content == (new if renamed else old), (passed, stopped)  # old or new, never a mix
            # A temp file is left exactly when the kill came between its creation and the rename.
            created = f"open {_TEMP_PREFIX}w.json" in passed
            stale_left = stale and "os.remove" not in passed
            assert len(_temp_files(tmp_path)) == stale_left + (created and not renamed), (passed, stopped)
    assert set(ESSENTIAL) | {"os.remove"} <= seen, seen
    Keystore.open(path, "pw", allow_weak=True).save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.json.lock", "w.json"]  # no temp file is left


def _die_at_byte(path: Path, phrase: str, limit: int) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        try:
            ks = Keystore.open(path, "pw", allow_weak=True)
            ks._secret["mnemonic"] = phrase
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python starts with it ignored
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            ks.save()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def test_killed_inside_the_data(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    Keystore.create(path, "pw", mnemonic=PHRASES[0], kdf=KdfParams.scrypt(n=1 << 4, r=1), allow_weak=True)
    size = path.stat().st_size
    for limit in (0, 1, size // 2, size - 40):
        status = _die_at_byte(path, PHRASES[1], limit)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXFSZ, status
        temps = _temp_files(tmp_path)
        assert [t.stat().st_size for t in temps] == [limit]  # the kill landed at byte ``limit`` of the new file
        assert Keystore.open(path, "pw", allow_weak=True).export_secret()["mnemonic"] == PHRASES[0]
    Keystore.open(path, "pw", allow_weak=True).save()  # the next write removes the torn temp file
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.json.lock", "w.json"]
