"""Scan Bitcoin blocks for outputs to watched scripts and spends of watched coins (for :mod:`walletkit.watch`).

A whole block is read (Core ``getblock <hash> 0``, Esplora ``/block/:hash/raw``, or the kernel
regtest engine) and walked once: every output's scriptPubKey is looked up in a dict of watched
scripts; every input's outpoint in the coins the watcher saw arrive (one store query per block,
plus the watched outputs made earlier in the same block). The cost grows with the block, not
with the number of watched addresses.

Transfers: an output paying a watched script is ``in`` (``index`` = its vout, ``outpoint`` =
``txid:vout``, counterparty None: an input names an outpoint, not an address); an input
spending a watched coin is ``out`` (``index`` = its vin, amount = the coin's value, counterparty
= the first output not paying a watched script, or the first output if all do). A coin that
arrived before the watcher started is not known, so its spend is not seen.

Block layout (BIP144 for witness transactions)::

    header(80) || varint(n) || tx*n
    tx = version(4) || [0x00 0x01] || vin || vout || [witness] || locktime(4)
    txid = SHA256d(version || vin || vout || locktime), shown byte-reversed
"""

from __future__ import annotations

from typing import Any

from chains.bitcoin import address as addr
from chains.bitcoin.network import PARAMS
from chains.bitcoin.tx import Transaction
from walletkit.crypto.hashes import double_sha256
from walletkit.encoding import bech32
from walletkit.encoding.base58 import b58check_encode
from walletkit.errors import InvalidInput, InvalidTransaction, NetworkError
from walletkit.watch.events import ScannedBlock, Transfer
from walletkit.watch.scanner import WatchSet

ParsedTx = tuple[str, list[str], list[tuple[int, bytes]]]  # txid, spent outpoints, (value, scriptPubKey) per output
COINBASE_PREVOUT = "00" * 32 + ":4294967295"


def _varint(raw: bytes, pos: int) -> tuple[int, int]:
    first = raw[pos]
    if first < 0xFD:
        return first, pos + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    return int.from_bytes(raw[pos + 1 : pos + 1 + size], "little"), pos + 1 + size


def walk_block(raw: bytes) -> tuple[str, str, list[ParsedTx], list[tuple[int, int]]]:
    """Return a block's hash, its parent's hash, each transaction (txid, spent outpoints, outputs) and byte spans.

    Raises:
        InvalidTransaction: a truncated or malformed block.
    """
    if len(raw) < 81:
        raise InvalidTransaction(f"a block is at least 81 bytes, got {len(raw)}")
    block_hash = double_sha256(raw[:80])[::-1].hex()
    parent = raw[4:36][::-1].hex()
    try:
        count, pos = _varint(raw, 80)
        txs: list[ParsedTx] = []
        spans: list[tuple[int, int]] = []
        for _ in range(count):
            start = pos
            segwit = raw[pos + 4] == 0 and raw[pos + 5] == 1
            body = pos + (6 if segwit else 4)
            n_in, pos = _varint(raw, body)
            spent = []
            for _ in range(n_in):
                spent.append(f"{raw[pos : pos + 32][::-1].hex()}:{int.from_bytes(raw[pos + 32 : pos + 36], 'little')}")
                length, pos = _varint(raw, pos + 36)
                pos += length + 4
            n_out, pos = _varint(raw, pos)
            outputs = []
            for _ in range(n_out):
                value = int.from_bytes(raw[pos : pos + 8], "little")
                length, pos = _varint(raw, pos + 8)
                outputs.append((value, raw[pos : pos + length]))
                pos += length
            end_body = pos
            if segwit:
                for _ in range(n_in):
                    items, pos = _varint(raw, pos)
                    for _ in range(items):
                        length, pos = _varint(raw, pos)
                        pos += length
            if pos + 4 > len(raw):
                raise InvalidTransaction("a transaction runs past the end of the block")
            txid = double_sha256(raw[start : start + 4] + raw[body:end_body] + raw[pos : pos + 4])[::-1].hex()
            pos += 4
            txs.append((txid, spent, outputs))
            spans.append((start, pos))
    except (IndexError, KeyError) as e:
        raise InvalidTransaction(f"a truncated or malformed block: {type(e).__name__}") from e
    if pos != len(raw):
        raise InvalidTransaction(f"{len(raw) - pos} bytes after the block's last transaction")
    return block_hash, parent, txs, spans


def block_transactions(raw: bytes) -> list[Transaction]:
    """Return a serialized block's transactions, parsed (the coinbase first)."""
    _, _, _, spans = walk_block(raw)
    return [Transaction.parse(raw[a:b]) for a, b in spans]


