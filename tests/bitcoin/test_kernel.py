"""Every signed input of every kind passes Bitcoin Core's script verification (libbitcoinkernel, all flags)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.bitcoin import kernel, script, signer
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

KINDS = ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"]
WALLET = wk.Wallet.from_mnemonic("legal winner thank year wave sausage worth useful legal winner thank yellow")


def _signed(kinds: list[str], amounts: list[int]) -> tuple[Transaction, list[TxOut]]:
    accounts = [WALLET.account("btc", index=i, kind=k, network="regtest") for i, k in enumerate(kinds)]
    spent = [TxOut(v, script.script_pubkey(a.public_key.data, a.kind)) for a, v in zip(accounts, amounts)]
    outputs = (
        TxOut(sum(amounts) // 2, script.p2wpkh(accounts[0].public_key.data)),
        TxOut(sum(amounts) // 3, script.p2tr(accounts[-1].public_key.data)),
    )
    tx = Transaction(tuple(TxIn(OutPoint(os.urandom(32).hex(), i)) for i in range(len(kinds))), outputs)
    for i, account in enumerate(accounts):
        tx = signer.sign_input(tx, i, account.signing_key().secret_bytes(), account.public_key.data, spent)
    return tx, spent


@pytest.mark.parametrize("kind", KINDS)
def test_single_input_of_each_kind(kind: str) -> None:
    tx, spent = _signed([kind], [100_000])
    assert kernel.verify_all(tx, spent)
    assert Transaction.parse(tx.serialize()) == tx


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(KINDS), min_size=2, max_size=5), st.data())
def test_mixed_multi_input(kinds: list[str], data: st.DataObject) -> None:
    amounts = [data.draw(st.integers(1_000, 10**10)) for _ in kinds]
    tx, spent = _signed(kinds, amounts)
    assert kernel.verify_all(tx, spent)


def test_tampering_fails() -> None:
    """Failure class 32: a lied-about input amount fails the kernel's check (CVE-2020-14199; BIP341 commits to all amounts)."""
    tx, spent = _signed(KINDS, [50_000, 60_000, 70_000, 80_000])
    assert kernel.verify_all(tx, spent)
    # A different amount: segwit v0 commits to its own, taproot to all of them.
    lied = [TxOut(o.value + 1, o.script_pubkey) for o in spent]
    assert [kernel.verify_input(tx, i, lied) for i in range(4)] == [True, False, False, False]
    # A changed output breaks every signature.
    changed = Transaction(tx.inputs, (TxOut(tx.outputs[0].value - 1, tx.outputs[0].script_pubkey), *tx.outputs[1:]))
    assert not any(kernel.verify_input(changed, i, spent) for i in range(4))
    # A flipped signature byte fails.
    witness = tx.inputs[2].witness
    bad_sig = bytearray(witness[0])
    bad_sig[10] ^= 1
    forged = tx.with_input(2, witness=(bytes(bad_sig), witness[1]))
    assert not kernel.verify_input(forged, 2, spent)


def test_taproot_signing_needs_every_prevout() -> None:
    """Failure class 32: without all spent outputs there is nothing to sign (CVE-2020-14199)."""
    tx, spent = _signed(["p2tr", "p2wpkh"], [10_000, 20_000])
    account = WALLET.account("btc", index=0, kind="p2tr", network="regtest")
    with pytest.raises(wk.errors.InvalidTransaction, match="every spent output"):
        signer.sign_input(tx, 0, account.signing_key().secret_bytes(), account.public_key.data, spent[:1])
