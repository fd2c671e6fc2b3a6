"""``walletkit chains``: the installed chain plugins, their networks, kinds and profiles."""

from __future__ import annotations

import click

from walletkit.cli.output import print_rows
from walletkit.registry import get_chain, list_chains


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def chains(as_json: bool) -> None:
    """List the installed chains with their networks, kinds and profiles."""
    rows = []
    for name in list_chains():
        spec = get_chain(name).spec
        rows.append(
            {
                "chain": name,
                "name": spec.display_name,
                "symbol": spec.symbol,
                "networks": ",".join(spec.networks),
                "kinds": ",".join(spec.kinds),
                "profiles": ",".join(spec.profiles),
            }
        )
    print_rows(rows, "Installed chains", as_json=as_json)


COMMANDS = (chains,)
