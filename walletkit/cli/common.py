"""Shared pieces of the ``walletkit`` command: exit codes, where secrets come from, which wallet.

Secrets (mnemonic, BIP39 passphrase, keystore password, raw key) come from an environment
variable (``--...-env NAME``), a file (``--...-file PATH``, ``-`` for standard input) or a
hidden prompt when standard input is a terminal; a mnemonic may also be piped on standard
input. Never from argv, never echoed. A source that is named but unset, unreadable or empty,
or no source at all when nothing can be prompted, is :class:`~walletkit.errors.MissingSecret`
(exit 3): the command never goes on with an empty password or passphrase.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from walletkit.errors import InvalidInput, MissingSecret

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(enum.IntEnum):
    """The ``walletkit`` command's exit codes; :data:`EXIT_MEANINGS` says what each means."""

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    NO_SECRET = 3
    INVALID_SIGNATURE = 4
    INTERRUPTED = 130


EXIT_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "an operation failed (a network or engine, a wrong password, a keystore conflict)",
    ExitCode.BAD_INPUT: "bad input (a wrong word, a bad address, an amount with too many decimals, a bad option)",
    ExitCode.NO_SECRET: "a secret was needed and none was given (an unset variable, empty input, no terminal to ask)",
    ExitCode.INVALID_SIGNATURE: "`message verify` found the signature invalid",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C, SIGINT): 128 + 2, as shells report it",
}
"""What each exit code means, as docs/cli.md's table says it (a test holds the two equal)."""


def _strip_line_end(text: str) -> str:
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text


def read_secret(
    what: str,
    env: str | None,
    file: str | None,
    *,
    options: str,
    confirm: bool = False,
    allow_empty: bool = False,
    from_stdin: bool = False,
) -> str:
    """Return a secret from its source: ``env`` variable, ``file`` (``-`` is stdin), stdin or a prompt.

    Args:
        what: what the secret is, for prompts and errors ("keystore password").
        env: name of an environment variable to read, or None.
        file: path of a file to read (one trailing line end dropped), ``-`` for standard input, or None.
        options: the options that name a source, for the error ("--password-env NAME or --password-file FILE").
        confirm: prompt twice (a new password).
        allow_empty: an empty value is a value (a BIP39 passphrase set to "" on purpose).
        from_stdin: with no source named, read one line of standard input when it is not a terminal
            (a piped mnemonic); otherwise a non-terminal stdin is no source.

    Raises:
        MissingSecret: the variable is unset, the file unreadable, the value empty (unless
            ``allow_empty``), or nothing was named and there is no terminal to prompt on.
            The message names the source, never a value.
    """
    if env:
        value = os.environ.get(env)
        if value is None:
            raise MissingSecret(f"environment variable {env} is not set; it should hold the {what}")
        if not value and not allow_empty:
            raise MissingSecret(f"environment variable {env} is empty; it should hold the {what}")
        return value
    if file:
        try:
            value = sys.stdin.readline() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
            raise MissingSecret(f"cannot read the {what} from {file}: {reason}") from None
        value = _strip_line_end(value)
        if not value and not allow_empty:
            raise MissingSecret(f"{'standard input' if file == '-' else file} held no {what}")
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        return str(click.prompt(what[:1].upper() + what[1:], hide_input=True, confirmation_prompt=confirm))
    if from_stdin and sys.stdin is not None:
        value = _strip_line_end(sys.stdin.readline())
        if value.strip():
            return value
        raise MissingSecret(f"no {what} given: standard input is empty and not a terminal; give {options}")
    raise MissingSecret(f"no {what} given and standard input is not a terminal to ask on; give {options}")


# --- where the wallet comes from: a mnemonic, or a keystore ----------------------------------

_PHRASE_OPTIONS = "--phrase-env NAME, --phrase-file FILE, --keystore FILE, or pipe it on standard input"
_UNLOCK_OPTIONS = "--password-env NAME or --password-file FILE"


