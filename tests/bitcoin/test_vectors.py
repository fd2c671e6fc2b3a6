"""Bitcoin vectors: Core's sighash.json and key_io, BIP143, BIP341 key path, BIP173/BIP350, BIP137."""

from __future__ import annotations

import pytest

import walletkit as wk
from chains.bitcoin import sighash
from chains.bitcoin.tx import Transaction, TxOut
from tests.conftest import load_vectors
from walletkit.crypto import secp256k1
from walletkit.encoding import bech32

SIGHASH = [row for row in load_vectors("bitcoin_core_sighash") if len(row) == 5]
BIP143 = load_vectors("bip143_p2wpkh_examples")["examples"]
BIP341 = load_vectors("bip341_wallet_test_vectors")
KEY_IO_VALID = load_vectors("bitcoin_core_key_io_valid")
KEY_IO_INVALID = load_vectors("bitcoin_core_key_io_invalid")
BECH32 = load_vectors("bech32_bip173_bip350_vectors")
BIP137 = load_vectors("bip137_message_signing_vectors")["bitcoinjs_message_fixtures"]


def test_core_sighash_json_all_500() -> None:
    assert len(SIGHASH) == 500
    for raw, script_code, index, hash_type, expected in SIGHASH:
        tx = Transaction.parse(bytes.fromhex(raw))
        digest = sighash.legacy(tx, index, bytes.fromhex(script_code), hash_type & 0xFFFFFFFF, allow_single_bug=True)
        assert digest[::-1].hex() == expected


def test_sighash_single_bug_is_refused() -> None:
    """Failure class 33: SINGLE with no matching output would sign the constant 1 (bitcoin.stackexchange q/114850)."""
    raw, script_code, _, _, _ = SIGHASH[0]
    tx = Transaction.parse(bytes.fromhex(raw))
    with pytest.raises(wk.errors.InvalidTransaction, match="constant 1"):
        sighash.legacy(tx, len(tx.outputs), bytes.fromhex(script_code), sighash.SIGHASH_SINGLE) if len(tx.inputs) > len(
            tx.outputs
        ) else sighash.legacy(_one_output(tx), 1, bytes.fromhex(script_code), sighash.SIGHASH_SINGLE)


def _one_output(tx: Transaction) -> Transaction:
    from chains.bitcoin.tx import OutPoint, TxIn

    inputs = tx.inputs if len(tx.inputs) > 1 else (*tx.inputs, TxIn(OutPoint("11" * 32, 0)))
    return Transaction(inputs, tx.outputs[:1], tx.version, tx.locktime)


@pytest.mark.parametrize("example", BIP143, ids=lambda e: e["name"])
def test_bip143_examples(example: dict[str, object]) -> None:
    tx = Transaction.parse(bytes.fromhex(str(example["unsigned_tx"])))
    index = int(example["signed_input_index"])  # type: ignore[call-overload]
    script_code = bytes.fromhex(str(example["scriptCode"]))[1:]  # drop the length prefix
    amount = int.from_bytes(bytes.fromhex(str(example["amount_le"])), "little")
    digest = sighash.bip143(tx, index, script_code, amount, int(example["sighash_type"]))  # type: ignore[call-overload]
    assert digest.hex() == example["sighash"]


@pytest.mark.parametrize(
    "case", BIP341["keyPathSpending"][0]["inputSpending"], ids=lambda c: str(c["given"]["txinIndex"])
)
def test_bip341_key_path(case: dict[str, dict[str, object]]) -> None:
    given = BIP341["keyPathSpending"][0]["given"]
    tx = Transaction.parse(bytes.fromhex(given["rawUnsignedTx"]))
    spent = [TxOut(u["amountSats"], bytes.fromhex(u["scriptPubKey"])) for u in given["utxosSpent"]]
    g, mid = case["given"], case["intermediary"]
    digest = sighash.bip341(tx, int(g["txinIndex"]), spent, int(g["hashType"]))  # type: ignore[call-overload]
    assert digest.hex() == mid["sigHash"]
    root = bytes.fromhex(str(g["merkleRoot"])) if g["merkleRoot"] else b""
    tweaked = secp256k1.taproot_tweak_secret(bytes.fromhex(str(g["internalPrivkey"])), root)
    assert tweaked.hex() == mid["tweakedPrivkey"]
    signature = secp256k1.sign_schnorr(tweaked, digest, bytes(32))
    hash_type = int(g["hashType"])  # type: ignore[call-overload]
    witness = signature + (bytes([hash_type]) if hash_type else b"")
    assert [witness.hex()] == case["expected"]["witness"]


@pytest.mark.parametrize("case", BIP341["scriptPubKey"], ids=lambda c: c["expected"]["bip350Address"][:12])
def test_bip341_key_only_outputs(case: dict[str, dict[str, object]]) -> None:
    # All 7 cases: the key-only ones (no script tree: an empty merkle root) and the script-tree
    # ones, whose merkle root the vector gives, tweak the internal key as BIP341 says.
    internal = bytes.fromhex(str(case["given"]["internalPubkey"]))
    root = case["intermediary"]["merkleRoot"]
    assert (root is None) is (case["given"]["scriptTree"] is None)
    merkle_root = bytes.fromhex(str(root)) if root is not None else b""
    output, _parity = secp256k1.taproot_output_key(internal, merkle_root)
    assert output.hex() == case["intermediary"]["tweakedPubkey"]
    assert ("5120" + output.hex()) == case["expected"]["scriptPubKey"]
    assert bech32.encode_segwit("bc", 1, output) == case["expected"]["bip350Address"]


