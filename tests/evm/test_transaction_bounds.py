"""EvmTransaction's field bounds and type rules, each at and past its edge (issue 19's surviving
EVM transaction mutants). Values at an edge are signed by walletkit and by eth-account, an
independent implementation, and must give the same bytes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_account import Account as EthAccount
from eth_utils import to_checksum_address

import walletkit as wk
from chains.evm.transaction import EvmTransaction, sign_authorization

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
TO = bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
U256 = 2**256 - 1
U64 = 2**64 - 1


def _tx(**changes: Any) -> EvmTransaction:
    fields: dict[str, Any] = {
        "chain_id": 1,
        "nonce": 0,
        "gas": 21_000,
        "to": TO,
        "value": 1,
        "max_fee_per_gas": 2,
        "max_priority_fee_per_gas": 1,
    }
    fields.update(changes)
    return EvmTransaction(**fields)


@pytest.mark.parametrize(
    ("field", "top", "shown"),
    [
        ("chain_id", U256, "2^256-1"),
        ("nonce", 2**64 - 2, "2^64-2"),
        ("gas", U64, "2^64-1"),
        ("value", U256, "2^256-1"),
    ],
)
def test_integer_fields_at_and_past_their_bound(field: str, top: int, shown: str) -> None:
    assert getattr(_tx(**{field: top}), field) == top
    assert getattr(_tx(**{field: 0}), field) == 0
    for bad in (top + 1, -1):
        with pytest.raises(
            wk.errors.InvalidTransaction, match=rf"^{field} must be from 0 to {re.escape(shown)} \(.*\), got {bad}$"
        ):
            _tx(**{field: bad})
    for wrong in (True, 1.0, "1"):
        with pytest.raises(
            wk.errors.InvalidTransaction, match=rf"^{field} must be an integer, got {type(wrong).__name__}"
        ):
            _tx(**{field: wrong})


@pytest.mark.parametrize("field", ["max_fee_per_gas", "max_priority_fee_per_gas"])
def test_fee_fields_at_and_past_2_256(field: str) -> None:
    _tx(max_fee_per_gas=U256, max_priority_fee_per_gas=U256)
    with pytest.raises(wk.errors.InvalidTransaction, match=rf"{field} must be from 0 to 2\^256-1"):
        _tx(**{"max_fee_per_gas": U256, "max_priority_fee_per_gas": U256, field: U256 + 1})
    with pytest.raises(wk.errors.InvalidTransaction, match=rf"{field} must be from 0 to 2\^256-1"):
        _tx(**{field: -1})


def test_gas_price_at_and_past_2_256() -> None:
    assert _tx(tx_type=0, gas_price=U256, max_fee_per_gas=None, max_priority_fee_per_gas=None).gas_price == U256
    with pytest.raises(wk.errors.InvalidTransaction, match=r"gas_price must be from 0 to 2\^256-1"):
        _tx(tx_type=0, gas_price=U256 + 1)
    with pytest.raises(wk.errors.InvalidTransaction, match="a type 1 transaction needs gas_price"):
        _tx(tx_type=1)


def test_priority_fee_may_not_exceed_max_fee() -> None:
    assert _tx(max_fee_per_gas=5, max_priority_fee_per_gas=5).max_priority_fee_per_gas == 5
    with pytest.raises(wk.errors.InvalidTransaction, match="max_priority_fee_per_gas must not exceed max_fee_per_gas"):
        _tx(max_fee_per_gas=5, max_priority_fee_per_gas=6)
    with pytest.raises(wk.errors.InvalidTransaction, match="needs max_fee_per_gas and max_priority_fee_per_gas"):
        _tx(max_priority_fee_per_gas=None)


def test_type_rules() -> None:
    access = ((TO, (bytes(32),)),)
    with pytest.raises(wk.errors.InvalidTransaction, match="legacy transaction cannot carry an access list"):
        _tx(tx_type=0, gas_price=1, access_list=access)
    assert _tx(tx_type=1, gas_price=1, access_list=access).access_list == access
    with pytest.raises(wk.errors.InvalidTransaction, match="at least one authorization"):
        _tx(tx_type=4)
    auth = sign_authorization(KEY, 1, TO, 0)
    with pytest.raises(wk.errors.InvalidTransaction, match="needs a destination"):
        _tx(tx_type=4, to=None, authorization_list=(auth,))
    assert _tx(tx_type=4, authorization_list=(auth,)).authorization_list == (auth,)
    with pytest.raises(wk.errors.InvalidTransaction, match="only an EIP-7702"):
        _tx(tx_type=2, authorization_list=(auth,))
    with pytest.raises(wk.errors.InvalidTransaction, match="tx_type must be one of 0, 1, 2, 4, got 3"):
        _tx(tx_type=3)


@pytest.mark.parametrize(
    "changes",
    [
        {"value": U256, "nonce": 2**64 - 2},
        {"gas": U64, "max_fee_per_gas": U256, "max_priority_fee_per_gas": U256},
        {"tx_type": 0, "gas_price": U256, "chain_id": 2**64},
        {"tx_type": 1, "gas_price": 7, "access_list": ((TO, (bytes(31) + b"\x01",)),)},
        {"value": 0, "to": None, "data": b"\x60\x00"},
    ],
)
def test_edge_values_sign_as_eth_account_signs(changes: dict[str, Any]) -> None:
    tx = _tx(**changes)
    ours = tx.sign(KEY, "eth").raw
    fields: dict[str, Any] = {
        "chainId": tx.chain_id,
        "nonce": tx.nonce,
        "gas": tx.gas,
        "to": to_checksum_address(tx.to) if tx.to is not None else "",
        "value": tx.value,
        "data": "0x" + tx.data.hex(),
    }
    if tx.tx_type in (0, 1):
        fields["gasPrice"] = tx.gas_price
    else:
        fields["maxFeePerGas"] = tx.max_fee_per_gas
        fields["maxPriorityFeePerGas"] = tx.max_priority_fee_per_gas
    if tx.tx_type == 1:
        fields["accessList"] = [
            {"address": to_checksum_address(a), "storageKeys": ["0x" + k.hex() for k in keys]}
            for a, keys in tx.access_list
        ]
        fields["type"] = 1
    if tx.to is None:
        del fields["to"]
    assert ours == bytes(EthAccount.sign_transaction(fields, KEY).raw_transaction)
