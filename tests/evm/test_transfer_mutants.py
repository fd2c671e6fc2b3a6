"""EVM transfer building and signing pinned line by line (issue 19, the ``evm`` mutation group).

Every transaction built here is signed by walletkit and by eth-account (an independent
implementation) from the same fields, and the raw bytes must agree; ERC-20 call data is
encoded with eth-abi; refusals are pinned with their messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account as EthAccount
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

import walletkit as wk
from chains.evm.transaction import EvmTransaction, sign_authorization

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
FEES: dict[str, Any] = {"nonce": 3, "max_fee_per_gas": 30, "max_priority_fee_per_gas": 2}
SLOT = "0x" + "00" * 31 + "07"


@pytest.fixture(scope="module")
def eth() -> Any:
    return wk.Account.from_private_key("eth", KEY.hex())


def _theirs(tx: EvmTransaction) -> bytes:
    """eth-account's signature of the same fields (the expected bytes)."""
    fields: dict[str, Any] = {"chainId": tx.chain_id, "nonce": tx.nonce, "gas": tx.gas, "value": tx.value}
    fields["data"] = "0x" + tx.data.hex()
    if tx.to is not None:
        fields["to"] = to_checksum_address(tx.to)
    if tx.tx_type in (0, 1):
        fields["gasPrice"] = tx.gas_price
    else:
        fields["maxFeePerGas"] = tx.max_fee_per_gas
        fields["maxPriorityFeePerGas"] = tx.max_priority_fee_per_gas
    if tx.tx_type != 0:
        fields["type"] = tx.tx_type
        fields["accessList"] = [
            {"address": to_checksum_address(a), "storageKeys": ["0x" + k.hex() for k in keys]}
            for a, keys in tx.access_list
        ]
    if tx.tx_type == 4:
        fields["authorizationList"] = [
            {
                "chainId": a.chain_id,
                "address": to_checksum_address(a.address),
                "nonce": a.nonce,
                "yParity": a.y_parity,
                "r": a.r,
                "s": a.s,
            }
            for a in tx.authorization_list
        ]
    return bytes(EthAccount.sign_transaction(fields, KEY).raw_transaction)


def _call(signature: str, *args: Any) -> bytes:
    types = signature[signature.index("(") + 1 : -1].split(",")
    return function_signature_to_4byte_selector(signature) + abi_encode(types, list(args))


def test_a_native_transfer_defaults_to_21000_gas_and_signs_as_eth_account(eth: Any) -> None:
    tx = eth.transfer(TO, 10**18, **FEES)
    assert (tx.gas, tx.value, tx.to, tx.data, tx.tx_type) == (21_000, 10**18, bytes.fromhex(TO[2:]), b"", 2)
    signed = eth.sign(tx)
    assert signed.raw == _theirs(tx)
    assert signed.chain == "eth" and signed.extra == {"tx": tx, "from": eth.address}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x12\x34", b"\x12\x34"),
        (bytearray(b"\xab"), b"\xab"),
        ("0xabcd", b"\xab\xcd"),
        ("0XABCD", b"\xab\xcd"),
        ("abcd", b"\xab\xcd"),
        ("", b""),
        (None, b""),
    ],
)
def test_data_is_bytes_or_hex(eth: Any, data: object, expected: bytes) -> None:
    tx = eth.transfer(TO, 1, data=data, gas=50_000, **FEES)
    assert tx.data == expected and type(tx.data) is bytes
    assert eth.sign(tx).raw == _theirs(tx)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("0xzz", "data must be bytes or 0x-hex"),
        ("abc", "data must be bytes or 0x-hex"),
        (5, "data must be bytes or 0x-hex, got int"),
    ],
)
def test_bad_data_is_refused(eth: Any, data: object, message: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 1, data=data, gas=50_000, **FEES)
    assert str(info.value) == message


def test_a_contract_call_needs_gas_offline(eth: Any) -> None:
    message = "gas is required for a contract call offline; connect a client to estimate it"
    for fields in ({"data": "0x01"}, {}):
        token = None if fields else TOKEN
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            eth.transfer(TO, 1, token, **fields, **FEES)
        assert str(info.value) == message


def test_a_token_transfer_calls_the_token(eth: Any) -> None:
    tx = eth.transfer(TO, 12345, TOKEN, gas=60_000, **FEES)
    assert tx.to == bytes.fromhex(TOKEN[2:]) and tx.value == 0
    assert tx.data == _call("transfer(address,uint256)", TO, 12345)
    assert eth.sign(tx).raw == _theirs(tx)
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 1, TOKEN, gas=60_000, data="0x01", **FEES)
    assert str(info.value) == "a token transfer builds its own data; do not pass data"


def test_an_approval_calls_approve(eth: Any) -> None:
    tx = eth.transfer(TO, 500, TOKEN, gas=60_000, approve=True, **FEES)
    assert tx.to == bytes.fromhex(TOKEN[2:]) and tx.value == 0
    assert tx.data == _call("approve(address,uint256)", TO, 500)
    assert eth.sign(tx).raw == _theirs(tx)
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 2**256 - 1, TOKEN, gas=60_000, approve=True, **FEES)
    assert str(info.value) == "an unlimited approval (2^256-1) needs allow_unlimited=True"
    unlimited = eth.transfer(TO, 2**256 - 1, TOKEN, gas=60_000, approve=True, allow_unlimited=True, **FEES)
    assert unlimited.data == _call("approve(address,uint256)", TO, 2**256 - 1)
    # allow_unlimited alone does not make a transfer an approval
    plain = eth.transfer(TO, 7, TOKEN, gas=60_000, allow_unlimited=True, **FEES)
    assert plain.data == _call("transfer(address,uint256)", TO, 7)