_CHAIN = {"main": "mainnet", "test": "testnet", "testnet4": "testnet4", "signet": "signet", "regtest": "regtest"}


@pytest.mark.parametrize("row", KEY_IO_VALID, ids=lambda r: r[0][:16])
def test_key_io_valid(row: list[object]) -> None:
    text, payload, meta = row
    assert isinstance(meta, dict) and isinstance(text, str)
    network = _CHAIN[meta["chain"]]
    if meta["isPrivkey"]:
        account = wk.Account.from_private_key("btc", text, network=network) if meta.get("isCompressed") else None
        if account is None:
            with pytest.raises(wk.errors.InvalidKey, match="uncompressed"):
                wk.Account.from_private_key("btc", text, network=network)
            return
        assert account.signing_key().secret_bytes().hex() == payload
        assert account.export_private_key() == text
    else:
        from chains.bitcoin.address import decode

        assert decode(text, network).script_pubkey.hex() == payload


@pytest.mark.parametrize("row", KEY_IO_INVALID, ids=lambda r: (r[0] or "empty")[:16])
def test_key_io_invalid(row: list[str]) -> None:
    text = row[0]
    with pytest.raises(wk.errors.InvalidInput):
        wk.validate_address("btc", text)
    with pytest.raises(wk.errors.InvalidInput):
        wk.Account.from_private_key("btc", text)


def _section(bip: str, startswith: str) -> list[dict[str, str]]:
    return next(v for k, v in BECH32[bip].items() if k.startswith(startswith))


@pytest.mark.parametrize("bip", ["bip173", "bip350"])
def test_bech32_strings(bip: str) -> None:
    expected = bech32.Encoding.BECH32 if bip == "bip173" else bech32.Encoding.BECH32M
    for case in _section(bip, "The following strings are valid"):
        assert bech32.decode(case["string"])[2] is expected
    for case in _section(bip, "The following string are not valid"):
        with pytest.raises(bech32.Bech32Error):
            if bech32.decode(case["string"])[2] is expected:
                raise AssertionError(case)
            raise bech32.Bech32Error("decoded with the other checksum constant")


@pytest.mark.parametrize("bip", ["bip173", "bip350"])
def test_segwit_addresses(bip: str) -> None:
    for case in _section(bip, "The following list gives valid segwit"):
        text = case["string"]
        if bip == "bip173" and case["scriptPubKey"][:2] != "00":
            continue  # BIP350 replaced bech32 with bech32m for versions 1+: those BIP173 addresses are now invalid
        hrp = text[:2].lower()
        version, program = bech32.decode_segwit(hrp, text)
        spk = bytes([version + 0x50 if version else 0, len(program)]) + program
        assert spk.hex() == case["scriptPubKey"]
    for case in _section(bip, "The following list gives invalid segwit"):
        with pytest.raises(bech32.Bech32Error):
            bech32.decode_segwit("bc", case["string"])
            bech32.decode_segwit("tb", case["string"])
            raise bech32.Bech32Error("decoded under both hrps")


def test_bech32_against_reference_package() -> None:
    import os

    import bech32 as reference

    for _ in range(500):
        program = os.urandom(20)
        assert bech32.encode_segwit("bc", 0, program) == reference.encode("bc", 0, program)


@pytest.mark.parametrize(
    "case", [c for c in BIP137["valid"]["verify"] if c["network"] == "bitcoin"], ids=lambda c: c["address"]
)
def test_bip137_bitcoinjs_verify(case: dict[str, object]) -> None:
    message = str(case["message"])
    compressed = case["compressed"]
    assert isinstance(compressed, dict)
    assert wk.verify_message("btc", compressed["address"], message, compressed["signature"])
    segwit = case.get("segwit")
    if isinstance(segwit, dict):
        for entry in segwit.values():
            assert wk.verify_message("btc", entry["address"], message, entry["signature"])


@pytest.mark.parametrize(
    "case", [c for c in BIP137["valid"]["sign"] if c["network"] == "bitcoin"], ids=lambda c: c["description"][:30]
)
def test_bip137_bitcoinjs_sign(case: dict[str, object]) -> None:
    key = int(str(case["d"]), 16 if str(case["d"]).startswith("0x") else 10).to_bytes(32, "big")
    message = str(case["message"])
    for kind, signature in (
        ("p2pkh", case["compressed"]["signature"]),  # type: ignore[index]
        ("p2sh-p2wpkh", case["segwit"]["P2SH_P2WPKH"]["signature"]),  # type: ignore[index]
        ("p2wpkh", case["segwit"]["P2WPKH"]["signature"]),  # type: ignore[index]
    ):
        assert wk.Account.from_private_key("btc", key, kind=kind).sign_message(message) == signature
