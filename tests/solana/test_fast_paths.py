"""The Solana fast paths give the same bytes as the slow ones (issue 18).

Addresses are encoded and decoded by solders' base58 and kept once parsed; associated token
addresses are kept per owner and mint; signing keeps the expanded key. Each is checked
against an independent path: walletkit's own base58 (based58), solders' PDA search called
directly, and whole transactions built and signed by solders alone.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

import walletkit as wk
from chains.solana import programs
from chains.solana.keys import address_of, parse_address
from chains.solana.transfer import pubkey
from walletkit.encoding.base58 import b58decode, b58encode

KEYS = st.builds(
    lambda zeros, rest: bytes(zeros) + rest[zeros:], st.integers(0, 32), st.binary(min_size=32, max_size=32)
)


@settings(max_examples=500, deadline=None)
@given(KEYS)
def test_addresses_encode_and_decode_as_based58_does(raw: bytes) -> None:
    text = address_of(raw)
    assert text == b58encode(raw)
    assert parse_address(text) == b58decode(text) == raw
    assert parse_address(f"  {text}\n") == raw  # the slow path still strips
    assert bytes(pubkey(text)) == raw and pubkey(text) is pubkey(text)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("0" * 32, "not a Solana address"),  # 0 is not in the base58 alphabet
        ("1" * 33, "32 to 44 base58 characters|32 bytes"),
        (b58encode(b"\xff" * 31), "is 32 bytes, got 31"),  # 42 characters, 31 bytes
        (b58encode(b"\xff" * 33), "32 to 44 base58 characters|32 bytes"),
        ("", "32 to 44 base58 characters"),
        (None, "base58 text, got NoneType"),
    ],
)
def test_bad_addresses_keep_their_typed_errors(text: object, error: str) -> None:
    for _ in range(2):  # a refused text is never remembered as parsed
        with pytest.raises(wk.errors.InvalidAddress, match=error):
            parse_address(text)
        with pytest.raises(wk.errors.InvalidAddress, match=f"recipient: .*({error})"):
            pubkey(text, "recipient")


@settings(max_examples=50, deadline=None)
@given(KEYS, KEYS, st.sampled_from(programs.TOKEN_PROGRAMS))
def test_associated_token_addresses_match_the_pda_search(owner: bytes, mint: bytes, program: Pubkey) -> None:
    expected, _ = Pubkey.find_program_address([owner, bytes(program), mint], programs.ASSOCIATED_TOKEN_PROGRAM)
    for _ in range(2):
        assert programs.associated_token_address(Pubkey(owner), Pubkey(mint), program) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=3),
    st.binary(min_size=32, max_size=32),
)
def test_signed_transfers_are_solders_bytes(seed: bytes, amounts: list[int], blockhash: bytes) -> None:
    keypair, to = Keypair.from_seed(seed), Keypair().pubkey()
    account = wk.Account.from_private_key("sol", seed)
    mint = Keypair().pubkey()
    me, recent = keypair.pubkey(), Hash(blockhash)
    for amount in amounts:  # the first signature expands the key; the next ones reuse it
        ix = transfer(TransferParams(from_pubkey=me, to_pubkey=to, lamports=amount))
        theirs = bytes(Transaction([keypair], Message.new_with_blockhash([ix], me, recent), recent))
        signed = account.sign(account.transfer(str(to), amount, recent_blockhash=str(recent)))
        assert signed.raw == theirs
        assert signed.txid == str(Transaction.from_bytes(theirs).signatures[0])
        ixs = [
            programs.create_associated_account_idempotent(me, to, mint),
            programs.transfer_checked(
                Pubkey.find_program_address(
                    [bytes(me), bytes(programs.TOKEN_PROGRAM), bytes(mint)], programs.ASSOCIATED_TOKEN_PROGRAM
                )[0],
                mint,
                Pubkey.find_program_address(
                    [bytes(to), bytes(programs.TOKEN_PROGRAM), bytes(mint)], programs.ASSOCIATED_TOKEN_PROGRAM
                )[0],
                me,
                amount,
                6,
            ),
        ]
        theirs = bytes(Transaction([keypair], Message.new_with_blockhash(ixs, me, recent), recent))
        signed = account.sign(
            account.transfer(str(to), amount, token=str(mint), decimals=6, recent_blockhash=str(recent))
        )
        assert signed.raw == theirs
