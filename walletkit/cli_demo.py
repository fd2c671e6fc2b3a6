"""``walletkit demo``: a throwaway mnemonic and its accounts on every chain."""

from __future__ import annotations

import json

import click

from walletkit.bip39 import generate_mnemonic
from walletkit.registry import list_chains
from walletkit.wallet import Wallet

DEMO_CHAINS = ("btc", "eth", "bsc", "tron", "sol")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo(as_json: bool) -> None:
    """Show walletkit working: a fresh throwaway mnemonic and its accounts on all five chains."""
    phrase = generate_mnemonic(12)
    wallet = Wallet.from_mnemonic(phrase)
    installed = set(list_chains())
    rows = []
    for chain in DEMO_CHAINS:
        if chain not in installed:
            continue
        account = wallet.account(chain)
        rows.append({"chain": chain, "path": str(account.path), "address": account.address})
    if as_json:
        click.echo(json.dumps({"mnemonic": phrase, "throwaway": True, "accounts": rows}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Throwaway mnemonic[/bold] (shown once, for this demo only; never fund it):\n  {phrase}\n")
    table = Table(title="Accounts from one mnemonic")
    for column in ("chain", "path", "address"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["chain"], r["path"], r["address"])
    console.print(table)
