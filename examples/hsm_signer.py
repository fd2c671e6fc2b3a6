"""The policy-guarded signer on a key held in an HSM, against anvil.

The key is generated inside a PKCS#11 token (here SoftHSM2, started in a temporary token
directory) and never enters this process: the token signs, walletkit normalises the
signature (low S), finds its recovery id and verifies it, and the signer's policy,
idempotency and audit work as they do with an in-memory key.

For a real HSM, open the store with its vendor library, token label and PIN instead:
``Pkcs11KeyStore.from_env()`` reads WALLETKIT_HSM_LIBRARY, WALLETKIT_HSM_TOKEN and
WALLETKIT_HSM_PIN (see docs/keys.md).
"""

from __future__ import annotations

import secrets
import tempfile
import textwrap
from pathlib import Path

import walletkit as wk
from walletkit.keys.pkcs11 import Pkcs11KeyStore
from walletkit.keys.softhsm import SoftHsm
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.testing import start_engine

TOKEN = "payouts"


def main() -> None:
    """Generate a key in the token, then send payouts from it through the signer."""
    pin = secrets.token_hex(8)  # a real deployment reads it from its environment or secret store
    customer = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("eth")
    # anvil, SoftHSM's token directory, the store's login and the signer's database are each
    # closed or removed on every way out, an error included; anvil starts first, so a SIGTERM
    # or SIGHUP unwinds every block (walletkit.testing turns it into SystemExit).
    with (
        start_engine("eth", chain_id=1) as anvil,
        SoftHsm({TOKEN: pin}) as hsm,
        Pkcs11KeyStore(hsm.library_path, TOKEN, pin) as store,
        tempfile.TemporaryDirectory(prefix="walletkit-hsm-example-") as folder,
    ):
        info = store.generate("eth", "hot-wallet")
        hot = store.account("eth", "hot-wallet")
        print(f"token {TOKEN!r} offers ECDSA: {store.supports('secp256k1')}, EdDSA: {store.supports('ed25519')}")
        print(f"key {info.label!r} ({info.curve}) generated in the token;\n   address {hot.address}")
        try:
            hot.export_private_key()
        except wk.errors.UnsupportedOperation as e:
            print(textwrap.fill(f"export refused: {e}", 96, subsequent_indent="   "))

        policy = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{customer.address}"]
max_per_tx = "0.5"
window = {{ amount = "1", seconds = 86400 }}
max_fee = "0.01"
""")
        store_db = SQLiteStore(Path(folder) / "signer.db")
        signer = Signer(policy, store_db)
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
                print(f"{attempt}: {key} sent {amount} ETH -> {txid[:18]}... (signed in the HSM)")
            except wk.errors.PolicyViolation as e:
                print(textwrap.fill(f"{attempt}: {key} refused by {e.rule}: {e}", 96, subsequent_indent="   "))
        print(
            f"customer balance {wk.format_units(anvil.balance(customer.address), 'eth')} ETH; "
            f"{anvil.w3.eth.get_transaction_count(hot.address)} transactions from the HSM key"
        )
        print(f"audit log verifies: {store_db.verify_audit()} ({len(store_db.audit_events())} events)")


if __name__ == "__main__":
    main()
