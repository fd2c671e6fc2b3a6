"""The fuzz targets: one function per parser that takes outside input, fed raw bytes.

Each decodes the bytes as the parser's input (text, JSON, TOML, raw bytes) and calls the
public API; only WalletKitError may escape. When one input feeds several parsers, each call
runs on its own (:func:`_each`), so a refusal by the first never hides the others. Keystore
targets cap the KDF cost the input may ask for, so the fuzzer spends its time in parsing,
not in scrypt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import walletkit as wk
from walletkit.errors import WalletKitError

# Well-formed addresses of the "abandon ... about" wallet, used where a parser needs one.
ADDRESSES = {
    "btc": "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
    "eth": "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
    "tron": "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
    "sol": "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk",
}
_ACCOUNTS: dict[str, wk.Account] = {}
_MODULES = (
    "chains.bitcoin.bip322",
    "chains.bitcoin.psbt",
    "chains.bitcoin.psbt2",
    "chains.bitcoin.psbt_map",
    "chains.bitcoin.tx",
    "chains.evm.typed_data",
    "chains.solana.offchain",
    "walletkit.keystore.store",
    "walletkit.keystore.v3",
    "walletkit.signer.policy",
)
_WALLET = wk.Wallet.from_seed(bytes(range(32)))


def preload() -> None:
    """Import every module a target reaches, so atheris instruments them all (call it inside instrument_imports)."""
    import importlib

    for module in _MODULES:
        importlib.import_module(module)
    for chain in wk.registry.list_chains():
        wk.registry.get_chain(chain)


def _account(chain: str) -> wk.Account:
    if chain not in _ACCOUNTS:
        _ACCOUNTS[chain] = wk.Account.from_private_key(chain, "0x" + "4c" * 32 if chain != "sol" else bytes(range(32)))
    return _ACCOUNTS[chain]


def _each(*calls: Callable[[], object]) -> None:
    """Run every call; a typed refusal of one does not skip the rest."""
    for call in calls:
        try:
            call()
        except WalletKitError:
            pass


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _json(data: bytes) -> Any:
    """Parse JSON the way the library's callers do (json.loads); None when it is not JSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None  # not JSON: these parsers take parsed JSON documents


def mnemonic(data: bytes) -> None:
    """BIP39 phrases in any language (word lists, checksum, NFKD, Electrum detection)."""
    text = _text(data)
    _each(lambda: wk.validate_mnemonic(text), lambda: wk.validate_mnemonic(text, "english"))


def derivation_path(data: bytes) -> None:
    """Derivation path text, parsed and used on a secp256k1 and an ed25519 chain."""
    text = _text(data)
    _each(
        lambda: wk.DerivationPath.parse(text),
        lambda: _WALLET.account("eth", path=text),
        lambda: _WALLET.account("sol", path=text),
    )


def extended_key(data: bytes) -> None:
    """xprv/xpub and SLIP-132 variants, and watch-only wallets from them."""
    from walletkit.hd.bip32 import HDNode

    text = _text(data)
    _each(
        lambda: HDNode.parse(text),
        lambda: wk.Wallet.from_xpub(text, "btc").account("btc", index=1),
        lambda: wk.Wallet.from_xpub(text, "eth"),
    )


def base58check(data: bytes) -> None:
    """Base58Check text."""
    from walletkit.encoding.base58 import b58check_decode, b58decode

    text = _text(data)
    _each(lambda: b58check_decode(text), lambda: b58decode(text))


def bech32_segwit(data: bytes) -> None:
    """Bech32/bech32m strings and segwit addresses."""
    from walletkit.encoding import bech32

    text = _text(data)
    _each(
        lambda: bech32.decode(text), lambda: bech32.decode_segwit("bc", text), lambda: bech32.decode_segwit("tb", text)
    )


def btc_address(data: bytes) -> None:
    """Bitcoin addresses of any network."""
    text = _text(data)
    _each(*(lambda n=n: wk.validate_address("btc", text, n) for n in ("mainnet", "testnet", "regtest")))


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
    text = _text(data)
    _each(
        *(
            lambda c=c, v=v: wk.Account.from_private_key(c, v)
            for c in ("btc", "eth", "tron", "sol")
            for v in (text, data)
        )
    )


def bitcoin_transaction(data: bytes) -> None:
    """Raw Bitcoin transactions (legacy and segwit); anything that parses must round-trip."""
    from chains.bitcoin.tx import Transaction

    tx = Transaction.parse(data)
    assert Transaction.parse(tx.serialize()) == tx
    tx.txid  # noqa: B018 - hashing the parsed transaction must work too


