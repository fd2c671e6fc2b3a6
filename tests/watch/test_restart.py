"""The watcher killed with SIGKILL mid-run and restarted: nothing lost, nothing credited twice; SIGTERM stops it cleanly.

The watcher runs in a subprocess (tests/watch/watch_worker.py) over an SQLite file and credits
events into the store inside the outbox's transaction. The test reads the worker's output line by
line and kills it after 50 credits: no sleep decides when.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import walletkit as wk
from chains.evm.anvil import AnvilEngine
from tests.watch.evm_lab import EvmLab, Expected, deposits, withdrawals
from walletkit.testing import start_engine
from walletkit.watch import TransferEvent

WORKER = Path(__file__).parent / "watch_worker.py"
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.fixture(scope="module")
def lab() -> Iterator[EvmLab]:
    engine = start_engine("eth")
    assert isinstance(engine, AnvilEngine)
    with engine:
        made = EvmLab(engine)
        made.setup_tokens()
        yield made


def spawn(
    store: str, lab: EvmLab, addresses: Path, start: int, mode: str, worker: int = 0, gate: bool = False
) -> subprocess.Popen[str]:
    """Start a watcher worker process; its stdout is a pipe of credited event ids (and stdin one of words)."""
    return subprocess.Popen(
        [
            sys.executable,
            str(WORKER),
            "--store",
            store,
            "--node",
            lab.engine.url,
            "--addresses",
            str(addresses),
            "--start",
            str(start),
            "--mode",
            mode,
            "--worker",
            str(worker),
            *(["--gate"] if gate else []),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_lines(process: subprocess.Popen[str], count: int) -> list[str]:
    """Read ``count`` lines of the worker's output (blocking reads; a worker that ends early fails the test)."""
    assert process.stdout is not None
    lines = []
    while len(lines) < count:
        line = process.stdout.readline()
        assert line, f"the worker ended early: {process.wait()} {process.stderr.read() if process.stderr else ''}"
        lines.append(line.strip())
    return lines


def as_expected(events: list[TransferEvent], status: str) -> Counter[Expected]:
    return Counter(
        Expected(e.txid, e.direction, e.address, e.counterparty or "", e.asset, e.amount)
        for e in events
        if e.status == status
    )


def test_sigkill_mid_run_then_restart(lab: EvmLab, tmp_path: Path) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    accounts = wallet.accounts("eth", count=1000, start=5000)
    addresses = tmp_path / "addresses.json"
    addresses.write_text(json.dumps([a.address for a in accounts]))
    start = lab.height() + 1
    expected = deposits(lab, [a.address for a in accounts], count=300)
    expected += withdrawals(lab, accounts, expected)
    lab.mine(3)  # deep enough for confirmations=3
    store = str(tmp_path / "watch.db")
    first = spawn(store, lab, addresses, start, "run")
    read_lines(first, 51)  # "ready", then 50 credits
    first.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL
    with sqlite3.connect(store) as db:
        credited = db.execute("SELECT COUNT(*) FROM credits").fetchone()[0]
    # Killed mid-run: ids are printed inside the delivery transaction (10 events each), so up to 10 of
    # the 50 printed may have been rolled back with the kill; they must come again, once.
    assert 40 <= credited < 2 * len(expected)
    second = spawn(store, lab, addresses, start, "drain")
    _out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err[-2000:]
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT id, event FROM credits").fetchall()
    ids = Counter(row[0] for row in rows)
    assert ids.most_common(1)[0][1] == 1  # nothing twice
    events = [TransferEvent.from_json(row[1]) for row in rows]
    assert as_expected(events, "seen") == Counter(expected)  # nothing lost
    assert as_expected(events, "confirmed") == Counter(expected)
    assert len(rows) == 2 * len(expected)


def test_sigterm_stops_the_loop_cleanly(lab: EvmLab, tmp_path: Path) -> None:
    addresses = tmp_path / "addresses.json"
    addresses.write_text(json.dumps([lab.funders[4].address]))
    store = str(tmp_path / "watch.db")
    lab.mine()
    worker = spawn(store, lab, addresses, lab.height(), "run")
    assert read_lines(worker, 1) == ["ready"]
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err[-2000:]
    assert out.split() == ["stopped"]
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT height FROM watch_cursors").fetchone()[0] >= lab.height() - 1
