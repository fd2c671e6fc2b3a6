"""Solana program instructions walletkit builds: SPL Token ``transfer_checked``, associated token
accounts (create idempotent), Memo, and the off-curve check for owners.

The SPL instructions are a few bytes each (an instruction index plus little-endian
integers); solders has no SPL builders, and solana-py's would add a dependency for three
layouts. Program ids are parsed once, at import; associated token addresses (a PDA search:
SHA-256 and a curve check per bump tried, ~10 us) once per owner, mint and program.
"""

from __future__ import annotations

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ASSOCIATED_TOKEN_PROGRAM = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
MEMO_PROGRAM = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
TOKEN_PROGRAMS = (TOKEN_PROGRAM, TOKEN_2022_PROGRAM)


_atas: dict[tuple[Pubkey, Pubkey, Pubkey], Pubkey] = {}


def associated_token_address(owner: Pubkey, mint: Pubkey, token_program: Pubkey = TOKEN_PROGRAM) -> Pubkey:
    """Return the associated token account of ``owner`` for ``mint`` (a PDA of the ATA program).

    ``find_program_address([owner, token_program, mint], ATA program)``; each answer is kept
    (a bounded map: addresses are public, and the same pairs come back transfer after transfer).

    >>> str(associated_token_address(Pubkey.from_string("5EUjf4oPLzrA7w7M9EC9fDEyBBjkAVS4QgqrZhRx3G9s"),
    ...     Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")))
    'B8G4Dqteiqp8vTFz3idh6Pc4Pn6S7QRN24wWCKbukMvb'
    """
    key = (owner, mint, token_program)
    address = _atas.get(key)
    if address is None:
        address, _ = Pubkey.find_program_address(
            [bytes(owner), bytes(token_program), bytes(mint)], ASSOCIATED_TOKEN_PROGRAM
        )
        if len(_atas) >= 4096:
            _atas.clear()  # one atomic step: safe beside other threads
        _atas[key] = address
    return address


def create_associated_account_idempotent(
    payer: Pubkey, owner: Pubkey, mint: Pubkey, token_program: Pubkey = TOKEN_PROGRAM
) -> Instruction:
    """Create ``owner``'s associated token account for ``mint`` unless it exists (instruction 1)."""
    return Instruction(
        ASSOCIATED_TOKEN_PROGRAM,
        bytes([1]),
        [
            AccountMeta(payer, is_signer=True, is_writable=True),
            AccountMeta(associated_token_address(owner, mint, token_program), is_signer=False, is_writable=True),
            AccountMeta(owner, is_signer=False, is_writable=False),
            AccountMeta(mint, is_signer=False, is_writable=False),
            AccountMeta(SYSTEM_PROGRAM, is_signer=False, is_writable=False),
            AccountMeta(token_program, is_signer=False, is_writable=False),
        ],
    )


def transfer_checked(
    source: Pubkey,
    mint: Pubkey,
    destination: Pubkey,
    owner: Pubkey,
    amount: int,
    decimals: int,
    token_program: Pubkey = TOKEN_PROGRAM,
) -> Instruction:
    """SPL Token ``TransferChecked`` (instruction 12): amount u64 LE, decimals u8."""
    return Instruction(
        token_program,
        bytes([12]) + amount.to_bytes(8, "little") + bytes([decimals]),
        [
            AccountMeta(source, is_signer=False, is_writable=True),
            AccountMeta(mint, is_signer=False, is_writable=False),
            AccountMeta(destination, is_signer=False, is_writable=True),
            AccountMeta(owner, is_signer=True, is_writable=False),
        ],
    )


def memo(text: bytes, signer: Pubkey) -> Instruction:
    """A Memo v2 instruction carrying ``text``, signed by ``signer``."""
    return Instruction(MEMO_PROGRAM, text, [AccountMeta(signer, is_signer=True, is_writable=False)])
