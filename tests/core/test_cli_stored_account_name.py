"""The kind: an option the docs and ``--help`` offer works on every command that lists it.

``addresses --keystore FILE --name NAME`` was listed in ``--help`` and documented in
docs/cli.md ("--name NAME picks an account stored in it ... --chain may then be left out"),
and always refused. Every command that takes a wallet (``wallet_options``) lists ``--name``;
each one is run here with a stored account and no ``--chain``, through the real entry point,
and its output checked against the account the keystore holds. A new command that takes a
wallet must be added to :data:`RUNS` (the first test says so).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

import walletkit as wk
from walletkit.cli import main

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
PASSWORD = "pw-for-name-test"
NAME_HELP = "With --keystore: the stored account named NAME."
RUNS = {"addresses", "xpub", "message sign", "sign", "send"}


def commands_taking_a_wallet() -> set[str]:
    found = set()

    def walk(command: click.Command, prefix: str) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        elif any(isinstance(p, click.Option) and "--name" in p.opts and p.help == NAME_HELP for p in command.params):
            found.add(prefix)

    walk(main, "")
    return found


def test_every_command_with_name_is_run_here() -> None:
    assert commands_taking_a_wallet() == RUNS


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from walletkit.keystore import Keystore

    path = tmp_path_factory.mktemp("name") / "wallet.json"
    store = Keystore.create(path, PASSWORD, mnemonic=PHRASE)
    store.add_account("savings", "btc", "m/86'/0'/0'/0/4", kind="p2tr")
    store.add_account("ops", "eth", "m/44'/60'/0'/0/1")
    store.add_account("coins", "sol", "m/44'/501'/2'/0'")
    store.add_account("hot", "eth", key="0x" + "46" * 32)
    yield path


def run(keystore: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args, "--keystore", str(keystore), "--password-env", "WK_PW"],
        capture_output=True,
        text=True,
        env={**os.environ, "WK_PW": PASSWORD, "COLUMNS": "200"},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


WALLET = wk.Wallet.from_mnemonic(PHRASE)


def test_addresses_with_name_lists_the_stored_account(keystore: Path) -> None:
    out = run(keystore, "addresses", "--name", "savings", "--json")
    assert out.returncode == 0, out.stderr
    expected = WALLET.account("btc", 4, kind="p2tr")
    assert json.loads(out.stdout) == [{"chain": "btc", "path": "m/86'/0'/0'/0/4", "address": expected.address}]


def test_addresses_with_name_and_count_counts_up_its_address_index(keystore: Path) -> None:
    out = run(keystore, "addresses", "--name", "savings", "--count", "3", "--json")
    assert out.returncode == 0, out.stderr
    expected = WALLET.accounts("btc", 3, 4, kind="p2tr")
    assert [r["address"] for r in json.loads(out.stdout)] == [a.address for a in expected]
    assert [r["path"] for r in json.loads(out.stdout)] == [f"m/86'/0'/0'/0/{i}" for i in (4, 5, 6)]
    sol = run(keystore, "addresses", "--name", "coins", "--count", "2", "--json")  # Solana counts a hardened level
    assert sol.returncode == 0, sol.stderr
    assert [r["address"] for r in json.loads(sol.stdout)] == [a.address for a in WALLET.accounts("sol", 2, 2)]


def test_addresses_with_name_refuses_what_the_stored_account_fixes(keystore: Path) -> None:
    for option in (["--kind", "p2wpkh"], ["--network", "testnet"], ["--start", "3"], ["--account", "1"]):
        out = run(keystore, "addresses", "--name", "savings", *option)
        assert out.returncode == 2, out.stderr
        assert f"{option[0]} cannot go with --name: the stored account fixes" in out.stderr
    wrong = run(keystore, "addresses", "--name", "savings", "--chain", "eth")
    assert wrong.returncode == 2 and "stored account 'savings' is on btc, not eth" in wrong.stderr
    same = run(keystore, "addresses", "--name", "savings", "--chain", "bitcoin", "--json")  # an alias of its chain
    assert same.returncode == 0, same.stderr
    single = run(keystore, "addresses", "--name", "hot", "--count", "2")
    assert single.returncode == 2 and "'hot' is a single key: it has one address" in single.stderr
    missing = run(keystore, "addresses", "--name", "nobody")
    assert missing.returncode == 1 and "no account named 'nobody'; stored: savings, ops, coins, hot" in missing.stderr


def test_addresses_without_chain_or_name_says_what_to_give(keystore: Path) -> None:
    out = run(keystore, "addresses")
    assert out.returncode == 2 and "give --chain (or --keystore FILE --name NAME" in out.stderr


def test_xpub_with_name(keystore: Path) -> None:
    out = run(keystore, "xpub", "--name", "ops")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == WALLET.xpub("eth")


def test_message_sign_with_name(keystore: Path) -> None:
    out = run(keystore, "message", "sign", "--name", "savings", "hello")
    assert out.returncode == 0, out.stderr
    signed = json.loads(out.stdout)
    assert signed["address"] == WALLET.account("btc", 4, kind="p2tr").address
    assert wk.verify_message("btc", signed["address"], "hello", signed["signature"])


def test_sign_with_name(keystore: Path, tmp_path: Path) -> None:
    tx = tmp_path / "tx.json"
    to = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    tx.write_text(json.dumps({"to": to, "amount": "0.01", "fields": {"nonce": 0, "gas": 21000, "gas_price": 10**9}}))
    out = run(keystore, "sign", "--name", "hot", "--tx", str(tx))
    assert out.returncode == 0, out.stderr
    hot = wk.Account.from_private_key("eth", "0x" + "46" * 32)
    expected = hot.sign(hot.transfer(to, 10**16, nonce=0, gas=21000, gas_price=10**9))
    assert json.loads(out.stdout) == {"chain": "eth", "txid": expected.txid, "raw": expected.hex()}


def test_send_with_name_reaches_the_node(keystore: Path) -> None:
    # Nothing listens on port 9: the stored account was taken and the send got as far as the network.
    to = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    out = run(keystore, "send", "--name", "ops", "--url", "http://127.0.0.1:9", "--to", to, "--amount", "0.01")
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith("error: eth node at http://127.0.0.1:9 failed on eth_chainId")
