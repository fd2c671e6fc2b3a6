"""Solana: build and sign a SOL transfer and an SPL transfer, walletkit vs solders directly.

The solders baseline does the same work the way its documentation shows: a Keypair made
once, instructions, ``Message.new_with_blockhash`` and ``Transaction(...)`` signing.
"""

from __future__ import annotations

from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from bench.common import Impl, Row, timed_rows
from chains.solana import programs
from walletkit.account import Account

SEED = bytes(range(32))
TO = "5EUjf4oPLzrA7w7M9EC9fDEyBBjkAVS4QgqrZhRx3G9s"  # an on-curve wallet address
MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
BLOCKHASH = "HxKwWFTHixCu8aw35J1uxAX6yUhLHkFCdJJdK4y98Gyj"


def run(quick: bool) -> list[Row]:
    """Measure SOL and SPL build+sign."""
    account = Account.from_private_key("sol", SEED)
    keypair = Keypair.from_seed(SEED)
    to, mint, blockhash = Pubkey.from_string(TO), Pubkey.from_string(MINT), Hash.from_string(BLOCKHASH)
    me = keypair.pubkey()

    def solders_sol() -> None:
        ix = transfer(TransferParams(from_pubkey=me, to_pubkey=to, lamports=1_000_000))
        bytes(Transaction([keypair], Message.new_with_blockhash([ix], me, blockhash), blockhash))

    def solders_spl() -> None:
        ixs = [
            programs.create_associated_account_idempotent(me, to, mint),
            programs.transfer_checked(
                programs.associated_token_address(me, mint),
                mint,
                programs.associated_token_address(to, mint),
                me,
                1_000_000,
                6,
            ),
        ]
        bytes(Transaction([keypair], Message.new_with_blockhash(ixs, me, blockhash), blockhash))

    sol = lambda: account.sign(account.transfer(TO, 1_000_000, recent_blockhash=BLOCKHASH))  # noqa: E731
    spl = lambda: account.sign(  # noqa: E731
        account.transfer(TO, 1_000_000, token=MINT, decimals=6, recent_blockhash=BLOCKHASH)
    )
    sol_impls: list[Impl] = [
        ("walletkit transfer()+sign()", "walletkit", sol, 1),
        ("solders directly", "anchor", solders_sol, 1),
    ]
    spl_impls: list[Impl] = [
        ("walletkit transfer()+sign()", "walletkit", spl, 1),
        ("solders directly", "anchor", solders_spl, 1),
    ]
    return [
        *timed_rows("build+sign a SOL transfer", sol_impls, quick),
        *timed_rows("build+sign an SPL transfer (+ATA create)", spl_impls, quick),
    ]
