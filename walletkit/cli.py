"""The ``walletkit`` command.

Secrets (mnemonic, passphrase) are read from a hidden prompt, standard input, a file
or an environment variable: never from argv, and never echoed back.

Exit codes: 0 success; 1 an operation failed (network, engine, wrong password); 2 bad input
(a wrong word, a bad address, a float amount); 3 a secret was needed and none was given;
4 ``message verify`` found the signature invalid.
"""

from __future__ import annotations

import json
from typing import Any

import click

from walletkit.bip39 import LANGUAGES, Mnemonic, generate_mnemonic
from walletkit.cli_common import EXIT_BAD_INPUT, EXIT_FAILED, phrase_options, read_secret
from walletkit.cli_common import wallet_from_secrets as _wallet
from walletkit.errors import InvalidInput, UnknownChain, WalletKitError
from walletkit.registry import get_chain, list_chains


class _Group(click.Group):
    """A group that turns walletkit errors into one line and an exit code, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (InvalidInput, UnknownChain) as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except WalletKitError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(EXIT_FAILED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="walletkit")
def main() -> None:
    """walletkit: one mnemonic, accounts on Bitcoin, Ethereum, BNB Smart Chain, TRON and Solana."""


@main.group()
def mnemonic() -> None:
    """Make or check a BIP39 mnemonic."""


@mnemonic.command("new")
@click.option("--words", type=click.Choice(["12", "15", "18", "21", "24"]), default="12", show_default=True)
@click.option("--language", type=click.Choice(LANGUAGES), default="english", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mnemonic_new(words: str, language: str, as_json: bool) -> None:
    """Print a new random mnemonic (entropy from the OS)."""
    phrase = generate_mnemonic(int(words), language)
    if as_json:
        click.echo(json.dumps({"mnemonic": phrase, "words": int(words), "language": language}, ensure_ascii=False))
    else:
        click.echo(phrase)


@mnemonic.command("check")
@phrase_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mnemonic_check(phrase_env: str | None, phrase_file: str | None, passphrase_env: str | None, as_json: bool) -> None:
    """Check a mnemonic's words and checksum (the phrase is never echoed)."""
    m = Mnemonic.parse(read_secret("mnemonic", phrase_env, phrase_file))
    if as_json:
        click.echo(json.dumps({"valid": True, "words": len(m.words), "language": m.language}))
    else:
        click.echo(f"valid: {len(m.words)} words, {m.language}")


@main.command()
@click.option("--chain", "chain", required=True, help="Chain name: " + ", ".join(["btc", "eth", "bsc", "tron", "sol"]))
@click.option("--count", default=5, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--start", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--account", "account_index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--change", default=0, show_default=True, type=click.IntRange(0, 1))
@click.option("--kind", help="Address kind (btc: p2wpkh, p2pkh, p2sh-p2wpkh, p2tr).")
@click.option("--network", help="Network (mainnet, testnet, regtest, sepolia, nile, devnet...).")
@click.option("--profile", help="Derivation profile (sol: default, ledger, solana-keygen; eth: ledger-live...).")
@phrase_options
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
    phrase_env: str | None,
    phrase_file: str | None,
    passphrase_env: str | None,
    as_json: bool,
) -> None:
    """Print addresses derived from a mnemonic."""
    get_chain(chain)  # fail on a bad chain name before asking for a secret
    wallet = _wallet(phrase_env, phrase_file, passphrase_env)
    accounts = wallet.accounts(
        chain, count, start, account=account_index, change=change, kind=kind, network=network, profile=profile
    )
    rows = [{"chain": a.chain, "path": str(a.path) if a.path else "seed", "address": a.address} for a in accounts]
    _print_rows(rows, as_json, title=f"{accounts[0].spec.display_name} addresses")


@main.command()
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
    _print_rows(rows, as_json, title="Installed chains")


def _print_rows(rows: list[dict[str, Any]], as_json: bool, title: str) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in rows[0] if rows else []:
        table.add_column(column)
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    Console().print(table)


def _mount_optional() -> None:
    # Command groups that live in their own modules (keystore, demo, signing) join here.
    for module, attr in (
        ("walletkit.cli_keystore", "keystore"),
        ("walletkit.cli_demo", "demo"),
        ("walletkit.cli_tx", "commands"),
    ):
        try:
            mod = __import__(module, fromlist=[attr])
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        found = getattr(mod, attr)
        for command in found if isinstance(found, list) else [found]:
            main.add_command(command)


_mount_optional()

if __name__ == "__main__":
    main()
