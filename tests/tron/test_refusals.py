"""TRON builders refuse what java-tron refuses on a transaction's own fields (issue 16, items 2 and 3).

walletkit signed a TRX amount of 0, a TRC-10 amount of 0 and TRX sent to oneself; java-tron's
actuators refuse each ("Amount must be greater than 0.", "Cannot transfer TRX to yourself.").
The kind: every integer and address field of every TRON builder is checked against what the
actuator of its contract refuses without looking at chain state (java-tron
actuator/src/main/java/org/tron/core/actuator/*Actuator.java, validate()). Each case names
java-tron's own message; where tronweb (npm, run by node) refuses the same input, that is
checked too, and where tronweb is looser than the network, that is pinned as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import walletkit as wk
from chains.tron import contracts, staking
from chains.tron.address import parse_address
from chains.tron.tronweb import TronWebOracle
from walletkit.errors import EngineError, InvalidAmount, InvalidInput, InvalidTransaction

KEY = "07" * 32
ME = wk.Account.from_private_key("tron", KEY)
OTHER = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
HEADER: dict[str, Any] = {
    "ref_block_bytes": "b801",
    "ref_block_hash": "0e2bc08d550f5f58",
    "timestamp": 1_700_000_000_000,
}
HEADER["expiration"] = HEADER["timestamp"] + 60_000


@pytest.fixture(scope="module")
def tronweb() -> Iterator[TronWebOracle]:
    with TronWebOracle() as oracle:
        yield oracle


def _forms(address: str) -> list[str]:
    raw = parse_address(address)
    return [address, raw.hex(), "0x" + raw[1:].hex()]


# (id, walletkit call, error type, text the error must carry, tronweb request or None, tronweb refuses)
Case = tuple[str, Callable[[], object], type[Exception], str, dict[str, Any] | None, bool]
CASES: list[Case] = [
    (
        "trx amount 0",
        lambda: ME.transfer(OTHER, 0, **HEADER),
        InvalidAmount,
        "Amount must be greater than 0.",
        {"kind": "trx", "params": {"to": OTHER, "amount": 0}},
        True,
    ),
    *[
        (
            f"trx to yourself ({form[:2]})",
            lambda form=form: ME.transfer(form, 5, **HEADER),  # type: ignore[misc]
            InvalidTransaction,
            "Cannot transfer TRX to yourself.",
            {"kind": "trx", "params": {"to": ME.address, "amount": 5}},
            True,
        )
        for form in _forms(ME.address)
    ],
    (
        "trc10 amount 0",
        lambda: ME.transfer(OTHER, 0, token="1002000", **HEADER),
        InvalidAmount,
        "Amount must be greater than 0.",
        {"kind": "trc10", "params": {"to": OTHER, "amount": 0, "token_id": "1002000"}},
        True,
    ),
    (
        "trc10 to yourself",
        lambda: ME.transfer(ME.address, 5, token="1002000", **HEADER),
        InvalidTransaction,
        "Cannot transfer asset to yourself.",
        {"kind": "trc10", "params": {"to": ME.address, "amount": 5, "token_id": "1002000"}},
        True,
    ),
    *[
        (
            f"trc10 id {token!r}",
            lambda token=token: ME.transfer(OTHER, 5, token=token, **HEADER),  # type: ignore[misc]
            InvalidTransaction,
            "above 1000000",
            {"kind": "trc10", "params": {"to": OTHER, "amount": 5, "token_id": token}},
            False,  # tronweb takes any text as a token id; the network finds no such asset
        )
        for token in ("1000000", "0", "0001000000", "5", "9223372036854775808")
    ],
    (
        "freeze 0",
        lambda: staking.freeze(ME, 0, "ENERGY", **HEADER),
        InvalidAmount,
        "frozenBalance must be greater than or equal to 1 TRX",
        {"kind": "freeze", "params": {"amount": 0, "resource": "ENERGY"}},
        True,
    ),
    (
        "freeze below 1 TRX",
        lambda: staking.freeze(ME, 999_999, "ENERGY", **HEADER),
        InvalidAmount,
        "frozenBalance must be greater than or equal to 1 TRX",
        {"kind": "freeze", "params": {"amount": 999_999, "resource": "ENERGY"}},
        False,  # tronweb asks only for more than 0
    ),
    (
        "unfreeze 0",
        lambda: staking.unfreeze(ME, 0, "BANDWIDTH", **HEADER),
        InvalidAmount,
        "Invalid unfreeze_balance, [0] is error",
        {"kind": "unfreeze", "params": {"amount": 0, "resource": "BANDWIDTH"}},
        True,
    ),
    (
        "delegate below 1 TRX",
        lambda: staking.delegate(ME, OTHER, 999_999, "ENERGY", **HEADER),
        InvalidAmount,
        "delegateBalance must be greater than or equal to 1 TRX",
        {"kind": "delegate", "params": {"to": OTHER, "amount": 999_999, "resource": "ENERGY", "lock": False}},
        False,
    ),
    (
        "delegate to yourself",
        lambda: staking.delegate(ME, ME.address, 2_000_000, "ENERGY", **HEADER),
        InvalidTransaction,
        "receiverAddress must not be the same as ownerAddress",
        {"kind": "delegate", "params": {"to": ME.address, "amount": 2_000_000, "resource": "ENERGY", "lock": False}},
        True,
    ),
    (
        "delegate tron power",
        lambda: staking.delegate(ME, OTHER, 2_000_000, "TRON_POWER", **HEADER),  # type: ignore[arg-type]
        InvalidTransaction,
        "resource must be BANDWIDTH or ENERGY",
        {"kind": "delegate", "params": {"to": OTHER, "amount": 2_000_000, "resource": "TRON_POWER", "lock": False}},
        True,
    ),
    (
        "delegate lock_period without lock",
        lambda: staking.delegate(ME, OTHER, 2_000_000, "ENERGY", lock=False, lock_period=28_800, **HEADER),
        InvalidTransaction,
        "read only with lock=True",
        None,  # tronweb drops the period without a word; java-tron would ignore it
        False,
    ),
    (
        "undelegate 0",
        lambda: staking.undelegate(ME, OTHER, 0, "ENERGY", **HEADER),
        InvalidAmount,
        "unDelegateBalance must be more than 0 TRX",
        {"kind": "undelegate", "params": {"to": OTHER, "amount": 0, "resource": "ENERGY"}},
        True,
    ),
    (
        "undelegate from yourself",
        lambda: staking.undelegate(ME, ME.address, 5, "ENERGY", **HEADER),
        InvalidTransaction,
        "receiverAddress must not be the same as ownerAddress",
        {"kind": "undelegate", "params": {"to": ME.address, "amount": 5, "resource": "ENERGY"}},
        True,
    ),
    (
        "no votes",
        lambda: staking.vote(ME, {}, **HEADER),
        InvalidTransaction,
        "1 to 30 super representatives, got 0",
        {"kind": "vote", "params": {"votes": {}}},
        True,
    ),
    (
        "a vote of 0",
        lambda: staking.vote(ME, {OTHER: 0}, **HEADER),
        InvalidAmount,
        "vote count must be greater than 0",
        {"kind": "vote", "params": {"votes": {OTHER: 0}}},
        True,
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "error", "text", "request_", "tronweb_refuses"), CASES, ids=[c[0] for c in CASES]
)
def test_tron_refuses_what_java_tron_refuses(
    tronweb: TronWebOracle,
    name: str,
    call: Callable[[], object],
    error: type[Exception],
    text: str,
    request_: dict[str, Any] | None,
    tronweb_refuses: bool,
) -> None:
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)
    if request_ is None:
        return
    request_ = {"op": "tx", **request_, "header": HEADER, "key": KEY}
    request_["params"] = {**request_["params"], "from": ME.address}
    if tronweb_refuses:
        with pytest.raises(EngineError, match="tronweb refused"):
            tronweb.request(request_)
    else:
        assert tronweb.request(request_)["txID"]


def test_tron_refuses_what_java_tron_refuses_more_than_30_votes() -> None:
    # java-tron: "VoteNumber more than maxVoteNumber 30" (tronweb builds it).
    wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
    srs = [a.address for a in wallet.accounts("tron", count=31)]
    assert staking.vote(ME, dict.fromkeys(srs[:30], 1), **HEADER).contract.type_name == "VoteWitnessContract"
    with pytest.raises(InvalidTransaction, match="1 to 30 super representatives, got 31"):
        staking.vote(ME, dict.fromkeys(srs, 1), **HEADER)


@pytest.mark.parametrize(
    "call",
    [
        lambda amount: ME.transfer(OTHER, amount, **HEADER),
        lambda amount: ME.transfer(OTHER, amount, token="1002000", **HEADER),
        lambda amount: staking.freeze(ME, amount, **HEADER),
        lambda amount: staking.unfreeze(ME, amount, **HEADER),
        lambda amount: staking.delegate(ME, OTHER, amount, **HEADER),
        lambda amount: staking.undelegate(ME, OTHER, amount, **HEADER),
        lambda amount: staking.vote(ME, {OTHER: amount}, **HEADER),
    ],
    ids=["trx", "trc10", "freeze", "unfreeze", "delegate", "undelegate", "vote"],
)
def test_tron_refuses_what_java_tron_refuses_beyond_int64(call: Callable[[int], object]) -> None:
    # Every amount is a protobuf int64: 2^63-1 is built (the network judges the balance), 2^63 is not.
    assert call(2**63 - 1) is not None
    for amount in (2**63, 2**64, -1):
        with pytest.raises(InvalidInput):
            call(amount)


def test_trc10_id_is_read_as_a_number_and_encoded_as_java_tron_names_it(tronweb: TronWebOracle) -> None:
    # java-tron finds a TRC-10 asset by the decimal bytes of its id: "0001002000" is token 1002000.
    padded = ME.sign(ME.transfer(OTHER, 5, token="0001002000", **HEADER))
    theirs = tronweb.request(
        {
            "op": "tx",
            "kind": "trc10",
            "params": {"to": OTHER, "amount": 5, "token_id": "1002000", "from": ME.address},
            "header": HEADER,
            "key": KEY,
        }
    )
    assert padded.txid == theirs["txID"]
    me, other = parse_address(ME.address), parse_address(OTHER)
    with pytest.raises(InvalidTransaction, match="names no token"):
        contracts.transfer_asset(me, other, b"0001002000", 5)


def test_boundaries_java_tron_accepts_are_built_as_tronweb_builds_them(tronweb: TronWebOracle) -> None:
    cases: list[tuple[dict[str, Any], object]] = [
        ({"kind": "trx", "params": {"to": OTHER, "amount": 1}}, ME.transfer(OTHER, 1, **HEADER)),
        (
            {"kind": "trc10", "params": {"to": OTHER, "amount": 1, "token_id": "1000001"}},
            ME.transfer(OTHER, 1, token="1000001", **HEADER),
        ),
        (
            {"kind": "freeze", "params": {"amount": 1_000_000, "resource": "BANDWIDTH"}},
            staking.freeze(ME, 1_000_000, **HEADER),
        ),
        (
            {"kind": "unfreeze", "params": {"amount": 1, "resource": "ENERGY"}},
            staking.unfreeze(ME, 1, "ENERGY", **HEADER),
        ),
        (
            {
                "kind": "delegate",
                "params": {"to": OTHER, "amount": 1_000_000, "resource": "ENERGY", "lock": True, "lock_period": 0},
            },
            staking.delegate(ME, OTHER, 1_000_000, "ENERGY", lock=True, **HEADER),
        ),
        (
            {"kind": "undelegate", "params": {"to": OTHER, "amount": 1, "resource": "BANDWIDTH"}},
            staking.undelegate(ME, OTHER, 1, **HEADER),
        ),
        ({"kind": "vote", "params": {"votes": {OTHER: 1}}}, staking.vote(ME, {OTHER: 1}, **HEADER)),
    ]
    for request_, tx in cases:
        theirs = tronweb.request(
            {"op": "tx", **request_, "params": {**request_["params"], "from": ME.address}, "header": HEADER, "key": KEY}
        )
        assert ME.sign(tx).txid == theirs["txID"], request_["kind"]


def test_fee_limit_zero_stays_valid() -> None:
    tx = ME.transfer(OTHER, 5, token=USDT, fee_limit=0, **HEADER)
    assert tx.fee_limit == 0  # type: ignore[attr-defined]
    assert ME.sign(tx).txid
    with pytest.raises(InvalidTransaction, match="fee_limit"):
        ME.transfer(OTHER, 5, token=USDT, fee_limit=-1, **HEADER)


def test_a_transaction_java_tron_would_call_too_big_is_refused() -> None:
    # java-tron's Manager.validateCommon: more than 500 KiB, results included, is "Too big transaction".
    ME.transfer(OTHER, 5, memo=b"m" * 400_000, **HEADER)
    with pytest.raises(InvalidTransaction, match="Too big transaction"):
        ME.transfer(OTHER, 5, memo=b"m" * 512_000, **HEADER)


def test_trc10_id_in_other_digits_is_a_typed_error() -> None:
    # str.isdigit() is true for Arabic-Indic digits: such a "token" is refused as an address, not encoded.
    with pytest.raises(wk.errors.InvalidInput):
        ME.transfer(OTHER, 5, token="\u0661\u0660\u0660\u0662\u0660\u0660\u0660", **HEADER)
