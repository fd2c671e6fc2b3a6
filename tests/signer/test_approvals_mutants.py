"""Step-up approvals pinned line by line (issue 19: walletkit/signer/approvals.py in the signer-policy group).

Expected values come from outside the module: digests of JSON text written out here, signatures
made with coincurve and PyNaCl, RFC 6238's published TOTP vectors, thresholds computed by hand.
"""

from __future__ import annotations

import hashlib
from typing import Any

import coincurve
import nacl.signing
import pytest

import walletkit as wk
from walletkit.effects import Approval, ContractCall, DataCarrier, FeeBound, Transfer
from walletkit.signer.approvals import (
    ApprovalRule,
    Approver,
    TotpCode,
    check_totp,
    counterparties,
    effects_digest,
    parse_approvers,
    parse_rules,
    request_digest,
    triggered_rules,
    verify_signature,
)

TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
A, B = "0x" + "aa" * 20, "0x" + "bb" * 20


# --- digests: the JSON text written out here ------------------------------------------------------


def test_request_digest_is_sha256_of_this_exact_text() -> None:
    text = (
        '{"account":"0xacct","chain":"eth",'
        '"effects":[{"amount":"5","asset":"native","effect":"transfer","source":"","to":"0xto","token_id":""},'
        '{"amount":"21000","detail":"","effect":"fee"}],'
        '"expires_at":1700000000,"id":"req-1","network":"mainnet","request":"pay 5",'
        '"walletkit":"approval-request/1"}'
    )
    effects = [Transfer("native", "0xto", 5), FeeBound(21000)]
    digest = request_digest("req-1", "eth", "mainnet", "0xacct", effects, "pay 5", 1_700_000_000.9)
    assert digest == hashlib.sha256(text.encode()).hexdigest()


def test_effects_digest_is_sha256_of_this_exact_text() -> None:
    text = '[{"amount":"","asset":"native","effect":"transfer","source":"","to":"b","token_id":""},{"effect":"data","kind":"memo","size":"3"}]'
    text = text.replace('"amount":""', '"amount":"7"')
    effects = [Transfer("native", "b", 7), DataCarrier("memo", 3)]
    assert effects_digest(effects) == hashlib.sha256(text.encode()).hexdigest()
    assert effects_digest([]) == hashlib.sha256(b"[]").hexdigest()


# --- signatures -----------------------------------------------------------------------------------

DIGEST = hashlib.sha256(b"an approval request").hexdigest()


def test_ed25519_approver() -> None:
    key = nacl.signing.SigningKey(bytes(range(32)))
    approver = Approver("alice", "ed25519", bytes(key.verify_key))
    signature = key.sign(bytes.fromhex(DIGEST)).signature
    assert verify_signature(approver, DIGEST, signature)
    assert not verify_signature(approver, DIGEST, signature[:63])
    assert not verify_signature(approver, DIGEST, signature + b"\x00")
    assert not verify_signature(approver, hashlib.sha256(b"another").hexdigest(), signature)


def _compact(der: bytes) -> bytes:
    """r || s (32 bytes each) of a DER signature, read by hand: 30 len 02 rlen r 02 slen s."""
    assert der[0] == 0x30 and der[2] == 0x02
    rlen = der[3]
    r = der[4 : 4 + rlen]
    assert der[4 + rlen] == 0x02
    s = der[6 + rlen : 6 + rlen + der[5 + rlen]]
    return int.from_bytes(r, "big").to_bytes(32, "big") + int.from_bytes(s, "big").to_bytes(32, "big")


def test_secp256k1_approver_der_and_compact() -> None:
    """Every 64-byte r || s is re-encoded as DER: r and s with their high bit set, with leading zero
    bytes (stripped), starting with bytes that are ASCII whitespace, or ending in zero bytes (kept)."""
    key = coincurve.PrivateKey(bytes([7]) * 32)
    approver = Approver("bob", "secp256k1", key.public_key.format(compressed=True))
    firsts: set[int] = set()
    lasts: set[int] = set()
    for i in range(2000):
        digest = hashlib.sha256(f"request {i}".encode()).hexdigest()
        der = key.sign(bytes.fromhex(digest), hasher=None)
        compact = _compact(der)
        firsts.update((compact[0], compact[32]))
        lasts.update((compact[31], compact[63]))
        assert verify_signature(approver, digest, der)
        assert verify_signature(approver, digest, compact)
    # The cases above did occur: a high r, a leading zero, a whitespace byte first, a zero byte last.
    assert max(firsts) >= 0x80 and 0 in firsts and {0x09, 0x20} & firsts and 0 in lasts
    assert not verify_signature(approver, DIGEST, compact)
    # coincurve's own compact form (the first 64 bytes of a recoverable signature) verifies too.
    recoverable = key.sign_recoverable(bytes.fromhex(DIGEST), hasher=None)
    assert verify_signature(approver, DIGEST, recoverable[:64])
    assert not verify_signature(approver, DIGEST, recoverable)  # 65 bytes: not a DER signature


