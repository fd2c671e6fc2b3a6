"""The guard: M-of-N approvals (signatures and RFC 6238 codes), refusals of bad approvals, freezes
and their lifting, with a frozen clock, on anvil."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import coincurve
import nacl.signing
import pyotp
import pytest

import walletkit as wk
from tests.conftest import load_vectors
from walletkit.errors import AccountFrozen, ApprovalRefused, PolicyViolation
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.approvals import ApproverSignature, PendingRequest, TotpCode, check_totp

ETH = 10**18
T0 = 1_800_000_000.0


class Clock:
    """A clock the test moves by hand (the store and the guard read only this)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- RFC 6238 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_totp_rfc6238_vectors(digest: str) -> None:
    data = load_vectors("rfc6238_totp_vectors")
    secret = base64.b32encode(data["seeds"][digest].encode()).decode()
    for vector in data["vectors"]:
        at = vector["time"]
        assert check_totp(secret, vector[digest], at, digits=8, digest=digest) == at // 30
        wrong = f"{(int(vector[digest]) + 1) % 10**8:08d}"
        assert check_totp(secret, wrong, at, digits=8, digest=digest) is None
        assert check_totp(secret, vector[digest], at + 90, digits=8, digest=digest) is None  # two steps later


# --- a 2-of-3 rule on anvil ---------------------------------------------------------------------------


KEYS = {name: nacl.signing.SigningKey(bytes([i + 1]) * 32) for i, name in enumerate(["alice", "bob"])}
DAVE = coincurve.PrivateKey(bytes([9]) * 32)
CAROL_TOTP = base64.b32encode(b"carol's shared secret!").decode()


def _policy(receiver: str) -> Policy:
    return Policy.from_dict(
        {
            "approvers": {
                "alice": {"ed25519": KEYS["alice"].verify_key.encode().hex()},
                "bob": {"ed25519": KEYS["bob"].verify_key.encode().hex()},
                "carol": {"totp": True},
                "dave": {"secp256k1": DAVE.public_key.format().hex()},
            },
            "chains": {
                "eth": {
                    "recipients": [receiver],
                    "max_per_tx": "50",
                    "approvals": [
                        {
                            "name": "large",
                            "above": {"native": "1"},
                            "approvers": ["alice", "bob", "carol"],
                            "required": 2,
                            "expires": 600,
                        },
                    ],
                }
            },
            "guard": {"unfreeze": {"approvers": ["alice", "bob", "dave"], "required": 2}},
        }
    )


def _sign(name: str, pending: PendingRequest) -> ApproverSignature:
    if name == "dave":
        return ApproverSignature("dave", DAVE.sign(bytes.fromhex(pending.digest), hasher=None))
    return ApproverSignature(name, KEYS[name].sign(bytes.fromhex(pending.digest)).signature)


@pytest.fixture
def guarded(anvil_eth: Any, tmp_path: Path) -> tuple[Any, wk.Account, wk.Account, Signer, Clock]:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 100 * ETH)
    clock = Clock()
    signer = Signer(
        _policy(receiver.address), SQLiteStore(tmp_path / "g.db", clock=clock), totp_secrets={"carol": CAROL_TOTP}
    )
    return anvil_eth, sender, receiver, signer, clock


