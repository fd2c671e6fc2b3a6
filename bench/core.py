"""Core workloads: mnemonic -> seed; 1,000 sibling addresses on ETH, BTC (P2WPKH) and SOL; a SOL
address from a new wallet; an ed25519 signature.

Anchors are used the fastest way their documentation allows: bip_utils keeps the
change-level node and derives each index from it; solders derives each path from the
seed (its only API); eth-account derives each path from the seed (``key_from_seed``).
The limit is the raw primitive chain for one address, with nothing else around it:
HMAC-SHA512 from hashlib, libsecp256k1 through coincurve, libsodium through PyNaCl's cffi
binding with no wrapper, base58 by solders (the fastest encoder installed).

Every implementation's output (addresses, signatures) is checked equal before timing.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable

import coincurve
from nacl._sodium import ffi as sodium_ffi
from nacl._sodium import lib as sodium
from solders.pubkey import Pubkey

from bench.common import Impl, Row, same_output, timed_rows
from walletkit.crypto.hashes import hash160, keccak256
from walletkit.encoding.bech32 import encode_segwit
from walletkit.keys import PrivateKey
from walletkit.wallet import Wallet

PHRASE = "abandon " * 11 + "about"
SEED = hashlib.pbkdf2_hmac("sha512", PHRASE.strip().encode(), b"mnemonic", 2048)
COUNT = 1000
_pack = struct.Struct(">L").pack
H = 0x80000000


def _sodium_public(seed: bytes) -> bytes:
    """libsodium's crypto_sign_seed_keypair through cffi, no wrapper: the public half."""
    public, secret = sodium_ffi.new("unsigned char[32]"), sodium_ffi.new("unsigned char[64]")
    sodium.crypto_sign_seed_keypair(public, secret, seed)
    return sodium_ffi.buffer(public, 32)[:]


def _sol_address(public: bytes) -> str:
    return str(Pubkey(public))  # solders' base58 (Rust bs58)


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
    def batch() -> list[str]:
        return [a.address for a in Wallet.from_seed(SEED).accounts(chain, COUNT)]

    return ("walletkit accounts()", "walletkit", batch, COUNT)


def _walletkit_loop(chain: str) -> Impl:
    def loop() -> list[str]:
        w = Wallet.from_seed(SEED)
        return [w.account(chain, index=i).address for i in range(COUNT)]

    return ("walletkit account(i) loop", "walletkit", loop, COUNT)


def _secp_limit(address: str) -> Callable[[], object]:
    from walletkit.hd.bip32 import HDNode

    parent = HDNode.from_seed(SEED).derive("m/44'/60'/0'/0" if address == "eth" else "m/84'/0'/0'/0")
    chain_code, public, secret = parent.chain_code, parent.public_key, int.from_bytes(parent.secret, "big")
    n = coincurve.utils.GROUP_ORDER_INT
    digest, from_secret = hmac.digest, coincurve.PublicKey.from_valid_secret

    def eth_batch() -> list[bytes]:
        out = []
        for i in range(COUNT):
            d = digest(chain_code, public + _pack(i), "sha512")
            k = ((int.from_bytes(d[:32], "big") + secret) % n).to_bytes(32, "big")
            out.append(keccak256(from_secret(k).format(False)[1:])[12:])
        return out

    def btc_batch() -> list[str]:
        out = []
        for i in range(COUNT):
            d = digest(chain_code, public + _pack(i), "sha512")
            k = ((int.from_bytes(d[:32], "big") + secret) % n).to_bytes(32, "big")
            out.append(encode_segwit("bc", 0, hash160(from_secret(k).format(True))))
        return out

    return eth_batch if address == "eth" else btc_batch


