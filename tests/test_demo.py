"""The demo: every transfer it makes is confirmed by its engine (the test reads the engines' state)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import walletkit as wk
from walletkit.cli.demo import run_demo


def test_demo_transfers_are_confirmed_by_the_engines(wk_engine: Any) -> None:
    from walletkit.testing import start_engine

    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    engines = {
        "btc": start_engine("btc"),
        "eth": wk_engine("eth", chain_id=1),
        "bsc": wk_engine("bsc", chain_id=56),
        "sol": start_engine("sol"),
    }
    try:
        rows = {r.chain: r for r in run_demo(wallet, engines)}
        assert set(rows) == {"btc", "eth", "bsc", "sol", "tron"}
        btc = engines["btc"]
        assert btc.wait(rows["btc"].txid) == btc.height
        assert btc.balance(wallet.account("btc", index=1, network="regtest").address) == 150_000_000
        for name in ("eth", "bsc"):
            node = engines[name]
            assert node.w3.eth.get_transaction_receipt(rows[name].txid)["status"] == 1
            assert node.balance(wallet.account(name, index=1).address) == 250_000_000_000_000_000
        svm = engines["sol"]
        assert svm.balance(wallet.account("sol", index=1).address) == 1_250_000_000
        assert svm.fee_of(rows["sol"].txid) > 5000  # the priority fee was paid
        assert len(rows["tron"].txid) == 64
    finally:
        engines["btc"].close()


def test_demo_command_runs_from_the_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "demo", "--json"], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    assert data["throwaway"] is True and not data["skipped"]
    assert {r["chain"] for r in data["rows"]} == {"btc", "eth", "bsc", "sol", "tron"}
