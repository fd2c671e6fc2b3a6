"""Cross-check with TRON's own SDK: tronweb (npm, run by node) builds and signs the same bytes.

320 hypothesis-generated transactions over TRX, TRC-10, TRC-20, Stake 2.0 and VoteWitness, each built and
signed offline by walletkit and by tronweb: raw_data_hex, txID and signature must be equal.
Messages signed here verify in tronweb, and the reverse. tronweb is installed by npm on first
use; without node or npm these tests fail with a message saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.tron import staking
from chains.tron.address import parse_address, to_base58
from chains.tron.tronweb import TronWebOracle

KEYS = st.integers(1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140).map(
    lambda k: k.to_bytes(32, "big").hex()
)
ADDRESSES = st.binary(min_size=20, max_size=20).map(lambda b: to_base58(b"\x41" + b))
# tronweb takes int64 fields as JS numbers, exact only below 2^53 (TRX's whole supply is below 2^57 sun).
INT64 = st.integers(1, 2**53 - 1)
KINDS = ["trx", "trc10", "trc20", "freeze", "unfreeze", "delegate", "undelegate", "withdraw", "vote"]


@pytest.fixture(scope="module")
def tronweb() -> Iterator[TronWebOracle]:
    with TronWebOracle() as oracle:
        yield oracle


def _form(address: str, form: int) -> str:
    raw = parse_address(address)
    return [address, raw.hex(), "0x" + raw[1:].hex()][form]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    ts = draw(st.integers(1_500_000_000_000, 2_000_000_000_000))
    header = {
        "ref_block_bytes": draw(st.binary(min_size=2, max_size=2)).hex(),
        "ref_block_hash": draw(st.binary(min_size=8, max_size=8)).hex(),
        "timestamp": ts,
        "expiration": ts + draw(st.integers(1_000, 86_400_000)),
    }
    kind = draw(st.sampled_from(KINDS))
    params: dict[str, Any] = {"to": draw(ADDRESSES), "amount": draw(INT64)}
    if kind == "trc10":
        params["token_id"] = str(draw(st.integers(1_000_001, 1_999_999)))
    if kind == "trc20":
        params["contract"] = draw(ADDRESSES)
        params["amount"] = draw(st.integers(1, 2**256 - 1))
        params["fee_limit"] = draw(st.integers(1, 15_000_000_000))
    if kind in ("freeze", "delegate"):  # java-tron stakes and lends 1 TRX (10^6 sun) at least
        params["amount"] = draw(st.integers(1_000_000, 2**53 - 1))
    if kind in ("freeze", "unfreeze", "delegate", "undelegate"):
        params["resource"] = draw(st.sampled_from(["BANDWIDTH", "ENERGY"]))
    if kind == "delegate":
        params["lock"] = draw(st.booleans())
        params["lock_period"] = draw(st.integers(1, 864_000)) if params["lock"] else 0
    if kind == "vote":
        # Distinct super representatives, in the order given (tronweb keeps object insertion order).
        srs = draw(st.lists(ADDRESSES, min_size=1, max_size=5, unique=True))
        params["votes"] = {sr: draw(st.integers(1, 2**40)) for sr in srs}
    return {"kind": kind, "params": params, "header": header, "key": draw(KEYS), "form": draw(st.integers(0, 2))}


def _walletkit(req: dict[str, Any]) -> dict[str, str]:
    account = wk.Account.from_private_key("tron", req["key"])
    p, h, kind = req["params"], req["header"], req["kind"]
    to = _form(p["to"], req["form"])
    if kind == "trx":
        tx = account.transfer(to, p["amount"], **h)
    elif kind == "trc10":
        tx = account.transfer(to, p["amount"], token=p["token_id"], **h)
    elif kind == "trc20":
        tx = account.transfer(to, p["amount"], token=_form(p["contract"], req["form"]), fee_limit=p["fee_limit"], **h)
    elif kind == "freeze":
        tx = staking.freeze(account, p["amount"], p["resource"], **h)
    elif kind == "unfreeze":
        tx = staking.unfreeze(account, p["amount"], p["resource"], **h)
    elif kind == "delegate":
        tx = staking.delegate(
            account, to, p["amount"], p["resource"], lock=p["lock"], lock_period=p["lock_period"], **h
        )
    elif kind == "undelegate":
        tx = staking.undelegate(account, to, p["amount"], p["resource"], **h)
    elif kind == "vote":
        tx = staking.vote(account, p["votes"], **h)
    else:
        tx = staking.withdraw_unfrozen(account, **h)
    signed = account.sign(tx)
    body = signed.extra["json"]
    return {"raw_data_hex": body["raw_data_hex"], "txID": signed.txid, "signature": body["signature"][0]}  # type: ignore[index]


def _tronweb(oracle: TronWebOracle, req: dict[str, Any]) -> dict[str, str]:
    params = dict(req["params"], **{"from": wk.Account.from_private_key("tron", req["key"]).address})
    params["amount"] = str(params["amount"]) if req["kind"] == "trc20" else params["amount"]
    return oracle.request(
        {"op": "tx", "kind": req["kind"], "params": params, "header": req["header"], "key": req["key"]}
    )


@settings(max_examples=320, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests())
def test_transactions_match_tronweb(tronweb: TronWebOracle, req: dict[str, Any]) -> None:
    ours, theirs = _walletkit(req), _tronweb(tronweb, req)
    assert ours["raw_data_hex"] == theirs["raw_data_hex"], req["kind"]
    assert ours["txID"] == theirs["txID"]
    assert ours["signature"].lower() == theirs["signature"].lower()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(KEYS, st.text(min_size=1, max_size=80))
def test_messages_verify_both_ways(tronweb: TronWebOracle, key: str, message: str) -> None:
    account = wk.Account.from_private_key("tron", key)
    ours = account.sign_message(message)
    assert (
        tronweb.request({"op": "verify_message", "message": message, "signature": ours})["address"] == account.address
    )
    theirs = tronweb.request({"op": "sign_message", "message": message, "key": key})["signature"]
    assert wk.verify_message("tron", account.address, message, theirs)
    assert theirs.lower() == ours.lower()


def test_address_forms_give_identical_bytes() -> None:
    """Failure class 28: T..., 41... and 0x... of one address encode to identical transaction bytes (tron-web#157)."""
    account = wk.Account.from_private_key("tron", "01" * 32)
    header = {"ref_block_bytes": "b801", "ref_block_hash": "0e2bc08d550f5f58", "timestamp": 1_700_000_000_000}
    target = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
    raws = {account.sign(account.transfer(_form(target, form), 5, None, **header)).raw for form in range(3)}
    assert len(raws) == 1


def test_plugin_staking_api_matches_tronweb(tronweb: TronWebOracle) -> None:
    # The plugin-level Stake 2.0 / vote methods (TRON.freeze, ...) against tronweb, one of each.
    from chains.tron.plugin import TRON

    key = "03" * 32
    account = wk.Account.from_private_key("tron", key)
    to = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
    h = {"ref_block_bytes": "b801", "ref_block_hash": "0e2bc08d550f5f58", "timestamp": 1_700_000_000_000}
    h["expiration"] = 1_700_000_060_000
    votes = {to: 5, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t": 9}
    cases: list[tuple[str, dict[str, Any], Any]] = [
        ("freeze", {"amount": 7_000_000, "resource": "ENERGY"}, TRON.freeze(account, 7_000_000, "ENERGY", **h)),
        (
            "unfreeze",
            {"amount": 3_000_000, "resource": "BANDWIDTH"},
            TRON.unfreeze(account, 3_000_000, "BANDWIDTH", **h),
        ),
        ("withdraw", {}, TRON.withdraw_unfrozen(account, **h)),
        (
            "delegate",
            {"to": to, "amount": 2_000_000, "resource": "ENERGY", "lock": True, "lock_period": 28_800},
            TRON.delegate(account, to, 2_000_000, "ENERGY", lock=True, lock_period=28_800, **h),
        ),
        (
            "undelegate",
            {"to": to, "amount": 2_000_000, "resource": "ENERGY"},
            TRON.undelegate(account, to, 2_000_000, "ENERGY", **h),
        ),
        ("vote", {"votes": votes}, TRON.vote(account, votes, **h)),
    ]
    for kind, params, tx in cases:
        signed = account.sign(tx)
        theirs = tronweb.request(
            {"op": "tx", "kind": kind, "params": dict(params, **{"from": account.address}), "header": h, "key": key}
        )
        assert signed.extra["json"]["raw_data_hex"] == theirs["raw_data_hex"], kind  # type: ignore[index]
        assert signed.txid == theirs["txID"], kind
        assert json.loads(TRON.broadcast_json(signed))["signature"][0].lower() == theirs["signature"].lower(), kind
