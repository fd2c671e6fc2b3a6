"""EIP-7702 authorizations, access lists and signed views pinned line by line (issue 19, the
``evm`` mutation group). Authorizations are checked against eth-account's, refusals by message.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from chains.evm.transaction import Authorization, EvmTransaction, parse_access_list, sign_authorization

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
DELEGATE = bytes.fromhex("fb6916095ca1df60bb79ce92ce3ea74c37c5d359")
ADDRESS = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
SLOT = bytes(31) + b"\x07"


@pytest.mark.parametrize(("chain_id", "nonce"), [(1, 4), (0, 0), (2**256 - 1, 2**64 - 2)])
def test_authorizations_are_eth_accounts(chain_id: int, nonce: int) -> None:
    ours = sign_authorization(KEY, chain_id, DELEGATE, nonce)
    theirs = EthAccount.sign_authorization({"chainId": chain_id, "address": ADDRESS, "nonce": nonce}, KEY)
    assert (ours.chain_id, ours.address, ours.nonce) == (chain_id, DELEGATE, nonce)
    assert (ours.y_parity, ours.r, ours.s) == (theirs.y_parity, theirs.r, theirs.s)


def test_authorization_refusals_name_the_rule() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"chain_id": -1}, "authorization chain_id must be from 0 to 2^256-1 (EIP-7702), got -1"),
        ({"chain_id": 2**256}, f"authorization chain_id must be from 0 to 2^256-1 (EIP-7702), got {2**256}"),
        (
            {"nonce": 2**64 - 1},
            f"authorization nonce must be from 0 to 2^64-2 (EIP-7702 skips a tuple at 2^64-1), got {2**64 - 1}",
        ),
        ({"address": bytearray(20)}, "an authorization's address is 20 bytes, got bytearray(b'" + "\\x00" * 20 + "')"),
        ({"address": DELEGATE[:19]}, f"an authorization's address is 20 bytes, got {DELEGATE[:19]!r}"),
    ]
    for change, message in cases:
        args = {"chain_id": 1, "address": DELEGATE, "nonce": 0, **change}
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            sign_authorization(KEY, **args)
        assert str(info.value) == message
        good = sign_authorization(KEY, 1, DELEGATE, 0)
        fields = {
            "chain_id": good.chain_id,
            "address": good.address,
            "nonce": good.nonce,
            "y_parity": good.y_parity,
            "r": good.r,
            "s": good.s,
            **change,
        }
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            Authorization(**fields)
        assert str(info.value) == message


def test_access_lists_in_every_accepted_form() -> None:
    expected = ((DELEGATE, (SLOT,)),)
    for form in (
        [{"address": ADDRESS, "storageKeys": ["0x" + SLOT.hex()]}],
        [{"address": ADDRESS, "storage_keys": [SLOT.hex()]}],
        [(ADDRESS, [SLOT])],
        [[ADDRESS, (bytearray(SLOT),)]],
        ((ADDRESS, ["0x" + SLOT.hex()]),),
    ):
        assert parse_access_list(form) == expected
    assert parse_access_list([{"address": ADDRESS}]) == ((DELEGATE, ()),)
    assert parse_access_list([]) == () and parse_access_list(None) == ()
    # storageKeys wins over storage_keys when both are given (web3's name first)
    assert parse_access_list([{"address": ADDRESS, "storageKeys": [], "storage_keys": [SLOT]}]) == ((DELEGATE, ()),)


def test_access_list_refusals_say_what_is_expected() -> None:
    cases: list[tuple[object, str]] = [
        (ADDRESS, "access_list is a list of {address, storageKeys} entries"),
        (b"\x01", "access_list is a list of {address, storageKeys} entries"),
        (5, "access_list is a list of {address, storageKeys} entries"),
        ([(ADDRESS, [], [])], "access_list entries are {address, storageKeys} or (address, keys)"),
        ([ADDRESS], "access_list entries are {address, storageKeys} or (address, keys)"),
        (["ab"], "access_list entries are {address, storageKeys} or (address, keys)"),  # a 2-item non-list
        (
            [{"address": DELEGATE, "storageKeys": []}],
            "an access list entry is an address (text) and a list of storage keys",
        ),
        (
            [{"address": ADDRESS, "storageKeys": "0x07"}],
            "an access list entry is an address (text) and a list of storage keys",
        ),
        ([(ADDRESS, [SLOT[:31]])], "an access list storage key is 32 bytes, got 31"),
        ([(ADDRESS, ["0x" + "00" * 33])], "an access list storage key is 32 bytes, got 33"),
        ([(ADDRESS, [7])], "an access list storage key is hex text or bytes, got int"),
        ([(ADDRESS, ["0xzz"])], "an access list storage key is 32 bytes of hex, got '0xzz'"),
        ([(ADDRESS, ["g" * 100])], f"an access list storage key is 32 bytes of hex, got {'g' * 80!r}"),
    ]
    for value, message in cases:
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            parse_access_list(value)
        assert str(info.value) == message


def test_a_signed_transaction_carries_its_views() -> None:
    tx = EvmTransaction(1, 0, 21_000, DELEGATE, 1, max_fee_per_gas=2, max_priority_fee_per_gas=1)
    signed = tx.sign(KEY, "eth")
    assert signed.chain == "eth" and signed.extra == {"tx": tx}
    with_extra = tx.sign(KEY, "bsc", {"from": "me"})
    assert with_extra.chain == "bsc" and with_extra.extra == {"tx": tx, "from": "me"}
    assert (
        with_extra.raw
        == signed.raw
        == bytes(
            EthAccount.sign_transaction(
                {
                    "chainId": 1,
                    "nonce": 0,
                    "gas": 21_000,
                    "to": ADDRESS,
                    "value": 1,
                    "maxFeePerGas": 2,
                    "maxPriorityFeePerGas": 1,
                    "data": "0x",
                },
                KEY,
            ).raw_transaction
        )
    )


def test_checked_keeps_the_access_list() -> None:
    access = ((DELEGATE, (SLOT,)),)
    tx = EvmTransaction.checked(1, 0, 30_000, DELEGATE, 0, b"", 1, 3, None, None, access, ())
    assert tx == EvmTransaction(1, 0, 30_000, DELEGATE, 0, b"", 1, 3, access_list=access)
    assert tx.sign(KEY, "eth").raw == bytes(
        EthAccount.sign_transaction(
            {
                "chainId": 1,
                "nonce": 0,
                "gas": 30_000,
                "to": ADDRESS,
                "value": 0,
                "gasPrice": 3,
                "data": "0x",
                "type": 1,
                "accessList": [{"address": ADDRESS, "storageKeys": ["0x" + SLOT.hex()]}],
            },
            KEY,
        ).raw_transaction
    )


def _dynamic(**changes: Any) -> EvmTransaction:
    fields: dict[str, Any] = {"chain_id": 1, "nonce": 0, "gas": 21_000, "to": DELEGATE, "value": 1}
    fields.update({"max_fee_per_gas": 2, "max_priority_fee_per_gas": 1}, **changes)
    return EvmTransaction(**fields)


def test_field_refusals_name_field_bound_and_rule() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"chain_id": 2**256}, f"chain_id must be from 0 to 2^256-1 (a 256-bit integer), got {2**256}"),
        ({"value": -1}, "value must be from 0 to 2^256-1 (a 256-bit integer), got -1"),
        ({"nonce": 2**64 - 1}, f"nonce must be from 0 to 2^64-2 (EIP-2681), got {2**64 - 1}"),
        ({"gas": 2**64}, f"gas must be from 0 to 2^64-1 (a 64-bit integer), got {2**64}"),
        ({"max_fee_per_gas": -1}, "max_fee_per_gas must be from 0 to 2^256-1 (EIP-1559), got -1"),
        ({"max_priority_fee_per_gas": -1}, "max_priority_fee_per_gas must be from 0 to 2^256-1 (EIP-1559), got -1"),
        ({"max_priority_fee_per_gas": 3}, "max_priority_fee_per_gas must not exceed max_fee_per_gas"),
        ({"data": "0x"}, "data must be bytes, got str"),
        ({"data": bytearray(2)}, "data must be bytes, got bytearray"),
        ({"to": bytearray(20)}, "to must be 20 bytes, got bytearray(b'" + "\\x00" * 20 + "')"),
        ({"to": DELEGATE[:19]}, f"to must be 20 bytes, got {DELEGATE[:19]!r}"),
        ({"tx_type": 4}, "an EIP-7702 transaction needs a destination and at least one authorization"),
        (
            {"tx_type": 0, "gas_price": 1, "access_list": ((DELEGATE, ()),)},
            "a legacy transaction cannot carry an access list; use tx_type=1",
        ),
        (
            {"authorization_list": (sign_authorization(KEY, 1, DELEGATE, 0),)},
            "only an EIP-7702 (type 4) transaction carries authorizations",
        ),
    ]
    for change, message in cases:
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            _dynamic(**change)
        assert str(info.value) == message


@pytest.mark.parametrize(("max_fee", "priority"), [(0, 0), (5, 0)])
def test_zero_fees_sign_as_eth_account_signs(max_fee: int, priority: int) -> None:
    tx = _dynamic(max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)
    theirs = EthAccount.sign_transaction(
        {
            "chainId": 1,
            "nonce": 0,
            "gas": 21_000,
            "to": ADDRESS,
            "value": 1,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": priority,
            "data": "0x",
        },
        KEY,
    )
    assert tx.sign(KEY, "eth").raw == bytes(theirs.raw_transaction)


# Nonces found by signing with KEY until the signature had the shape wanted (checked below from the
# raw bytes, with the rlp package): r starting 0x58 ('X') on a legacy transaction; r, then s, of
# 0x00 0x58 ... on a type 2 one. Such values must keep every byte after the leading zeros.
@pytest.mark.parametrize(
    ("tx_type", "nonce", "field", "prefix"),
    [(0, 105, -2, b"\x58"), (2, 58183, -2, b"\x00\x58"), (2, 487, -1, b"\x00\x58")],
)
def test_signatures_with_unusual_leading_bytes_sign_as_eth_account(
    tx_type: int, nonce: int, field: int, prefix: bytes
) -> None:
    import rlp as pyrlp

    fees: dict[str, Any] = {"gas_price": 1} if tx_type == 0 else {"max_fee_per_gas": 2, "max_priority_fee_per_gas": 1}
    tx = EvmTransaction(1, nonce, 21_000, DELEGATE, 1, tx_type=tx_type, **fees)
    raw = tx.sign(KEY, "eth").raw
    theirs: dict[str, Any] = {"chainId": 1, "nonce": nonce, "gas": 21_000, "to": ADDRESS, "value": 1, "data": "0x"}
    if tx_type == 0:
        theirs["gasPrice"] = 1
    else:
        theirs.update(maxFeePerGas=2, maxPriorityFeePerGas=1)
    assert raw == bytes(EthAccount.sign_transaction(theirs, KEY).raw_transaction)
    items = pyrlp.decode(raw if tx_type == 0 else raw[1:])
    assert items[field].rjust(32, b"\0").startswith(prefix)


# --- lists of a transaction built directly: EIP-2930 access lists, EIP-7702 authorizations --------

_SLOT = bytes(31) + b"\x07"


@pytest.mark.parametrize(
    ("access", "message"),
    [
        ("0x", "an access list is a tuple of (address, storage keys), got str"),
        ({"a": 1}, "an access list is a tuple of (address, storage keys), got dict"),
        ((("x",),), "an access list entry is (20-byte address, storage keys), got ('x',)"),
        (((DELEGATE, (), ()),), "an access list entry is (20-byte address, storage keys), got ("),
        ([b"\x01" * 40], "an access list entry is (20-byte address, storage keys), got b'"),
        (((DELEGATE.hex(), ()),), f"an access list address is 20 bytes (EIP-2930), got '{DELEGATE.hex()}'"),
        (((b"\x11" * 19, ()),), "an access list address is 20 bytes (EIP-2930), got b'" + "\\x11" * 19 + "'"),
        (((bytearray(20), ()),), "an access list address is 20 bytes (EIP-2930), got bytearray("),
        (((DELEGATE, (5,)),), "an access list's storage keys are 32-byte values (EIP-2930), got (5,)"),
        (((DELEGATE, _SLOT),), "an access list's storage keys are 32-byte values (EIP-2930), got b'"),
        (((DELEGATE, (_SLOT[1:],)),), "an access list's storage keys are 32-byte values (EIP-2930), got (b'"),
        (((DELEGATE, (_SLOT, bytearray(32))),), "an access list's storage keys are 32-byte values (EIP-2930), got (b'"),
    ],
)
def test_an_access_list_built_directly_is_checked_entry_by_entry(access: object, message: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        _dynamic(access_list=access)
    assert str(info.value).startswith(message)


def test_well_formed_access_lists_in_lists_or_tuples_are_kept() -> None:
    for access in ([(DELEGATE, [_SLOT])], ((DELEGATE, ()),), [[DELEGATE, (_SLOT, _SLOT)]], ()):
        assert _dynamic(access_list=access).access_list == access


@pytest.mark.parametrize(
    "authorizations",
    [
        ({"chain_id": 1, "address": DELEGATE, "nonce": 0, "y_parity": 0, "r": 1, "s": 1},),
        ((1, DELEGATE, 0, 0, 1, 1),),
        ("AUTH", None),
        "not a list",
        b"\x01",
    ],
)
def test_an_authorization_list_holds_authorization_values_only(authorizations: object) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        _dynamic(tx_type=4, authorization_list=authorizations)
    assert str(info.value) == "an authorization list holds Authorization values (from sign_authorization)"


def test_an_authorization_list_mixing_values_is_refused() -> None:
    auth = sign_authorization(bytes(31) + b"\x05", 1, DELEGATE, 0)
    assert _dynamic(tx_type=4, authorization_list=[auth]).authorization_list == [auth]
    for mixed in ((auth, None), [auth, (1, DELEGATE, 0, 0, 1, 1)]):
        with pytest.raises(wk.errors.InvalidTransaction) as info:
            _dynamic(tx_type=4, authorization_list=mixed)
        assert str(info.value) == "an authorization list holds Authorization values (from sign_authorization)"


def test_a_signed_evm_transaction_equals_any_signed_transaction_with_its_fields() -> None:
    """Equal by value, as a plain SignedTransaction is: in both orders, field by field."""
    import dataclasses

    from walletkit.chain import SignedTransaction

    account = wk.Account.from_private_key(
        "eth", "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    )
    signed = account.sign(
        account.transfer("0x" + DELEGATE.hex(), 1, nonce=0, gas=21_000, max_fee_per_gas=2, max_priority_fee_per_gas=1)
    )
    plain = SignedTransaction(signed.chain, signed.raw, signed.txid, dict(signed.extra))
    assert signed == plain and plain == signed and not signed != plain
    other = account.sign(
        account.transfer("0x" + DELEGATE.hex(), 2, nonce=0, gas=21_000, max_fee_per_gas=2, max_priority_fee_per_gas=1)
    )
    for changed in (
        dataclasses.replace(plain, chain="bsc"),
        dataclasses.replace(plain, raw=other.raw),
        dataclasses.replace(plain, txid=other.txid),
        dataclasses.replace(plain, extra={}),
        other,
    ):
        assert signed != changed and changed != signed
    assert signed != (signed.chain, signed.raw, signed.txid, signed.extra)
    assert signed.__eq__("eth") is NotImplemented
    with pytest.raises(TypeError):
        hash(signed)


def test_signed_list_lengths_around_256_bytes_match_eth_account() -> None:
    """The signed list's RLP header switches from one length byte to two at 256 bytes of payload
    (0xf8 nn, then 0xf9 nn nn): transactions whose payload is 250 to 262 bytes, each equal to
    eth-account's, and 255, 256 and 257 among them."""
    from eth_utils import to_checksum_address

    key = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    seen: set[int] = set()
    for size in range(150, 175):
        data = bytes([0xAB]) * size
        tx = _dynamic(data=data, gas=100_000)
        raw = tx.sign(bytes.fromhex(key[2:]), "eth").raw
        expected = EthAccount.sign_transaction(
            {
                "chainId": 1,
                "nonce": 0,
                "gas": 100_000,
                "to": to_checksum_address(DELEGATE),
                "value": 1,
                "data": data,
                "maxFeePerGas": 2,
                "maxPriorityFeePerGas": 1,
                "type": 2,
            },
            key,
        )
        assert raw == bytes(expected.raw_transaction)
        header = raw[1]  # after the type byte: 0xf8 + one length byte, or 0xf9 + two
        seen.add(raw[2] if header == 0xF8 else int.from_bytes(raw[2:4], "big"))
    assert {255, 256, 257} <= seen
