"""What the watcher reports: :class:`TransferEvent`, one movement of value in or out of a watched address.

A chain plugin's scanner finds :class:`Transfer` items in a block (no state yet); the watcher
turns each into events as its block is seen, buried deep enough, or orphaned by a reorg.

Identity: a transfer is named by ``key`` = chain, network, txid, index, direction, address
and asset. An event is one state of one transfer in one block, and its ``id`` is a hash of
the key, the block hash, the status and a revision (how many times that same block was
orphaned and came back): the same state is re-delivered with the same ``id``, so a
consumer deduplicates on ``id`` and keeps its own record per ``key``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from walletkit.errors import InvalidInput

Direction = Literal["in", "out"]
Status = Literal["seen", "confirmed", "reverted"]
DIRECTIONS: tuple[str, ...] = ("in", "out")
STATUSES: tuple[str, ...] = ("seen", "confirmed", "reverted")


@dataclass(frozen=True, slots=True)
class Transfer:
    """One movement a chain scanner found in a block that touches a watched address.

    Attributes:
        txid: the transaction id in the chain's usual text form.
        index: the transfer's place in its transaction, numbered by the chain plugin
            (see docs/watch.md: EVM 0 is the transaction's value, 1.. its token transfers in
            log order; Bitcoin the vout received or the vin spending; TRON 0 the contract,
            1.. TRC-20 logs; Solana the account index whose balance moved).
        direction: ``"in"`` (to ``address``) or ``"out"`` (from it).
        address: the watched address, in the chain's canonical form.
        counterparty: the other side when the chain names it (None for a Bitcoin deposit).
        asset: ``"native"`` or the canonical token id.
        amount: base units (wei, sat, sun, lamport, token units); 1 for an ERC-721 token.
        outpoint: Bitcoin only: ``txid:vout`` of the output received (``in``) or spent (``out``).
    """

    txid: str
    index: int
    direction: Direction
    address: str
    counterparty: str | None
    asset: str
    amount: int
    outpoint: str | None = None

    def key(self, chain: str, network: str) -> str:
        """Return the transfer's identity (stable across blocks, states and restarts)."""
        return f"{chain}:{network}:{self.txid}:{self.index}:{self.direction}:{self.address}:{self.asset}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``amount`` as decimal text: token amounts pass 2^53)."""
        return {
            "txid": self.txid,
            "index": self.index,
            "direction": self.direction,
            "address": self.address,
            "counterparty": self.counterparty,
            "asset": self.asset,
            "amount": str(self.amount),
            "outpoint": self.outpoint,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transfer:
        """Rebuild a transfer from :meth:`to_dict` output."""
        return cls(
            str(data["txid"]),
            int(data["index"]),
            data["direction"],
            str(data["address"]),
            data.get("counterparty"),
            str(data["asset"]),
            int(data["amount"]),
            data.get("outpoint"),
        )


@dataclass(frozen=True, slots=True)
class ScannedBlock:
    """A block as a scanner read it: where it is, what it follows, and the transfers it holds.

    ``calls`` counts the node requests the scan made (benchmarks check it stays constant).
    """

    height: int
    hash: str
    parent_hash: str
    transfers: tuple[Transfer, ...]
    calls: int = 0


def event_id(key: str, block_hash: str, status: str, revision: int = 0) -> str:
    """Return the stable id of one state of one transfer in one block (32 hex digits).

    >>> event_id("eth:mainnet:0xab:0:in:0x01:native", "0xff", "seen")
    '...'
    >>> len(event_id("k", "h", "seen")), event_id("k", "h", "seen") == event_id("k", "h", "confirmed")
    (32, False)
    """
    text = f"{key}|{block_hash}|{status}" + (f"|{revision}" if revision else "")
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class TransferEvent:
    """One state of one transfer into or out of a watched address.

    Deduplicate on ``id``: a re-delivery of the same state carries the same one. ``key``
    names the transfer whatever its block and state (a reorg gives ``reverted`` for the
    old block, then ``seen`` under the new block's hash, with new ids and the same key).

    Attributes:
        id: 32 hex digits, stable across restarts and re-deliveries.
        chain, network: canonical chain name (``eth``, ``btc``...) and network name.
        txid, index: the transaction and the transfer's place in it (see :class:`Transfer`).
        direction: ``"in"`` or ``"out"``; ``address``: the watched address.
        counterparty: sender of an ``in``, recipient of an ``out`` (None when unknown).
        asset: ``"native"`` or the canonical token id (docs/watch.md lists each chain's).
        amount: an int of base units.
        block, block_hash: height and hash of the block holding the transfer.
        confirmations: blocks on top of it, its own included, when the event was made
            (0 for ``reverted``).
        status: ``"seen"`` (in a block), ``"confirmed"`` (buried ``confirmations`` deep as
            the watcher requires) or ``"reverted"`` (its block left the chain).
    """

    id: str
    chain: str
    network: str
    txid: str
    index: int
    direction: Direction
    address: str
    counterparty: str | None
    asset: str
    amount: int
    block: int
    block_hash: str
    confirmations: int
    status: Status

    @property
    def key(self) -> str:
        """The transfer's identity, the same for its ``seen``, ``confirmed`` and ``reverted`` events."""
        return f"{self.chain}:{self.network}:{self.txid}:{self.index}:{self.direction}:{self.address}:{self.asset}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; ``amount`` is decimal text (token amounts pass 2^53).

        >>> e = TransferEvent("00" * 16, "eth", "mainnet", "0xab", 0, "in", "0x01", "0x02", "native",
        ...                   10**20, 7, "0xff", 1, "seen")
        >>> e.to_dict()["amount"], TransferEvent.from_dict(e.to_dict()) == e
        ('100000000000000000000', True)
        """
        return {
            "id": self.id,
            "chain": self.chain,
            "network": self.network,
            "txid": self.txid,
            "index": self.index,
            "direction": self.direction,
            "address": self.address,
            "counterparty": self.counterparty,
            "asset": self.asset,
            "amount": str(self.amount),
            "block": self.block,
            "block_hash": self.block_hash,
            "confirmations": self.confirmations,
            "status": self.status,
        }

    def to_json(self) -> str:
        """Return the event as one line of compact JSON with sorted keys (the webhook body, the CLI's line)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TransferEvent:
        """Rebuild an event from :meth:`to_dict` (or parsed :meth:`to_json`) output.

        Raises:
            InvalidInput: a field is missing or of the wrong kind; the message names it.
        """
        try:
            direction, status = data["direction"], data["status"]
            if direction not in DIRECTIONS or status not in STATUSES:
                raise InvalidInput(f"direction is in/out and status seen/confirmed/reverted, got {direction}/{status}")
            return cls(
                str(data["id"]),
                str(data["chain"]),
                str(data["network"]),
                str(data["txid"]),
                int(data["index"]),
                direction,
                str(data["address"]),
                None if data.get("counterparty") is None else str(data["counterparty"]),
                str(data["asset"]),
                int(data["amount"]),
                int(data["block"]),
                str(data["block_hash"]),
                int(data["confirmations"]),
                status,
            )
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, InvalidInput):
                raise
            raise InvalidInput(f"not a TransferEvent: {type(e).__name__}: {e}") from e

    @classmethod
    def from_json(cls, text: str | bytes) -> TransferEvent:
        """Parse one event from :meth:`to_json` text (e.g. a webhook body).

        Raises:
            InvalidInput: not JSON, or not an event.
        """
        try:
            data = json.loads(text)
        except ValueError as e:
            raise InvalidInput(f"a TransferEvent is JSON, this is not: {e}") from e
        if not isinstance(data, dict):
            raise InvalidInput(f"a TransferEvent is a JSON object, got {type(data).__name__}")
        return cls.from_dict(data)


def make_event(
    chain: str,
    network: str,
    transfer: Transfer,
    block: int,
    block_hash: str,
    confirmations: int,
    status: Status,
    revision: int = 0,
) -> TransferEvent:
    """Return the event for one state of a transfer (its id derived by :func:`event_id`)."""
    key = transfer.key(chain, network)
    return TransferEvent(
        event_id(key, block_hash, status, revision),
        chain,
        network,
        transfer.txid,
        transfer.index,
        transfer.direction,
        transfer.address,
        transfer.counterparty,
        transfer.asset,
        transfer.amount,
        block,
        block_hash,
        confirmations,
        status,
    )
