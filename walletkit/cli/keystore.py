"""``walletkit keystore``: create, import, add, show, export, list, reveal and re-password encrypted keystores.

Passwords come from a hidden prompt (on a terminal), a file (``--password-file``, ``-`` for
standard input) or an environment variable (``--password-env``); never from argv, never
echoed, never empty. With no source and no terminal (cron, CI, ``< /dev/null``) the command
refuses (exit 3) instead of writing a keystore under an empty password.

A keystore's wallet is used by the other commands with ``--keystore FILE`` (``addresses``,
``sign``, ``send``, ``message sign``, ``xpub``); ``--name NAME`` picks a stored account.

``create --generate`` shows the new phrase once, on the terminal (stderr), to be written down;
piped, it is never printed unless asked (``--show-phrase``), and ``keystore reveal`` prints it
later, after the password. Until it is written down, the file and its password are its only copy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from walletkit.bip39 import generate_mnemonic
from walletkit.cli.common import password_options, read_password, read_secret
from walletkit.cli.output import SummaryGroup, print_rows
from walletkit.errors import InvalidInput, KeystoreError
from walletkit.keystore import Keystore, v3
from walletkit.registry import get_chain


def _existing(path: str) -> str:
    if not Path(path).is_file():
        raise InvalidInput(f"no keystore at {path}")
    return path


@click.group(cls=SummaryGroup)
def keystore() -> None:
    """Encrypted keystores: keys at rest."""


@keystore.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--generate", is_flag=True, help="Store a new 24-word mnemonic; it is shown once on the terminal to write down."
)
@click.option(
    "--show-phrase",
    is_flag=True,
    help="With --generate: print the new phrase on stderr even when it is not a terminal (a log may keep it).",
)
@click.option("--mnemonic-env", metavar="NAME", help="Store the mnemonic held in this environment variable.")
@click.option("--mnemonic-file", metavar="FILE", help="Store the mnemonic held in this file ('-': stdin).")
@click.option("--passphrase-env", metavar="NAME", help="Store this BIP39 passphrase with the mnemonic.")
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@password_options
def create(
    path: str,
    generate: bool,
    show_phrase: bool,
    mnemonic_env: str | None,
    mnemonic_file: str | None,
    passphrase_env: str | None,
    overwrite: bool,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Create a keystore holding a mnemonic (scrypt N=2^18, AES-256-GCM).

    With --generate the new phrase is shown once on stderr when it is a terminal, to be written
    down; otherwise it is not printed (see keystore reveal) unless --show-phrase asks for it.
    """
    if sum(map(bool, (generate, mnemonic_env, mnemonic_file))) > 1:
        raise click.UsageError("give one of --generate, --mnemonic-env, --mnemonic-file")
    if show_phrase and not generate:
        raise click.UsageError("--show-phrase goes with --generate (a phrase you gave is not printed back)")
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
    if generate:
        if show_phrase or _stderr_is_terminal():
            _show_new_phrase(phrase, path)
        else:
            click.echo(
                f"note: the new recovery phrase was not shown (stderr is not a terminal). Write it down now:\n"
                f"  walletkit keystore reveal {path}\n"
                "Until then this file and its password are the only copy of the wallet.",
                err=True,
            )


def _stderr_is_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


def _show_new_phrase(phrase: str, name: str) -> None:
    """Print a new phrase on stderr, numbered, with what to do with it (never on stdout)."""
    words = phrase.split()
    lines = [
        "",
        f"Recovery phrase of {name} ({len(words)} words). WRITE IT DOWN NOW and keep it offline:",
        "with it anyone can spend this wallet's funds; without it, the file and its password are the only copy.",
        "",
    ]
    for row in range(0, len(words), 4):
        lines.append("  ".join(f"{i + 1:>2}. {w:<10}" for i, w in enumerate(words[row : row + 4], row)).rstrip())
    lines += [
        "",
        f"(It is not shown again unasked: walletkit keystore reveal {name} prints it after the password.)",
        "",
    ]
    click.echo("\n".join(lines), err=True)


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
@click.option("--name", "name", help="Stored EVM account to export.")
@click.option("--account", "account_alias", hidden=True, help="Deprecated spelling of --name.")
@click.option("--v3", "v3_out", type=click.Path(dir_okay=False), required=True, help="Write a v3 keyfile here.")
@password_options
def export(
    path: str,
    name: str | None,
    account_alias: str | None,
    v3_out: str,
    password_env: str | None,
    password_file: str | None,
) -> None:
    """Export an EVM account as an Ethereum v3 keyfile (under the same password).

    v3 keyfiles (geth, MetaMask) are an Ethereum format: accounts of other chains are refused.
    """
    if name and account_alias:
        raise click.UsageError("give --name once (--account is its old spelling)")
    if account_alias:
        click.echo("warning: --account is deprecated; use --name", err=True)
        name = account_alias
    if not name:
        raise click.UsageError("give --name NAME, the stored account to export")
    entry = next((a for a in _header_accounts(path) if a["name"] == name), None)
    if entry is not None:
        _refuse_non_evm(name, str(entry["chain"]))  # before the password is asked for
    password = read_password(password_env, password_file)
    ks = Keystore.open(_existing(path), password)
    account = ks.account(name)
    _refuse_non_evm(name, account.chain)
    keyfile = v3.encrypt(account.signing_key().secret_bytes(), password)
    from walletkit.keystore.store import atomic_write

    atomic_write(Path(v3_out), json.dumps(keyfile).encode())
    click.echo(f"wrote {v3_out} for {account.address}")


