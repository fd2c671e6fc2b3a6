"""Watch addresses on every installed chain: incoming and outgoing transfers, delivered once.

>>> from walletkit.watch import Watcher
>>> watcher = Watcher(confirmations={"eth": 2})
>>> watcher.add("eth", ["0x9858EfFD232B4033E47d90003D41EC34EcaEda94"])
1

See docs/watch.md for the guarantees, reorgs, delivery, scale and running several workers.
"""

from __future__ import annotations

from walletkit.errors import ReorgTooDeep
from walletkit.watch.events import ScannedBlock, Transfer, TransferEvent, event_id
from walletkit.watch.outbox import Batch, DeadLetter, DeliveryReport, Outbox
from walletkit.watch.scanner import BlockScanner, WatchSet
from walletkit.watch.sinks import (
    CallbackSink,
    DeliveryFailed,
    Sink,
    TransactionalSink,
    WebhookSink,
    sign_payload,
    verify_signature,
)
from walletkit.watch.watcher import DEFAULT_CONFIRMATIONS, Watcher
from walletkit.watch.xpub import derive_addresses

__all__ = [
    "DEFAULT_CONFIRMATIONS",
    "Batch",
    "BlockScanner",
    "CallbackSink",
    "DeadLetter",
    "DeliveryFailed",
    "DeliveryReport",
    "Outbox",
    "ReorgTooDeep",
    "ScannedBlock",
    "Sink",
    "TransactionalSink",
    "Transfer",
    "TransferEvent",
    "WatchSet",
    "Watcher",
    "WebhookSink",
    "derive_addresses",
    "event_id",
    "sign_payload",
    "verify_signature",
]
