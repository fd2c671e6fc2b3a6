"""Sign a TRX and a USDT (TRC-20) transfer offline, and print the broadcast JSON.

The reference block comes from any recent block (here fixed values, as a cold wallet
would receive them); nothing touches a network.
"""

from __future__ import annotations

import json
from typing import Any

import walletkit as wk

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # Tether USD on TRON mainnet
HEADER: dict[str, Any] = {
    "ref_block_bytes": "f2b8",
    "ref_block_hash": "a1b2c3d4e5f60718",
    "timestamp": 1_700_000_000_000,
}


def main() -> None:
    """Derive a TRON account, sign two transfers offline, print what a node would take."""
    wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
    account = wallet.account("tron")
    to = wallet.account("tron", index=1).address
    trx = account.sign(account.transfer(to, wk.parse_units("1.5", "tron"), **HEADER))
    usdt = account.sign(account.transfer(to, 25_000_000, token=USDT, fee_limit=30_000_000, **HEADER))
    for label, signed in (("TRX", trx), ("USDT", usdt)):
        print(f"{label} txID {signed.txid}")
        print(json.dumps(signed.extra["json"], indent=1))


if __name__ == "__main__":
    main()