def _refuse_non_evm(name: str, chain: str) -> None:
    from walletkit.errors import UnknownChain

    try:
        spec = get_chain(chain).spec
    except UnknownChain:
        family, shown = None, chain
    else:
        family, shown = spec.family, spec.display_name
    if family != "evm":
        raise InvalidInput(
            f"stored account {name!r} is a {shown} account: a v3 keyfile is an Ethereum format (geth, MetaMask) "
            "for EVM accounts only, and would hold the key under an unrelated 0x address"
        )


@keystore.command("list")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the stored metadata).")
def list_accounts(path: str, as_json: bool) -> None:
    """List the named accounts (metadata only; no password needed; addresses: keystore show)."""
    accounts = _header_accounts(path)
    if as_json:
        click.echo(json.dumps(accounts, indent=2))
        return
    rows = [
        {
            "name": str(a["name"]),
            "chain": str(a["chain"]),
            "kind": _kind_text(a),
            "network": _network_text(a),
            "path": str(a.get("path") or "raw key"),
            "label": str(a.get("label") or ""),
        }
        for a in accounts
    ]
    print_rows(rows, f"{Path(path).name}: {len(rows)} stored accounts")


def _kind_text(entry: dict[str, Any]) -> str:
    """The account's address kind: the stored one, else its chain's default where a chain has kinds."""
    if entry.get("kind"):
        return str(entry["kind"])
    from walletkit.errors import UnknownChain

    try:
        spec = get_chain(str(entry["chain"])).spec
    except UnknownChain:
        return "-"
    return spec.default_kind if len(spec.kinds) > 1 else "-"


def _network_text(entry: dict[str, Any]) -> str:
    """The account's network: the stored one, else its chain's default."""
    if entry.get("network"):
        return str(entry["network"])
    from walletkit.errors import UnknownChain

    try:
        return get_chain(str(entry["chain"])).spec.default_network
    except UnknownChain:
        return "-"


def _header_accounts(path: str) -> list[dict[str, Any]]:
    """Read the account metadata of a keystore's header (no password); say exactly what is wrong.

    Raises:
        InvalidInput: no file at ``path``.
        KeystoreError: unreadable, not JSON (with line and column), not a walletkit keystore,
            or accounts that are not a list of entries with a name and a chain.
    """
    try:
        raw = Path(_existing(path)).read_bytes()
    except OSError as e:
        raise KeystoreError(f"cannot read {path}: {e.strerror}") from None
    problem = f"{path} is not a walletkit keystore"
    if not raw.strip():
        raise KeystoreError(f"{problem}: the file is empty")
    try:
        header = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise KeystoreError(f"{problem}: it is not text (UTF-8 JSON)") from None
    except json.JSONDecodeError as e:
        raise KeystoreError(f"{problem}: not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise KeystoreError(f"{problem}: its JSON is nested too deeply") from None
    if not isinstance(header, dict) or header.get("walletkit_keystore") != 1:
        hint = ""
        if isinstance(header, dict) and ("crypto" in header or "Crypto" in header):
            hint = " (it looks like an Ethereum v3 keyfile: add it with keystore import --v3)"
        raise KeystoreError(f'{problem}: it has no "walletkit_keystore": 1 entry{hint}')
    accounts = header.get("accounts", [])
    if not isinstance(accounts, list):
        raise KeystoreError(f"{path} is a damaged walletkit keystore: 'accounts' is not a list")
    for number, entry in enumerate(accounts, 1):
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("chain"), str)):
            raise KeystoreError(f"{path} is a damaged walletkit keystore: account entry {number} has no name or chain")
    return accounts


@keystore.command("reveal")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--with-passphrase", is_flag=True, help="Also print the BIP39 passphrase stored with the phrase.")
@password_options
def reveal(path: str, with_passphrase: bool, password_env: str | None, password_file: str | None) -> None:
    """Print the stored recovery phrase (after the password), to write it down. It is a secret.

    The phrase goes to stdout, one line; a warning goes to stderr. With --with-passphrase a
    second line holds the BIP39 passphrase (empty if none).
    """
    ks = Keystore.open(_existing(path), read_password(password_env, password_file))
    if not ks.has_mnemonic:
        raise KeystoreError(f"{path} holds raw keys, not a recovery phrase: nothing to reveal")
    secret = ks.export_secret()
    passphrase = str(secret.get("passphrase", ""))
    click.echo(
        "warning: this is the wallet's recovery phrase; with it anyone can spend the funds. "
        "Write it down offline; keep it out of logs, chats and screenshots.",
        err=True,
    )
    if passphrase and not with_passphrase:
        click.echo(
            "note: this wallet also has a BIP39 passphrase, needed with the phrase (--with-passphrase)", err=True
        )
    click.echo(secret["mnemonic"])
    if with_passphrase:
        click.echo(passphrase)


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
