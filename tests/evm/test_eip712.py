"""EIP-712 on the EVM path: as strict as ethers, as accepting as the spec, with MetaMask's signatures.

Issue 16, item 4. eth-account (which signed typed data before) signed ``uint8[2]`` holding three
values and padded ``bytes32`` given ``0x01``; it refused a document whose ``types`` hold a
struct not reachable from ``primaryType``, or whose ``primaryType`` is used inside another type.
The kind, both ways: every value that does not fit its type exactly is refused (ethers refuses
each too, checked in node), and every document the spec allows is signed with the signature
MetaMask's ``@metamask/eth-sig-util`` (``signTypedData`` V4) gives, over random documents.
Expected values all come from the two npm packages, run by node; never from walletkit.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.evm.address import checksum_encode
from chains.evm.typed_data import encode
from tests.conftest import load_vectors
from walletkit.errors import InvalidAddress, InvalidMessage
from walletkit.testing.npm import cache_dir, ensure_package

MAIL: dict[str, Any] = load_vectors("eth_eip712_mail_example")["typed_data"]
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ACCOUNT = wk.Account.from_private_key("eth", KEY)


class Oracle:
    """node running eth-sig-util and ethers; one JSON line per request."""

    def __init__(self) -> None:
        ensure_package("@metamask/eth-sig-util@8.2.0", "@metamask/eth-sig-util", "package.json")
        ensure_package("ethers@6.17.0", "ethers", "package.json")
        node = shutil.which("node")
        if node is None:
            raise wk.errors.EngineError("the EIP-712 cross-check needs node; install Node.js, then retry")
        self.process = subprocess.Popen(
            [node, str(Path(__file__).with_name("eip712_oracle.js"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, NODE_MODULES=str(cache_dir() / "node_modules")),
        )

    def ask(self, op: str, doc: dict[str, Any]) -> dict[str, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, "doc": doc, "key": KEY}) + "\n")
        self.process.stdin.flush()
        answer: dict[str, str] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    o = Oracle()
    yield o
    o.close()


def _with(field_type: str, value: Any, name: str = "extra") -> dict[str, Any]:
    doc = copy.deepcopy(MAIL)
    doc["types"]["Mail"].append({"name": name, "type": field_type})
    doc["message"][name] = value
    return doc


def _edit(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(MAIL)
    change(doc)
    return doc


def _swapcase_checksum(address: str) -> str:
    return address[:2] + address[2:].swapcase()


# Documents ethers refuses (each is checked in node), with the error walletkit gives.
REFUSED: list[tuple[str, dict[str, Any], type[Exception]]] = [
    ("uint8[2] holding 3", _with("uint8[2]", [1, 2, 3]), InvalidMessage),
    ("uint8[2] holding 1", _with("uint8[2]", [1]), InvalidMessage),
    ("Person[1] holding 2", _with("Person[1]", [MAIL["message"]["from"]] * 2), InvalidMessage),
    ("bytes32 given 0x01", _with("bytes32", "0x01"), InvalidMessage),
    ("bytes32 given 33 bytes", _with("bytes32", "0x" + "ab" * 33), InvalidMessage),
    ("bytes4 given 5 bytes", _with("bytes4", "0x0102030405"), InvalidMessage),
    ("uint8 256", _with("uint8", 256), InvalidMessage),
    ("uint256 2^256", _with("uint256", str(2**256)), InvalidMessage),
    ("uint32 -1", _with("uint32", -1), InvalidMessage),
    ("int8 128", _with("int8", 128), InvalidMessage),
    ("int8 -129", _with("int8", -129), InvalidMessage),
    ("int256 -2^255-1", _with("int256", str(-(2**255) - 1)), InvalidMessage),
    ("uint 1.5", _with("uint256", 1.5), InvalidMessage),
    ("uint text", _with("uint256", "one"), InvalidMessage),
    ("uint7", _with("uint7", 5), InvalidMessage),
    ("uint264", _with("uint264", 5), InvalidMessage),
    ("bytes33", _with("bytes33", "0x" + "00" * 33), InvalidMessage),
    ("bytes0", _with("bytes0", "0x"), InvalidMessage),
    (
        "address bad checksum",
        _edit(lambda d: d["message"]["from"].update(wallet=_swapcase_checksum(d["message"]["from"]["wallet"]))),
        InvalidAddress,
    ),
    ("address 19 bytes", _edit(lambda d: d["message"]["from"].update(wallet="0x" + "11" * 19)), InvalidAddress),
    ("address not hex", _edit(lambda d: d["message"]["from"].update(wallet="0x" + "zz" * 20)), InvalidAddress),
    ("string given a number", _with("string", 5), InvalidMessage),
    ("bytes given plain text", _with("bytes", "hello"), InvalidMessage),
    ("bytes given odd hex", _with("bytes", "0x123"), InvalidMessage),
    ("missing field", _edit(lambda d: d["message"].pop("contents")), InvalidMessage),
    ("missing struct", _edit(lambda d: d["message"].pop("to")), InvalidMessage),
    ("struct given a list", _edit(lambda d: d["message"].update(to=[])), InvalidMessage),
    ("array given a mapping", _with("uint8[]", {"0": 1}), InvalidMessage),
    ("duplicate field", _with("string", "x", name="contents"), InvalidMessage),
    ("unknown type", _with("Nope", {}), InvalidMessage),
    ("domain key not EIP-712", _edit(lambda d: d["domain"].update(extra="x")), InvalidMessage),
]


@pytest.mark.parametrize(("name", "doc", "error"), REFUSED, ids=[r[0] for r in REFUSED])
def test_eip712_refuses_what_ethers_refuses(
    oracle: Oracle, name: str, doc: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        encode(doc)
    with pytest.raises(error):
        ACCOUNT.plugin.sign_typed_data(ACCOUNT, doc)  # type: ignore[attr-defined]
    assert "error" in oracle.ask("ethers", doc), f"ethers accepted {name}"


@pytest.mark.parametrize("primary", ["Nope", "EIP712Domain", 5, None])
def test_eip712_refuses_a_primary_type_that_names_no_struct(oracle: Oracle, primary: object) -> None:
    # ethers ignores primaryType (it finds the root itself); eth-sig-util reads it, as walletkit does.
    doc = _edit(lambda d: d.update(primaryType=primary))
    with pytest.raises(InvalidMessage, match="primaryType"):
        encode(doc)
    if primary != "EIP712Domain":  # eth-sig-util hashes the domain alone for that one
        assert "error" in oracle.ask("sigutil", doc)


# Documents ethers and eth-sig-util read differently (or one refuses): walletkit cannot sign the
# user's meaning, so it refuses.
DISAGREED: list[tuple[str, dict[str, Any]]] = [
    ("uint without a size", _with("uint", 5)),
    ("int without a size", _with("int", -5)),
    ("address without 0x", _edit(lambda d: d["message"]["from"].update(wallet=d["message"]["from"]["wallet"][2:]))),
    ("negative hex text", _with("int8", "-0x10")),
    ("bool given text", _with("bool", "false")),
    # eth-sig-util hashes the domain its type lists; ethers, the domain's keys: a salt shown but not signed.
    ("domain key not in its type", _edit(lambda d: d["domain"].update(salt="0x" + "00" * 32))),
]


@pytest.mark.parametrize(("name", "doc"), DISAGREED, ids=[d[0] for d in DISAGREED])
def test_eip712_refuses_what_the_references_read_differently(oracle: Oracle, name: str, doc: dict[str, Any]) -> None:
    with pytest.raises((InvalidMessage, InvalidAddress)):
        encode(doc)
    sigutil, ethers = oracle.ask("sigutil", doc), oracle.ask("ethers", doc)
    if "error" not in sigutil and "error" not in ethers:
        # Both signed: "false" is a true bool to ethers, for one.
        assert sigutil["digest"] != ethers["digest"] or name == "bool given text"
        assert name != "bool given text" or ethers["digest"] == oracle.ask("ethers", _with("bool", True))["digest"]
    else:
        assert "error" in sigutil or "error" in ethers


def _sign(doc: dict[str, Any]) -> str:
    signature = ACCOUNT.plugin.sign_typed_data(ACCOUNT, doc)  # type: ignore[attr-defined]
    assert isinstance(signature, str)
    return signature


def test_eip712_signs_what_eth_sig_util_signs_with_an_unused_type(oracle: Oracle) -> None:
    doc = _edit(lambda d: d["types"].update(Unused=[{"name": "x", "type": "uint8"}, {"name": "y", "type": "Nope2"}]))
    doc["types"]["Nope2"] = [{"name": "z", "type": "bool"}]
    theirs = oracle.ask("sigutil", doc)
    assert _sign(doc) == theirs["signature"]
    assert "error" in oracle.ask("ethers", doc)  # "ambiguous primary types or unused types"
    # An unused type changes nothing: the Mail signature is the Mail vector's.
    assert theirs["signature"] == oracle.ask("sigutil", MAIL)["signature"] == _sign(MAIL)


def test_eip712_signs_what_eth_sig_util_signs_with_the_primary_type_used_inside_another(oracle: Oracle) -> None:
    doc = copy.deepcopy(MAIL)
    doc["primaryType"], doc["message"] = "Person", MAIL["message"]["to"]
    assert _sign(doc) == oracle.ask("sigutil", doc)["signature"]
    assert "error" in oracle.ask("ethers", doc)


def test_eip712_signs_what_eth_sig_util_signs_with_a_recursive_type(oracle: Oracle) -> None:
    tree = {"label": "root", "children": [{"label": "a", "children": []}, {"label": "b", "children": []}]}
    doc = copy.deepcopy(MAIL)
    doc["types"] = {
        "EIP712Domain": MAIL["types"]["EIP712Domain"],
        "Node": [{"name": "label", "type": "string"}, {"name": "children", "type": "Node[]"}],
    }
    doc["primaryType"], doc["message"] = "Node", tree
    assert _sign(doc) == oracle.ask("sigutil", doc)["signature"]


# --- random documents: the kind, over the whole grammar ----------------------------------------------

_ATOMIC = [
    "address",
    "bool",
    "string",
    "bytes",
    "uint8",
    "uint64",
    "uint256",
    "int8",
    "int128",
    "int256",
    "bytes1",
    "bytes20",
    "bytes32",
]


@st.composite
def _value(draw: st.DrawFn, type_name: str, types: dict[str, list[dict[str, str]]]) -> Any:
    if type_name.endswith("]"):
        inner, _, size = type_name[:-1].rpartition("[")
        count = int(size) if size else draw(st.integers(0, 3))
        return [draw(_value(inner, types)) for _ in range(count)]
    if type_name in types:
        return {f["name"]: draw(_value(f["type"], types)) for f in types[type_name]}
    if type_name == "address":
        raw = draw(st.binary(min_size=20, max_size=20))
        return draw(st.sampled_from([checksum_encode(raw), "0x" + raw.hex(), "0x" + raw.hex().upper()]))
    if type_name == "bool":
        return draw(st.booleans())
    if type_name == "string":
        return draw(st.text(max_size=20))
    if type_name == "bytes":
        return "0x" + draw(st.binary(max_size=40)).hex()
    if type_name.startswith("bytes"):
        return "0x" + draw(st.binary(min_size=int(type_name[5:]), max_size=int(type_name[5:]))).hex()
    bits, signed = int(type_name.lstrip("uint")), type_name.startswith("int")
    n = draw(st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else st.integers(0, (1 << bits) - 1))
    if abs(n) >= 2**53:  # JSON numbers stop at 2^53 in node: both sides take the text
        return str(n) if n < 0 or draw(st.booleans()) else hex(n)
    return draw(st.sampled_from([n, str(n)] + ([hex(n)] if n >= 0 else [])))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    names = [f"S{i}" for i in range(count)]
    types: dict[str, list[dict[str, str]]] = {}
    for i, name in enumerate(reversed(names)):  # a struct refers only to structs made before it: no cycle
        made = names[count - i :]
        fields = []
        for k in range(draw(st.integers(1, 4))):
            base = draw(st.sampled_from(made) if made and draw(st.booleans()) else st.sampled_from(_ATOMIC))
            suffix = draw(st.sampled_from(["", "", "[]", "[2]", "[][1]"]))
            fields.append({"name": f"f{k}", "type": base + suffix})
        types[name] = fields
    present = draw(st.lists(st.sampled_from(["name", "version", "chainId", "verifyingContract", "salt"]), unique=True))
    order = ["name", "version", "chainId", "verifyingContract", "salt"]
    domain_types = {
        "name": "string",
        "version": "string",
        "chainId": "uint256",
        "verifyingContract": "address",
        "salt": "bytes32",
    }
    domain_fields = [{"name": n, "type": domain_types[n]} for n in order if n in present]
    domain = {f["name"]: draw(_value(f["type"], {})) for f in domain_fields}
    if "chainId" in domain:
        domain["chainId"] = 1  # the account's chain
    primary = draw(st.sampled_from(names))  # any struct: reachable from others or not, using others or not
    return {
        "types": {"EIP712Domain": domain_fields, **types},
        "primaryType": primary,
        "domain": domain,
        "message": draw(_value(primary, types)),
    }


def _ethers_takes(doc: dict[str, Any]) -> bool:
    """ethers hashes a document only when the primary type is the one struct no other struct uses."""
    structs = {n: t for n, t in doc["types"].items() if n != "EIP712Domain"}
    used = {f["type"].partition("[")[0] for fields in structs.values() for f in fields}
    return [n for n in structs if n not in used] == [doc["primaryType"]]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(documents())
def test_eip712_signs_what_eth_sig_util_signs(oracle: Oracle, doc: dict[str, Any]) -> None:
    theirs = oracle.ask("sigutil", doc)
    assert "error" not in theirs, theirs
    assert "0x" + encode(doc).hex() == theirs["digest"]
    assert _sign(doc) == theirs["signature"]
    if _ethers_takes(doc):
        assert oracle.ask("ethers", doc)["digest"] == theirs["digest"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(documents(), st.data())
def test_eip712_refuses_a_fixed_array_of_another_length_anywhere(
    oracle: Oracle, doc: dict[str, Any], data: st.DataObject
) -> None:
    # Grow or shrink one fixed-size array wherever it sits; walletkit and ethers refuse, eth-sig-util signs.
    paths: list[list[Any]] = []

    def walk(type_name: str, value: Any, path: list[Any]) -> None:
        if type_name.endswith("]"):
            inner, _, size = type_name[:-1].rpartition("[")
            if size:
                paths.append(path)
            for i, item in enumerate(value):
                walk(inner, item, [*path, i])
        elif type_name in doc["types"]:
            for f in doc["types"][type_name]:
                walk(f["type"], value[f["name"]], [*path, f["name"]])

    walk(doc["primaryType"], doc["message"], [])
    if not paths:
        return
    target = doc["message"]
    path = data.draw(st.sampled_from(paths))
    for key in path:
        target = target[key]
    if target and data.draw(st.booleans()):
        target.pop()
    else:
        target.append(copy.deepcopy(target[0]) if target else 0)
    with pytest.raises(InvalidMessage, match="items, got"):
        encode(doc)
    if _ethers_takes(doc):
        assert "error" in oracle.ask("ethers", doc)


# Text forms of values: walletkit reads a form only when ethers and eth-sig-util both read it, alike.
FORMS: list[tuple[str, str, bool]] = [
    ("uint256", "007", True),
    ("uint256", "-0", True),
    ("uint256", "0xAB", True),
    ("uint256", "0XAB", True),
    ("uint256", "0x00ff", True),
    ("uint256", "+5", True),
    ("int64", "-5", True),
    ("int64", "-007", True),
    ("bytes", "0x", True),
    ("bytes", "0X0102", True),
    ("bytes2", "0X0102", True),
    ("uint256", "0x", False),  # both refuse
    ("uint256", "1e3", False),  # both refuse
    ("int64", "-0x5", False),  # eth-sig-util refuses, ethers reads -5
    ("uint256", " 5", False),  # both read 5: refused all the same, a field holds its value and nothing else
    ("uint256", "5\n", False),
]


@pytest.mark.parametrize(("field_type", "text", "read"), FORMS, ids=[f"{t} {v!r}" for t, v, _ in FORMS])
def test_eip712_reads_text_forms_as_both_references_do(oracle: Oracle, field_type: str, text: str, read: bool) -> None:
    doc = _with(field_type, text)
    sigutil, ethers = oracle.ask("sigutil", doc), oracle.ask("ethers", doc)
    if read:
        assert "0x" + encode(doc).hex() == sigutil["digest"] == ethers["digest"]
    else:
        with pytest.raises(InvalidMessage):
            encode(doc)
        assert "error" in sigutil or "error" in ethers or text != text.strip()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(documents(), st.data())
def test_eip712_malformed_documents_raise_only_typed_errors(doc: dict[str, Any], data: st.DataObject) -> None:
    # Any part of a valid document (a type, a field, a value, the domain) replaced by any JSON value.
    paths: list[list[Any]] = []

    def walk(node: Any, path: list[Any]) -> None:
        paths.append(path)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            walk(child, [*path, key])

    walk(doc, [])
    path = data.draw(st.sampled_from(paths[1:]))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(_JSON)
    try:
        encode(doc)
    except (InvalidMessage, InvalidAddress):
        pass
