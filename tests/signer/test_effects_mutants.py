"""The effects decoders pinned line by line (issue 19: the ``effects`` mutation group).

Every expected value comes from outside walletkit: calldata from eth-abi, EIP-7702 authorities
from eth-account, Solana messages from solders, TRON contract parameters as protobuf bytes
written out by hand, Bitcoin scripts and addresses from embit, and fees computed by hand in
the test from the spec's formula.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import struct

import pytest
from embit import bech32 as embit_bech32
from embit import bip32 as embit_bip32
from embit import bip39 as embit_bip39
from embit import psbt as embit_psbt
from embit import script as embit_script
from embit import transaction as embit_transaction
from embit.base58 import encode_check as embit_base58_check
from eth_abi import encode as abi_encode
from eth_account import Account as EthAccount
from eth_utils import keccak, to_checksum_address
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import (
    AdvanceNonceAccountParams,
    AssignParams,
    AuthorizeNonceAccountParams,
    CreateAccountParams,
    CreateAccountWithSeedParams,
    InitializeNonceAccountParams,
    TransferParams,
    TransferWithSeedParams,
    WithdrawNonceAccountParams,
    advance_nonce_account,
    assign,
    authorize_nonce_account,
    create_account,
    create_account_with_seed,
    initialize_nonce_account,
    transfer_with_seed,
    withdraw_nonce_account,
)
from solders.system_program import transfer as sol_transfer

import walletkit as wk
from chains.bitcoin.effects import address_of_script
from chains.bitcoin.effects import effects as btc_effects
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.transfer import BitcoinTransfer
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from chains.evm.effects import effects as evm_effects
from chains.evm.effects import fee_bound as evm_fee_bound
from chains.evm.transaction import Authorization, EvmTransaction
from chains.solana.effects import effects as sol_effects
from chains.solana.effects import lookup_table_holds
from chains.solana.transfer import SolanaTransfer
from chains.tron.contracts import Contract
from chains.tron.effects import effects as tron_effects
from chains.tron.transaction import TronTransaction
from walletkit.effects import (
    NATIVE,
    Approval,
    AuthorityChange,
    ContractCall,
    DataCarrier,
    FeeBound,
    Transfer,
    TypedDataSignature,
    Unverified,
    describe,
    outflows,
)
from walletkit.effects_abi import decode_call
from walletkit.errors import InvalidTransaction

MAX = (1 << 256) - 1
U64 = (1 << 64) - 1
OWNER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
TO = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
OTHER = "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"


def _sel(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _call(signature: str, types: list[str], values: list[object]) -> bytes:
    return _sel(signature) + abi_encode(types, values)


def _render(raw: bytes) -> str:
    return to_checksum_address(raw)


def _decode(data: bytes, value: int = 0, owner: str = OWNER) -> list[object]:
    return list(decode_call(TOKEN, data, value, bytes.fromhex(owner[2:]), _render))


# --- walletkit.effects ---------------------------------------------------------------------------


def test_describe_flattens_every_field_to_text() -> None:
    assert describe(Transfer("native", TO, 5)) == {
        "effect": "transfer",
        "asset": "native",
        "to": TO,
        "amount": "5",
        "token_id": "",
        "source": "",
    }
    assert describe(Approval(TOKEN, TO, None, True, 7, 9)) == {
        "effect": "approval",
        "asset": TOKEN,
        "spender": TO,
        "amount": "",
        "all_tokens": "True",
        "token_id": "7",
        "deadline": "9",
    }
    assert describe(ContractCall(TOKEN, "a0712d68", 3, "x")) == {
        "effect": "call",
        "contract": TOKEN,
        "selector": "a0712d68",
        "value": "3",
        "detail": "x",
    }
    assert describe(AuthorityChange("nonce_authority", "a", None)) == {
        "effect": "authority",
        "kind": "nonce_authority",
        "target": "a",
        "new_authority": "",
    }
    assert describe(DataCarrier("memo", 4)) == {"effect": "data", "kind": "memo", "size": "4"}
    assert describe(FeeBound(21_000, "type 2")) == {"effect": "fee", "amount": "21000", "detail": "type 2"}
    assert describe(Unverified("lookup_table", "T", ("0=a", "1=b"))) == {
        "effect": "unverified",
        "kind": "lookup_table",
        "subject": "T",
        "claim": "0=a,1=b",
    }
    assert describe(TypedDataSignature(None, "Permit", 1))["effect"] == "typed_data"
    assert describe(TypedDataSignature(None, "Permit", 1))["contract"] == ""


def test_outflows_counts_transfers_call_values_and_fees() -> None:
    effects = [
        Transfer("native", "a", 5),
        Transfer(TOKEN, "a", 7),
        Transfer(TOKEN, "b", 1),
        ContractCall("c", None, 11),
        ContractCall("c", None, 0),
        FeeBound(2),
        Approval(TOKEN, "s", 100),
        DataCarrier("memo", 3),
    ]
    assert outflows(effects) == {"native": 5 + 11 + 2, TOKEN: 8}
    assert outflows([ContractCall("c", None, 0)]) == {}
    assert outflows([ContractCall("c", None, 4)]) == {"native": 4}
    assert outflows([ContractCall("c", None, 4), Transfer("native", "a", 1)]) == {"native": 5}
    assert outflows([FeeBound(3), ContractCall("c", None, 4)]) == {"native": 7}


# --- walletkit.effects_abi -----------------------------------------------------------------------


def test_erc20_transfer_and_approvals() -> None:
    assert _decode(_call("transfer(address,uint256)", ["address", "uint256"], [TO, 5])) == [Transfer(TOKEN, TO, 5)]
    assert _decode(_call("approve(address,uint256)", ["address", "uint256"], [TO, 5])) == [Approval(TOKEN, TO, 5)]
    assert _decode(_call("approve(address,uint256)", ["address", "uint256"], [TO, MAX])) == [Approval(TOKEN, TO, None)]
    assert _decode(_call("approve(address,uint256)", ["address", "uint256"], [TO, MAX - 1])) == [
        Approval(TOKEN, TO, MAX - 1)
    ]
    assert _decode(_call("increaseAllowance(address,uint256)", ["address", "uint256"], [TO, 9])) == [
        Approval(TOKEN, TO, 9)
    ]
    assert _decode(_call("increaseAllowance(address,uint256)", ["address", "uint256"], [TO, MAX])) == [
        Approval(TOKEN, TO, None)
    ]


def test_value_on_a_decoded_call_is_a_native_transfer_to_the_contract() -> None:
    data = _call("transfer(address,uint256)", ["address", "uint256"], [TO, 5])
    assert _decode(data, value=3) == [Transfer(TOKEN, TO, 5), Transfer("native", TOKEN, 3)]


def test_trailing_bytes_are_ignored_as_solidity_does() -> None:
    data = _call("transfer(address,uint256)", ["address", "uint256"], [TO, 5]) + b"\x01" * 7
    assert _decode(data) == [Transfer(TOKEN, TO, 5)]
    data = _call("transferFrom(address,address,uint256)", ["address", "address", "uint256"], [OTHER, TO, 4]) + b"x"
    assert _decode(data) == [Transfer(TOKEN, TO, 4, source=OTHER)]


@pytest.mark.parametrize(
    "signature",
    ["transfer(address,uint256)", "approve(address,uint256)", "increaseAllowance(address,uint256)"],
)
def test_short_or_dirty_two_word_calls_are_not_decoded(signature: str) -> None:
    full = _call(signature, ["address", "uint256"], [TO, 5])
    selector = full[:4].hex()
    short = full[:-1]  # 63 bytes of arguments
    assert _decode(short) == [ContractCall(TOKEN, selector, 0)]
    assert _decode(short, value=2) == [ContractCall(TOKEN, selector, 2)]
    dirty = full[:4] + b"\x01" + full[5:]  # a high byte of the address word set
    assert _decode(dirty) == [ContractCall(TOKEN, selector, 0)]
    dirty = full[:4] + bytes(11) + b"\x01" + full[16:]  # the last of the 12 high bytes set
    assert _decode(dirty) == [ContractCall(TOKEN, selector, 0)]


def test_transfer_from_own_or_someone_elses_holdings() -> None:
    types = ["address", "address", "uint256"]
    mine = _call("transferFrom(address,address,uint256)", types, [OWNER, TO, 4])
    assert _decode(mine) == [Transfer(TOKEN, TO, 4)]
    theirs = _call("transferFrom(address,address,uint256)", types, [OTHER, TO, 4])
    assert _decode(theirs) == [Transfer(TOKEN, TO, 4, source=OTHER)]
    nft = _call("safeTransferFrom(address,address,uint256)", types, [OWNER, TO, 77])
    assert _decode(nft) == [Transfer(TOKEN, TO, 1, token_id=77)]
    nft = _call("safeTransferFrom(address,address,uint256)", types, [OTHER, TO, 77])
    assert _decode(nft) == [Transfer(TOKEN, TO, 1, token_id=77, source=OTHER)]
    for signature in ("transferFrom(address,address,uint256)", "safeTransferFrom(address,address,uint256)"):
        full = _call(signature, types, [OTHER, TO, 4])
        sel = full[:4].hex()
        assert _decode(full[:-1]) == [ContractCall(TOKEN, sel, 0)]
        assert _decode(full[:4] + b"\x01" + full[5:]) == [ContractCall(TOKEN, sel, 0)]  # dirty source
        assert _decode(full[:36] + b"\x01" + full[37:]) == [ContractCall(TOKEN, sel, 0)]  # dirty recipient


def test_erc721_safe_transfer_with_data() -> None:
    types = ["address", "address", "uint256", "bytes"]
    data = _call("safeTransferFrom(address,address,uint256,bytes)", types, [OWNER, TO, 12, b"hi"])
    assert _decode(data) == [Transfer(TOKEN, TO, 1, token_id=12)]
    data = _call("safeTransferFrom(address,address,uint256,bytes)", types, [OTHER, TO, 12, b""])
    assert _decode(data) == [Transfer(TOKEN, TO, 1, token_id=12, source=OTHER)]
    assert _decode(data + b"\x00" * 3) == [Transfer(TOKEN, TO, 1, token_id=12, source=OTHER)]
    # A non-canonical offset (the bytes placed one word further on) is not decoded.
    head = abi_encode(["address", "address", "uint256"], [OTHER, TO, 12])
    odd = data[:4] + head + (160).to_bytes(32, "big") + bytes(32) + (0).to_bytes(32, "big")
    assert _decode(odd) == [ContractCall(TOKEN, data[:4].hex(), 0)]
    assert _decode(data[:40]) == [ContractCall(TOKEN, data[:4].hex(), 0)]


def test_erc1155_single_and_batch() -> None:
    types = ["address", "address", "uint256", "uint256", "bytes"]
    data = _call("safeTransferFrom(address,address,uint256,uint256,bytes)", types, [OWNER, TO, 3, 40, b""])
    assert _decode(data) == [Transfer(TOKEN, TO, 40, token_id=3)]
    data = _call("safeTransferFrom(address,address,uint256,uint256,bytes)", types, [OTHER, TO, 3, 40, b"z"])
    assert _decode(data) == [Transfer(TOKEN, TO, 40, token_id=3, source=OTHER)]
    assert _decode(data[:100]) == [ContractCall(TOKEN, data[:4].hex(), 0)]
    batch = ["address", "address", "uint256[]", "uint256[]", "bytes"]
    sig = "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)"
    data = _call(sig, batch, [OTHER, TO, [1, 2], [10, 20], b""])
    assert _decode(data) == [
        Transfer(TOKEN, TO, 10, token_id=1, source=OTHER),
        Transfer(TOKEN, TO, 20, token_id=2, source=OTHER),
    ]
    data = _call(sig, batch, [OWNER, TO, [5], [6], b""])
    assert _decode(data, value=1) == [Transfer(TOKEN, TO, 6, token_id=5), Transfer("native", TOKEN, 1)]
    uneven = _call(sig, batch, [OWNER, TO, [1, 2], [10], b""])
    assert _decode(uneven) == [ContractCall(TOKEN, uneven[:4].hex(), 0)]
    empty = _call(sig, batch, [OWNER, TO, [], [], b""])
    assert _decode(empty, value=9) == [ContractCall(TOKEN, empty[:4].hex(), 9)]
    assert _decode(data[:68]) == [ContractCall(TOKEN, data[:4].hex(), 0)]


def test_set_approval_for_all() -> None:
    sig = "setApprovalForAll(address,bool)"
    assert _decode(_call(sig, ["address", "bool"], [TO, True])) == [Approval(TOKEN, TO, None, all_tokens=True)]
    assert _decode(_call(sig, ["address", "bool"], [TO, False])) == [Approval(TOKEN, TO, 0, all_tokens=True)]
    full = _call(sig, ["address", "bool"], [TO, True])
    assert _decode(full[:-1]) == [ContractCall(TOKEN, full[:4].hex(), 0)]
    two = full[:-1] + b"\x02"  # a boolean word of 2 is not a canonical bool
    assert _decode(two) == [ContractCall(TOKEN, full[:4].hex(), 0)]
    dirty = full[:4] + b"\x01" + full[5:]
    assert _decode(dirty) == [ContractCall(TOKEN, full[:4].hex(), 0)]


def test_unknown_and_empty_calls_stay_undecoded() -> None:
    assert _decode(bytes.fromhex("a0712d68") + bytes(32), value=4) == [ContractCall(TOKEN, "a0712d68", 4)]
    assert _decode(b"") == [ContractCall(TOKEN, None, 0)]


# --- chains.evm.effects --------------------------------------------------------------------------


def _tx(**fields: object) -> EvmTransaction:
    base: dict[str, object] = {"chain_id": 1, "nonce": 0, "gas": 21_000, "to": bytes.fromhex(TO[2:])}
    base.update(fields)
    return EvmTransaction(**base)  # type: ignore[arg-type]


def test_evm_fee_bound_is_what_the_type_pays() -> None:
    assert evm_fee_bound(_tx(tx_type=0, gas_price=7, max_fee_per_gas=None)) == 21_000 * 7
    assert evm_fee_bound(_tx(tx_type=1, gas_price=9)) == 21_000 * 9
    assert evm_fee_bound(_tx(tx_type=0, gas_price=0)) == 0  # a zero price pays nothing (some chains allow it)
    two = _tx(tx_type=2, max_fee_per_gas=11, max_priority_fee_per_gas=1)
    assert evm_fee_bound(two) == 21_000 * 11


def test_evm_native_create_and_call_effects() -> None:
    tx = _tx(tx_type=2, value=5, max_fee_per_gas=10, max_priority_fee_per_gas=1)
    assert evm_effects(OWNER, tx) == [Transfer("native", TO, 5), FeeBound(210_000, "type 2")]
    create = _tx(tx_type=0, gas_price=2, to=None, value=3, data=b"\x60\x00")
    assert evm_effects(OWNER, create) == [
        ContractCall("create", None, 3, "2 bytes of init code"),
        FeeBound(42_000, "type 0"),
    ]
    data = _call("transferFrom(address,address,uint256)", ["address", "address", "uint256"], [OWNER, TO, 4])
    call = _tx(tx_type=0, gas_price=1, to=bytes.fromhex(TOKEN[2:]), data=data)
    assert evm_effects(OWNER, call) == [Transfer(TOKEN, TO, 4), FeeBound(21_000, "type 0")]
    assert evm_effects(OTHER, call)[0] == Transfer(TOKEN, TO, 4, source=OWNER)
    with pytest.raises(InvalidTransaction, match=r"^expected an EvmTransaction, got str$"):
        evm_effects(OWNER, "0x")


DELEGATE = "0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B"


@pytest.mark.parametrize(("chain_id", "kind"), [(1, "eip7702_delegation"), (0, "eip7702_delegation_any_chain")])
def test_evm_authorizations_name_the_recovered_authority(chain_id: int, kind: str) -> None:
    key = "0x" + "42" * 32
    signed = EthAccount.sign_authorization({"chainId": chain_id, "address": DELEGATE, "nonce": 3}, key)
    authority = EthAccount.from_key(key).address
    auth = Authorization(chain_id, bytes.fromhex(DELEGATE[2:]), 3, signed.y_parity, signed.r, signed.s)
    tx = _tx(tx_type=4, gas=80_000, max_fee_per_gas=2, max_priority_fee_per_gas=1, authorization_list=(auth,))
    assert evm_effects(OWNER, tx) == [
        Transfer("native", TO, 0),
        AuthorityChange(kind, authority, DELEGATE),
        FeeBound(160_000, "type 4"),
    ]


def test_an_unrecoverable_authorization_is_named_so() -> None:
    # r = 5 is no x coordinate on secp256k1 (5^3 + 7 = 132 is not a square mod p, by Euler's
    # criterion: 132^((p-1)/2) = -1 mod p), so no public key is recovered from it.
    p = 2**256 - 2**32 - 977
    assert pow(5**3 + 7, (p - 1) // 2, p) == p - 1
    auth = Authorization(1, bytes.fromhex(DELEGATE[2:]), 3, 0, 5, 1)
    tx = _tx(tx_type=4, gas=80_000, max_fee_per_gas=2, max_priority_fee_per_gas=1, authorization_list=(auth,))
    assert evm_effects(OWNER, tx)[1] == AuthorityChange("eip7702_delegation", "unrecoverable", DELEGATE)


def test_an_authorization_list_the_constructor_never_saw_is_refused_by_type() -> None:
    """The constructor refuses a non-Authorization entry; a value built around it (object.__new__,
    as a pickle does) is refused by the decoder with a typed error too, also under ``python -O``."""
    auth = Authorization(1, bytes.fromhex(DELEGATE[2:]), 3, 0, 5, 1)
    tx = _tx(tx_type=4, gas=80_000, max_fee_per_gas=2, max_priority_fee_per_gas=1, authorization_list=(auth,))
    forged = copy.copy(tx)
    object.__setattr__(forged, "authorization_list", ({"chainId": 1},))
    with pytest.raises(InvalidTransaction, match=r"^authorization_list holds Authorization values, got dict$"):
        evm_effects(OWNER, forged)


# --- chains.tron.effects: contract parameters as protobuf bytes written out here -----------------


def _varint(n: int) -> bytes:
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        out += bytes([low | (0x80 if n else 0)])
        if not n:
            return out


def _len(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _num(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _b58(raw21: bytes) -> str:
    return embit_base58_check(raw21)


OWNER21 = bytes.fromhex("41" + "11" * 20)
TO21 = bytes.fromhex("41" + "22" * 20)
USDT21 = bytes.fromhex("41a614f803b6fd780986a42c78ec9c7f77e6ded13c")
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TRON_NAMES = {
    0: "AccountCreateContract",
    1: "TransferContract",
    2: "TransferAssetContract",
    5: "WitnessCreateContract",
    6: "AssetIssueContract",
    30: "CreateSmartContract",
    31: "TriggerSmartContract",
    41: "ExchangeCreateContract",
    46: "AccountPermissionUpdateContract",
    54: "FreezeBalanceV2Contract",
    32: "GetContract",
}


def _tron(
    type_number: int, parameter: bytes, *, name: str | None = None, fee_limit: int = 0, memo: bytes = b""
) -> TronTransaction:
    contract = Contract(type_number, name or TRON_NAMES[type_number], parameter, {})
    return TronTransaction(contract, b"\x0a\x0b", bytes(8), 1_700_000_060_000, 1_700_000_000_000, fee_limit, memo)


def _tron_fee(tx: TronTransaction, extra: int) -> int:
    """java-tron's bandwidth: Transaction{raw_data = 1 (tag, length, bytes), signature = 2 (tag 0x12,
    length 0x41, 65 bytes)} plus the 64-byte result, at 1,000 sun a byte; plus fee_limit and ``extra``."""
    raw = len(tx.raw_data())
    return tx.fee_limit + (1 + len(_varint(raw)) + raw + 2 + 65 + 64) * 1_000 + extra


def test_tron_transfer_contract() -> None:
    owner, to = _b58(OWNER21), _b58(TO21)
    tx = _tron(1, _len(1, OWNER21) + _len(2, TO21) + _num(3, 5_000_000))
    assert 128 <= len(tx.raw_data()) < 256  # two length bytes
    assert tron_effects(owner, tx) == [
        Transfer(NATIVE, to, 5_000_000),
        FeeBound(_tron_fee(tx, 1_100_000), "TransferContract"),
    ]
    # Signed by someone else's account: the owner's coins move (a multi-signature permission).
    assert tron_effects(to, tx)[0] == Transfer(NATIVE, to, 5_000_000, source=owner)
    # No amount field: proto3's default 0.
    tx = _tron(1, _len(1, OWNER21) + _len(2, TO21))
    assert tron_effects(owner, tx)[0] == Transfer(NATIVE, to, 0)


def test_tron_fee_bound_counts_a_long_raw_data_memo_and_fee_limit() -> None:
    owner = _b58(OWNER21)
    tx = _tron(1, _len(1, OWNER21) + _len(2, TO21) + _num(3, 1), fee_limit=7, memo=b"m" * 100)
    raw = len(tx.raw_data())
    assert 128 <= raw < 16384  # two length bytes
    expected = 7 + (1 + 2 + raw + 2 + 65 + 64) * 1_000 + 1_000_000 + 1_100_000
    assert tron_effects(owner, tx)[-1] == FeeBound(expected, "TransferContract")


def test_tron_trc10_transfer() -> None:
    owner, to = _b58(OWNER21), _b58(TO21)
    tx = _tron(2, _len(1, b"1002000") + _len(2, OWNER21) + _len(3, TO21) + _num(4, 9))
    assert tron_effects(owner, tx) == [
        Transfer("1002000", to, 9),
        FeeBound(_tron_fee(tx, 1_100_000), "TransferAssetContract"),
    ]
    assert tron_effects(to, tx)[0] == Transfer("1002000", to, 9, source=owner)
    leading = _tron(2, _len(1, b"0001002000") + _len(2, OWNER21) + _len(3, TO21) + _num(4, 9))
    assert tron_effects(owner, leading)[0] == Transfer("1002000", to, 9)
    longest = _tron(2, _len(1, b"9" * 19) + _len(2, OWNER21) + _len(3, TO21) + _num(4, 9))
    assert tron_effects(owner, longest)[0].asset == "9" * 19  # type: ignore[union-attr]
    for name, shown in [
        (b"9" * 20, "9" * 20),
        (b"USDT", "USDT"),
        (b"", ""),
        (b"12a", "12a"),
        (b"\xff1002000", "\ufffd1002000"),  # not ASCII: shown with the replacement character
        (b"A" * 50, "A" * 40),  # shown cut to 40 characters
    ]:
        bad = _tron(2, _len(1, name) + _len(2, OWNER21) + _len(3, TO21) + _num(4, 9))
        message = f"a TRC-10 asset is named by its numeric id, got {shown!r}"
        with pytest.raises(InvalidTransaction, match=f"^{re.escape(message)}$"):
            tron_effects(owner, bad)


def _trigger(
    calldata: bytes, call_value: int = 0, token_value: int = 0, token_id: int = 0, owner: bytes = OWNER21
) -> bytes:
    out = _len(1, owner) + _len(2, USDT21)
    if call_value:
        out += _num(3, call_value)
    if calldata:
        out += _len(4, calldata)
    if token_value:
        out += _num(5, token_value)
    if token_id:
        out += _num(6, token_id)
    return out


def test_tron_trigger_smart_contract() -> None:
    owner, to = _b58(OWNER21), _b58(TO21)
    calldata = _call("transfer(address,uint256)", ["address", "uint256"], ["0x" + "22" * 20, 8])
    tx = _tron(31, _trigger(calldata), fee_limit=30_000_000)
    assert tron_effects(owner, tx) == [
        Transfer(USDT_TRON, to, 8),
        FeeBound(_tron_fee(tx, 0), "TriggerSmartContract"),
    ]
    tx = _tron(31, _trigger(calldata, call_value=4, token_value=6, token_id=1_000_001))
    assert tron_effects(owner, tx)[:3] == [
        Transfer(USDT_TRON, to, 8),
        Transfer(NATIVE, USDT_TRON, 4),
        Transfer("1000001", USDT_TRON, 6),
    ]
    # Signed for another owner: the transfers move the owner's tokens; approvals stay as they are.
    assert tron_effects(to, tx)[:2] == [
        Transfer(USDT_TRON, to, 8, source=owner),
        Transfer(NATIVE, USDT_TRON, 4, source=owner),
    ]
    approve = _call("approve(address,uint256)", ["address", "uint256"], ["0x" + "22" * 20, 3])
    assert tron_effects(to, _tron(31, _trigger(approve)))[0] == Approval(USDT_TRON, to, 3)
    # transferFrom of the owner's own tokens has no source; of a third party's, that party.
    theirs = _call(
        "transferFrom(address,address,uint256)",
        ["address", "address", "uint256"],
        ["0x" + "33" * 20, "0x" + "22" * 20, 2],
    )
    third = _b58(bytes.fromhex("41" + "33" * 20))
    assert tron_effects(owner, _tron(31, _trigger(theirs)))[0] == Transfer(USDT_TRON, to, 2, source=third)
    assert tron_effects(to, _tron(31, _trigger(theirs)))[0] == Transfer(USDT_TRON, to, 2, source=third)
    own = _call(
        "transferFrom(address,address,uint256)",
        ["address", "address", "uint256"],
        ["0x" + "11" * 20, "0x" + "22" * 20, 2],
    )
    assert tron_effects(owner, _tron(31, _trigger(own)))[0] == Transfer(USDT_TRON, to, 2)
    # call_token_value without token_id: proto3's default id, 0.
    assert tron_effects(owner, _tron(31, _trigger(calldata, token_value=6)))[1] == Transfer("0", USDT_TRON, 6)
    # No calldata: an undecoded call carrying its value.
    assert tron_effects(owner, _tron(31, _trigger(b"", call_value=3)))[0] == ContractCall(USDT_TRON, None, 3)


def test_tron_create_smart_contract() -> None:
    owner = _b58(OWNER21)
    smart = _len(1, OWNER21) + _num(5, 12)  # SmartContract { origin_address = 1; call_value = 5 }
    tx = _tron(30, _len(1, OWNER21) + _len(2, smart) + _num(3, 7) + _num(4, 1_000_002), fee_limit=5)
    assert tron_effects(owner, tx) == [
        ContractCall("CreateSmartContract", None, 12, "contract creation"),
        Transfer("1000002", "create", 7),
        FeeBound(_tron_fee(tx, 0), "CreateSmartContract"),
    ]
    no_id = _tron(30, _len(1, OWNER21) + _len(2, smart) + _num(3, 7))
    assert tron_effects(owner, no_id)[1] == Transfer("0", "create", 7)
    bare = _tron(30, _len(1, OWNER21))
    assert tron_effects(owner, bare) == [
        ContractCall("CreateSmartContract", None, 0, "contract creation"),
        FeeBound(_tron_fee(bare, 0), "CreateSmartContract"),
    ]


@pytest.mark.parametrize(
    ("type_number", "fixed"),
    [(0, 1_100_000), (5, 9_999_000_000), (6, 1_024_000_000), (41, 1_024_000_000), (54, 0)],
)
def test_tron_system_contracts_and_their_fixed_fees(type_number: int, fixed: int) -> None:
    tx = _tron(type_number, _len(1, OWNER21))
    name = TRON_NAMES[type_number]
    assert tron_effects(_b58(OWNER21), tx) == [
        ContractCall(name, None, 0, f"TRON contract type {type_number}"),
        FeeBound(_tron_fee(tx, fixed), name),
    ]


def test_tron_short_raw_data_has_a_one_byte_length() -> None:
    tx = _tron(32, b"")
    raw = len(tx.raw_data())
    assert 64 <= raw < 128  # one length byte (a 7-bit length)
    assert tron_effects(_b58(OWNER21), tx)[-1] == FeeBound(1_000 * (1 + 1 + raw + 2 + 65 + 64), "GetContract")


def test_tron_permission_update_is_an_authority_change() -> None:
    tx = _tron(46, _len(1, OWNER21) + _len(2, b"\x08\x00"))
    assert tron_effects(_b58(TO21), tx) == [
        AuthorityChange("tron_permission", _b58(OWNER21), None),
        FeeBound(_tron_fee(tx, 100_000_000), "AccountPermissionUpdateContract"),
    ]


def test_tron_type_number_and_name_must_agree() -> None:
    with pytest.raises(InvalidTransaction, match=r"^contract type 7 is not a TRON contract type$"):
        tron_effects(_b58(OWNER21), _tron(7, b"", name="X"))
    with pytest.raises(
        InvalidTransaction,
        match=r"^contract type 1 is TransferContract, but the transaction names TriggerSmartContract$",
    ):
        tron_effects(_b58(OWNER21), _tron(1, _len(1, OWNER21), name="TriggerSmartContract"))


@pytest.mark.parametrize(
    ("parameter", "message"),
    [
        (
            _len(1, OWNER21) + _len(2, TO21) + b"\x19" + bytes(8),
            "a TRON contract parameter has wire type 1, which the decoder does not read",
        ),  # fixed64
        (
            _len(1, OWNER21) + _len(2, TO21) + b"\x1d" + bytes(4),
            "a TRON contract parameter has wire type 5, which the decoder does not read",
        ),  # fixed32
        (_len(1, OWNER21) + b"\x12\x15" + TO21[:20], "a TRON contract parameter is truncated"),
        (_len(1, OWNER21) + _len(2, TO21) + b"\x18\x80", "a TRON contract parameter has a malformed varint"),
        (
            _len(1, OWNER21) + _len(2, TO21) + b"\x18" + b"\xff" * 10 + b"\x01",
            "a TRON contract parameter has a malformed varint",
        ),
        (_len(1, OWNER21) + _len(2, TO21) + _num(3, 1) + _num(3, 2), "a TRON contract parameter repeats field 3"),
        (_len(1, OWNER21) + _len(1, OWNER21) + _len(2, TO21), "a TRON contract parameter repeats field 1"),
        (_len(1, OWNER21), "a TRON contract parameter lacks field 2"),
        (_len(1, OWNER21) + _num(2, 5), "a TRON contract parameter has the wrong type in field 2"),
        (
            _len(1, OWNER21) + _len(2, TO21) + _len(3, b"\x05"),
            "a TRON contract parameter has the wrong type in field 3",
        ),
        (_len(1, OWNER21) + _len(2, TO21[:20]), "a TRON address in a contract is 21 bytes starting 0x41"),
        (_len(1, OWNER21) + _len(2, TO21 + b"\x00"), "a TRON address in a contract is 21 bytes starting 0x41"),
        (_len(1, OWNER21) + _len(2, b"\xa0" + TO21[1:]), "a TRON address in a contract is 21 bytes starting 0x41"),
    ],
)
def test_tron_malformed_parameters_are_refused(parameter: bytes, message: str) -> None:
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(message)}$"):
        tron_effects(_b58(OWNER21), _tron(1, parameter))


def test_tron_longest_varint_is_read() -> None:
    # A 10-byte varint (shift reaches 63): 2^63 - 1 sun, the int64 maximum.
    amount = (1 << 63) - 1
    encoded = _varint(amount)
    assert len(encoded) == 9
    tx = _tron(1, _len(1, OWNER21) + _len(2, TO21) + b"\x18" + encoded)
    assert tron_effects(_b58(OWNER21), tx)[0] == Transfer(NATIVE, _b58(TO21), amount)
    ten = _varint(1 << 63)
    assert len(ten) == 10
    tx = _tron(1, _len(1, OWNER21) + _len(2, TO21) + b"\x18" + ten)
    assert tron_effects(_b58(OWNER21), tx)[0] == Transfer(NATIVE, _b58(TO21), 1 << 63)


def test_tron_effects_refuse_another_type() -> None:
    with pytest.raises(InvalidTransaction, match=r"^expected a TronTransaction, got bytes$"):
        tron_effects(_b58(OWNER21), b"")


# --- chains.solana.effects: messages built with solders, layouts written out ---------------------

SYSTEM = Pubkey.from_string("11111111111111111111111111111111")
SPL = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
SPL22 = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ATA_PROGRAM = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
MEMO_V2 = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
MEMO_V1 = Pubkey.from_string("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo")
BUDGET = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
ED25519_PRECOMPILE = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")
SECP_PRECOMPILE = Pubkey.from_string("KeccakSecp256k11111111111111111111111111111")
R1_PRECOMPILE = Pubkey.from_string("Secp256r1SigVerify1111111111111111111111111")


def _key(label: str) -> Pubkey:
    return Pubkey(hashlib.sha256(label.encode()).digest())


ME, PEER, MINT_A, NONCE, PROG, THIRD = (_key(x) for x in ("me", "peer", "mint", "nonce", "program", "third"))
BLOCK = Hash(hashlib.sha256(b"blockhash").digest())


def _ix(program: Pubkey, data: bytes, *accounts: Pubkey, signer: Pubkey | None = ME) -> Instruction:
    metas = [AccountMeta(a, a == signer, True) for a in accounts]
    return Instruction(program, data, metas)


def _sol(*instructions: Instruction, version: str = "legacy") -> list[object]:
    return list(sol_effects(str(ME), SolanaTransfer(ME, tuple(instructions), BLOCK, version)))


def _sol_fee(signatures: int, units: int = 0, price: int = 0) -> int:
    """5,000 lamports a signature plus ceil(price x units / 10^6) (micro-lamports per compute unit)."""
    return 5_000 * signatures - (-(price * units) // 1_000_000)


def _body(effects: list[object]) -> list[object]:
    return [e for e in effects if not isinstance(e, FeeBound)]


def _fee(effects: list[object]) -> int:
    (fee,) = [e.amount for e in effects if isinstance(e, FeeBound)]  # type: ignore[attr-defined]
    return fee


def test_sol_system_transfers() -> None:
    out = _sol(sol_transfer(TransferParams(from_pubkey=ME, to_pubkey=PEER, lamports=7)))
    assert out == [Transfer(NATIVE, str(PEER), 7), FeeBound(5_000, "1 signature(s), 200000 CU at 0 micro-lamports")]
    out = _sol(sol_transfer(TransferParams(from_pubkey=THIRD, to_pubkey=PEER, lamports=7)))
    assert _body(out) == [Transfer(NATIVE, str(PEER), 7, source=str(THIRD))]
    assert _fee(out) == 10_000  # two signers: the payer and THIRD
    seeded = transfer_with_seed(
        TransferWithSeedParams(
            from_pubkey=NONCE, from_base=ME, from_seed="s", from_owner=SYSTEM, to_pubkey=PEER, lamports=9
        )
    )
    assert _body(_sol(seeded)) == [Transfer(NATIVE, str(PEER), 9, source=str(NONCE))]


def test_sol_create_account_and_assign() -> None:
    plain = create_account(CreateAccountParams(from_pubkey=ME, to_pubkey=PEER, lamports=11, space=0, owner=SYSTEM))
    assert _body(_sol(plain)) == [Transfer(NATIVE, str(PEER), 11)]
    owned = create_account(CreateAccountParams(from_pubkey=ME, to_pubkey=PEER, lamports=11, space=8, owner=PROG))
    assert _body(_sol(owned)) == [
        Transfer(NATIVE, str(PEER), 11),
        AuthorityChange("system_assign", str(PEER), str(PROG)),
    ]
    other = create_account(CreateAccountParams(from_pubkey=THIRD, to_pubkey=PEER, lamports=11, space=0, owner=SYSTEM))
    assert _body(_sol(other)) == [Transfer(NATIVE, str(PEER), 11, source=str(THIRD))]
    for seed, owner in (("", SYSTEM), ("seed-of-nine", PROG)):
        derived = Pubkey.create_with_seed(ME, seed, owner)
        params = CreateAccountWithSeedParams(
            from_pubkey=ME, to_pubkey=derived, base=ME, seed=seed, lamports=13, space=5, owner=owner
        )
        expected: list[object] = [Transfer(NATIVE, str(derived), 13)]
        if owner != SYSTEM:
            expected.append(AuthorityChange("system_assign", str(derived), str(owner)))
        assert _body(_sol(create_account_with_seed(params))) == expected
    params = CreateAccountWithSeedParams(
        from_pubkey=THIRD, to_pubkey=PEER, base=ME, seed="x", lamports=13, space=5, owner=SYSTEM
    )
    assert _body(_sol(create_account_with_seed(params))) == [Transfer(NATIVE, str(PEER), 13, source=str(THIRD))]
    # Bytes after the owner are ignored (the runtime's bincode reads the fields it needs).
    assert _body(_sol(_ix(SYSTEM, struct.pack("<I", 1) + bytes(PROG) + b"\x01\x02", ME))) == [
        AuthorityChange("system_assign", str(ME), str(PROG))
    ]
    assert _body(_sol(assign(AssignParams(pubkey=ME, owner=PROG)))) == [
        AuthorityChange("system_assign", str(ME), str(PROG))
    ]


def test_sol_nonce_accounts() -> None:
    advance = advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=NONCE, authorized_pubkey=ME))
    assert _body(_sol(advance)) == []
    withdraw = withdraw_nonce_account(
        WithdrawNonceAccountParams(nonce_pubkey=NONCE, authorized_pubkey=ME, to_pubkey=PEER, lamports=15)
    )
    assert _body(_sol(withdraw)) == [Transfer(NATIVE, str(PEER), 15, source=str(NONCE))]
    init = initialize_nonce_account(InitializeNonceAccountParams(nonce_pubkey=NONCE, authority=PEER))
    assert _body(_sol(init)) == [AuthorityChange("nonce_authority", str(NONCE), str(PEER))]
    auth = authorize_nonce_account(
        AuthorizeNonceAccountParams(nonce_pubkey=NONCE, authorized_pubkey=ME, new_authority=THIRD)
    )
    assert _body(_sol(auth)) == [AuthorityChange("nonce_authority", str(NONCE), str(THIRD))]


def test_sol_other_system_instructions_and_short_data() -> None:
    allocate = _ix(SYSTEM, struct.pack("<IQ", 8, 100), ME)  # Allocate { space }
    assert _body(_sol(allocate)) == [ContractCall(str(SYSTEM), "system:8")]
    with pytest.raises(InvalidTransaction, match=r"^a System instruction is shorter than its index$"):
        _sol(_ix(SYSTEM, b"\x02\x00\x00", ME, PEER))
    with pytest.raises(InvalidTransaction, match=r"^a Solana instruction is shorter than its layout$"):
        _sol(_ix(SYSTEM, struct.pack("<I", 2) + bytes(7), ME, PEER))  # Transfer with a 7-byte amount
    with pytest.raises(InvalidTransaction, match=r"^a Solana instruction is shorter than its layout$"):
        _sol(_ix(SYSTEM, struct.pack("<I", 1) + bytes(31), ME))  # Assign with a 31-byte owner
    with pytest.raises(InvalidTransaction, match=f"^an instruction of {SYSTEM} names fewer accounts than its layout$"):
        _sol(_ix(SYSTEM, struct.pack("<IQ", 2, 1), ME))  # Transfer naming only its source


def _ata(owner: Pubkey, mint: Pubkey, program: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([bytes(owner), bytes(program), bytes(mint)], ATA_PROGRAM)[0]


@pytest.mark.parametrize("program", [SPL, SPL22], ids=["token", "token-2022"])
def test_sol_token_instructions(program: Pubkey) -> None:
    src = _ata(ME, MINT_A, program)
    dst = _ata(PEER, MINT_A, program)
    p = str(program)
    cases: list[tuple[bytes, tuple[Pubkey, ...], list[object]]] = [
        (b"\x0c" + struct.pack("<QB", 40, 6), (src, MINT_A, dst, ME), [Transfer(str(MINT_A), str(dst), 40)]),
        (b"\x03" + struct.pack("<Q", 41), (src, dst, ME), [Transfer(f"token-account:{src}", str(dst), 41)]),
        (b"\x0d" + struct.pack("<QB", 42, 6), (src, MINT_A, PEER, ME), [Approval(str(MINT_A), str(PEER), 42)]),
        (b"\x0d" + struct.pack("<QB", U64, 6), (src, MINT_A, PEER, ME), [Approval(str(MINT_A), str(PEER), None)]),
        (
            b"\x0d" + struct.pack("<QB", U64 - 1, 6),
            (src, MINT_A, PEER, ME),
            [Approval(str(MINT_A), str(PEER), U64 - 1)],
        ),
        (b"\x04" + struct.pack("<Q", 43), (src, PEER, ME), [Approval(f"token-account:{src}", str(PEER), 43)]),
        (b"\x04" + struct.pack("<Q", U64), (src, PEER, ME), [Approval(f"token-account:{src}", str(PEER), None)]),
        (b"\x06\x02\x01" + bytes(PEER), (src, ME), [AuthorityChange("spl_authority", str(src), str(PEER))]),
        (b"\x06\x02\x00", (src, ME), [AuthorityChange("spl_authority", str(src), None)]),
        (b"\x06\x02\x00" + bytes(PEER), (src, ME), [AuthorityChange("spl_authority", str(src), None)]),
        (b"\x06\x02\x01" + bytes(PEER)[:31], (src, ME), [AuthorityChange("spl_authority", str(src), None)]),
        (b"\x09", (src, PEER, ME), [AuthorityChange("spl_close_account", str(src), str(PEER))]),
        (b"\x0f" + struct.pack("<QB", 44, 6), (src, MINT_A, ME), [Transfer(str(MINT_A), "burn", 44)]),
        (b"\x08" + struct.pack("<Q", 45), (src, MINT_A, ME), [Transfer(str(MINT_A), "burn", 45)]),
        (b"\x05", (src, ME), []),
        (b"\x07" + struct.pack("<Q", 1), (MINT_A, src, ME), [ContractCall(p, "spl:7")]),  # MintTo
    ]
    for data, accounts, expected in cases:
        assert _body(_sol(_ix(program, data, *accounts))) == expected, data.hex()
    with pytest.raises(InvalidTransaction, match=r"^a token instruction has no data$"):
        _sol(_ix(program, b"", src, ME))
    with pytest.raises(InvalidTransaction, match=r"^a Solana instruction is shorter than its layout$"):
        _sol(_ix(program, b"\x0c" + bytes(7), src, MINT_A, dst, ME))
    with pytest.raises(InvalidTransaction, match=f"^an instruction of {program} names fewer accounts than its layout$"):
        _sol(_ix(program, b"\x0c" + struct.pack("<QB", 40, 6), src, MINT_A))


def _create_ata(
    owner: Pubkey, mint: Pubkey, program: Pubkey, data: bytes = b"\x01", ata: Pubkey | None = None
) -> Instruction:
    address = ata or _ata(owner, mint, program)
    return _ix(ATA_PROGRAM, data, ME, address, owner, mint, SYSTEM, program)


@pytest.mark.parametrize(("program", "rent"), [(SPL, 2_039_280), (SPL22, 2_074_080)], ids=["token", "token-2022"])
@pytest.mark.parametrize("data", [b"", b"\x00", b"\x01"], ids=["create-empty", "create", "idempotent"])
def test_sol_associated_token_account_creation(program: Pubkey, rent: int, data: bytes) -> None:
    dst = _ata(PEER, MINT_A, program)
    send = _ix(program, b"\x0c" + struct.pack("<QB", 40, 6), _ata(ME, MINT_A, program), MINT_A, dst, ME)
    # The created account is PEER's (re-derived): the rent and the tokens go to PEER.
    assert _body(_sol(_create_ata(PEER, MINT_A, program, data), send)) == [
        Transfer(NATIVE, str(PEER), rent),
        Transfer(str(MINT_A), str(PEER), 40),
    ]


def test_sol_associated_token_account_edge_cases() -> None:
    fake = _key("not the derived account")
    assert _body(_sol(_create_ata(PEER, MINT_A, SPL, ata=fake))) == [Transfer(NATIVE, str(fake), 2_039_280)]
    other = _key("another token program")
    assert _body(_sol(_create_ata(PEER, MINT_A, other))) == [
        ContractCall(str(ATA_PROGRAM), "01", 0, f"ATA for program {other}")
    ]
    assert _body(_sol(_create_ata(PEER, MINT_A, other, b""))) == [
        ContractCall(str(ATA_PROGRAM), "create", 0, f"ATA for program {other}")
    ]
    # An extra account after the six of the layout changes nothing.
    extra = _create_ata(PEER, MINT_A, SPL)
    extra = Instruction(extra.program_id, extra.data, [*extra.accounts, AccountMeta(THIRD, False, False)])
    send = _ix(SPL, b"\x0c" + struct.pack("<QB", 40, 6), _ata(ME, MINT_A, SPL), MINT_A, _ata(PEER, MINT_A, SPL), ME)
    assert _body(_sol(extra, send)) == [Transfer(NATIVE, str(PEER), 2_039_280), Transfer(str(MINT_A), str(PEER), 40)]
    two_bytes = _create_ata(PEER, MINT_A, SPL, b"\x02\x07")
    assert _body(_sol(two_bytes)) == [ContractCall(str(ATA_PROGRAM), "02")]  # named by its first byte
    recover = _create_ata(PEER, MINT_A, SPL, b"\x02")  # RecoverNested
    assert _body(_sol(recover)) == [ContractCall(str(ATA_PROGRAM), "02")]
    short = _ix(ATA_PROGRAM, b"\x01", ME, _ata(PEER, MINT_A, SPL), PEER, MINT_A, SYSTEM)  # five accounts
    assert _body(_sol(short)) == [ContractCall(str(ATA_PROGRAM), "01")]
    # A payer other than the account pays the rent: its own lamports.
    paid = _ix(ATA_PROGRAM, b"\x01", THIRD, _ata(PEER, MINT_A, SPL), PEER, MINT_A, SYSTEM, SPL, signer=THIRD)
    assert _body(_sol(paid)) == [Transfer(NATIVE, str(PEER), 2_039_280, source=str(THIRD))]


def test_sol_memo_and_unknown_programs() -> None:
    assert _body(_sol(_ix(MEMO_V2, b"hello", signer=None))) == [DataCarrier("memo", 5)]
    assert _body(_sol(_ix(MEMO_V1, b"hi", signer=None))) == [DataCarrier("memo", 2)]
    assert _body(_sol(_ix(PROG, b"\xab\xcd", ME))) == [ContractCall(str(PROG), "ab")]
    assert _body(_sol(_ix(PROG, b"", ME))) == [ContractCall(str(PROG), None)]


def test_sol_fee_from_compute_budget_and_signatures() -> None:
    pay = sol_transfer(TransferParams(from_pubkey=ME, to_pubkey=PEER, lamports=1))
    limit = _ix(BUDGET, b"\x02" + struct.pack("<I", 300_000), signer=None)
    price = _ix(BUDGET, b"\x03" + struct.pack("<Q", 1_000_001), signer=None)
    # ceil(1,000,001 x 300,000 / 10^6) = ceil(300,000.3) = 300,001
    assert _fee(_sol(limit, price, pay)) == 5_000 + 300_001
    assert _fee(_sol(limit, price, pay)) == _sol_fee(1, 300_000, 1_000_001)
    # No limit: 200,000 units per instruction that is not a compute-budget one.
    assert _fee(_sol(price, pay, pay)) == _sol_fee(1, 400_000, 1_000_001)
    # ... at most 1,400,000.
    assert _fee(_sol(price, *[pay] * 8)) == _sol_fee(1, 1_400_000, 1_000_001)
    assert _fee(_sol(price, *[pay] * 7)) == _sol_fee(1, 1_400_000, 1_000_001)
    assert _fee(_sol(price, *[pay] * 6)) == _sol_fee(1, 1_200_000, 1_000_001)
    tiny = _ix(BUDGET, b"\x03" + struct.pack("<Q", 1), signer=None)
    assert _fee(_sol(tiny, pay)) == 5_000 + 1  # 200,000 x 1 / 10^6 = 0.2, rounded up
    zero_limit = _ix(BUDGET, b"\x02" + struct.pack("<I", 0), signer=None)
    assert _fee(_sol(zero_limit, price, pay)) == 5_000
    # RequestHeapFrame (1) and SetLoadedAccountsDataSizeLimit (4) do not change the fee.
    heap = _ix(BUDGET, b"\x01" + struct.pack("<I", 32 * 1024), signer=None)
    loaded = _ix(BUDGET, b"\x04" + struct.pack("<I", 1 << 20), signer=None)
    assert _sol(heap, loaded, pay) == _sol(pay)
    for bad in (b"\x02" + bytes(3), b"\x02" + bytes(5), b"\x03" + bytes(7), b"\x03" + bytes(9), b"\x05", b""):
        with pytest.raises(
            InvalidTransaction, match=r"^a compute-budget instruction of unknown layout \(([0-9a-f]{2})?\)$"
        ):
            _sol(_ix(BUDGET, bad, signer=None), pay)


@pytest.mark.parametrize("precompile", [ED25519_PRECOMPILE, SECP_PRECOMPILE, R1_PRECOMPILE])
def test_sol_precompile_signatures_are_charged(precompile: Pubkey) -> None:
    pay = sol_transfer(TransferParams(from_pubkey=ME, to_pubkey=PEER, lamports=1))
    out = _sol(_ix(precompile, b"\x03" + bytes(15), signer=None), pay)
    assert _fee(out) == 5_000 * (1 + 3)
    assert _body(out)[0] == ContractCall(str(precompile), "03")
    assert _fee(_sol(_ix(precompile, b"", signer=None), pay)) == 5_000


class _Forged(SolanaTransfer):
    """A transaction prepared elsewhere: its message was compiled against other lookup tables."""

    def __init__(self, real: SolanaTransfer, compiled_with: tuple[AddressLookupTableAccount, ...]) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_with", compiled_with)

    def message_bytes(self) -> bytes:
        real = self._real  # type: ignore[attr-defined]
        message = MessageV0.try_compile(real.payer, list(real.instructions), list(self._with), real.recent_blockhash)  # type: ignore[attr-defined]
        return b"\x80" + bytes(message)

    def __getattr__(self, name: str) -> object:
        return getattr(object.__getattribute__(self, "_real"), name)


def test_sol_lookup_tables_are_unverified_claims() -> None:
    table_key = _key("table")
    table = AddressLookupTableAccount(table_key, [THIRD, PEER])
    pay = sol_transfer(TransferParams(from_pubkey=ME, to_pubkey=PEER, lamports=3))
    tx = SolanaTransfer(ME, (pay,), BLOCK, "v0", (table,))
    out = sol_effects(str(ME), tx)
    assert out[0] == Unverified("lookup_table", str(table_key), (f"1={PEER}",))
    assert out[1] == Transfer(NATIVE, str(PEER), 3)
    # A read-only entry from the table (the program id cannot come from a table; an account can).
    ro = Instruction(PROG, b"\x01", [AccountMeta(ME, True, True), AccountMeta(THIRD, False, False)])
    out = sol_effects(str(ME), SolanaTransfer(ME, (pay, ro), BLOCK, "v0", (table,)))
    assert out[0] == Unverified("lookup_table", str(table_key), (f"1={PEER}", f"0={THIRD}"))
    # Two tables, each lending a writable recipient: each is read from its own table, in order.
    second_key = _key("second table")
    second = AddressLookupTableAccount(second_key, [NONCE, THIRD])
    first = AddressLookupTableAccount(table_key, [PEER])
    to_peer = sol_transfer(TransferParams(from_pubkey=ME, to_pubkey=PEER, lamports=5))
    to_third = sol_transfer(TransferParams(from_pubkey=ME, to_pubkey=THIRD, lamports=6))
    out = sol_effects(str(ME), SolanaTransfer(ME, (to_peer, to_third), BLOCK, "v0", (first, second)))
    assert [e for e in out if isinstance(e, Unverified)] == [
        Unverified("lookup_table", str(table_key), (f"0={PEER}",)),
        Unverified("lookup_table", str(second_key), (f"1={THIRD}",)),
    ]
    assert [e for e in out if isinstance(e, Transfer)] == [
        Transfer(NATIVE, str(PEER), 5),
        Transfer(NATIVE, str(THIRD), 6),
    ]
    # Two tables each lending a read-only account (a token's mint): each read from its own table.
    mint_b = _key("mint b")
    src, dst = _ata(ME, MINT_A, SPL), _ata(PEER, MINT_A, SPL)
    checked = [
        Instruction(
            SPL,
            b"\x0c" + struct.pack("<QB", amount, 6),
            [
                AccountMeta(src, False, True),
                AccountMeta(mint, False, False),
                AccountMeta(dst, False, True),
                AccountMeta(ME, True, False),
            ],
        )
        for mint, amount in ((MINT_A, 7), (mint_b, 8))
    ]
    tables = (AddressLookupTableAccount(table_key, [MINT_A]), AddressLookupTableAccount(second_key, [THIRD, mint_b]))
    out = sol_effects(str(ME), SolanaTransfer(ME, tuple(checked), BLOCK, "v0", tables))
    assert [e for e in out if isinstance(e, Unverified)] == [
        Unverified("lookup_table", str(table_key), (f"0={MINT_A}",)),
        Unverified("lookup_table", str(second_key), (f"1={mint_b}",)),
    ]
    assert [e for e in out if isinstance(e, Transfer)] == [
        Transfer(str(MINT_A), str(dst), 7),
        Transfer(str(mint_b), str(dst), 8),
    ]
    # No table in the message: a v0 message with nothing unverified.
    assert not any(isinstance(e, Unverified) for e in sol_effects(str(ME), SolanaTransfer(ME, (pay,), BLOCK, "v0")))
    # The message reads a table the transaction does not give, or past the end of the one it gives.
    with pytest.raises(
        InvalidTransaction, match=f"^the message loads from lookup table {table_key}, which was not given$"
    ):
        sol_effects(str(ME), _Forged(SolanaTransfer(ME, (pay,), BLOCK, "v0", ()), (table,)))
    short = AddressLookupTableAccount(table_key, [THIRD])
    with pytest.raises(InvalidTransaction, match=f"^the message reads past the end of lookup table {table_key}$"):
        sol_effects(str(ME), _Forged(SolanaTransfer(ME, (pay,), BLOCK, "v0", (short,)), (table,)))
    with pytest.raises(InvalidTransaction, match=r"^expected a SolanaTransfer, got int$"):
        sol_effects(str(ME), 5)


def test_lookup_table_holds() -> None:
    claim = Unverified("lookup_table", "T", (f"1={PEER}", f"0={THIRD}"))
    program = "AddressLookupTab1e1111111111111111111111111"
    data = bytes(56) + bytes(THIRD) + bytes(PEER)
    assert lookup_table_holds(claim, program, data)
    assert lookup_table_holds(claim, program, data + bytes(32))
    assert not lookup_table_holds(claim, program, data[:-1])  # index 1 is cut short
    assert not lookup_table_holds(claim, program, bytes(55) + bytes(THIRD) + bytes(PEER) + bytes(1))
    assert not lookup_table_holds(claim, program, bytes(56) + bytes(PEER) + bytes(THIRD))
    assert not lookup_table_holds(claim, str(SYSTEM), data)
    assert not lookup_table_holds(claim, None, data)
    assert not lookup_table_holds(claim, program, None)
    assert not lookup_table_holds(Unverified("input_value", "T", (f"0={THIRD}",)), program, data)
    assert lookup_table_holds(Unverified("lookup_table", "T", ()), program, b"")


# --- chains.bitcoin.effects: scripts and addresses from embit ----------------------------------------

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"  # a BIP39 vector
ROOT = embit_bip32.HDKey.from_seed(embit_bip39.mnemonic_to_seed(PHRASE))
PURPOSE = {"p2wpkh": 84, "p2tr": 86, "p2sh-p2wpkh": 49, "p2pkh": 44}


def _spk(kind: str, path: str) -> bytes:
    pub = ROOT.derive(path).key
    if kind == "p2wpkh":
        return bytes(embit_script.p2wpkh(pub).data)
    if kind == "p2tr":
        return bytes(embit_script.p2tr(pub).data)
    if kind == "p2sh-p2wpkh":
        return bytes(embit_script.p2sh(embit_script.p2wpkh(pub)).data)
    return bytes(embit_script.p2pkh(pub).data)


def _own(kind: str, change: int, index: int) -> bytes:
    return _spk(kind, f"m/{PURPOSE[kind]}h/1h/0h/{change}/{index}")


def _btc_account(kind: str = "p2wpkh") -> wk.Account:
    return wk.Wallet.from_mnemonic(PHRASE).account("btc", kind=kind, network="regtest")


STRANGER_SPK = bytes.fromhex("0014" + "ab" * 20)
STRANGER_ADDR = embit_bech32.encode("bcrt", 0, bytes.fromhex("ab" * 20))


def _coin(spk: bytes, value: int, n: int = 0) -> tuple[Transaction, TxIn, TxOut]:
    made = Transaction(
        (TxIn(OutPoint(hashlib.sha256(f"coin {n}".encode()).hexdigest(), n)),), (TxOut(value, spk),), 2, 0
    )
    return made, TxIn(OutPoint(made.txid, 0)), TxOut(value, spk)


@pytest.mark.parametrize(
    ("spk", "network", "expected"),
    [
        ("76a914" + "11" * 20 + "88ac", "mainnet", embit_base58_check(b"\x00" + b"\x11" * 20)),
        ("76a914" + "11" * 20 + "88ac", "testnet", embit_base58_check(b"\x6f" + b"\x11" * 20)),
        ("a914" + "22" * 20 + "87", "mainnet", embit_base58_check(b"\x05" + b"\x22" * 20)),
        ("a914" + "22" * 20 + "87", "regtest", embit_base58_check(b"\xc4" + b"\x22" * 20)),
        ("0014" + "33" * 20, "mainnet", embit_bech32.encode("bc", 0, b"\x33" * 20)),
        ("0020" + "44" * 32, "testnet", embit_bech32.encode("tb", 0, b"\x44" * 32)),
        ("5120" + "55" * 32, "regtest", embit_bech32.encode("bcrt", 1, b"\x55" * 32)),
        ("5202" + "6666", "mainnet", embit_bech32.encode("bc", 2, b"\x66" * 2)),  # the shortest program, v2
        ("6028" + "77" * 40, "mainnet", embit_bech32.encode("bc", 16, b"\x77" * 40)),  # the longest, v16
        ("5128" + "77" * 40, "mainnet", embit_bech32.encode("bc", 1, b"\x77" * 40)),
        ("0015" + "33" * 21, "mainnet", "script:0015" + "33" * 21),  # v0 is 20 or 32 bytes only
        ("001f" + "33" * 31, "mainnet", "script:001f" + "33" * 31),
        ("0002" + "3333", "mainnet", "script:00023333"),
        ("5101" + "33", "mainnet", "script:510133"),  # a one-byte program
        ("5129" + "77" * 41, "mainnet", "script:5129" + "77" * 41),  # 41 bytes
        ("5020" + "55" * 32, "mainnet", "script:5020" + "55" * 32),  # OP_RESERVED is no version
        ("6120" + "55" * 32, "mainnet", "script:6120" + "55" * 32),  # OP_NOP is no version
        ("5121" + "55" * 32, "mainnet", "script:5121" + "55" * 32),  # the push length does not match
        ("76a914" + "11" * 20 + "88ad", "mainnet", "script:76a914" + "11" * 20 + "88ad"),
        ("76a915" + "11" * 20 + "88ac", "mainnet", "script:76a915" + "11" * 20 + "88ac"),
        ("a914" + "22" * 20 + "88", "mainnet", "script:a914" + "22" * 20 + "88"),
        ("a915" + "22" * 20 + "87", "mainnet", "script:a915" + "22" * 20 + "87"),
        ("76a914" + "11" * 20 + "88acac", "mainnet", "script:76a914" + "11" * 20 + "88acac"),
        ("51", "mainnet", "script:51"),
    ],
)
def test_address_of_script(spk: str, network: str, expected: str) -> None:
    assert address_of_script(bytes.fromhex(spk), network) == expected


def test_btc_outputs_change_and_fee() -> None:
    account = _btc_account()
    made, txin, spent = _coin(_own("p2wpkh", 0, 0), 100_000)
    outputs = (
        TxOut(10_000, STRANGER_SPK),
        TxOut(20_000, _own("p2wpkh", 1, 19)),  # the last change address proven ours
        TxOut(30_000, _own("p2wpkh", 1, 20)),  # one past the gap limit: judged as a payment
        TxOut(0, bytes.fromhex("6a04deadbeef")),
        TxOut(5, bytes.fromhex("6a")),
        TxOut(1_000, _own("p2wpkh", 0, 0)),  # back to the account itself
        TxOut(2_000, _own("p2wpkh", 0, 1)),  # another receive address: another account, judged
    )
    tx = Transaction((txin,), outputs, 2, 0)
    transfer = BitcoinTransfer(tx, (spent,), 0, None, (made.serialize(witness=False),))
    fee = 100_000 - 10_000 - 20_000 - 30_000 - 5 - 1_000 - 2_000
    assert btc_effects(account, transfer) == [
        Transfer(NATIVE, STRANGER_ADDR, 10_000),
        Transfer(NATIVE, embit_bech32.encode("bcrt", 0, _own("p2wpkh", 1, 20)[2:]), 30_000),
        DataCarrier("op_return", 6),
        Transfer(NATIVE, "op_return", 5),
        Transfer(NATIVE, embit_bech32.encode("bcrt", 0, _own("p2wpkh", 0, 1)[2:]), 2_000),
        FeeBound(fee, "1 input(s), 7 output(s)"),
    ]
    # Remembered per account: a second decoding gives the same effects.
    assert btc_effects(account, transfer) == btc_effects(account, transfer)


@pytest.mark.parametrize("kind", ["p2wpkh", "p2sh-p2wpkh", "p2pkh", "p2tr"])
def test_btc_change_is_proven_per_kind(kind: str) -> None:
    account = _btc_account(kind)
    made, txin, spent = _coin(_own(kind, 0, 0), 50_000)
    tx = Transaction((txin,), (TxOut(40_000, _own(kind, 1, 0)), TxOut(9_000, STRANGER_SPK)), 2, 0)
    transfer = BitcoinTransfer(tx, (spent,), 0, None, (made.serialize(witness=False),))
    assert btc_effects(account, transfer) == [
        Transfer(NATIVE, STRANGER_ADDR, 9_000),
        FeeBound(1_000, "1 input(s), 2 output(s)"),
    ]


def test_btc_input_values_are_proven_or_unverified() -> None:
    account = _btc_account()
    made_a, in_a, spent_a = _coin(_own("p2wpkh", 0, 0), 70_000, 1)
    made_b, in_b, spent_b = _coin(_own("p2wpkh", 0, 0), 30_000, 2)
    taproot = bytes.fromhex("5120" + "99" * 32)
    _, in_c, spent_c = _coin(taproot, 5_000, 3)
    tx = Transaction((in_a, in_b, in_c), (TxOut(100_000, STRANGER_SPK),), 2, 0)
    # Input 0 proven by its previous transaction; input 1 claimed only; input 2 is taproot (BIP341 commits).
    transfer = BitcoinTransfer(tx, (spent_a, spent_b, spent_c), 0, None, (made_a.serialize(witness=False), None))
    assert btc_effects(account, transfer) == [
        Unverified("input_value", f"{made_b.txid}:0", ("30000",)),
        Transfer(NATIVE, STRANGER_ADDR, 100_000),
        FeeBound(5_000, "3 input(s), 1 output(s)"),
    ]
    # No previous transaction at all: each segwit v0 input's value is a claim; the taproot one is committed.
    none_given = BitcoinTransfer(tx, (spent_a, spent_b, spent_c), 0, None)
    assert [e for e in btc_effects(account, none_given) if isinstance(e, Unverified)] == [
        Unverified("input_value", f"{made_a.txid}:0", ("70000",)),
        Unverified("input_value", f"{made_b.txid}:0", ("30000",)),
    ]


def _claim(txid: str, vout: int, value: int) -> str:
    return (
        f"input 0 ({txid}:{vout}) claims {value} sat, but the previous transaction given for it is another "
        "transaction or holds another output there"
    )


def test_btc_previous_transactions_must_hold_the_claimed_output() -> None:
    account = _btc_account()
    made, txin, spent = _coin(_own("p2wpkh", 0, 0), 70_000, 1)
    other, _, _ = _coin(_own("p2wpkh", 0, 0), 70_000, 2)
    out = (TxOut(60_000, STRANGER_SPK),)
    tx = Transaction((txin,), out, 2, 0)
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(_claim(made.txid, 0, 70_000))}$"):
        btc_effects(account, BitcoinTransfer(tx, (spent,), 0, None, (other.serialize(witness=False),)))
    understated = TxOut(60_000, spent.script_pubkey)
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(_claim(made.txid, 0, 60_000))}$"):
        btc_effects(account, BitcoinTransfer(tx, (understated,), 0, None, (made.serialize(witness=False),)))
    past = Transaction((TxIn(OutPoint(made.txid, 1)),), out, 2, 0)  # vout 1 of a one-output transaction
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(_claim(made.txid, 1, 70_000))}$"):
        btc_effects(account, BitcoinTransfer(past, (spent,), 0, None, (made.serialize(witness=False),)))
    with pytest.raises(InvalidTransaction, match=r"^input 0: its previous transaction does not parse: "):
        btc_effects(account, BitcoinTransfer(tx, (spent,), 0, None, (b"\x02\x00",)))
    overspent = Transaction((txin,), (TxOut(70_005, STRANGER_SPK),), 2, 0)
    with pytest.raises(InvalidTransaction, match=r"^the outputs spend 5 sat more than the inputs hold$"):
        btc_effects(account, BitcoinTransfer(overspent, (spent,), 0, None, (made.serialize(witness=False),)))
    exact = Transaction((txin,), (TxOut(70_000, STRANGER_SPK),), 2, 0)
    assert btc_effects(account, BitcoinTransfer(exact, (spent,), 0, None, (made.serialize(witness=False),)))[
        -1
    ] == FeeBound(0, "1 input(s), 1 output(s)")
    with pytest.raises(InvalidTransaction, match=r"^expected a BitcoinTransfer, a Psbt or base64 PSBT text, got int$"):
        btc_effects(account, 5)


def _psbt_text(kind: str, sighash: int | None, *, spk: bytes | None = None, prev: bool = True) -> str:
    """A PSBT spending one coin, written with embit (witness UTXO, optionally the previous transaction)."""
    made, txin, spent = _coin(spk or _own(kind, 0, 0), 80_000, 7)
    tx = Transaction((txin,), (TxOut(70_000, STRANGER_SPK),), 2, 0)
    psbt = embit_psbt.PSBT(embit_transaction.Transaction.parse(tx.serialize(witness=False)))
    psbt.inputs[0].witness_utxo = embit_transaction.TransactionOutput(
        spent.value, embit_script.Script(spent.script_pubkey)
    )
    if prev:
        psbt.inputs[0].non_witness_utxo = embit_transaction.Transaction.parse(made.serialize(witness=False))
    if sighash is not None:
        psbt.inputs[0].sighash_type = sighash
    return base64.b64encode(psbt.serialize()).decode()


def _open_sighash(hash_type: int | None) -> str:
    return (
        f"PSBT input 0 asks for sighash type {hash_type:#x}, which does not commit to every output (whoever holds "
        "the signature could change where the coins go); the signer signs SIGHASH_ALL (or ALL|ANYONECANPAY, or "
        "taproot's DEFAULT) only"
    )


@pytest.mark.parametrize(
    ("kind", "sighash", "refused"),
    [
        ("p2wpkh", None, False),
        ("p2wpkh", 0x01, False),
        ("p2wpkh", 0x81, False),
        ("p2wpkh", 0x00, True),  # DEFAULT is taproot's alone
        ("p2wpkh", 0x02, True),  # NONE
        ("p2wpkh", 0x03, True),  # SINGLE
        ("p2wpkh", 0x82, True),
        ("p2wpkh", 0x83, True),
        ("p2pkh", 0x02, True),
        ("p2sh-p2wpkh", 0x03, True),
        ("p2tr", 0x00, False),
        ("p2tr", 0x01, False),
        ("p2tr", 0x81, False),
        ("p2tr", 0x02, True),
        ("p2tr", 0x83, True),
    ],
)
def test_psbt_sighash_types_that_leave_outputs_open_are_refused(kind: str, sighash: int | None, refused: bool) -> None:
    account = _btc_account(kind)
    text = _psbt_text(kind, sighash)
    if refused:
        with pytest.raises(InvalidTransaction, match=f"^{re.escape(_open_sighash(sighash))}$"):
            btc_effects(account, text)
    else:
        assert btc_effects(account, text) == [
            Transfer(NATIVE, STRANGER_ADDR, 70_000),
            FeeBound(10_000, "1 input(s), 1 output(s)"),
        ]


def test_psbt_sighash_of_a_change_key_or_a_foreign_input() -> None:
    account = _btc_account()
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(_open_sighash(2))}$"):
        btc_effects(account, _psbt_text("p2wpkh", 0x02, spk=_own("p2wpkh", 1, 19)))
    with pytest.raises(
        InvalidTransaction, match=f"^{re.escape(_open_sighash(2))}$"
    ):  # the account's key in another kind
        btc_effects(account, _psbt_text("p2wpkh", 0x02, spk=_p2pkh_of(84, 0, 0)))
    # Not the account's input (a key of index 20, or a stranger's): whoever signs it chose its hash type.
    assert btc_effects(account, _psbt_text("p2wpkh", 0x02, spk=_own("p2wpkh", 1, 20)))[-1] == FeeBound(
        10_000, "1 input(s), 1 output(s)"
    )
    assert btc_effects(account, _psbt_text("p2wpkh", 0x03, spk=STRANGER_SPK))[0] == Transfer(
        NATIVE, STRANGER_ADDR, 70_000
    )


def _two_input_psbt(first: int | None, second: int | None) -> str:
    """Two of the account's coins in one PSBT (embit), with these sighash types (None: not set)."""
    coins = [_coin(_own("p2wpkh", 0, 0), 40_000, 11), _coin(_own("p2wpkh", 0, 0), 40_000, 12)]
    tx = Transaction(tuple(c[1] for c in coins), (TxOut(70_000, STRANGER_SPK),), 2, 0)
    psbt = embit_psbt.PSBT(embit_transaction.Transaction.parse(tx.serialize(witness=False)))
    for inp, (made, _, spent), sighash in zip(psbt.inputs, coins, (first, second)):
        inp.witness_utxo = embit_transaction.TransactionOutput(spent.value, embit_script.Script(spent.script_pubkey))
        inp.non_witness_utxo = embit_transaction.Transaction.parse(made.serialize(witness=False))
        if sighash is not None:
            inp.sighash_type = sighash
    return base64.b64encode(psbt.serialize()).decode()


