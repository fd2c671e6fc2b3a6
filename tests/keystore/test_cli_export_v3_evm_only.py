"""The kind: an export writes a format only for the accounts that format is for.

``keystore export --account savings --v3 out.json`` on a Bitcoin account wrote an Ethereum v3
keyfile holding the key under an unrelated 0x address. v3 keyfiles are an Ethereum format: every
non-EVM chain (btc, tron, sol) is refused with a typed error saying so, before the password is
asked for and before any file is written; EVM accounts (eth, bsc, polygon; derived or raw) export
and eth-account opens them. The option is ``--name``, as on every other command; ``--account`` is a
deprecated alias that still works and says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from walletkit.keystore import Keystore

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
PASSWORD = "pw-for-export-test"


def run(*args: str, password: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "WK_PW"}
    if password:
        env["WK_PW"] = PASSWORD
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "keystore", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "wallet.json"
    store = Keystore.create(path, PASSWORD, mnemonic=PHRASE, keys={"hot": "0x" + "46" * 32})
    store.add_account("savings", "btc", "m/86'/0'/0'/0/0", kind="p2tr")
    store.add_account("tron-ops", "tron", "m/44'/195'/0'/0/0")
    store.add_account("coins", "sol", "m/44'/501'/0'/0'")
    store.add_account("ops", "eth", "m/44'/60'/0'/0/2")
    store.add_account("bnb", "bsc", "m/44'/60'/0'/0/3")
    store.add_account("hot", "eth", key="0x" + "46" * 32)
    return path


@pytest.mark.parametrize(("name", "shown"), [("savings", "Bitcoin"), ("tron-ops", "TRON"), ("coins", "Solana")])
def test_export_v3_refuses_non_evm_accounts(keystore: Path, tmp_path: Path, name: str, shown: str) -> None:
    out_file = tmp_path / "out.json"
    # No password given: the refusal comes from the header, before any secret is asked for.
    out = run("export", str(keystore), "--name", name, "--v3", str(out_file), password=False)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == (
        f"error: stored account {name!r} is a {shown} account: a v3 keyfile is an Ethereum format (geth, MetaMask) "
        "for EVM accounts only, and would hold the key under an unrelated 0x address"
    )
    assert not out_file.exists() and out.stdout == ""


@pytest.mark.parametrize(("name", "chain", "index"), [("ops", "eth", 2), ("bnb", "bsc", 3), ("hot", "eth", None)])
def test_export_v3_of_evm_accounts(keystore: Path, tmp_path: Path, name: str, chain: str, index: int | None) -> None:
    out_file = tmp_path / f"{name}.json"
    out = run("export", str(keystore), "--name", name, "--v3", str(out_file), "--password-env", "WK_PW")
    assert out.returncode == 0, out.stderr
    secret = bytes(EthAccount.decrypt(out_file.read_text(), PASSWORD))
    if index is None:
        assert secret.hex() == "46" * 32
    else:
        expected = wk.Wallet.from_mnemonic(PHRASE).account(chain, index)
        assert EthAccount.from_key(secret).address == expected.address
    assert out.stdout.strip() == f"wrote {out_file} for {EthAccount.from_key(secret).address}"


def test_export_v3_account_is_a_deprecated_alias(keystore: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "old.json"
    out = run("export", str(keystore), "--account", "ops", "--v3", str(out_file), "--password-env", "WK_PW")
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "warning: --account is deprecated; use --name"
    assert out_file.exists()
    both = run("export", str(keystore), "--account", "ops", "--name", "ops", "--v3", str(out_file))
    assert both.returncode == 2 and "give --name once" in both.stderr
    neither = run("export", str(keystore), "--v3", str(out_file))
    assert neither.returncode == 2 and "give --name NAME" in neither.stderr
    helped = run("export", "--help")
    assert "--name" in helped.stdout and "--account" not in helped.stdout


def test_export_v3_unknown_name(keystore: Path, tmp_path: Path) -> None:
    out = run("export", str(keystore), "--name", "nobody", "--v3", str(tmp_path / "x.json"), "--password-env", "WK_PW")
    assert out.returncode == 1
    assert "no account named 'nobody'; stored: savings, tron-ops, coins, ops, bnb, hot" in out.stderr
