"""TRX, TRC-10 and TRC-20 transfers and Stake 2.0 operations from an account, offline.

The reference block (``ref_block_bytes``, ``ref_block_hash``) and times (``timestamp``,
``expiration``, milliseconds) are given as in raw_data; a client fills them from the
latest block otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chains.tron import contracts
from chains.tron.address import parse_address
from chains.tron.transaction import TronTransaction
from walletkit.chain import SignedTransaction
from walletkit.errors import InvalidAmount, InvalidInput, InvalidTransaction

if TYPE_CHECKING:
    from walletkit.account import Account

TRC20_TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
DEFAULT_FEE_LIMIT = 100_000_000  # 100 TRX of energy at most for a contract call
HEADER_FIELDS = ("ref_block_bytes", "ref_block_hash", "expiration", "timestamp", "fee_limit", "memo")


def trc20_transfer_data(to: bytes, amount: int) -> bytes:
    """Return calldata for a TRC-20 ``transfer(to, amount)`` (amount up to 2^256-1)."""
    if not 0 <= amount < 1 << 256:
        raise InvalidAmount(f"a TRC-20 amount is in 0..2^256-1, got {amount}")
    return TRC20_TRANSFER + bytes(12) + to[1:] + amount.to_bytes(32, "big")


def _header(fields: Mapping[str, object], default_fee_limit: int = 0) -> dict[str, object]:
    unknown = set(fields) - set(HEADER_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown TRON field(s) {', '.join(sorted(unknown))}; expected {', '.join(HEADER_FIELDS)}")
    missing = [name for name in ("ref_block_bytes", "ref_block_hash", "timestamp") if fields.get(name) is None]
    if missing:
        raise InvalidTransaction(
            f"{', '.join(missing)} required offline (from a recent block); connect a client to fill them"
        )
    header = dict(fields)
    header.setdefault("fee_limit", default_fee_limit)
    return header


def build(contract: contracts.Contract, fields: Mapping[str, object], default_fee_limit: int = 0) -> TronTransaction:
    """Wrap a contract in a transaction with the given header fields."""
    return TronTransaction.build(contract, **_header(fields, default_fee_limit))  # type: ignore[arg-type]


def build_transfer(
    account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
) -> TronTransaction:
    """Return an unsigned transfer: TRX (no token), TRC-10 (token = its numeric id) or TRC-20 (token = contract).

    ``41...``, ``0x...`` and ``T...`` forms of an address give identical bytes.

    Raises:
        InvalidAmount: a TRX or TRC-10 amount of 0 (java-tron refuses it).
        InvalidTransaction: TRX or a TRC-10 token sent to the account itself (java-tron refuses
            it), a TRC-10 id that names no token, or a bad header field.
        InvalidAddress: ``to`` or a TRC-20 contract that is not a TRON address.
    """
    owner = parse_address(account.address)
    recipient = parse_address(to)
    if token is None:
        return build(contracts.transfer(owner, recipient, amount), fields)
    if token.isascii() and token.isdigit() and len(token) <= 19:  # a TRC-10 id is an int64; a 41... address has 42
        asset_name = str(contracts.trc10_id(token)).encode("ascii")  # "0001002000" is token 1002000
        return build(contracts.transfer_asset(owner, recipient, asset_name, amount), fields)
    contract = parse_address(token)
    call = contracts.trigger_smart_contract(owner, contract, trc20_transfer_data(recipient, amount))
    return build(call, fields, DEFAULT_FEE_LIMIT)


def sign_transaction(account: Account, tx: object) -> SignedTransaction:
    """Sign a :class:`TronTransaction` whose owner is the account.

    Raises:
        InvalidTransaction: not a TRON transaction, or one owned by another address.
    """
    if not isinstance(tx, TronTransaction):
        raise InvalidTransaction(f"expected a TronTransaction (from account.transfer), got {type(tx).__name__}")
    owner = tx.contract.json_value.get("owner_address")
    if owner != parse_address(account.address).hex():
        raise InvalidTransaction(f"this transaction's owner is {owner}, not the account {account.address}")
    return tx.sign(account.signing_key())
