"""Where events go: a Python callback, a transactional callback, or a signed HTTP webhook.

A sink's ``deliver(event)`` returns when the event is taken and raises when it is not; the
outbox (:mod:`walletkit.watch.outbox`) then tries again later with backoff, and after
``max_attempts`` tries keeps the event as a dead letter. A transactional sink's
``deliver_in(db, event)`` does its work in the outbox's own database transaction, so the work
and the "done" mark commit together: exactly once.

Webhook signatures follow the timestamped-HMAC scheme payment APIs use (Stripe's
``t=...,v1=...``)::

    WalletKit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." || body)>

The receiver recomputes the HMAC over the exact body bytes, compares in constant time, and
refuses a timestamp older than its tolerance (:func:`verify_signature`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from walletkit.errors import InvalidInput, NetworkError
from walletkit.watch.events import TransferEvent

SIGNATURE_HEADER = "WalletKit-Signature"
EVENT_ID_HEADER = "WalletKit-Event-Id"


class DeliveryFailed(NetworkError):
    """A sink did not take an event (an HTTP status other than 2xx, or no answer); it will be retried."""


@runtime_checkable
class Sink(Protocol):
    """Something that takes events one at a time; raising means "not taken, try again later"."""

    def deliver(self, event: TransferEvent) -> None:
        """Take one event, or raise."""
        ...


def _backoff(attempt: int, base: float, cap: float) -> float:
    # Exponential: base, 2*base, 4*base ... capped, so a receiver that is down is not hammered.
    return float(min(base * (2 ** max(attempt - 1, 0)), cap))


class CallbackSink:
    """A Python callable as a sink (at least once: a crash after it returns re-delivers).

    Args:
        handler: ``handler(event)``; raising makes the outbox retry it.
        max_attempts: tries before the event becomes a dead letter.
        backoff: seconds before the second try; doubled per try up to ``max_backoff``.
    """

    transactional = False

    def __init__(
        self,
        handler: Callable[[TransferEvent], object],
        *,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 600.0,
    ) -> None:
        if not callable(handler):
            raise InvalidInput(f"a callback sink needs a callable, got {type(handler).__name__}")
        self.handler = handler
        self.max_attempts = max_attempts
        self._backoff = (backoff, max_backoff)

    def deliver(self, event: TransferEvent) -> None:
        """Call the handler."""
        self.handler(event)

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        return _backoff(attempt, *self._backoff)


class TransactionalSink(CallbackSink):
    """A callback that works inside the outbox's transaction: its writes and the "done" mark commit together.

    ``handler(db, event)`` writes with ``store.run(db, sql, params)``; if it raises, its writes
    are rolled back (to a savepoint) and the event is retried. Exactly once for work in the store.
    """

    transactional = True

    def __init__(self, handler: Callable[[Any, TransferEvent], object], **options: Any) -> None:
        super().__init__(lambda event: None, **options)
        self.work = handler

    def deliver(self, event: TransferEvent) -> None:
        """A transactional sink needs the outbox's connection; see :meth:`deliver_in`."""
        raise InvalidInput("a TransactionalSink delivers through the outbox (deliver_in), not alone")

    def deliver_in(self, db: Any, event: TransferEvent) -> None:
        """Do the handler's work on ``db``, inside the outbox's transaction."""
        self.work(db, event)


def sign_payload(secret: bytes | str, timestamp: int, body: bytes) -> str:
    """Return the ``WalletKit-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds).

    ``v1 = hex(HMAC-SHA256(secret, ascii(timestamp) || "." || body))``.

    >>> sign_payload(b"whsec", 1700000000, b'{"a":1}')
    't=1700000000,v1=...'
    """
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    mac = hmac.new(key, str(int(timestamp)).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={int(timestamp)},v1={mac}"


def verify_signature(
    secret: bytes | str, body: bytes, header: str, *, tolerance: float = 300.0, now: float | None = None
) -> bool:
    """Return True if ``header`` is a valid signature of ``body`` made within ``tolerance`` seconds of ``now``.

    Several ``v1`` entries are accepted (a sender rotating secrets signs with both). The
    comparison is constant-time; a timestamp outside the window fails (a replayed request).

    >>> h = sign_payload("s", 1700000000, b"{}")
    >>> verify_signature("s", b"{}", h, now=1700000010), verify_signature("s", b"{ }", h, now=1700000010)
    (True, False)
    >>> verify_signature("s", b"{}", h, now=1700000400)
    False
    """
    if not isinstance(header, str):
        return False
    stamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            stamp = int(value)
        elif name == "v1":
            macs.append(value)
    if stamp is None or not macs:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    expected = sign_payload(secret, stamp, body).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, mac) for mac in macs)


class WebhookSink:
    """POST each event as JSON to ``url``, signed with HMAC-SHA256; any 2xx answer acknowledges it.

    Anything else (a 500, a redirect, a timeout, a refused connection) is a failed try: the
    outbox retries with exponential backoff (``backoff`` s, doubled per try, at most
    ``max_backoff``) and after ``max_attempts`` tries keeps the event as a dead letter.
    Headers: ``Content-Type: application/json``, ``WalletKit-Event-Id: <id>`` and
    ``WalletKit-Signature: t=<unix s>,v1=<hex>`` (see :func:`sign_payload`). HTTP goes
    through ``requests``; redirects are not followed. The secret never appears in a repr.

    Args:
        url: the receiver's http(s) URL.
        secret: the shared signing secret (bytes or text).
        clock: the time source for the signature's timestamp (the store's clock in tests).
    """

    transactional = False

    def __init__(
        self,
        url: str,
        secret: bytes | str,
        *,
        max_attempts: int = 8,
        backoff: float = 2.0,
        max_backoff: float = 3600.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        session: Any = None,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInput(f"a webhook URL is http(s)://..., got {url!r}")
        if not secret:
            raise InvalidInput("a webhook needs a signing secret (receivers verify every event with it)")
        import requests

        self.url = url
        self._secret = secret.encode() if isinstance(secret, str) else bytes(secret)
        self.max_attempts = max_attempts
        self._backoff = (backoff, max_backoff)
        self.timeout = timeout
        self.clock = clock
        self._requests = requests
        self.session = session if session is not None else requests.Session()

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        return _backoff(attempt, *self._backoff)

    def deliver(self, event: TransferEvent) -> None:
        """POST the event; return on a 2xx answer.

        Raises:
            DeliveryFailed: another status, or no answer (the message names which).
        """
        body = event.to_json().encode()
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: event.id,
            SIGNATURE_HEADER: sign_payload(self._secret, int(self.clock()), body),
        }
        try:
            answer = self.session.post(
                self.url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except self._requests.RequestException as e:
            raise DeliveryFailed(f"webhook {self.url} could not be reached: {type(e).__name__}") from e
        if not 200 <= int(answer.status_code) < 300:
            raise DeliveryFailed(f"webhook {self.url} answered HTTP {answer.status_code}")

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def __repr__(self) -> str:
        return f"WebhookSink({self.url}, secret=<redacted>)"
