"""``walletkit approve``, ``walletkit freeze``, ``walletkit unfreeze``: the guard, for people.

Each command opens the signer's store (``--store``: a SQLite file, or a ``postgresql://`` URL)
under its policy (``--policy``: the TOML file the signer runs with), so what a person does here
is what every worker sees at its next decision. An approver's key or TOTP code comes from an
environment variable, a file or a hidden prompt, never from argv.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from walletkit.cli.common import read_secret
from walletkit.errors import InvalidInput

F = TypeVar("F", bound=Callable[..., Any])
TOTP_ENV = "WALLETKIT_TOTP_SECRETS"  # the TOTP secrets the signer verifies codes with, as the workers have them


def _totp_secrets(env: str) -> dict[str, str]:
    """The approvers' TOTP secrets, as JSON ``{"name": "BASE32"}`` in an environment variable (if set)."""
    import os

    text = os.environ.get(env)
    if not text:
        return {}
    try:
        table = json.loads(text)
    except ValueError:
        raise InvalidInput(f'${env} must hold JSON: {{"approver": "BASE32 secret"}}') from None
    if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
        raise InvalidInput(f"${env} must hold a JSON table of approver names to base32 secrets")
    return table


def _signer(policy: str, store: str, audit_key_env: str | None, anchor: str | None) -> object:
    from pathlib import Path

    from walletkit.signer import Policy, PostgresStore, Signer, SQLiteStore
    from walletkit.signer.audit import AuditKey

    key = AuditKey.from_env(audit_key_env) if audit_key_env else None
    if store.startswith(("postgresql://", "postgres://")):
        backend: object = PostgresStore(store, audit_key=key, anchor=anchor)
    else:
        if not Path(store).exists():
            raise InvalidInput(f"no signer store at {store}: give the file the signer writes, or a postgresql:// URL")
        backend = SQLiteStore(store, audit_key=key, anchor=anchor)
    secrets = _totp_secrets(TOTP_ENV)
    return Signer(Policy.from_toml(Path(policy)), backend, totp_secrets=secrets)  # type: ignore[arg-type]


def _store_options(command: F) -> F:
    for option in reversed(
        [
            click.option(
                "--policy",
                "policy",
                required=True,
                type=click.Path(exists=True, dir_okay=False),
                help="The signer's policy (TOML).",
            ),
            click.option(
                "--store", "store", required=True, help="The signer's store: a SQLite file or a postgresql:// URL."
            ),
            click.option("--audit-key-env", default=None, help="Environment variable holding the audit key (hex)."),
            click.option("--anchor", default=None, type=click.Path(dir_okay=False), help="The audit anchor file."),
        ]
    ):
        command = option(command)
    return command


def _scope(chain: str | None, address: str | None) -> str:
    if (chain is None) != (address is None):
        raise InvalidInput("give both --chain and --address (one account), or neither (every account)")
    if chain is None or address is None:
        return "*"
    from walletkit.registry import get_chain

    plugin = get_chain(chain)
    return f"{plugin.spec.name}:{plugin.validate_address(address)}"


@click.command("approve")
@click.argument("request_id")
@click.option("--approver", required=True, help="Your approver name in the policy.")
@click.option(
    "--key-env", default=None, help="Environment variable holding your key (32-byte hex: ed25519 seed or secp256k1)."
)
@click.option("--key-file", default=None, help="File holding your key ('-' for standard input).")
@click.option("--totp", is_flag=True, help="Approve with a one-time code (RFC 6238) instead of a key.")
@click.option("--code-env", default=None, help="Environment variable holding the code (else a prompt).")
@_store_options
def approve(
    request_id: str,
    approver: str,
    key_env: str | None,
    key_file: str | None,
    totp: bool,
    code_env: str | None,
    policy: str,
    store: str,
    audit_key_env: str | None,
    anchor: str | None,
) -> None:
    """Approve a pending request: sign its digest with your key, or give your TOTP code.

    Prints the request's state as JSON (what each rule still needs).
    """
    from walletkit.signer.approvals import ApproverSignature, TotpCode

    signer = _signer(policy, store, audit_key_env, anchor)
    pending = signer.pending(request_id)  # type: ignore[attr-defined]
    if totp:
        code = read_secret("TOTP code", code_env, None, options="--code-env")
        proof: object = TotpCode(approver, code.strip())
    else:
        secret = read_secret("approver key", key_env, key_file, options="--key-env or --key-file")
        proof = ApproverSignature(approver, _sign(signer, approver, secret, pending.digest))
    state = signer.approve(request_id, proof)  # type: ignore[attr-defined]
    click.echo(
        json.dumps({"id": state.id, "needs": state.needs, "approvals": list(state.approvals), "ready": state.ready})
    )


