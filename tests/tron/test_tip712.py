"""TIP-712 typed data: walletkit against tronweb's own signTypedData / verifyTypedData (node).

Both sign with RFC 6979 nonces, so equal digests give byte-identical signatures; each side
also verifies the other's. Expected values all come from tronweb, never from walletkit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.tron.address import parse_address
from chains.tron.tronweb import TronWebOracle

PHRASE = "abandon " * 11 + "about"
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TYPES: dict[str, list[dict[str, str]]] = {
    "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
    "Transfer": [
        {"name": "from", "type": "Person"},
        {"name": "to", "type": "Person[]"},
        {"name": "token", "type": "trcToken"},
        {"name": "amount", "type": "uint256"},
        {"name": "contents", "type": "string"},
        {"name": "memo", "type": "bytes"},
        {"name": "tag", "type": "bytes32"},
        {"name": "ok", "type": "bool"},
        {"name": "delta", "type": "int64"},
        {"name": "ids", "type": "trcToken[2]"},
    ],
}


@pytest.fixture(scope="module")
def tronweb() -> Iterator[TronWebOracle]:
    with TronWebOracle() as oracle:
        yield oracle


def _account(index: int = 0, network: str = "mainnet") -> wk.Account:
    return wk.Wallet.from_mnemonic(PHRASE).account("tron", index, network=network)


def _document(sender: str, recipients: list[str], amount: int, contents: str) -> dict[str, Any]:
    domain = {"name": "walletkit", "version": "1", "chainId": "0x2b6653dc", "verifyingContract": USDT}
    message = {
        "from": {"name": "alice", "wallet": sender},
        "to": [{"name": f"r{i}", "wallet": r} for i, r in enumerate(recipients)],
        "token": 1002000,
        "amount": amount,
        "contents": contents,
        "memo": "0x" + contents.encode().hex(),
        "tag": "0x" + "ab" * 32,
        "ok": True,
        "delta": str(-amount % (1 << 63) - (1 << 62)),  # text: JSON numbers stop at 2^53 in node
        "ids": [1002000, "1000001"],
    }
    return {"types": TYPES, "primaryType": "Transfer", "domain": domain, "message": message}


def _tronweb_sign(tronweb: TronWebOracle, document: dict[str, Any], key: str) -> str:
    answer = tronweb.request(
        {
            "op": "sign_typed_data",
            "domain": document["domain"],
            "types": TYPES,
            "value": document["message"],
            "key": key,
        }
    )
    assert "error" not in answer, answer
    return str(answer["signature"])


def test_signature_equals_tronweb_and_verifies_both_ways(tronweb: TronWebOracle) -> None:
    account, other = _account(0), _account(1)
    document = _document(account.address, [other.address, USDT], 25_000_000, "pay the invoice")
    ours = account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]
    key = account.export_private_key()
    assert ours == _tronweb_sign(tronweb, document, key)
    verdict = tronweb.request(
        {
            "op": "verify_typed_data",
            "domain": document["domain"],
            "types": TYPES,
            "value": document["message"],
            "signature": ours,
            "address": account.address,
        }
    )
    assert verdict == {"ok": True}
    assert account.plugin.verify_typed_data(account.address, document, ours)  # type: ignore[attr-defined]
    assert not account.plugin.verify_typed_data(other.address, document, ours)  # type: ignore[attr-defined]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    index=st.integers(0, 2**31 - 1),
    amount=st.integers(0, 2**256 - 1),
    contents=st.text(max_size=40),
    recipients=st.integers(0, 3),
)
def test_random_documents_match_tronweb(
    tronweb: TronWebOracle, index: int, amount: int, contents: str, recipients: int
) -> None:
    account = _account(index % 1000)
    others = [_account(index % 1000 + 1 + i).address for i in range(recipients)]
    document = _document(account.address, others, amount, contents)
    document["message"]["amount"] = str(amount)  # JSON numbers stop at 2^53: both sides take decimal text
    ours = account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]
    assert ours == _tronweb_sign(tronweb, document, account.export_private_key())


def test_explicit_eip712_domain_type_is_the_same(tronweb: TronWebOracle) -> None:
    # An eth-style document that lists EIP712Domain hashes as tronweb's (which derives it).
    account = _account(2)
    document = _document(account.address, [USDT], 7, "explicit domain")
    explicit = {
        **document,
        "types": {
            **TYPES,
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
        },
    }
    ours = account.plugin.sign_typed_data(account, explicit)  # type: ignore[attr-defined]
    assert ours == _tronweb_sign(tronweb, document, account.export_private_key())


def test_every_address_form_gives_the_same_signature() -> None:
    account, other = _account(0), _account(1)
    raw = parse_address(other.address)
    forms = [other.address, raw.hex(), "0x" + raw[1:].hex()]
    signatures = {
        account.plugin.sign_typed_data(account, _document(account.address, [form], 5, "x"))  # type: ignore[attr-defined]
        for form in forms
    }
    assert len(signatures) == 1


def test_domain_of_another_network_is_refused() -> None:
    nile = _account(0, "nile")
    document = _document(nile.address, [], 1, "x")  # chainId 0x2b6653dc is mainnet's
    with pytest.raises(wk.errors.ChainMismatch, match="TRON nile"):
        nile.plugin.sign_typed_data(nile, document)  # type: ignore[attr-defined]
    document["domain"]["chainId"] = 0xCD8690DC
    assert nile.plugin.sign_typed_data(nile, document).startswith("0x")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d["message"]["from"].update(wallet="T123"), wk.errors.InvalidAddress),
        (lambda d: d["message"].update(to="not a list"), wk.errors.InvalidMessage),
        (lambda d: d.update(types=5), wk.errors.InvalidMessage),
        (lambda d: d["message"].update(amount=-1), wk.errors.InvalidMessage),
        (lambda d: d["domain"].update(chainId=1.5), wk.errors.InvalidMessage),
        (lambda d: d["message"].update(ids=[1]), wk.errors.InvalidMessage),
        (lambda d: d["message"].update(delta=1 << 63), wk.errors.InvalidMessage),
        (lambda d: d["message"].pop("ok"), wk.errors.InvalidMessage),
        (lambda d: d["message"].update(tag="0x1234"), wk.errors.InvalidMessage),
        (lambda d: d.update(primaryType="Nope"), wk.errors.InvalidMessage),
    ],
)
def test_malformed_documents_are_typed_errors(change: Any, error: type[Exception]) -> None:
    account = _account(0)
    document = _document(account.address, [], 1, "x")
    change(document)
    with pytest.raises(error):
        account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]


def _extended(field_type: str, value: Any) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]]]:
    account = _account(0)
    document = _document(account.address, [USDT], 7, "strict")
    types = {**TYPES, "Transfer": [*TYPES["Transfer"], {"name": "extra", "type": field_type}]}
    document["types"] = types
    document["message"]["extra"] = value
    return document, types


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        ("uint8[2]", [1, 2, 3]),
        ("bytes32", "0x01"),
        ("uint8", 256),
        ("int8", -129),
        ("bytes4", "0x0102030405"),
        ("string", 5),
    ],
    ids=["uint8[2] holding 3", "bytes32 given 0x01", "uint8 256", "int8 -129", "bytes4 given 5", "string 5"],
)
def test_tip712_refuses_what_tronweb_refuses(tronweb: TronWebOracle, field_type: str, value: Any) -> None:
    # One strict encoder for EVM and TRON (walletkit.eip712): a value that does not fit its type exactly.
    document, types = _extended(field_type, value)
    account = _account(0)
    with pytest.raises(wk.errors.InvalidMessage):
        account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]
    with pytest.raises(wk.errors.EngineError, match="tronweb refused"):
        tronweb.request(
            {
                "op": "sign_typed_data",
                "domain": document["domain"],
                "types": types,
                "value": document["message"],
                "key": account.export_private_key(),
            }
        )
