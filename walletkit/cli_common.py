"""Shared pieces of the ``walletkit`` command: where secrets come from, and exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from walletkit.wallet import Wallet

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NO_SECRET = 1, 2, 3


def read_secret(what: str, env: str | None, file: str | None, *, confirm: bool = False) -> str:
    """Read a secret from an environment variable, a file, standard input or a hidden prompt."""
    if env:
        value = os.environ.get(env)
        if value is None:
            raise click.exceptions.Exit(_fail(f"environment variable {env} is not set", EXIT_NO_SECRET))
        return value
    if file:
        try:
            return Path(file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise click.exceptions.Exit(_fail(f"cannot read {what} file: {e.strerror}", EXIT_NO_SECRET)) from None
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return str(click.prompt(what.capitalize(), hide_input=True, confirmation_prompt=confirm))


def _fail(message: str, code: int) -> int:
    click.echo(f"error: {message}", err=True)
    return code


def phrase_options(fn: F) -> F:
    """Add the options that say where the mnemonic (and passphrase) come from."""
    fn = click.option("--passphrase-env", metavar="NAME", help="Read the BIP39 passphrase from this variable.")(fn)
    fn = click.option("--phrase-file", type=click.Path(dir_okay=False), help="Read the mnemonic from this file.")(fn)
    fn = click.option("--phrase-env", metavar="NAME", help="Read the mnemonic from this environment variable.")(fn)
    return fn


def wallet_from_secrets(phrase_env: str | None, phrase_file: str | None, passphrase_env: str | None) -> Wallet:
    """Open the wallet of a mnemonic (and passphrase) read from their sources."""
    phrase = read_secret("mnemonic", phrase_env, phrase_file)
    passphrase = os.environ.get(passphrase_env, "") if passphrase_env else ""
    return Wallet.from_mnemonic(phrase, passphrase)
