"""Issue 16 item 14, the kind: a keystore works wherever a phrase does.

A keystore made by ``walletkit keystore create --generate`` (the phrase never shown) is used
by every command that takes a phrase: ``addresses``, ``message sign``, ``sign`` and ``send``
(on anvil), with the password from an environment variable, a file, standard input
(``--password-file -``) or a prompt on a terminal; ``keystore add`` records accounts and
``keystore show`` lists them with addresses. Expected values come from the library on the
keystore's own secret, and from eth-account.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct

import walletkit as wk
from walletkit.keystore import Keystore

PASSWORD = "ks-everywhere-pw-42"
TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        env={**os.environ, "WK_PW": PASSWORD, **(env or {})},
        timeout=300,
    )


def ok(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Keystore]:
    path = tmp_path_factory.mktemp("ks") / "wallet.json"
    out = ok(run("keystore", "create", str(path), "--generate", "--password-env", "WK_PW"))
    assert "created" in out and len(out.split()) < 8  # the new phrase is not shown
    return path, Keystore.open(path, PASSWORD)


def test_addresses_from_a_keystore(generated: tuple[Path, Keystore]) -> None:
    path, ks = generated
    wallet = ks.wallet()
    for chain, extra in (("eth", []), ("btc", ["--kind", "p2tr"]), ("sol", []), ("tron", [])):
        rows = json.loads(ok(run("addresses", "--chain", chain, "--count", "3", "--json", "--keystore", str(path),
                                 "--password-env", "WK_PW", *extra)))  # fmt: skip
        kind = "p2tr" if extra else None
        assert [r["address"] for r in rows] == [a.address for a in wallet.accounts(chain, 3, kind=kind)]


def test_every_password_source(generated: tuple[Path, Keystore], tmp_path: Path) -> None:
    path, ks = generated
    expected = ks.wallet().account("eth").address
    args = ("addresses", "--chain", "eth", "--count", "1", "--json", "--keystore", str(path))
    password_file = tmp_path / "pw.txt"
    password_file.write_text(PASSWORD + "\n")
    for out in (
        run(*args, "--password-env", "WK_PW"),
        run(*args, "--password-file", str(password_file)),
        run(*args, "--password-file", "-", stdin=PASSWORD + "\n"),
    ):
        assert json.loads(ok(out))[0]["address"] == expected
    wrong = run(*args, "--password-env", "WK_WRONG", env={"WK_WRONG": "not-it"})
    assert wrong.returncode == 1 and wrong.stderr.strip() == "error: the password does not open this keystore"


def test_password_prompt_on_a_terminal(generated: tuple[Path, Keystore]) -> None:
    # A real pseudo-terminal: the prompt is hidden (no echo of the password) and then used.
    import pty

    path, ks = generated
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "walletkit.cli", "addresses", "--chain", "eth", "--count", "1", "--json",
         "--keystore", str(path)],
        stdin=follower, stdout=subprocess.PIPE, stderr=follower, env=os.environ,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while b"password" not in seen.lower():
        seen += os.read(leader, 1024)
    os.write(leader, PASSWORD.encode() + b"\n")
    out, _ = process.communicate(timeout=300)
    try:
        while chunk := os.read(leader, 1024):
            seen += chunk
    except OSError:
        pass
    os.close(leader)
    assert process.returncode == 0
    assert json.loads(out)[0]["address"] == ks.wallet().account("eth").address
    assert PASSWORD.encode() not in seen  # hidden input


def test_add_and_show_accounts(generated: tuple[Path, Keystore], tmp_path: Path) -> None:
    source, _ = generated
    path = tmp_path / "copy.json"
    path.write_bytes(source.read_bytes())
    ok(run("keystore", "add", str(path), "--name", "savings", "--chain", "btc", "--kind", "p2tr", "--index", "4",
           "--label", "cold", "--password-env", "WK_PW"))  # fmt: skip
    ok(run("keystore", "add", str(path), "--name", "ops", "--chain", "eth", "--path", "m/44'/60'/0'/0/9",
           "--password-env", "WK_PW"))  # fmt: skip
    ok(run("keystore", "import", str(path), "--name", "hot", "--chain", "eth", "--key-env", "WK_KEY",
           "--password-env", "WK_PW", env={"WK_KEY": "0x" + "46" * 32}))  # fmt: skip
    taken = run("keystore", "add", str(path), "--name", "ops", "--chain", "eth", "--password-env", "WK_PW")
    assert taken.returncode == 1 and "exists already" in taken.stderr
    wallet = Keystore.open(path, PASSWORD).wallet()
    shown = json.loads(ok(run("keystore", "show", str(path), "--json", "--password-env", "WK_PW")))
    assert shown == [
        {"name": "savings", "chain": "btc", "path": "m/86'/0'/0'/0/4",
         "address": wallet.account("btc", 4, kind="p2tr").address, "label": "cold"},
        {"name": "ops", "chain": "eth", "path": "m/44'/60'/0'/0/9", "address": wallet.account("eth", 9).address,
         "label": ""},
        {"name": "hot", "chain": "eth", "path": "raw key", "address": EthAccount.from_key("0x" + "46" * 32).address,
         "label": ""},
    ]  # fmt: skip
    listed = json.loads(ok(run("keystore", "list", str(path), "--json")))  # metadata, no password
    assert [a["name"] for a in listed] == ["savings", "ops", "hot"]
    text = ok(run("keystore", "show", str(path), "--password-env", "WK_PW"))
    assert "46" * 32 not in text and PASSWORD not in text


def test_message_sign_with_a_stored_account(generated: tuple[Path, Keystore], tmp_path: Path) -> None:
    source, _ = generated
    path = tmp_path / "copy.json"
    path.write_bytes(source.read_bytes())
    ok(run("keystore", "import", str(path), "--name", "hot", "--chain", "eth", "--key-env", "WK_KEY",
           "--password-env", "WK_PW", env={"WK_KEY": "0x" + "46" * 32}))  # fmt: skip
    signed = json.loads(ok(run("message", "sign", "--keystore", str(path), "--name", "hot", "--password-env", "WK_PW",
                               "hello")))  # fmt: skip
    assert signed["address"] == EthAccount.from_key("0x" + "46" * 32).address
    recovered = EthAccount.recover_message(encode_defunct(text="hello"), signature=signed["signature"])
    assert recovered == signed["address"]
    derived = json.loads(ok(run("message", "sign", "--chain", "tron", "--index", "2", "--keystore", str(path),
                                "--password-env", "WK_PW", "hi")))  # fmt: skip
    tron = Keystore.open(path, PASSWORD).wallet().account("tron", 2)
    assert derived["address"] == tron.address and wk.verify_message("tron", tron.address, "hi", derived["signature"])
    mismatch = run("message", "sign", "--chain", "sol", "--keystore", str(path), "--name", "hot",
                   "--password-env", "WK_PW", "x")  # fmt: skip
    assert mismatch.returncode == 2 and "is on eth, not sol" in mismatch.stderr


def test_sign_offline_with_a_keystore(generated: tuple[Path, Keystore], tmp_path: Path) -> None:
    path, ks = generated
    tx = tmp_path / "tx.json"
    fields = {"nonce": 5, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}
    tx.write_text(json.dumps({"to": TO, "amount": "0.5", "fields": fields}))
    out = json.loads(ok(run("sign", "--chain", "eth", "--index", "1", "--keystore", str(path), "--password-env",
                            "WK_PW", "--tx", str(tx))))  # fmt: skip
    account = ks.wallet().account("eth", 1)
    key = account.signing_key().secret_bytes()
    theirs = EthAccount.sign_transaction(
        {"type": 2, "chainId": 1, "nonce": 5, "to": TO, "value": 5 * 10**17, "gas": 21000,
         "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 10**9, "data": b""}, key,
    )  # fmt: skip
    assert out["raw"] == theirs.raw_transaction.hex().removeprefix("0x")
    assert ("0x" + out["txid"].removeprefix("0x")) == "0x" + theirs.hash.hex().removeprefix("0x")


def test_send_with_a_keystore_on_anvil(generated: tuple[Path, Keystore], tmp_path: Path, anvil_eth: Any) -> None:
    source, ks = generated
    path = tmp_path / "copy.json"
    path.write_bytes(source.read_bytes())
    ok(run("keystore", "add", str(path), "--name", "payer", "--chain", "eth", "--index", "6",
           "--password-env", "WK_PW"))  # fmt: skip
    payer = ks.wallet().account("eth", 6)
    anvil_eth.fund(payer.address, 10**18)
    before = anvil_eth.balance(TO)
    out = json.loads(ok(run("send", "--keystore", str(path), "--name", "payer", "--password-env", "WK_PW",
                            "--url", anvil_eth.url, "--to", TO, "--amount", "0.125")))  # fmt: skip
    assert out["from"] == payer.address
    assert anvil_eth.w3.eth.get_transaction_receipt(out["txid"])["status"] == 1
    assert anvil_eth.balance(TO) - before == 125 * 10**15


def test_keystore_and_phrase_options_do_not_mix(generated: tuple[Path, Keystore]) -> None:
    path, _ = generated
    for extra in (["--phrase-env", "X"], ["--passphrase-env", "X"]):
        out = run("addresses", "--chain", "eth", "--keystore", str(path), *extra)
        assert out.returncode == 2 and "cannot join it" in out.stderr
    out = run("addresses", "--chain", "eth", "--password-env", "WK_PW", stdin="abandon " * 11 + "about")
    assert out.returncode == 2 and "go with --keystore FILE" in out.stderr
    out = run("addresses", "--chain", "eth", "--keystore", str(path.parent / "none.json"), "--password-env", "WK_PW")
    assert out.returncode == 2 and "no keystore at" in out.stderr
