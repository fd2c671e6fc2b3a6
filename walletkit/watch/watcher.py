"""The watcher: scans blocks for transfers touching watched addresses, through restarts and reorgs.

One pass (:meth:`Watcher.poll`) goes from the stored cursor to the node's head, one block at a
time. Each block is recorded in one store transaction: its transfers and their events, the
events' outbox rows, its hash, and the cursor. A worker that dies loses at most the block it
was reading; a block is recorded once however many workers share the store (each transaction
checks that the cursor is where the block follows).

Reorgs: the hashes of recent blocks are kept. When a block's parent is not the stored hash
below it (or the stored hash at the cursor is no longer the node's), the watcher walks back to
the highest height where the node agrees, emits ``reverted`` for every event above it, and
scans the node's chain again from there.

States: a transfer is ``seen`` when its block is scanned and ``confirmed`` when that block is
``confirmations[chain]`` deep (the block itself counts as one); a transfer already that deep
when scanned gets both events at once.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any

from walletkit.errors import InvalidInput, ReorgTooDeep, UnsupportedOperation
from walletkit.registry import get_chain
from walletkit.watch.events import ScannedBlock, Transfer, TransferEvent, make_event
from walletkit.watch.outbox import Outbox
from walletkit.watch.scanner import BlockScanner, WatchSet
from walletkit.watch.sinks import CallbackSink, Sink
from walletkit.watch.store import Store, create_tables, placeholders
from walletkit.watch.xpub import XpubState, xpub_id

log = logging.getLogger("walletkit.watch")

# Depths at which exchanges and custodians commonly credit a deposit.
DEFAULT_CONFIRMATIONS: Mapping[str, int] = {"btc": 3, "eth": 12, "bsc": 15, "polygon": 64, "tron": 19, "sol": 32}
FALLBACK_CONFIRMATIONS = 12
KEEP_BLOCKS = 128  # block hashes kept beyond the deepest confirmation depth: the deepest reorg handled

Progress = Callable[[str, str, int, int], object]


class _Raced(Exception):
    """Another worker recorded this block first (internal: the pass re-reads the cursor)."""


class _Fork(Exception):
    """The block's parent is not the stored block below it (internal: the pass walks back)."""


