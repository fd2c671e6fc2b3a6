"""Differential: random seeds and paths agree with bip_utils (and solders for Solana).

bip_utils and solders are independent implementations; 200 examples per chain.
"""

from __future__ import annotations

from bip_utils import (
    Bip44,
    Bip44Changes,
    Bip44Coins,
    Bip49,
    Bip49Coins,
    Bip84,
    Bip84Coins,
    Bip86,
    Bip86Coins,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair

import walletkit as wk

SEEDS = st.binary(min_size=64, max_size=64)
INDEX = st.integers(0, 2**31 - 1)
SMALL = st.integers(0, 20)
EXAMPLES = settings(max_examples=200, deadline=None)

_BTC = {
    "p2pkh": (Bip44, Bip44Coins.BITCOIN),
    "p2sh-p2wpkh": (Bip49, Bip49Coins.BITCOIN),
    "p2wpkh": (Bip84, Bip84Coins.BITCOIN),
    "p2tr": (Bip86, Bip86Coins.BITCOIN),
}
_ACCOUNT_BASED = {"eth": Bip44Coins.ETHEREUM, "bsc": Bip44Coins.BINANCE_SMART_CHAIN, "tron": Bip44Coins.TRON}


def _change(c: int) -> Bip44Changes:
    return Bip44Changes.CHAIN_INT if c else Bip44Changes.CHAIN_EXT


@EXAMPLES
@given(SEEDS, SMALL, st.integers(0, 1), INDEX, st.sampled_from(sorted(_BTC)))
def test_bitcoin(seed: bytes, account: int, change: int, index: int, kind: str) -> None:
    cls, coin = _BTC[kind]
    expected = cls.FromSeed(seed, coin).Purpose().Coin().Account(account).Change(_change(change)).AddressIndex(index)
    ours = wk.Wallet.from_seed(seed).account("btc", index, account=account, change=change, kind=kind)
    assert ours.address == expected.PublicKey().ToAddress()
    assert ours.public_key.data == expected.PublicKey().RawCompressed().ToBytes()


@EXAMPLES
@given(SEEDS, SMALL, st.integers(0, 1), INDEX, st.sampled_from(sorted(_ACCOUNT_BASED)))
def test_account_based(seed: bytes, account: int, change: int, index: int, chain: str) -> None:
    node = (
        Bip44.FromSeed(seed, _ACCOUNT_BASED[chain])
        .Purpose()
        .Coin()
        .Account(account)
        .Change(_change(change))
        .AddressIndex(index)
    )
    ours = wk.Wallet.from_seed(seed).account(chain, index, account=account, change=change)
    assert ours.address == node.PublicKey().ToAddress()
    assert ours.signing_key().secret_bytes() == node.PrivateKey().Raw().ToBytes()


@EXAMPLES
@given(SEEDS, INDEX, st.sampled_from(["default", "ledger"]))
def test_solana_against_solders(seed: bytes, index: int, profile: str) -> None:
    """Failure class 14: the path schemes equal solders' from_seed_and_derivation_path (solders tests/test_keypair.py)."""
    path = f"m/44'/501'/{index}'/0'" if profile == "default" else f"m/44'/501'/{index}'"
    ours = wk.Wallet.from_seed(seed).account("sol", index, profile=profile)
    assert str(ours.path) == path
    assert ours.address == str(Keypair.from_seed_and_derivation_path(seed, path).pubkey())


@settings(max_examples=50, deadline=None)
@given(SEEDS)
def test_solana_keygen_profile_is_seed_prefix(seed: bytes) -> None:
    """Failure class 14: solana-keygen's bare BIP39 seed is the keypair of seed[:32] (solders tests/test_keypair.py)."""
    ours = wk.Wallet.from_seed(seed).account("sol", profile="solana-keygen")
    assert ours.address == str(Keypair.from_seed(seed[:32]).pubkey())


@EXAMPLES
@given(SEEDS, st.integers(0, 50), st.integers(0, 1000))
def test_batch_equals_single(seed: bytes, start: int, count: int) -> None:
    wallet = wk.Wallet.from_seed(seed)
    chain = ("eth", "btc", "sol", "tron")[count % 4]
    batch = wallet.accounts(chain, count=3, start=start)
    assert [a.address for a in batch] == [wk.Wallet.from_seed(seed).account(chain, start + i).address for i in range(3)]
