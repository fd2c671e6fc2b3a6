"""The kind: a wallet gives the account-level extended public key its watch-only side takes.

``Wallet.from_xpub`` (and the watcher's ``add_xpub``) take an account xpub, and nothing gave
one. ``Wallet.xpub(chain, account, kind=, network=, profile=)`` returns it in the form wallets
exchange: the published BIP84/BIP49/BIP86 account keys; bip_utils (an independent BIP32,
BIP44/49/84/86 implementation) and embit (for signet and regtest versions) on random
mnemonics and accounts; and a watch-only wallet made from it derives the same receive and
change addresses as the mnemonic wallet's account. Solana (ed25519, hardened only) and the
profiles whose addresses are not change/index below one node have none, and say why. The
``walletkit xpub`` command prints it, from a mnemonic or a keystore's stored account.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bip_utils import (
    Bip39MnemonicGenerator,
    Bip39SeedGenerator,
    Bip44,
    Bip44Coins,
    Bip49,
    Bip49Coins,
    Bip84,
    Bip84Coins,
    Bip86,
    Bip86Coins,
)
from embit import bip32 as embit_bip32
from embit.networks import NETWORKS
from hypothesis import given, settings
from hypothesis import strategies as st

import walletkit as wk
from tests.conftest import load_vectors
from walletkit.errors import InvalidInput, UnsupportedOperation, WrongNetwork

ABANDON = "abandon " * 11 + "about"


def _group(vectors: dict[str, list[dict[str, object]]], path: str) -> dict[str, str]:
    found = [g for g in vectors["groups"] if g.get("path") == path]
    assert len(found) == 1, path
    values = found[0]["values"]
    assert isinstance(values, dict)
    return values


@pytest.fixture(scope="module")
def wallet() -> wk.Wallet:
    return wk.Wallet.from_mnemonic(ABANDON)


# --- published vectors ----------------------------------------------------------------------


def test_xpub_export_bip84_vector(wallet: wk.Wallet) -> None:
    values = _group(load_vectors("bip84_test_vectors"), "m/84'/0'/0'")
    assert wallet.xpub("btc") == wallet.xpub("btc", 0, kind="p2wpkh", network="mainnet") == values["xpub"]
    assert values["xpub"].startswith("zpub")


def test_xpub_export_bip49_vector(wallet: wk.Wallet) -> None:
    values = _group(load_vectors("bip49_test_vectors"), "m/49'/1'/0'")  # BIP49's vectors are testnet
    assert wallet.xpub("btc", kind="p2sh-p2wpkh", network="testnet") == values["account0Xpub"]
    assert values["account0Xpub"].startswith("upub")


def test_xpub_export_bip86_vector(wallet: wk.Wallet) -> None:
    values = _group(load_vectors("bip86_test_vectors"), "m/86'/0'/0'")
    assert wallet.xpub("btc", kind="p2tr") == values["xpub"]  # BIP86 keeps the xpub version
    assert values["xpub"].startswith("xpub")


# --- an independent implementation --------------------------------------------------------------

# (chain, kind, network) -> how bip_utils derives the same account key.
BIP_UTILS = {
    ("btc", "p2wpkh", "mainnet"): (Bip84, Bip84Coins.BITCOIN, "zpub"),
    ("btc", "p2wpkh", "testnet"): (Bip84, Bip84Coins.BITCOIN_TESTNET, "vpub"),
    ("btc", "p2wpkh", "regtest"): (Bip84, Bip84Coins.BITCOIN_REGTEST, "vpub"),
    ("btc", "p2sh-p2wpkh", "mainnet"): (Bip49, Bip49Coins.BITCOIN, "ypub"),
    ("btc", "p2sh-p2wpkh", "testnet"): (Bip49, Bip49Coins.BITCOIN_TESTNET, "upub"),
    ("btc", "p2pkh", "mainnet"): (Bip44, Bip44Coins.BITCOIN, "xpub"),
    ("btc", "p2pkh", "testnet"): (Bip44, Bip44Coins.BITCOIN_TESTNET, "tpub"),
    ("btc", "p2tr", "mainnet"): (Bip86, Bip86Coins.BITCOIN, "xpub"),
    ("btc", "p2tr", "testnet"): (Bip86, Bip86Coins.BITCOIN_TESTNET, "tpub"),
    ("eth", None, "mainnet"): (Bip44, Bip44Coins.ETHEREUM, "xpub"),
    ("eth", None, "sepolia"): (Bip44, Bip44Coins.ETHEREUM, "xpub"),
    ("bsc", None, "mainnet"): (Bip44, Bip44Coins.BINANCE_SMART_CHAIN, "xpub"),
    ("bsc", None, "testnet"): (Bip44, Bip44Coins.BINANCE_SMART_CHAIN, "xpub"),  # EVM keys: one key everywhere
    ("tron", None, "mainnet"): (Bip44, Bip44Coins.TRON, "xpub"),
    ("tron", None, "nile"): (Bip44, Bip44Coins.TRON, "xpub"),
}
ACCOUNTS = st.one_of(st.integers(0, 3), st.integers(0, 2**31 - 1))


@settings(max_examples=12, deadline=None)
@given(entropy=st.binary(min_size=16, max_size=16), account=ACCOUNTS)
def test_xpub_export_matches_bip_utils(entropy: bytes, account: int) -> None:
    phrase = str(Bip39MnemonicGenerator().FromEntropy(entropy))
    ours = wk.Wallet.from_mnemonic(phrase)
    seed = Bip39SeedGenerator(phrase).Generate()
    for (chain, kind, network), (bip, coin, prefix) in BIP_UTILS.items():
        theirs = bip.FromSeed(seed, coin).Purpose().Coin().Account(account).PublicKey().ToExtended()
        key = ours.xpub(chain, account, kind=kind, network=network)
        assert key == theirs, (chain, kind, network, account)
        assert key.startswith(prefix)


@pytest.mark.parametrize("network", ["signet", "regtest", "testnet4"])
@pytest.mark.parametrize(
    ("kind", "purpose", "version"), [("p2wpkh", 84, "zpub"), ("p2sh-p2wpkh", 49, "ypub"), ("p2pkh", 44, "xpub")]
)
def test_xpub_export_test_networks_match_embit(
    wallet: wk.Wallet, network: str, kind: str, purpose: int, version: str
) -> None:
    seed = wk.mnemonic_to_seed(ABANDON)
    node = embit_bip32.HDKey.from_seed(seed).derive(f"m/{purpose}h/1h/5h").to_public()
    embit_net = NETWORKS["signet" if network == "signet" else "test" if network == "testnet4" else "regtest"]
    expected = node.to_base58(version=embit_net[version])
    assert wallet.xpub("btc", 5, kind=kind, network=network) == expected
    assert expected[:4] == {"zpub": "vpub", "ypub": "upub", "xpub": "tpub"}[version]


# --- round trip with from_xpub -----------------------------------------------------------------------

ROUND_TRIPS = [
    ("btc", "p2wpkh", "mainnet"),
    ("btc", "p2sh-p2wpkh", "mainnet"),
    ("btc", "p2pkh", "mainnet"),
    ("btc", "p2tr", "mainnet"),
    ("btc", "p2wpkh", "regtest"),
    ("btc", "p2sh-p2wpkh", "testnet"),
    ("btc", "p2pkh", "signet"),
    ("btc", "p2tr", "testnet"),
    ("eth", "default", "mainnet"),
    ("eth", "default", "sepolia"),
    ("bsc", "default", "mainnet"),
    ("bsc", "default", "testnet"),
    ("polygon", "default", "amoy"),
    ("tron", "default", "mainnet"),
    ("tron", "default", "shasta"),
]


@pytest.mark.parametrize(("chain", "kind", "network"), ROUND_TRIPS)
@pytest.mark.parametrize("account", [0, 7])
def test_xpub_export_round_trips_with_from_xpub(
    wallet: wk.Wallet, chain: str, kind: str, network: str, account: int
) -> None:
    key = wallet.xpub(chain, account, kind=kind, network=network)
    watch = wk.Wallet.from_xpub(key, chain, kind=kind, network=network)
    for change in (0, 1):
        mine = wallet.accounts(chain, 4, account=account, change=change, kind=kind, network=network)
        seen = watch.accounts(chain, 4, change=change)
        assert [a.address for a in seen] == [a.address for a in mine]
        assert all(a.network == network for a in seen)
    assert watch.xpub(chain) == watch.xpub(chain, account) == key  # a watch-only wallet gives its own key back


@pytest.mark.parametrize(
    ("kind", "network"), [("p2wpkh", "mainnet"), ("p2sh-p2wpkh", "mainnet"), ("p2wpkh", "testnet")]
)
def test_xpub_export_slip132_prefix_names_the_kind(wallet: wk.Wallet, kind: str, network: str) -> None:
    # ypub/zpub/upub/vpub name their kind: from_xpub needs no kind= for them.
    watch = wk.Wallet.from_xpub(wallet.xpub("btc", kind=kind, network=network), "btc")
    assert watch.account("btc").address == wallet.account("btc", kind=kind, network=network).address


def test_xpub_export_network_of_a_bitcoin_key_is_checked(wallet: wk.Wallet) -> None:
    testnet = wallet.xpub("btc", network="testnet")
    with pytest.raises(WrongNetwork, match="vpub is for a test network, not mainnet"):
        wk.Wallet.from_xpub(testnet, "btc", network="mainnet")
    watch = wk.Wallet.from_xpub(testnet, "btc")
    assert watch.xpub("btc", network="regtest") == testnet  # another test network: the same vpub
    with pytest.raises(WrongNetwork, match="for testnet, not mainnet"):
        watch.xpub("btc", network="mainnet")


def test_xpub_export_evm_key_is_one_key_on_every_network(wallet: wk.Wallet) -> None:
    key = wallet.xpub("bsc")
    assert wallet.xpub("bsc", network="testnet") == key == wallet.xpub("eth") and key.startswith("xpub")
    watch = wk.Wallet.from_xpub(key, "bsc", network="testnet")  # was WrongNetwork: a key for "mainnet"
    assert watch.account("bsc").address == wallet.account("bsc", network="testnet").address


# --- what has no xpub, and bad requests ---------------------------------------------------------------


@pytest.mark.parametrize("profile", [None, "ledger", "solana-keygen"])
def test_xpub_export_solana_has_none(wallet: wk.Wallet, profile: str | None) -> None:
    with pytest.raises(
        UnsupportedOperation, match=r"sol keys are ed25519 \(SLIP-10\), which derives hardened children"
    ):
        wallet.xpub("sol", profile=profile)


@pytest.mark.parametrize("profile", ["ledger-live", "ledger-legacy"])
def test_xpub_export_profiles_not_below_one_account_node(wallet: wk.Wallet, profile: str) -> None:
    with pytest.raises(UnsupportedOperation, match=f"profile '{profile}' has no account-level extended key"):
        wallet.xpub("eth", profile=profile)


@pytest.mark.parametrize("account", [-1, 2**31, True, 1.0, "0"])
def test_xpub_export_bad_account(wallet: wk.Wallet, account: object) -> None:
    with pytest.raises(InvalidInput, match=r"account must be an integer in 0\.\.2\^31-1"):
        wallet.xpub("btc", account)  # type: ignore[arg-type]


def test_xpub_export_bad_options(wallet: wk.Wallet) -> None:
    with pytest.raises(InvalidInput, match="btc has no kind 'p2wsh'"):
        wallet.xpub("btc", kind="p2wsh")
    with pytest.raises(wk.errors.UnknownChain):
        wallet.xpub("doge")


def test_xpub_export_watch_only_holds_one_account(wallet: wk.Wallet) -> None:
    watch = wk.Wallet.from_xpub(wallet.xpub("btc", 3), "btc")
    assert watch.xpub("btc", 3) == wallet.xpub("btc", 3)
    with pytest.raises(InvalidInput, match="holds account 3's key, not account 0's"):
        watch.xpub("btc", 0)
    with pytest.raises(InvalidInput, match="watch-only wallet is for btc, not eth"):
        watch.xpub("eth")


def test_xpub_export_is_public_only(wallet: wk.Wallet) -> None:
    from walletkit.hd.bip32 import HDNode

    node, version = HDNode.parse(wallet.xpub("btc", 2))
    assert not node.is_private and version.prefix == "z"
    assert node.depth == 3 and node.child_number == 2 + 2**31  # m/84'/0'/2'


# --- the command ---------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WK_PHRASE": ABANDON, "WK_PW": "pw-for-xpub-test"}
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_xpub_export_command(wallet: wk.Wallet) -> None:
    plain = run("xpub", "--chain", "btc", "--phrase-env", "WK_PHRASE")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == wallet.xpub("btc") + "\n"
    shown = run("xpub", "--chain", "btc", "--kind", "p2sh-p2wpkh", "--network", "testnet", "--account", "1",
                "--phrase-env", "WK_PHRASE", "--json")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "chain": "btc",
        "network": "testnet",
        "kind": "p2sh-p2wpkh",
        "path": "m/49'/1'/1'",
        "xpub": wallet.xpub("btc", 1, kind="p2sh-p2wpkh", network="testnet"),
    }
    assert "prv" not in plain.stdout + shown.stdout


def test_xpub_export_command_refuses_solana() -> None:
    out = run("xpub", "--chain", "sol", "--phrase-env", "WK_PHRASE")
    assert out.returncode == 1 and out.stdout == ""
    assert "sol keys are ed25519 (SLIP-10), which derives hardened children only" in out.stderr


def test_xpub_export_command_for_a_stored_account(tmp_path: Path, wallet: wk.Wallet) -> None:
    from walletkit.keystore import Keystore

    path = tmp_path / "wallet.json"
    store = Keystore.create(path, "pw-for-xpub-test", mnemonic=ABANDON)
    store.add_account("savings", "btc", "m/86'/0'/4'/0/9", kind="p2tr")
    store.add_account("coins", "sol", "m/44'/501'/0'/0'")
    store.add_account("odd", "btc", "m/99'/0'/0'/0/0")
    keystore = ("--keystore", str(path), "--password-env", "WK_PW")
    out = run("xpub", *keystore, "--name", "savings", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["xpub"] == wallet.xpub("btc", 4, kind="p2tr")
    assert json.loads(out.stdout)["path"] == "m/86'/0'/4'"
    mismatch = run("xpub", *keystore, "--name", "savings", "--chain", "eth")
    assert mismatch.returncode == 2 and "stored account 'savings' is on btc, not eth" in mismatch.stderr
    fixed = run("xpub", *keystore, "--name", "savings", "--kind", "p2wpkh")
    assert fixed.returncode == 2 and "--kind cannot go with --name" in fixed.stderr
    sol = run("xpub", *keystore, "--name", "coins")
    assert sol.returncode == 1 and "ed25519" in sol.stderr
    odd = run("xpub", *keystore, "--name", "odd")
    assert odd.returncode == 1 and "is not below the chain's account path m/84'/0'/0'" in odd.stderr
