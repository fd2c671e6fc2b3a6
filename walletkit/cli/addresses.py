"""``walletkit addresses``: addresses derived from a mnemonic or a keystore's wallet.

With ``--keystore FILE --name NAME`` the listing is of a stored account: its chain, kind,
network and path are the stored ones (``--chain`` may be left out), and ``--count N`` lists
it and the N-1 addresses after it (its address index counting up).
"""

from __future__ import annotations

from typing import Any

import click

from walletkit.account import resolve_options
from walletkit.cli.common import SecretSources, refuse_with_name, stored_account, wallet_from_sources, wallet_options
from walletkit.cli.output import print_rows
from walletkit.errors import InvalidInput
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.registry import get_chain


@click.command()
@click.option(
    "--chain", "chain", help="Chain name: btc, eth, bsc, tron, sol (walletkit chains); may be left out with --name."
)
@click.option(
    "--count",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="How many (with --name: 1 unless given, the stored one first).",
)
@click.option("--start", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--account", "account_index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--change", default=0, show_default=True, type=click.IntRange(0, 1))
@click.option("--kind", help="Address kind (btc: p2wpkh, p2pkh, p2sh-p2wpkh, p2tr).")
@click.option("--network", help="Network (mainnet, testnet, regtest, sepolia, nile, devnet...).")
@click.option("--profile", help="Derivation profile (sol: default, ledger, solana-keygen; eth: ledger-live...).")
@wallet_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def addresses(
    ctx: click.Context,
    chain: str | None,
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
    """Print addresses derived from a mnemonic (or from --keystore FILE; --name NAME: a stored account)."""
    if chain is not None:
        get_chain(chain)  # fail on a bad chain name before asking for a secret
    if sources.name:
        refuse_with_name(ctx, ("start", "account_index", "change", "kind", "network", "profile"))
        explicit = ctx.get_parameter_source("count") is click.core.ParameterSource.COMMANDLINE
        accounts = _stored_accounts(sources, chain, count if explicit else 1)
    else:
        if chain is None:
            raise click.UsageError("give --chain (or --keystore FILE --name NAME for a stored account)")
        wallet = wallet_from_sources(sources)
        accounts = wallet.accounts(
            chain, count, start, account=account_index, change=change, kind=kind, network=network, profile=profile
        )
    no_path = "raw key" if sources.name else "seed"  # a stored account without a path holds a key of its own
    rows = [{"chain": a.chain, "path": str(a.path) if a.path else no_path, "address": a.address} for a in accounts]
    print_rows(rows, f"{accounts[0].spec.display_name} addresses", as_json=as_json)


def _stored_accounts(sources: SecretSources, chain: str | None, count: int) -> list[Any]:
    """The stored account and the ``count - 1`` accounts after it (its address index counting up)."""
    store, entry, first = stored_account(sources, chain)
    if count == 1:
        return [first]
    if first.path is None:
        raise InvalidInput(f"stored account {entry.name!r} is a single key: it has one address (give no --count)")
    plugin = get_chain(entry.chain)
    level = _address_level(plugin, first.path, entry.kind, entry.network)
    if level is None:
        raise InvalidInput(
            f"stored account {entry.name!r} has path {first.path}, which has no address index to count up "
            "(it is not a path of the chain's profiles and ends in a hardened level); list it alone"
        )
    indexes = first.path.indexes
    if (indexes[level] & ~HARDENED) + count > HARDENED:
        raise InvalidInput(f"--count {count} from {first.path} passes the last index, 2^31-1")
    wallet = store.wallet()
    result = [first]
    for k in range(1, count):
        path = DerivationPath.trusted((*indexes[:level], indexes[level] + k, *indexes[level + 1 :]))
        result.append(wallet.account(entry.chain, path=path, kind=entry.kind, network=entry.network))
    return result


def _address_level(plugin: Any, path: DerivationPath, kind: str | None, network: str | None) -> int | None:
    """Return the level of ``path`` that holds its address index, or None if it has none.

    The level is the one that counts addresses in the first of the chain's profiles whose paths
    have ``path``'s shape (same length, same hardened levels, same fixed levels); a path of no
    profile's shape counts at its last level when that level is not hardened.
    """
    indexes = path.indexes
    for profile in plugin.spec.profiles:
        options = resolve_options(plugin, kind, network, profile)

        def at(account: int, change: int, index: int, options: Any = options) -> tuple[int, ...] | None:
            found = plugin.derivation_path(account=account, change=change, index=index, options=options)
            return None if found is None else tuple(found.indexes)

        base, next_index = at(0, 0, 0), at(0, 0, 1)
        if base is None or next_index is None or len(base) != len(indexes) or len(next_index) != len(base):
            continue
        varying = {
            i
            for other in (at(1, 0, 0), at(0, 1, 0), next_index)
            if other
            for i, (a, b) in enumerate(zip(base, other))
            if a != b
        }
        counting = [i for i, (a, b) in enumerate(zip(base, next_index)) if a != b]
        same_shape = all(
            (a & HARDENED) == (b & HARDENED) and (i in varying or a == b) for i, (a, b) in enumerate(zip(base, indexes))
        )
        if len(counting) == 1 and same_shape:
            return counting[0]
    if indexes and not indexes[-1] & HARDENED:
        return len(indexes) - 1
    return None


COMMANDS = (addresses,)
