"""``walletkit addresses``: addresses derived from a mnemonic or a keystore's wallet."""

from __future__ import annotations

import click

from walletkit.cli.common import SecretSources, wallet_from_sources, wallet_options
from walletkit.cli.output import print_rows
from walletkit.registry import get_chain


@click.command()
@click.option("--chain", "chain", required=True, help="Chain name: btc, eth, bsc, tron, sol (walletkit chains).")
@click.option("--count", default=5, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--start", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--account", "account_index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--change", default=0, show_default=True, type=click.IntRange(0, 1))
@click.option("--kind", help="Address kind (btc: p2wpkh, p2pkh, p2sh-p2wpkh, p2tr).")
@click.option("--network", help="Network (mainnet, testnet, regtest, sepolia, nile, devnet...).")
@click.option("--profile", help="Derivation profile (sol: default, ledger, solana-keygen; eth: ledger-live...).")
@wallet_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def addresses(
    chain: str,
    count: int,
    start: int,
    account_index: int,
    change: int,
    kind: str | None,
    network: str | None,
    profile: str | None,
    sources: SecretSources,
    as_json: bool,
) -> None:
    """Print addresses derived from a mnemonic (or from --keystore FILE)."""
    get_chain(chain)  # fail on a bad chain name before asking for a secret
    wallet = wallet_from_sources(sources)
    accounts = wallet.accounts(
        chain, count, start, account=account_index, change=change, kind=kind, network=network, profile=profile
    )
    rows = [{"chain": a.chain, "path": str(a.path) if a.path else "seed", "address": a.address} for a in accounts]
    print_rows(rows, f"{accounts[0].spec.display_name} addresses", as_json=as_json)


COMMANDS = (addresses,)
