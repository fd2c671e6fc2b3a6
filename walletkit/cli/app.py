"""The ``walletkit`` group: error handling, exit codes, and the one place command modules join.

A command group lives in its own module of ``walletkit.cli`` and exposes ``COMMANDS``, a
tuple of click commands or groups; :data:`COMMAND_MODULES` lists those modules, in help order.
Adding a command is one new module and one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from walletkit.cli.common import ExitCode
from walletkit.cli.output import SummaryGroup
from walletkit.errors import InvalidInput, KeystoreConflict, MissingSecret, UnknownChain, WalletKitError
from walletkit.extras import DISTRIBUTION

COMMAND_MODULES: tuple[str, ...] = (
    "walletkit.cli.mnemonic",
    "walletkit.cli.addresses",
    "walletkit.cli.chainlist",
    "walletkit.cli.demo",
    "walletkit.cli.message",
    "walletkit.cli.tx",
    "walletkit.cli.keystore",
    "walletkit.cli.guard",
    "walletkit.cli.watch",
    "walletkit.cli.xpub",
)
"""Modules whose ``COMMANDS`` join ``walletkit``; a new command group adds its module here."""


def exit_code_of(error: WalletKitError) -> ExitCode:
    """Return the exit code for a walletkit error (docs/cli.md lists them)."""
    if isinstance(error, MissingSecret):
        return ExitCode.NO_SECRET
    if isinstance(error, KeystoreConflict):
        return ExitCode.FAILED
    if isinstance(error, (InvalidInput, UnknownChain)):
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED


class WalletKitGroup(SummaryGroup):
    """A group that turns walletkit errors into one line on stderr and an exit code, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a WalletKitError becomes ``error: <message>`` and its exit code.

        Ctrl-C (SIGINT) exits 130, as shells report a process a SIGINT ended, with
        ``interrupted`` on stderr (click's default is ``Aborted!`` and 1, which reads as a failure).
        """
        try:
            return super().invoke(ctx)
        except WalletKitError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(exit_code_of(e))
        except KeyboardInterrupt:
            _interrupted(ctx)
        except click.exceptions.Abort as e:
            # click's prompts turn Ctrl-C (and Ctrl-D) into Abort; the KeyboardInterrupt is its context.
            if isinstance(e.__context__, KeyboardInterrupt):
                _interrupted(ctx)
            raise


def _interrupted(ctx: click.Context) -> None:
    click.echo("\ninterrupted", err=True)
    ctx.exit(ExitCode.INTERRUPTED)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        import walletkit

        return walletkit.__version__


@click.group(cls=WalletKitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="walletkit")
def main() -> None:
    """walletkit: one mnemonic, accounts on Bitcoin, Ethereum, BNB Smart Chain, TRON and Solana."""


def register(group: click.Group, modules: tuple[str, ...] = COMMAND_MODULES) -> None:
    """Add every command of ``modules`` (their ``COMMANDS``) to ``group``; a clash of names is an error."""
    for module in modules:
        for command in importlib.import_module(module).COMMANDS:
            if command.name in group.commands:
                raise RuntimeError(f"{module} defines {command.name!r}, which another command module has")
            group.add_command(command)


register(main)