def test_a_totp_approver_has_no_signature() -> None:
    key = nacl.signing.SigningKey(bytes(range(32)))
    signature = key.sign(bytes.fromhex(DIGEST)).signature
    assert not verify_signature(Approver("carol", "totp"), DIGEST, signature)
    assert repr(TotpCode("carol", "123456")) == "TotpCode('carol', <redacted>)"


# --- TOTP: RFC 6238 appendix B ----------------------------------------------------------------------

# The RFC's seeds are ASCII "1234567890" repeated to 20, 32 and 64 bytes; pyotp takes them as base32.
SEED_SHA1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
SEED_SHA256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
SEED_SHA512 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA="


@pytest.mark.parametrize(
    ("seed", "digest", "at", "code"),
    [
        (SEED_SHA1, "sha1", 59, "94287082"),
        (SEED_SHA256, "sha256", 59, "46119246"),
        (SEED_SHA512, "sha512", 59, "90693936"),
        (SEED_SHA256, "sha256", 1111111111, "67062674"),
        (SEED_SHA512, "sha512", 1111111111, "99943326"),
        (SEED_SHA1, "sha1", 1111111109, "07081804"),
        (SEED_SHA1, "sha1", 1234567890, "89005924"),
        (SEED_SHA1, "sha1", 2000000000, "69279037"),
    ],
)
def test_rfc6238_vectors(seed: str, digest: str, at: int, code: str) -> None:
    step = at // 30
    assert check_totp(seed, code, at, digits=8, digest=digest) == step
    assert check_totp(seed, code, at + 30, digits=8, digest=digest) == step  # the step before is accepted
    if at >= 60:  # (pyotp refuses a time before the epoch, so the step before 0 is not asked for)
        assert check_totp(seed, code, at - 30, digits=8, digest=digest) is None  # a code from the future is not
    assert check_totp(seed, code, at + 60, digits=8, digest=digest) is None
    assert check_totp(seed, code[1:], at, digits=8, digest=digest) is None
    assert check_totp(seed, int(code), at, digits=8, digest=digest) is None  # type: ignore[arg-type]


# --- which rules a request triggers ------------------------------------------------------------------


def _rule(**fields: Any) -> ApprovalRule:
    return ApprovalRule("r", ("alice",), 1, **fields)


def test_call_values_count_toward_the_native_threshold() -> None:
    above = _rule(above={"native": 10})
    assert not above.triggered([ContractCall("c", "a0712d68", 10)], frozenset(), frozenset())
    assert above.triggered([ContractCall("c", "a0712d68", 11)], frozenset(), frozenset())
    assert above.triggered([Transfer("native", A, 4), ContractCall("c", "a0712d68", 7)], frozenset(), frozenset())
    assert not above.triggered([Transfer("native", A, 4), ContractCall("c", "x", 6)], frozenset(), frozenset())
    assert not above.triggered([ContractCall("c", "x", 0), Transfer("native", A, 10)], frozenset(), frozenset())


def test_a_new_spender_is_a_new_recipient_unless_revoked() -> None:
    new = _rule(new_recipient=True)
    assert new.triggered([Approval(TOKEN, A, 5)], frozenset(), frozenset())
    assert new.triggered([Approval(TOKEN, A, None)], frozenset(), frozenset())
    assert not new.triggered([Approval(TOKEN, A, 5)], frozenset({A}), frozenset())
    assert not new.triggered([Approval(TOKEN, A, 0)], frozenset(), frozenset())  # a revocation
    assert new.triggered([Approval(TOKEN, A, 1)], frozenset(), frozenset())
    assert not _rule().triggered([Approval(TOKEN, A, 5)], frozenset(), frozenset())