def _sign(signer: object, approver: str, secret_hex: str, digest_hex: str) -> bytes:
    try:
        secret = bytes.fromhex(secret_hex.strip().removeprefix("0x"))
    except ValueError:
        raise InvalidInput("an approver key is 32 bytes of hex") from None
    if len(secret) != 32:
        raise InvalidInput(f"an approver key is 32 bytes of hex, got {len(secret)} bytes")
    found = signer.policy.approvers.get(approver)  # type: ignore[attr-defined]
    if found is None:
        raise InvalidInput(f"{approver!r} is not an approver in the policy")
    digest = bytes.fromhex(digest_hex)
    if found.scheme == "ed25519":
        from walletkit.crypto import ed25519

        return ed25519.sign(secret, digest)
    if found.scheme == "secp256k1":
        from walletkit.crypto import secp256k1

        return secp256k1.sign_der(secret, digest)
    raise InvalidInput(f"{approver!r} approves with TOTP codes: use --totp")


@click.command("freeze")
@click.option("--chain", default=None, help="The account's chain (with --address); neither: every account.")
@click.option("--address", default=None, help="The account's address.")
@click.option("--reason", required=True, help="Why (stored and audited).")
@_store_options
def freeze(
    chain: str | None,
    address: str | None,
    reason: str,
    policy: str,
    store: str,
    audit_key_env: str | None,
    anchor: str | None,
) -> None:
    """Freeze one account, or every account: signing stops on every worker at its next decision."""
    signer = _signer(policy, store, audit_key_env, anchor)
    scope = _scope(chain, address)
    done = signer.freeze(scope, reason, source="cli")  # type: ignore[attr-defined]
    click.echo(json.dumps({"scope": scope, "frozen": True, "new": done is not None}))


@click.command("unfreeze")
@click.option("--chain", default=None, help="The account's chain (with --address); neither: the global freeze.")
@click.option("--address", default=None, help="The account's address.")
@click.option("--requester", default=None, help="Who asks to lift the freeze (then approvers run walletkit approve).")
@click.option("--execute", "execute_id", default=None, help="Lift the freeze once its request has the quorum.")
@_store_options
def unfreeze(
    chain: str | None,
    address: str | None,
    requester: str | None,
    execute_id: str | None,
    policy: str,
    store: str,
    audit_key_env: str | None,
    anchor: str | None,
) -> None:
    """Ask to lift a freeze (prints the request id and digest for approvers), or --execute it."""
    signer = _signer(policy, store, audit_key_env, anchor)
    if execute_id is not None:
        signer.execute(execute_id)  # type: ignore[attr-defined]
        click.echo(json.dumps({"id": execute_id, "lifted": True}))
        return
    if requester is None:
        raise InvalidInput("give --requester to ask for the lifting, or --execute REQUEST_ID to lift it")
    pending = signer.request_unfreeze(_scope(chain, address), requester=requester)  # type: ignore[attr-defined]
    click.echo(
        json.dumps(
            {"id": pending.id, "digest": pending.digest, "needs": pending.needs, "expires_at": pending.expires_at}
        )
    )


COMMANDS = (approve, freeze, unfreeze)