def test_two_of_three_signs_and_broadcasts_once(guarded: tuple[Any, wk.Account, wk.Account, Signer, Clock]) -> None:
    node, sender, receiver, signer, clock = guarded
    small = signer.request(sender, receiver.address, ETH // 2, requester="payouts", client=node)
    assert not isinstance(small, PendingRequest)  # below the rule: signed at once
    pending = signer.request(sender, receiver.address, 5 * ETH, requester="payouts", client=node)
    assert isinstance(pending, PendingRequest) and pending.needs == {"large": 2} and pending.approvals == ()
    assert pending.expires_at == T0 + 600
    with pytest.raises(PolicyViolation, match="approval_required"):  # the plain path cannot bypass the rule
        signer.send(sender, node, receiver.address, 5 * ETH)
    pending = signer.approve(pending.id, _sign("alice", pending))
    assert pending.needs == {"large": 1} and not pending.ready
    with pytest.raises(PolicyViolation, match="approval_required"):  # one approval is not enough
        signer.execute(pending.id, sender, client=node)
    code = pyotp.TOTP(CAROL_TOTP).at(int(clock.now))
    pending = signer.approve(pending.id, TotpCode("carol", code))
    assert pending.ready and pending.approvals == ("alice", "carol")
    before = node.balance(receiver.address)
    txid = signer.execute(pending.id, sender, client=node)
    assert txid == signer.execute(pending.id, sender, client=node)  # exactly once
    assert node.balance(receiver.address) == before + 5 * ETH
    assert node.w3.eth.get_transaction(txid)["value"] == 5 * ETH
    assert node.w3.eth.get_transaction_count(sender.address) == 2  # the small payment and this one
    with pytest.raises(ApprovalRefused, match="not_pending"):
        signer.approve(pending.id, _sign("bob", pending))
    decisions = [e.get("decision") for e in signer.store.audit_events()]
    assert decisions.count("approved") == 2 and decisions.count("pending") == 1


def test_bad_approvals_are_refused(guarded: tuple[Any, wk.Account, wk.Account, Signer, Clock]) -> None:
    node, sender, receiver, signer, clock = guarded
    first = signer.request(sender, receiver.address, 2 * ETH, requester="alice", client=node)
    second = signer.request(sender, receiver.address, 3 * ETH, requester="ops", client=node)
    assert isinstance(first, PendingRequest) and isinstance(second, PendingRequest)
    cases = [
        (first.id, _sign("alice", first), "self_approval"),  # alice asked for it
        (second.id, _sign("bob", first), "bad_signature"),  # bob's approval of another request
        ("f" * 32, _sign("bob", first), "wrong_request"),
        (second.id, ApproverSignature("mallory", b"\0" * 64), "unknown_approver"),
        (second.id, _sign("dave", second), "not_an_approver"),  # dave only lifts freezes
        (second.id, TotpCode("carol", "000000"), "bad_code"),
        (second.id, ApproverSignature("carol", b"\0" * 64), "bad_signature"),  # a TOTP approver has no key
        (second.id, TotpCode("bob", "123456"), "bad_code"),
    ]
    for request_id, proof, reason in cases:
        with pytest.raises(ApprovalRefused) as refused:
            signer.approve(request_id, proof)
        assert refused.value.reason == reason, (reason, refused.value)
    signer.approve(second.id, _sign("bob", second))
    with pytest.raises(ApprovalRefused, match="replayed"):  # the same approval twice
        signer.approve(second.id, _sign("bob", second))
    code = pyotp.TOTP(CAROL_TOTP).at(int(clock.now))
    signer.approve(first.id, TotpCode("carol", code))
    with pytest.raises(ApprovalRefused, match="replayed"):  # a code is good once within its step
        signer.approve(second.id, TotpCode("carol", code))
    clock.now += 601  # past the rule's 600 s
    with pytest.raises(ApprovalRefused, match="expired"):
        signer.approve(second.id, _sign("alice", second))
    with pytest.raises(ApprovalRefused, match=r"not_pending|expired"):
        signer.execute(second.id, sender, client=node)
    assert node.balance(receiver.address) == 0  # nothing was paid


def test_freeze_stops_signing_until_a_quorum_lifts_it(
    guarded: tuple[Any, wk.Account, wk.Account, Signer, Clock],
) -> None:
    node, sender, receiver, signer, _clock = guarded
    seen: list[Any] = []
    signer.on_freeze.append(seen.append)
    signer.send(sender, node, receiver.address, ETH // 10)
    # A spend outside walletkit with the exported key: the nonce on chain passes what the store reserved.
    outside = wk.Account.from_private_key("eth", sender.export_private_key())
    outside.connect(node).send(receiver.address, ETH // 10)
    frozen = signer.check_nonce(sender, node)
    assert frozen is not None and frozen.source == "unknown_nonce" and seen == [frozen]
    with pytest.raises(AccountFrozen):
        signer.send(sender, node, receiver.address, ETH // 10)
    other = Signer(signer.policy, signer.store)  # another worker on the same store sees it too
    with pytest.raises(AccountFrozen):
        other.transfer(sender, receiver.address, 1, nonce=9, gas_price=1)
    lift = signer.request_unfreeze(sender, requester="ops")
    lift = signer.approve(lift.id, _sign("dave", lift))
    with pytest.raises(PolicyViolation, match="approval_required"):  # one of two approvals
        signer.execute(lift.id)
    assert signer.frozen(sender)
    signer.approve(lift.id, _sign("alice", lift))
    signer.execute(lift.id)
    assert signer.frozen(sender) == []
    signer.store.resync_nonce("eth", sender.address)  # the outside spend used a nonce the store never gave
    signer.send(sender, node, receiver.address, ETH // 10)
    assert any(e.get("decision") == "frozen" for e in signer.store.audit_events())
    assert any(e.get("decision") == "unfrozen" for e in signer.store.audit_events())


def test_a_totp_approver_without_a_configured_secret_is_named(tmp_path: Path) -> None:
    """A code cannot be checked when this process holds no secret for the approver: the refusal says
    so (a new user saw "not a current TOTP code" for a correct code)."""
    sender, receiver = wk.Wallet.from_mnemonic("abandon " * 11 + "about").accounts("eth", count=2)
    signer = Signer(_policy(receiver.address), SQLiteStore(tmp_path / "t.db", clock=Clock()))  # no totp_secrets
    pending = signer.request(sender, receiver.address, 5 * ETH, requester="ops", nonce=0, gas_price=1)
    assert isinstance(pending, PendingRequest)
    with pytest.raises(ApprovalRefused, match="no TOTP secret for carol is configured"):
        signer.approve(pending.id, TotpCode("carol", pyotp.TOTP(CAROL_TOTP).at(int(T0))))
    with pytest.raises(ApprovalRefused, match="alice approves with a ed25519 signature, not a code"):
        signer.approve(pending.id, TotpCode("alice", "123456"))
