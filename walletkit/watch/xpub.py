"""Deposit addresses from an extended public key: batch derivation on every core, and the BIP44 gap limit.

BIP44 address gap limit: a wallet stops looking after ``gap_limit`` unused addresses in a row
on a branch (0 receive, 1 change). The watcher watches indexes ``0 .. used + gap_limit`` of
each branch, where ``used`` is the highest index that received or sent anything (-1 if none);
when a transfer touches a higher index the window moves and the block is scanned again.

Derivation below an account-level xpub is ``change/index`` (BIP32 public derivation: one
HMAC-SHA512 and one point addition per address). Large batches are split across processes,
one per core: CPython runs one thread of Python at a time, so threads would not help.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from walletkit.errors import InvalidInput

PARALLEL_FROM = 4000  # below this many addresses, starting worker processes costs more than it saves


def _derive_chunk(args: tuple[str, str, int, int, int, str | None, str | None]) -> list[str]:
    chain, xpub, change, start, count, kind, network = args
    from walletkit.wallet import Wallet

    wallet = Wallet.from_xpub(xpub, chain, kind=kind, network=network)
    return [a.address for a in wallet.accounts(chain, count, start, change=change)]


def derive_addresses(
    chain: str,
    xpub: str,
    start: int,
    count: int,
    *,
    change: int = 0,
    kind: str | None = None,
    network: str | None = None,
    workers: int | None = None,
) -> list[str]:
    """Return the addresses ``start .. start+count-1`` of branch ``change`` below an account-level xpub.

    Args:
        chain: a secp256k1 chain (``btc``, ``eth``, ``bsc``, ``tron``).
        xpub: an account-level extended public key (xpub/ypub/zpub/tpub...).
        kind, network: as :meth:`walletkit.Wallet.from_xpub` takes them.
        workers: processes to use; default one per core for ``count >= 4000``, else 1.

    Raises:
        InvalidInput: a negative start or count; InvalidExtendedKey: a bad xpub.

    >>> xpub = ("xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9"
    ...         "xv5ski8PX9rL2dZXvgGDnw")  # BIP32 test vector 1, m/0H
    >>> derive_addresses("eth", xpub, 0, 2)
    ['0x...', '0x...']
    """
    for name, value in (("start", start), ("count", count)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{name} is a non-negative integer, got {value!r}")
    if count == 0:
        return []
    cores = os.cpu_count() or 1
    procs = workers if workers is not None else (cores if count >= PARALLEL_FROM else 1)
    if procs <= 1:
        return _derive_chunk((chain, xpub, change, start, count, kind, network))
    size = -(-count // procs)
    chunks = [
        (chain, xpub, change, s, min(size, start + count - s), kind, network) for s in range(start, start + count, size)
    ]
    # fork starts a worker in milliseconds (the parent's imports are already there); elsewhere spawn.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=procs, mp_context=context) as pool:
        return [address for part in pool.map(_derive_chunk, chunks) for address in part]


def xpub_id(chain: str, network: str, kind: str, xpub: str) -> str:
    """Return the name the store keeps an xpub's state under (a hash: the key itself is not stored)."""
    return hashlib.sha256(f"{chain}|{network}|{kind}|{xpub.strip()}".encode()).hexdigest()[:24]


@dataclass(slots=True)
class XpubState:
    """One watched xpub: the gap limit, the highest used index and how many addresses are derived, per branch."""

    id: str
    chain: str
    network: str
    xpub: str
    kind: str | None
    gap_limit: int
    used: list[int] = field(default_factory=lambda: [-1, -1])
    derived: list[int] = field(default_factory=lambda: [0, 0])
    dirty: bool = False

    def wanted(self, branch: int) -> int:
        """How many addresses of ``branch`` the gap limit asks to watch (indexes 0 .. used + gap_limit)."""
        return self.used[branch] + 1 + self.gap_limit

    def grow(self) -> dict[tuple[int, int], str]:
        """Derive what the gap limit now asks for and is not derived yet; return (branch, index) -> address."""
        found: dict[tuple[int, int], str] = {}
        for branch in (0, 1):
            start, wanted = self.derived[branch], self.wanted(branch)
            if wanted > start:
                addresses = derive_addresses(
                    self.chain, self.xpub, start, wanted - start, change=branch, kind=self.kind, network=self.network
                )
                for offset, address in enumerate(addresses):
                    found[(branch, start + offset)] = address
                self.derived[branch] = wanted
        return found
