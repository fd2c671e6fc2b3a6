"""``walletkit message``, ``sign`` and ``send`` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bip_utils import Base58Decoder
from coincurve import PublicKey
from eth_account import Account as EthAccount
from eth_utils import keccak

import walletkit as wk

PHRASE = "abandon " * 11 + "about"
BAD_PHRASE = "abandon " * 11 + "abandon"  # every word listed, the checksum wrong
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
    # m/44'/195'/0'/0/0 of PHRASE; bip-utils (Bip44Coins.TRON) derives the same address.
    assert signed["address"] == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
    # TIP-191 (TronWeb signMessageV2), checked by hand with coincurve, not by walletkit:
    # h = keccak256("\x19TRON Signed Message:\n" || len(m) || m), signature = r || s || v (v = 27 + recid),
    # and the signer's address is base58check(0x41 || keccak256(pubkey64)[12:]).
    signature = bytes.fromhex(signed["signature"].removeprefix("0x"))
    digest = keccak(b"\x19TRON Signed Message:\n5hello")
    public = PublicKey.from_signature_and_message(signature[:64] + bytes([signature[64] - 27]), digest, hasher=None)
    assert b"\x41" + keccak(public.format(compressed=False)[1:])[12:] == Base58Decoder.CheckDecode(signed["address"])
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
    # The same EIP-1559 transfer signed by eth-account from its own BIP39/BIP32 (m/44'/60'/0'/0/0):
    # chain id 1, gas 21,000 for a plain ETH transfer, no data, an empty access list.
    EthAccount.enable_unaudited_hdwallet_features()
    expected = EthAccount.from_mnemonic(PHRASE).sign_transaction(
        {
            "type": 2,
            "chainId": 1,
            "nonce": 3,
            "maxFeePerGas": 30 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "gas": 21000,
            "to": spec["to"],
            "value": 25 * 10**16,
            "data": b"",
            "accessList": [],
        }
    )
    assert json.loads(out.stdout)["raw"] == expected.raw_transaction.hex().removeprefix("0x")


TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
NODE = ["--url", "http://127.0.0.1:9"]  # nothing listens there: bad input must fail before any node is asked
# The testnet/regtest P2WPKH of PHRASE at index 0 (BIP84's own test vector is tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl,
# the same witness program under the tb prefix).
REGTEST_ADDRESS = "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"
BTC_MAINNET = ["--chain", "btc", "--network", "mainnet"]
TRON_ADDRESS = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"

# (what is wrong, send's arguments, the exact error class, its exact message, the exit code)
BAD_SENDS: list[tuple[str, list[str], type[wk.errors.WalletKitError], str, int]] = [
    (
        "short address",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", "0x1234", "--amount", "1"],
        wk.errors.InvalidAddress,
        "an EVM address is 0x followed by 40 hex digits, got '0x1234'",
        2,
    ),
    (
        "EIP-55 case",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", TO.replace("aA", "aa", 1), "--amount", "1"],
        wk.errors.InvalidAddress,
        "EIP-55 checksum mismatch in 0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed: the mixed case does not match; "
        "expected 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        2,
    ),
    (
        "TRON address on eth",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", TRON_ADDRESS, "--amount", "1"],
        wk.errors.InvalidAddress,
        f"an EVM address is 0x followed by 40 hex digits, got '{TRON_ADDRESS}'",
        2,
    ),
    (
        "regtest address on mainnet",
        [*BTC_MAINNET, "--phrase-env", "WK_PHRASE", *NODE, "--to", REGTEST_ADDRESS, "--amount", "1"],
        wk.errors.WrongNetwork,
        f"{REGTEST_ADDRESS} is a regtest address, not a mainnet address",
        2,
    ),
    (
        "too many decimals",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", TO, "--amount", "1.0000000000000000001"],
        wk.errors.InvalidAmount,
        "'1.0000000000000000001' has more than 18 decimal places; the unit has 18, and amounts are never rounded",
        2,
    ),
    (
        "amount not a number",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", TO, "--amount", "one"],
        wk.errors.InvalidAmount,
        "expected a decimal number such as \"1.25\", got 'one'",
        2,
    ),
    (
        "negative amount",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", TO, "--amount", "-1"],
        wk.errors.InvalidAmount,
        "expected a finite, non-negative amount, got '-1'",
        2,
    ),
    (
        "no amount",
        ["--chain", "eth", "--phrase-env", "WK_PHRASE", *NODE, "--to", TO],
        wk.errors.InvalidInput,
        "give the amount once: --amount (whole coins, decimal text) or --base-units (an integer)",
        2,
    ),
    (
        "unknown chain",
        ["--chain", "doge", "--phrase-env", "WK_PHRASE", *NODE, "--to", TO, "--amount", "1"],
        wk.errors.UnknownChain,
        "no chain named 'doge'; installed: bsc, btc, eth, polygon, sol, tron",
        2,
    ),
    (
        "mnemonic variable unset",
        ["--chain", "eth", "--phrase-env", "WK_UNSET", *NODE, "--to", TO, "--amount", "1"],
        wk.errors.MissingSecret,
        "environment variable WK_UNSET is not set; it should hold the mnemonic",
        3,
    ),
    (
        "mnemonic checksum",
        ["--chain", "eth", "--phrase-env", "WK_BAD_PHRASE", *NODE, "--to", TO, "--amount", "1"],
        wk.errors.ChecksumMismatch,
        "every word is in the word list, but the BIP39 checksum does not match",
        2,
    ),
]


@pytest.mark.parametrize(("what", "args", "error", "message", "code"), BAD_SENDS, ids=[c[0] for c in BAD_SENDS])
def test_bad_input_is_one_line(
    what: str,
    args: list[str],
    error: type[wk.errors.WalletKitError],
    message: str,
    code: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from walletkit.cli.tx import send

    # In process, the command alone (outside the group that turns errors into exit codes):
    # exactly this error class, with exactly this message.
    for name, value in {**ENV, "WK_BAD_PHRASE": BAD_PHRASE}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WK_UNSET", raising=False)
    with pytest.raises(wk.errors.WalletKitError) as info:
        send.main(args, prog_name="walletkit send", standalone_mode=False)
    assert (type(info.value), str(info.value)) == (error, message)
    # Through the real entry point: that message as the one line on stderr, and the class's exit code.
    out = run("send", *args)
    assert (out.returncode, out.stderr, out.stdout) == (code, f"error: {message}\n", "")


def test_send_through_a_node(anvil_eth: Any) -> None:
    # m/44'/60'/0'/0/7 of PHRASE, from eth-account.
    EthAccount.enable_unaudited_hdwallet_features()
    sender = EthAccount.from_mnemonic(PHRASE, account_path="m/44'/60'/0'/0/7").address
    assert sender == "0x593814d3309e2dF31D112824F0bb5aa7Cb0D7d47"
    anvil_eth.fund(sender, 10**18)
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
    sent = json.loads(out.stdout)
    assert (sent["from"], sent["to"], sent["amount"]) == (sender, TO, "0.125 ETH")
    txid = sent["txid"]
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
