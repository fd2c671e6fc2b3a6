"""What chains/solana/transfer.py must do, pinned against solders and LiteSVM (issue 19).

The mutation run of the ``solana`` group found behaviours no test pinned: the u64 bound on
the amount, the fee-payer check before signing, lookup tables on a legacy message, the
compute-unit cap. Each is checked here against a value walletkit did not compute: whole
transactions built and signed by solders alone, the Solana runtime (LiteSVM, in-process),
or a hand computation written out in the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import AdvanceNonceAccountParams, TransferParams, advance_nonce_account, transfer
from solders.transaction import Transaction, VersionedTransaction

import walletkit as wk
from chains.solana import programs
from chains.solana.transfer import (
    MAX_COMPUTE_UNITS,
    SolanaTransfer,
    estimate_compute_units,
    lookup_table,
    sign_transaction,
)
from walletkit.errors import InvalidAddress, InvalidAmount, InvalidInput, InvalidTransaction

U64_MAX = 2**64 - 1
SEED = bytes(range(32))
KEYPAIR = Keypair.from_seed(SEED)
ME = wk.Account.from_private_key("sol", SEED)
TO_KEYPAIR = Keypair.from_seed(bytes(range(1, 33)))
TO = str(TO_KEYPAIR.pubkey())
BLOCKHASH = "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi"
MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOL = 10**9


def _solders(instructions: list[Instruction], blockhash: str = BLOCKHASH) -> bytes:
    """The same transaction built and signed by solders alone (legacy message)."""
    recent = Hash.from_string(blockhash)
    return bytes(Transaction([KEYPAIR], Message.new_with_blockhash(instructions, KEYPAIR.pubkey(), recent), recent))


def _sol(lamports: int, to: str = TO) -> Instruction:
    return transfer(TransferParams(from_pubkey=KEYPAIR.pubkey(), to_pubkey=Pubkey.from_string(to), lamports=lamports))


def _ata(owner: Pubkey, program: Pubkey = programs.TOKEN_PROGRAM) -> Pubkey:
    mint = Pubkey.from_string(MINT)
    return Pubkey.find_program_address([bytes(owner), bytes(program), bytes(mint)], programs.ASSOCIATED_TOKEN_PROGRAM)[
        0
    ]


def _token_ixs(amount: int, decimals: int, program: Pubkey = programs.TOKEN_PROGRAM, create: bool = True) -> list[Any]:
    me, to, mint = KEYPAIR.pubkey(), TO_KEYPAIR.pubkey(), Pubkey.from_string(MINT)
    out: list[Instruction] = []
    if create:
        out.append(programs.create_associated_account_idempotent(me, to, mint, program))
    out.append(programs.transfer_checked(_ata(me, program), mint, _ata(to, program), me, amount, decimals, program))
    return out


# --- the amount is a u64 --------------------------------------------------------------------------


def test_the_largest_u64_amount_is_signed_as_solders_signs_it() -> None:
    signed = ME.sign(ME.transfer(TO, U64_MAX, recent_blockhash=BLOCKHASH))
    assert signed.raw == _solders([_sol(U64_MAX)])
    # System Transfer by hand: instruction 2 (u32 LE) then the lamports (u64 LE).
    ix = VersionedTransaction.from_bytes(signed.raw).message.instructions[0]
    assert bytes(ix.data) == bytes.fromhex("02000000") + b"\xff" * 8
    token = ME.sign(ME.transfer(TO, U64_MAX, token=MINT, decimals=6, recent_blockhash=BLOCKHASH))
    assert token.raw == _solders(_token_ixs(U64_MAX, 6))


@pytest.mark.parametrize("token", [None, MINT])
def test_an_amount_past_u64_is_refused(token: str | None) -> None:
    with pytest.raises(InvalidAmount) as info:
        ME.transfer(TO, U64_MAX + 1, token=token, decimals=6, recent_blockhash=BLOCKHASH)
    assert str(info.value) == f"a Solana amount is a u64 (at most 2^64-1), got {U64_MAX + 1}"


# --- only the fee payer signs --------------------------------------------------------------------


def test_a_foreign_fee_payer_is_not_signed() -> None:
    other = wk.Account.from_private_key("sol", bytes(range(2, 34)))
    tx = other.transfer(TO, 5, recent_blockhash=BLOCKHASH)
    with pytest.raises(InvalidTransaction) as info:
        ME.sign(tx)
    assert str(info.value) == f"this transaction's fee payer is {other.address}, not the account {ME.address}"
    with pytest.raises(InvalidTransaction, match="fee payer"):
        sign_transaction(ME, tx)
    with pytest.raises(InvalidTransaction) as wrong_type:
        sign_transaction(ME, b"raw")
    assert str(wrong_type.value) == "expected a SolanaTransfer (from account.transfer), got bytes"
    # The payer's own transaction is signed, and is solders' bytes.
    assert sign_transaction(ME, ME.transfer(TO, 5, recent_blockhash=BLOCKHASH)).raw == _solders([_sol(5)])


def test_signing_with_a_seed_gives_the_accounts_bytes_and_txid() -> None:
    tx = ME.transfer(TO, 7, recent_blockhash=BLOCKHASH)
    by_seed = tx.sign(SEED)  # type: ignore[attr-defined]
    theirs = _solders([_sol(7)])
    assert by_seed.raw == theirs == ME.sign(tx).raw
    assert by_seed.txid == str(Transaction.from_bytes(theirs).signatures[0])
    assert by_seed.chain == "sol"
    assert by_seed.extra["tx"] is tx


# --- lookup tables and the message version -----------------------------------------------------


def test_lookup_tables_need_a_v0_message() -> None:
    table = lookup_table(str(Keypair.from_seed(bytes(32)).pubkey()), [TO])
    with pytest.raises(InvalidTransaction) as info:
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, address_lookup_tables=[table])
    assert str(info.value) == "address lookup tables need version='v0'"
    with pytest.raises(InvalidTransaction, match="need version='v0'"):
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, version="legacy", address_lookup_tables=(table,))
    # No tables (None or empty) on legacy is a plain legacy message.
    for empty in (None, [], ()):
        legacy = ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, address_lookup_tables=empty)
        assert ME.sign(legacy).raw == _solders([_sol(5)])


def test_v0_with_a_table_is_solders_v0_message() -> None:
    table_key = Keypair.from_seed(bytes(32)).pubkey()
    table = lookup_table(str(table_key), [TO])
    signed = ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, version="v0", address_lookup_tables=[table]))
    recent = Hash.from_string(BLOCKHASH)
    message = MessageV0.try_compile(
        KEYPAIR.pubkey(), [_sol(5)], [AddressLookupTableAccount(table_key, [TO_KEYPAIR.pubkey()])], recent
    )
    assert signed.raw == bytes(VersionedTransaction(message, [KEYPAIR]))
    assert signed.raw[65] == 0x80  # the v0 prefix, after shortvec(1) and the signature


@pytest.mark.parametrize("tables", ["table", [object()], [Pubkey.default()], 5])
def test_lookup_tables_of_another_type_are_refused(tables: object) -> None:
    with pytest.raises(InvalidTransaction) as info:
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, version="v0", address_lookup_tables=tables)
    assert str(info.value) == "address_lookup_tables holds AddressLookupTableAccount values (see lookup_table())"


@pytest.mark.parametrize("version", ["v1", "V0", 0, "Legacy"])
def test_other_versions_are_refused(version: object) -> None:
    with pytest.raises(InvalidTransaction) as info:
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, version=version)
    assert str(info.value) == f"version must be 'legacy' or 'v0', got {version!r}"


# --- compute units --------------------------------------------------------------------------------


def test_the_compute_unit_limit_is_capped_at_the_runtimes_maximum() -> None:
    # agave's MAX_COMPUTE_UNIT_LIMIT: 1,400,000 per transaction.
    assert MAX_COMPUTE_UNITS == 1_400_000
    top = ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, compute_unit_limit=1_400_000))
    assert top.raw == _solders([set_compute_unit_limit(1_400_000), _sol(5)])
    for bad in (1_400_001, 2**32 - 1):
        with pytest.raises(InvalidTransaction) as info:
            ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, compute_unit_limit=bad)
        assert str(info.value) == f"compute_unit_limit must be an integer in 0..1400000, got {bad}"


def test_the_estimate_is_capped_at_the_runtimes_maximum() -> None:
    # An instruction of an unknown program is given the runtime's own default, 200,000 CU; each
    # compute-budget instruction 150. By hand: 6 x 200,000 + 2 x 150 = 1,200,300 (under the cap);
    # 7 x 200,000 + 2 x 150 = 1,400,300, capped to 1,400,000.
    unknown = Instruction(Keypair.from_seed(bytes([9] * 32)).pubkey(), b"", [])
    assert estimate_compute_units([unknown] * 6, budget_instructions=2) == 1_200_300
    assert estimate_compute_units([unknown] * 7, budget_instructions=2) == 1_400_000
    assert estimate_compute_units([unknown] * 7) == 1_400_000
    assert estimate_compute_units([]) == 0
    # The builders' own programs, by hand: System 300, ATA 60,000, Token 10,000, Token-2022 30,000,
    # Memo 5,000 + 50 per byte, budget instructions 150 each.
    me, to, mint = KEYPAIR.pubkey(), TO_KEYPAIR.pubkey(), Pubkey.from_string(MINT)
    assert estimate_compute_units([_sol(1)]) == 300
    assert estimate_compute_units([_sol(1)], budget_instructions=1) == 450
    assert estimate_compute_units(_token_ixs(1, 6)) == 70_000
    assert estimate_compute_units(_token_ixs(1, 6, programs.TOKEN_2022_PROGRAM)) == 90_000
    assert estimate_compute_units([programs.memo(b"abcd", me)]) == 5_200
    nonce = advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=to, authorized_pubkey=me))
    assert estimate_compute_units([nonce, programs.create_associated_account_idempotent(me, to, mint)]) == 60_300


def test_a_price_alone_sets_the_estimated_limit_as_solders_would() -> None:
    # price then limit (wallet-core's order); the limit: 2 x 150 + 300 (transfer) + 5,000 + 50 x 5 (memo) = 5,850.
    signed = ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, compute_unit_price=7, memo="hello"))
    memo = programs.memo(b"hello", KEYPAIR.pubkey())
    assert signed.raw == _solders([set_compute_unit_price(7), set_compute_unit_limit(5_850), _sol(5), memo])
    # price 0: no priority fee, so no estimate either (the runtime's default limit stands).
    zero = ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, compute_unit_price=0))
    assert zero.raw == _solders([set_compute_unit_price(0), _sol(5)])
    # Both given: both as given.
    both = ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, compute_unit_price=9, compute_unit_limit=1_000))
    assert both.raw == _solders([set_compute_unit_price(9), set_compute_unit_limit(1_000), _sol(5)])


def test_the_estimate_holds_on_the_runtime(wk_engine: Any) -> None:
    # LiteSVM runs the memo transfer under the estimated limit (exceeding it would fail the transaction).
    from chains.solana.litesvm import SolanaSvm

    svm = SolanaSvm()
    svm.airdrop(ME.address, 10 * SOL)
    tx = ME.transfer(TO, SOL, recent_blockhash=svm.latest_blockhash(), compute_unit_price=1_000_000, memo="x" * 200)
    txid = svm.broadcast(ME.sign(tx))
    limit = 2 * 150 + 300 + 5_000 + 50 * 200
    used = svm.results[txid].compute_units_consumed()
    assert used <= limit
    assert svm.fee_of(txid) == 5_000 + limit * 1_000_000 // 10**6
    assert svm.balance(TO) == SOL


# --- the other fields --------------------------------------------------------------------------------


def test_unknown_fields_are_named() -> None:
    with pytest.raises(InvalidInput) as info:
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, gas=1, nonce=2)
    assert str(info.value) == (
        "unknown Solana transfer field(s) gas, nonce; expected address_lookup_tables, allow_owner_off_curve, "
        "compute_unit_limit, compute_unit_price, create_recipient_account, decimals, memo, nonce_account, "
        "nonce_authority, recent_blockhash, token_program, version"
    )


def test_the_blockhash_is_required_and_checked() -> None:
    for missing in ({}, {"recent_blockhash": None}, {"recent_blockhash": 5}):
        with pytest.raises(InvalidTransaction) as info:
            ME.transfer(TO, 5, **missing)
        assert str(info.value) == "recent_blockhash is required offline (base58); connect a client to fill it"
    with pytest.raises(InvalidTransaction, match=r"^recent_blockhash is not a base58 32-byte hash: "):
        ME.transfer(TO, 5, recent_blockhash="0OIl")
    # A solders Hash is taken as it is; text is parsed once and gives the same bytes.
    by_hash = ME.sign(ME.transfer(TO, 5, recent_blockhash=Hash.from_string(BLOCKHASH))).raw
    assert by_hash == ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH)).raw == _solders([_sol(5)])


def test_bad_recipient_and_mint_are_named() -> None:
    with pytest.raises(InvalidAddress, match=r"^recipient: "):
        ME.transfer("not-an-address", 5, recent_blockhash=BLOCKHASH)
    with pytest.raises(InvalidAddress, match=r"^mint: "):
        ME.transfer(TO, 5, token="not-a-mint", decimals=6, recent_blockhash=BLOCKHASH)
    with pytest.raises(InvalidAddress, match=r"^nonce_account: "):
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, nonce_account="bad")


def test_durable_nonce_goes_first_with_the_account_as_default_authority() -> None:
    nonce = Keypair.from_seed(bytes([5] * 32)).pubkey()
    authority = Keypair.from_seed(bytes([6] * 32)).pubkey()
    signed = ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, nonce_account=str(nonce)))
    advance = advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=nonce, authorized_pubkey=KEYPAIR.pubkey()))
    assert signed.raw == _solders([advance, _sol(5)])
    tx = ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, nonce_account=str(nonce), nonce_authority=str(authority))
    other = advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=nonce, authorized_pubkey=authority))
    assert tx.instructions == (other, _sol(5))  # type: ignore[attr-defined]


def test_memo_is_text_or_bytes() -> None:
    memo = programs.memo("naïve".encode(), KEYPAIR.pubkey())
    assert ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, memo="naïve")).raw == _solders([_sol(5), memo])
    assert ME.sign(ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, memo="naïve".encode())).raw == _solders(
        [_sol(5), memo]
    )
    for bad in (5, ["a"]):
        with pytest.raises(InvalidTransaction) as info:
            ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, memo=bad)
        assert str(info.value) == f"memo is text or bytes, got {type(bad).__name__}"


@pytest.mark.parametrize(
    ("field", "program"),
    [
        (None, programs.TOKEN_PROGRAM),
        ("token", programs.TOKEN_PROGRAM),
        ("token-2022", programs.TOKEN_2022_PROGRAM),
        ("token2022", programs.TOKEN_2022_PROGRAM),
        (str(programs.TOKEN_2022_PROGRAM), programs.TOKEN_2022_PROGRAM),
        (str(programs.TOKEN_PROGRAM), programs.TOKEN_PROGRAM),
    ],
)
def test_token_program_names(field: str | None, program: Pubkey) -> None:
    fields: dict[str, Any] = {"decimals": 9, "recent_blockhash": BLOCKHASH}
    if field is not None:
        fields["token_program"] = field
    assert ME.sign(ME.transfer(TO, 3, token=MINT, **fields)).raw == _solders(_token_ixs(3, 9, program))


def test_other_token_programs_and_missing_decimals_are_refused() -> None:
    with pytest.raises(InvalidTransaction) as info:
        ME.transfer(TO, 3, token=MINT, decimals=6, recent_blockhash=BLOCKHASH, token_program=str(programs.MEMO_PROGRAM))
    assert str(info.value) == f"token_program must be Token or Token-2022, got {programs.MEMO_PROGRAM}"
    with pytest.raises(InvalidAddress, match=r"^token_program: "):
        ME.transfer(TO, 3, token=MINT, decimals=6, recent_blockhash=BLOCKHASH, token_program="spl")
    with pytest.raises(InvalidTransaction) as missing:
        ME.transfer(TO, 3, token=MINT, recent_blockhash=BLOCKHASH)
    assert str(missing.value) == (
        "decimals is required offline for a token transfer; connect a client to read the mint"
    )


def test_recipient_account_creation_can_be_left_out() -> None:
    tx = ME.transfer(TO, 3, token=MINT, decimals=6, recent_blockhash=BLOCKHASH, create_recipient_account=False)
    assert ME.sign(tx).raw == _solders(_token_ixs(3, 6, create=False))


def test_off_curve_recipients_need_the_opt_in() -> None:
    pda = Pubkey.find_program_address([b"vault"], programs.TOKEN_PROGRAM)[0]
    for token in (None, MINT):
        with pytest.raises(InvalidAddress, match=f"^{pda} is off the ed25519 curve"):
            ME.transfer(str(pda), 5, token=token, decimals=6, recent_blockhash=BLOCKHASH)
    signed = ME.sign(ME.transfer(str(pda), 5, recent_blockhash=BLOCKHASH, allow_owner_off_curve=True))
    assert signed.raw == _solders([_sol(5, str(pda))])


def test_the_transfer_value_defaults() -> None:
    tx = SolanaTransfer(KEYPAIR.pubkey(), (_sol(1),), Hash.from_string(BLOCKHASH))
    assert (tx.version, tx.lookup_tables) == ("legacy", ())
    assert tx.message_bytes() == bytes(
        Message.new_with_blockhash([_sol(1)], KEYPAIR.pubkey(), Hash.from_string(BLOCKHASH))
    )


# --- error labels ---------------------------------------------------------------------------------


def test_off_curve_messages_say_what_to_do() -> None:
    pda = Pubkey.find_program_address([b"vault"], programs.TOKEN_PROGRAM)[0]
    with pytest.raises(InvalidAddress) as sol:
        ME.transfer(str(pda), 5, recent_blockhash=BLOCKHASH)
    assert str(sol.value) == (
        f"{pda} is off the ed25519 curve (a program address that no key signs for): SOL sent "
        "to it is only usable if its program expects it; pass allow_owner_off_curve=True if it does"
    )
    with pytest.raises(InvalidAddress) as token:
        ME.transfer(str(pda), 5, token=MINT, decimals=6, recent_blockhash=BLOCKHASH)
    assert str(token.value) == (
        f"{pda} is off the ed25519 curve (a program address): tokens sent to its associated account "
        "may be lost; pass allow_owner_off_curve=True if the program expects them"
    )


def test_bad_nonce_authority_and_lookup_table_addresses_are_named() -> None:
    nonce = str(Keypair.from_seed(bytes([5] * 32)).pubkey())
    with pytest.raises(InvalidAddress, match=r"^nonce_authority: "):
        ME.transfer(TO, 5, recent_blockhash=BLOCKHASH, nonce_account=nonce, nonce_authority="bad")
    with pytest.raises(InvalidAddress, match=r"^lookup table: "):
        lookup_table("bad", [TO])
    with pytest.raises(InvalidAddress, match=r"^address: "):
        lookup_table(TO, [TO, "bad"])


# --- what repeats is parsed once and kept (the module's promise), in bounded maps -----------------


def test_the_payer_and_the_blockhash_are_parsed_once() -> None:
    from chains.solana import transfer as module

    module._payers.clear()  # start empty: an earlier test (or process) may have parsed these already
    module._hashes.clear()
    first = ME.transfer(TO, 1, recent_blockhash=BLOCKHASH)
    second = ME.transfer(TO, 2, recent_blockhash=BLOCKHASH)
    assert first.payer is second.payer  # type: ignore[attr-defined]
    assert first.recent_blockhash is second.recent_blockhash  # type: ignore[attr-defined]
    assert first.payer == KEYPAIR.pubkey()  # type: ignore[attr-defined]
    assert first.recent_blockhash == Hash.from_string(BLOCKHASH)  # type: ignore[attr-defined]


def test_the_curve_check_is_kept_per_key() -> None:
    from chains.solana import transfer as module

    module._on_curve.clear()  # start empty: an earlier test (or process) may have checked these already
    pda = Pubkey.find_program_address([b"kept"], programs.TOKEN_PROGRAM)[0]
    assert module.is_on_curve(pda) is False
    assert module._on_curve[pda] is False
    assert module.is_on_curve(KEYPAIR.pubkey()) is True
    assert module._on_curve[KEYPAIR.pubkey()] is True


def test_the_maps_hold_at_most_4096_entries() -> None:
    from chains.solana import transfer as module

    module._pubkeys.clear()
    texts = [str(Pubkey((i + 1).to_bytes(32, "big"))) for i in range(4097)]
    for text in texts[:4096]:
        module.pubkey(text)
    assert len(module._pubkeys) == 4096
    module.pubkey(texts[4096])  # the 4,097th entry empties the map first
    assert len(module._pubkeys) == 1
    assert module.pubkey(texts[0]) == Pubkey.from_string(texts[0])
