"""The ``walletkit`` command through its real entry point (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PHRASE = "abandon " * 11 + "about"


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_mnemonic_new_json() -> None:
    out = run("mnemonic", "new", "--words", "24", "--language", "japanese", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["words"] == 24 and len(data["mnemonic"].split("\u3000")) == 24


def test_addresses_from_stdin_json() -> None:
    out = run("addresses", "--chain", "eth", "--count", "2", "--json", stdin=PHRASE + "\n")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows[0]["address"] == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    assert rows[1]["path"] == "m/44'/60'/0'/0/1"
    assert "abandon" not in out.stdout + out.stderr


def test_addresses_from_env_table() -> None:
    out = run("addresses", "--chain", "sol", "--count", "1", "--phrase-env", "WK_PHRASE", env={"WK_PHRASE": PHRASE})
    assert out.returncode == 0, out.stderr
    assert "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk" in out.stdout


def test_wrong_word_is_one_line_exit_2_no_echo() -> None:
    bad = PHRASE.replace("about", "abuot")
    out = run("mnemonic", "check", stdin=bad)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: word 12 is not in the BIP39 english word list; closest valid words: about, abbot, abort"
    ] or (out.stderr.startswith("error: word 12") and len(out.stderr.strip().splitlines()) == 1)
    assert "Traceback" not in out.stderr and "abuot" not in out.stderr


def test_unknown_chain_fails_before_asking_for_a_secret() -> None:
    out = run("addresses", "--chain", "doge", stdin="")
    assert out.returncode == 2
    assert out.stderr.startswith("error: no chain named 'doge'")


def test_missing_env_secret() -> None:
    out = run("addresses", "--chain", "eth", "--phrase-env", "WK_NOT_SET_ANYWHERE")
    assert out.returncode == 3
    assert "WK_NOT_SET_ANYWHERE is not set" in out.stderr


def test_chains_lists_five() -> None:
    out = run("chains", "--json")
    assert out.returncode == 0, out.stderr
    assert {"btc", "eth", "bsc", "tron", "sol"} <= {r["chain"] for r in json.loads(out.stdout)}
