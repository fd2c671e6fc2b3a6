"""walletkit/signer/typed_data.py pinned line by line (mutation group ``signer``, issue 19).

Every refusal's exact message, and the type strings the messages show: those of the permits are
copied from their specs (EIP-2612, DAI's permit, Uniswap Permit2's PermitHash.sol, EIP-3009),
written out here by hand.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from walletkit.effects import Approval, Transfer
from walletkit.errors import ChainMismatch, InvalidAddress, InvalidMessage, PolicyViolation
from walletkit.registry import get_chain
from walletkit.signer.typed_data import MAX_DEPTH, typed_data_effects

CANONICAL = get_chain("eth").validate_address
TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
SPENDER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
DETAILS = [
    {"name": "token", "type": "address"},
    {"name": "amount", "type": "uint160"},
    {"name": "expiration", "type": "uint48"},
    {"name": "nonce", "type": "uint48"},
]


def _doc(primary: str, fields: list[dict[str, str]], message: dict[str, Any], **types: Any) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, primary: fields, **types},
        "primaryType": primary,
        "domain": {"name": "T", "chainId": 1, "verifyingContract": TOKEN},
        "message": message,
    }


def _message(doc: dict[str, Any]) -> str:
    with pytest.raises((InvalidMessage, InvalidAddress, ChainMismatch, PolicyViolation)) as info:
        typed_data_effects(doc, CANONICAL, 1)
    return str(info.value)


NOTE = _doc("Note", [{"name": "text", "type": "string"}], {"text": "hi"})


def test_document_shape_refusals_say_what_was_expected() -> None:
    assert _message([1]) == (  # type: ignore[arg-type]
        "typed data is a mapping with types, primaryType, domain and message, got list"
    )
    assert _message({**NOTE, "types": None}) == (
        "typed data needs 'types': a mapping of struct name to [{name, type}, ...]"
    )
    assert _message({**NOTE, "primaryType": "Other"}) == (
        "primaryType must name one of the message's struct types, got 'Other'"
    )
    assert _message({**NOTE, "primaryType": "EIP712Domain"}) == (
        "primaryType must name one of the message's struct types, got 'EIP712Domain'"
    )
    assert _message({**NOTE, "domain": None}) == "typed data needs a 'domain' mapping, got NoneType"
    no_chain = {**NOTE, "domain": {"name": "T"}, "types": {"Note": NOTE["types"]["Note"]}}
    assert _message(no_chain) == (
        "policy rule 'eip712_domain' refused the request: a typed-data domain without chainId can be replayed on any chain"
    )
    assert _message({**NOTE, "domain": {**NOTE["domain"], "chainId": 56}}) == (
        "typed data is for chain id 56, but this account is on chain id 1"
    )
    extra = {**NOTE, "domain": {**NOTE["domain"], "owner": "me"}}
    assert _message(extra) == (
        "domain has fields EIP-712 does not define: ['owner']; expected some of "
        "['name', 'version', 'chainId', 'verifyingContract', 'salt']"
    )
    reordered = copy.deepcopy(NOTE)
    reordered["types"]["EIP712Domain"] = [DOMAIN_TYPE[1], DOMAIN_TYPE[0], DOMAIN_TYPE[2]]
    assert _message(reordered) == (
        "types.EIP712Domain must declare exactly the domain's fields in EIP-712's order, "
        "EIP712Domain(string name,uint256 chainId,address verifyingContract); "
        "got EIP712Domain(uint256 chainId,string name,address verifyingContract)"
    )


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ({"1x": []}, "struct name '1x' must be an identifier that is not an atomic type"),
        ({"uint8": []}, "struct name 'uint8' must be an identifier that is not an atomic type"),
        ({"Note": "text"}, "type Note is a list of {name, type} fields, got str"),
        ({"Note": [{"name": "a"}]}, "type Note has a field that is not {name: text, type: text}: {'name': 'a'}"),
        ({"Note": [{"name": "a b", "type": "string"}]}, "type Note has a field name that is not an identifier: 'a b'"),
        (
            {"Note": [{"name": "a", "type": "string"}, {"name": "a", "type": "bool"}]},
            "type Note has two fields named 'a'",
        ),
        ({"Note": [{"name": "a", "type": "uint7"}]}, "Note.a has an unknown type 'uint7'"),
        ({"Note": [{"name": "a", "type": "EIP712Domain"}]}, "Note.a has an unknown type 'EIP712Domain'"),
        ({"Note": [{"name": "a", "type": "bytes33"}]}, "Note.a has an unknown type 'bytes33'"),
        ({"Note": [{"name": "a", "type": "int264"}]}, "Note.a has an unknown type 'int264'"),
    ],
)
def test_type_definitions_are_checked(types: dict[str, Any], message: str) -> None:
    doc = {**NOTE, "types": {"EIP712Domain": DOMAIN_TYPE, **types}}
    assert _message(doc) == message


@pytest.mark.parametrize(
    ("field_type", "value", "message"),
    [
        ("address", 5, "message.v is an address, so text, got int"),
        ("address", "0x12", "message.v: "),
        ("string", 5, "message.v is a string, got int"),
        ("bool", "true", "message.v is a bool (JSON true or false), got 'true'"),
        ("bytes", "abcd", "message.v is bytes: 0x-hex text, got 'abcd'"),
        ("bytes", "0xzz", "message.v is bytes: 0x-hex text, got '0xzz'"),
        ("bytes2", "0x010203", "message.v is bytes2, got 3 bytes"),
        ("uint8", 256, "message.v is out of range for uint8: 256"),
        ("uint8", -1, "message.v is out of range for uint8: -1"),
        ("int8", 128, "message.v is out of range for int8: 128"),
        ("int8", -129, "message.v is out of range for int8: -129"),
        ("uint256", 1.5, "message.v is uint256: a JSON integer or its decimal/0x-hex text, got 1.5"),
        ("uint256", True, "message.v is uint256: a JSON integer or its decimal/0x-hex text, got True"),
        ("uint8[2]", [1], "message.v is a uint8[2], so a list of 2, got [1]"),
        ("uint8[]", 1, "message.v is a uint8[], so a list, got 1"),
    ],
)
def test_values_are_read_strictly(field_type: str, value: Any, message: str) -> None:
    doc = _doc("Note", [{"name": "v", "type": field_type}], {"v": value})
    assert _message(doc).startswith(message)


def test_values_at_their_bounds_are_read() -> None:
    fields = [
        {"name": "a", "type": "uint8"},
        {"name": "b", "type": "int8"},
        {"name": "c", "type": "int8"},
        {"name": "d", "type": "bytes2"},
        {"name": "e", "type": "uint8[2]"},
        {"name": "f", "type": "bool"},
        {"name": "g", "type": "bytes"},
        {"name": "h", "type": "trcToken"},
        {"name": "i", "type": "uint8[]"},
    ]
    message = {"a": 255, "b": -128, "c": 127, "d": "0X0102", "e": [0, 1], "f": False, "g": "0x", "h": "0x10", "i": []}
    first = typed_data_effects(_doc("Note", fields, message), CANONICAL, 1)[0]
    assert first.fields == {  # type: ignore[attr-defined]
        "domain.name": "T",
        "domain.chainId": "1",
        "domain.verifyingContract": TOKEN,
        "message.a": "255",
        "message.b": "-128",
        "message.c": "127",
        "message.d": "0x0102",
        "message.e[0]": "0",
        "message.e[1]": "1",
        "message.f": "false",
        "message.g": "0x",
        "message.h": "16",
        "message.i": "[]",
    }


def test_missing_fields_and_deep_nesting_are_refused() -> None:
    assert _message(_doc("Note", [{"name": "v", "type": "string"}], {})) == "message has no 'v' (string)"
    assert _message(_doc("Note", [{"name": "v", "type": "string"}], {"v": None})) == "message has no 'v' (string)"
    inner = {"Inner": [{"name": "x", "type": "uint8"}]}
    assert _message(_doc("Note", [{"name": "v", "type": "Inner"}], {"v": 5}, **inner)) == (
        "message.v is a Inner struct, so a mapping, got int"
    )
    deep = "uint8" + "[]" * (MAX_DEPTH + 1)
    nested: Any = 1
    for _ in range(MAX_DEPTH + 1):
        nested = [nested]
    assert _message(_doc("Note", [{"name": "v", "type": deep}], {"v": nested})).startswith(
        f"typed data nests structs or arrays more than {MAX_DEPTH} deep, at message.v"
    )
    fits = "uint8" + "[]" * (MAX_DEPTH - 1)
    nested = 1
    for _ in range(MAX_DEPTH - 1):
        nested = [nested]
    assert typed_data_effects(_doc("Note", [{"name": "v", "type": fits}], {"v": nested}), CANONICAL, 1)


def test_long_and_many_fields_are_cut_for_the_audit() -> None:
    fields = [{"name": f"f{i}", "type": "string"} for i in range(70)]
    message = {f"f{i}": ("x" * 300 if i == 0 else str(i)) for i in range(70)}
    shown = typed_data_effects(_doc("Note", fields, message), CANONICAL, 1)[0].fields  # type: ignore[attr-defined]
    assert len(shown) == 65  # 64 fields (3 of the domain, 61 of the message), then the count of the rest
    assert shown["message.f0"] == "x" * 255 + "…"
    assert shown["message.f60"] == "60" and "message.f61" not in shown
    assert shown["truncated"] == "9 more fields not shown"
    exact = {f"f{i}": "y" * 256 for i in range(1)}
    one = typed_data_effects(_doc("Note", fields[:1], exact), CANONICAL, 1)[0].fields  # type: ignore[attr-defined]
    assert one["message.f0"] == "y" * 256 and "truncated" not in one


EIP2612 = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


def test_a_permit_s_name_under_another_definition_is_refused_showing_both() -> None:
    wrong = _doc("Permit", EIP2612[:4], {"owner": SPENDER, "spender": SPENDER, "value": 1, "nonce": 0})
    assert _message(wrong) == (
        "primaryType Permit is a permit's name, but the document defines it as "
        "Permit(address owner,address spender,uint256 value,uint256 nonce); a permit is signed only under "
        "its exact definition: EIP-2612 Permit(address owner,address spender,uint256 value,uint256 nonce,"
        "uint256 deadline) or DAI Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)"
    )
    single = [
        {"name": "details", "type": "PermitDetails"},
        {"name": "spender", "type": "address"},
        {"name": "sigDeadline", "type": "uint160"},
    ]
    details = {"token": TOKEN, "amount": 1, "expiration": 0, "nonce": 0}
    doc = _doc(
        "PermitSingle",
        single,
        {"details": details, "spender": SPENDER, "sigDeadline": 5},
        PermitDetails=DETAILS,
        Unused=[{"name": "z", "type": "bool"}],
    )
    assert _message(doc) == (
        "primaryType PermitSingle is a permit's name, but the document defines it as "
        "PermitSingle(PermitDetails details,address spender,uint160 sigDeadline)"
        "PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce); a permit is signed only "
        "under its exact definition: Permit2 PermitSingle(PermitDetails details,address spender,uint256 sigDeadline)"
        "PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)"
    )
    witness = [
        {"name": "permitted", "type": "TokenPermissions"},
        {"name": "spender", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
    perms = [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}]
    bare = _doc(
        "PermitWitnessTransferFrom",
        witness,
        {"permitted": {"token": TOKEN, "amount": 1}, "spender": SPENDER, "nonce": 0, "deadline": 1},
        TokenPermissions=perms,
    )
    assert _message(bare).endswith(
        "its exact definition: Permit2 PermitWitnessTransferFrom(TokenPermissions permitted,address spender,"
        "uint256 nonce,uint256 deadline,<Witness> witness)TokenPermissions(address token,uint256 amount)"
    )


def test_a_token_permit_needs_its_verifying_contract() -> None:
    permit = _doc("Permit", EIP2612, {"owner": SPENDER, "spender": SPENDER, "value": 1, "nonce": 0, "deadline": 9})
    del permit["domain"]["verifyingContract"]
    permit["types"]["EIP712Domain"] = DOMAIN_TYPE[:2]
    assert _message(permit) == "Permit names its token by domain.verifyingContract, and this domain has none"
    dai_fields = [
        {"name": "holder", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
        {"name": "allowed", "type": "bool"},
    ]
    dai = _doc("Permit", dai_fields, {"holder": SPENDER, "spender": SPENDER, "nonce": 0, "expiry": 0, "allowed": True})
    del dai["domain"]["verifyingContract"]
    dai["types"]["EIP712Domain"] = DOMAIN_TYPE[:2]
    assert _message(dai) == "Permit names its token by domain.verifyingContract, and this domain has none"
    eip3009 = [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
    ]
    auth = _doc(
        "ReceiveWithAuthorization",
        eip3009,
        {"from": SPENDER, "to": SPENDER, "value": 7, "validAfter": 0, "validBefore": 9, "nonce": "0x" + "00" * 32},
    )
    assert typed_data_effects(auth, CANONICAL, 1)[1:] == [Transfer(TOKEN, SPENDER, 7)]
    del auth["domain"]["verifyingContract"]
    auth["types"]["EIP712Domain"] = DOMAIN_TYPE[:2]
    assert _message(auth) == (
        "an EIP-3009 authorization names its token by domain.verifyingContract, and this domain has none"
    )


def test_permit2_batch_approvals_share_the_spender_and_deadline() -> None:
    batch = [
        {"name": "details", "type": "PermitDetails[]"},
        {"name": "spender", "type": "address"},
        {"name": "sigDeadline", "type": "uint256"},
    ]
    details = [
        {"token": TOKEN, "amount": (1 << 160) - 1, "expiration": 0, "nonce": 0},
        {"token": SPENDER, "amount": 5, "expiration": 77, "nonce": 1},
    ]
    doc = _doc("PermitBatch", batch, {"details": details, "spender": SPENDER, "sigDeadline": 50}, PermitDetails=DETAILS)
    assert typed_data_effects(doc, CANONICAL, 1)[1:] == [
        Approval(TOKEN, SPENDER, None, deadline=50),
        Approval(SPENDER, SPENDER, 5, deadline=77),
    ]


def test_a_domain_that_is_not_a_mapping_is_named_by_its_type() -> None:
    assert _message({**NOTE, "domain": ["T", 1]}) == "typed data needs a 'domain' mapping, got list"


def test_bytes1_is_an_atomic_type() -> None:
    doc = _doc("Flag", [{"name": "flag", "type": "bytes1"}], {"flag": "0x01"})
    (signature,) = typed_data_effects(doc, CANONICAL, 1)
    assert signature.fields["message.flag"] == "0x01"  # type: ignore[union-attr]


def test_a_domain_declared_with_a_type_eip712_does_not_give_it_is_the_domain_s_refusal() -> None:
    doc = copy.deepcopy(NOTE)
    doc["types"]["EIP712Domain"] = [
        {"name": "name", "type": "Foo"},  # no type at all, where EIP-712 says string
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ]
    assert _message(doc) == (
        "types.EIP712Domain must declare exactly the domain's fields in EIP-712's order, "
        "EIP712Domain(string name,uint256 chainId,address verifyingContract); "
        "got EIP712Domain(Foo name,uint256 chainId,address verifyingContract)"
    )
