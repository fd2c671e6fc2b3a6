"""The kind: the command's output says what it is, and an interrupt reads as one.

- Ctrl-C printed click's ``Aborted!`` and exited 1, which a script reads as a failure; now it
  exits 130 (128 + SIGINT, as shells report it; docs/cli.md's table and ``ExitCode`` agree),
  at a hidden prompt and while waiting on a node.
- ``sign`` and ``send`` said "print the txid" and printed JSON: their help now names the JSON
  keys, and the keys printed (offline, and on anvil) are the ones the help names.
- ``keystore list`` printed bare lines without a header or the kind; it now prints the titled
  table (or blocks, when narrow) ``keystore show`` does, with kind and network.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from walletkit.cli import main
from walletkit.cli.common import EXIT_MEANINGS, ExitCode

PHRASE = "abandon " * 11 + "about"
ENV = {**os.environ, "WK_PHRASE": PHRASE}


def test_interrupted_is_130_in_the_table() -> None:
    assert ExitCode.INTERRUPTED == 130 == 128 + signal.SIGINT
    assert "interrupted" in EXIT_MEANINGS[ExitCode.INTERRUPTED]


def test_ctrl_c_at_a_prompt_exits_130() -> None:
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "walletkit.cli", "addresses", "--chain", "eth"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=ENV,
    )
    os.close(follower)
    shown = b""
    while b"Mnemonic:" not in shown:  # the hidden prompt is up: the command waits on the person
        chunk = os.read(leader, 1024)
        assert chunk, shown
        shown += chunk
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == ExitCode.INTERRUPTED
    rest = b""
    while True:
        try:
            chunk = os.read(leader, 1024)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    os.close(leader)
    text = rest.decode()
    assert "interrupted" in text and "Aborted!" not in text and "Traceback" not in text


def test_ctrl_c_while_waiting_on_a_node_exits_130() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, and never answers
        server.settimeout(120)
        port = server.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "walletkit.cli", "send", "--chain", "eth", "--phrase-env", "WK_PHRASE",
             "--url", f"http://127.0.0.1:{port}", "--to", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
             "--amount", "0.01"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )  # fmt: skip
        connection, _ = server.accept()  # the command sent its request and waits for the answer
        with connection:
            connection.recv(65536)
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert stderr.strip() == "interrupted" and stdout == ""


def help_of(*names: str) -> str:
    command: Any = main
    for name in names:
        command = command.commands[name]
    return " ".join((command.help or "").split())


def test_sign_prints_what_its_help_says(tmp_path: Path) -> None:
    helped = help_of("sign")
    assert "print the txid" not in helped and "raw hex and txid" not in helped
    assert 'Prints one line of JSON: {"chain": ..., "txid": ..., "raw": the signed transaction in hex}' in helped
    tx = tmp_path / "tx.json"
    tx.write_text(json.dumps({"to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "amount": "0.01",
                              "fields": {"nonce": 0, "gas": 21000, "gas_price": 10**9}}))  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "sign", "--chain", "eth", "--phrase-env", "WK_PHRASE", "--tx", str(tx)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert list(printed) == re.findall(r'"(\w+)":', helped.split("Prints one line of JSON:")[1])


def test_send_prints_what_its_help_says(anvil_eth: Any) -> None:
    import walletkit as wk

    helped = help_of("send")
    assert "print the txid" not in helped
    assert 'Prints one line of JSON: {"txid": ..., "from": ..., "to": ..., "amount": ...}' in helped
    payer = wk.Wallet.from_mnemonic(PHRASE).account("eth", 41)
    anvil_eth.fund(payer.address, 10**18)
    out = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "send", "--chain", "eth", "--index", "41", "--phrase-env", "WK_PHRASE",
         "--url", anvil_eth.url, "--to", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--amount", "0.01"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert list(printed) == re.findall(r'"(\w+)":', helped.split("Prints one line of JSON:")[1])
    assert printed["amount"] == "0.01 ETH" and printed["from"] == payer.address


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from walletkit.keystore import Keystore

    path = tmp_path_factory.mktemp("list") / "wallet.json"
    store = Keystore.create(path, "pw-for-list-test", mnemonic=PHRASE)
    store.add_account("savings", "btc", "m/86'/0'/0'/0/0", "cold storage", kind="p2tr")
    store.add_account("change", "btc", "m/84'/1'/0'/1/0", network="regtest")
    store.add_account("ops", "eth", "m/44'/60'/0'/0/1")
    return path


@pytest.mark.parametrize("columns", [40, 120])
def test_keystore_list_is_a_titled_table_with_kind(keystore: Path, columns: int) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "keystore", "list", str(keystore)],
        capture_output=True,
        text=True,
        env={**ENV, "COLUMNS": str(columns)},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "wallet.json: 3 stored accounts"
    if columns >= 120:
        assert lines[1].split() == ["name", "chain", "kind", "network", "path", "label"]
        assert lines[2].split() == ["savings", "btc", "p2tr", "mainnet", "m/86'/0'/0'/0/0", "cold", "storage"]
        assert lines[3].split() == ["change", "btc", "p2wpkh", "regtest", "m/84'/1'/0'/1/0"]
        assert lines[4].split() == ["ops", "eth", "-", "mainnet", "m/44'/60'/0'/0/1"]
    else:  # the blocks keystore show uses when a table does not fit
        assert "name: savings" in lines and "  kind     p2tr" in lines and "  network  regtest" in lines
    assert all(len(line) <= columns for line in lines)
