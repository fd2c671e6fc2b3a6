"""``walletkit demo``: one throwaway mnemonic, accounts on five chains, a real transfer on each.

Bitcoin runs on a regtest chain validated by libbitcoinkernel, Ethereum and BNB Smart Chain
on anvil (chain ids 1 and 56), Solana on LiteSVM; TRON, which has no local node, is signed
offline and its txID shown. Everything runs on this machine, offline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import Any

import click

from walletkit.bip39 import generate_mnemonic
from walletkit.cli.output import print_rows
from walletkit.errors import WalletKitError
from walletkit.testing import start_engine
from walletkit.units import format_units, parse_units
from walletkit.wallet import Wallet

DEMO_CHAINS = ("btc", "eth", "bsc", "sol", "tron")
TRON_REFERENCE_BLOCK: dict[str, Any] = {
    "ref_block_bytes": "f2b8",
    "ref_block_hash": "a1b2c3d4e5f60718",
    "timestamp": 1_700_000_000_000,
}


@dataclass
class DemoRow:
    """What happened on one chain."""

    chain: str
    engine: str
    sender: str
    receiver: str
    amount: str
    txid: str
    sender_balance: str
    receiver_balance: str


def run_demo(
    wallet: Wallet, engines: dict[str, Any], progress: Callable[[str], None] = lambda _: None
) -> list[DemoRow]:
    """Fund index 0 and send to index 1 on every chain whose engine is given; TRON offline.

    ``engines`` maps ``btc``/``eth``/``bsc``/``sol`` to started engines (see walletkit.testing).
    """
    rows: list[DemoRow] = []
    if "btc" in engines:
        progress("bitcoin: mining and sending on the kernel regtest chain")
        chain = engines["btc"]
        sender = wallet.account("btc", kind="p2tr", network="regtest")
        receiver = wallet.account("btc", index=1, network="regtest")
        chain.mine(1, to=sender.address)
        chain.mine(100)
        amount = parse_units("1.5", "btc")
        txid = sender.connect(chain).send(receiver.address, amount, fee_rate=2)
        rows.append(
            _row("btc", f"libbitcoinkernel regtest, block {chain.wait(txid)}", sender, receiver, amount, txid, chain)
        )
    for name in ("eth", "bsc"):
        if name in engines:
            progress(f"{name}: sending on anvil (chain id {engines[name].chain_id})")
            node = engines[name]
            sender, receiver = wallet.account(name), wallet.account(name, index=1)
            node.fund(sender.address, parse_units("10", name))
            amount = parse_units("0.25", name)
            txid = sender.connect(node).send(receiver.address, amount)
            rows.append(_row(name, f"anvil, chain id {node.chain_id}", sender, receiver, amount, txid, node))
    if "sol" in engines:
        progress("solana: sending on LiteSVM with a priority fee")
        svm = engines["sol"]
        sender, receiver = wallet.account("sol"), wallet.account("sol", index=1)
        svm.airdrop(sender.address, parse_units("5", "sol"))
        amount = parse_units("1.25", "sol")
        txid = sender.connect(svm).send(receiver.address, amount, compute_unit_price=10_000, compute_unit_limit=1_000)
        rows.append(_row("sol", "LiteSVM", sender, receiver, amount, txid, svm))
    progress("tron: signing offline (no TRON node runs here)")
    sender, receiver = wallet.account("tron"), wallet.account("tron", index=1)
    amount = parse_units("12.5", "tron")
    signed = sender.sign(sender.transfer(receiver.address, amount, **TRON_REFERENCE_BLOCK))
    rows.append(
        DemoRow(
            "tron",
            "signed offline",
            sender.address,
            receiver.address,
            f"{format_units(amount, 'tron')} TRX",
            signed.txid,
            "-",
            "-",
        )
    )
    return rows


def _row(chain: str, engine: str, sender: Any, receiver: Any, amount: int, txid: str, client: Any) -> DemoRow:
    unit = sender.spec.symbol
    # The sender's account holds what is left at its address and at its change address (Bitcoin).
    addresses = {sender.address, sender.sibling(change=1, index=0).address}
    left = sum(client.balance(a) for a in addresses)
    return DemoRow(
        chain,
        engine,
        sender.address,
        receiver.address,
        f"{format_units(amount, chain)} {unit}",
        txid,
        format_units(left, chain),
        format_units(client.balance(receiver.address), chain),
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--offline-only", is_flag=True, help="Skip the local engines; derive and sign only.")
def demo(as_json: bool, offline_only: bool) -> None:
    """Show walletkit working: a throwaway mnemonic, accounts and a real transfer on all five chains."""
    from rich.console import Console

    # Progress goes to stderr (a spinner on a terminal, nothing when piped); results to stdout.
    console = Console(stderr=True)
    phrase = generate_mnemonic(12)
    wallet = Wallet.from_mnemonic(phrase)
    if not as_json:
        click.echo("Throwaway mnemonic (shown once, for this demo only; never fund it):")
        click.echo(f"  {phrase}\n")
    with ExitStack() as stack:
        engines: dict[str, Any] = {}
        skipped: list[str] = []
        if not offline_only:
            with console.status("starting local engines...") as status:
                for name, options in (("btc", {}), ("eth", {"chain_id": 1}), ("bsc", {"chain_id": 56}), ("sol", {})):
                    status.update(f"starting {name} engine...")
                    try:
                        engines[name] = stack.enter_context(start_engine(name, **options))
                    except WalletKitError as e:
                        skipped.append(f"{name}: {e}")
        with console.status("sending...") as status:
            rows = run_demo(wallet, engines, progress=lambda text: status.update(text))
    if as_json:
        click.echo(
            json.dumps(
                {"mnemonic": phrase, "throwaway": True, "rows": [asdict(r) for r in rows], "skipped": skipped}, indent=2
            )
        )
        return
    table = [
        {
            "chain": r.chain,
            "engine": r.engine,
            "from": r.sender,
            "to": r.receiver,
            "amount": r.amount,
            "txid": r.txid,
            "balances after (from / to)": f"{r.sender_balance} / {r.receiver_balance}"
            if r.sender_balance != "-"
            else "-",
        }
        for r in rows
    ]
    print_rows(table, "One mnemonic, five chains, a transfer on each")
    for line in skipped:
        click.echo(f"skipped {line}")


COMMANDS = (demo,)
