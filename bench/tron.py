"""TRON: build and sign a TRC-20 (USDT) transfer, walletkit vs TRON's own SDK (tronweb in node).

tronpy cannot be installed beside walletkit (it pins eth-abi < 6, web3 8 needs >= 6), so
the anchor is tronweb, timed inside node over the same work; its ops/s comes from node.
"""

from __future__ import annotations

import sys

from bench.common import Row, measure, row
from walletkit.account import Account

KEY = "01" * 32
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TO = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
HEADER = {
    "ref_block_bytes": "f2b8",
    "ref_block_hash": "a1b2c3d4e5f60718",
    "timestamp": 1_700_000_000_000,
    "expiration": 1_700_000_060_000,
}


def run(quick: bool) -> list[Row]:
    """Measure TRC-20 build+sign in walletkit and in tronweb."""
    from chains.tron.tronweb import TronWebOracle

    print(
        "bench.tron: anchor is tronweb in node; tronpy cannot install beside web3 8 (eth-abi conflict)",
        file=sys.stderr,
    )
    account = Account.from_private_key("tron", KEY)
    w = "build+sign a TRC-20 transfer"
    rows = [
        row(
            w,
            "walletkit transfer()+sign()",
            "walletkit",
            measure(
                lambda: account.sign(account.transfer(TO, 25_000_000, token=USDT, fee_limit=30_000_000, **HEADER)),
                quick=quick,
            ),
        )
    ]
    with TronWebOracle() as oracle:
        answer = oracle.request(
            {
                "op": "bench_trc20",
                "seconds": 0.5 if quick else 3.0,
                "key": KEY,
                "header": HEADER,
                "params": {
                    "to": TO,
                    "amount": "25000000",
                    "contract": USDT,
                    "fee_limit": 30_000_000,
                    "from": account.address,
                },
            }
        )
    rows.append(row(w, "tronweb (node) triggerSmartContract+sign", "anchor", float(answer["ops_per_s"])))
    return rows
