"""One mnemonic, every chain: the issue's reference addresses and bip_utils' published vectors."""

from __future__ import annotations

import pytest

import walletkit as wk
from tests.conftest import load_vectors

ABANDON = "abandon " * 11 + "about"
BIP_UTILS = load_vectors("bip_utils_vectors")

# (chain, options, address) for "abandon" x11 + "about", index 0, empty passphrase.
REFERENCE = [
    ("eth", {}, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
    ("bsc", {}, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
    ("btc", {}, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),
    ("btc", {"kind": "p2wpkh"}, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),
    ("btc", {"kind": "p2tr"}, "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"),
    ("btc", {"kind": "p2pkh"}, "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"),
    ("btc", {"kind": "p2sh-p2wpkh"}, "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf"),
    ("tron", {}, "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"),
    ("sol", {}, "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"),
]


@pytest.fixture(scope="module")
def wallet() -> wk.Wallet:
    return wk.Wallet.from_mnemonic(ABANDON)


@pytest.mark.parametrize(("chain", "options", "address"), REFERENCE)
def test_reference_addresses(wallet: wk.Wallet, chain: str, options: dict[str, str], address: str) -> None:
    account = wallet.account(chain, **options)
    assert account.address == address
    assert wk.validate_address(chain, address) == address


_COINS = {
    "Bip44Coins.BITCOIN": ("btc", "p2pkh", "mainnet"),
    "Bip44Coins.BITCOIN_TESTNET": ("btc", "p2pkh", "testnet"),
    "Bip49Coins.BITCOIN": ("btc", "p2sh-p2wpkh", "mainnet"),
    "Bip49Coins.BITCOIN_TESTNET": ("btc", "p2sh-p2wpkh", "testnet"),
    "Bip84Coins.BITCOIN": ("btc", "p2wpkh", "mainnet"),
    "Bip84Coins.BITCOIN_TESTNET": ("btc", "p2wpkh", "testnet"),
    "Bip86Coins.BITCOIN": ("btc", "p2tr", "mainnet"),
    "Bip86Coins.BITCOIN_TESTNET": ("btc", "p2tr", "testnet"),
    "Bip44Coins.ETHEREUM": ("eth", None, None),
    "Bip44Coins.BINANCE_SMART_CHAIN": ("bsc", None, None),
    "Bip44Coins.TRON": ("tron", None, None),
}
CASES = [
    (e["coin"], e)
    for bip in ("bip44", "bip49", "bip84", "bip86")
    for e in BIP_UTILS[bip]["TEST_VECT"]
    if e["coin"] in _COINS
]


@pytest.mark.parametrize(("coin", "vector"), CASES, ids=[c for c, _ in CASES])
def test_bip_utils_vectors(coin: str, vector: dict[str, object]) -> None:
    chain, kind, network = _COINS[coin]
    wallet = wk.Wallet.from_seed(bytes.fromhex(str(vector["seed"])))
    accounts = wallet.accounts(chain, count=len(vector["addresses"]), kind=kind, network=network)  # type: ignore[arg-type]
    assert [a.address for a in accounts] == vector["addresses"]


def test_bip_utils_account_xpubs_round_trip_watch_only() -> None:
    # A watch-only wallet from bip_utils' account-level extended public key gives the same addresses.
    for coin, vector in CASES:
        chain, kind, network = _COINS[coin]
        account = vector["account"]
        assert isinstance(account, dict)
        watch = wk.Wallet.from_xpub(account["ex_pub"], chain, kind=kind, network=network)
        addresses = [a.address for a in watch.accounts(chain, count=len(vector["addresses"]))]  # type: ignore[arg-type]
        assert addresses == vector["addresses"], coin


def test_watch_only_cannot_sign() -> None:
    vector = dict(CASES)["Bip84Coins.BITCOIN"]
    account = vector["account"]
    assert isinstance(account, dict)
    watch = wk.Wallet.from_xpub(account["ex_pub"], "btc").account("btc")
    assert watch.is_watch_only
    with pytest.raises(wk.errors.WatchOnlyAccount, match="watch-only"):
        watch.sign_message("hello")
    with pytest.raises(wk.errors.WatchOnlyAccount):
        watch.export_private_key()


def test_solana_profiles_are_explicit(wallet: wk.Wallet) -> None:
    """Failure class 14: one mnemonic, different Solana addresses by wallet app; the profile says which (solders tests/test_keypair.py)."""
    default = wallet.account("sol")
    ledger = wallet.account("sol", profile="ledger")
    keygen = wallet.account("sol", profile="solana-keygen")
    assert str(default.path) == "m/44'/501'/0'/0'"
    assert str(ledger.path) == "m/44'/501'/0'"
    assert keygen.path is None
    assert len({default.address, ledger.address, keygen.address}) == 3
    # bip_utils' Solana default address is m/44'/501'/0' (the "ledger" profile here).
    bip_utils_default = next(
        e["default_address"] for e in BIP_UTILS["bip44"]["TEST_VECT_DEFAULT_PATH"] if e["coin"] == "Bip44Coins.SOLANA"
    )
    assert ledger.address == bip_utils_default


def test_explicit_path(wallet: wk.Wallet) -> None:
    assert wallet.account("eth", path="m/44'/60'/0'/0/1").address == wallet.account("eth", index=1).address
    assert str(wallet.account("eth", path="m/44h/60h/1h/0/0").path) == "m/44'/60'/1'/0/0"


def test_extended_key_network_must_match() -> None:
    # Core's wallet_crosschain: a tpub/vpub is refused for mainnet, an xpub/zpub for a test network.
    vector = dict(CASES)["Bip84Coins.BITCOIN"]
    account = vector["account"]
    assert isinstance(account, dict)
    with pytest.raises(wk.errors.WrongNetwork, match="zpub is for mainnet, not testnet"):
        wk.Wallet.from_xpub(account["ex_pub"], "btc", network="testnet")
    # an EVM chain has no testnet versions: an xpub serves every network it names
    assert wk.Wallet.from_xpub(account["ex_pub"], "eth").account("eth").address.startswith("0x")