def _eth_rows(quick: bool) -> list[Row]:
    from bip_utils import Bip44, Bip44Changes, Bip44Coins
    from eth_account import Account
    from eth_account.hdaccount import key_from_seed

    change = Bip44.FromSeed(SEED, Bip44Coins.ETHEREUM).Purpose().Coin().Account(0).Change(Bip44Changes.CHAIN_EXT)

    def bip_utils_batch() -> list[str]:
        return [change.AddressIndex(i).PublicKey().ToAddress() for i in range(COUNT)]

    def eth_account_batch() -> list[str]:
        return [Account.from_key(key_from_seed(SEED, f"m/44'/60'/0'/0/{i}")).address for i in range(COUNT // 10)]

    ours = _walletkit("eth")[2]()
    same_output(
        "ETH addresses",
        {
            "walletkit": [a.lower() for a in ours],
            "walletkit loop": [a.lower() for a in _walletkit_loop("eth")[2]()],  # type: ignore[attr-defined]
            "bip_utils": [a.lower() for a in bip_utils_batch()],
            "limit": ["0x" + a.hex() for a in _secp_limit("eth")()],  # type: ignore[attr-defined]
        },
    )
    same_output("ETH addresses (eth-account)", {"walletkit": ours[: COUNT // 10], "eth-account": eth_account_batch()})
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

    def bip_utils_batch() -> list[str]:
        return [change.AddressIndex(i).PublicKey().ToAddress() for i in range(COUNT)]

    same_output(
        "BTC addresses",
        {
            "walletkit": _walletkit("btc")[2](),
            "walletkit loop": _walletkit_loop("btc")[2](),
            "bip_utils": bip_utils_batch(),
            "limit": _secp_limit("btc")(),
        },
    )
    impls: list[Impl] = [
        _walletkit("btc"),
        _walletkit_loop("btc"),
        ("bip_utils (change node kept)", "anchor", bip_utils_batch, COUNT),
        ("HMAC+coincurve+hash160+bech32 (limit)", "limit", _secp_limit("btc"), COUNT),
    ]
    return timed_rows("1,000 BTC P2WPKH addresses (siblings)", impls, quick)


def _xpub_rows(quick: bool) -> list[Row]:
    """1,000 ETH addresses from an account xpub: BIP32 public derivation (a secp256k1 point tweak each)."""
    from bip_utils import Bip44, Bip44Changes, Bip44Coins
    from coincurve._libsecp256k1 import ffi as secp_ffi
    from coincurve._libsecp256k1 import lib as secp
    from coincurve.context import GLOBAL_CONTEXT

    from walletkit.hd.bip32 import HDNode

    xpub = HDNode.from_seed(SEED).derive("m/44'/60'/0'").to_xpub()
    external = HDNode.parse(xpub)[0].child(0)
    chain_code, public = external.chain_code, external.public_key
    ctx, new, buffer = GLOBAL_CONTEXT.ctx, secp_ffi.new, secp_ffi.buffer
    parent = new("secp256k1_pubkey *")
    secp.secp256k1_ec_pubkey_parse(ctx, parent, public, 33)  # parsed once, as walletkit keeps it
    tweak_add, serialize, uncompressed = (
        secp.secp256k1_ec_pubkey_tweak_add,
        secp.secp256k1_ec_pubkey_serialize,
        secp.SECP256K1_EC_UNCOMPRESSED,
    )
    bip_utils_change = Bip44.FromExtendedKey(xpub, Bip44Coins.ETHEREUM).Change(Bip44Changes.CHAIN_EXT)

    def walletkit() -> list[str]:
        return [a.address for a in Wallet.from_xpub(xpub, "eth").accounts("eth", COUNT)]

    def bip_utils_batch() -> list[str]:
        return [bip_utils_change.AddressIndex(i).PublicKey().ToAddress() for i in range(COUNT)]

    def limit() -> list[bytes]:
        out = []
        for i in range(COUNT):
            d = hmac.digest(chain_code, public + _pack(i), "sha512")
            point = new("secp256k1_pubkey *")
            secp_ffi.memmove(point, parent, 64)
            tweak_add(ctx, point, d[:32])
            raw, size = new("unsigned char[65]"), new("size_t *", 65)
            serialize(ctx, raw, size, point, uncompressed)
            out.append(keccak256(buffer(raw, 65)[1:])[12:])
        return out

    same_output(
        "xpub ETH addresses",
        {
            "walletkit": [a.lower() for a in walletkit()],
            "bip_utils": [a.lower() for a in bip_utils_batch()],
            "limit": ["0x" + a.hex() for a in limit()],
        },
    )
    impls: list[Impl] = [
        ("walletkit Wallet.from_xpub().accounts()", "walletkit", walletkit, COUNT),
        ("bip_utils (change node kept)", "anchor", bip_utils_batch, COUNT),
        ("HMAC+libsecp256k1 tweak+keccak (limit)", "limit", limit, COUNT),
    ]
    return timed_rows("1,000 ETH addresses from an xpub (public)", impls, quick)


def _sol_rows(quick: bool) -> list[Row]:
    from bip_utils import Bip32KeyIndex, Bip32Slip10Ed25519, SolAddrEncoder
    from solders.keypair import Keypair

    from walletkit.hd.slip10 import Ed25519Node

    coin = Bip32Slip10Ed25519.FromSeed(SEED).DerivePath("m/44'/501'")

    def bip_utils_batch() -> list[str]:
        out = []
        for i in range(COUNT):
            node = coin.ChildKey(Bip32KeyIndex.HardenIndex(i)).ChildKey(Bip32KeyIndex.HardenIndex(0))
            out.append(SolAddrEncoder.EncodeKey(node.PublicKey().KeyObject()))
        return out

    def solders_batch() -> list[str]:
        return [
            str(Keypair.from_seed_and_derivation_path(SEED, f"m/44'/501'/{i}'/0'").pubkey()) for i in range(COUNT // 4)
        ]

    parent = Ed25519Node.from_seed(SEED).derive("m/44'/501'")
    cc, sk = parent.chain_code, parent.secret

    def limit_batch() -> list[str]:
        out = []
        for i in range(COUNT):
            d = hmac.digest(cc, b"\x00" + sk + _pack(i | H), "sha512")
            d = hmac.digest(d[32:], b"\x00" + d[:32] + _pack(H), "sha512")
            out.append(_sol_address(_sodium_public(d[:32])))
        return out

    ours = _walletkit("sol")[2]()
    same_output(
        "SOL addresses",
        {
            "walletkit": ours,
            "walletkit loop": _walletkit_loop("sol")[2](),
            "bip_utils": bip_utils_batch(),
            "limit": limit_batch(),
        },
    )
    same_output("SOL addresses (solders)", {"walletkit": ours[: COUNT // 4], "solders": solders_batch()})
    impls: list[Impl] = [
        _walletkit("sol"),
        _walletkit_loop("sol"),
        ("bip_utils (coin node kept)", "anchor", bip_utils_batch, COUNT),
        ("solders from_seed_and_derivation_path", "anchor", solders_batch, COUNT // 4),
        ("2xHMAC+libsodium+base58 (limit)", "limit", limit_batch, COUNT),
    ]
    return timed_rows("1,000 SOL addresses (m/44'/501'/i'/0')", impls, quick)


def _new_wallet_sol_rows(quick: bool) -> list[Row]:
    """A SOL address from a seed, the whole path each time: master, m/44'/501'/0'/0', public key, base58."""
    from bip_utils import Bip44, Bip44Changes, Bip44Coins
    from solders.keypair import Keypair

    def walletkit() -> str:
        return Wallet.from_seed(SEED).account("sol").address

    def bip_utils() -> str:
        return (
            Bip44.FromSeed(SEED, Bip44Coins.SOLANA)
            .Purpose()
            .Coin()
            .Account(0)
            .Change(Bip44Changes.CHAIN_EXT)
            .PublicKey()
            .ToAddress()
        )

    def solders() -> str:
        return str(Keypair.from_seed_and_derivation_path(SEED, "m/44'/501'/0'/0'").pubkey())

    def limit() -> str:
        d = hmac.digest(b"ed25519 seed", SEED, "sha512")  # SLIP-10 master
        for index in (44 | H, 501 | H, H, H):
            d = hmac.digest(d[32:], b"\x00" + d[:32] + _pack(index), "sha512")
        return _sol_address(_sodium_public(d[:32]))

    same_output(
        "SOL address of a new wallet",
        {"walletkit": walletkit(), "bip_utils": bip_utils(), "solders": solders(), "limit": limit()},
    )
    impls: list[Impl] = [
        ("walletkit Wallet.from_seed().account()", "walletkit", walletkit, 1),
        ("bip_utils Bip44.FromSeed ... ToAddress", "anchor", bip_utils, 1),
        ("solders from_seed_and_derivation_path", "anchor", solders, 1),
        ("5xHMAC+libsodium+base58 (limit)", "limit", limit, 1),
    ]
    return timed_rows("SOL address of a new wallet (seed, full path)", impls, quick)


def _ed25519_rows(quick: bool) -> list[Row]:
    """One ed25519 signature of a 200-byte message with a key already loaded."""
    import nacl.bindings
    import nacl.signing
    from solders.keypair import Keypair

    seed, message = bytes(range(32)), bytes(range(200))
    key = PrivateKey("ed25519", seed)
    pynacl_key = nacl.signing.SigningKey(seed)
    expanded = nacl.bindings.crypto_sign_seed_keypair(seed)[1]
    keypair = Keypair.from_seed(seed)
    public, secret = sodium_ffi.new("unsigned char[32]"), sodium_ffi.new("unsigned char[64]")
    sodium.crypto_sign_seed_keypair(public, secret, seed)
    new, buffer, null, crypto_sign = sodium_ffi.new, sodium_ffi.buffer, sodium_ffi.NULL, sodium.crypto_sign

    def raw() -> bytes:
        out = new("unsigned char[]", len(message) + 64)
        crypto_sign(out, null, message, len(message), secret)
        return buffer(out, 64)[:]

    impls: list[Impl] = [
        ("walletkit PrivateKey.sign_ed25519", "walletkit", lambda: key.sign_ed25519(message), 1),
        ("pynacl SigningKey.sign", "anchor", lambda: pynacl_key.sign(message).signature, 1),
        ("solders Keypair.sign_message", "anchor", lambda: bytes(keypair.sign_message(message)), 1),
        (
            "libsodium crypto_sign via pynacl (limit)",
            "limit",
            lambda: nacl.bindings.crypto_sign(message, expanded)[:64],
            1,
        ),
        ("libsodium crypto_sign via cffi, no wrapper (limit)", "limit", raw, 1),
    ]
    same_output("ed25519 signature", {name: fn() for name, _, fn, _ in impls})
    return timed_rows("ed25519 signature (200-byte message)", impls, quick)


def run(quick: bool) -> list[Row]:
    """Measure every core workload."""
    return [
        *_mnemonic_rows(quick),
        *_eth_rows(quick),
        *_btc_rows(quick),
        *_xpub_rows(quick),
        *_sol_rows(quick),
        *_new_wallet_sol_rows(quick),
        *_ed25519_rows(quick),
    ]
