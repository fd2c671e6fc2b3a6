"""``walletkit keystore``: create, import, export, list and re-password encrypted keystores.

Passwords come from a hidden prompt, a file (``--password-file``) or an environment
variable (``--password-env``); never from argv, never echoed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from walletkit.bip39 import generate_mnemonic
from walletkit.cli_common import read_secret
from walletkit.errors import KeystoreError
from walletkit.keystore import Keystore, v3

F = TypeVar("F", bound=Callable[..., Any])


def _password_options(fn: F) -> F:
    fn = click.option("--password-env", metavar="NAME", help="Read the password from this environment variable.")(fn)
    fn = click.option("--password-file", type=click.Path(dir_okay=False), help="Read the password from this file.")(fn)
    return fn


def _password(env: str | None, file: str | None, *, confirm: bool = False, what: str = "keystore password") -> str:
    return read_secret(what, env, file, confirm=confirm)


@click.group()
def keystore() -> None:
    """Encrypted keystores: keys at rest."""


@keystore.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--generate", is_flag=True, help="Store a new 24-word mnemonic (not shown).")
@click.option("--mnemonic-env", metavar="NAME", help="Store the mnemonic held in this environment variable.")
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@_password_options
def create(
    path: str,
    generate: bool,
    mnemonic_env: str | None,
    overwrite: bool,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Create a keystore holding a mnemonic (scrypt N=2^18, AES-256-GCM)."""
    if generate:
        phrase = generate_mnemonic(24)
    elif mnemonic_env:
        phrase = os.environ.get(mnemonic_env, "")
    else:
        phrase = read_secret("mnemonic", None, None)
    password = _password(password_env, password_file, confirm=True)
    ks = Keystore.create(path, password, mnemonic=phrase, overwrite=overwrite)
    click.echo(f"created {ks.path} (id {ks.id})")


@keystore.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--name", required=True, help="Name of the account to add.")
@click.option("--chain", required=True, help="Chain of the key (eth, btc, tron, sol...).")
@click.option("--v3", "v3_file", type=click.Path(dir_okay=False, exists=True), help="An Ethereum v3 keyfile to import.")
@click.option("--key-env", metavar="NAME", help="A private key (in the chain's usual form) from this variable.")
@click.option("--allow-weak", is_flag=True, help="Accept a v3 file with weak KDF parameters.")
@_password_options
def import_key(
    path: str,
    name: str,
    chain: str,
    v3_file: str | None,
    key_env: str | None,
    allow_weak: bool,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Add a raw key to a keystore, from a v3 keyfile or an environment variable."""
    ks = Keystore.open(path, _password(password_env, password_file))
    if v3_file:
        v3_password = _password(None, None, what="v3 keyfile password")
        key = "0x" + v3.decrypt(Path(v3_file).read_bytes(), v3_password, allow_weak=allow_weak).hex()
    elif key_env:
        key = os.environ.get(key_env, "")
    else:
        raise click.UsageError("give --v3 FILE or --key-env NAME")
    ks.add_account(name, chain, key=key)
    click.echo(f"added {name} ({chain}) to {ks.path}")


@keystore.command("export")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--account", "account_name", required=True, help="Stored account to export.")
@click.option("--v3", "v3_out", type=click.Path(dir_okay=False), required=True, help="Write a v3 keyfile here.")
@_password_options
def export(path: str, account_name: str, v3_out: str, password_env: str | None, password_file: str | None) -> None:
    """Export a secp256k1 account as an Ethereum v3 keyfile (under the same password)."""
    password = _password(password_env, password_file)
    ks = Keystore.open(path, password)
    account = ks.account(account_name)
    if account.public_key.curve != "secp256k1":
        raise KeystoreError("v3 keyfiles hold secp256k1 keys only")
    keyfile = v3.encrypt(account.signing_key().secret_bytes(), password)
    from walletkit.keystore.store import atomic_write

    atomic_write(Path(v3_out), json.dumps(keyfile).encode())
    click.echo(f"wrote {v3_out} for {account.address}")


@keystore.command("list")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_accounts(path: str, as_json: bool) -> None:
    """List the named accounts (metadata only; no password needed)."""
    try:
        header = json.loads(Path(path).read_text(encoding="utf-8"))
        accounts = list(header["accounts"])
    except (ValueError, KeyError, TypeError) as e:
        raise KeystoreError(f"{path} is not a walletkit keystore: {type(e).__name__}") from None
    if as_json:
        click.echo(json.dumps(accounts, indent=2))
    else:
        for a in accounts:
            click.echo(f"{a['name']:16} {a['chain']:8} {a.get('path') or 'raw key':24} {a.get('label', '')}")


@keystore.command("passwd")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@_password_options
@click.option("--new-password-env", metavar="NAME", help="Read the new password from this environment variable.")
def passwd(path: str, password_env: str | None, password_file: str | None, new_password_env: str | None) -> None:
    """Change the password (re-encrypts atomically; upgrades weak KDF parameters)."""
    ks = Keystore.open(path, _password(password_env, password_file), allow_weak=True)
    from walletkit.keystore import KdfParams

    new = _password(new_password_env, None, confirm=True, what="new password")
    ks.change_password(new, KdfParams.scrypt())
    click.echo(f"re-encrypted {ks.path}")