class Watcher:
    """Watch addresses on any installed chain and report every transfer in or out of them.

    Args:
        store: a ``walletkit.signer.store.SQLiteStore`` (default: in memory) or ``PostgresStore``
            (several workers); it keeps cursors, recent block hashes, seen transfers and the outbox.
        confirmations: depth per chain name or alias (``{"eth": 2}``) over the defaults
            btc 3, eth 12, bsc 15, polygon 64, tron 19, sol 32 (others 12). At least 1.
        consumers: the outbox consumer names each event is written for.
        keep_blocks: block hashes kept beyond the chain's confirmation depth.

    Raises:
        InvalidInput: a depth that is not a positive integer, or no consumer name.

    >>> w = Watcher(confirmations={"ethereum": 2})
    >>> w.required("eth"), w.required("btc")
    (2, 3)
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        confirmations: Mapping[str, int] | None = None,
        consumers: Iterable[str] = ("default",),
        keep_blocks: int = KEEP_BLOCKS,
    ) -> None:
        if store is None:
            from walletkit.signer.store import SQLiteStore  # the embedded default, imported only when needed

            store = SQLiteStore()
        self.store: Store = store
        depths = dict(DEFAULT_CONFIRMATIONS)
        for name, depth in (confirmations or {}).items():
            if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
                raise InvalidInput(f"confirmations[{name!r}] is a positive integer of blocks, got {depth!r}")
            depths[get_chain(name).spec.name] = depth
        self.confirmations = depths
        self.consumers = tuple(consumers)
        if not self.consumers or not all(isinstance(c, str) and c for c in self.consumers):
            raise InvalidInput(f"consumers are non-empty names, got {self.consumers!r}")
        self.keep_blocks = keep_blocks
        create_tables(store)
        self._sets: dict[tuple[str, str], WatchSet] = {}
        self._owners: dict[tuple[str, str], dict[str, tuple[str, int, int]]] = {}
        self._xpubs: dict[str, XpubState] = {}
        self._scanners: dict[int, tuple[object, BlockScanner]] = {}
        self._stop = threading.Event()

    # --- what to watch ---------------------------------------------------------------------

    def required(self, chain: str) -> int:
        """Return the confirmation depth for ``chain`` (a name or alias)."""
        return self.confirmations.get(get_chain(chain).spec.name, FALLBACK_CONFIRMATIONS)

    def watch_set(self, chain: str, network: str | None = None) -> WatchSet:
        """Return the set of addresses watched on ``chain`` and ``network`` (default: the chain's first)."""
        spec = get_chain(chain).spec
        key = (spec.name, network or spec.default_network)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = WatchSet(key[0], key[1], self._coin_lookup(*key))
        return found

    def add(self, chain: str, addresses: str | Iterable[str], network: str | None = None) -> int:
        """Watch ``addresses`` on ``chain`` (checked and put in canonical form); return how many were new.

        Raises:
            InvalidAddress, WrongNetwork: an address that is not one of that chain and network.
        """
        plugin = get_chain(chain)
        net = network or plugin.spec.default_network
        items = [addresses] if isinstance(addresses, str) else list(addresses)
        return self.watch_set(chain, net).add(plugin.validate_address(a, net) for a in items)

    def add_wallet(self, wallet: Any, chain: str, count: int = 20, **account_options: Any) -> list[str]:
        """Watch the first ``count`` accounts of ``wallet`` on ``chain`` (``start``, ``kind``, ``network``... as
        :meth:`walletkit.Wallet.accounts` takes them); return their addresses."""
        accounts = wallet.accounts(chain, count, **account_options)
        addresses = [a.address for a in accounts]
        if accounts:
            self.watch_set(chain, accounts[0].network).add(addresses)
        return addresses

    def add_xpub(self, chain: str, xpub: str, gap_limit: int = 20, **options: Any) -> list[str]:
        """Watch the receive (0) and change (1) branches below an account-level xpub, by the BIP44 gap limit.

        Indexes ``0 .. used + gap_limit`` of each branch are watched, ``used`` being the highest
        index a transfer touched (kept in the store, so a restart resumes the window); a
        transfer to a higher index moves the window and rescans its block.

        Args:
            options: ``kind`` and ``network``, as :meth:`walletkit.Wallet.from_xpub` takes them.

        Returns:
            The addresses watched for this xpub now.

        Raises:
            InvalidInput: a gap limit below 1; InvalidExtendedKey: a bad key.
        """
        from walletkit.wallet import Wallet

        if isinstance(gap_limit, bool) or not isinstance(gap_limit, int) or gap_limit < 1:
            raise InvalidInput(f"gap_limit is a positive integer, got {gap_limit!r}")
        unknown = set(options) - {"kind", "network"}
        if unknown:
            raise InvalidInput(f"add_xpub takes kind= and network=, not {', '.join(sorted(unknown))}")
        probe = Wallet.from_xpub(xpub, chain, kind=options.get("kind"), network=options.get("network")).account(chain)
        name, network, kind = probe.chain, probe.network, probe.kind
        ident = xpub_id(name, network, kind, xpub)
        state = self._xpubs.get(ident)
        if state is None:
            state = self._xpubs[ident] = XpubState(ident, name, network, xpub.strip(), kind, gap_limit)
        state.gap_limit = max(state.gap_limit, gap_limit)
        with self.store.transaction() as db:
            for branch, used in self.store.run(
                db,
                "SELECT branch, used FROM watch_xpubs WHERE chain=? AND network=? AND xpub=?",
                (name, network, ident),
            ).fetchall():
                state.used[int(branch)] = max(state.used[int(branch)], int(used))
        self._grow(state)
        owners = self._owners.get((name, network), {})
        return [a for a, (i, _, _) in owners.items() if i == ident]

    def _grow(self, state: XpubState) -> bool:
        found = state.grow()
        if not found:
            return False
        owners = self._owners.setdefault((state.chain, state.network), {})
        for (branch, index), address in found.items():
            owners[address] = (state.id, branch, index)
        return self.watch_set(state.chain, state.network).add(found.values()) > 0

    def _refresh_xpubs(self, chain: str, network: str) -> None:
        # Another worker sharing the store may have moved a window: read the stored indexes.
        states = [s for s in self._xpubs.values() if (s.chain, s.network) == (chain, network)]
        if not states:
            return
        with self.store.transaction() as db:
            rows = self.store.run(
                db, "SELECT xpub, branch, used FROM watch_xpubs WHERE chain=? AND network=?", (chain, network)
            ).fetchall()
        for ident, branch, used in rows:
            state = self._xpubs.get(str(ident))
            if state is not None and int(used) > state.used[int(branch)]:
                state.used[int(branch)] = int(used)
                self._grow(state)

    def _extend(self, chain: str, network: str, transfers: Iterable[Transfer]) -> bool:
        owners = self._owners.get((chain, network))
        if not owners:
            return False
        grew = False
        for t in transfers:
            owner = owners.get(t.address)
            if owner is None:
                continue
            state = self._xpubs[owner[0]]
            if owner[2] > state.used[owner[1]]:
                state.used[owner[1]] = owner[2]
                state.dirty = True
                grew = self._grow(state) or grew
        return grew

    def _coin_lookup(self, chain: str, network: str) -> Callable[[list[str]], dict[str, tuple[str, int]]]:
        def lookup(outpoints: list[str]) -> dict[str, tuple[str, int]]:
            found: dict[str, tuple[str, int]] = {}
            with self.store.transaction() as db:
                for k in range(0, len(outpoints), 500):
                    part = outpoints[k : k + 500]
                    # Only "?" marks are formatted in; the outpoints are parameters.
                    sql = f"SELECT outpoint, address, value FROM watch_coins WHERE chain=? AND network=? AND spent_height IS NULL AND outpoint IN ({placeholders(len(part))})"  # noqa: S608
                    rows = self.store.run(db, sql, (chain, network, *part)).fetchall()
                    found.update({str(o): (str(a), int(v)) for o, a, v in rows})
            return found

        return lookup

    # --- one pass ----------------------------------------------------------------------------

    def scanner(self, client: object) -> BlockScanner:
        """Return the block scanner the client's chain plugin gives (``plugin.watch_scanner(client)``).

        Raises:
            UnsupportedOperation: the plugin has no ``watch_scanner``.
        """
        cached = self._scanners.get(id(client))
        if cached is not None and cached[0] is client:
            return cached[1]
        chain = getattr(client, "chain", None)
        if not isinstance(chain, str):
            raise InvalidInput(f"a client names its chain (client.chain), {type(client).__name__} does not")
        plugin = get_chain(chain)
        factory = getattr(plugin, "watch_scanner", None)
        if factory is None:
            raise UnsupportedOperation(f"the {plugin.spec.name} plugin cannot be watched (no watch_scanner)")
        made: BlockScanner = factory(client)
        self._scanners[id(client)] = (client, made)
        return made

    def poll(
        self, client: object, *, start: int | None = None, progress: Progress | None = None
    ) -> list[TransferEvent]:
        """Make one pass from the stored cursor to the node's head; return the events this pass recorded.

        Args:
            client: a client of a watched chain: ``wk.connect(...)``, or an anvil or kernel regtest engine.
                Solana is read over JSON-RPC (``wk.connect("sol", url)``): the in-process LiteSVM
                engine keeps no blocks, so it cannot be watched.
            start: where a chain with no stored cursor begins (default: the head block).
            progress: ``progress(chain, network, height, head)`` after each block.

        Every returned event is also in the outbox for each consumer (see :meth:`run`).

        Raises:
            NetworkError: the node failed (nothing half-recorded: the blocks before are kept).
            ReorgTooDeep: the node's chain forks below every kept block hash.
        """
        scanner = self.scanner(client)
        chain, network = scanner.chain, scanner.network
        watch = self.watch_set(chain, network)
        self._refresh_xpubs(chain, network)
        head = scanner.head()
        cursor = self._cursor(chain, network, head if start is None else start - 1)
        events: list[TransferEvent] = []
        stored = self._stored_hash(chain, network, cursor)
        if stored is not None and scanner.block_hash(cursor) != stored:
            events += self._rewind(scanner, cursor)
            cursor = self._cursor(chain, network, cursor)
        height = cursor + 1
        while height <= head and not self._stop.is_set():
            block = self._scan(scanner, height, watch)
            if block is None:
                break
            try:
                events += self._record(chain, network, block, head)
            except _Raced:
                height = self._cursor(chain, network, cursor) + 1
                continue
            except _Fork:
                events += self._rewind(scanner, height - 1)
                height = self._cursor(chain, network, cursor) + 1
                continue
            if progress is not None:
                progress(chain, network, height, head)
            height += 1
        events += self._confirm(chain, network, head)
        return events

    def _scan(self, scanner: BlockScanner, height: int, watch: WatchSet) -> ScannedBlock | None:
        while True:
            block = scanner.scan(height, watch)
            # A transfer at a higher xpub index moves the gap window: scan the block again with the new addresses.
            if block is None or not self._extend(scanner.chain, scanner.network, block.transfers):
                return block

    def _cursor(self, chain: str, network: str, default: int) -> int:
        with self.store.transaction() as db:
            self.store.run(
                db,
                "INSERT INTO watch_cursors (chain, network, height) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (chain, network, default),
            )
            row = self.store.run(
                db, "SELECT height FROM watch_cursors WHERE chain=? AND network=?", (chain, network)
            ).fetchone()
        return int(row[0])

    def _stored_hash(self, chain: str, network: str, height: int) -> str | None:
        with self.store.transaction() as db:
            row = self.store.run(
                db, "SELECT hash FROM watch_blocks WHERE chain=? AND network=? AND height=?", (chain, network, height)
            ).fetchone()
        return None if row is None else str(row[0])

    def _record(self, chain: str, network: str, block: ScannedBlock, head: int) -> list[TransferEvent]:
        required = self.confirmations.get(chain, FALLBACK_CONFIRMATIONS)
        depth = max(head - block.height + 1, 1)
        events: list[TransferEvent] = []
        run = self.store.run
        with self.store.transaction() as db:
            row = run(db, "SELECT height FROM watch_cursors WHERE chain=? AND network=?", (chain, network)).fetchone()
            if row is None or int(row[0]) != block.height - 1:
                raise _Raced
            parent = run(
                db,
                "SELECT hash FROM watch_blocks WHERE chain=? AND network=? AND height=?",
                (chain, network, block.height - 1),
            ).fetchone()
            if parent is not None and str(parent[0]) != block.parent_hash:
                raise _Fork
            for t in block.transfers:
                key = t.key(chain, network)
                found = run(
                    db, "SELECT status, revision FROM watch_transfers WHERE key=? AND block_hash=?", (key, block.hash)
                ).fetchone()
                if found is not None and found[0] != "reverted":
                    continue  # recorded already (a block scanned twice in one pass)
                revision = 0 if found is None else int(found[1]) + 1
                status = "confirmed" if depth >= required else "seen"
                if found is None:
                    run(
                        db,
                        "INSERT INTO watch_transfers (key, block_hash, chain, network, height, status, revision, data)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (key, block.hash, chain, network, block.height, status, revision, json.dumps(t.to_dict())),
                    )
                else:
                    run(
                        db,
                        "UPDATE watch_transfers SET status=?, revision=? WHERE key=? AND block_hash=?",
                        (status, revision, key, block.hash),
                    )
                events.append(make_event(chain, network, t, block.height, block.hash, depth, "seen", revision))
                if status == "confirmed":
                    events.append(make_event(chain, network, t, block.height, block.hash, depth, "confirmed", revision))
                if t.outpoint is not None:
                    self._coin(db, chain, network, t, block.height)
            for state in self._xpubs.values():
                if state.dirty and (state.chain, state.network) == (chain, network):
                    for branch in (0, 1):
                        run(
                            db,
                            "INSERT INTO watch_xpubs (chain, network, xpub, branch, used) VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT (chain, network, xpub, branch) DO UPDATE SET used=excluded.used"
                            " WHERE watch_xpubs.used < excluded.used",
                            (chain, network, state.id, branch, state.used[branch]),
                        )
            run(
                db,
                "INSERT INTO watch_blocks (chain, network, height, hash) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (chain, network, height) DO UPDATE SET hash=excluded.hash",
                (chain, network, block.height, block.hash),
            )
            run(
                db,
                "DELETE FROM watch_blocks WHERE chain=? AND network=? AND height<?",
                (chain, network, block.height - required - self.keep_blocks),
            )
            run(db, "UPDATE watch_cursors SET height=? WHERE chain=? AND network=?", (block.height, chain, network))
            self._enqueue(db, events)
        for state in self._xpubs.values():
            if (state.chain, state.network) == (chain, network):
                state.dirty = False
        return events

    def _coin(self, db: Any, chain: str, network: str, t: Transfer, height: int) -> None:
        if t.direction == "in":
            self.store.run(
                db,
                "INSERT INTO watch_coins (chain, network, outpoint, address, value, height) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (chain, network, outpoint) DO UPDATE SET height=excluded.height, spent_height=NULL",
                (chain, network, t.outpoint, t.address, str(t.amount), height),
            )
        else:
            self.store.run(
                db,
                "UPDATE watch_coins SET spent_height=? WHERE chain=? AND network=? AND outpoint=?",
                (height, chain, network, t.outpoint),
            )

    def _enqueue(self, db: Any, events: list[TransferEvent]) -> None:
        now = self.store.clock()
        for event in events:
            text = event.to_json()
            for consumer in self.consumers:
                self.store.run(
                    db,
                    "INSERT INTO watch_outbox (consumer, id, event, state, attempts, next_at, created)"
                    " VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING",
                    (consumer, event.id, text, now, now),
                )

    def _rewind(self, scanner: BlockScanner, cursor: int) -> list[TransferEvent]:
        """Walk back to the highest kept block the node still has; revert everything above it."""
        chain, network = scanner.chain, scanner.network
        with self.store.transaction() as db:
            kept = self.store.run(
                db,
                "SELECT height, hash FROM watch_blocks WHERE chain=? AND network=? AND height<=? ORDER BY height DESC",
                (chain, network, cursor),
            ).fetchall()
        fork: int | None = None
        for height, stored in kept:
            if scanner.block_hash(int(height)) == str(stored):
                fork = int(height)
                break
        if fork is None:
            window = self.confirmations.get(chain, FALLBACK_CONFIRMATIONS) + self.keep_blocks
            if not kept or len(kept) >= window:
                raise ReorgTooDeep(
                    f"{chain} {network}: the node's chain differs from every kept block hash "
                    f"({len(kept)} kept, down to height {int(kept[-1][0]) if kept else cursor}); "
                    "raise keep_blocks, or reset the cursor and rescan"
                )
            fork = int(kept[-1][0]) - 1  # everything this watcher ever scanned was orphaned
        events: list[TransferEvent] = []
        run = self.store.run
        with self.store.transaction() as db:
            row = run(db, "SELECT height FROM watch_cursors WHERE chain=? AND network=?", (chain, network)).fetchone()
            if row is None or int(row[0]) != cursor:
                return []  # another worker handled it meanwhile
            rows = run(
                db,
                "SELECT key, block_hash, height, revision, data FROM watch_transfers WHERE chain=? AND network=?"
                " AND height>? AND status<>'reverted' ORDER BY height, key",
                (chain, network, fork),
            ).fetchall()
            for key, block_hash, height, revision, data in rows:
                t = Transfer.from_dict(json.loads(data))
                events.append(make_event(chain, network, t, int(height), str(block_hash), 0, "reverted", int(revision)))
                run(
                    db,
                    "UPDATE watch_transfers SET status='reverted' WHERE key=? AND block_hash=?",
                    (key, block_hash),
                )
            run(db, "DELETE FROM watch_coins WHERE chain=? AND network=? AND height>?", (chain, network, fork))
            run(
                db,
                "UPDATE watch_coins SET spent_height=NULL WHERE chain=? AND network=? AND spent_height>?",
                (chain, network, fork),
            )
            run(db, "DELETE FROM watch_blocks WHERE chain=? AND network=? AND height>?", (chain, network, fork))
            run(db, "UPDATE watch_cursors SET height=? WHERE chain=? AND network=?", (fork, chain, network))
            self._enqueue(db, events)
        log.warning("%s %s: reorg below height %d; %d events reverted", chain, network, fork + 1, len(events))
        return events

    def _confirm(self, chain: str, network: str, head: int) -> list[TransferEvent]:
        required = self.confirmations.get(chain, FALLBACK_CONFIRMATIONS)
        events: list[TransferEvent] = []
        with self.store.transaction() as db:
            rows = self.store.run(
                db,
                "SELECT key, block_hash, height, revision, data FROM watch_transfers WHERE chain=? AND network=?"
                " AND status='seen' AND height<=? ORDER BY height, key",
                (chain, network, head - required + 1),
            ).fetchall()
            for key, block_hash, height, revision, data in rows:
                t = Transfer.from_dict(json.loads(data))
                events.append(
                    make_event(
                        chain,
                        network,
                        t,
                        int(height),
                        str(block_hash),
                        head - int(height) + 1,
                        "confirmed",
                        int(revision),
                    )
                )
                self.store.run(
                    db,
                    "UPDATE watch_transfers SET status='confirmed' WHERE key=? AND block_hash=?",
                    (key, block_hash),
                )
            self._enqueue(db, events)
        return events

    # --- the loop --------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` (and a pass in progress) to stop after the block it is on."""
        self._stop.set()

    def run(
        self,
        clients: object | Iterable[object],
        handler: Sink | Callable[[TransferEvent], object],
        interval: float = 5.0,
        *,
        start: int | None = None,
        consumer: str | None = None,
        progress: Progress | None = None,
        passes: int | None = None,
    ) -> None:
        """Poll every client, deliver the outbox to ``handler``, wait ``interval`` s; until stopped.

        SIGTERM and SIGINT (when called from the main thread) and :meth:`stop` end the loop
        after the current block, with everything recorded so far kept; the previous signal
        handlers come back on return. A node that fails is logged and tried again next pass.

        Args:
            clients: one client or several (one per chain and network).
            handler: a callable ``handler(event)``, or a sink (``WebhookSink``, ``TransactionalSink``).
            consumer: the outbox consumer to deliver (default: the first of ``consumers``).
            passes: stop after this many passes (default: run until stopped).
        """
        from walletkit.errors import NetworkError

        many = list(clients) if isinstance(clients, (list, tuple)) else [clients]
        sink: Any = handler if hasattr(handler, "deliver") or hasattr(handler, "deliver_in") else CallbackSink(handler)
        outbox = Outbox(self.store, consumer or self.consumers[0])
        done = 0
        try:
            with stop_on_signals(self):
                while not self._stop.is_set():
                    for client in many:
                        try:
                            self.poll(client, start=start, progress=progress)
                        except NetworkError as e:
                            log.warning("%s: %s; trying again next pass", getattr(client, "chain", "?"), e)
                        if self._stop.is_set():
                            break
                    outbox.deliver(sink)
                    done += 1
                    if passes is not None and done >= passes:
                        break
                    self._stop.wait(interval)
        finally:
            outbox.close()

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called (or a signal arrived under :func:`stop_on_signals`)."""
        return self._stop.is_set()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` between passes, returning early (True) when stopped."""
        return self._stop.wait(seconds)


@contextmanager
def stop_on_signals(watcher: Watcher) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT call ``watcher.stop()`` (main thread only); the old handlers come back after.

    The watcher clears any earlier stop on entry.
    """
    watcher._stop.clear()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: stopping after the current block", signum)
            watcher.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
