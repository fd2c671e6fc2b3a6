"""``walletkit xpub``: the account-level extended public key, for a watch-only wallet or a watcher.

It is what ``Wallet.from_xpub`` and ``walletkit watch --xpub-env`` take (see
:meth:`walletkit.Wallet.xpub`). Not a secret, but it shows every address of the account.
"""

from __future__ import annotations

import json
from typing import Any

import click

from walletkit.account import resolve_options
from walletkit.cli.common import SecretSources, refuse_with_name, stored_account, wallet_from_sources, wallet_options
from walletkit.errors import UnsupportedOperation
from walletkit.hd.path import HARDENED, DerivationPath
from walletkit.registry import get_chain


@click.command("xpub")
@click.option(
    "--chain", "chain", help="Chain name: btc, eth, bsc, tron (walletkit chains); may be left out with --name."
)
@click.option("--account", "account_index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--kind", help="Address kind (btc: p2wpkh zpub, p2sh-p2wpkh ypub, p2pkh xpub, p2tr xpub).")
@click.option("--network", help="Network (test networks give tpub, upub, vpub).")
@click.option("--profile", help="Derivation profile.")
@wallet_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON: chain, network, kind, path, xpub.")
@click.pass_context
def xpub(
    ctx: click.Context,
    chain: str | None,
    account_index: int,
    kind: str | None,
    network: str | None,
    profile: str | None,
    sources: SecretSources,
    as_json: bool,
) -> None:
    """Print the account-level extended public key (m/purpose'/coin'/account') of a wallet's account.

    With --keystore FILE --name NAME: that stored account's (its chain, kind, network and account).
    """
    if chain is not None:
        get_chain(chain)  # fail on a bad chain name before asking for a secret
    if sources.name:
        refuse_with_name(ctx, ("account_index", "kind", "network", "profile"))
        store, entry, account = stored_account(sources, chain)
        chain, kind, network = entry.chain, entry.kind, entry.network
        wallet = store.wallet()
        plugin = get_chain(chain)
        if plugin.spec.curve == "secp256k1":  # other curves: wallet.xpub says why there is none
            account_index = _account_number(entry.name, account)
            options = resolve_options(plugin, kind, network, None)
            first = plugin.derivation_path(account=account_index, change=0, index=0, options=options)
            if first is None or first.indexes[:-2] != account.path.indexes[:-2]:
                raise UnsupportedOperation(
                    f"stored account {entry.name!r} ({account.path}) is not below the chain's account path "
                    f"{DerivationPath.trusted(first.indexes[:-2]) if first else 'none'}; it has no xpub of its own"
                )
    else:
        if chain is None:
            raise click.UsageError("give --chain (or --keystore FILE --name NAME for a stored account)")
        wallet = wallet_from_sources(sources)
    assert chain is not None  # given, or the stored account's
    key = wallet.xpub(chain, account_index, kind=kind, network=network, profile=profile)
    if not as_json:
        click.echo(key)
        return
    plugin = get_chain(chain)
    options = resolve_options(plugin, kind, network, profile)
    first = plugin.derivation_path(account=account_index, change=0, index=0, options=options)
    path = DerivationPath.trusted(first.indexes[:-2]) if first is not None else None
    shown = {"chain": plugin.spec.name, "network": options.network, "kind": options.kind, "path": str(path)}
    click.echo(json.dumps({**shown, "xpub": key}))


def _account_number(name: str, account: Any) -> int:
    """The account number of a stored account: the hardened level above its change/index levels."""
    indexes: tuple[int, ...] = account.path.indexes if account.path is not None else ()
    if len(indexes) < 3 or indexes[-1] & HARDENED or indexes[-2] & HARDENED or not indexes[-3] & HARDENED:
        where = account.path or "a single key"
        raise UnsupportedOperation(
            f"stored account {name!r} ({where}) is not change/index below an account node; it has no xpub"
        )
    return int(indexes[-3] & ~HARDENED)


COMMANDS = (xpub,)