@pytest.mark.parametrize(("first", "second"), [(None, 0x02), (0x01, 0x02), (0x81, 0x03), (0x01, 0x82)])
def test_psbt_every_input_is_checked(first: int | None, second: int) -> None:
    message = _open_sighash(second).replace("PSBT input 0", "PSBT input 1")
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(message)}$"):
        btc_effects(_btc_account(), _two_input_psbt(first, second))
    assert btc_effects(_btc_account(), _two_input_psbt(first, 0x01))[-1] == FeeBound(10_000, "2 input(s), 1 output(s)")


def _p2pkh_of(purpose: int, change: int, index: int) -> bytes:
    return bytes(embit_script.p2pkh(ROOT.derive(f"m/{purpose}h/1h/0h/{change}/{index}").key).data)


def test_psbt_without_previous_transactions_is_unverified() -> None:
    account = _btc_account()
    text = _psbt_text("p2wpkh", None, prev=False)
    effects = btc_effects(account, text)
    assert isinstance(effects[0], Unverified) and effects[0].kind == "input_value" and effects[0].claim == ("80000",)
    assert btc_effects(account, Psbt.from_base64(text)) == effects
    assert btc_effects(account, _psbt_text("p2tr", None, prev=False, spk=_own("p2tr", 0, 0)))[0] == Transfer(
        NATIVE, STRANGER_ADDR, 70_000
    )
