"""Typing per chain (issue 16 item 18): mypy knows what each chain's account builds.

Each test runs the real mypy (``mypy.api.run``, strict, this checkout's config) on a small
user program and compares what it reveals, and which lines it refuses, with types written
out here by hand from the chain packages. If ``transfer`` fell back to ``object`` or ``Any``,
the revealed types would differ and the wrong-field lines would no longer be errors.
The last test runs it with ``walletkit.mypy_plugin``, which types a literal chain name too.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from mypy import api

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
# Modules without type information, as the project's [tool.mypy] overrides list them.
_MISSING_IMPORTS = next(
    o["module"]
    for o in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    if o.get("ignore_missing_imports")
)

EVM_TX = "chains.evm.transaction.EvmTransaction"
BTC_TX = "chains.bitcoin.transfer.BitcoinTransfer"
TRON_TX = "chains.tron.transaction.TronTransaction"
SOL_TX = "chains.solana.transfer.SolanaTransfer"
ACCOUNT = "walletkit.account.Account"

PRELUDE = """\
import walletkit as wk
from chains.bitcoin.plugin import BITCOIN
from chains.evm.plugin import BSC, ETHEREUM
from chains.solana.plugin import SOLANA
from chains.tron.plugin import TRON

wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
to = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
"""


def run_mypy(tmp_path: Path, body: str, config: Path | None = None) -> tuple[dict[int, str], dict[int, str], str]:
    """Check PRELUDE + body; return {line: revealed type}, {line: error text} (body's own line numbers)."""
    source = PRELUDE + textwrap.dedent(body)
    path = tmp_path / "user_program.py"
    path.write_text(source, encoding="utf-8")
    out, err, _status = api.run(
        [
            "--config-file",
            str(config or ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--show-error-codes",
            "--no-pretty",
            str(path),
        ]
    )
    offset = PRELUDE.count("\n")
    revealed: dict[int, str] = {}
    errors: dict[int, str] = {}
    for line in out.splitlines():
        m = re.match(rf"{re.escape(str(path))}:(\d+): (note|error): (.*)$", line)
        if m is None:
            continue
        number, kind, text = int(m.group(1)) - offset, m.group(2), m.group(3)
        if kind == "note" and text.startswith("Revealed type is "):
            revealed[number] = text.removeprefix("Revealed type is ").strip('"')
        elif kind == "error":
            errors[number] = errors.get(number, "") + text
    return revealed, errors, out + err


def test_each_plugin_object_gives_an_account_typed_with_its_transaction(tmp_path: Path) -> None:
    revealed, errors, output = run_mypy(
        tmp_path,
        """\
        eth = wallet.account(ETHEREUM)
        reveal_type(eth)
        tx = eth.transfer(to, 1, nonce=0, max_fee_per_gas=2, max_priority_fee_per_gas=1)
        reveal_type(tx)
        reveal_type(tx.nonce)
        reveal_type(wallet.account(BSC).transfer(to, 1))
        reveal_type(wallet.account(BITCOIN).transfer("bc1q", 1))
        reveal_type(wallet.account(TRON).transfer("T", 1))
        reveal_type(wallet.account(SOLANA).transfer("So1", 1))
        reveal_type(wallet.accounts(ETHEREUM, 2))
        reveal_type(wk.Account.from_private_key(ETHEREUM, "0x" + "46" * 32))
        reveal_type(eth.sign(tx))
        reveal_type(eth.connect(wk.connect("eth", "http://127.0.0.1:8545")))
        reveal_type(eth.sibling(change=1, index=0))
        connected = eth.connect(wk.connect("eth", "http://127.0.0.1:8545"))
        reveal_type(connected.transfer(to, 1))
        reveal_type(connected.sign(tx))
        reveal_type(connected.address)
        """,
    )
    assert errors == {}, output
    assert revealed == {
        2: f"{ACCOUNT}[{EVM_TX}]",
        4: EVM_TX,
        5: "int",
        6: EVM_TX,
        7: BTC_TX,
        8: TRON_TX,
        9: SOL_TX,
        10: f"list[{ACCOUNT}[{EVM_TX}]]",
        11: f"{ACCOUNT}[{EVM_TX}]",
        12: "walletkit.chain.SignedTransaction",
        13: f"walletkit.account.ConnectedAccount[{EVM_TX}]",
        14: f"{ACCOUNT}[{EVM_TX}]",
        16: EVM_TX,
        17: "walletkit.chain.SignedTransaction",
        18: "str",
    }, output


def test_a_wrong_field_or_another_chains_transaction_is_a_mypy_error(tmp_path: Path) -> None:
    revealed, errors, output = run_mypy(
        tmp_path,
        """\
        eth = wallet.account(ETHEREUM)
        tx = eth.transfer(to, 1)
        tx.utxos
        tx.nonce = "7"
        btc = wallet.account(BITCOIN).transfer("bc1q", 1)
        eth.sign(btc)
        btc.max_fee_per_gas
        def pay(account: wk.Account[wk.SignedTransaction]) -> None: ...
        pay(eth)
        """,
    )
    assert set(errors) == {3, 4, 6, 7, 9}, output
    assert '"EvmTransaction" has no attribute "utxos"' in errors[3]
    assert "[attr-defined]" in errors[3]
    assert "EvmTransaction" in errors[4]  # a frozen dataclass field, and an int
    assert 'incompatible type "BitcoinTransfer"; expected "EvmTransaction"' in errors[6]
    assert '"BitcoinTransfer" has no attribute "max_fee_per_gas"' in errors[7]
    assert "[arg-type]" in errors[9]
    assert revealed == {}


def test_a_chain_name_is_known_only_at_run_time_so_its_transfer_is_object_not_any(tmp_path: Path) -> None:
    # A name gives Account[object]: mypy cannot know the chain, and refuses a field it cannot check
    # (with Any it would accept anything); bare Account annotations take both kinds of account.
    revealed, errors, output = run_mypy(
        tmp_path,
        """\
        named = wallet.account("ethereum")
        reveal_type(named)
        reveal_type(named.transfer(to, 1))
        named.transfer(to, 1).nonce
        def use(account: wk.Account) -> str:
            return account.address
        use(named)
        use(wallet.account(ETHEREUM))
        reveal_type(wk.get_chain(ETHEREUM))
        by_name = wk.get_chain("ethereum")
        by_name.build_transfer(named, to, 1, None, {}).nonce
        """,
    )
    assert revealed == {
        2: f"{ACCOUNT}[object]",
        3: "object",
        9: "chains.evm.plugin.EvmChain",
    }, output
    assert set(errors) == {4, 11}, output
    assert '"object" has no attribute "nonce"' in errors[4]
    assert '"object" has no attribute "nonce"' in errors[11]  # get_chain by name, as wallet.account


def test_every_plugin_satisfies_the_generic_chain_protocol(tmp_path: Path) -> None:
    _revealed, errors, output = run_mypy(
        tmp_path,
        """\
        from typing import Any
        from walletkit.chain import Chain
        plugins: list[Chain[Any, wk.Account]] = [BITCOIN, ETHEREUM, BSC, TRON, SOLANA]
        evm: Chain[wk.Account, wk.Account] = ETHEREUM
        not_a_plugin: Chain[Any, wk.Account] = to
        """,
    )
    assert set(errors) == {4, 5}, output  # the EVM plugin builds no Account; a str is no plugin
    assert "EvmChain" in errors[4] and "[assignment]" in errors[5]


def test_with_the_mypy_plugin_a_literal_chain_name_is_typed_as_its_plugin(tmp_path: Path) -> None:
    # walletkit.mypy_plugin resolves a literal name or alias through the walletkit.chains entry points.
    config = tmp_path / "mypy.ini"
    overrides = ",".join(_MISSING_IMPORTS)
    config.write_text(
        f"[mypy]\nstrict = True\nplugins = walletkit.mypy_plugin\n[mypy-{overrides}]\nignore_missing_imports = True\n"
    )
    revealed, errors, output = run_mypy(
        tmp_path,
        """\
        reveal_type(wallet.account("ethereum"))
        reveal_type(wallet.account("ETH").transfer(to, 1))
        reveal_type(wallet.accounts("btc", 2))
        reveal_type(wk.Account.from_private_key("trx", "00" * 32))
        reveal_type(wk.get_chain("solana"))
        wallet.account("etherium")
        wallet.account("eth").transfer(to, 1).utxos
        name = input()
        reveal_type(wallet.account(name))
        """,
        config=config,
    )
    assert revealed == {
        1: f"{ACCOUNT}[{EVM_TX}]",
        2: EVM_TX,
        3: f"list[{ACCOUNT}[{BTC_TX}]]",
        4: f"{ACCOUNT}[{TRON_TX}]",
        5: "chains.solana.plugin.SolanaChain",
        9: f"{ACCOUNT}[object]",
    }, output
    assert set(errors) == {6, 7}, output
    assert "no chain named 'etherium'; installed: " in errors[6] and "ethereum" in errors[6]
    assert '"EvmTransaction" has no attribute "utxos"' in errors[7]
