"""Integer fields of Solana transfers at the edges of their spec ranges, from both sides (issue 16, item 2).

- ``compute_unit_limit``: ComputeBudget ``SetComputeUnitLimit`` carries a u32, but the runtime
  gives a transaction at most MAX_COMPUTE_UNIT_LIMIT = 1,400,000 (agave compute-budget) and
  quietly lowers a larger request to it (shown on LiteSVM below): walletkit refuses to sign a
  limit that would not hold as written.
- ``compute_unit_price``: ``SetComputeUnitPrice`` carries a u64 of micro-lamports.
- the amount: System ``Transfer`` and SPL ``TransferChecked`` carry a u64.
- ``decimals``: SPL ``TransferChecked`` carries a u8.
"""

from __future__ import annotations

from typing import Any

import pytest
from solders.compute_budget import ID as COMPUTE_BUDGET
from solders.transaction import VersionedTransaction

import walletkit as wk

U64_MAX = 2**64 - 1
BLOCKHASH = "11111111111111111111111111111111"
MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOL = 10**9


@pytest.fixture
def account() -> wk.Account:
    return wk.Account.from_private_key("sol", bytes(range(32)))


def _receiver() -> str:
    return wk.Account.from_private_key("sol", bytes(range(1, 33))).address


def _budget(account: wk.Account, **fields: object) -> dict[int, bytes]:
    """Return the ComputeBudget instructions of a signed transfer, by instruction index byte."""
    signed = account.sign(account.transfer(_receiver(), 1, recent_blockhash=BLOCKHASH, **fields))
    message = VersionedTransaction.from_bytes(signed.raw).message
    keys = message.account_keys
    out = {}
    for ix in message.instructions:
        if keys[ix.program_id_index] == COMPUTE_BUDGET:
            out[bytes(ix.data)[0]] = bytes(ix.data)[1:]
    return out


def test_compute_unit_limit_edges(account: wk.Account) -> None:
    assert _budget(account, compute_unit_limit=1_400_000)[2] == (1_400_000).to_bytes(4, "little")
    assert _budget(account, compute_unit_limit=0)[2] == bytes(4)
    for bad in (1_400_001, 2**32 - 1, 2**32, -1):
        with pytest.raises(
            wk.errors.InvalidTransaction, match=r"compute_unit_limit must be an integer in 0\.\.1400000"
        ):
            account.transfer(_receiver(), 1, recent_blockhash=BLOCKHASH, compute_unit_limit=bad)


def test_compute_unit_price_edges(account: wk.Account) -> None:
    top = _budget(account, compute_unit_price=U64_MAX, compute_unit_limit=600)
    assert top[3] == U64_MAX.to_bytes(8, "little")
    assert _budget(account, compute_unit_price=0)[3] == bytes(8)
    for bad in (U64_MAX + 1, -1):
        with pytest.raises(
            wk.errors.InvalidTransaction, match=rf"compute_unit_price must be an integer in 0\.\.{U64_MAX}"
        ):
            account.transfer(_receiver(), 1, recent_blockhash=BLOCKHASH, compute_unit_price=bad)
    for bad_type in (1.0, "5", True):
        with pytest.raises(wk.errors.InvalidTransaction, match="compute_unit_price must be an integer"):
            account.transfer(_receiver(), 1, recent_blockhash=BLOCKHASH, compute_unit_price=bad_type)


def test_amount_edges(account: wk.Account) -> None:
    signed = account.sign(account.transfer(_receiver(), U64_MAX, recent_blockhash=BLOCKHASH))
    ix = VersionedTransaction.from_bytes(signed.raw).message.instructions[0]
    assert bytes(ix.data) == bytes([2, 0, 0, 0]) + U64_MAX.to_bytes(8, "little")
    account.transfer(_receiver(), U64_MAX, token=MINT, decimals=6, recent_blockhash=BLOCKHASH)
    for token in (None, MINT):
        with pytest.raises(wk.errors.InvalidAmount, match=r"u64 \(at most 2\^64-1\)"):
            account.transfer(_receiver(), U64_MAX + 1, token=token, decimals=6, recent_blockhash=BLOCKHASH)


def test_decimals_edges(account: wk.Account) -> None:
    tx = account.transfer(_receiver(), 1, token=MINT, decimals=255, recent_blockhash=BLOCKHASH)
    assert bytes(tx.instructions[-1].data)[-1] == 255  # type: ignore[attr-defined]
    for bad in (256, -1):
        with pytest.raises(wk.errors.InvalidTransaction, match=r"decimals must be an integer in 0\.\.255"):
            account.transfer(_receiver(), 1, token=MINT, decimals=bad, recent_blockhash=BLOCKHASH)


def test_the_runtime_takes_the_largest_limit_and_lowers_larger_ones(wk_engine: Any) -> None:
    from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
    from solders.hash import Hash
    from solders.keypair import Keypair
    from solders.message import Message
    from solders.pubkey import Pubkey
    from solders.system_program import TransferParams, transfer
    from solders.transaction import Transaction

    from chains.solana.litesvm import SolanaSvm

    svm = SolanaSvm()
    sender = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("sol")
    svm.airdrop(sender.address, 10 * SOL)
    txid = sender.connect(svm).send(_receiver(), SOL, compute_unit_limit=1_400_000, compute_unit_price=1_000)
    assert svm.balance(_receiver()) == SOL
    assert svm.fee_of(txid) == 5_000 + 1_400  # 1.4M CU x 1,000 micro-lamports
    # A u32 request past 1.4M, built without walletkit: the runtime charges (and grants) 1.4M.
    payer = Keypair()
    svm.airdrop(str(payer.pubkey()), 10 * SOL)
    blockhash = Hash.from_string(svm.latest_blockhash())
    ixs = [
        set_compute_unit_price(1_000),
        set_compute_unit_limit(2**32 - 1),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.from_string(_receiver()), lamports=SOL)),
    ]
    svm.svm.send_transaction(
        Transaction([payer], Message.new_with_blockhash(ixs, payer.pubkey(), blockhash), blockhash)
    )
    assert svm.balance(_receiver()) == 2 * SOL
    assert svm.balance(str(payer.pubkey())) == 9 * SOL - (5_000 + 1_400)
