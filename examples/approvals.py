"""A large payout through 2-of-3 approval on anvil: the request waits, one approval is not enough,
an ed25519 signature and a TOTP code sign and broadcast it once; then a freeze and its lifting."""

from __future__ import annotations

import base64
import secrets
import sys
import tempfile
from pathlib import Path

import nacl.signing
import pyotp

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.approvals import ApproverSignature, PendingRequest, TotpCode
from walletkit.testing import start_engine


def main() -> int:
    """Run the approval flow; return 0 if every step behaved as the policy says."""
    alice, bob = nacl.signing.SigningKey.generate(), nacl.signing.SigningKey.generate()
    carol_secret = base64.b32encode(secrets.token_bytes(20)).decode()  # carol's authenticator app holds this
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    treasury, vendor = wallet.accounts("eth", count=2)
    policy = Policy.from_toml(f"""
[approvers.alice]
ed25519 = "{alice.verify_key.encode().hex()}"
[approvers.bob]
ed25519 = "{bob.verify_key.encode().hex()}"
[approvers.carol]
totp = true

[chains.eth]
recipients = ["{vendor.address}"]
max_per_tx = "50"

[[chains.eth.approvals]]
name = "large payout"
above = {{ native = "1" }}
approvers = ["alice", "bob", "carol"]
required = 2

[guard.unfreeze]
approvers = ["alice", "bob", "carol"]
required = 2
""")
    ok = True
    with tempfile.TemporaryDirectory() as folder, start_engine("eth") as anvil:
        signer = Signer(policy, SQLiteStore(Path(folder) / "signer.db"), totp_secrets={"carol": carol_secret})
        anvil.fund(treasury.address, wk.parse_units("100", "eth"))
        small = signer.request(
            treasury, vendor.address, wk.parse_units("0.5", "eth"), requester="payouts", client=anvil
        )
        print(f"0.5 ETH needs no approval: sent {str(small)[:18]}...")
        pending = signer.request(
            treasury, vendor.address, wk.parse_units("20", "eth"), requester="payouts", client=anvil
        )
        if not isinstance(pending, PendingRequest):
            print("a 20 ETH payout was signed without approval")
            return 1
        print(f"20 ETH waits for approval: request {pending.id[:8]}..., needs {pending.needs}")
        pending = signer.approve(
            pending.id, ApproverSignature("alice", alice.sign(bytes.fromhex(pending.digest)).signature)
        )
        print(f"alice approved; still needs {pending.needs}")
        try:
            signer.execute(pending.id, treasury, client=anvil)
            ok = False
        except wk.errors.PolicyViolation as e:
            print(f"execute with one approval refused: {e.rule}")
        pending = signer.approve(pending.id, TotpCode("carol", pyotp.TOTP(carol_secret).now()))
        txid = signer.execute(pending.id, treasury, client=anvil)
        again = signer.execute(pending.id, treasury, client=anvil)
        ok &= txid == again
        print(f"carol's code makes 2 of 3: sent {str(txid)[:18]}... (a second execute returns the same txid)")
        signer.freeze(treasury, "drill: an operator froze the treasury")
        try:
            signer.send(treasury, anvil, vendor.address, wk.parse_units("0.1", "eth"))
            ok = False
        except wk.errors.AccountFrozen as e:
            print(f"frozen: {e.reason}")
        lift = signer.request_unfreeze(treasury, requester="ops")
        for name, key in (("alice", alice), ("bob", bob)):
            lift = signer.approve(lift.id, ApproverSignature(name, key.sign(bytes.fromhex(lift.digest)).signature))
        signer.execute(lift.id)
        print(f"alice and bob lifted the freeze; frozen now: {signer.frozen(treasury)}")
        balance = wk.format_units(anvil.balance(vendor.address), "eth")
        ok &= anvil.balance(vendor.address) == wk.parse_units("20.5", "eth")
        print(f"vendor balance {balance} ETH; audit log verifies: {bool(signer.store.verify_audit())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
