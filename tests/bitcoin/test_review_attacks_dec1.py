"""Review attacks of 2026-12-01 on PSBT signing (hostile PSBTs handed to an account).

- A PSBT_IN_SIGHASH_TYPE above one byte on an ECDSA input (BIP174 gives it 4 bytes; a legacy
  or BIP143 signature carries one hash-type byte) crashed the signer with a ValueError instead
  of a typed refusal.
- ``account.sign(psbt)`` and ``sign_psbt`` signed whatever hash type the PSBT asked for. A
  counterparty's PSBT asking SIGHASH_NONE (or SINGLE) for the account's input got back a
  signature that commits to no (or one) output: whoever holds it sends the coins anywhere.
  Bitcoin Core's walletprocesspsbt signs only the hash type its caller names (SIGHASH_DEFAULT
  or ALL by default) and refuses a PSBT asking another; the account API now does the same.
  The low-level :meth:`Psbt.sign` still signs any type on purpose.

Signatures that are produced are checked by Bitcoin Core's interpreter (libbitcoinkernel).
"""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

import walletkit as wk
from chains.bitcoin import kernel
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.transfer import BitcoinTransfer, sign_psbt

WALLET = wk.Wallet.from_mnemonic("legal winner thank year wave sausage worth useful legal winner thank yellow")
ECDSA_KINDS = ["p2pkh", "p2sh-p2wpkh", "p2wpkh"]
KINDS = [*ECDSA_KINDS, "p2tr"]
OTHER = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"  # BIP173's P2WPKH program, on regtest


def _psbt(kind: str, hash_type: bytes) -> tuple[wk.Account, BitcoinTransfer, Psbt]:
    account = WALLET.account("btc", kind=kind, network="regtest")
    utxos = [{"txid": hashlib.sha256(f"dec1 {kind}".encode()).hexdigest(), "vout": 0, "value": 80_000}]
    transfer = account.transfer(OTHER, 50_000, utxos=utxos, fee_rate=2.0)
    assert isinstance(transfer, BitcoinTransfer)
    psbt = transfer.to_psbt(account)
    psbt.inputs[0][b"\x03"] = hash_type  # PSBT_IN_SIGHASH_TYPE, as the counterparty wrote it
    return account, transfer, psbt


@pytest.mark.parametrize("kind", ECDSA_KINDS)
@pytest.mark.parametrize("hash_type", [0x101, 0xFFFFFFFF])
def test_a_sighash_type_past_one_byte_is_a_typed_refusal_not_a_crash(kind: str, hash_type: int) -> None:
    account, _, psbt = _psbt(kind, hash_type.to_bytes(4, "little"))
    with pytest.raises(wk.errors.InvalidTransaction, match=f"{hash_type:#x}"):
        psbt.sign(account.signing_key(), account.public_key.data)
    with pytest.raises(wk.errors.InvalidTransaction, match=f"{hash_type:#x}"):
        account.sign(psbt)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hash_type", [0x02, 0x03, 0x82, 0x83])
def test_the_account_refuses_a_psbt_asking_a_hash_type_that_leaves_outputs_open(kind: str, hash_type: int) -> None:
    account, _, psbt = _psbt(kind, hash_type.to_bytes(4, "little"))
    before = psbt.serialize()
    with pytest.raises(wk.errors.InvalidTransaction, match=f"sighash type {hash_type:#x}"):
        account.sign(psbt)
    with pytest.raises(wk.errors.InvalidTransaction, match=f"sighash type {hash_type:#x}"):
        sign_psbt(account, psbt.to_base64())
    with pytest.raises(wk.errors.InvalidTransaction, match=f"sighash type {hash_type:#x}"):
        sign_psbt(account, psbt)
    assert psbt.serialize() == before  # nothing signed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hash_type", [0x01, 0x81])
def test_the_account_still_signs_hash_types_that_commit_to_every_output(kind: str, hash_type: int) -> None:
    account, transfer, psbt = _psbt(kind, hash_type.to_bytes(4, "little"))
    signed = account.sign(psbt)
    assert kernel.verify_all(signed.extra["tx"], list(transfer.spent))  # type: ignore[arg-type]


def test_taproot_default_type_is_signed() -> None:
    account, transfer, psbt = _psbt("p2tr", bytes(4))
    signed = account.sign(psbt)
    assert kernel.verify_all(signed.extra["tx"], list(transfer.spent))  # type: ignore[arg-type]


# --- a BitcoinTransfer built directly (docs/signer.md: sign_transaction takes one) ----------------
#
# Nothing tied its fields together: one spent output more than there are inputs crashed the signer
# with IndexError, spent values of another type with AttributeError, and a change index past the
# outputs crashed to_psbt with IndexError (all outside walletkit.errors and the signer's audit).


def _transfer_of(kind: str = "p2wpkh") -> tuple[wk.Account, BitcoinTransfer]:
    account = WALLET.account("btc", kind=kind, network="regtest")
    utxos = [{"txid": hashlib.sha256(f"dec1 two {i}".encode()).hexdigest(), "vout": 0, "value": 50_000} for i in (0, 1)]
    transfer = account.transfer(OTHER, 60_000, utxos=utxos, fee_rate=2.0)
    assert isinstance(transfer, BitcoinTransfer) and len(transfer.tx.inputs) == 2 and transfer.change_output == 1
    return account, transfer


def test_a_transfer_whose_spent_outputs_do_not_match_its_inputs_is_refused_when_built() -> None:
    _, transfer = _transfer_of()
    with pytest.raises(wk.errors.InvalidTransaction, match="one spent output per input: 2 inputs, 3 given"):
        dataclasses.replace(transfer, spent=(*transfer.spent, transfer.spent[0]))
    with pytest.raises(wk.errors.InvalidTransaction, match="one spent output per input: 2 inputs, 1 given"):
        dataclasses.replace(transfer, spent=transfer.spent[:1])
    with pytest.raises(wk.errors.InvalidTransaction, match="spent outputs are TxOut values"):
        dataclasses.replace(transfer, spent=("a", "b"))  # type: ignore[arg-type]


def test_a_change_index_or_previous_transactions_past_the_transaction_are_refused_when_built() -> None:
    _, transfer = _transfer_of()
    with pytest.raises(wk.errors.InvalidTransaction, match="change output 2 is not one of the 2 outputs"):
        dataclasses.replace(transfer, change_output=2)
    with pytest.raises(wk.errors.InvalidTransaction, match="change output -1 is not one of the 2 outputs"):
        dataclasses.replace(transfer, change_output=-1)
    with pytest.raises(wk.errors.InvalidTransaction, match="at most one previous transaction per input"):
        dataclasses.replace(transfer, prev_txs=(None, None, b"\x00"))
    with pytest.raises(wk.errors.InvalidTransaction, match="previous transactions are raw bytes or None"):
        dataclasses.replace(transfer, prev_txs=("00",))  # type: ignore[arg-type]


def test_the_signer_never_sees_a_mismatched_transfer() -> None:
    from walletkit.signer import Policy, Signer, SQLiteStore

    account, transfer = _transfer_of()
    signer = Signer(Policy.from_toml('[chains.btc]\nnetworks = ["regtest"]\n'), SQLiteStore())
    with pytest.raises(wk.errors.InvalidTransaction):
        signer.sign_transaction(account, dataclasses.replace(transfer, spent=(*transfer.spent, transfer.spent[0])))
    kept = dataclasses.replace(transfer, prev_txs=(None,))  # fewer previous transactions than inputs: allowed
    assert kept.prev_txs == (None,)
