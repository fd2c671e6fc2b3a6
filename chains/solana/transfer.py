"""SOL and SPL transfers from an account: legacy or v0 messages, priority fees, durable nonces.

Fields (offline): ``recent_blockhash`` (base58; for a durable nonce, the nonce value),
``compute_unit_price`` (micro-lamports per CU; default none: no priority fee) and
``compute_unit_limit`` (default, when a price is given: :func:`estimate_compute_units` of the
instructions, so the priority fee pays for what the transfer needs, not the runtime's 200k
per instruction; with neither, no compute-budget instructions at all), ``version`` (``"legacy"`` or ``"v0"``),
``address_lookup_tables`` (solders ``AddressLookupTableAccount`` values, v0 only),
``nonce_account`` and ``nonce_authority`` (durable nonce: advance-nonce goes first),
``memo``. For a token (``token`` = its mint): ``decimals`` (required offline),
``token_program`` (Token or Token-2022; default Token), ``create_recipient_account``
(default True: idempotent ATA creation), ``allow_owner_off_curve`` (default False).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import Instruction
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import AdvanceNonceAccountParams, TransferParams, advance_nonce_account
from solders.system_program import transfer as system_transfer

from chains.solana import programs
from chains.solana.keys import parse_address
from walletkit.chain import SignedTransaction
from walletkit.crypto import ed25519
from walletkit.encoding.base58 import b58encode
from walletkit.errors import InvalidAddress, InvalidAmount, InvalidInput, InvalidTransaction

if TYPE_CHECKING:
    from walletkit.account import Account

U64_MAX = (1 << 64) - 1
_FIELDS = {
    "recent_blockhash",
    "compute_unit_limit",
    "compute_unit_price",
    "version",
    "address_lookup_tables",
    "nonce_account",
    "nonce_authority",
    "memo",
    "decimals",
    "token_program",
    "create_recipient_account",
    "allow_owner_off_curve",
}


def pubkey(text: object, what: str = "address") -> Pubkey:
    """Parse a base58 address into a solders Pubkey (typed errors)."""
    if isinstance(text, Pubkey):
        return text
    try:
        return Pubkey(parse_address(text))
    except InvalidAddress as e:
        raise InvalidAddress(f"{what}: {e}") from e


@dataclass(frozen=True, slots=True)
class SolanaTransfer:
    """An unsigned transaction: fee payer, instructions, blockhash and message version."""

    payer: Pubkey
    instructions: tuple[Instruction, ...]
    recent_blockhash: Hash
    version: str = "legacy"
    lookup_tables: tuple[AddressLookupTableAccount, ...] = ()

    def message_bytes(self) -> bytes:
        """Return the serialized message (what the signature covers)."""
        if self.version == "v0":
            message = MessageV0.try_compile(
                self.payer, list(self.instructions), list(self.lookup_tables), self.recent_blockhash
            )
            return b"\x80" + bytes(message)
        return bytes(Message.new_with_blockhash(list(self.instructions), self.payer, self.recent_blockhash))

    def sign(self, seed: bytes) -> SignedTransaction:
        """Sign as the fee payer (the only signer walletkit's transfers need)."""
        message = self.message_bytes()
        signature = ed25519.sign(seed, message)
        raw = b"\x01" + signature + message  # shortvec(1) || signature || message
        return SignedTransaction("sol", raw, b58encode(signature), {"tx": self})


# Compute units per instruction, by program: what the builders here emit, with headroom over
# what mainnet's programs use (measured on LiteSVM: transfer 150, ATA creation 13.6k-25.8k,
# transfer_checked up to 13.9k on Token-2022). Token-2022 transfer hooks run code of their
# own: give compute_unit_limit for such mints, or simulate through a client.
_UNITS = {
    programs.SYSTEM_PROGRAM: 300,
    programs.ASSOCIATED_TOKEN_PROGRAM: 60_000,
    programs.TOKEN_PROGRAM: 10_000,
    programs.TOKEN_2022_PROGRAM: 30_000,
}
_BUDGET_UNITS = 150  # each ComputeBudget instruction
_UNKNOWN_UNITS = 200_000  # the runtime's own default per instruction
MAX_COMPUTE_UNITS = 1_400_000


def estimate_compute_units(instructions: Sequence[Instruction], budget_instructions: int = 0) -> int:
    """Return a compute-unit limit that covers ``instructions`` (the default when a price is set).

    >>> from solders.system_program import TransferParams, transfer
    >>> from solders.pubkey import Pubkey
    >>> estimate_compute_units([transfer(TransferParams(from_pubkey=Pubkey.default(),
    ...     to_pubkey=Pubkey.default(), lamports=1))], budget_instructions=2)
    600
    """
    units = budget_instructions * _BUDGET_UNITS
    for ix in instructions:
        if ix.program_id == programs.MEMO_PROGRAM:
            units += 5_000 + 50 * len(ix.data)  # the memo program validates UTF-8 and logs it
        else:
            units += _UNITS.get(ix.program_id, _UNKNOWN_UNITS)
    return min(units, MAX_COMPUTE_UNITS)


def _int(fields: Mapping[str, object], name: str, limit: int = U64_MAX) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise InvalidTransaction(f"{name} must be an integer in 0..{limit}, got {value!r}")
    return value


def _blockhash(value: object) -> Hash:
    if isinstance(value, Hash):
        return value
    if not isinstance(value, str):
        raise InvalidTransaction("recent_blockhash is required offline (base58); connect a client to fill it")
    try:
        return Hash(parse_address(value))
    except InvalidAddress as e:
        raise InvalidTransaction(f"recent_blockhash is not a base58 32-byte hash: {e}") from e


def build_transfer(
    account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
) -> SolanaTransfer:
    """Return an unsigned SOL transfer, or an SPL ``transfer_checked`` to the recipient's token account.

    Raises:
        InvalidAddress: a bad recipient or mint, or (tokens) an off-curve owner without
            ``allow_owner_off_curve=True``.
        InvalidTransaction: a missing blockhash or decimals, or a bad field.
    """
    unknown = set(fields) - _FIELDS
    if unknown:
        raise InvalidInput(
            f"unknown Solana transfer field(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(_FIELDS))}"
        )
    if amount > U64_MAX:
        raise InvalidAmount(f"a Solana amount is a u64, got {amount}")
    payer = Pubkey(account.public_key.data)
    recipient = pubkey(to, "recipient")
    blockhash = _blockhash(fields.get("recent_blockhash"))
    instructions: list[Instruction] = []
    nonce_account = fields.get("nonce_account")
    if nonce_account is not None:
        authority = pubkey(fields.get("nonce_authority") or account.address, "nonce_authority")
        instructions.append(
            advance_nonce_account(
                AdvanceNonceAccountParams(
                    nonce_pubkey=pubkey(nonce_account, "nonce_account"), authorized_pubkey=authority
                )
            )
        )
    body: list[Instruction] = []
    if token is None:
        body.append(system_transfer(TransferParams(from_pubkey=payer, to_pubkey=recipient, lamports=amount)))
    else:
        body += _token_instructions(payer, recipient, pubkey(token, "mint"), amount, fields)
    memo = fields.get("memo")
    if memo is not None:
        if not isinstance(memo, (str, bytes)):
            raise InvalidTransaction(f"memo is text or bytes, got {type(memo).__name__}")
        body.append(programs.memo(memo.encode() if isinstance(memo, str) else memo, payer))
    limit = _int(fields, "compute_unit_limit", MAX_COMPUTE_UNITS)
    price = _int(fields, "compute_unit_price")
    if price and limit is None:  # a priority fee pays price x limit: ask for what the transfer needs
        limit = estimate_compute_units([*instructions, *body], budget_instructions=2)
    if price is not None:  # price before limit, as wallet-core orders them
        instructions.append(set_compute_unit_price(price))
    if limit is not None:
        instructions.append(set_compute_unit_limit(limit))
    instructions += body
    version = fields.get("version", "legacy")
    if version not in ("legacy", "v0"):
        raise InvalidTransaction(f"version must be 'legacy' or 'v0', got {version!r}")
    given_tables = fields.get("address_lookup_tables") or ()
    if not isinstance(given_tables, (list, tuple)) or not all(
        isinstance(t, AddressLookupTableAccount) for t in given_tables
    ):
        raise InvalidTransaction("address_lookup_tables holds AddressLookupTableAccount values (see lookup_table())")
    tables: tuple[AddressLookupTableAccount, ...] = tuple(given_tables)
    if tables and version != "v0":
        raise InvalidTransaction("address lookup tables need version='v0'")
    return SolanaTransfer(payer, tuple(instructions), blockhash, str(version), tables)


def _token_instructions(
    payer: Pubkey, owner: Pubkey, mint: Pubkey, amount: int, fields: Mapping[str, object]
) -> list[Instruction]:
    decimals = _int(fields, "decimals", 255)
    if decimals is None:
        raise InvalidTransaction("decimals is required offline for a token transfer; connect a client to read the mint")
    program_field = fields.get("token_program")
    if program_field in (None, "token"):
        program = programs.TOKEN_PROGRAM
    elif program_field in ("token-2022", "token2022"):
        program = programs.TOKEN_2022_PROGRAM
    else:
        program = pubkey(program_field, "token_program")
    if program not in programs.TOKEN_PROGRAMS:
        raise InvalidTransaction(f"token_program must be Token or Token-2022, got {program}")
    if not owner.is_on_curve() and not fields.get("allow_owner_off_curve"):
        raise InvalidAddress(
            f"{owner} is off the ed25519 curve (a program address): tokens sent to its associated account "
            "may be lost; pass allow_owner_off_curve=True if the program expects them"
        )
    source = programs.associated_token_address(payer, mint, program)
    destination = programs.associated_token_address(owner, mint, program)
    out: list[Instruction] = []
    if fields.get("create_recipient_account", True):
        out.append(programs.create_associated_account_idempotent(payer, owner, mint, program))
    out.append(programs.transfer_checked(source, mint, destination, payer, amount, decimals, program))
    return out


def sign_transaction(account: Account, tx: object) -> SignedTransaction:
    """Sign a :class:`SolanaTransfer` whose fee payer is the account."""
    if not isinstance(tx, SolanaTransfer):
        raise InvalidTransaction(f"expected a SolanaTransfer (from account.transfer), got {type(tx).__name__}")
    if bytes(tx.payer) != account.public_key.data:
        raise InvalidTransaction(f"this transaction's fee payer is {tx.payer}, not the account {account.address}")
    return tx.sign(account.signing_key().secret_bytes())


def lookup_table(address: str, addresses: Sequence[str]) -> AddressLookupTableAccount:
    """Return an address lookup table value (its address and the addresses it holds) for v0 messages."""
    return AddressLookupTableAccount(pubkey(address, "lookup table"), [pubkey(a) for a in addresses])
