"""``walletkit message``, ``sign`` and ``send`` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import walletkit as wk

PHRASE = "abandon " * 11 + "about"
ENV = {"WK_PHRASE": PHRASE}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        timeout=300,
    )


def test_message_sign_and_verify() -> None:
    out = run("message", "sign", "--chain", "tron", "--phrase-env", "WK_PHRASE", "hello")
    assert out.returncode == 0, out.stderr
    signed = json.loads(out.stdout)
    assert signed["address"] == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
    assert wk.verify_message("tron", signed["address"], "hello", signed["signature"])  # checked by the library
    ok = run(
        "message",
        "verify",
        "--chain",
        "tron",
        "--address",
        signed["address"],
        "--signature",
        signed["signature"],
        "hello",
    )
    bad = run(
        "message",
        "verify",
        "--chain",
        "tron",
        "--address",
        signed["address"],
        "--signature",
        signed["signature"],
        "hell0",
    )
    assert (ok.returncode, ok.stdout.strip(), bad.returncode, bad.stdout.strip()) == (0, "valid", 4, "invalid")


def test_sign_from_json_matches_the_library(tmp_path: Path) -> None:
    spec = {
        "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "amount": "0.25",
        "fields": {"nonce": 3, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9},
    }
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(spec))
    out = run("sign", "--chain", "eth", "--phrase-env", "WK_PHRASE", "--tx", str(path))
    assert out.returncode == 0, out.stderr
    account = wk.Wallet.from_mnemonic(PHRASE).account("eth")
    expected = account.sign(account.transfer(spec["to"], 25 * 10**16, **spec["fields"]))  # type: ignore[arg-type]
    assert json.loads(out.stdout)["raw"] == expected.hex()


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    out = run(
        "send",
        "--chain",
        "eth",
        "--phrase-env",
        "WK_PHRASE",
        "--url",
        "http://127.0.0.1:9",
        "--to",
        "0x1234",
        "--amount",
        "1",
    )
    assert (out.returncode == 2 and out.stderr.startswith("error: an EVM address")) or out.returncode == 1
    float_amount = run(
        "send",
        "--chain",
        "eth",
        "--phrase-env",
        "WK_PHRASE",
        "--url",
        "http://127.0.0.1:9",
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "1.0000000000000000001",
    )
    assert float_amount.returncode == 2 and "decimal places" in float_amount.stderr
    assert "Traceback" not in out.stderr + float_amount.stderr


def test_send_through_a_node(anvil_eth: Any) -> None:
    sender = wk.Wallet.from_mnemonic(PHRASE).account("eth", index=7)
    anvil_eth.fund(sender.address, 10**18)
    out = run(
        "send",
        "--chain",
        "eth",
        "--index",
        "7",
        "--phrase-env",
        "WK_PHRASE",
        "--url",
        anvil_eth.url,
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "0.125",
    )
    assert out.returncode == 0, out.stderr
    txid = json.loads(out.stdout)["txid"]
    assert anvil_eth.w3.eth.get_transaction_receipt(txid)["status"] == 1
    assert anvil_eth.balance("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") >= 125 * 10**15


def test_transfer_document_is_checked_field_by_field(tmp_path: Path) -> None:
    from walletkit.cli.tx import read_transfer_document

    to = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert read_transfer_document({"to": to, "amount": "0.25"}, "eth").amount == 25 * 10**16
    assert read_transfer_document({"to": to, "base_units": 7, "fields": {"nonce": 1}}, "eth").fields == {"nonce": 1}
    for bad, said in [
        ([], "JSON object"),
        ({"amount": "1"}, "'to'"),
        ({"to": to, "amount": 0.25}, "decimal text"),
        ({"to": to, "base_units": "7"}, "integer"),
        ({"to": to, "amount": "1", "token": 5}, "'token'"),
        ({"to": to, "amount": "1", "fields": []}, "'fields'"),
        ({"to": to, "amount": "1", "fields": {"to": "x"}}, "not in 'fields'"),
        ({"to": to, "amount": "1", "base_units": 1}, "once"),
    ]:
        with pytest.raises(wk.errors.InvalidInput, match=said):
            read_transfer_document(bad, "eth")
    path = tmp_path / "tx.json"
    path.write_text(json.dumps({"to": to, "amount": "1", "fields": {"amount": 5}}))
    out = run("sign", "--chain", "eth", "--phrase-env", "WK_PHRASE", "--tx", str(path))
    assert out.returncode == 2 and "not in 'fields'" in out.stderr and "Traceback" not in out.stderr
