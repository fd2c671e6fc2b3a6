"""``walletkit keystore``: create, import, add, show, export, list and re-password encrypted keystores.

Passwords come from a hidden prompt (on a terminal), a file (``--password-file``, ``-`` for
standard input) or an environment variable (``--password-env``); never from argv, never
echoed, never empty. With no source and no terminal (cron, CI, ``< /dev/null``) the command
refuses (exit 3) instead of writing a keystore under an empty password.

A keystore's wallet is used by the other commands with ``--keystore FILE`` (``addresses``,
``sign``, ``send``, ``message sign``); ``--name NAME`` picks a stored account.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from walletkit.bip39 import generate_mnemonic
from walletkit.cli.common import password_options, read_password, read_secret
from walletkit.cli.output import print_rows
from walletkit.errors import InvalidInput, KeystoreError
from walletkit.keystore import Keystore, v3


def _existing(path: str) -> str:
    if not Path(path).is_file():
        raise InvalidInput(f"no keystore at {path}")
    return path


@click.group()
def keystore() -> None:
    """Encrypted keystores: keys at rest."""


@keystore.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--generate", is_flag=True, help="Store a new 24-word mnemonic (not shown).")
@click.option("--mnemonic-env", metavar="NAME", help="Store the mnemonic held in this environment variable.")
@click.option("--mnemonic-file", metavar="FILE", help="Store the mnemonic held in this file ('-': stdin).")
@click.option("--passphrase-env", metavar="NAME", help="Store this BIP39 passphrase with the mnemonic.")
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@password_options
def create(
    path: str,
    generate: bool,
    mnemonic_env: str | None,
    mnemonic_file: str | None,
    passphrase_env: str | None,
    overwrite: bool,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Create a keystore holding a mnemonic (scrypt N=2^18, AES-256-GCM)."""
    if sum(map(bool, (generate, mnemonic_env, mnemonic_file))) > 1:
        raise click.UsageError("give one of --generate, --mnemonic-env, --mnemonic-file")
    if Path(path).exists() and not overwrite:
        raise KeystoreError(f"{path} exists; pass --overwrite to replace it")
    if generate:
        phrase = generate_mnemonic(24)
    else:
        phrase = read_secret(
            "mnemonic",
            mnemonic_env,
            mnemonic_file,
            options="--generate, --mnemonic-env NAME or --mnemonic-file FILE",
            from_stdin=mnemonic_file is None,
        )
    passphrase = (
        read_secret("BIP39 passphrase", passphrase_env, None, options="--passphrase-env NAME", allow_empty=True)
        if passphrase_env
        else ""
    )
    password = read_password(password_env, password_file, confirm=True)
    ks = Keystore.create(path, password, mnemonic=phrase, passphrase=passphrase, overwrite=overwrite)
    click.echo(f"created {ks.path} (id {ks.id})")


