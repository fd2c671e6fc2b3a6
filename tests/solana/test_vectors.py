"""Solana vectors: wallet-core signed transactions and mnemonic-to-address derivations."""

from __future__ import annotations

import pytest
from solders.transaction import VersionedTransaction

import walletkit as wk
from chains.solana import programs
from chains.solana.transfer import SolanaTransfer, pubkey
from tests.conftest import load_vectors
from walletkit.crypto import ed25519
from walletkit.encoding.base58 import b58decode, b58encode

SIGN = {v["test"]: v for v in load_vectors("solana_wallet_core_sign_vectors")}
DERIVATION = load_vectors("solana_derivation_vectors")


def _key(v: dict[str, str]) -> bytes:
    return b58decode(v["private_key"]) if v["private_key_encoding"] == "base58" else bytes.fromhex(v["private_key"])


@pytest.mark.parametrize(
    ("test", "fields"),
    [
        # wallet-core's recipient here is 32 random bytes off the ed25519 curve: the explicit opt-in.
        ("test_solana_sign_transfer", {"allow_owner_off_curve": True}),
        ("test_solana_sign_transfer_v0", {"version": "v0"}),
        ("test_solana_sign_transfer_to_self", {}),
    ],
)
def test_sol_transfers_are_byte_identical(test: str, fields: dict[str, object]) -> None:
    v = SIGN[test]
    account = wk.Account.from_private_key("sol", _key(v))
    tx = account.transfer(v["recipient"], v["value_lamports"], recent_blockhash=v["recent_blockhash"], **fields)
    assert b58encode(account.sign(tx).raw) == v["encoded_signed_tx_base58"]


def test_priority_fee_instructions() -> None:
    # Same instructions in the same order as wallet-core; the read-only program keys are sorted by
    # solders (System before ComputeBudget), so the message differs only in account order.
    v = SIGN["test_solana_sign_transfer_with_priority_fee"]
    theirs = VersionedTransaction.from_bytes(b58decode(v["encoded_signed_tx_base58"]))
    account = wk.Account.from_private_key("sol", _key(v))
    tx = account.transfer(
        v["recipient"],
        v["value_lamports"],
        recent_blockhash=v["recent_blockhash"],
        compute_unit_limit=2000,
        compute_unit_price=2,
    )
    ours = VersionedTransaction.from_bytes(account.sign(tx).raw)
    assert [bytes(i.data) for i in ours.message.instructions] == [bytes(i.data) for i in theirs.message.instructions]
    assert sorted(map(str, ours.message.account_keys)) == sorted(map(str, theirs.message.account_keys))
    assert ed25519.sign(_key(v), bytes(theirs.message)) == bytes(theirs.signatures[0])


def test_token_transfer_checked_instruction_and_signature() -> None:
    # wallet-core lists accounts in insertion order; solders (like the Solana SDK) sorts them, so the
    # message bytes differ while meaning the same. Same inputs give the same instruction bytes, and
    # signing wallet-core's own message with walletkit's signer gives wallet-core's signature.
    v = SIGN["test_solana_sign_token_transfer"]
    theirs = VersionedTransaction.from_bytes(b58decode(v["encoded_signed_tx_base58"]))
    account = wk.Account.from_private_key("sol", _key(v))
    ix = programs.transfer_checked(
        pubkey("EDNd1ycsydWYwVmrYZvqYazFqwk1QjBgAUKFjBoz1jKP"),
        pubkey("SRMuApVNdxXokk5GT7XD5cUUgXMBCoAz2LHeuAoKWRt"),
        pubkey("3WUX9wASxyScbA7brDipioKfXS1XEYkQ4vo3Kej9bKei"),
        pubkey(account.address),
        4000,
        6,
    )
    assert bytes(theirs.message.instructions[0].data) == bytes(ix.data)
    message = bytes(theirs.message)
    assert ed25519.sign(_key(v), message) == bytes(theirs.signatures[0])
    ours = SolanaTransfer(pubkey(account.address), (ix,), theirs.message.recent_blockhash)
    assert ed25519.verify(account.public_key.data, ours.message_bytes(), account.sign(ours).raw[1:65])


def test_create_and_transfer_uses_the_idempotent_ata_instruction() -> None:
    # wallet-core creates the recipient's account with the original (non-idempotent) instruction;
    # walletkit uses CreateIdempotent (index 1) so a retry cannot fail. The transfer is the same.
    v = SIGN["test_solana_sign_create_and_transfer_token"]
    theirs = VersionedTransaction.from_bytes(b58decode(v["encoded_signed_tx_base58"]))
    account = wk.Account.from_private_key("sol", _key(v))
    tx = account.transfer(
        "71e8mDsh3PR6gN64zL1HjwuxyKpgRXrPDUJT7XXojsVd",
        2900,
        token="SRMuApVNdxXokk5GT7XD5cUUgXMBCoAz2LHeuAoKWRt",
        decimals=6,
        recent_blockhash=v["recent_blockhash"],
    )
    create, transfer = tx.instructions  # type: ignore[attr-defined]
    assert bytes(create.data) == b"\x01" and bytes(theirs.message.instructions[0].data) == b""
    assert bytes(transfer.data) == bytes(theirs.message.instructions[1].data)
    keys = [str(k) for k in theirs.message.account_keys]
    assert str(transfer.accounts[2].pubkey) == "EF6L8yJT1SoRoDCkAZfSVmaweqMzfhxZiptKi7Tgj5XY" in keys
    assert str(transfer.accounts[0].pubkey) == "ANVCrmRw7Ww7rTFfMbrjApSPXEEcZpBa6YEiBdf98pAf" in keys


_PROFILES = {"m/44'/501'/0'/0'": "default", "m/44'/501'/0'": "ledger"}


@pytest.mark.parametrize("vector", [v for v in DERIVATION["vectors"] if "address" in v], ids=lambda v: v["path"])
def test_derivation_vectors(vector: dict[str, str]) -> None:
    wallet = wk.Wallet.from_mnemonic(vector["mnemonic"], vector.get("passphrase", ""))
    account = wallet.account("sol", path=vector["path"])
    assert account.address == vector["address"]
    if vector["path"] in _PROFILES:
        assert wallet.account("sol", profile=_PROFILES[vector["path"]]).address == vector["address"]
