"""SOL sent to an address off the ed25519 curve (a PDA) needs the same opt-in as tokens (issue 16, item 6).

A program-derived address has no private key: lamports sent to it move only if its program
says so. walletkit refuses such a recipient unless ``allow_owner_off_curve=True``, as it
does for a token transfer's owner (failure class 30); on LiteSVM the opted-in transfer lands.
"""

from __future__ import annotations

from typing import Any

import pytest
from solders.pubkey import Pubkey

import walletkit as wk
from chains.solana import programs

SOL = 10**9
BLOCKHASH = "11111111111111111111111111111111"


@pytest.fixture
def svm(wk_engine: Any) -> Any:
    from chains.solana.litesvm import SolanaSvm

    return SolanaSvm()


@pytest.fixture
def sender(svm: Any) -> wk.Account:
    account = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("sol")
    svm.airdrop(account.address, 10 * SOL)
    return account


def _pda(seed: bytes = b"vault") -> str:
    address, _ = Pubkey.find_program_address([seed], programs.TOKEN_PROGRAM)
    assert not address.is_on_curve()
    return str(address)


def test_sol_to_a_pda_is_refused_without_the_opt_in(svm: Any, sender: wk.Account) -> None:
    pda = _pda()
    for fields in ({}, {"allow_owner_off_curve": False}, {"allow_owner_off_curve": None}):
        with pytest.raises(
            wk.errors.InvalidAddress, match=rf"{pda} is off the ed25519 curve.*allow_owner_off_curve=True"
        ):
            sender.transfer(pda, SOL, recent_blockhash=BLOCKHASH, **fields)
    with pytest.raises(wk.errors.InvalidAddress, match="off the ed25519 curve"):
        sender.connect(svm).send(pda, SOL)
    assert svm.balance(pda) == 0
    assert svm.balance(sender.address) == 10 * SOL  # nothing was sent


def test_sol_to_a_pda_with_the_opt_in_lands(svm: Any, sender: wk.Account) -> None:
    pda = _pda(b"escrow")
    txid = sender.connect(svm).send(pda, SOL, allow_owner_off_curve=True)
    assert svm.balance(pda) == SOL
    assert svm.balance(sender.address) == 9 * SOL - svm.fee_of(txid)


def test_on_curve_recipients_need_no_opt_in(svm: Any, sender: wk.Account) -> None:
    receiver = wk.Account.from_private_key("sol", bytes(range(1, 33)))
    assert Pubkey.from_string(receiver.address).is_on_curve()
    sender.connect(svm).send(receiver.address, SOL)
    assert svm.balance(receiver.address) == SOL


def test_the_check_reads_the_address_not_a_cache_of_another() -> None:
    # The on-curve answer is kept per address: many addresses in turn each get their own answer.
    account = wk.Account.from_private_key("sol", bytes(range(32)))
    pdas = [_pda(bytes([i])) for i in range(20)]
    wallets = [a.address for a in wk.Wallet.from_mnemonic("abandon " * 11 + "about").accounts("sol", 20)]
    for _ in range(2):
        for pda, wallet in zip(pdas, wallets):
            with pytest.raises(wk.errors.InvalidAddress, match="off the ed25519 curve"):
                account.transfer(pda, 1, recent_blockhash=BLOCKHASH)
            account.transfer(pda, 1, recent_blockhash=BLOCKHASH, allow_owner_off_curve=True)
            account.transfer(wallet, 1, recent_blockhash=BLOCKHASH)


def test_token_transfers_keep_their_owner_check() -> None:
    """Failure class 30: an SPL transfer to an off-curve owner is refused without the opt-in (solana-program-library#1802)."""
    account = wk.Account.from_private_key("sol", bytes(range(32)))
    mint = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    with pytest.raises(wk.errors.InvalidAddress, match="off the ed25519 curve"):
        account.transfer(_pda(), 1, token=mint, decimals=6, recent_blockhash=BLOCKHASH)
    account.transfer(_pda(), 1, token=mint, decimals=6, recent_blockhash=BLOCKHASH, allow_owner_off_curve=True)
