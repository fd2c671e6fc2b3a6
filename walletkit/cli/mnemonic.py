"""``walletkit mnemonic new|check``: make or check a BIP39 mnemonic."""

from __future__ import annotations

import json

import click

from walletkit.bip39 import LANGUAGES, Mnemonic, generate_mnemonic
from walletkit.cli.common import read_secret
from walletkit.cli.output import SummaryGroup


@click.group(cls=SummaryGroup)
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
@click.option("--phrase-env", metavar="NAME", help="Read the mnemonic from this environment variable.")
@click.option("--phrase-file", metavar="FILE", help="Read the mnemonic from this file ('-': stdin).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mnemonic_check(phrase_env: str | None, phrase_file: str | None, as_json: bool) -> None:
    """Check a mnemonic's words and checksum (the phrase is never echoed)."""
    phrase = read_secret(
        "mnemonic",
        phrase_env,
        phrase_file,
        options="--phrase-env NAME, --phrase-file FILE, or pipe it on standard input",
        from_stdin=True,
    )
    m = Mnemonic.parse(phrase)
    if as_json:
        click.echo(json.dumps({"valid": True, "words": len(m.words), "language": m.language}))
    else:
        click.echo(f"valid: {len(m.words)} words, {m.language}")


COMMANDS = (mnemonic,)
