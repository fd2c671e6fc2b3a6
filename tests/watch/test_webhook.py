"""Webhook delivery to a local HTTP server: signatures verify, 500s are retried with backoff on the store's
clock, an acknowledged event is never sent again, and an event refused max_attempts times is a dead letter.

Time is the store's injected clock, moved by the test; deliveries are explicit ``Outbox.deliver`` calls.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import walletkit as wk
from chains.evm.anvil import ANVIL_MNEMONIC
from walletkit.signer.store import SQLiteStore
from walletkit.watch import Outbox, TransferEvent, Watcher, WebhookSink, verify_signature

SECRET = b"whsec-test-0123456789"


class Clock:
    """The store's time, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class Receiver:
    """Answers 500 to the first ``failures`` requests for each event id, then 200; keeps every request."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.acked: list[str] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items()}
                receiver.requests.append((headers, body))
                event_id = headers["WalletKit-Event-Id"]
                tries = sum(1 for h, _ in receiver.requests if h["WalletKit-Event-Id"] == event_id)
                ok = tries > receiver.failures
                if ok:
                    receiver.acked.append(event_id)
                self.send_response(200 if ok else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    state = Receiver(failures=2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", state
    finally:
        server.shutdown()
        server.server_close()


def _events(anvil_eth: Any, store: SQLiteStore, consumers: tuple[str, ...] = ("default",)) -> list[TransferEvent]:
    target = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("eth").address
    watcher = Watcher(store, confirmations={"eth": 1}, consumers=consumers)
    watcher.add("eth", [target])
    watcher.poll(anvil_eth)
    funder = wk.Wallet.from_mnemonic(ANVIL_MNEMONIC).account("eth", index=7).connect(anvil_eth)
    for amount in (11, 22):
        anvil_eth.wait(funder.send(target, amount))
    events = watcher.poll(anvil_eth)
    assert sorted((e.amount, e.status) for e in events) == [
        (11, "confirmed"),
        (11, "seen"),
        (22, "confirmed"),
        (22, "seen"),
    ]
    return events


def test_signed_retried_and_never_duplicated(anvil_eth: Any, receiver: tuple[str, Receiver]) -> None:
    url, state = receiver
    clock = Clock()
    store = SQLiteStore(clock=clock)
    events = _events(anvil_eth, store)
    outbox = Outbox(store)
    sink = WebhookSink(url, SECRET, backoff=10.0, clock=clock)
    assert outbox.deliver(sink) == (0, 4, 0)  # four 500s
    assert outbox.deliver(sink) == (0, 0, 0)  # nothing is due before the backoff has passed
    clock.now += 10
    assert outbox.deliver(sink) == (0, 4, 0)  # second try, second 500; the next wait is 20 s
    clock.now += 10
    assert outbox.deliver(sink) == (0, 0, 0)
    clock.now += 10
    assert outbox.deliver(sink) == (4, 0, 0)
    assert outbox.deliver(sink) == (0, 0, 0)  # acknowledged: never sent again
    clock.now += 10_000
    assert outbox.deliver(sink) == (0, 0, 0)
    assert outbox.pending() == 0
    assert Counter(state.acked) == Counter(e.id for e in events)
    assert len(state.requests) == 12
    assert sorted({h["WalletKit-Signature"].split(",")[0] for h, _ in state.requests}) == [
        "t=1700000000",
        "t=1700000010",
        "t=1700000030",
    ]
    for headers, body in state.requests:
        header = headers["WalletKit-Signature"]
        stamp = header.split(",")[0].removeprefix("t=")
        assert verify_signature(SECRET, body, header, now=float(stamp) + 299)
        # The documented formula, computed here: v1 = HMAC-SHA256(secret, "<t>." + body).
        mac = hmac.new(SECRET, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert header == f"t={stamp},v1={mac}"
        assert not verify_signature(SECRET, body + b" ", header, now=float(stamp))
        assert not verify_signature(b"another secret", body, header, now=float(stamp))
        assert not verify_signature(SECRET, body, header, now=float(stamp) + 301)  # a replay, too late
        assert headers["Content-Type"] == "application/json"
        event = TransferEvent.from_json(body)
        assert event.id == headers["WalletKit-Event-Id"] and event in events


def test_dead_letter_after_max_attempts(anvil_eth: Any, receiver: tuple[str, Receiver]) -> None:
    url, state = receiver
    state.failures = 10**6  # this receiver never acknowledges
    clock = Clock()
    store = SQLiteStore(clock=clock)
    events = _events(anvil_eth, store, consumers=("default", "hooks"))
    hooks = Outbox(store, "hooks")
    sink = WebhookSink(url, SECRET, max_attempts=3, backoff=1.0, clock=clock)
    assert hooks.deliver(sink) == (0, 4, 0)
    clock.now += 1
    assert hooks.deliver(sink) == (0, 4, 0)
    clock.now += 2
    assert hooks.deliver(sink) == (0, 0, 4)
    clock.now += 10_000
    assert hooks.deliver(sink) == (0, 0, 0)
    dead = hooks.dead_letters()
    assert sorted(d.event.id for d in dead) == sorted(e.id for e in events)
    assert {(d.attempts, d.error) for d in dead} == {(3, f"DeliveryFailed: webhook {url} answered HTTP 500")}
    assert Outbox(store, "default").pending() == 4  # the other consumer's rows are its own
    assert hooks.requeue_dead() == 4 and hooks.pending() == 4


def test_unreachable_receiver_is_a_failed_try() -> None:
    clock = Clock()
    store = SQLiteStore(clock=clock)
    outbox = Outbox(store)
    with store.transaction() as db:  # one event in the outbox, as the watcher writes it
        event = TransferEvent(
            "ab" * 16, "eth", "mainnet", "0x01", 0, "in", "0x02", None, "native", 1, 1, "0x03", 1, "seen"
        )
        store.run(
            db,
            "INSERT INTO watch_outbox (consumer, id, event, state, attempts, next_at, created)"
            " VALUES ('default', ?, ?, 'pending', 0, 0, 0)",
            (event.id, event.to_json()),
        )
    sink = WebhookSink("http://127.0.0.1:9/hook", SECRET, timeout=5.0)
    assert outbox.deliver(sink) == (0, 1, 0)
    with store.transaction() as db:
        error = store.run(db, "SELECT error FROM watch_outbox").fetchone()[0]
    assert error.startswith("DeliveryFailed: webhook http://127.0.0.1:9/hook could not be reached: ConnectionError")
    assert "whsec" not in repr(sink) and repr(sink) == "WebhookSink(http://127.0.0.1:9/hook, secret=<redacted>)"


def test_bad_webhook_arguments_are_typed() -> None:
    with pytest.raises(wk.errors.InvalidInput, match="a webhook URL is http"):
        WebhookSink("ftp://example.invalid/hook", SECRET)
    with pytest.raises(wk.errors.InvalidInput, match="needs a signing secret"):
        WebhookSink("http://127.0.0.1:9/hook", b"")
