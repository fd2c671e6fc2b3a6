"""Building and signing EVM transfers from an account: native coin or ERC-20.

The chain id always comes from the account's chain and network; a ``chain_id`` field
that disagrees is refused before anything is signed (EIP-155 replay protection).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chains.evm import erc20
from chains.evm.address import parse_address
from chains.evm.transaction import (
    ACCESS_LIST,
    DYNAMIC_FEE,
    LEGACY,
    NONCE_MAX,
    SET_CODE,
    U64_MAX,
    U256_MAX,
    Authorization,
    EvmTransaction,
    check_uint,
    parse_access_list,
)
from walletkit.chain import SignedTransaction
from walletkit.errors import ChainMismatch, InvalidInput, InvalidTransaction

if TYPE_CHECKING:
    from chains.evm.protocol import EvmPlugin
    from walletkit.account import Account

NATIVE_GAS = 21_000
_KNOWN = frozenset(
    {
        "nonce",
        "gas",
        "gas_price",
        "max_fee_per_gas",
        "max_priority_fee_per_gas",
        "data",
        "access_list",
        "tx_type",
        "chain_id",
        "authorization_list",
        "approve",
        "allow_unlimited",
    }
)


# Upper bounds of the integer fields, with the rule each comes from.
_BOUNDS = {
    "nonce": (NONCE_MAX, "EIP-2681"),
    "gas": (U64_MAX, "a 64-bit integer"),
    "tx_type": (255, "EIP-2718"),
}
_U256 = (U256_MAX, "a 256-bit integer")


def _int_field(fields: Mapping[str, object], name: str) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    top, rule = _BOUNDS.get(name, _U256)
    return check_uint(name, value, top, rule)


def _data(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else value
        try:
            return bytes.fromhex(text)
        except ValueError as e:
            raise InvalidTransaction("data must be bytes or 0x-hex") from e
    raise InvalidTransaction(f"data must be bytes or 0x-hex, got {type(value).__name__}")


def build_transfer(
    plugin: EvmPlugin, account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
) -> EvmTransaction:
    """Return an unsigned transaction sending ``amount`` wei (or token units) to ``to``.

    Fields: ``nonce`` and either ``gas_price`` (legacy) or ``max_fee_per_gas`` and
    ``max_priority_fee_per_gas`` (EIP-1559) are required offline; a client fills them.
    ``gas`` defaults to 21,000 for a plain transfer. ``tx_type`` forces a type;
    ``approve=True`` with a token builds ``approve(to, amount)`` instead of a transfer
    (an unlimited approval, 2^256-1, also needs ``allow_unlimited=True``).

    Raises:
        InvalidAddress: a bad recipient or token address.
        ChainMismatch: a ``chain_id`` field other than the account's chain id.
        InvalidTransaction: a missing or inconsistent fee or nonce field, or an integer field out
            of its range (nonce 0..2^64-2 per EIP-2681, gas 0..2^64-1, fees 0..2^256-1).
    """
    if not _KNOWN.issuperset(fields):
        unknown = set(fields) - _KNOWN
        raise InvalidInput(
            f"unknown EVM transfer field(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(_KNOWN))}"
        )
    get = fields.get
    chain_id = plugin.evm.chain_ids[account.network]  # the account's network is one of the chain's
    if get("chain_id") is not None:
        given_chain_id = _int_field(fields, "chain_id")
        if given_chain_id != chain_id:
            raise ChainMismatch(
                f"chain id {given_chain_id} does not match {plugin.spec.name} {account.network} (chain id {chain_id})"
            )
    recipient = parse_address(to)
    data = get("data")
    data = b"" if data is None else _data(data)
    if token is not None:
        if data:
            raise InvalidTransaction("a token transfer builds its own data; do not pass data")
        token_address = parse_address(token)
        if get("approve"):
            if amount == erc20.MAX_UINT256 and not get("allow_unlimited"):
                raise InvalidTransaction("an unlimited approval (2^256-1) needs allow_unlimited=True")
            data = erc20.approve_data(recipient, amount)
        else:
            data = erc20.transfer_data(recipient, amount)
        destination, value = token_address, 0
    else:
        destination, value = recipient, amount
    # Integer fields are checked (type and bounds) by EvmTransaction; only their presence here.
    nonce, gas, gas_price = get("nonce"), get("gas"), get("gas_price")
    max_fee, max_priority = get("max_fee_per_gas"), get("max_priority_fee_per_gas")
    if nonce is None:
        raise InvalidTransaction("nonce is required offline; connect a client to fill it")
    if gas is None:
        if token is not None or data:
            raise InvalidTransaction("gas is required for a contract call offline; connect a client to estimate it")
        gas = NATIVE_GAS
    access = get("access_list")
    access_list = () if access is None else parse_access_list(access)
    authorizations = get("authorization_list") or ()
    tx_type = get("tx_type")
    if tx_type is None:
        if authorizations:
            tx_type = SET_CODE
        elif max_fee is not None or max_priority is not None:
            tx_type = DYNAMIC_FEE
            if gas_price is not None:  # not carried by a type 2 transaction, but a bad value is still refused
                _int_field(fields, "gas_price")
        elif gas_price is not None:
            tx_type = ACCESS_LIST if access_list else LEGACY
        else:
            raise InvalidTransaction(
                "fees are required offline: gas_price (legacy) or max_fee_per_gas and max_priority_fee_per_gas"
            )
    else:
        _int_field(fields, "tx_type")
    if not isinstance(authorizations, (list, tuple)) or (
        authorizations and not all(isinstance(a, Authorization) for a in authorizations)
    ):
        raise InvalidTransaction("authorization_list holds Authorization values (from sign_authorization)")
    return EvmTransaction.checked(
        chain_id,
        nonce,  # type: ignore[arg-type]
        gas,  # type: ignore[arg-type]
        destination,
        value,
        data,
        tx_type,  # type: ignore[arg-type]
        gas_price,  # type: ignore[arg-type]
        max_fee,  # type: ignore[arg-type]
        max_priority,  # type: ignore[arg-type]
        access_list,
        tuple(authorizations),
    )


def sign_transaction(plugin: EvmPlugin, account: Account, tx: object) -> SignedTransaction:
    """Sign an :class:`EvmTransaction` whose chain id is the account's.

    Raises:
        InvalidTransaction: not an EVM transaction.
        ChainMismatch: the transaction is for another chain id.
    """
    if not isinstance(tx, EvmTransaction):
        raise InvalidTransaction(f"expected an EvmTransaction (from account.transfer), got {type(tx).__name__}")
    network = account.network
    expected = plugin.evm.chain_ids[network]
    if tx.chain_id != expected:
        raise ChainMismatch(
            f"transaction chain id {tx.chain_id} does not match {plugin.spec.name} {network} (chain id {expected})"
        )
    return tx.signed_with_views(account.signing_key(), plugin.spec.name, {"tx": tx, "from": account.address})
