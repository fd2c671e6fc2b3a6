"""Issue 16 item 13, the kind: command output reads whole at any width, on a terminal and piped.

``walletkit demo``, ``chains``, ``addresses`` and ``keystore show`` are run through the real
entry point at 40, 80, 120 and 250 columns, piped (as in a log) and on a pseudo-terminal
(where rich draws the table): no value and no header is ever cut (no ``…``), every value
appears whole on one line. The layout itself is checked on random tables.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletkit.cli.output import render_rows
from walletkit.registry import get_chain, list_chains

PHRASE = "abandon " * 11 + "about"
P2TR_0 = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"  # BIP86 vector, account 0 index 0
WIDTHS = (40, 80, 120, 250)


def run(*args: str, columns: int, tty: bool = False, stdin: str | None = None) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "WK_PHRASE": PHRASE, "WK_PW": "pw-for-width-test"}
    command = [sys.executable, "-m", "walletkit.cli", *args]
    if not tty:
        out = subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
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
    assert process.wait(timeout=600) == 0
    text = b"".join(chunks).decode()
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")  # drop colors and cursor codes


def assert_whole(text: str, values: list[str]) -> None:
    assert "…" not in text
    lines = text.splitlines()
    for value in values:
        assert any(value in line for line in lines), f"{value!r} is not whole on any line:\n{text}"


def chain_values() -> list[str]:
    values = ["chain", "name", "symbol", "networks", "kinds", "profiles"]
    for name in list_chains():
        spec = get_chain(name).spec
        values += [name, spec.display_name, spec.symbol, ",".join(spec.networks), ",".join(spec.kinds)]
        values.append(",".join(spec.profiles))
    return values


@pytest.mark.parametrize("columns", WIDTHS)
def test_chains_piped(columns: int) -> None:
    assert_whole(run("chains", columns=columns), chain_values())


@pytest.mark.parametrize("columns", (80, 250))
def test_chains_on_a_terminal(columns: int) -> None:
    text = run("chains", columns=columns, tty=True)
    assert_whole(text, chain_values())
    assert max(len(line) for line in text.splitlines()) <= columns


@pytest.mark.parametrize("columns", WIDTHS)
def test_addresses(columns: int) -> None:
    text = run("addresses", "--chain", "btc", "--kind", "p2tr", "--count", "2", "--phrase-env", "WK_PHRASE",
               columns=columns)  # fmt: skip
    assert_whole(text, ["chain", "path", "address", P2TR_0, "m/86'/0'/0'/0/0", "m/86'/0'/0'/0/1"])


def test_keystore_show(tmp_path: Path) -> None:
    from walletkit.keystore import Keystore

    path = tmp_path / "k.json"
    ks = Keystore.create(path, "pw-for-width-test", mnemonic=PHRASE)
    ks.add_account("a-long-account-name", "btc", "m/86'/0'/0'/0/0", "a label that is fairly long", kind="p2tr")
    for columns in (40, 80):
        text = run("keystore", "show", str(path), "--password-env", "WK_PW", columns=columns)
        assert_whole(text, ["a-long-account-name", P2TR_0, "a label that is fairly long", "m/86'/0'/0'/0/0"])


def test_demo_at_80_columns_piped() -> None:
    text = run("demo", columns=80)
    assert_whole(
        text,
        [
            *("chain", "engine", "from", "to", "amount", "txid", "balances after (from / to)"),
            *("1.5 BTC", "0.25 ETH", "0.25 BNB", "1.25 SOL", "12.5 TRX", "/ 0.25", "/ 1.25", "/ 1.5"),
        ],
    )
    # Every txid whole: 64 hex digits (btc, tron), 0x + 64 (eth, bsc), 64-88 base58 (sol).
    assert len(re.findall(r"(?<![0-9a-fx])[0-9a-f]{64}(?![0-9a-f])", text)) >= 2
    assert len(re.findall(r"0x[0-9a-f]{64}\b", text)) >= 2
    assert re.search(r"\b[1-9A-HJ-NP-Za-km-z]{86,88}\b", text)
    assert "skipped" not in text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=70), min_size=1,
             max_size=6, unique=True),
    st.lists(st.lists(st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), max_size=90), min_size=6,
                      max_size=6), min_size=1, max_size=5),
    st.integers(20, 300),
)  # fmt: skip
def test_render_rows_never_cuts(headers: list[str], cells: list[list[str]], width: int) -> None:
    rows = [dict(zip(headers, row)) for row in cells]
    text = render_rows(rows, "Title", width)
    lines = text.split("\n")
    assert lines[0] == "Title"
    for row in rows:
        for header, value in row.items():
            assert any(header in line for line in lines)
            assert any(value in line for line in lines)
    table = sum(max(len(h), *(len(r[h]) for r in rows)) for h in headers) + 2 * (len(headers) - 1)
    if table <= width:
        assert all(len(line) <= width for line in lines[1:]) and len(lines) == len(rows) + 2
    else:
        blocks = [line for line in lines[1:] if line and not line.startswith("  ")]
        assert blocks == [f"{headers[0]}: {r[headers[0]]}" for r in rows]


def test_json_output_is_unchanged() -> None:
    rows = json.loads(run("chains", "--json", columns=40))
    assert {"btc", "eth", "bsc", "tron", "sol"} <= {r["chain"] for r in rows}


@pytest.mark.parametrize("group", [(), ("keystore",), ("message",), ("mnemonic",)])
def test_help_lists_every_command_summary_whole_at_80_columns(group: tuple[str, ...]) -> None:
    # click cuts a command's summary to one line ("Print addresses derived from a mnemonic (or...");
    # each summary must read whole, wrapped, and no line may pass 80 columns.
    import click

    from walletkit.cli.app import main

    command: click.Command = main
    for name in group:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    assert isinstance(command, click.Group)
    text = run(*group, "--help", columns=80)
    listing = text.split("Commands:", 1)[1]
    assert all(len(line) <= 80 for line in text.splitlines()), text
    words = " ".join(listing.split())
    names = command.list_commands(click.Context(command))
    assert names
    for name in names:
        sub = command.get_command(click.Context(command), name)
        assert sub is not None
        first_sentence = " ".join((sub.help or "").split("\n\n")[0].split())
        first_sentence = first_sentence.split(". ")[0].rstrip(".")
        assert f"{name} {first_sentence}" in words, f"{name}: {first_sentence!r} is not whole in:\n{listing}"
    assert not re.search(r"\.\.\.\s*$", listing, re.M), listing
