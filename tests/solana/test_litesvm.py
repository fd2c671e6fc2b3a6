"""Every Solana flow on the real runtime: LiteSVM, in-process."""

from __future__ import annotations

from typing import Any

import pytest
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import create_nonce_account
from solders.transaction import Transaction

import walletkit as wk
from chains.solana import programs
from chains.solana.transfer import lookup_table

SOL = 10**9


@pytest.fixture
def svm(wk_engine: Any) -> Any:
    from chains.solana.litesvm import SolanaSvm

    return SolanaSvm()  # a fresh runtime per test; the session fixture is for the shared one


@pytest.fixture
def pair(svm: Any) -> tuple[wk.Account, wk.Account]:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=2)
    svm.airdrop(sender.address, 10 * SOL)
    return sender, receiver


def test_session_fixture_is_the_same_engine(solana_svm: Any) -> None:
    account = wk.Account.from_private_key("sol", bytes(range(32)))
    solana_svm.airdrop(account.address, SOL)
    assert solana_svm.balance(account.address) == SOL


def test_sol_transfer(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = pair
    txid = sender.connect(svm).send(receiver.address, SOL // 2)
    assert svm.balance(receiver.address) == SOL // 2
    assert svm.balance(sender.address) == 10 * SOL - SOL // 2 - svm.fee_of(txid)
    assert svm.fee_of(txid) == 5000


def test_priority_fee_is_paid(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = pair
    txid = sender.connect(svm).send(receiver.address, SOL, compute_unit_limit=1_000, compute_unit_price=5_000_000)
    # 5,000 base + 1,000 CU x 5,000,000 micro-lamports = 5,000 lamports of priority
    assert svm.fee_of(txid) == 10_000


def test_priority_fee_default_limit_is_the_estimate(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    # With a price and no limit, the limit is what the transfer needs (2 budget + 1 transfer
    # instruction: 600 CU), not the runtime's 200,000 per instruction.
    sender, receiver = pair
    txid = sender.connect(svm).send(receiver.address, SOL, compute_unit_price=5_000_000)
    assert svm.fee_of(txid) == 5_000 + 600 * 5_000_000 // 10**6
    assert svm.results[txid].compute_units_consumed() == 450


@pytest.mark.parametrize("token_2022", [False, True], ids=["spl-token", "token-2022"])
def test_estimated_limit_covers_a_token_transfer_with_account_creation(
    svm: Any, pair: tuple[wk.Account, wk.Account], token_2022: bool
) -> None:
    from chains.solana.transfer import estimate_compute_units

    sender, receiver = pair
    mint = svm.create_mint(sender.address, decimals=6, supply=10**12, token_2022=token_2022)
    svm.mint_to(mint, sender.address, 5_000_000)
    tx = sender.transfer(
        receiver.address,
        7,
        token=mint,
        decimals=6,
        compute_unit_price=1_000,
        recent_blockhash=svm.latest_blockhash(),
        token_program="token-2022" if token_2022 else "token",
    )
    txid = svm.broadcast(sender.sign(tx))
    used = svm.results[txid].compute_units_consumed()
    set_limit = tx.instructions[1]  # type: ignore[attr-defined]  # SetComputeUnitLimit: 0x02, u32 LE
    limit = int.from_bytes(bytes(set_limit.data)[1:5], "little")
    assert limit == estimate_compute_units(tx.instructions[2:], budget_instructions=2)  # type: ignore[attr-defined]
    assert used <= limit <= 10 * used  # enough, and not the runtime's 400k for two instructions
    assert svm.balance(receiver.address, mint) == 7


@pytest.mark.parametrize("token_2022", [False, True], ids=["spl-token", "token-2022"])
def test_spl_transfer_creates_recipient_account(
    svm: Any, pair: tuple[wk.Account, wk.Account], token_2022: bool
) -> None:
    sender, receiver = pair
    mint = svm.create_mint(sender.address, decimals=6, supply=10**12, token_2022=token_2022)
    svm.mint_to(mint, sender.address, 5_000_000)
    connected = sender.connect(svm)
    connected.send(receiver.address, 1_250_000, token=mint, compute_unit_price=1_000, compute_unit_limit=80_000)
    assert svm.balance(receiver.address, mint) == 1_250_000
    connected.send(receiver.address, 250_000, token=mint)  # the account exists: creation is idempotent
    assert svm.balance(receiver.address, mint) == 1_500_000
    assert svm.balance(sender.address, mint) == 3_500_000


def test_v0_with_lookup_table(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = pair
    table = svm.create_lookup_table(sender.address, [receiver.address])
    alt = lookup_table(table, [receiver.address])
    txid = sender.connect(svm).send(receiver.address, SOL, version="v0", address_lookup_tables=[alt])
    assert svm.balance(receiver.address) == SOL
    tx = sender.sign(
        sender.transfer(
            receiver.address, 1, version="v0", address_lookup_tables=[alt], recent_blockhash=svm.latest_blockhash()
        )
    )
    from solders.transaction import VersionedTransaction

    lookups = VersionedTransaction.from_bytes(tx.raw).message.address_table_lookups
    assert len(lookups) == 1 and str(lookups[0].account_key) == table
    assert txid


def test_durable_nonce_outlives_the_blockhash(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = pair
    payer = Keypair.from_bytes(bytes.fromhex(_keypair_hex(sender)))
    nonce = Keypair()
    rent = svm.svm.minimum_balance_for_rent_exemption(80)
    ixs = create_nonce_account(payer.pubkey(), nonce.pubkey(), payer.pubkey(), rent)
    blockhash = svm.svm.latest_blockhash()
    setup = Transaction([payer, nonce], Message.new_with_blockhash(list(ixs), payer.pubkey(), blockhash), blockhash)
    assert type(svm.svm.send_transaction(setup)).__name__ == "TransactionMetadata"
    stored = str(Pubkey(bytes(svm.svm.get_account(nonce.pubkey()).data)[40:72]))
    signed = sender.sign(
        sender.transfer(receiver.address, SOL, recent_blockhash=stored, nonce_account=str(nonce.pubkey()))
    )
    for _ in range(3):
        svm.expire_blockhash()  # the signed transaction would be dead with an ordinary blockhash
    svm.broadcast(signed)
    assert svm.balance(receiver.address) == SOL


def _keypair_hex(account: wk.Account) -> str:
    return (account.signing_key().secret_bytes() + account.public_key.data).hex()


def test_expired_blockhash_is_refused(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = pair
    signed = sender.sign(sender.transfer(receiver.address, SOL, recent_blockhash=svm.latest_blockhash()))
    svm.expire_blockhash()
    with pytest.raises(wk.errors.BroadcastRejected, match="Blockhash"):
        svm.broadcast(signed)


def test_off_curve_owner_is_refused(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    """Failure class 30: a program address owner, unless the caller says so (solana-program-library#1802)."""
    sender, _ = pair
    mint = svm.create_mint(sender.address, decimals=6)
    svm.mint_to(mint, sender.address, 1000)
    pda, _ = Pubkey.find_program_address([b"vault"], programs.TOKEN_PROGRAM)
    with pytest.raises(wk.errors.InvalidAddress, match="off the ed25519 curve"):
        sender.connect(svm).send(str(pda), 10, token=mint)
    sender.connect(svm).send(str(pda), 10, token=mint, allow_owner_off_curve=True)
    assert svm.balance(str(pda), mint) == 10


def test_token_account_recipient_is_refused(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    """Failure class 30: a token account as recipient, an ATA of an ATA (solana-program-library#1641)."""
    sender, receiver = pair
    mint = svm.create_mint(sender.address, decimals=6)
    svm.mint_to(mint, sender.address, 1000)
    receiver_ata = svm.mint_to(mint, receiver.address, 0)
    with pytest.raises(wk.errors.InvalidAddress, match="is itself a token account"):
        sender.connect(svm).send(receiver_ata, 10, token=mint)
    assert svm.balance(receiver_ata, mint) == 0  # nothing moved


def test_insufficient_funds_and_wrong_decimals(svm: Any, pair: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = pair
    with pytest.raises(wk.errors.InsufficientFunds, match="lamports"):
        sender.connect(svm).send(receiver.address, 100 * SOL)
    mint = svm.create_mint(sender.address, decimals=6)
    svm.mint_to(mint, sender.address, 1000)
    with pytest.raises(wk.errors.InvalidTransaction, match="has 6 decimals, not 9"):
        sender.connect(svm).send(receiver.address, 10, token=mint, decimals=9)
    with pytest.raises(wk.errors.InsufficientFunds, match="token units"):
        sender.connect(svm).send(receiver.address, 10_000, token=mint)
    # Offline, wrong decimals reach the runtime, which refuses transfer_checked.
    bad = sender.sign(
        sender.transfer(receiver.address, 10, token=mint, decimals=9, recent_blockhash=svm.latest_blockhash())
    )
    with pytest.raises(wk.errors.BroadcastRejected):
        svm.broadcast(bad)
