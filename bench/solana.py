"""Solana: build and sign a SOL transfer and an SPL transfer, walletkit vs solders directly.

The solders baseline does the same work the way its documentation shows: a Keypair made
once, instructions, ``Message.new_with_blockhash`` and ``Transaction(...)`` signing.

The limit is the native work with no glue: solders builds the instructions and the message
from addresses already parsed (for SPL, the associated token addresses already derived, as
walletkit keeps them), and libsodium's ``crypto_sign`` signs it with a key expanded once,
called through PyNaCl's cffi binding with nothing around it. It makes no txid.

Every implementation's signed transaction is checked byte for byte before timing.
"""

from __future__ import annotations

from collections.abc import Callable

from nacl._sodium import ffi as sodium_ffi
from nacl._sodium import lib as sodium
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from bench.common import Impl, Row, same_output, timed_rows
from chains.solana import programs
from walletkit.account import Account

SEED = bytes(range(32))
TO = "5EUjf4oPLzrA7w7M9EC9fDEyBBjkAVS4QgqrZhRx3G9s"  # an on-curve wallet address
MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
BLOCKHASH = "HxKwWFTHixCu8aw35J1uxAX6yUhLHkFCdJJdK4y98Gyj"


def native_signer(seed: bytes) -> Callable[[bytes], bytes]:
    """Return libsodium's ed25519 signing with a key expanded once: crypto_sign through cffi, no wrapper."""
    public, secret = sodium_ffi.new("unsigned char[32]"), sodium_ffi.new("unsigned char[64]")
    sodium.crypto_sign_seed_keypair(public, secret, seed)
    new, buffer, null, crypto_sign = sodium_ffi.new, sodium_ffi.buffer, sodium_ffi.NULL, sodium.crypto_sign

    def sign(message: bytes) -> bytes:
        out = new("unsigned char[]", len(message) + 64)
        crypto_sign(out, null, message, len(message), secret)
        return buffer(out, 64)[:]

    return sign


def run(quick: bool) -> list[Row]:
    """Measure SOL and SPL build+sign."""
    account = Account.from_private_key("sol", SEED)
    keypair = Keypair.from_seed(SEED)
    to, mint, blockhash = Pubkey.from_string(TO), Pubkey.from_string(MINT), Hash.from_string(BLOCKHASH)
    me = keypair.pubkey()
    sign = native_signer(SEED)
    source, destination = programs.associated_token_address(me, mint), programs.associated_token_address(to, mint)

    def solders_sol() -> bytes:
        ix = transfer(TransferParams(from_pubkey=me, to_pubkey=to, lamports=1_000_000))
        return bytes(Transaction([keypair], Message.new_with_blockhash([ix], me, blockhash), blockhash))

    def limit_sol() -> bytes:
        ix = transfer(TransferParams(from_pubkey=me, to_pubkey=to, lamports=1_000_000))
        message = bytes(Message.new_with_blockhash([ix], me, blockhash))
        return b"\x01" + sign(message) + message

    def spl_instructions(source: Pubkey, destination: Pubkey) -> list[Instruction]:
        return [
            programs.create_associated_account_idempotent(me, to, mint),
            programs.transfer_checked(source, mint, destination, me, 1_000_000, 6),
        ]

    def solders_spl() -> bytes:
        # Each associated token address derived once per transfer, as a solders user writes it.
        seeds, ata_program = (bytes(programs.TOKEN_PROGRAM), bytes(mint)), programs.ASSOCIATED_TOKEN_PROGRAM
        source = Pubkey.find_program_address([bytes(me), *seeds], ata_program)[0]
        destination = Pubkey.find_program_address([bytes(to), *seeds], ata_program)[0]
        create = Instruction(
            ata_program,
            bytes([1]),
            [
                AccountMeta(me, is_signer=True, is_writable=True),
                AccountMeta(destination, is_signer=False, is_writable=True),
                AccountMeta(to, is_signer=False, is_writable=False),
                AccountMeta(mint, is_signer=False, is_writable=False),
                AccountMeta(programs.SYSTEM_PROGRAM, is_signer=False, is_writable=False),
                AccountMeta(programs.TOKEN_PROGRAM, is_signer=False, is_writable=False),
            ],
        )
        ixs = [create, programs.transfer_checked(source, mint, destination, me, 1_000_000, 6)]
        return bytes(Transaction([keypair], Message.new_with_blockhash(ixs, me, blockhash), blockhash))

    def limit_spl() -> bytes:
        message = bytes(Message.new_with_blockhash(spl_instructions(source, destination), me, blockhash))
        return b"\x01" + sign(message) + message

    def sol() -> bytes:
        return account.sign(account.transfer(TO, 1_000_000, recent_blockhash=BLOCKHASH)).raw

    def spl() -> bytes:
        return account.sign(account.transfer(TO, 1_000_000, token=MINT, decimals=6, recent_blockhash=BLOCKHASH)).raw

    same_output("SOL transfer", {"walletkit": sol(), "solders": solders_sol(), "limit": limit_sol()})
    same_output("SPL transfer", {"walletkit": spl(), "solders": solders_spl(), "limit": limit_spl()})
    sol_impls: list[Impl] = [
        ("walletkit transfer()+sign()", "walletkit", sol, 1),
        ("solders directly", "anchor", solders_sol, 1),
        ("solders message + libsodium sign (limit)", "limit", limit_sol, 1),
    ]
    spl_impls: list[Impl] = [
        ("walletkit transfer()+sign()", "walletkit", spl, 1),
        ("solders directly", "anchor", solders_spl, 1),
        ("solders message + libsodium, ATAs known (limit)", "limit", limit_spl, 1),
    ]
    return [
        *timed_rows("build+sign a SOL transfer", sol_impls, quick),
        *timed_rows("build+sign an SPL transfer (+ATA create)", spl_impls, quick),
    ]
