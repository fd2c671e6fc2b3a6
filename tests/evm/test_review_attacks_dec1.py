"""Review attacks of 2026-12-01 on EVM transactions built directly (a dApp backend's ``tx``).

docs/signer.md: ``signer.sign_transaction(account, tx)`` takes an ``EvmTransaction`` "built
directly". Its access list and authorization list were not checked when the value was built:

- an authorization list of plain dicts or tuples (a request's JSON) crashed the signer's
  decoder with an AttributeError, outside walletkit's error tree and the audit;
- an access list with text addresses recursed until RecursionError, a malformed entry raised
  ValueError, and a 19-byte address or an integer storage key was signed into bytes that no
  node decodes (EIP-2930: a 20-byte address and 32-byte storage keys).

Each is now refused with InvalidTransaction when the transaction is built (before any signer
sees it). Well-formed lists, tuples or lists, still sign as eth-account signs.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from chains.evm.transaction import EvmTransaction, sign_authorization

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TO_TEXT = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TO = bytes.fromhex(TO_TEXT[2:])
SLOT = bytes(31) + b"\x07"
AUTH = sign_authorization(bytes(31) + b"\x05", 1, TO, 0)


def _tx(**fields: Any) -> EvmTransaction:
    base: dict[str, Any] = {
        "chain_id": 1,
        "nonce": 0,
        "gas": 50_000,
        "to": TO,
        "max_fee_per_gas": 10**9,
        "max_priority_fee_per_gas": 1,
    }
    return EvmTransaction(**{**base, **fields})


BAD_AUTHORIZATIONS = [
    ({"chain_id": 1, "address": TO, "nonce": 0, "y_parity": 0, "r": 1, "s": 1},),
    ((1, TO, 0, 0, 1, 1),),
    (AUTH, None),
    "not a list",
]
BAD_ACCESS_LISTS = [
    ((TO_TEXT, ()),),  # text address: RecursionError before
    ({"address": TO_TEXT, "storageKeys": []},),  # web3's form belongs to parse_access_list
    (("x",),),  # ValueError before
    ((b"\x11" * 19, ()),),  # signed before
    ((TO, (5,)),),  # signed before
    ((TO, (SLOT[1:],)),),  # a 31-byte storage key
    ((TO, SLOT),),  # keys not in a list
    "not a list",
]


@pytest.mark.parametrize("authorizations", BAD_AUTHORIZATIONS, ids=range(len(BAD_AUTHORIZATIONS)))
def test_an_authorization_list_of_other_values_is_refused_when_built(authorizations: object) -> None:
    with pytest.raises(wk.errors.InvalidTransaction, match="authorization"):
        _tx(tx_type=4, authorization_list=authorizations)


@pytest.mark.parametrize("access", BAD_ACCESS_LISTS, ids=range(len(BAD_ACCESS_LISTS)))
def test_a_malformed_access_list_is_refused_when_built(access: object) -> None:
    with pytest.raises(wk.errors.InvalidTransaction, match="access list"):
        _tx(access_list=access)


def test_well_formed_lists_still_sign_as_eth_account_signs() -> None:
    access = [(TO, [SLOT]), (bytes(20), ())]  # lists are read as tuples are
    tx = _tx(access_list=access)
    expected = EthAccount.sign_transaction(
        {
            "chainId": 1,
            "nonce": 0,
            "gas": 50_000,
            "to": TO_TEXT,
            "value": 0,
            "data": b"",
            "maxFeePerGas": 10**9,
            "maxPriorityFeePerGas": 1,
            "accessList": [
                {"address": TO_TEXT, "storageKeys": ["0x" + SLOT.hex()]},
                {"address": "0x" + "00" * 20, "storageKeys": []},
            ],
            "type": 2,
        },
        KEY,
    )
    assert tx.sign(bytes.fromhex(KEY[2:]), "eth").raw == bytes(expected.raw_transaction)
    assert list(_tx(tx_type=4, authorization_list=[AUTH]).authorization_list) == [AUTH]


# --- a signed transaction whose txid is not the hash of its bytes -----------------------------------
#
# EvmSignedTransaction's txid is keccak256(raw) (computed when first read), but its constructor,
# dataclasses.replace and unpickling stored whatever txid they were given: replace(signed, raw=other)
# kept the old bytes' hash, and a tampered pickle or a hand-made value carried any text. A client's
# broadcast returns signed.txid, so a wrong one is what a caller then waits on and records.


def _signed() -> Any:
    account = wk.Account.from_private_key("eth", KEY)
    fees: dict[str, Any] = {"gas": 21_000, "max_fee_per_gas": 10**9, "max_priority_fee_per_gas": 1}
    return account.sign(account.transfer(TO_TEXT, 5, nonce=3, **fees)), account.sign(
        account.transfer(TO_TEXT, 6, nonce=3, **fees)
    )


def test_a_txid_that_is_not_the_hash_of_the_bytes_is_refused() -> None:
    import dataclasses
    import pickle

    from eth_utils.crypto import keccak

    from chains.evm.transaction import EvmSignedTransaction

    signed, other = _signed()
    expected = "0x" + keccak(signed.raw).hex()
    with pytest.raises(wk.errors.InvalidTransaction, match="is not keccak256 of its bytes"):
        EvmSignedTransaction("eth", signed.raw, "0x" + "00" * 32)
    with pytest.raises(wk.errors.InvalidTransaction, match="is not keccak256 of its bytes"):
        dataclasses.replace(signed, raw=other.raw)  # the old bytes' hash would have stayed
    tampered = pickle.dumps(signed).replace(expected[2:].encode(), ("0" * 64).encode())
    with pytest.raises(wk.errors.InvalidTransaction, match="is not keccak256 of its bytes"):
        pickle.loads(tampered)  # noqa: S301 (bytes made here)
    # The hash itself, in any letter case, is kept in its canonical form.
    same = EvmSignedTransaction("eth", signed.raw, expected.upper().replace("0X", "0x"))
    assert same.txid == expected == signed.txid
    assert dataclasses.replace(signed, raw=other.raw, txid=other.txid).txid == "0x" + keccak(other.raw).hex()
    assert pickle.loads(pickle.dumps(signed)).txid == expected  # noqa: S301 (bytes made here)