def psbt(data: bytes) -> None:
    """PSBT v0 (BIP174) and v2 (BIP370), binary and base64; what parses re-serializes and converts."""
    from chains.bitcoin.psbt import Psbt

    def parsed(p: Psbt) -> None:
        Psbt.parse(p.serialize())
        p.convert(0)
        p.convert(2)

    _each(lambda: parsed(Psbt.parse(data)), lambda: parsed(Psbt.from_base64(_text(data))))


def message_signatures(data: bytes) -> None:
    """Message signatures given to verify_message on every chain (BIP137, BIP322, EIP-191, TIP-191, Solana)."""
    text = _text(data)
    _each(*(lambda c=c, a=a: wk.verify_message(c, a, "hello", text) for c, a in ADDRESSES.items()))


def bip322_signature(data: bytes) -> None:
    """BIP322 witness stacks (base64) verified against each kind of address."""
    from chains.bitcoin import bip322

    text = _text(data)
    _each(
        lambda: bip322.decode_signature(text),
        lambda: bip322.verify(ADDRESSES["btc"], "hello", text),
        lambda: bip322.verify("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr", "hello", text),
    )


def eip712(data: bytes) -> None:
    """EIP-712 typed-data JSON: encoded, hashed and signed (domain chain id checked); TIP-712 too."""
    from chains.evm.typed_data import encode

    document = _json(data)
    if document is None:
        return
    account, tron = _account("eth"), _account("tron")
    _each(
        lambda: encode(document),
        lambda: account.plugin.sign_typed_data(account, document),  # type: ignore[attr-defined]
        lambda: tron.plugin.sign_typed_data(tron, document),  # type: ignore[attr-defined]  # TIP-712
    )


def solana_message(data: bytes) -> None:
    """Solana off-chain messages (header v0) and their signatures."""
    from chains.solana import offchain

    head, _, tail = data.partition(b"\n")
    _each(lambda: offchain.serialize(data), lambda: offchain.verify(ADDRESSES["sol"], tail, _text(head)))


def transfer_json(data: bytes) -> None:
    """The JSON a transfer is built from (``walletkit sign --tx``): fields of every chain, then signing."""
    from walletkit.cli.tx import read_transfer_document

    spec = _json(data)
    if not isinstance(spec, dict):
        return
    fields = spec.get("fields")
    if not isinstance(fields, dict):
        return
    for chain in ("btc", "eth", "tron", "sol"):
        account = _account(chain)
        # the calls `walletkit sign --tx` makes (walletkit/cli/tx.py); a non-text amount is taken
        # as base units, so that the fields reach the chain's builder
        document = {"to": ADDRESSES[chain], **spec}
        if not isinstance(document.get("amount"), str):
            document.setdefault("base_units", document.pop("amount", 1000))

        def build_and_sign(a: wk.Account = account, d: dict[str, Any] = document, c: str = chain) -> object:
            return a.sign(read_transfer_document(d, c).build(a))

        _each(build_and_sign)


def keystore_v3(data: bytes) -> None:
    """Ethereum v3 keyfiles (KDF cost capped by the harness)."""
    from walletkit.keystore import v3

    try:
        params = json.loads(data)["crypto"]["kdfparams"]
        if int(params.get("n", 0)) * int(params.get("r", 1)) > 1 << 12 or int(params.get("c", 0)) > 1 << 12:
            return
    except Exception:
        pass  # the harness only caps costs; malformed documents go to the parser as they are
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
        pass  # the harness only caps costs; malformed documents go to the parser as they are
    fd, path = tempfile.mkstemp()
    try:
        os.write(fd, data)
        os.close(fd)
        Keystore.open(path, "pw", allow_weak=True)
    finally:
        os.unlink(path)


def policy_file(data: bytes) -> None:
    """Signer policy files (TOML)."""
    from walletkit.signer.policy import Policy

    Policy.from_toml(_text(data))


def amounts(data: bytes) -> None:
    """Decimal amount text, for a number of decimals and for a chain."""
    text = _text(data)
    _each(lambda: wk.parse_units(text, 18), lambda: wk.parse_units(text, "btc"), lambda: wk.parse_units(text, "sol"))


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
        bip322_signature,
        eip712,
        solana_message,
        transfer_json,
        keystore_v3,
        keystore_file,
        policy_file,
        amounts,
    )
}


def run_one(name: str, data: bytes) -> None:
    """Call a target; WalletKitError is the only allowed failure."""
    try:
        TARGETS[name](data)
    except WalletKitError:
        pass
