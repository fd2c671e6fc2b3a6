"""``walletkit watch``: print transfers in and out of watched addresses as JSON lines; optionally POST them to a webhook.

Usage::

    walletkit watch --chain eth --url http://127.0.0.1:8545 --address 0x... [--xpub-env NAME] [--webhook URL]

Each event is one line of JSON on stdout (:meth:`walletkit.watch.TransferEvent.to_json`);
progress while catching up goes to stderr. With ``--webhook`` every event is also POSTed, signed
with the secret read from ``--webhook-secret-env`` (default ``WALLETKIT_WEBHOOK_SECRET``);
printing and the webhook are two outbox consumers, so a receiver that is down delays only itself.
The xpub is read from an environment variable, never from the command line (it would show in
process lists and shell history). SIGTERM and SIGINT stop after the current block.

This module exposes ``COMMANDS`` like the modules of ``walletkit.cli``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from walletkit.errors import InvalidInput, MissingSecret
from walletkit.watch.events import TransferEvent
from walletkit.watch.outbox import Outbox
from walletkit.watch.sinks import WebhookSink
from walletkit.watch.watcher import Watcher, stop_on_signals


def _store(text: str | None) -> Any:
    from walletkit.signer.store import PostgresStore, SQLiteStore

    if text is None:
        return SQLiteStore()
    if text.startswith(("postgresql:", "postgres:")):
        return PostgresStore(text)
    return SQLiteStore(text)


class _Progress:
    """Say on stderr how far a catch-up has gone: every 100 blocks, and at the head."""

    def __init__(self) -> None:
        self.shown = 0

    def __call__(self, chain: str, network: str, height: int, head: int) -> None:
        if head - height > 1 and height - self.shown < 100:
            return
        if head - height > 1 or self.shown:
            click.echo(f"catching up {chain} {network}: block {height} of {head}", err=True)
        self.shown = height


@click.command("watch")
@click.option("--chain", required=True, help="chain name or alias (eth, bsc, btc, tron, sol...)")
@click.option("--url", required=True, help="the node's URL (JSON-RPC, Core RPC with credentials, TRON HTTP API)")
@click.option("--network", default=None, help="network name (default: the chain's first)")
@click.option("--address", "addresses", multiple=True, help="an address to watch (repeatable)")
@click.option("--xpub-env", default=None, help="environment variable holding an account-level xpub to watch")
@click.option("--kind", default=None, help="Bitcoin address kind for the xpub (default: from its prefix)")
@click.option("--gap-limit", default=20, show_default=True, type=int, help="BIP44 gap limit for the xpub")
@click.option("--webhook", default=None, help="POST each event here, signed (HMAC-SHA256)")
@click.option("--webhook-secret-env", default="WALLETKIT_WEBHOOK_SECRET", show_default=True)
@click.option("--store", default=None, help="SQLite file or postgresql:// URL (default: in memory)")
@click.option("--confirmations", default=None, type=int, help="depth at which an event is confirmed")
@click.option("--start", default=None, type=int, help="first block when the store has no cursor (default: head)")
@click.option("--interval", default=5.0, show_default=True, type=float, help="seconds between passes")
@click.option("--once", is_flag=True, help="make one pass, deliver, and exit")
def watch(
    chain: str,
    url: str,
    network: str | None,
    addresses: tuple[str, ...],
    xpub_env: str | None,
    kind: str | None,
    gap_limit: int,
    webhook: str | None,
    webhook_secret_env: str,
    store: str | None,
    confirmations: int | None,
    start: int | None,
    interval: float,
    once: bool,
) -> None:
    """Watch addresses (and an xpub's, by the gap limit) and print every transfer in or out as a JSON line."""
    import walletkit as wk

    if not addresses and not xpub_env:
        raise InvalidInput("nothing to watch: give --address (repeatable) or --xpub-env NAME")
    consumers = ("stdout", "webhook") if webhook else ("stdout",)
    watcher = Watcher(
        _store(store), confirmations={chain: confirmations} if confirmations else None, consumers=consumers
    )
    client = wk.connect(chain, url, network)
    net = network or client.network
    if addresses:
        watcher.add(chain, addresses, network=net)
    if xpub_env:
        xpub = os.environ.get(xpub_env, "").strip()
        if not xpub:
            raise MissingSecret(f"the environment variable {xpub_env} holds no extended public key")
        found = watcher.add_xpub(chain, xpub, gap_limit=gap_limit, kind=kind, network=net)
        click.echo(f"watching {len(found)} addresses of the xpub in {xpub_env}", err=True)
    sinks: list[tuple[Outbox, Any]] = [(Outbox(watcher.store, "stdout"), _print)]
    if webhook:
        secret = os.environ.get(webhook_secret_env, "")
        if not secret:
            raise MissingSecret(f"the webhook needs a signing secret in the environment variable {webhook_secret_env}")
        sinks.append((Outbox(watcher.store, "webhook"), WebhookSink(webhook, secret)))
    progress = _Progress()
    with stop_on_signals(watcher):
        while True:
            try:
                watcher.poll(client, start=start, progress=progress)
            except wk.errors.NetworkError as e:
                click.echo(f"warning: {e}; trying again", err=True)
            for outbox, sink in sinks:
                outbox.deliver(sink)
            if once or watcher.stopped:
                return
            watcher.wait(interval)


def _print(event: TransferEvent) -> None:
    sys.stdout.write(event.to_json() + "\n")
    sys.stdout.flush()


COMMANDS = (watch,)
