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
(default True: idempotent ATA creation). ``allow_owner_off_curve`` (default False) is
the explicit opt-in for a recipient off the ed25519 curve (a program-derived address, which
no key can sign for): for SOL the recipient itself, for a token the owner of the
recipient's token account; without it, such a transfer is refused.

What does not change from one transaction to the next is parsed once and kept (bounded
maps; all of it public): the fee payer's ``Pubkey``, each address and blockhash text, and
whether an address is on the curve. The signing key keeps its expanded form
(:meth:`walletkit.keys.PrivateKey.sign_ed25519`).
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
from solders.signature import Signature
from solders.system_program import AdvanceNonceAccountParams, TransferParams, advance_nonce_account
from solders.system_program import transfer as system_transfer

from chains.solana import programs
from chains.solana.keys import parse_address
from walletkit.chain import SignedTransaction
from walletkit.errors import InvalidAddress, InvalidAmount, InvalidInput, InvalidTransaction
from walletkit.keys import PrivateKey, SigningKey

if TYPE_CHECKING:
    from walletkit.account import Account

U64_MAX = (1 << 64) - 1
_FIELDS = frozenset(
    {
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
)


_CACHE_SIZE = 4096
_pubkeys: dict[str, Pubkey] = {}  # address text -> Pubkey
_payers: dict[bytes, Pubkey] = {}  # public key bytes -> Pubkey
_hashes: dict[str, Hash] = {}  # blockhash text -> Hash
_on_curve: dict[Pubkey, bool] = {}


def _remember(cache: dict, key: object, value: object) -> None:  # type: ignore[type-arg]
    if len(cache) >= _CACHE_SIZE:
        cache.clear()  # one atomic step: safe beside other threads
    cache[key] = value


def pubkey(text: object, what: str = "address") -> Pubkey:
    """Parse a base58 address into a solders Pubkey (typed errors); each text is decoded once.

    >>> pubkey("11111111111111111111111111111111") == programs.SYSTEM_PROGRAM
    True

    Raises:
        InvalidAddress: not base58 or not 32 bytes; the message starts with ``what``.
    """
    if type(text) is str:
        found = _pubkeys.get(text)
        if found is not None:
            return found
    elif isinstance(text, Pubkey):
        return text
    try:
        key = Pubkey(parse_address(text))
    except InvalidAddress as e:
        raise InvalidAddress(f"{what}: {e}") from e
    _remember(_pubkeys, text, key)
    return key


def _payer(public: bytes) -> Pubkey:
    payer = _payers.get(public)
    if payer is None:
        payer = Pubkey(public)
        _remember(_payers, public, payer)
    return payer


def is_on_curve(key: Pubkey) -> bool:
    """Return True if ``key`` is a point on the ed25519 curve (a key can sign for it; a PDA is not).

    >>> is_on_curve(Pubkey.find_program_address([b"vault"], programs.TOKEN_PROGRAM)[0])
    False
    """
    found = _on_curve.get(key)
    if found is None:
        found = key.is_on_curve()  # a point decompression: ~3 us, so the answer is kept
        _remember(_on_curve, key, found)
    return found


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

    def sign(self, key: SigningKey | bytes) -> SignedTransaction:
        """Sign as the fee payer (the only signer walletkit's transfers need).

        ``key`` is the payer's ed25519 :class:`~walletkit.keys.SigningKey`: a
        :class:`~walletkit.keys.PrivateKey` (its expanded form is kept between signatures)
        or a key in an HSM; or its 32-byte seed.

        Raises:
            InvalidKey: not an ed25519 key, or a seed that is not 32 bytes.
        """
        if isinstance(key, (bytes, bytearray)):
            key = PrivateKey("ed25519", key)
        message = self.message_bytes()
        signature = key.sign_ed25519(message)
        raw = b"\x01" + signature + message  # shortvec(1) || signature || message
        # The txid is the signature in base58: solders' encoder, 15x faster than based58's on 64 bytes.
        return SignedTransaction("sol", raw, str(Signature(signature)), {"tx": self})


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
    if type(value) is str:
        found = _hashes.get(value)
        if found is not None:
            return found
    elif isinstance(value, Hash):
        return value
    else:
        raise InvalidTransaction("recent_blockhash is required offline (base58); connect a client to fill it")
    try:
        parsed = Hash(parse_address(value))
    except InvalidAddress as e:
        raise InvalidTransaction(f"recent_blockhash is not a base58 32-byte hash: {e}") from e
    _remember(_hashes, value, parsed)
    return parsed


def build_transfer(
    account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
) -> SolanaTransfer:
    """Return an unsigned SOL transfer, or an SPL ``transfer_checked`` to the recipient's token account.

    Raises:
        InvalidAddress: a bad recipient or mint, or a recipient (SOL) or owner (tokens) off the
            ed25519 curve without ``allow_owner_off_curve=True``.
        InvalidAmount: an amount past the u64 range.
        InvalidTransaction: a missing blockhash or decimals, or a field out of its range.
    """
    if not _FIELDS.issuperset(fields):
        unknown = set(fields) - _FIELDS
        raise InvalidInput(
            f"unknown Solana transfer field(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(_FIELDS))}"
        )
    if amount > U64_MAX:
        raise InvalidAmount(f"a Solana amount is a u64 (at most 2^64-1), got {amount}")
    payer = _payer(account.public_key.data)
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
        if not fields.get("allow_owner_off_curve") and not is_on_curve(recipient):
            raise InvalidAddress(
                f"{recipient} is off the ed25519 curve (a program address that no key signs for): SOL sent "
                "to it is only usable if its program expects it; pass allow_owner_off_curve=True if it does"
            )
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
    if not fields.get("allow_owner_off_curve") and not is_on_curve(owner):
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
    if tx.payer != _payer(account.public_key.data):
        raise InvalidTransaction(f"this transaction's fee payer is {tx.payer}, not the account {account.address}")
    return tx.sign(account.signing_key())


def lookup_table(address: str, addresses: Sequence[str]) -> AddressLookupTableAccount:
    """Return an address lookup table value (its address and the addresses it holds) for v0 messages."""
    return AddressLookupTableAccount(pubkey(address, "lookup table"), [pubkey(a) for a in addresses])
