"""The kind: a wallet walletkit makes can be backed up by the person who made it.

``keystore create --generate`` stored a new phrase that was never shown, and no command
revealed it: the file and its password were the only copy. Now the phrase is shown once on
the terminal (stderr, numbered, with a "write it down" notice) and never when stderr is piped
(a log) unless ``--show-phrase`` asks; ``keystore reveal`` prints it after the password, with a
warning. What is shown is checked against the stored secret and opens the same wallet.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import walletkit as wk
from walletkit.keystore import Keystore

PASSWORD = "pw-for-backup-test"
ENV = {**os.environ, "WK_PW": PASSWORD, "WK_PASSPHRASE": "extra words"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "keystore", *args],
        capture_output=True,
        text=True,
        env=ENV,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def run_with_stderr_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout piped); return (exit code, stdout, terminal text)."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "walletkit.cli", "keystore", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=ENV,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    return process.wait(timeout=300), stdout, b"".join(chunks).decode().replace("\r", "")


def numbered_words(text: str) -> str:
    """The phrase as the numbered grid shows it: '1. word  2. word ...' in order."""
    pairs = [(int(n), w) for n, w in re.findall(r"(\d+)\. ([a-z]+)", text)]
    assert [n for n, _ in pairs] == list(range(1, len(pairs) + 1))
    return " ".join(w for _, w in pairs)


def stored_phrase(path: Path) -> str:
    return str(Keystore.open(path, PASSWORD).export_secret()["mnemonic"])


def test_new_phrase_backup_shown_once_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    code, stdout, terminal = run_with_stderr_on_a_terminal("create", str(path), "--generate", "--password-env", "WK_PW")
    assert code == 0, terminal
    phrase = stored_phrase(path)
    assert len(phrase.split()) == 24
    assert numbered_words(terminal) == phrase
    assert "WRITE IT DOWN NOW" in terminal and "the only copy" in terminal and "not shown again unasked" in terminal
    assert re.fullmatch(r"created \S+ \(id [0-9a-f-]+\)\n", stdout)  # stdout (often a log) never has it


def test_new_phrase_backup_never_printed_when_piped(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    out = run("create", str(path), "--generate", "--password-env", "WK_PW")
    assert out.returncode == 0, out.stderr
    words = stored_phrase(path).split()
    printed = " ".join((out.stdout + out.stderr).split())
    assert numbered_words(printed) == ""
    for start in range(len(words) - 2):  # no three of its words in a row, anywhere
        assert " ".join(words[start : start + 3]) not in printed
    assert f"walletkit keystore reveal {path}" in out.stderr
    assert "this file and its password are the only copy" in out.stderr


def test_new_phrase_backup_show_phrase_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    out = run("create", str(path), "--generate", "--show-phrase", "--password-env", "WK_PW")
    assert out.returncode == 0, out.stderr
    assert numbered_words(out.stderr) == stored_phrase(path)
    assert numbered_words(out.stdout) == ""  # stdout never carries it
    given = run("create", str(tmp_path / "other.json"), "--mnemonic-env", "WK_PW", "--show-phrase")
    assert given.returncode == 2 and "--show-phrase goes with --generate" in given.stderr


def test_new_phrase_backup_reveal(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    made = run("create", str(path), "--generate", "--passphrase-env", "WK_PASSPHRASE", "--password-env", "WK_PW")
    assert made.returncode == 0, made.stderr
    out = run("reveal", str(path), "--password-env", "WK_PW")
    assert out.returncode == 0, out.stderr
    phrase = out.stdout.strip()
    assert phrase == stored_phrase(path)
    assert "recovery phrase; with it anyone can spend the funds" in out.stderr
    assert "also has a BIP39 passphrase" in out.stderr
    both = run("reveal", str(path), "--with-passphrase", "--password-env", "WK_PW")
    assert both.stdout.splitlines() == [phrase, "extra words"]
    restored = wk.Wallet.from_mnemonic(phrase, "extra words")  # what was shown restores the same wallet
    assert restored.account("eth").address == Keystore.open(path, PASSWORD).wallet().account("eth").address


def test_new_phrase_backup_reveal_needs_the_password(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    assert run("create", str(path), "--generate", "--password-env", "WK_PW").returncode == 0
    no_password = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "keystore", "reveal", str(path)],
        capture_output=True,
        text=True,
        env={k: v for k, v in ENV.items() if k != "WK_PW"},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert no_password.returncode == 3 and no_password.stdout == ""
    wrong = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "keystore", "reveal", str(path), "--password-env", "WK_WRONG"],
        capture_output=True,
        text=True,
        env={**ENV, "WK_WRONG": "not the password"},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr.strip() == "error: the password does not open this keystore"


@pytest.mark.parametrize("key", ["0x" + "46" * 32])
def test_new_phrase_backup_reveal_of_raw_keys(tmp_path: Path, key: str) -> None:
    path = tmp_path / "keys.json"
    Keystore.create(path, PASSWORD, keys={"hot": key})
    out = run("reveal", str(path), "--password-env", "WK_PW")
    assert out.returncode == 1 and out.stdout == ""
    assert "holds raw keys, not a recovery phrase" in out.stderr and "46" * 32 not in out.stderr
