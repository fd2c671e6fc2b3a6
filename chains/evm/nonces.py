"""A thread-safe nonce manager: many threads send from one account without gaps or duplicates.

Each reservation takes the lowest released nonce, else the next one. A failed broadcast
releases its nonce for the next sender; a node that answers "nonce too low" makes the
manager re-read the account's pending count. Processes share nonces through the signer's
store (issue: server-side signer), not through this class.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable


class NonceManager:
    """Hands out nonces per address; ``fetch(address)`` reads the node's pending count."""

    def __init__(self, fetch: Callable[[str], int]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._next: dict[str, int] = {}
        self._released: dict[str, list[int]] = {}

    def reserve(self, address: str) -> int:
        """Return a nonce for ``address`` that no other caller holds."""
        with self._lock:
            released = self._released.get(address)
            if released:
                return heapq.heappop(released)
            nonce = self._next.get(address)
            if nonce is None:
                nonce = self._fetch(address)
            self._next[address] = nonce + 1
            return nonce

    def release(self, address: str, nonce: int) -> None:
        """Give back a nonce whose transaction was never accepted."""
        with self._lock:
            if self._next.get(address, 0) == nonce + 1:
                self._next[address] = nonce
            else:
                heapq.heappush(self._released.setdefault(address, []), nonce)

    def resync(self, address: str) -> None:
        """Forget local state for ``address``; the next reservation asks the node."""
        with self._lock:
            self._next.pop(address, None)
            self._released.pop(address, None)