def password_options(fn: F) -> F:
    """Add ``--password-env NAME`` and ``--password-file FILE`` (a keystore's password)."""
    fn = click.option(
        "--password-file",
        metavar="FILE",
        help="Read the keystore password from this file ('-': standard input).",
    )(fn)
    fn = click.option("--password-env", metavar="NAME", help="Read the keystore password from this variable.")(fn)
    return fn


def read_password(env: str | None, file: str | None, *, what: str = "keystore password", confirm: bool = False) -> str:
    """Read a keystore password: ``env``, ``file``, or a hidden prompt on a terminal; never empty.

    Raises:
        MissingSecret: no source, an unset variable, an empty value, and no terminal to ask on.
    """
    return read_secret(what, env, file, options=_UNLOCK_OPTIONS, confirm=confirm)


@dataclass(frozen=True)
class SecretSources:
    """Where a command's wallet comes from, as its options said (names of sources, never values)."""

    phrase_env: str | None = None
    phrase_file: str | None = None
    passphrase_env: str | None = None
    keystore: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    name: str | None = None


def wallet_options(fn: F) -> F:
    """Add the options that say where the wallet comes from: a mnemonic, or ``--keystore FILE``.

    The command receives one keyword argument, ``sources`` (:class:`SecretSources`).
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        names = ("phrase_env", "phrase_file", "passphrase_env", "keystore", "password_env", "password_file", "name")
        kwargs["sources"] = SecretSources(**{k: kwargs.pop(k) for k in names})
        return fn(*args, **kwargs)

    # click reads parameters from the wrapper; ``sources`` is made from them.
    wrapper.__dict__.pop("__wrapped__", None)
    out: Any = wrapper
    for option in (
        click.option("--name", metavar="NAME", help="With --keystore: the stored account named NAME."),
        click.option(
            "--password-file", metavar="FILE", help="With --keystore: read its password from this file ('-': stdin)."
        ),
        click.option("--password-env", metavar="NAME", help="With --keystore: read its password from this variable."),
        click.option(
            "--keystore",
            metavar="FILE",
            help="Use the wallet in this keystore (walletkit keystore create) instead of a mnemonic.",
        ),
        click.option("--passphrase-env", metavar="NAME", help="Read the BIP39 passphrase from this variable."),
        click.option("--phrase-file", metavar="FILE", help="Read the mnemonic from this file ('-': stdin)."),
        click.option("--phrase-env", metavar="NAME", help="Read the mnemonic from this environment variable."),
    ):
        out = option(out)
    return out  # type: ignore[no-any-return]


def account_options(fn: Any) -> Any:
    """Add the options that pick one account: chain, index, kind, network, profile, and its wallet."""
    fn = wallet_options(fn)
    for option in (
        click.option("--profile", help="Derivation profile."),
        click.option("--network", help="Network name."),
        click.option("--kind", help="Address kind (Bitcoin)."),
        click.option("--index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1)),
        click.option("--chain", "chain", help="Chain name (btc, eth, bsc, tron, sol...); may be left out with --name."),
    ):
        fn = option(fn)
    return fn


def _check_sources(sources: SecretSources) -> None:
    phrase_given = [
        opt
        for opt, value in (
            ("--phrase-env", sources.phrase_env),
            ("--phrase-file", sources.phrase_file),
            ("--passphrase-env", sources.passphrase_env),
        )
        if value
    ]
    if sources.phrase_env and sources.phrase_file:
        raise click.UsageError("give the mnemonic once: --phrase-env or --phrase-file")
    if sources.keystore and phrase_given:
        raise click.UsageError(
            f"--keystore holds the mnemonic and passphrase; {', '.join(phrase_given)} cannot join it"
        )
    if not sources.keystore:
        keystore_only = [
            opt
            for opt, value in (
                ("--password-env", sources.password_env),
                ("--password-file", sources.password_file),
                ("--name", sources.name),
            )
            if value
        ]
        if keystore_only:
            raise click.UsageError(f"{', '.join(keystore_only)} go with --keystore FILE")


def open_keystore(path: str, password_env: str | None, password_file: str | None) -> Any:
    """Open the keystore at ``path`` with a password read from its source.

    Raises:
        MissingSecret: no password source and no terminal.
        KeystoreError: no such file; WrongPassword, KeystoreCorrupted as Keystore.open.
    """
    from walletkit.keystore import Keystore

    if not Path(path).is_file():
        raise InvalidInput(f"no keystore at {path}")
    return Keystore.open(path, read_password(password_env, password_file))


def wallet_from_sources(sources: SecretSources) -> Any:
    """Open the HD wallet the options name: a mnemonic (and passphrase) or a keystore's.

    Raises:
        MissingSecret: a named source is unset or empty, or none was named and none can be read.
        click.UsageError: sources that cannot go together.
        InvalidMnemonic: the phrase is not BIP39.
    """
    from walletkit.wallet import Wallet

    _check_sources(sources)
    if sources.keystore:
        if sources.name:
            raise click.UsageError("--name selects one stored account; this command derives from the mnemonic")
        return open_keystore(sources.keystore, sources.password_env, sources.password_file).wallet()
    phrase = read_secret("mnemonic", sources.phrase_env, sources.phrase_file, options=_PHRASE_OPTIONS, from_stdin=True)
    passphrase = (
        read_secret("BIP39 passphrase", sources.passphrase_env, None, options="--passphrase-env NAME", allow_empty=True)
        if sources.passphrase_env
        else ""
    )
    return Wallet.from_mnemonic(phrase, passphrase)


def account_from_sources(
    sources: SecretSources,
    chain: str | None,
    index: int,
    *,
    kind: str | None = None,
    network: str | None = None,
    profile: str | None = None,
) -> Any:
    """Return the account the options name: derived at ``index`` on ``chain``, or a keystore's named one.

    Raises:
        click.UsageError: neither ``chain`` nor ``--keystore ... --name`` was given.
        InvalidInput: ``chain`` is not the named account's chain.
        MissingSecret, KeystoreError, InvalidMnemonic: as :func:`wallet_from_sources`.
    """
    from walletkit.registry import get_chain

    _check_sources(sources)
    if chain is not None:
        get_chain(chain)  # a bad chain name fails before any secret is asked for
    if sources.keystore and sources.name:
        return stored_account(sources, chain)[2]
    if chain is None:
        raise click.UsageError("give --chain (or --keystore FILE --name NAME for a stored account)")
    wallet = wallet_from_sources(sources)
    return wallet.account(chain, index, kind=kind, network=network, profile=profile)


def stored_account(sources: SecretSources, chain: str | None = None) -> tuple[Any, Any, Any]:
    """Open ``--keystore FILE`` and return (keystore, entry, account) of the account ``--name`` names.

    ``entry`` is the stored metadata (:class:`walletkit.keystore.store.AccountEntry`: chain,
    path, kind, network, label); ``account`` the account it gives.

    Raises:
        click.UsageError: no ``--keystore`` or no ``--name``.
        InvalidInput: ``chain`` is given and is not the stored account's chain.
        MissingSecret, KeystoreError: as :func:`open_keystore`; no account of that name.
    """
    from walletkit.registry import get_chain

    _check_sources(sources)
    if not (sources.keystore and sources.name):
        raise click.UsageError("a stored account is named with --keystore FILE --name NAME")
    store = open_keystore(sources.keystore, sources.password_env, sources.password_file)
    account = store.account(sources.name)
    entry = next(a for a in store.accounts if a.name == sources.name)
    if chain is not None and get_chain(chain).spec.name != account.chain:
        raise InvalidInput(f"stored account {sources.name!r} is on {account.chain}, not {chain}")
    return store, entry, account


def refuse_with_name(ctx: click.Context, fixed: tuple[str, ...]) -> None:
    """Refuse options given on the command line that a stored account (``--name``) fixes.

    ``fixed`` holds parameter names (``kind``, ``account_index``); the error names their options.

    Raises:
        click.UsageError: naming the options given, and what --name takes them from.
    """
    given = [
        param.opts[0]
        for param in ctx.command.params
        if param.name is not None
        and param.name in fixed
        and ctx.get_parameter_source(param.name) is click.core.ParameterSource.COMMANDLINE
    ]
    if given:
        raise click.UsageError(
            f"{', '.join(given)} cannot go with --name: the stored account fixes its chain, path, kind and network"
        )
