"""``walletkit message sign|verify``: messages by each chain's convention (EIP-191, BIP137, TIP-191...)."""

from __future__ import annotations

import json

import click

from walletkit.cli.common import ExitCode, SecretSources, account_from_sources, account_options
from walletkit.cli.output import SummaryGroup
from walletkit.registry import get_chain


@click.group("message", cls=SummaryGroup)
def message() -> None:
    """Sign and verify messages by each chain's convention."""


@message.command("sign")
@account_options
@click.argument("text")
def message_sign(
    chain: str | None,
    index: int,
    kind: str | None,
    network: str | None,
    profile: str | None,
    sources: SecretSources,
    text: str,
) -> None:
    """Sign TEXT with the account at --index (or --keystore FILE --name NAME); print address and signature."""
    account = account_from_sources(sources, chain, index, kind=kind, network=network, profile=profile)
    click.echo(json.dumps({"address": account.address, "signature": account.sign_message(text)}))


@message.command("verify")
@click.option("--chain", "chain", required=True)
@click.option("--address", required=True)
@click.option("--signature", required=True)
@click.argument("text")
def message_verify(chain: str, address: str, signature: str, text: str) -> None:
    """Verify a signature of TEXT by ADDRESS; exit 0 if valid, 4 if not."""
    valid = get_chain(chain).verify_message(address, text, signature)
    click.echo("valid" if valid else "invalid")
    if not valid:
        raise click.exceptions.Exit(ExitCode.INVALID_SIGNATURE)


COMMANDS = (message,)
