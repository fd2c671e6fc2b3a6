"""walletkit/signer/requests.py pinned line by line (mutation group ``signer``, issue 19).

The watcher's triggers (``observe``: a foreign spend, a drain), pending requests read back, and
fields stored with a request, on an in-memory store and the store's injected clock. Expected
freezes, reasons and amounts are written out by hand; EIP-55 spellings come from eth-utils.
"""

from __future__ import annotations

from typing import Any

import nacl.signing
import pytest
from eth_utils import to_checksum_address

import walletkit as wk
from walletkit.errors import ApprovalRefused
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.approvals import ApproverSignature, PendingRequest
from walletkit.signer.guard import Freeze
from walletkit.signer.requests import decode_fields, encode_fields
from walletkit.watch.events import TransferEvent

KEY = "0x" + "42" * 32
TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
GWEI = 10**9
ETH = 10**18
T0 = 1_700_000_000.0
ALICE = nacl.signing.SigningKey(bytes([1]) * 32)
BOB = nacl.signing.SigningKey(bytes([2]) * 32)


class Clock:
    """The store's clock, set by the test (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _eth() -> wk.Account:
    return wk.Account.from_private_key("eth", KEY)


def _policy(
    *, window: str = "1", token: str = "150", guard: dict[str, Any] | None = None, approvals: bool = False
) -> Policy:
    chain: dict[str, Any] = {
        "recipients": [TO],
        "max_per_tx": "50",
        "window": {"amount": window, "seconds": 3600},
        "tokens": {TOKEN: {"decimals": 6, "max_per_tx": token, "window": {"amount": token, "seconds": 600}}},
    }
    if approvals:
        chain["approvals"] = [
            {"name": "large", "above": {"native": "1"}, "approvers": ["alice", "bob"], "required": 2, "expires": 600}
        ]
    return Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": ALICE.verify_key.encode().hex()},
                "bob": {"ed25519": BOB.verify_key.encode().hex()},
            },
            "chains": {"eth": chain},
            "guard": guard or {},
        }
    )


def _event(txid: str, *, direction: str = "out", status: str = "seen", asset: str = "native", address: str = "") -> Any:
    account = _eth()
    return TransferEvent(
        "00" * 16,
        "eth",
        "mainnet",
        txid,
        0,
        direction,  # type: ignore[arg-type]
        address or account.address.lower(),  # log topics spell addresses in lower case
        TO,
        asset,
        1,
        7,
        "0x" + "ff" * 32,
        1,
        status,  # type: ignore[arg-type]
    )


def _pay(signer: Signer, amount: int, nonce: int) -> str:
    return signer.transfer(_eth(), TO, amount, nonce=nonce, gas=21_000, gas_price=GWEI).txid


def _freezes(signer: Signer) -> list[dict[str, Any]]:
    return [e for e in signer.store.audit_events() if e.get("decision") == "frozen"]


# --- observe: a foreign spend ---------------------------------------------------------------------


def test_a_spend_this_signer_did_not_sign_freezes_the_account() -> None:
    seen: list[Freeze] = []
    signer = Signer(_policy(), SQLiteStore(clock=Clock()), on_freeze=[seen.append])
    ours = _pay(signer, ETH // 10, 0)
    account = _eth()
    scope = f"eth:{to_checksum_address(account.address)}"
    assert signer.observe(_event(ours)) is None  # our own spend, within the window
    assert signer.observe(_event("0x" + "ab" * 32, direction="in")) is None  # incoming: not a spend
    assert signer.observe(_event("0x" + "ab" * 32, status="reverted")) is None  # its block left the chain
    assert signer.frozen() == [] and seen == []
    foreign = "0x" + "cd" * 32
    expected = Freeze(scope, f"outgoing {foreign} was not signed by this signer", "foreign_spend", T0)
    assert signer.observe(_event(foreign)) == expected
    assert seen == [expected]
    assert signer.frozen(account) == [expected] and signer.frozen(scope) == [expected]
    assert _freezes(signer) == [
        {"decision": "frozen", "scope": scope, "reason": expected.reason, "source": "foreign_spend"}
    ]
    assert signer.observe(_event("0x" + "ef" * 32)) is None  # frozen already: no second freeze
    assert seen == [expected]
    with pytest.raises(wk.errors.AccountFrozen):
        _pay(signer, 1, 1)


def test_a_foreign_spend_freezes_everything_under_scope_all() -> None:
    signer = Signer(_policy(guard={"scope": "all"}), SQLiteStore(clock=Clock()))
    frozen = signer.observe(_event("0x" + "cd" * 32))
    assert frozen is not None and frozen.scope == "*"
    assert signer.frozen("eth:" + TO) == [frozen]  # another account is frozen too


def test_a_foreign_spend_is_ignored_when_the_rule_is_off() -> None:
    signer = Signer(_policy(guard={"freeze_on_foreign_spend": False, "freeze_on_drain": False}), SQLiteStore())
    assert signer.observe(_event("0x" + "cd" * 32)) is None
    assert signer.frozen() == []


# --- observe: a drain (more left within a window than the policy's window amount) -------------------


def _drained(spent: int, advance: float, *, asset: str = "native", guard: dict[str, Any] | None = None) -> Any:
    """Spend ``spent`` through a signer with a loose window, then let a signer with the 1 ETH window
    (and 150 token window) observe a spend ``advance`` seconds later over the same store."""
    clock = Clock()
    store = SQLiteStore(clock=clock)
    loose = Signer(_policy(window="10", token="1000"), store)
    if asset == "native":
        txid = _pay(loose, spent, 0)
    else:
        txid = loose.transfer(_eth(), TO, spent, TOKEN, nonce=0, gas=60_000, gas_price=GWEI).txid
    clock.now += advance
    strict = Signer(_policy(guard={"freeze_on_foreign_spend": False, **(guard or {})}), store)
    return strict.observe(_event(txid, asset=asset))


def test_more_than_the_window_amount_out_within_the_window_freezes() -> None:
    account = _eth()
    frozen = _drained(ETH + 1, 3600)  # the spend is at the window's very start: still inside
    assert frozen == Freeze(
        f"eth:{to_checksum_address(account.address)}",
        f"{ETH + 1} of native left within 3600 s",
        "drain",
        T0 + 3600,
    )


def test_the_window_amount_itself_or_an_older_spend_does_not_freeze() -> None:
    assert _drained(ETH, 0) is None  # exactly the window amount
    assert _drained(ETH + 1, 3600.5) is None  # the spend left the window
    assert _drained(ETH + 1, 0, guard={"freeze_on_drain": False}) is None


def test_a_token_drain_is_judged_against_the_token_window() -> None:
    frozen = _drained(150 * 10**6 + 1, 600, asset=TOKEN)
    assert frozen is not None and frozen.reason == f"{150 * 10**6 + 1} of {TOKEN} left within 600 s"
    assert _drained(150 * 10**6, 0, asset=TOKEN) is None
    assert _drained(150 * 10**6 + 1, 0, asset="0x" + "11" * 20) is None  # a token the policy has no rules for


# --- pending requests, read back ------------------------------------------------------------------


def _sign(key: nacl.signing.SigningKey, name: str, pending: PendingRequest) -> ApproverSignature:
    return ApproverSignature(name, key.sign(bytes.fromhex(pending.digest)).signature)


def test_a_pending_request_reads_back_as_it_was_asked() -> None:
    clock = Clock()
    signer = Signer(_policy(window="10", approvals=True), SQLiteStore(clock=clock))
    asked = signer.request(_eth(), TO, 2 * ETH, requester="ops", nonce=0, gas=21_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    assert asked.needs == {"large": 2} and asked.expires_at == T0 + 600 and asked.approvals == ()
    assert signer.pending(asked.id) == asked
    clock.now += 5
    after = signer.approve(asked.id, _sign(ALICE, "alice", asked))
    assert after == PendingRequest(asked.id, asked.digest, T0 + 600, {"large": 1}, ("alice",))
    assert signer.pending(asked.id) == after
    with pytest.raises(ApprovalRefused) as info:
        signer.pending("f" * 32)
    assert info.value.reason == "wrong_request" and str(info.value).endswith(f"no request {'f' * 32!r}")


def test_a_request_executes_in_another_process_from_its_stored_fields() -> None:
    # A second Signer over the same store has nothing kept in memory: it rebuilds the transfer from
    # the fields stored with the request (decode_fields) and signs the same transaction.
    clock = Clock()
    store = SQLiteStore(clock=clock)
    asking = Signer(_policy(window="10", approvals=True), store)
    asked = asking.request(_eth(), TO, 2 * ETH, requester="ops", nonce=3, gas=21_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    asking.approve(asked.id, _sign(ALICE, "alice", asked))
    asking.approve(asked.id, _sign(BOB, "bob", asked))
    other = Signer(_policy(window="10", approvals=True), store)
    signed = other.execute(asked.id, _eth())
    kept = asking.execute(asked.id, _eth())  # the first process: the same bytes, never signed twice
    assert isinstance(signed, wk.SignedTransaction) and isinstance(kept, wk.SignedTransaction)
    assert signed.raw == kept.raw
    from eth_account import Account as EthAccount

    tx = EthAccount.recover_transaction(signed.raw)
    assert tx == _eth().address
    from eth_account._utils.legacy_transactions import Transaction

    decoded = Transaction.from_bytes(signed.raw)
    assert (decoded.nonce, decoded.gas, decoded.gasPrice, decoded.value) == (3, 21_000, GWEI, 2 * ETH)
    assert to_checksum_address(decoded.to) == TO


def test_fields_round_trip_through_their_json() -> None:
    fields = {"data": b"\x01\x02", "memo": "hi", "nested": {"__hex__": "ab", "other": 1}, "n": 5}
    text = encode_fields(fields)
    assert text == '{"data": {"__hex__": "0102"}, "memo": "hi", "n": 5, "nested": {"__hex__": "ab", "other": 1}}'
    assert decode_fields(text) == fields
    assert decode_fields('{"x": {"__hex__": "ff00"}}') == {"x": b"\xff\x00"}
    assert decode_fields("[1, 2]") == {}
    with pytest.raises(wk.errors.InvalidInput) as info:
        encode_fields({"f": object()})
    assert str(info.value) == "a field of type object cannot be stored with a pending request"


# --- an operator's freeze, and an on-chain approval of an unknown spender ---------------------------


def test_an_operator_freeze_names_its_reason_and_source_and_is_told_once() -> None:
    seen: list[Freeze] = []
    signer = Signer(_policy(), SQLiteStore(clock=Clock()), on_freeze=[seen.append])
    account = _eth()
    scope = f"eth:{to_checksum_address(account.address)}"
    frozen = signer.freeze(account)
    assert frozen == Freeze(scope, "frozen by an operator", "manual", T0)
    assert seen == [frozen]
    assert signer.freeze(account) is None and seen == [frozen]  # frozen already: nothing new, nobody told
    everything = signer.freeze(None, "incident 7", source="pager")
    assert everything == Freeze("*", "incident 7", "pager", T0) and seen == [frozen, everything]


SPENDER = "0x" + "5e" * 20


def _watching(**chain: Any) -> tuple[Signer, list[Freeze]]:
    seen: list[Freeze] = []
    guard = chain.pop("guard", {})
    spec = {"chains": {"eth": {"recipients": [TO], **chain}}, "guard": guard}
    return Signer(Policy.from_dict(spec), SQLiteStore(clock=Clock()), on_freeze=[seen.append]), seen


def test_an_approval_of_an_unknown_spender_freezes_its_owner() -> None:
    account = _eth()
    owner = to_checksum_address(account.address)
    signer, seen = _watching(spenders=[to_checksum_address(SPENDER)])
    assert signer.observe_approval("eth", account.address.lower(), SPENDER, TOKEN) is None  # a listed spender
    assert seen == []
    frozen = signer.observe_approval("eth", account.address.lower(), TO, TOKEN)  # a recipient, not a spender
    expected = Freeze(f"eth:{owner}", f"{owner} approved unknown spender {TO} for {TOKEN}", "unknown_spender", T0)
    assert frozen == expected and seen == [expected]
    assert signer.observe_approval("eth", account.address.lower(), TO, TOKEN) is None  # frozen already
    assert seen == [expected]


def test_without_a_spender_list_the_recipients_are_the_known_spenders() -> None:
    account = _eth()
    signer, seen = _watching()
    assert signer.observe_approval("eth", account.address, TO.lower(), TOKEN) is None
    frozen = signer.observe_approval("eth", account.address, SPENDER, "native")
    assert frozen is not None and frozen.source == "unknown_spender" and seen == [frozen]


def test_an_approval_on_a_chain_without_rules_or_with_the_rule_off() -> None:
    account = _eth()
    signer, _ = _watching()
    bsc = signer.observe_approval("bsc", account.address, TO, TOKEN)  # no rules for bsc: nothing is known there
    assert bsc is not None and bsc.scope == f"bsc:{to_checksum_address(account.address)}"
    off, seen_off = _watching(guard={"freeze_on_unknown_spender": False})
    assert off.observe_approval("eth", account.address, SPENDER, TOKEN) is None and seen_off == []


# --- approvals, execution and unfreezing, offline (no client: execute returns the signed bytes) -----

import base64  # noqa: E402

import pyotp  # noqa: E402

from walletkit.errors import InvalidInput, PolicyViolation  # noqa: E402
from walletkit.signer.approvals import TotpCode  # noqa: E402

DAVE = nacl.signing.SigningKey(bytes([4]) * 32)
CAROL = base64.b32encode(b"carol's shared secret!").decode()


def _guarded(clock: Clock, **signer: Any) -> Signer:
    policy = Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": ALICE.verify_key.encode().hex()},
                "bob": {"ed25519": BOB.verify_key.encode().hex()},
                "carol": {"totp": True},
                "dave": {"ed25519": DAVE.verify_key.encode().hex()},
            },
            "chains": {
                "eth": {
                    "recipients": [TO],
                    "max_per_tx": "50",
                    "approvals": [
                        {
                            "name": "large",
                            "above": {"native": "1"},
                            "approvers": ["alice", "bob", "carol"],
                            "required": 2,
                            "expires": 600,
                        }
                    ],
                }
            },
            "guard": {"unfreeze": {"approvers": ["alice", "bob"], "required": 2}},
        }
    )
    return Signer(policy, SQLiteStore(clock=clock), **signer)


def _ask(signer: Signer, requester: str = "ops", amount: int = 2 * ETH) -> PendingRequest:
    asked = signer.request(_eth(), TO, amount, requester=requester, nonce=0, gas=21_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    return asked


def _refused(call: Any) -> tuple[str, str]:
    with pytest.raises(ApprovalRefused) as info:
        call()
    return info.value.reason, str(info.value)


def test_malformed_approvals_are_refused_and_audited() -> None:
    signer = _guarded(Clock(), totp_secrets={"carol": CAROL})
    asked = _ask(signer)
    good = _sign(ALICE, "alice", asked)
    assert _refused(lambda: signer.approve(123, good))[0] == "wrong_request"  # type: ignore[arg-type]
    reason, text = _refused(lambda: signer.approve("", good))
    assert reason == "wrong_request" and text.endswith("a request id is text of 1 to 64 characters, got str")
    assert _refused(lambda: signer.approve("f" * 65, good))[0] == "wrong_request"
    reason, text = _refused(lambda: signer.approve(asked.id, "alice"))  # type: ignore[arg-type]
    assert reason == "bad_signature" and text.endswith("an approval is an ApproverSignature or a TotpCode, got str")
    reason, text = _refused(lambda: signer.approve(asked.id, ApproverSignature(5, b"")))  # type: ignore[arg-type]
    assert reason == "bad_signature" and text.endswith("got ApproverSignature")
    reason, text = _refused(lambda: signer.approve(asked.id, ApproverSignature("alice", "ab")))  # type: ignore[arg-type]
    assert reason == "bad_signature" and text.endswith("a signature is bytes, got str")
    reason, text = _refused(lambda: signer.approve(asked.id, TotpCode("carol", 123)))  # type: ignore[arg-type]
    assert reason == "bad_code" and text.endswith("a TOTP code is text, got int")
    assert signer.pending(asked.id).approvals == ()


def test_each_refused_approval_says_why_and_is_audited() -> None:
    clock = Clock()
    signer = _guarded(clock, totp_secrets={"carol": CAROL})
    asked = _ask(signer, requester="bob")
    rid = asked.id
    cases = [
        ("f" * 32, _sign(ALICE, "alice", asked), "wrong_request", f"no request {'f' * 32!r}"),
        (rid, ApproverSignature("mallory", b"\x00" * 64), "unknown_approver", "'mallory' is not a registered approver"),
        (rid, _sign(DAVE, "dave", asked), "not_an_approver", "'dave' approves none of the rules this request needs"),
        (rid, _sign(BOB, "bob", asked), "self_approval", "'bob' asked for this request and cannot approve it"),
        (
            rid,
            ApproverSignature("alice", b"\x01" * 64),
            "bad_signature",
            f"not a signature by alice over the digest of request {rid} (sign the 32 digest bytes themselves: ed25519 over them, or secp256k1 ECDSA with the digest as the hash, not hashed again)",
        ),
        (rid, ApproverSignature("carol", b"\x01" * 64), "bad_signature", "not a signature by carol over the digest"),
        (rid, TotpCode("alice", "123456"), "bad_code", "alice approves with a ed25519 signature, not a code"),
        (
            rid,
            TotpCode("carol", "000000" if pyotp.TOTP(CAROL).at(int(T0)) != "000000" else "111111"),
            "bad_code",
            "not a current TOTP code of carol",
        ),
    ]
    for request_id, proof, reason, message in cases:
        got_reason, got_text = _refused(lambda r=request_id, pr=proof: signer.approve(r, pr))
        assert got_reason == reason and message in got_text, (reason, got_text)
        assert signer.store.audit_events()[-1] == {
            "decision": "approval_refused",
            "request_id": request_id,
            "approver": proof.approver,
            "reason": reason,
        }
    code = pyotp.TOTP(CAROL).at(int(T0))
    after = signer.approve(rid, TotpCode("carol", code))
    assert after.approvals == ("carol",) and after.needs == {"large": 1}
    assert signer.store.audit_events()[-1] == {"decision": "approved", "request_id": rid, "approver": "carol"}
    reason, text = _refused(lambda: signer.approve(rid, TotpCode("carol", code)))
    assert (reason, text.endswith(f"'carol' already approved request {rid}")) == ("replayed", True)
    second = _ask(signer, requester="ops", amount=3 * ETH)
    reason, text = _refused(lambda: signer.approve(second.id, TotpCode("carol", code)))  # the same step again
    assert (reason, text.endswith("'carol''s code for this time step was already used")) == ("replayed", True)
    without = _guarded(clock)
    third = _ask(without)
    reason, text = _refused(lambda: without.approve(third.id, TotpCode("carol", code)))
    assert reason == "bad_code" and "no TOTP secret for carol is configured here" in text


def test_a_request_expires_after_its_rule_s_seconds() -> None:
    clock = Clock()
    signer = _guarded(clock)
    asked = _ask(signer)
    clock.now = T0 + 600  # the last second it may be approved
    assert signer.approve(asked.id, _sign(ALICE, "alice", asked)).approvals == ("alice",)
    clock.now = T0 + 600.5
    reason, text = _refused(lambda: signer.approve(asked.id, _sign(BOB, "bob", asked)))
    assert reason == "expired" and text.endswith(f"request {asked.id} expired")
    assert signer.pending(asked.id).status == "expired"
    reason, text = _refused(lambda: signer.approve(asked.id, _sign(BOB, "bob", asked)))
    assert reason == "not_pending" and text.endswith(f"request {asked.id} is expired")


def test_execute_checks_the_request_then_signs_it_once() -> None:
    clock = Clock()
    signer = _guarded(clock)
    asked = _ask(signer)
    reason, text = _refused(lambda: signer.execute("f" * 32, _eth()))
    assert reason == "wrong_request" and text.endswith(f"no request {'f' * 32!r}")
    with pytest.raises(InvalidInput) as info:
        signer.execute(asked.id)
    assert str(info.value) == "execute needs the signing account of the request"
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    with pytest.raises(PolicyViolation) as refused:
        signer.execute(asked.id, _eth())
    assert refused.value.rule == "approval_required"
    assert f"request {asked.id} still needs approvals (large: 1 more)" in str(refused.value)
    other = wk.Account.from_private_key("eth", "0x" + "43" * 32)
    reason, text = _refused(lambda: signer.execute(asked.id, other))
    assert reason == "wrong_request" and text.endswith(f"request {asked.id} is for eth mainnet {_eth().address}")
    signer.approve(asked.id, _sign(BOB, "bob", asked))
    signed = signer.execute(asked.id, _eth())
    assert isinstance(signed, wk.SignedTransaction)
    assert signer.execute(asked.id, _eth()) == wk.SignedTransaction(
        "eth", signed.raw, signed.txid, {"idempotent_replay": True}
    )
    view = signer.pending(asked.id)
    assert (view.status, view.approvals, view.ready) == ("executed", ("alice", "bob"), True)
    late = _ask(signer, amount=3 * ETH)
    signer.approve(late.id, _sign(ALICE, "alice", late))
    signer.approve(late.id, _sign(BOB, "bob", late))
    clock.now = T0 + 601
    reason, text = _refused(lambda: signer.execute(late.id, _eth()))
    assert reason == "expired" and text.endswith(f"request {late.id} expired before it had its approvals")


def test_an_unfreeze_needs_its_quorum_and_lifts_only_its_scope() -> None:
    clock = Clock()
    signer = _guarded(clock)
    account = _eth()
    scope = f"eth:{to_checksum_address(account.address)}"
    with pytest.raises(InvalidInput) as info:
        signer.request_unfreeze(account, requester="ops")
    assert str(info.value) == f"{scope} is not frozen"
    signer.freeze(account)
    signer.freeze(None)
    asked = signer.request_unfreeze(account.address.lower().join(["eth:", ""]), requester="ops")
    assert (asked.kind, asked.needs, asked.expires_at, asked.approvals) == (
        "unfreeze",
        {"unfreeze": 2},
        T0 + 86_400,
        (),
    )
    assert signer.store.audit_events()[-1] == {"decision": "pending", "request_id": asked.id, "unfreeze": scope}
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    with pytest.raises(PolicyViolation) as refused:
        signer.execute(asked.id)
    assert refused.value.rule == "approval_required" and f"lifting {scope} needs more approvals" in str(refused.value)
    signer.approve(asked.id, _sign(BOB, "bob", asked))
    assert signer.execute(asked.id) is None
    assert [f.scope for f in signer.frozen()] == ["*"]  # the global freeze stays
    assert signer.store.audit_events()[-1] == {"decision": "unfrozen", "scope": scope, "request_id": asked.id}
    assert signer.pending(asked.id).status == "executed"
    reason, text = _refused(lambda: signer.execute(asked.id))
    assert reason == "not_pending" and text.endswith(f"request {asked.id} is executed")
    everything = signer.request_unfreeze(requester="ops")
    signer.approve(everything.id, _sign(ALICE, "alice", everything))
    signer.approve(everything.id, _sign(BOB, "bob", everything))
    clock.now = T0 + 86_401
    reason, text = _refused(lambda: signer.execute(everything.id))
    assert reason == "expired" and text.endswith(f"request {everything.id} expired")
    no_quorum = Signer(_policy(), SQLiteStore())
    no_quorum.freeze(None)
    with pytest.raises(InvalidInput) as info:
        no_quorum.request_unfreeze(requester="ops")
    assert str(info.value) == "the policy names no [guard.unfreeze] approvers: a freeze cannot be lifted"


@pytest.mark.parametrize("text", ["eth", "eth:", "nocolon" * 20])
def test_a_freeze_scope_is_chain_colon_address(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Signer(_policy(), SQLiteStore()).freeze(text)
    assert str(info.value) == f'a freeze scope is "<chain>:<address>" or "*", got {text[:80]!r}'


# --- the approved request is the executed one (issue 19's second pass) ------------------------------

import hashlib  # noqa: E402
import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from types import SimpleNamespace  # noqa: E402

from walletkit.effects import FeeBound, Transfer  # noqa: E402


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_an_execution_must_be_the_approved_request_with_the_approved_effects() -> None:
    from walletkit.signer.approvals import effects_digest
    from walletkit.signer.requests import _same_effects

    paid = Transfer("native", TO, 5)
    row = {"effects": f"{effects_digest([paid])}|100|{_sha256('the request')}"}  # as _pending_in stores it
    _same_effects(row, [paid, FeeBound(100)], "the request")
    _same_effects(row, [paid, FeeBound(99)], "the request")  # the fee may fall
    cases = [
        ([paid, FeeBound(100)], "another request", "this is not the request that was approved (other fields or bytes)"),
        (
            [Transfer("native", TO, 6), FeeBound(100)],
            "the request",
            "the transaction now does something other than what was approved",
        ),
        ([paid, FeeBound(101)], "the request", "the fee bound rose to 101 from the approved 100"),
    ]
    for effects, text, message in cases:
        with pytest.raises(PolicyViolation) as info:
            _same_effects(row, effects, text)
        assert info.value.rule == "approval_mismatch"
        assert str(info.value) == f"policy rule 'approval_mismatch' refused the request: {message}"


def test_a_star_freezes_everything_and_a_scope_with_a_second_colon_is_an_address_error() -> None:
    signer = Signer(_policy(), SQLiteStore(clock=Clock()))
    with pytest.raises(wk.errors.InvalidAddress):
        signer.freeze(f"eth:{_eth().address}:extra")  # the chain is what precedes the first colon
    frozen = signer.freeze("*")
    assert frozen == Freeze("*", "frozen by an operator", "manual", T0)
    assert signer.frozen() == [frozen]


@dataclass
class _Coin:
    txid: str
    vout: int


def test_dataclass_fields_are_stored_as_tables_and_their_classes_are_refused() -> None:
    assert encode_fields({"utxos": [_Coin("ab", 1)]}) == '{"utxos": [{"txid": "ab", "vout": 1}]}'
    with pytest.raises(wk.errors.InvalidInput) as info:
        encode_fields({"kind": _Coin})
    assert str(info.value) == "a field of type type cannot be stored with a pending request"


def test_an_event_without_an_asset_or_a_status_is_a_seen_native_spend() -> None:
    clock = Clock()
    store = SQLiteStore(clock=clock)
    txid = _pay(Signer(_policy(window="10"), store), ETH + 1, 0)
    strict = Signer(_policy(guard={"freeze_on_foreign_spend": False}), store)
    bare = SimpleNamespace(chain="eth", txid=txid, direction="out", address=_eth().address)  # no asset, no status
    frozen = strict.observe(bare)
    assert frozen is not None and frozen.reason == f"{ETH + 1} of native left within 3600 s"
    assert strict.observe(SimpleNamespace(chain="eth", txid=txid, address=_eth().address)) is None  # no direction


def test_a_request_outlives_a_policy_that_renamed_or_dropped_its_rule() -> None:
    store = SQLiteStore(clock=Clock())
    asking = Signer(_policy(window="10", approvals=True), store)
    asked = asking.request(_eth(), TO, 2 * ETH, requester="ops", nonce=0, gas=21_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    asking.approve(asked.id, _sign(ALICE, "alice", asked))
    renamed = Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": ALICE.verify_key.encode().hex()},
                "bob": {"ed25519": BOB.verify_key.encode().hex()},
            },
            "chains": {
                "eth": {
                    "recipients": [TO],
                    "approvals": [
                        {"name": "big", "above": {"native": "1"}, "approvers": ["alice", "bob"], "required": 1}
                    ],
                }
            },
        }
    )
    later = Signer(renamed, store)
    assert later.pending(asked.id).needs == {"large": 2}  # alice's approval counts for no rule in force
    reason, text = _refused(lambda: later.approve(asked.id, _sign(BOB, "bob", asked)))
    assert reason == "not_an_approver" and text.endswith("'bob' approves none of the rules this request needs")
    dropped = Signer(Policy.from_dict({"chains": {"btc": {"recipients": []}}}), store)
    assert dropped.pending(asked.id).needs == {"large": 2}


def test_an_unfreeze_executes_until_its_last_second() -> None:
    clock = Clock()
    signer = _guarded(clock)
    signer.freeze(_eth())
    asked = signer.request_unfreeze(_eth(), requester="ops")
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    signer.approve(asked.id, _sign(BOB, "bob", asked))
    clock.now = T0 + 86_400  # its expiry: still in time
    assert signer.execute(asked.id) is None
    assert signer.frozen() == []


def test_an_unfreeze_request_is_stored_as_written() -> None:
    signer = _guarded(Clock())
    account = _eth()
    scope = f"eth:{to_checksum_address(account.address)}"
    signer.freeze(account)
    asked = signer.request_unfreeze(account, requester="ops")
    assert len(asked.id) == 32 and int(asked.id, 16) >= 0  # 16 random bytes, in hex
    text = json.dumps(
        {
            "walletkit": "approval-request/1",
            "id": asked.id,
            "chain": "guard",
            "network": "",
            "account": scope,
            "effects": [],
            "request": "unfreeze",
            "expires_at": int(T0) + 86_400,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    assert asked.digest == _sha256(text)
    with signer.store.decision() as db:
        row = signer.guard.request_in(db, asked.id)
    assert row is not None
    assert {
        k: row[k] for k in ("kind", "chain", "network", "account", "requester", "request", "effects", "digest")
    } == {
        "kind": "unfreeze",
        "chain": "guard",
        "network": "",
        "account": scope,
        "requester": "ops",
        "request": "{}",
        "effects": "|0",
        "digest": asked.digest,
    }


def test_a_transfer_request_s_digest_binds_its_chain_account_effects_and_text() -> None:
    signer = _guarded(Clock())
    account = _eth()
    asked = _ask(signer)
    assert len(asked.id) == 32
    request = json.dumps(
        {
            "amount": str(2 * ETH),
            "chain": "eth",
            "fields": {"gas": "21000", "gas_price": str(GWEI)},
            "from": account.address,
            "network": "mainnet",
            "to": TO,
            "token": None,
        },
        sort_keys=True,
    )
    effects = [
        {"effect": "transfer", "asset": "native", "to": TO, "amount": str(2 * ETH), "token_id": "", "source": ""},
        {"effect": "fee", "amount": str(21_000 * GWEI), "detail": "type 0"},
    ]
    text = json.dumps(
        {
            "walletkit": "approval-request/1",
            "id": asked.id,
            "chain": "eth",
            "network": "mainnet",
            "account": account.address,
            "effects": effects,
            "request": request,
            "expires_at": int(T0) + 600,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    assert asked.digest == _sha256(text)


def test_execute_refuses_an_expired_request_and_runs_until_its_last_second() -> None:
    clock = Clock()
    signer = _guarded(clock)
    lapsed = _ask(signer)
    clock.now = T0 + 601
    assert _refused(lambda: signer.approve(lapsed.id, _sign(ALICE, "alice", lapsed)))[0] == "expired"
    reason, text = _refused(lambda: signer.execute(lapsed.id, _eth()))
    assert reason == "not_pending" and text.endswith(f"request {lapsed.id} is expired")
    asked = _ask(signer)  # asked at T0 + 601: expires at T0 + 1201
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    signer.approve(asked.id, _sign(BOB, "bob", asked))
    clock.now = T0 + 1201
    assert isinstance(signer.execute(asked.id, _eth()), wk.SignedTransaction)


def test_execute_refuses_the_same_key_on_another_chain() -> None:
    signer = _guarded(Clock())
    asked = _ask(signer)
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    signer.approve(asked.id, _sign(BOB, "bob", asked))
    bsc = wk.Account.from_private_key("bsc", KEY)  # the same address, on BNB Smart Chain
    assert bsc.address == _eth().address
    reason, text = _refused(lambda: signer.execute(asked.id, bsc))
    assert reason == "wrong_request" and text.endswith(f"request {asked.id} is for eth mainnet {_eth().address}")


def test_execute_names_every_rule_still_short_of_its_quorum() -> None:
    policy = Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": ALICE.verify_key.encode().hex()},
                "bob": {"ed25519": BOB.verify_key.encode().hex()},
            },
            "chains": {
                "eth": {
                    "recipients": [TO],
                    "approvals": [
                        {"name": "large", "above": {"native": "1"}, "approvers": ["alice"], "required": 1},
                        {"name": "fresh", "new_recipient": True, "approvers": ["alice", "bob"], "required": 2},
                    ],
                }
            },
        }
    )
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    asked = _ask(signer)
    with pytest.raises(PolicyViolation) as info:
        signer.execute(asked.id, _eth())
    assert str(info.value).endswith(f"request {asked.id} still needs approvals (fresh: 2 more, large: 1 more)")
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    with pytest.raises(PolicyViolation) as info:
        signer.execute(asked.id, _eth())
    assert str(info.value).endswith(f"request {asked.id} still needs approvals (fresh: 1 more)")


def test_a_nonce_the_store_never_reserved_freezes_the_account(anvil_eth: Any) -> None:
    from chains.evm.transaction import EvmTransaction

    node = anvil_eth
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    node.fund(sender.address, 2 * ETH)
    rules = {"chains": {"eth": {"recipients": [receiver.address], "max_per_tx": "1"}}}
    policy = Policy.from_dict(rules)

    def elsewhere(nonce: int) -> None:  # a spend signed with the key, not through any signer
        tx = EvmTransaction(
            chain_id=1,
            nonce=nonce,
            gas=21_000,
            to=bytes.fromhex(receiver.address[2:]),
            value=1,
            data=b"",
            gas_price=10 * GWEI,
            tx_type=0,
        )
        node.wait(node.broadcast(sender.sign(tx)))

    scope = f"eth:{sender.address}"
    elsewhere(0)  # the chain's count is 1; a fresh store reserved nothing
    fresh = Signer(policy, SQLiteStore(clock=Clock()))
    assert fresh.check_nonce(sender, node) == Freeze(
        scope, "nonce 1 on chain; the store reserved up to 0", "unknown_nonce", T0
    )
    store = SQLiteStore(clock=Clock())
    signer = Signer(policy, store)
    signer.send(sender, node, receiver.address, 10**15)  # reserves nonce 1: the store's next is 2, the chain's count 2
    assert signer.check_nonce(sender, node) is None
    elsewhere(2)  # count 3, past what the store reserved
    off = Signer(Policy.from_dict({**rules, "guard": {"freeze_on_unknown_nonce": False}}), store)
    assert off.check_nonce(sender, node) is None
    assert signer.frozen() == []
    assert signer.check_nonce(sender, node) == Freeze(
        scope, "nonce 3 on chain; the store reserved up to 2", "unknown_nonce", T0
    )


# --- request ids, request texts, token requests and prepared transactions, executed -----------------


def test_a_request_id_is_text_of_1_to_64_characters() -> None:
    signer = _guarded(Clock())
    asked = _ask(signer)
    good = _sign(ALICE, "alice", asked)
    for request_id in ("a", "f" * 64):  # the right length: looked up, and not found
        reason, text = _refused(lambda r=request_id: signer.approve(r, good))
        assert (reason, text.endswith(f"no request {request_id!r}")) == ("wrong_request", True)
    reason, text = _refused(lambda: signer.approve("f" * 65, good))
    assert (reason, text.endswith("a request id is text of 1 to 64 characters, got str")) == ("wrong_request", True)


def test_a_totp_approver_without_a_secret_here_is_told_where_secrets_come_from() -> None:
    signer = _guarded(Clock())
    asked = _ask(signer)
    reason, text = _refused(lambda: signer.approve(asked.id, TotpCode("carol", "123456")))
    assert reason == "bad_code"
    assert text.endswith(
        "no TOTP secret for carol is configured here (Signer(totp_secrets=...); the CLI reads "
        "$WALLETKIT_TOTP_SECRETS), so no code of theirs can be checked"
    )


def test_a_recipient_that_is_not_text_is_refused_before_anything_is_built() -> None:
    signer = Signer(_policy(), SQLiteStore(clock=Clock()))
    for call in (
        lambda: signer.transfer(_eth(), 123, 1, nonce=0, gas=21_000, gas_price=GWEI),  # type: ignore[arg-type]
        lambda: signer.request(_eth(), TO, 1, 5, requester="ops", nonce=0, gas=21_000, gas_price=GWEI),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidInput) as info:
            call()
        assert str(info.value) == "a request's recipient and token are text (addresses or a token id)"


def test_a_token_request_executes_as_the_token_transfer_it_asked_for() -> None:
    from eth_abi import encode as abi_encode
    from eth_account._utils.legacy_transactions import Transaction
    from eth_utils import keccak

    policy = Policy.from_dict(
        {
            "approvers": {"alice": {"ed25519": ALICE.verify_key.encode().hex()}},
            "chains": {
                "eth": {
                    "recipients": [TO],
                    "tokens": {TOKEN: {"decimals": 6, "max_per_tx": "1000"}},
                    "approvals": [{"name": "usdt", "above": {TOKEN: "100"}, "approvers": ["alice"], "required": 1}],
                }
            },
        }
    )
    signer = Signer(policy, SQLiteStore(clock=Clock()))
    asked = signer.request(_eth(), TO, 200 * 10**6, TOKEN, requester="ops", nonce=0, gas=60_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    signer.approve(asked.id, _sign(ALICE, "alice", asked))
    signed = signer.execute(asked.id, _eth())
    assert isinstance(signed, wk.SignedTransaction)
    tx = Transaction.from_bytes(signed.raw)
    assert to_checksum_address(tx.to) == TOKEN and tx.value == 0
    assert tx.data == keccak(text="transfer(address,uint256)")[:4] + abi_encode(
        ["address", "uint256"], [TO, 200 * 10**6]
    )


def _prepared_tx(nonce: int, value: int) -> Any:
    from chains.evm.transaction import EvmTransaction

    return EvmTransaction(
        chain_id=1, nonce=nonce, gas=21_000, to=bytes.fromhex(TO[2:]), value=value, data=b"", gas_price=GWEI, tx_type=0
    )


def test_a_prepared_transaction_request_executes_once_and_elsewhere_only_with_its_tx() -> None:
    store = SQLiteStore(clock=Clock())
    asking = Signer(_policy(window="10", approvals=True), store)
    tx = _prepared_tx(4, 2 * ETH)
    asked = asking.request_transaction(_eth(), tx, requester="ops")
    assert isinstance(asked, PendingRequest) and asked.kind == "transaction"
    asking.approve(asked.id, _sign(ALICE, "alice", asked))
    asking.approve(asked.id, _sign(BOB, "bob", asked))
    other = Signer(_policy(window="10", approvals=True), store)  # another process: nothing kept in memory
    with pytest.raises(InvalidInput) as info:
        other.execute(asked.id, _eth())
    assert str(info.value) == "execute the request in the process that asked, or pass tx="
    signed = asking.execute(asked.id, _eth())
    assert isinstance(signed, wk.SignedTransaction) and signed.raw == _eth().sign(tx).raw
    again = other.execute(asked.id, _eth(), tx=tx)  # the same bytes, from the key the first execute stored
    assert isinstance(again, wk.SignedTransaction) and again.raw == signed.raw and again.extra["idempotent_replay"]


class _InterleavedStore(SQLiteStore):
    """A real store over a shared file that runs the next queued step (another machine's turn) before
    a decision starts: here, between an expired approval's refusal and its audit."""

    steps: list[Any]

    def decision(self) -> Any:
        step = self.steps.pop(0) if getattr(self, "steps", None) else None
        if step is not None:
            step()
        return super().decision()


def test_an_expired_approval_leaves_a_request_executed_meanwhile_executed(tmp_path: Any) -> None:
    # Two machines share one store, their clocks 2 s apart: the fast one refuses a late approval as
    # expired while the slow one, still in time, executes the request between the two transactions.
    path = tmp_path / "signer.db"
    slow_clock, fast_clock = Clock(), Clock()
    slow = Signer(_policy(window="10", approvals=True), SQLiteStore(path, clock=slow_clock))
    fast_store = _InterleavedStore(path, clock=fast_clock)
    fast = Signer(_policy(window="10", approvals=True), fast_store)
    asked = slow.request(_eth(), TO, 2 * ETH, requester="ops", nonce=0, gas=21_000, gas_price=GWEI)
    assert isinstance(asked, PendingRequest)
    slow.approve(asked.id, _sign(ALICE, "alice", asked))
    slow_clock.now, fast_clock.now = T0 + 599, T0 + 601
    executed: list[Any] = []

    def execute_elsewhere() -> None:
        slow.approve(asked.id, _sign(BOB, "bob", asked))  # the quorum of 2, in time on the slow clock
        executed.append(slow.execute(asked.id, _eth()))

    fast_store.steps = [None, execute_elsewhere]  # after the refused transaction, before its audit
    late = _sign(BOB, "bob", asked)
    reason, _ = _refused(lambda: fast.approve(asked.id, late))
    assert reason == "expired" and len(executed) == 1
    view = slow.pending(asked.id)
    assert view.status == "executed"
    with slow.store.decision() as db:
        row = slow.guard.request_in(db, asked.id)
    assert row is not None and row["txid"] == executed[0].txid
