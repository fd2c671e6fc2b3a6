"""Differential: random transactions of every type and random EIP-712 payloads sign to eth-account's bytes.

1,000 transactions per type (legacy/EIP-155, EIP-2930, EIP-1559) and 300 typed-data payloads.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.evm.address import checksum_encode
from chains.evm.messages import sign_hash
from chains.evm.transaction import EvmTransaction
from chains.evm.typed_data import encode as typed_digest

KEYS = st.integers(1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140).map(
    lambda k: k.to_bytes(32, "big")
)
U64 = st.integers(0, 2**64 - 1)
NONCES = st.integers(0, 2**64 - 2)  # EIP-2681: 2^64-1 is refused (eth-account signs it; tests/evm/test_bounds.py)
U256 = st.integers(0, 2**256 - 1)
ADDR = st.binary(min_size=20, max_size=20)
STORAGE = st.lists(st.tuples(ADDR, st.lists(st.binary(min_size=32, max_size=32), max_size=3)), max_size=3)


@settings(max_examples=1000, deadline=None)
@given(
    KEYS,
    st.sampled_from([0, 1, 2]),
    st.integers(1, 2**32),
    NONCES,
    st.integers(21000, 30_000_000),
    st.one_of(st.none(), ADDR),
    U256,
    st.binary(max_size=200),
    U64,
    U64,
    STORAGE,
)
def test_transactions_match_eth_account(
    key: bytes,
    tx_type: int,
    chain_id: int,
    nonce: int,
    gas: int,
    to: bytes | None,
    value: int,
    data: bytes,
    fee_a: int,
    fee_b: int,
    access: list[tuple[bytes, list[bytes]]],
) -> None:
    fields: dict[str, object] = {"nonce": nonce, "gas": gas, "value": value, "data": data, "chainId": chain_id}
    if to is not None:
        fields["to"] = checksum_encode(to)
    ours_fees: dict[str, object]
    if tx_type == 2:
        priority, max_fee = sorted((fee_a, fee_b))
        fields.update(type=2, maxFeePerGas=max_fee, maxPriorityFeePerGas=priority)
        ours_fees = {"max_fee_per_gas": max_fee, "max_priority_fee_per_gas": priority}
    else:
        fields["gasPrice"] = fee_a
        ours_fees = {"gas_price": fee_a}
        if tx_type == 1:
            fields["type"] = 1
    access_list = tuple((a, tuple(keys)) for a, keys in access) if tx_type else ()
    if tx_type:
        fields["accessList"] = [
            {"address": checksum_encode(a), "storageKeys": ["0x" + k.hex() for k in keys]} for a, keys in access_list
        ]
    tx = EvmTransaction(
        chain_id=chain_id,
        nonce=nonce,
        gas=gas,
        to=to,
        value=value,
        data=data,
        tx_type=tx_type,
        access_list=access_list,
        **ours_fees,  # type: ignore[arg-type]
    )
    ours = tx.sign(key, "eth")
    theirs = Account.sign_transaction(fields, key)
    assert ours.raw == bytes(theirs.raw_transaction)
    assert ours.txid == "0x" + theirs.hash.hex()


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@st.composite
def typed_data(draw: st.DrawFn) -> dict[str, object]:
    inner = {"who": draw(ADDR), "note": draw(st.text(max_size=30)), "amount": draw(U256)}
    items = draw(st.lists(st.fixed_dictionaries({"id": U64, "tag": st.binary(min_size=32, max_size=32)}), max_size=3))
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Party": [
                {"name": "who", "type": "address"},
                {"name": "note", "type": "string"},
                {"name": "amount", "type": "uint256"},
            ],
            "Item": [{"name": "id", "type": "uint64"}, {"name": "tag", "type": "bytes32"}],
            "Order": [
                {"name": "maker", "type": "Party"},
                {"name": "items", "type": "Item[]"},
                {"name": "memo", "type": "bytes"},
                {"name": "flag", "type": "bool"},
            ],
        },
        "primaryType": "Order",
        "domain": {
            "name": draw(_NAMES),
            "version": "1",
            "chainId": draw(st.integers(1, 10**6)),
            "verifyingContract": checksum_encode(draw(ADDR)),
        },
        "message": {
            "maker": {**inner, "who": checksum_encode(inner["who"])},  # type: ignore[arg-type]
            "items": [{"id": i["id"], "tag": "0x" + i["tag"].hex()} for i in items],  # type: ignore[union-attr]
            "memo": "0x" + draw(st.binary(max_size=40)).hex(),
            "flag": draw(st.booleans()),
        },
    }


@settings(max_examples=300, deadline=None)
@given(KEYS, typed_data())
def test_typed_data_matches_eth_account(key: bytes, data: dict[str, object]) -> None:
    theirs = Account.sign_message(encode_typed_data(full_message=data), key)
    ours = sign_hash(key, typed_digest(data))
    assert ours == bytes(theirs.signature)
