"""A signing worker for the guard tests: one process on a shared PostgreSQL store.

It prints ``ready``, then for each line ``go`` on stdin tries one transfer (offline, explicit
fields) and prints ``signed``, ``frozen`` or ``refused:<rule>``. It never sleeps: the test drives it.
"""

from __future__ import annotations

import sys

import walletkit as wk
from walletkit.signer import Policy, PostgresStore, Signer


def main() -> None:
    uri, policy_text, phrase = sys.argv[1], sys.argv[2], sys.argv[3]
    sender, receiver = wk.Wallet.from_mnemonic(phrase).accounts("eth", count=2)
    signer = Signer(Policy.from_toml(policy_text), PostgresStore(uri))
    print("ready", flush=True)
    for nonce, line in enumerate(sys.stdin):
        if line.strip() != "go":
            break
        try:
            signer.transfer(sender, receiver.address, 1, nonce=10_000 + nonce, gas_price=10**9)
            print("signed", flush=True)
        except wk.errors.AccountFrozen:
            print("frozen", flush=True)
        except wk.errors.PolicyViolation as e:
            print(f"refused:{e.rule}", flush=True)


if __name__ == "__main__":
    main()
