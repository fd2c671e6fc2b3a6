"""A small policy-guarded sender on anvil: allowlisted recipient, per-transaction and rolling limits,
idempotent retries, and a hash-chained audit log."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.testing import start_engine


def main() -> None:
    """Send a few payouts through the signer and show what it allowed and refused."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    hot, customer = wallet.accounts("eth", count=2)
    policy = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{customer.address}"]
max_per_tx = "0.5"
window = {{ amount = "1", seconds = 86400 }}
max_fee = "0.01"
""")
    # The store's folder and anvil are removed and stopped on every way out, an error included.
    with tempfile.TemporaryDirectory(prefix="walletkit-signer-example-") as folder:
        store = SQLiteStore(Path(folder) / "signer.db")
        signer = Signer(policy, store)
        with start_engine("eth", chain_id=1) as anvil:
            anvil.fund(hot.address, wk.parse_units("10", "eth"))
            for attempt, (to, amount, key) in enumerate(
                [
                    (customer.address, "0.4", "payout-1"),
                    (customer.address, "0.4", "payout-1"),  # a retry: the same transaction, not a second payment
                    (customer.address, "0.4", "payout-2"),
                    (customer.address, "0.4", "payout-3"),  # over the daily window
                    ("0x" + "12" * 20, "0.1", "payout-4"),  # not on the allowlist
                ]
            ):
                try:
                    txid = signer.send(hot, anvil, to, wk.parse_units(amount, "eth"), idempotency_key=key)
                    print(f"{attempt}: {key} sent {amount} ETH -> {txid[:18]}...")
                except wk.errors.PolicyViolation as e:
                    print(textwrap.fill(f"{attempt}: {key} refused by {e.rule}: {e}", 96, subsequent_indent="   "))
            print(f"customer balance {wk.format_units(anvil.balance(customer.address), 'eth')} ETH")
            print(f"audit log verifies: {store.verify_audit()} ({len(store.audit_events())} events)")


if __name__ == "__main__":
    main()
