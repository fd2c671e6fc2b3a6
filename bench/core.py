"""Core workloads: mnemonic -> seed, and 1,000 sibling addresses on ETH, BTC (P2WPKH) and SOL.

Anchors are used the fastest way their documentation allows: bip_utils keeps the
change-level node and derives each index from it; solders derives each path from the
seed (its only API); eth-account derives each path from the seed (``key_from_seed``).
The limit is the raw primitive chain for one address, with nothing else around it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable

import coincurve

from bench.common import Impl, Row, timed_rows
from walletkit.crypto import ed25519
from walletkit.crypto.hashes import hash160, keccak256
from walletkit.encoding.base58 import b58encode
from walletkit.encoding.bech32 import encode_segwit
from walletkit.wallet import Wallet

PHRASE = "abandon " * 11 + "about"
SEED = hashlib.pbkdf2_hmac("sha512", PHRASE.strip().encode(), b"mnemonic", 2048)
COUNT = 1000
_pack = struct.Struct(">L").pack


def _mnemonic_rows(quick: bool) -> list[Row]:
    from bip_utils import Bip39SeedGenerator
    from mnemonic import Mnemonic as RefMnemonic

    from walletkit.bip39 import mnemonic_to_seed

    ref = RefMnemonic("english")
    impls: list[Impl] = [
        ("walletkit", "walletkit", lambda: mnemonic_to_seed(PHRASE), 1),
        ("bip_utils", "anchor", lambda: Bip39SeedGenerator(PHRASE.strip()).Generate(), 1),
        ("python-mnemonic", "anchor", lambda: ref.to_seed(PHRASE.strip()), 1),
        (
            "hashlib.pbkdf2_hmac (limit)",
            "limit",
            lambda: hashlib.pbkdf2_hmac("sha512", PHRASE.strip().encode(), b"mnemonic", 2048),
            1,
        ),
    ]
    return timed_rows("mnemonic -> seed", impls, quick)


def _walletkit(chain: str) -> Impl:
    def batch() -> None:
        for a in Wallet.from_seed(SEED).accounts(chain, COUNT):
            _ = a.address

    return ("walletkit accounts()", "walletkit", batch, COUNT)


def _walletkit_loop(chain: str) -> Impl:
    def loop() -> None:
        w = Wallet.from_seed(SEED)
        for i in range(COUNT):
            _ = w.account(chain, index=i).address

    return ("walletkit account(i) loop", "walletkit", loop, COUNT)


def _secp_limit(address: str) -> Callable[[], object]:
    from walletkit.hd.bip32 import HDNode

    parent = HDNode.from_seed(SEED).derive("m/44'/60'/0'/0")
    chain_code, public, secret = parent.chain_code, parent.public_key, int.from_bytes(parent.secret, "big")
    n = coincurve.utils.GROUP_ORDER_INT
    digest, from_secret = hmac.digest, coincurve.PublicKey.from_valid_secret

    def eth_batch() -> None:
        for i in range(COUNT):
            d = digest(chain_code, public + _pack(i), "sha512")
            k = ((int.from_bytes(d[:32], "big") + secret) % n).to_bytes(32, "big")
            keccak256(from_secret(k).format(False)[1:])

    def btc_batch() -> None:
        for i in range(COUNT):
            d = digest(chain_code, public + _pack(i), "sha512")
            k = ((int.from_bytes(d[:32], "big") + secret) % n).to_bytes(32, "big")
            encode_segwit("bc", 0, hash160(from_secret(k).format(True)))

    return eth_batch if address == "eth" else btc_batch


def _eth_rows(quick: bool) -> list[Row]:
    from bip_utils import Bip44, Bip44Changes, Bip44Coins
    from eth_account import Account
    from eth_account.hdaccount import key_from_seed

    change = Bip44.FromSeed(SEED, Bip44Coins.ETHEREUM).Purpose().Coin().Account(0).Change(Bip44Changes.CHAIN_EXT)

    def bip_utils_batch() -> None:
        for i in range(COUNT):
            change.AddressIndex(i).PublicKey().ToAddress()

    def eth_account_batch() -> None:
        for i in range(COUNT // 10):
            _ = Account.from_key(key_from_seed(SEED, f"m/44'/60'/0'/0/{i}")).address

    impls: list[Impl] = [
        _walletkit("eth"),
        _walletkit_loop("eth"),
        ("bip_utils (change node kept)", "anchor", bip_utils_batch, COUNT),
        ("eth-account key_from_seed", "anchor", eth_account_batch, COUNT // 10),
        ("HMAC+coincurve+keccak (limit)", "limit", _secp_limit("eth"), COUNT),
    ]
    return timed_rows("1,000 ETH addresses (siblings)", impls, quick)


def _btc_rows(quick: bool) -> list[Row]:
    from bip_utils import Bip44Changes, Bip84, Bip84Coins

    change = Bip84.FromSeed(SEED, Bip84Coins.BITCOIN).Purpose().Coin().Account(0).Change(Bip44Changes.CHAIN_EXT)

    def bip_utils_batch() -> None:
        for i in range(COUNT):
            change.AddressIndex(i).PublicKey().ToAddress()

    impls: list[Impl] = [
        _walletkit("btc"),
        _walletkit_loop("btc"),
        ("bip_utils (change node kept)", "anchor", bip_utils_batch, COUNT),
        ("HMAC+coincurve+hash160+bech32 (limit)", "limit", _secp_limit("btc"), COUNT),
    ]
    return timed_rows("1,000 BTC P2WPKH addresses (siblings)", impls, quick)


def _sol_rows(quick: bool) -> list[Row]:
    from bip_utils import Bip32KeyIndex, Bip32Slip10Ed25519, SolAddrEncoder
    from solders.keypair import Keypair

    from walletkit.hd.slip10 import Ed25519Node

    coin = Bip32Slip10Ed25519.FromSeed(SEED).DerivePath("m/44'/501'")

    def bip_utils_batch() -> None:
        for i in range(COUNT):
            node = coin.ChildKey(Bip32KeyIndex.HardenIndex(i)).ChildKey(Bip32KeyIndex.HardenIndex(0))
            SolAddrEncoder.EncodeKey(node.PublicKey().KeyObject())

    def solders_batch() -> None:
        for i in range(COUNT // 4):
            str(Keypair.from_seed_and_derivation_path(SEED, f"m/44'/501'/{i}'/0'").pubkey())

    parent = Ed25519Node.from_seed(SEED).derive("m/44'/501'")
    cc, sk = parent.chain_code, parent.secret

    def limit_batch() -> None:
        for i in range(COUNT):
            d = hmac.digest(cc, b"\x00" + sk + _pack(i | 0x80000000), "sha512")
            d = hmac.digest(d[32:], b"\x00" + d[:32] + _pack(0x80000000), "sha512")
            b58encode(ed25519.public_from_seed(d[:32]))

    impls: list[Impl] = [
        _walletkit("sol"),
        _walletkit_loop("sol"),
        ("bip_utils (coin node kept)", "anchor", bip_utils_batch, COUNT),
        ("solders from_seed_and_derivation_path", "anchor", solders_batch, COUNT // 4),
        ("2xHMAC+libsodium+base58 (limit)", "limit", limit_batch, COUNT),
    ]
    return timed_rows("1,000 SOL addresses (m/44'/501'/i'/0')", impls, quick)


def run(quick: bool) -> list[Row]:
    """Measure every core workload."""
    return [*_mnemonic_rows(quick), *_eth_rows(quick), *_btc_rows(quick), *_sol_rows(quick)]
