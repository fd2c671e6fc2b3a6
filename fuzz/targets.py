"""The fuzz targets: one function per parser, fed raw bytes.

Each decodes the bytes as the parser's input (text, JSON, raw bytes) and calls the public
API; only WalletKitError may escape. Keystore targets cap the KDF cost the input may ask
for, so the fuzzer spends its time in parsing, not in scrypt.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import walletkit as wk
from walletkit.errors import WalletKitError


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def mnemonic(data: bytes) -> None:
    """BIP39 phrases in any language."""
    wk.validate_mnemonic(_text(data))


def derivation_path(data: bytes) -> None:
    """Derivation path text."""
    wk.DerivationPath.parse(_text(data))


def extended_key(data: bytes) -> None:
    """xprv/xpub and SLIP-132 variants, and watch-only wallets from them."""
    from walletkit.hd.bip32 import HDNode

    HDNode.parse(_text(data))
    wk.Wallet.from_xpub(_text(data), "btc")


def base58check(data: bytes) -> None:
    """Base58Check text."""
    from walletkit.encoding.base58 import b58check_decode

    b58check_decode(_text(data))


def bech32_segwit(data: bytes) -> None:
    """Bech32/bech32m strings and segwit addresses."""
    from walletkit.encoding import bech32

    text = _text(data)
    bech32.decode(text)
    bech32.decode_segwit("bc", text)


def btc_address(data: bytes) -> None:
    """Bitcoin addresses of any network."""
    wk.validate_address("btc", _text(data), "mainnet")


def evm_address(data: bytes) -> None:
    """EIP-55 addresses."""
    wk.validate_address("eth", _text(data))


def tron_address(data: bytes) -> None:
    """TRON T.../41.../0x... addresses."""
    wk.validate_address("tron", _text(data))


def solana_address(data: bytes) -> None:
    """Solana base58 addresses."""
    wk.validate_address("sol", _text(data))


def private_keys(data: bytes) -> None:
    """Private key import on every chain (WIF, hex, base58 keypair, CLI JSON, raw bytes)."""
    for chain in ("btc", "eth", "tron", "sol"):
        for value in (_text(data), data):
            try:
                wk.Account.from_private_key(chain, value)
            except WalletKitError:
                pass


def bitcoin_transaction(data: bytes) -> None:
    """Raw Bitcoin transactions (legacy and segwit)."""
    from chains.bitcoin.tx import Transaction

    tx = Transaction.parse(data)
    assert Transaction.parse(tx.serialize()) == tx  # round trip of anything that parses


def psbt(data: bytes) -> None:
    """PSBT v0, binary and base64."""
    from chains.bitcoin.psbt import Psbt

    Psbt.parse(data)
    Psbt.from_base64(_text(data))


def message_signatures(data: bytes) -> None:
    """Message signatures given to verify_message on every chain."""
    text = _text(data)
    for chain, address in (
        ("btc", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),
        ("eth", "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"),
        ("tron", "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"),
        ("sol", "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"),
    ):
        try:
            wk.verify_message(chain, address, "hello", text)
        except WalletKitError:
            pass


def eip712(data: bytes) -> None:
    """EIP-712 typed-data JSON."""
    from chains.evm.typed_data import encode

    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return  # not JSON: the typed-data encoder takes parsed JSON
    encode(document)


def keystore_v3(data: bytes) -> None:
    """Ethereum v3 keyfiles (KDF cost capped by the harness)."""
    from walletkit.keystore import v3

    try:
        document = json.loads(data)
        params = document["crypto"]["kdfparams"]
        if int(params.get("n", 0)) * int(params.get("r", 1)) > 1 << 12 or int(params.get("c", 0)) > 1 << 12:
            return
    except Exception:
        pass
    v3.decrypt(data, "pw", allow_weak=True)


def keystore_file(data: bytes) -> None:
    """walletkit keystore files (KDF cost capped by the harness)."""
    import os
    import tempfile

    from walletkit.keystore import Keystore

    try:
        kdf = json.loads(data)["kdf"]
        if int(kdf.get("n", 0)) * int(kdf.get("r", 1)) > 1 << 12 or kdf.get("name") == "argon2id":
            return
    except Exception:
        pass
    fd, path = tempfile.mkstemp()
    try:
        os.write(fd, data)
        os.close(fd)
        Keystore.open(path, "pw", allow_weak=True)
    finally:
        os.unlink(path)


def amounts(data: bytes) -> None:
    """Decimal amount text."""
    wk.parse_units(_text(data), 18)
    wk.parse_units(_text(data), "btc")


TARGETS: dict[str, Callable[[bytes], None]] = {
    f.__name__: f
    for f in (
        mnemonic,
        derivation_path,
        extended_key,
        base58check,
        bech32_segwit,
        btc_address,
        evm_address,
        tron_address,
        solana_address,
        private_keys,
        bitcoin_transaction,
        psbt,
        message_signatures,
        eip712,
        keystore_v3,
        keystore_file,
        amounts,
    )
}


def run_one(name: str, data: bytes) -> None:
    """Call a target; WalletKitError is the only allowed failure."""
    try:
        TARGETS[name](data)
    except WalletKitError:
        pass