def test_unknown_fields_are_named(eth: Any) -> None:
    with pytest.raises(wk.errors.InvalidInput) as info:
        eth.transfer(TO, 1, zzz=1, bogus=2, **FEES)
    assert str(info.value) == (
        "unknown EVM transfer field(s) bogus, zzz; expected access_list, allow_unlimited, approve, "
        "authorization_list, chain_id, data, gas, gas_price, max_fee_per_gas, max_priority_fee_per_gas, "
        "nonce, tx_type"
    )


def test_the_chain_id_field_must_be_the_accounts(eth: Any) -> None:
    assert eth.transfer(TO, 1, chain_id=1, **FEES).chain_id == 1
    with pytest.raises(wk.errors.ChainMismatch) as info:
        eth.transfer(TO, 1, chain_id=56, **FEES)
    assert str(info.value) == "chain id 56 does not match eth mainnet (chain id 1)"


def test_nonce_and_fees_are_required_offline(eth: Any) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 1, gas_price=1)
    assert str(info.value) == "nonce is required offline; connect a client to fill it"
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 1, nonce=0)
    assert str(info.value) == (
        "fees are required offline: gas_price (legacy) or max_fee_per_gas and max_priority_fee_per_gas"
    )
    for half in ({"max_fee_per_gas": 3}, {"max_priority_fee_per_gas": 1}):
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            eth.transfer(TO, 1, nonce=0, **half)
        assert str(info.value) == "a type 2 transaction needs max_fee_per_gas and max_priority_fee_per_gas"


def test_the_type_follows_the_fields(eth: Any) -> None:
    access = [{"address": TOKEN, "storageKeys": [SLOT]}]
    legacy = eth.transfer(TO, 1, nonce=0, gas_price=9)
    assert legacy.tx_type == 0 and legacy.gas_price == 9 and legacy.access_list == ()
    assert eth.sign(legacy).raw == _theirs(legacy)
    with_access = eth.transfer(TO, 1, nonce=0, gas_price=9, access_list=access)
    assert with_access.tx_type == 1
    assert with_access.access_list == ((bytes.fromhex(TOKEN[2:]), (bytes.fromhex(SLOT[2:]),)),)
    assert eth.sign(with_access).raw == _theirs(with_access)
    dynamic = eth.transfer(TO, 1, access_list=access, **FEES)
    assert dynamic.tx_type == 2 and dynamic.access_list == with_access.access_list
    assert eth.sign(dynamic).raw == _theirs(dynamic)
    forced = eth.transfer(TO, 1, nonce=0, gas_price=0, tx_type=1)
    assert forced.tx_type == 1 and forced.gas_price == 0
    assert eth.sign(forced).raw == _theirs(forced)


def test_a_gas_price_beside_eip1559_fees_is_still_checked(eth: Any) -> None:
    tx = eth.transfer(TO, 1, gas_price=5, **FEES)
    assert tx.tx_type == 2 and eth.sign(tx).raw == _theirs(tx)
    for bad, shown in ((-1, "-1"), (2**256, str(2**256))):
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            eth.transfer(TO, 1, gas_price=bad, **FEES)
        assert str(info.value) == f"gas_price must be from 0 to 2^256-1 (a 256-bit integer), got {shown}"


def test_tx_type_is_a_byte(eth: Any) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 1, tx_type=256, **FEES)
    assert str(info.value) == "tx_type must be from 0 to 255 (EIP-2718), got 256"
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.transfer(TO, 1, tx_type=3, **FEES)
    assert str(info.value) == "tx_type must be one of 0, 1, 2, 4, got 3"


def test_authorizations_make_a_type_4_transaction(eth: Any) -> None:
    auth = sign_authorization(KEY, 1, bytes.fromhex(TOKEN[2:]), 4)
    tx = eth.transfer(TO, 0, authorization_list=[auth], gas=80_000, **FEES)
    assert tx.tx_type == 4 and tx.authorization_list == (auth,)
    assert eth.sign(tx).raw == _theirs(tx)
    message = "authorization_list holds Authorization values (from sign_authorization)"
    for bad in ("0x05", [auth, "x"], {"a": auth}):
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            eth.transfer(TO, 0, authorization_list=bad, gas=80_000, **FEES)
        assert str(info.value) == message


def test_signing_refuses_other_transactions(eth: Any) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        eth.sign("0x02")
    assert str(info.value) == "expected an EvmTransaction (from account.transfer), got str"
    bsc = wk.Account.from_private_key("bsc", KEY.hex())
    with pytest.raises(wk.errors.ChainMismatch) as mismatch:
        eth.sign(bsc.transfer(TO, 1, **FEES))
    assert str(mismatch.value) == "transaction chain id 56 does not match eth mainnet (chain id 1)"
