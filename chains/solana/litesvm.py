"""LiteSVM (``solders.litesvm``), the Solana runtime in-process, as a walletkit engine.

It is a :class:`walletkit.chain.ChainClient`: ``account.connect(svm).send(to, amount)``
works, with airdrop, mint and token-account helpers for tests. Notes: ``send_transaction``
never raises (the result type says how it went); the blockhash only moves on
``expire_blockhash``; SPL Token, Token-2022, ATA, lookup-table and Memo programs are
preloaded; Token-2022 accounts may be longer than 165 bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from solders.account import Account as SvmAccount
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from chains.solana import programs
from chains.solana.transfer import pubkey
from walletkit.chain import SignedTransaction
from walletkit.effects import Unverified
from walletkit.errors import BroadcastRejected, InsufficientFunds, InvalidAddress, InvalidTransaction

if TYPE_CHECKING:
    from walletkit.account import Account

MINT_SIZE, TOKEN_ACCOUNT_SIZE = 82, 165


def mint_data(authority: Pubkey, supply: int, decimals: int) -> bytes:
    """Return an initialized SPL mint (82 bytes): authority, supply, decimals, no freeze authority."""
    return b"\x01\x00\x00\x00" + bytes(authority) + supply.to_bytes(8, "little") + bytes([decimals, 1]) + b"\x00" * 36


def token_account_data(mint: Pubkey, owner: Pubkey, amount: int) -> bytes:
    """Return an initialized SPL token account (165 bytes)."""
    return (
        bytes(mint)
        + bytes(owner)
        + amount.to_bytes(8, "little")
        + b"\x00" * 36
        + b"\x01"
        + b"\x00" * 12
        + b"\x00" * 8
        + b"\x00" * 36
    )


class SolanaSvm:
    """An in-process Solana runtime answering the walletkit client protocol."""

    chain = "sol"
    network = "localnet"

    def __init__(self) -> None:
        self.svm = LiteSVM()
        self.results: dict[str, Any] = {}

    # --- helpers for tests and scripts -------------------------------------------------

    def airdrop(self, address: str, lamports: int) -> None:
        """Credit ``lamports`` to ``address``."""
        result = self.svm.airdrop(pubkey(address), lamports)
        if isinstance(result, FailedTransactionMetadata):
            raise BroadcastRejected(f"airdrop to {address} failed: {result.err()}")

    def create_mint(self, authority: str, decimals: int, supply: int = 0, token_2022: bool = False) -> str:
        """Create an initialized mint account; return its address."""
        mint = Keypair().pubkey()
        program = programs.TOKEN_2022_PROGRAM if token_2022 else programs.TOKEN_PROGRAM
        data = mint_data(pubkey(authority), supply, decimals)
        self._put(mint, data, program)
        return str(mint)

    def mint_to(self, mint: str, owner: str, amount: int) -> str:
        """Give ``owner`` an associated token account holding ``amount`` of ``mint``; return it."""
        mint_key, owner_key = pubkey(mint), pubkey(owner)
        program = self._owner_program(mint_key)
        ata = programs.associated_token_address(owner_key, mint_key, program)
        self._put(ata, token_account_data(mint_key, owner_key, amount), program)
        return str(ata)

    def _put(self, address: Pubkey, data: bytes, owner: Pubkey) -> None:
        rent = self.svm.minimum_balance_for_rent_exemption(len(data))
        self.svm.set_account(address, SvmAccount(lamports=rent, data=data, owner=owner, executable=False, rent_epoch=0))

    def _owner_program(self, address: Pubkey) -> Pubkey:
        account = self.svm.get_account(address)
        if account is None:
            raise InvalidAddress(f"no account at {address}")
        return account.owner

    def create_lookup_table(self, authority: str, addresses: list[str]) -> str:
        """Create an active address lookup table holding ``addresses``; return its address.

        Layout (address-lookup-table program): LookupTableMeta of 56 bytes, then the addresses.
        """
        table = Keypair().pubkey()
        meta = (
            (1).to_bytes(4, "little")
            + (2**64 - 1).to_bytes(8, "little")
            + (0).to_bytes(8, "little")
            + b"\x00"
            + b"\x01"
            + bytes(pubkey(authority))
            + b"\x00\x00"
        )
        data = meta + b"".join(bytes(pubkey(a)) for a in addresses)
        self._put(table, data, Pubkey.from_string("AddressLookupTab1e1111111111111111111111111"))
        self.svm.warp_to_slot(max(self.svm.get_clock().slot, 0) + 2)
        return str(table)

    def expire_blockhash(self) -> None:
        """Move to a new blockhash (the old one stops being accepted)."""
        self.svm.expire_blockhash()

    def latest_blockhash(self) -> str:
        """Return the current blockhash (base58)."""
        return str(self.svm.latest_blockhash())

    def verify_claim(self, claim: Unverified) -> bool:
        """Return True if the chain confirms a claim a transaction rests on (lookup-table contents)."""
        from chains.solana.effects import lookup_table_holds

        account = self.svm.get_account(pubkey(claim.subject))
        if account is None:
            return False
        return lookup_table_holds(claim, str(account.owner), bytes(account.data))

    # --- ChainClient ------------------------------------------------------------------------

    def balance(self, address: str, token: str | None = None) -> int:
        """Return lamports, or the amount of ``token`` (a mint) in the owner's associated account."""
        owner = pubkey(address)
        if token is None:
            return int(self.svm.get_balance(owner) or 0)
        mint = pubkey(token)
        account = self.svm.get_account(programs.associated_token_address(owner, mint, self._owner_program(mint)))
        return int.from_bytes(bytes(account.data)[64:72], "little") if account is not None else 0

    def mint_decimals(self, mint: str) -> tuple[int, Pubkey]:
        """Return a mint's decimals and its token program."""
        account = self.svm.get_account(pubkey(mint))
        if account is None or account.owner not in programs.TOKEN_PROGRAMS or len(account.data) < MINT_SIZE:
            raise InvalidAddress(f"{mint} is not a token mint")
        return bytes(account.data)[44], account.owner

    def prepare_transfer(
        self, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        """Fill the blockhash (and a token's decimals and program); refuse a token-account recipient."""
        filled = dict(fields)
        filled.setdefault("recent_blockhash", self.latest_blockhash())
        recipient = self.svm.get_account(pubkey(to))
        if token is None:
            available = self.balance(account.address)
            if amount + 5_000 > available:
                raise InsufficientFunds(amount + 5_000, available, "lamports")
            return filled
        decimals, program = self.mint_decimals(token)
        if "decimals" in filled and filled["decimals"] != decimals:
            raise InvalidTransaction(f"the mint {token} has {decimals} decimals, not {filled['decimals']}")
        filled.setdefault("decimals", decimals)
        filled.setdefault("token_program", str(program))
        if (
            recipient is not None
            and recipient.owner in programs.TOKEN_PROGRAMS
            and not filled.get("allow_owner_off_curve")
        ):
            raise InvalidAddress(
                f"{to} is itself a token account; sending to it would create a token account of a token account "
                "(funds lost). Send to the wallet address that owns it."
            )
        held = self.balance(account.address, token)
        if amount > held:
            raise InsufficientFunds(amount, held, "token units")
        return filled

    def simulate_outflows(self, account: Account, signed: SignedTransaction) -> dict[str, int]:
        """Simulate ``signed`` and return what leaves ``account`` per asset: lamports (fees included) as
        ``"native"``, and token base units per mint from the token accounts the account owns.

        Raises:
            BroadcastRejected: the runtime would refuse the transaction.
        """
        tx = VersionedTransaction.from_bytes(signed.raw)
        result = self.svm.simulate_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            raise BroadcastRejected(f"the Solana runtime would refuse {signed.txid}: {result.err()}")
        owner = pubkey(account.address)
        out: dict[str, int] = {}
        for address, after in result.post_accounts():
            before = self.svm.get_account(address)
            if address == owner:
                lost = (before.lamports if before is not None else 0) - after.lamports
                out["native"] = out.get("native", 0) + max(lost, 0)
            elif after.owner in programs.TOKEN_PROGRAMS and bytes(after.data)[32:64] == bytes(owner):
                was = int.from_bytes(bytes(before.data)[64:72], "little") if before is not None else 0
                now = int.from_bytes(bytes(after.data)[64:72], "little")
                mint = str(Pubkey(bytes(after.data)[:32]))
                if was > now:
                    out[mint] = out.get(mint, 0) + was - now
        return out

    def broadcast(self, signed: SignedTransaction) -> str:
        """Execute the transaction; raise BroadcastRejected with the runtime's error if it failed."""
        tx = VersionedTransaction.from_bytes(signed.raw)
        result = self.svm.send_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            logs = "; ".join(result.meta().logs()[-3:])
            raise BroadcastRejected(f"Solana runtime refused {signed.txid}: {result.err()} ({logs})")
        self.results[signed.txid] = result
        return signed.txid

    def wait(self, txid: str, timeout: float = 60.0) -> object:
        """LiteSVM executes at once: return the transaction's metadata."""
        if txid not in self.results:
            raise BroadcastRejected(f"{txid} was not executed here")
        return self.results[txid]

    def fee_of(self, txid: str) -> int:
        """Return the fee charged for an executed transaction (lamports)."""
        if txid not in self.results:
            raise BroadcastRejected(f"{txid} was not executed here")
        return int(self.results[txid].fee())

    def __enter__(self) -> SolanaSvm:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.results.clear()
