"""Scan Solana blocks for SOL, SPL Token and Token-2022 movements of watched owners (for :mod:`walletkit.watch`).

One ``getBlock(slot, {encoding: "json", transactionDetails: "full", maxSupportedTransactionVersion: 0})``
per slot, whatever the number of watched addresses. Balances, not instructions, say what moved:

- SOL: ``postBalances[i] - preBalances[i]`` of each account key (the fee payer's fee added back,
  so a fee alone is no transfer); ``index`` = the account's position in the transaction's keys
  (static keys, then loaded writable, then loaded readonly addresses).
- Tokens: ``preTokenBalances`` / ``postTokenBalances`` name each token account's mint, owner and
  program, so a deposit into the associated account of a watched owner (or any account it owns,
  under either token program) is seen without knowing the account; asset = the mint (base58),
  ``index`` = the token account's position.

The counterparty is the account (for tokens, the owner) whose balance of the same asset moved
the most the other way. A failed transaction (``meta.err``) moved nothing but its fee and is
left out. Slots are heights; a skipped slot has no block, and its hash is that of the latest
block before it (so the next block's ``previousBlockhash`` matches it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from walletkit.errors import InvalidInput, NetworkError
from walletkit.watch.events import ScannedBlock, Transfer
from walletkit.watch.scanner import WatchSet

if TYPE_CHECKING:
    from chains.solana.client import SolanaClient

SKIPPED = (-32007, -32009, -32004)  # slot skipped / missing in long-term storage / block not available
_BLOCK = {"encoding": "json", "transactionDetails": "full", "maxSupportedTransactionVersion": 0, "rewards": False}
_HASH_ONLY = {"transactionDetails": "none", "rewards": False, "maxSupportedTransactionVersion": 0}


def _counterparty(deltas: dict[str, int], sign: int) -> str | None:
    other = [(abs(d), k) for k, d in deltas.items() if d * sign < 0]
    return max(other)[1] if other else None


def transaction_transfers(entry: dict[str, Any], watched: set[str] | dict[str, str]) -> list[Transfer]:
    """Return the movements of one ``getBlock`` transaction entry that touch ``watched`` owners."""
    meta = entry.get("meta") or {}
    if meta.get("err") is not None:
        return []
    tx = entry["transaction"]
    txid = str(tx["signatures"][0])
    loaded = meta.get("loadedAddresses") or {}
    keys = (
        [str(k) for k in tx["message"]["accountKeys"]]
        + list(loaded.get("writable", []))
        + list(loaded.get("readonly", []))
    )
    pre, post = meta.get("preBalances") or [], meta.get("postBalances") or []
    fee = int(meta.get("fee", 0))
    sol: dict[str, int] = {}
    where: dict[str, int] = {}
    for i, key in enumerate(keys[: min(len(pre), len(post))]):
        delta = int(post[i]) - int(pre[i]) + (fee if i == 0 else 0)
        if delta:
            sol[key] = sol.get(key, 0) + delta
            where.setdefault(key, i)
    transfers = [
        Transfer(txid, where[k], "in" if d > 0 else "out", k, _counterparty(sol, d), "native", abs(d))
        for k, d in sol.items()
        if k in watched
    ]
    balances: dict[int, tuple[str, str, int, int]] = {}  # account index -> mint, owner, before, after
    for side, items in ((0, meta.get("preTokenBalances") or []), (1, meta.get("postTokenBalances") or [])):
        for b in items:
            index = int(b["accountIndex"])
            mint, owner = str(b["mint"]), str(b.get("owner") or keys[index])
            amount = int(b["uiTokenAmount"]["amount"])
            _, _, before, after = balances.get(index, (mint, owner, 0, 0))
            balances[index] = (mint, owner, amount if side == 0 else before, amount if side == 1 else after)
    per_mint: dict[str, dict[str, int]] = {}
    for mint, owner, before, after in balances.values():
        if after != before:
            moved = per_mint.setdefault(mint, {})
            moved[owner] = moved.get(owner, 0) + after - before
    for index, (mint, owner, before, after) in sorted(balances.items()):
        delta = after - before
        if delta and owner in watched:
            transfers.append(
                Transfer(
                    txid,
                    index,
                    "in" if delta > 0 else "out",
                    owner,
                    _counterparty(per_mint[mint], delta),
                    mint,
                    abs(delta),
                )
            )
    return transfers


class SolanaScanner:
    """A :class:`walletkit.watch.BlockScanner` over a Solana JSON-RPC client; slots are heights."""

    def __init__(self, client: SolanaClient) -> None:
        self.client = client
        self.chain = "sol"
        self.network = client.network
        self.calls = 0

    def _call(self, method: str, params: list[Any]) -> Any:
        self.calls += 1
        return self.client.call(method, params)

    def _block(self, slot: int, config: dict[str, Any]) -> dict[str, Any] | None:
        try:
            block: dict[str, Any] | None = self._call(
                "getBlock", [slot, {**config, "commitment": self.client.commitment}]
            )
        except NetworkError as e:
            if any(f"(code {code})" in str(e) for code in SKIPPED):
                return None
            raise
        return block

    def head(self) -> int:
        """Return the latest slot at the client's commitment (``getSlot``)."""
        return int(self._call("getSlot", [{"commitment": self.client.commitment}]))

    def _latest_hash_at(self, slot: int) -> str | None:
        # A skipped slot: the latest block before it stands for it (getBlocks lists the slots that have blocks).
        slots = self._call("getBlocks", [max(0, slot - 512), slot, {"commitment": self.client.commitment}]) or []
        for earlier in reversed([int(s) for s in slots if int(s) <= slot]):
            block = self._block(earlier, _HASH_ONLY)
            if block is not None:
                return str(block["blockhash"])
        return None

    def block_hash(self, height: int) -> str | None:
        """Return the blockhash of slot ``height`` (a skipped slot: the latest before it), None above the head."""
        if height > self.head():
            return None
        block = self._block(height, _HASH_ONLY)
        return str(block["blockhash"]) if block is not None else self._latest_hash_at(height)

    def scan(self, height: int, watch: WatchSet) -> ScannedBlock | None:
        """Read slot ``height``; return its SOL and token movements touching ``watch``."""
        before = self.calls
        block = self._block(height, _BLOCK)
        if block is None:
            latest = self._latest_hash_at(height)
            if latest is None or height > self.head():
                return None
            return ScannedBlock(height, latest, latest, (), self.calls - before)
        watched = watch.addresses
        transfers: list[Transfer] = []
        for entry in block.get("transactions") or [] if watched else []:
            transfers.extend(transaction_transfers(entry, watched))
        return ScannedBlock(
            height, str(block["blockhash"]), str(block["previousBlockhash"]), tuple(transfers), self.calls - before
        )


def check_client(client: object) -> SolanaClient:
    """Return ``client`` if it is a Solana JSON-RPC client, else raise InvalidInput naming what it is."""
    from chains.solana.client import SolanaClient

    if not isinstance(client, SolanaClient):
        raise InvalidInput(
            f"a Solana watch reads blocks over JSON-RPC (wk.connect('sol', url)); got {type(client).__name__}"
        )
    return client
