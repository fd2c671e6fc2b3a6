"""The small contract between the watcher and a chain plugin: a :class:`BlockScanner` per client.

A plugin that can be watched has a method ``watch_scanner(client)`` returning an object with
``chain``, ``network``, ``head()``, ``block_hash(height)`` and ``scan(height, watch)``. The
watcher finds it on the plugin object that :func:`walletkit.registry.get_chain` returns for
``client.chain``; the core never imports a plugin. Each plugin keeps its scanning in
``chains/<family>/watch.py``.

A scanner reads whole blocks, never per address: it matches what a block holds against the
:class:`WatchSet` in memory (a set look-up per address in the block), so the cost of a block
does not grow with the number of watched addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar, runtime_checkable

from walletkit.watch.events import ScannedBlock

T = TypeVar("T")
CoinLookup = Callable[[list[str]], dict[str, tuple[str, int]]]


class WatchSet:
    """The addresses watched on one chain and network, and the coins seen arriving (UTXO chains).

    ``addresses`` holds canonical text forms. ``version`` grows on every change, so a scanner
    may keep an index built from the set (``derived``) until the set changes.
    """

    __slots__ = ("_coins", "_derived", "addresses", "chain", "network", "version")

    def __init__(self, chain: str, network: str, coins: CoinLookup | None = None) -> None:
        self.chain = chain
        self.network = network
        self.addresses: set[str] = set()
        self.version = 0
        self._derived: dict[str, tuple[int, object]] = {}
        self._coins = coins

    def add(self, addresses: Iterable[str]) -> int:
        """Add canonical addresses; return how many were new."""
        before = len(self.addresses)
        self.addresses.update(addresses)
        added = len(self.addresses) - before
        if added:
            self.version += 1
        return added

    def __contains__(self, address: object) -> bool:
        return address in self.addresses

    def __len__(self) -> int:
        return len(self.addresses)

    def derived(self, name: str, build: Callable[[set[str]], T]) -> T:
        """Return ``build(addresses)``, rebuilt only when the set changed since the last call for ``name``.

        A scanner keeps its own index here (e.g. EVM: lower-case hex to checksummed address).
        """
        cached = self._derived.get(name)
        if cached is None or cached[0] != self.version:
            value = build(self.addresses)
            self._derived[name] = (self.version, value)
            return value
        return cached[1]  # type: ignore[return-value]

    def coins(self, outpoints: list[str]) -> dict[str, tuple[str, int]]:
        """Return the watched coins among ``outpoints`` (``txid:vout``): outpoint -> (address, value in sat).

        One store query for a whole block; coins are those the watcher saw arrive at a watched
        address, unspent as of the block before the one being scanned.
        """
        if self._coins is None or not outpoints:
            return {}
        return self._coins(outpoints)


@runtime_checkable
class BlockScanner(Protocol):
    """What a chain plugin gives the watcher for one client (one node, one network).

    Every method may raise :class:`~walletkit.errors.NetworkError` when the node fails.
    """

    chain: str
    network: str

    def head(self) -> int:
        """Return the height of the node's best block."""
        ...

    def block_hash(self, height: int) -> str | None:
        """Return the hash of the node's block at ``height``, or None above its head."""
        ...

    def scan(self, height: int, watch: WatchSet) -> ScannedBlock | None:
        """Read the block at ``height`` and return it with every transfer touching ``watch``.

        Returns None when the node has no block at that height (its chain got shorter).
        Transfers come in the block's order; within a transaction in ``index`` order.
        """
        ...
