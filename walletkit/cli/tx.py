"""``walletkit sign`` and ``walletkit send``: a transfer signed offline, or filled, signed and broadcast.

The account comes from a mnemonic (a prompt, standard input, a file or an environment
variable; never argv) or from ``--keystore FILE`` (its wallet, or ``--name NAME`` for a
stored account). Amounts are decimal text in whole coins (``--amount 0.25``), or base units
for tokens (``--base-units 2500000``); floats never round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from walletkit.account import Account
from walletkit.cli.common import SecretSources, account_from_sources, account_options
from walletkit.errors import InvalidInput
from walletkit.units import format_units, parse_units


@dataclass(frozen=True, slots=True)
class TransferDocument:
    """A transfer as ``walletkit sign --tx`` reads it from JSON, checked field by field."""

    to: str
    amount: int
    token: str | None
    fields: dict[str, Any]

    def build(self, account: Account) -> object:
        """Return the unsigned transfer from ``account``."""
        return account.transfer(self.to, self.amount, self.token, **self.fields)


def json_type(value: object) -> str:
    """Name a parsed JSON value's type as JSON does (object, array, text, number, true/false, null).

    >>> json_type([1]), json_type(1.5), json_type(None)
    ('an array', 'a number (1.5)', 'null')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def read_json_file(path: str, what: str) -> Any:
    """Return the JSON value in the file at ``path``; ``what`` names it in errors.

    Raises:
        InvalidInput: the file cannot be read, is not UTF-8 text, or is not JSON (the message
            gives the parser's reason with its line and column).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot read {what} {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise InvalidInput(f"{what} {path} is not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{what} {path} is not JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except RecursionError:
        raise InvalidInput(f"{what} {path} is JSON nested too deeply") from None


def read_transfer_document(spec: object, chain: str) -> TransferDocument:
    """Check a parsed transfer document: ``{"to", "amount" | "base_units", "token"?, "fields"?}``.

    Raises:
        InvalidInput: a missing or mistyped entry, naming it; fields that repeat to, amount or token.
    """
    if not isinstance(spec, dict):
        raise InvalidInput(f"a transfer document is a JSON object, got {json_type(spec)}")
    to, token, fields = spec.get("to"), spec.get("token"), spec.get("fields", {})
    if not isinstance(to, str):
        raise InvalidInput("a transfer document needs 'to', the recipient address as text")
    if token is not None and not isinstance(token, str):
        raise InvalidInput(f"'token' is a contract address, mint or id as text, got {json_type(token)}")
    if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
        raise InvalidInput("'fields' is a JSON object of the chain's transfer fields")
    repeated = sorted({"to", "amount", "token"} & set(fields))
    if repeated:
        raise InvalidInput(f"give {', '.join(repeated)} at the top of the document, not in 'fields'")
    amount, base_units = spec.get("amount"), spec.get("base_units")
    if amount is not None and not isinstance(amount, str):
        raise InvalidInput(f"'amount' is decimal text in whole coins (\"0.1\"), got {json_type(amount)}")
    if base_units is not None and (isinstance(base_units, bool) or not isinstance(base_units, int)):
        raise InvalidInput(f"'base_units' is an integer, got {json_type(base_units)}")
    return TransferDocument(to, _amount(chain, amount, base_units), token, fields)


def _amount(chain: str, amount: str | None, base_units: int | None) -> int:
    if (amount is None) == (base_units is None):
        raise InvalidInput("give the amount once: --amount (whole coins, decimal text) or --base-units (an integer)")
    return base_units if base_units is not None else parse_units(amount or "", chain)


@click.command("sign")
@account_options
@click.option(
    "--tx",
    "tx_file",
    type=click.Path(dir_okay=False, exists=True),
    required=True,
    help='JSON: {"to": ..., "amount": "0.1" or "base_units": 100, "token": null, "fields": {...}}',
)
def sign(
    chain: str | None,
    index: int,
    kind: str | None,
    network: str | None,
    profile: str | None,
    sources: SecretSources,
    tx_file: str,
) -> None:
    """Build and sign a transfer described in a JSON file, offline.

    Prints one line of JSON: {"chain": ..., "txid": ..., "raw": the signed transaction in hex}.
    """
    from walletkit.registry import get_chain

    spec = read_json_file(tx_file, "the transaction file")
    if chain is not None:
        get_chain(chain)  # an unknown chain is named as a chain, not as a unit
        read_transfer_document(spec, chain)  # a bad document fails before any secret is asked for
    account = account_from_sources(sources, chain, index, kind=kind, network=network, profile=profile)
    document = read_transfer_document(spec, account.chain)
    signed = account.sign(document.build(account))
    click.echo(json.dumps({"chain": signed.chain, "txid": signed.txid, "raw": signed.hex()}))


@click.command("send")
@account_options
@click.option("--url", required=True, help="Node or API URL.")
@click.option("--to", "to", required=True)
@click.option("--amount", help="Whole coins, decimal text.")
@click.option("--base-units", type=int, help="Base units (for tokens).")
@click.option("--token", help="Token contract / mint (ERC-20, TRC-20, SPL).")
def send(
    chain: str | None,
    index: int,
    kind: str | None,
    network: str | None,
    profile: str | None,
    sources: SecretSources,
    url: str,
    to: str,
    amount: str | None,
    base_units: int | None,
    token: str | None,
) -> None:
    """Fill, sign and broadcast a transfer through a node; wait until final.

    Prints one line of JSON: {"txid": ..., "from": ..., "to": ..., "amount": ...}.
    """
    from walletkit.registry import get_chain

    if chain is not None:
        get_chain(chain)  # an unknown chain is named as a chain, not as a unit
        _amount(chain, amount, base_units)  # bad amount text fails before any secret is asked for
    account = account_from_sources(sources, chain, index, kind=kind, network=network, profile=profile)
    value = _amount(account.chain, amount, base_units)
    get_chain(account.chain).validate_address(to, account.network)  # a bad recipient fails before any node is asked
    client = get_chain(account.chain).connect(url, account.network)
    txid = account.connect(client).send(to, value, token)
    shown = f"{format_units(value, account.chain)} {account.spec.symbol}" if token is None else f"{value} base units"
    click.echo(json.dumps({"txid": txid, "from": account.address, "to": to, "amount": shown}))


COMMANDS = (sign, send)