def test_approvals_against_thresholds() -> None:
    above = _rule(above={TOKEN: 100})
    assert above.triggered([Approval(TOKEN, A, None)], frozenset(), frozenset())  # unlimited
    assert above.triggered([Approval(TOKEN, A, None, all_tokens=True)], frozenset(), frozenset())
    assert above.triggered([Approval(TOKEN, A, 1, all_tokens=True)], frozenset(), frozenset())
    assert not above.triggered([Approval(TOKEN, A, 0, all_tokens=True)], frozenset(), frozenset())  # revocation
    assert not above.triggered([Approval("0x" + "cc" * 20, A, None)], frozenset(), frozenset())  # another asset
    assert not above.triggered([Approval(TOKEN, A, 100)], frozenset(), frozenset())
    assert above.triggered([Approval(TOKEN, A, 101)], frozenset(), frozenset())
    assert above.triggered([Approval(TOKEN, A, 60), Approval(TOKEN, B, 41)], frozenset(), frozenset())
    assert not above.triggered([Approval(TOKEN, A, 60), Approval(TOKEN, B, 40)], frozenset(), frozenset())
    assert above.triggered([Approval(TOKEN, A, 60), Transfer(TOKEN, B, 41)], frozenset(), frozenset())
    assert above.triggered([Transfer(TOKEN, B, 41), Approval(TOKEN, A, 60)], frozenset(), frozenset())
    assert not above.triggered([Approval(TOKEN, A, 0), Transfer(TOKEN, B, 100)], frozenset(), frozenset())
    assert not above.triggered([Transfer(TOKEN, B, 100), Approval(TOKEN, A, 0)], frozenset(), frozenset())
    # An approval of another asset sums apart.
    assert not above.triggered([Approval("0x" + "cc" * 20, A, 90), Approval(TOKEN, B, 20)], frozenset(), frozenset())


def test_triggered_rules_and_counterparties() -> None:
    rules = [_rule(above={"native": 5}), _rule(effects=frozenset({"data"})), _rule(new_contract=True)]
    effects = [Transfer("native", A, 6), ContractCall("c", "ab", 0), Approval(TOKEN, B, 0), Approval(TOKEN, A, 3)]
    assert triggered_rules(rules, effects, frozenset(), frozenset({"c:ab"})) == [rules[0]]
    assert triggered_rules(rules, [DataCarrier("memo", 1)], frozenset(), frozenset()) == [rules[1]]
    assert counterparties(effects) == ({A}, {"c:ab"})


# --- reading approvers and rules: every refusal names the field ------------------------------------


def test_parse_approvers() -> None:
    ed = bytes(nacl.signing.SigningKey(bytes(32)).verify_key)
    sec = coincurve.PrivateKey(bytes([7]) * 32).public_key.format(compressed=True)
    assert parse_approvers(None) == {}
    got = parse_approvers({"a": {"ed25519": ed.hex()}, "b": {"secp256k1": "0x" + sec.hex()}, "c": {"totp": True}})
    assert got == {
        "a": Approver("a", "ed25519", ed),
        "b": Approver("b", "secp256k1", sec),
        "c": Approver("c", "totp"),
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "policy approvers must be a table of [approvers.<name>] tables"),
        ({"a": "x"}, "policy approvers.a must be a table"),
        ({"a": {"rsa": "00"}}, "policy approvers.a has unknown key(s) rsa; expected ed25519, secp256k1 or totp"),
        (
            {"a": {"rsa": "00", "label": "x"}},
            "policy approvers.a has unknown key(s) label, rsa; expected ed25519, secp256k1 or totp",
        ),
        ({"a": {}}, "policy approvers.a needs exactly one of ed25519, secp256k1 or totp"),
        ({"a": {"totp": True, "ed25519": "00"}}, "policy approvers.a needs exactly one of ed25519, secp256k1 or totp"),
        ({"a": {"totp": "yes"}}, "policy approvers.a.totp must be true (the secret is given to the Signer)"),
        ({"a": {"ed25519": "zz"}}, "policy approvers.a.ed25519 must be a hex public key"),
        ({"a": {"ed25519": "00" * 31}}, "policy approvers.a.ed25519 is 32 bytes, got 31"),
        ({"a": {"secp256k1": "02" + "00" * 31}}, "policy approvers.a.secp256k1 is 33 bytes, got 32"),
    ],
)
def test_malformed_approvers(data: object, message: str) -> None:
    with pytest.raises(wk.errors.InvalidInput) as info:
        parse_approvers(data)
    assert str(info.value) == message


