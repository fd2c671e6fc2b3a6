"""What a Solana transaction does, decoded from the compiled message it signs.

The message is compiled first (legacy or v0), then read back: account indexes, lookup-table
entries and instruction bytes are exactly what the signature covers. A v0 message that loads
accounts from address lookup tables rests on what the tables hold; offline that is only a
claim, reported as :class:`Unverified` (``lookup_table``) for the signer to check through a
client, or refuse.

Instructions decoded (anything else is a :class:`ContractCall` naming the program):

- System: Transfer, TransferWithSeed, CreateAccount(WithSeed) (lamports out), WithdrawNonceAccount
  (lamports out of a nonce account), AuthorizeNonceAccount / InitializeNonceAccount (nonce
  authority), Assign (the account's owner program), AdvanceNonceAccount (no effect).
- SPL Token and Token-2022: Transfer, TransferChecked, Approve, ApproveChecked, SetAuthority,
  CloseAccount, Burn, BurnChecked, Revoke (no effect).
- Associated Token Account: Create and CreateIdempotent pay the account's rent to it
  (2,039,280 lamports for a Token account, 2,074,080 for a Token-2022 account with the
  ImmutableOwner extension; mints whose extensions need larger accounts cost more).
- Memo (v1 and v2): :class:`DataCarrier`. Compute Budget: read for the fee.

Fee bound (lamports): 5,000 per signature plus ``ceil(price x limit / 10^6)``. Signatures are
the message's required signatures and those the signature-verification precompiles (Ed25519,
Secp256k1, Secp256r1) check, which the runtime charges alike (each such instruction's first data
byte is its signature count). Without a SetComputeUnitLimit the runtime's default limit is 200,000
per instruction that is not a compute-budget one (at most 1,400,000).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from solders.message import Message, MessageV0, from_bytes_versioned
from solders.pubkey import Pubkey

from chains.solana import programs
from chains.solana.transfer import SolanaTransfer
from walletkit.effects import (
    NATIVE,
    Approval,
    AuthorityChange,
    ContractCall,
    DataCarrier,
    Effect,
    FeeBound,
    Transfer,
    Unverified,
)
from walletkit.errors import InvalidTransaction

COMPUTE_BUDGET_PROGRAM = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
# Signature-verification precompiles: the runtime charges each signature they verify as a transaction signature.
PRECOMPILES = frozenset(
    {
        "Ed25519SigVerify111111111111111111111111111",
        "KeccakSecp256k11111111111111111111111111111",
        "Secp256r1SigVerify1111111111111111111111111",
    }
)
MEMO_V1_PROGRAM = "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"  # the first Memo program: data only, no signers
LAMPORTS_PER_SIGNATURE = 5_000
DEFAULT_UNITS_PER_INSTRUCTION = 200_000
MAX_COMPUTE_UNITS = 1_400_000
U64_MAX = (1 << 64) - 1
RENT = {programs.TOKEN_PROGRAM: 2_039_280, programs.TOKEN_2022_PROGRAM: 2_074_080}


def _u64(data: bytes, at: int) -> int:
    if len(data) < at + 8:
        raise InvalidTransaction("a Solana instruction is shorter than its layout")
    return int(struct.unpack_from("<Q", data, at)[0])


def _pubkey(data: bytes, at: int) -> str:
    if len(data) < at + 32:
        raise InvalidTransaction("a Solana instruction is shorter than its layout")
    return str(Pubkey(data[at : at + 32]))


class _Message:
    """The resolved account keys and instructions of a compiled message."""

    def __init__(self, tx: SolanaTransfer) -> None:
        raw = tx.message_bytes()
        message = from_bytes_versioned(raw)
        keys = [str(k) for k in message.account_keys]
        self.signers = message.header.num_required_signatures
        self.payer = keys[0]
        self.unverified: list[Unverified] = []
        if isinstance(message, MessageV0) and message.address_table_lookups:
            claimed = {str(t.key): [str(a) for a in t.addresses] for t in tx.lookup_tables}
            writable: list[str] = []
            readonly: list[str] = []
            for lookup in message.address_table_lookups:
                table = str(lookup.account_key)
                held = claimed.get(table)
                if held is None:
                    raise InvalidTransaction(f"the message loads from lookup table {table}, which was not given")
                used = list(lookup.writable_indexes) + list(lookup.readonly_indexes)
                if any(i >= len(held) for i in used):
                    raise InvalidTransaction(f"the message reads past the end of lookup table {table}")
                writable += [held[i] for i in lookup.writable_indexes]
                readonly += [held[i] for i in lookup.readonly_indexes]
                self.unverified.append(Unverified("lookup_table", table, tuple(f"{i}={held[i]}" for i in used)))
            keys += writable + readonly
        elif not isinstance(message, (Message, MessageV0)):
            raise InvalidTransaction("only legacy and v0 Solana messages are decoded")
        self.keys = keys
        self.instructions = [
            (keys[ix.program_id_index], [keys[a] for a in bytes(ix.accounts)], bytes(ix.data))
            for ix in message.instructions
        ]


def effects(account_address: str, tx: object) -> list[Effect]:
    """Return the effects of a :class:`SolanaTransfer` whose fee payer is ``account_address``.

    Raises:
        InvalidTransaction: not a SolanaTransfer, or a message that does not decode.
    """
    if not isinstance(tx, SolanaTransfer):
        raise InvalidTransaction(f"expected a SolanaTransfer, got {type(tx).__name__}")
    msg = _Message(tx)
    out: list[Effect] = list(msg.unverified)
    owners = _created_accounts(msg)
    price = 0
    limit: int | None = None
    counted = 0
    signatures = msg.signers
    for program, accounts, data in msg.instructions:
        if program in PRECOMPILES:
            signatures += data[0] if data else 0
        if program == str(COMPUTE_BUDGET_PROGRAM):
            if data[:1] == b"\x02" and len(data) == 5:
                limit = int.from_bytes(data[1:5], "little")
            elif data[:1] == b"\x03" and len(data) == 9:
                price = _u64(data, 1)
            elif data[:1] not in (b"\x01", b"\x04"):
                raise InvalidTransaction(f"a compute-budget instruction of unknown layout ({data[:1].hex()})")
            continue
        counted += 1
        out += _instruction(program, accounts, data, account_address, owners)
    units = limit if limit is not None else min(DEFAULT_UNITS_PER_INSTRUCTION * counted, MAX_COMPUTE_UNITS)
    fee = LAMPORTS_PER_SIGNATURE * signatures + (price * units + 999_999) // 1_000_000
    out.append(FeeBound(fee, f"{signatures} signature(s), {units} CU at {price} micro-lamports"))
    return out


def _created_accounts(msg: _Message) -> dict[str, str]:
    """Token accounts created in this message, mapped to their owners (checked by re-deriving them)."""
    out: dict[str, str] = {}
    for program, accounts, data in msg.instructions:
        if program == str(programs.ASSOCIATED_TOKEN_PROGRAM) and data in (b"", b"\x00", b"\x01") and len(accounts) >= 6:
            _, ata, owner, mint, _, token_program = accounts[:6]
            derived = programs.associated_token_address(
                Pubkey.from_string(owner), Pubkey.from_string(mint), Pubkey.from_string(token_program)
            )
            if str(derived) == ata:
                out[ata] = owner
    return out


def _instruction(program: str, accounts: list[str], data: bytes, me: str, owners: dict[str, str]) -> list[Effect]:
    def source(address: str) -> str | None:
        return None if address == me else address

    try:
        if program == str(programs.SYSTEM_PROGRAM):
            return _system(accounts, data, source)
        if program in (str(programs.TOKEN_PROGRAM), str(programs.TOKEN_2022_PROGRAM)):
            return _token(program, accounts, data, owners)
        if program == str(programs.ASSOCIATED_TOKEN_PROGRAM):
            if data in (b"", b"\x00", b"\x01") and len(accounts) >= 6:
                payer, ata, _owner, _mint, _sys, token_program = accounts[:6]
                rent = RENT.get(Pubkey.from_string(token_program))
                if rent is None:
                    return [ContractCall(program, data.hex() or "create", 0, f"ATA for program {token_program}")]
                return [Transfer(NATIVE, owners.get(ata, ata), rent, source=source(payer))]
            return [ContractCall(program, data[:1].hex() or None)]
        if program in (str(programs.MEMO_PROGRAM), MEMO_V1_PROGRAM):
            return [DataCarrier("memo", len(data))]
    except IndexError:
        raise InvalidTransaction(f"an instruction of {program} names fewer accounts than its layout") from None
    return [ContractCall(program, data[:1].hex() or None)]


def _system(accounts: list[str], data: bytes, src: Callable[[str], str | None]) -> list[Effect]:
    if len(data) < 4:
        raise InvalidTransaction("a System instruction is shorter than its index")
    index = int.from_bytes(data[:4], "little")
    system = str(programs.SYSTEM_PROGRAM)
    if index == 2:  # Transfer { lamports: u64 }  [from, to]
        return [Transfer(NATIVE, accounts[1], _u64(data, 4), source=src(accounts[0]))]
    if index == 11:  # TransferWithSeed { lamports, from_seed, from_owner }  [from, base, to]
        return [Transfer(NATIVE, accounts[2], _u64(data, 4), source=accounts[0])]
    if index == 0:  # CreateAccount { lamports, space, owner }  [from, new]
        owner = _pubkey(data, 20)
        out: list[Effect] = [Transfer(NATIVE, accounts[1], _u64(data, 4), source=src(accounts[0]))]
        if owner != system:
            out.append(AuthorityChange("system_assign", accounts[1], owner))
        return out
    if index == 3:  # CreateAccountWithSeed { base, seed, lamports, space, owner }  [from, to, (base)]
        seed_len = _u64(data, 36)
        at = 44 + seed_len
        owner = _pubkey(data, at + 16)
        out = [Transfer(NATIVE, accounts[1], _u64(data, at), source=src(accounts[0]))]
        if owner != system:
            out.append(AuthorityChange("system_assign", accounts[1], owner))
        return out
    if index == 1:  # Assign { owner }  [account]
        return [AuthorityChange("system_assign", accounts[0], _pubkey(data, 4))]
    if index == 4:  # AdvanceNonceAccount  [nonce, recent_blockhashes, authority]
        return []
    if index == 5:  # WithdrawNonceAccount { lamports }  [nonce, to, recent_blockhashes, rent, authority]
        return [Transfer(NATIVE, accounts[1], _u64(data, 4), source=accounts[0])]
    if index in (6, 7):  # InitializeNonceAccount / AuthorizeNonceAccount { authority }  [nonce, ...]
        return [AuthorityChange("nonce_authority", accounts[0], _pubkey(data, 4))]
    return [ContractCall(system, f"system:{index}")]


def _token(program: str, accounts: list[str], data: bytes, owners: dict[str, str]) -> list[Effect]:
    if not data:
        raise InvalidTransaction("a token instruction has no data")
    tag = data[0]
    if tag == 12:  # TransferChecked { amount, decimals }  [source, mint, destination, authority]
        return [Transfer(accounts[1], owners.get(accounts[2], accounts[2]), _u64(data, 1))]
    if tag == 3:  # Transfer { amount }  [source, destination, authority]: the mint is not named
        return [Transfer(f"token-account:{accounts[0]}", owners.get(accounts[1], accounts[1]), _u64(data, 1))]
    if tag == 13:  # ApproveChecked { amount, decimals }  [source, mint, delegate, owner]
        amount = _u64(data, 1)
        return [Approval(accounts[1], accounts[2], None if amount == U64_MAX else amount)]
    if tag == 4:  # Approve { amount }  [source, delegate, owner]
        amount = _u64(data, 1)
        return [Approval(f"token-account:{accounts[0]}", accounts[1], None if amount == U64_MAX else amount)]
    if tag == 6:  # SetAuthority { authority_type: u8, new_authority: COption<Pubkey> }  [account, current]
        new = _pubkey(data, 3) if len(data) >= 35 and data[2] == 1 else None
        return [AuthorityChange("spl_authority", accounts[0], new)]
    if tag == 9:  # CloseAccount  [account, destination, owner]
        return [AuthorityChange("spl_close_account", accounts[0], accounts[1])]
    if tag == 15:  # BurnChecked { amount, decimals }  [account, mint, owner]
        return [Transfer(accounts[1], "burn", _u64(data, 1))]
    if tag == 8:  # Burn { amount }  [account, mint, owner]
        return [Transfer(accounts[1], "burn", _u64(data, 1))]
    if tag == 5:  # Revoke  [source, owner]: takes a delegate's rights away
        return []
    return [ContractCall(program, f"spl:{tag}")]


LOOKUP_TABLE_PROGRAM = "AddressLookupTab1e1111111111111111111111111"
LOOKUP_TABLE_META = 56  # bytes of LookupTableMeta before the addresses


def lookup_table_holds(claim: Unverified, owner: str | None, data: bytes | None) -> bool:
    """Return True if the on-chain table account (``owner`` program and ``data``) holds what ``claim`` says.

    ``claim.claim`` entries are ``"<index>=<address>"``; a table not owned by the
    address-lookup-table program, or too short, holds nothing.
    """
    if claim.kind != "lookup_table" or owner != LOOKUP_TABLE_PROGRAM or data is None:
        return False
    held = data[LOOKUP_TABLE_META:]
    for entry in claim.claim:
        index_text, _, address = entry.partition("=")
        index = int(index_text)
        if len(held) < 32 * (index + 1) or str(Pubkey(held[32 * index : 32 * index + 32])) != address:
            return False
    return True
