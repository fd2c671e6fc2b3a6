"""A watcher process for the restart and multi-worker tests (run as a script, never imported for work).

It watches the addresses of a JSON file on an EVM node and credits every event into the table
``credits`` of the store, inside the outbox's transaction (a TransactionalSink): the credit and
the "done" mark commit together. Each credited event id is printed on its own line, so the test
knows how far the worker got (and when to kill it) by reading, never by waiting.

With ``--gate`` a drain worker prints ``ready`` and starts when a line arrives on stdin.
Modes: ``run`` loops until SIGTERM/SIGINT (then prints ``stopped``); ``drain`` polls and delivers
until the cursor is at the head and nothing is pending, then exits.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def main(argv: list[str]) -> int:
    import walletkit as wk
    from walletkit.signer.store import PostgresStore, SQLiteStore
    from walletkit.watch import Outbox, TransactionalSink, TransferEvent, Watcher

    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--node", required=True)
    parser.add_argument("--addresses", required=True)
    parser.add_argument("--start", type=int, required=True)
    parser.add_argument("--worker", type=int, default=0)
    parser.add_argument("--mode", choices=("run", "drain"), default="drain")
    parser.add_argument("--gate", action="store_true", help='print "ready", then start on a line from stdin')
    args = parser.parse_args(argv)
    store: Any = PostgresStore(args.store) if args.store.startswith("postgresql:") else SQLiteStore(args.store)
    with store.transaction() as db:
        store.run(
            db,
            "CREATE TABLE IF NOT EXISTS credits (id TEXT NOT NULL, event TEXT NOT NULL, worker INTEGER NOT NULL)",
        )
    watcher = Watcher(store, confirmations={"eth": 3})
    with open(args.addresses, encoding="utf-8") as f:
        watcher.add("eth", json.load(f))
    client = wk.connect("eth", args.node)

    def credit(db: Any, event: TransferEvent) -> None:
        store.run(
            db, "INSERT INTO credits (id, event, worker) VALUES (?, ?, ?)", (event.id, event.to_json(), args.worker)
        )
        print(event.id, flush=True)

    sink = TransactionalSink(credit)
    if args.mode == "run":
        announced = []

        def progress(chain: str, network: str, height: int, head: int) -> None:
            if not announced:
                announced.append(height)
                print("ready", flush=True)

        watcher.run(client, sink, interval=0.05, start=args.start, progress=progress)
        print("stopped", flush=True)
        return 0
    outbox = Outbox(store)
    scanner = watcher.scanner(client)
    if args.gate:  # several workers start together: each waits for the test's word, read from stdin
        print("ready", flush=True)
        sys.stdin.readline()
    while True:
        watcher.poll(client, start=args.start)
        outbox.deliver(sink)
        with store.transaction() as db:
            row = store.run(db, "SELECT height FROM watch_cursors WHERE chain='eth'").fetchone()
        if int(row[0]) >= scanner.head() and outbox.pending() == 0:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
