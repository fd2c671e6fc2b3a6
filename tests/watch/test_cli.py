"""``walletkit watch`` (walletkit/watch/cli.py) on anvil: JSON lines on stdout, progress on stderr while catching
up, an xpub read from the environment, and typed refusals."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

import walletkit as wk
from chains.evm.anvil import ANVIL_MNEMONIC
from walletkit.hd.bip32 import HDNode
from walletkit.watch import TransferEvent
from walletkit.watch.cli import COMMANDS, watch


def test_json_lines_and_progress(anvil_eth: Any) -> None:
    assert COMMANDS == (watch,)
    target = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("eth").address
    anvil_eth.mine(150)
    start = anvil_eth.w3.eth.block_number - 140
    funder = wk.Wallet.from_mnemonic(ANVIL_MNEMONIC).account("eth", index=8).connect(anvil_eth)
    txids = [funder.send(target, amount) for amount in (101, 202)]
    args = ["--chain", "eth", "--url", anvil_eth.url, "--address", target, "--start", str(start)]
    result = CliRunner().invoke(watch, [*args, "--confirmations", "1", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    events = [TransferEvent.from_json(line) for line in result.stdout.splitlines()]
    assert [(e.txid, e.amount, e.status) for e in events] == [
        (txids[0], 101, "seen"),
        (txids[0], 101, "confirmed"),
        (txids[1], 202, "seen"),
        (txids[1], 202, "confirmed"),
    ]
    assert "catching up eth mainnet: block" in result.stderr


def test_xpub_from_the_environment(anvil_eth: Any) -> None:
    phrase = wk.generate_mnemonic()
    xpub = HDNode.from_seed(wk.bip39.Mnemonic.parse(phrase).to_seed("")).derive("m/44'/60'/0'").to_xpub()
    deposit = wk.Wallet.from_mnemonic(phrase).account("eth", index=3).address
    start = anvil_eth.w3.eth.block_number + 1
    funder = wk.Wallet.from_mnemonic(ANVIL_MNEMONIC).account("eth", index=8).connect(anvil_eth)
    txid = funder.send(deposit, 303)
    result = CliRunner(env={"WK_TEST_XPUB": xpub}).invoke(
        watch,
        ["--chain", "eth", "--url", anvil_eth.url, "--xpub-env", "WK_TEST_XPUB", "--start", str(start), "--once"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert [(e.txid, e.address, e.status) for e in map(TransferEvent.from_json, result.stdout.splitlines())] == [
        (txid, deposit, "seen")
    ]
    assert "watching 40 addresses of the xpub in WK_TEST_XPUB" in result.stderr
    assert xpub not in result.output


def test_refusals_are_typed(anvil_eth: Any) -> None:
    runner = CliRunner(env={"WK_EMPTY": ""})
    base = ["--chain", "eth", "--url", anvil_eth.url, "--once"]
    with pytest.raises(wk.errors.InvalidInput, match="nothing to watch: give --address"):
        runner.invoke(watch, base, catch_exceptions=False)
    with pytest.raises(wk.errors.MissingSecret, match="WK_EMPTY holds no extended public key"):
        runner.invoke(watch, [*base, "--xpub-env", "WK_EMPTY"], catch_exceptions=False)
    target = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    with pytest.raises(wk.errors.MissingSecret, match="signing secret in the environment variable WK_EMPTY"):
        runner.invoke(
            watch,
            [*base, "--address", target, "--webhook", "http://127.0.0.1:9/", "--webhook-secret-env", "WK_EMPTY"],
            catch_exceptions=False,
        )
