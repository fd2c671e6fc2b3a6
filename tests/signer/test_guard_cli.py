"""``walletkit approve``, ``freeze`` and ``unfreeze`` on the signer's store, as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nacl.signing
import pyotp
import pytest

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.approvals import PendingRequest

ALICE = nacl.signing.SigningKey(b"\x11" * 32)
BOB_SECRET = bytes([7]) * 32
TOTP = pyotp.random_base32()
WALLET = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
SENDER, RECEIVER = WALLET.accounts("eth", count=2)
EVM = {"nonce": 0, "max_fee_per_gas": 10**9, "max_priority_fee_per_gas": 1}


def _policy_text() -> str:
    import coincurve

    bob = coincurve.PrivateKey(BOB_SECRET).public_key.format().hex()
    return f"""
[approvers.alice]
ed25519 = "{ALICE.verify_key.encode().hex()}"
[approvers.bob]
secp256k1 = "{bob}"
[approvers.carol]
totp = true

[chains.eth]
recipients = ["{RECEIVER.address}"]
max_per_tx = "100"

[[chains.eth.approvals]]
name = "large"
above = {{ native = "1" }}
approvers = ["alice", "bob", "carol"]
required = 2

[guard.unfreeze]
approvers = ["alice", "bob"]
required = 2
"""


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Signer]:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(_policy_text())
    store_file = tmp_path / "signer.db"
    signer = Signer(Policy.from_toml(policy_file), SQLiteStore(store_file), totp_secrets={"carol": TOTP})
    return policy_file, store_file, signer


def test_approve_with_keys_from_the_environment(files: tuple[Path, Path, Signer]) -> None:
    policy_file, store_file, signer = files
    pending = signer.request(SENDER, RECEIVER.address, 5 * 10**18, requester="payouts", **EVM)
    assert isinstance(pending, PendingRequest)
    where = ["--policy", str(policy_file), "--store", str(store_file)]
    first = _run(
        "approve",
        pending.id,
        "--approver",
        "alice",
        "--key-env",
        "ALICE_KEY",
        *where,
        env={"ALICE_KEY": bytes(ALICE).hex()},
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"id": pending.id, "needs": {"large": 1}, "approvals": ["alice"], "ready": False}
    assert bytes(ALICE).hex() not in first.stdout + first.stderr
    again = _run(
        "approve",
        pending.id,
        "--approver",
        "alice",
        "--key-env",
        "ALICE_KEY",
        *where,
        env={"ALICE_KEY": bytes(ALICE).hex()},
    )
    assert again.returncode != 0 and "replayed" in again.stderr and "Traceback" not in again.stderr
    unset = _run("approve", pending.id, "--approver", "bob", "--key-env", "NOT_SET_ANYWHERE", *where)
    assert unset.returncode == 3 and "NOT_SET_ANYWHERE" in unset.stderr
    second = _run(
        "approve", pending.id, "--approver", "bob", "--key-env", "BOB_KEY", *where, env={"BOB_KEY": BOB_SECRET.hex()}
    )
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["ready"] is True
    signed = signer.execute(pending.id, SENDER)
    assert not isinstance(signed, PendingRequest)


def test_approve_with_a_totp_code(files: tuple[Path, Path, Signer]) -> None:
    policy_file, store_file, signer = files
    pending = signer.request(SENDER, RECEIVER.address, 2 * 10**18, requester="payouts", **EVM)
    assert isinstance(pending, PendingRequest)
    where = ["--policy", str(policy_file), "--store", str(store_file)]
    # The CLI verifies codes with the secrets the workers hold, from $WALLETKIT_TOTP_SECRETS.
    wrong = _run(
        "approve", pending.id, "--approver", "carol", "--totp", "--code-env", "CODE", *where, env={"CODE": "000000"}
    )
    assert wrong.returncode != 0 and "bad_code" in wrong.stderr


def test_freeze_and_unfreeze_from_the_command_line(files: tuple[Path, Path, Signer]) -> None:
    policy_file, store_file, signer = files
    where = ["--policy", str(policy_file), "--store", str(store_file)]
    out = _run("freeze", "--chain", "eth", "--address", SENDER.address.lower(), "--reason", "drill", *where)
    assert out.returncode == 0, out.stderr
    with pytest.raises(wk.errors.AccountFrozen):
        signer.transfer(SENDER, RECEIVER.address, 1, **EVM)
    asked = _run("unfreeze", "--chain", "eth", "--address", SENDER.address, "--requester", "ops", *where)
    assert asked.returncode == 0, asked.stderr
    request = json.loads(asked.stdout)
    early = _run("unfreeze", "--execute", request["id"], *where)
    assert early.returncode != 0 and "approval_required" in early.stderr
    for name, env in (("alice", {"K": bytes(ALICE).hex()}), ("bob", {"K": BOB_SECRET.hex()})):
        done = _run("approve", request["id"], "--approver", name, "--key-env", "K", *where, env=env)
        assert done.returncode == 0, done.stderr
    lifted = _run("unfreeze", "--execute", request["id"], *where)
    assert lifted.returncode == 0, lifted.stderr
    signer.transfer(SENDER, RECEIVER.address, 1, **EVM)
    missing = _run("freeze", "--chain", "eth", "--reason", "half", *where)
    assert missing.returncode == 2 and "--address" in missing.stderr