APPROVERS = {"alice": Approver("alice", "totp"), "bob": Approver("bob", "totp")}


def _parse(data: object) -> tuple[ApprovalRule, ...]:
    return parse_rules(data, "chains.eth.approvals", APPROVERS, lambda a: a.upper(), lambda a, v, here: int(v) * 10)


def test_parse_rules() -> None:
    assert _parse(None) == ()
    (rule,) = _parse([{"approvers": ["alice", "bob", "alice"], "required": 2, "above": {"native": "3"}}])
    assert rule == ApprovalRule("rule 0", ("alice", "bob"), 2, {"NATIVE": 30}, False, False, frozenset(), 3600)
    (rule,) = _parse(
        [
            {
                "name": "big",
                "approvers": ["bob"],
                "new_recipient": True,
                "new_contract": True,
                "effects": ["approval", "typed_data"],
                "expires": 2_592_000,
            }
        ]
    )
    assert rule == ApprovalRule("big", ("bob",), 1, {}, True, True, frozenset({"approval", "typed_data"}), 2_592_000)
    assert _parse([{"approvers": ["bob"], "expires": 1}])[0].expires == 1


W = "policy chains.eth.approvals"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"approvers": ["bob"]}, f"{W} must be a list of tables ([[chains.eth.approvals]])"),
        (["x"], f"{W}[0] must be a table"),
        (
            [{"approvers": ["bob"], "above_all": 1}],
            f"{W}[0] has unknown key(s) above_all; expected name, above, approvers, required, expires, "
            "new_recipient, new_contract, effects",
        ),
        (
            [{"approvers": ["bob"], "above_all": 1, "again": 2}],
            f"{W}[0] has unknown key(s) above_all, again; expected name, above, approvers, required, expires, "
            "new_recipient, new_contract, effects",
        ),
        ([{}], f"{W}[0].approvers must be a list of approver names"),
        ([{"approvers": []}], f"{W}[0].approvers must be a list of approver names"),
        ([{"approvers": "bob"}], f"{W}[0].approvers must be a list of approver names"),
        ([{"approvers": ["bob", 1]}], f"{W}[0].approvers must be a list of approver names"),
        ([{"approvers": ["bob", "eve", "mallory"]}], f"{W}[0].approvers names unknown approvers: eve, mallory"),
        ([{"approvers": ["bob"], "required": 0}], f"{W}[0].required must be from 1 to 1, not 0"),
        ([{"approvers": ["bob", "bob"], "required": 2}], f"{W}[0].required must be from 1 to 1, not 2"),
        ([{"approvers": ["bob", "alice"], "required": 3}], f"{W}[0].required must be from 1 to 2, not 3"),
        ([{"approvers": ["bob"], "required": True}], f"{W}[0].required must be from 1 to 1, not True"),
        ([{"approvers": ["bob"], "required": "1"}], f"{W}[0].required must be from 1 to 1, not '1'"),
        ([{"approvers": ["bob"], "above": 5}], f"{W}[0].above must be a table of asset = amount"),
        (
            [{"approvers": ["bob"], "effects": ["transfers"]}],
            f"{W}[0].effects must list effect kinds from transfer, approval, call, authority, data, typed_data",
        ),
        (
            [{"approvers": ["bob"], "effects": "transfer"}],
            f"{W}[0].effects must list effect kinds from transfer, approval, call, authority, data, typed_data",
        ),
        ([{"approvers": ["bob"], "expires": 0}], f"{W}[0].expires must be seconds from 1 to 2592000, not 0"),
        (
            [{"approvers": ["bob"], "expires": 2_592_001}],
            f"{W}[0].expires must be seconds from 1 to 2592000, not 2592001",
        ),
        ([{"approvers": ["bob"], "expires": True}], f"{W}[0].expires must be seconds from 1 to 2592000, not True"),
        ([{"approvers": ["bob"], "expires": 60.0}], f"{W}[0].expires must be seconds from 1 to 2592000, not 60.0"),
        ([{"approvers": ["bob"], "new_recipient": 1}], f"{W}[0].new_recipient must be true or false"),
        ([{"approvers": ["bob"], "new_contract": "yes"}], f"{W}[0].new_contract must be true or false"),
    ],
)
def test_malformed_rules(data: object, message: str) -> None:
    with pytest.raises(wk.errors.InvalidInput) as info:
        _parse(data)
    assert str(info.value) == message