@keystore.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="Name of the account to add.")
@click.option("--chain", required=True, help="Chain of the key (eth, btc, tron, sol...).")
@click.option("--v3", "v3_file", type=click.Path(dir_okay=False, exists=True), help="An Ethereum v3 keyfile to import.")
@click.option("--v3-password-env", metavar="NAME", help="Read the v3 keyfile's password from this variable.")
@click.option("--key-env", metavar="NAME", help="A private key (in the chain's usual form) from this variable.")
@click.option("--label", default="", help="A label for the account.")
@click.option("--allow-weak", is_flag=True, help="Accept a v3 file with weak KDF parameters.")
@password_options
def import_key(
    path: str,
    name: str,
    chain: str,
    v3_file: str | None,
    v3_password_env: str | None,
    key_env: str | None,
    label: str,
    allow_weak: bool,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Add a raw key to a keystore, from a v3 keyfile or an environment variable."""
    if bool(v3_file) == bool(key_env):
        raise click.UsageError("give --v3 FILE or --key-env NAME")
    _existing(path)
    if v3_file:
        v3_password = read_secret(
            "v3 keyfile password", v3_password_env, None, options="--v3-password-env NAME", allow_empty=True
        )
        key = "0x" + v3.decrypt(Path(v3_file).read_bytes(), v3_password, allow_weak=allow_weak).hex()
    else:
        key = read_secret("private key", key_env, None, options="--key-env NAME")
    ks = Keystore.open(path, read_password(password_env, password_file))
    ks.add_account(name, chain, label=label, key=key)
    click.echo(f"added {name} ({chain}) to {ks.path}")


@keystore.command("add")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="Name of the account to add.")
@click.option("--chain", required=True, help="Chain (btc, eth, bsc, tron, sol...).")
@click.option("--index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--account", "account_index", default=0, show_default=True, type=click.IntRange(0, 2**31 - 1))
@click.option("--kind", help="Address kind (Bitcoin).")
@click.option("--network", help="Network name.")
@click.option("--profile", help="Derivation profile.")
@click.option("--path", "derivation_path", help="An explicit derivation path (instead of --index/--account).")
@click.option("--label", default="", help="A label for the account.")
@password_options
def add(
    path: str,
    name: str,
    chain: str,
    index: int,
    account_index: int,
    kind: str | None,
    network: str | None,
    profile: str | None,
    derivation_path: str | None,
    label: str,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Record a named account derived from the keystore's mnemonic; print its address."""
    from walletkit.registry import get_chain

    get_chain(chain)
    ks = Keystore.open(_existing(path), read_password(password_env, password_file))
    derived = ks.wallet().account(
        chain, index, account=account_index, kind=kind, network=network, profile=profile, path=derivation_path
    )
    if derived.path is None:
        raise InvalidInput(f"{chain} accounts of this profile have no derivation path to record")
    ks.add_account(name, chain, str(derived.path), label, kind=kind, network=network)
    click.echo(f"added {name}: {derived.address} ({derived.path}) to {ks.path}")


@keystore.command("show")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@password_options
def show(path: str, as_json: bool, password_env: str | None, password_file: str | None) -> None:
    """Show the stored accounts with their addresses (needs the password; shows no secret)."""
    ks = Keystore.open(_existing(path), read_password(password_env, password_file))
    rows = []
    for entry in ks.accounts:
        account = ks.account(entry.name)
        rows.append(
            {
                "name": entry.name,
                "chain": entry.chain,
                "path": entry.path or "raw key",
                "address": account.address,
                "label": entry.label,
            }
        )
    holds = "a mnemonic" if ks.has_mnemonic else "raw keys only"
    print_rows(rows, f"{ks.path.name}: {holds}, {len(rows)} stored accounts", as_json=as_json)


@keystore.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--account", "account_name", required=True, help="Stored account to export.")
@click.option("--v3", "v3_out", type=click.Path(dir_okay=False), required=True, help="Write a v3 keyfile here.")
@password_options
def export(path: str, account_name: str, v3_out: str, password_env: str | None, password_file: str | None) -> None:
    """Export a secp256k1 account as an Ethereum v3 keyfile (under the same password)."""
    password = read_password(password_env, password_file)
    ks = Keystore.open(_existing(path), password)
    account = ks.account(account_name)
    if account.public_key.curve != "secp256k1":
        raise KeystoreError("v3 keyfiles hold secp256k1 keys only")
    keyfile = v3.encrypt(account.signing_key().secret_bytes(), password)
    from walletkit.keystore.store import atomic_write

    atomic_write(Path(v3_out), json.dumps(keyfile).encode())
    click.echo(f"wrote {v3_out} for {account.address}")


@keystore.command("list")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_accounts(path: str, as_json: bool) -> None:
    """List the named accounts (metadata only; no password needed; addresses: keystore show)."""
    try:
        header = json.loads(Path(_existing(path)).read_text(encoding="utf-8"))
        accounts = list(header["accounts"])
    except (ValueError, KeyError, TypeError) as e:
        raise KeystoreError(f"{path} is not a walletkit keystore: {type(e).__name__}") from None
    if as_json:
        click.echo(json.dumps(accounts, indent=2))
    else:
        for a in accounts:
            click.echo(f"{a['name']:16} {a['chain']:8} {a.get('path') or 'raw key':24} {a.get('label', '')}")


@keystore.command("passwd")
@click.argument("path", type=click.Path(dir_okay=False))
@password_options
@click.option("--new-password-env", metavar="NAME", help="Read the new password from this environment variable.")
@click.option("--new-password-file", metavar="FILE", help="Read the new password from this file.")
def passwd(
    path: str,
    password_env: str | None,
    password_file: str | None,
    new_password_env: str | None,
    new_password_file: str | None,
) -> None:
    """Change the password (re-encrypts atomically; upgrades weak KDF parameters)."""
    ks = Keystore.open(_existing(path), read_password(password_env, password_file), allow_weak=True)
    from walletkit.keystore import KdfParams

    new = read_secret(
        "new password",
        new_password_env,
        new_password_file,
        options="--new-password-env NAME or --new-password-file FILE",
        confirm=True,
    )
    ks.change_password(new, KdfParams.scrypt())
    click.echo(f"re-encrypted {ks.path}")


COMMANDS = (keystore,)