def script_address(script: bytes, network: str) -> str | None:
    """Return the address a standard scriptPubKey pays on ``network`` (None for a non-standard script).

    >>> script_address(bytes.fromhex("0014751e76e8199196d454941c45d1b3a323f1433bd6"), "mainnet")  # BIP173's example
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    """
    params = PARAMS[network]
    if len(script) == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return b58check_encode(bytes([params.p2pkh]) + script[3:23])
    if len(script) == 23 and script[:2] == b"\xa9\x14" and script[22:] == b"\x87":
        return b58check_encode(bytes([params.p2sh]) + script[2:22])
    if 4 <= len(script) <= 42 and (script[0] == 0 or 0x51 <= script[0] <= 0x60) and script[1] == len(script) - 2:
        version = 0 if script[0] == 0 else script[0] - 0x50
        try:
            return bech32.encode_segwit(params.hrp, version, script[2:])
        except (bech32.Bech32Error, ValueError):
            return None
    return None


class BitcoinScanner:
    """A :class:`walletkit.watch.BlockScanner` over the kernel regtest engine or a Core/Esplora client.

    The client answers ``block_hash(height)`` and ``raw_block(...)``: the regtest engine by height,
    a :class:`~chains.bitcoin.client.BitcoinClient`'s backend by hash (``tip_height()`` for the head).
    """

    def __init__(self, client: Any) -> None:
        backend = getattr(client, "backend", None)
        self._source = backend if backend is not None else client
        for needed in ("block_hash", "raw_block"):
            if not callable(getattr(self._source, needed, None)):
                raise InvalidInput(f"a Bitcoin watch needs a client that reads blocks ({needed}); got {client!r}")
        self._by_height = backend is None  # the regtest engine reads blocks by height
        self.chain = "btc"
        self.network = str(client.network)
        self.calls = 0

    def head(self) -> int:
        """Return the height of the best block."""
        self.calls += 1
        if self._by_height:
            return int(self._source.height)
        return int(self._source.tip_height())

    def block_hash(self, height: int) -> str | None:
        """Return the hash of the block at ``height`` (None above the tip)."""
        self.calls += 1
        found = self._source.block_hash(height)
        return None if found is None else str(found)

    def _raw(self, height: int) -> bytes | None:
        if self._by_height:
            self.calls += 1
            raw: bytes | None = self._source.raw_block(height)
            return raw
        block_hash = self.block_hash(height)
        if block_hash is None:
            return None
        self.calls += 1
        return bytes(self._source.raw_block(block_hash))

    def scan(self, height: int, watch: WatchSet) -> ScannedBlock | None:
        """Read block ``height`` and return its outputs to watched scripts and spends of watched coins."""
        before = self.calls
        raw = self._raw(height)
        if raw is None:
            return None
        try:
            block_hash, parent, txs, _ = walk_block(raw)
        except InvalidTransaction as e:
            raise NetworkError(f"the node's block {height} does not parse: {e}") from e
        scripts: dict[bytes, str] = watch.derived(
            "btc-scripts", lambda s: {addr.decode(a, self.network).script_pubkey: a for a in s}
        )
        if not scripts:
            return ScannedBlock(height, block_hash, parent, (), self.calls - before)
        spends = [o for _, spent, _ in txs[1:] for o in spent]
        coins = watch.coins(spends)
        transfers: list[Transfer] = []
        for txid, spent, outputs in txs:
            mine = [i for i, (_, script) in enumerate(outputs) if script in scripts]
            spending = [(vin, o) for vin, o in enumerate(spent) if o in coins] if _spends_coins(spent) else []
            if spending:
                others = [s for _, s in outputs if s not in scripts] or [s for _, s in outputs]
                counterparty = script_address(others[0], self.network) if others else None
                for vin, outpoint in spending:
                    address, value = coins.pop(outpoint)
                    transfers.append(Transfer(txid, vin, "out", address, counterparty, "native", value, outpoint))
            for vout in mine:
                value, script = outputs[vout]
                outpoint = f"{txid}:{vout}"
                transfers.append(Transfer(txid, vout, "in", scripts[script], None, "native", value, outpoint))
                coins[outpoint] = (scripts[script], value)  # spendable later in this same block
        return ScannedBlock(height, block_hash, parent, tuple(transfers), self.calls - before)


def _spends_coins(spent: list[str]) -> bool:
    # A coinbase's one input spends nothing.
    return bool(spent) and spent[0] != COINBASE_PREVOUT
