"""Scan EVM blocks for transfers touching watched addresses (for :mod:`walletkit.watch`).

Per block, whatever the number of watched addresses:

1. ``eth_getBlockByNumber(h, true)``: the block, its hash and parent, every transaction's value;
2. ``eth_getLogs({blockHash, topics: [[Transfer, TransferSingle, TransferBatch]]})``: every
   token movement of the block (asked by hash, so the logs are those of the same block);
3. ``eth_getBlockReceipts(h)`` only when a watched address sent or received value in a
   transaction, to leave out transactions that reverted (their value did not move).

Each address in them is looked up in an in-memory set. Events decoded (by topic0):

- ``Transfer(address,address,uint256)`` (ERC-20: 3 topics, value in data; asset = the token's
  EIP-55 address) and ERC-721 (4 topics, token id in topic 3; asset = ``"<contract>/<id>"``,
  amount 1);
- ERC-1155 ``TransferSingle`` and ``TransferBatch`` (asset = ``"<contract>/<id>"``, amount the
  value moved; each entry of a batch is a transfer of its own).

``index``: 0 is the transaction's own value; the token movements of a transaction follow from
1 in log order (a batch counts one per entry), whether or not they touch a watched address, so
an index does not depend on what is watched. Value moved by contract code (internal calls) is
not in a block or its logs and is not reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chains.evm.address import checksum_encode
from walletkit.errors import NetworkError
from walletkit.watch.events import ScannedBlock, Transfer
from walletkit.watch.scanner import WatchSet

if TYPE_CHECKING:
    from chains.evm.client import EvmClient

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"  # Transfer(address,address,uint256)
TRANSFER_SINGLE = (  # TransferSingle(address,address,address,uint256,uint256)
    "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62"
)
TRANSFER_BATCH = (  # TransferBatch(address,address,address,uint256[],uint256[])
    "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb"
)
TOPICS = [[TRANSFER, TRANSFER_SINGLE, TRANSFER_BATCH]]

Movement = tuple[str, str, str, int]  # from (lower hex), to (lower hex), asset, amount


def _checksum(hex_address: str) -> str:
    return checksum_encode(bytes.fromhex(hex_address[2:]))


def _topic_address(topic: str) -> str:
    return "0x" + topic[-40:].lower()


def _words(data: str) -> list[int]:
    raw = data[2:] if data.startswith("0x") else data
    if len(raw) % 64:
        return []
    return [int(raw[i : i + 64], 16) for i in range(0, len(raw), 64)]


def _batch(words: list[int]) -> list[tuple[int, int]] | None:
    # abi.encode(uint256[] ids, uint256[] values): two offsets (bytes), then each array as length, items.
    if len(words) < 2 or words[0] % 32 or words[1] % 32:
        return None
    arrays = []
    for offset in words[:2]:
        at = offset // 32
        if at >= len(words) or at + 1 + words[at] > len(words):
            return None
        arrays.append(words[at + 1 : at + 1 + words[at]])
    ids, values = arrays
    return list(zip(ids, values)) if len(ids) == len(values) else None


def decode_log(log: dict[str, Any]) -> list[Movement]:
    """Return the token movements one log records (none for a log that is not a well-formed transfer event).

    >>> decode_log({"address": "0x" + "11" * 20, "topics": [TRANSFER, "0x" + "00" * 12 + "22" * 20,
    ...             "0x" + "00" * 12 + "33" * 20], "data": "0x" + "00" * 31 + "05"})
    [('0x2222222222222222222222222222222222222222', '0x3333333333333333333333333333333333333333', '0x1111111111111111111111111111111111111111', 5)]
    """
    topics = [str(t).lower() for t in log.get("topics") or []]
    if not topics:
        return []
    contract = _checksum(str(log["address"]).lower())
    words = _words(str(log.get("data") or "0x"))
    if topics[0] == TRANSFER:
        if len(topics) == 3 and len(words) == 1:  # ERC-20
            return [(_topic_address(topics[1]), _topic_address(topics[2]), contract, words[0])]
        if len(topics) == 4 and not words:  # ERC-721: the token id is indexed
            return [(_topic_address(topics[1]), _topic_address(topics[2]), f"{contract}/{int(topics[3], 16)}", 1)]
        return []
    if len(topics) != 4:
        return []
    sender, recipient = _topic_address(topics[2]), _topic_address(topics[3])
    if topics[0] == TRANSFER_SINGLE and len(words) == 2:
        return [(sender, recipient, f"{contract}/{words[0]}", words[1])]
    if topics[0] == TRANSFER_BATCH:
        entries = _batch(words)
        return [(sender, recipient, f"{contract}/{i}", v) for i, v in entries or []]
    return []


class EvmScanner:
    """A :class:`walletkit.watch.BlockScanner` over an EVM JSON-RPC client (or an anvil engine)."""

    def __init__(self, client: EvmClient) -> None:
        self.client = client
        self.chain = client.chain
        self.network = client.network
        self._request = client.w3.provider.make_request
        self.calls = 0

    def _rpc(self, method: str, params: list[Any]) -> Any:
        self.calls += 1
        try:
            answer = self._request(method, params)  # type: ignore[arg-type]
        except Exception as e:  # requests and web3 raise their own trees; name it ours, keep the cause
            raise NetworkError(
                f"{self.chain} node at {self.client.url} failed on {method}: {type(e).__name__}: {e}"
            ) from e
        if "error" in answer:
            raise NetworkError(f"{self.chain} node at {self.client.url} refused {method}: {answer['error']}")
        return answer.get("result")

    def head(self) -> int:
        """Return ``eth_blockNumber``."""
        return int(self._rpc("eth_blockNumber", []), 16)

    def block_hash(self, height: int) -> str | None:
        """Return the hash of the block at ``height`` (None above the head)."""
        block = self._rpc("eth_getBlockByNumber", [hex(height), False])
        return None if block is None else str(block["hash"])

    def _statuses(self, height: int, txids: list[str]) -> dict[str, bool]:
        try:
            receipts = self._rpc("eth_getBlockReceipts", [hex(height)]) or []
        except NetworkError:  # a node without eth_getBlockReceipts: one receipt per matching transaction
            receipts = [self._rpc("eth_getTransactionReceipt", [txid]) for txid in txids]
        return {str(r["transactionHash"]): int(r.get("status", "0x1"), 16) == 1 for r in receipts if r}

    def scan(self, height: int, watch: WatchSet) -> ScannedBlock | None:
        """Read block ``height`` and its transfer logs; return the transfers touching ``watch``."""
        before = self.calls
        block = self._rpc("eth_getBlockByNumber", [hex(height), True])
        if block is None:
            return None
        watched: dict[str, str] = watch.derived("evm-lower", lambda s: {a.lower(): a for a in s})
        logs = self._rpc("eth_getLogs", [{"blockHash": block["hash"], "topics": TOPICS}]) if watched else []
        movements: dict[str, list[Movement]] = {}
        for log in sorted(logs, key=lambda entry: int(entry["logIndex"], 16)):
            if not log.get("removed"):
                movements.setdefault(str(log["transactionHash"]), []).extend(decode_log(log))
        found: list[tuple[str, int, str, str, str, int]] = []  # txid, index, from, to, asset, amount
        native: list[str] = []
        for tx in block["transactions"]:
            txid = str(tx["hash"])
            sender, recipient = str(tx["from"]).lower(), str(tx.get("to") or "").lower()
            value = int(tx["value"], 16)
            if value and (sender in watched or recipient in watched):
                found.append((txid, 0, sender, recipient, "native", value))
                native.append(txid)
            for k, (frm, to, asset, amount) in enumerate(movements.get(txid, ()), start=1):
                if frm in watched or to in watched:
                    found.append((txid, k, frm, to, asset, amount))
        succeeded = self._statuses(height, native) if native else {}
        transfers: list[Transfer] = []
        for txid, index, frm, to, asset, amount in found:
            if index == 0 and not succeeded.get(txid, False):
                continue  # reverted: its value did not move
            if frm in watched:
                transfers.append(
                    Transfer(txid, index, "out", watched[frm], _checksum(to) if to else None, asset, amount)
                )
            if to in watched:
                transfers.append(Transfer(txid, index, "in", watched[to], _checksum(frm), asset, amount))
        return ScannedBlock(height, str(block["hash"]), str(block["parentHash"]), tuple(transfers), self.calls - before)
