"""The signer on anvil: idempotency, rolling limits under concurrency, audit trail with tamper detection."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore


def _policy(allowed: str, window_eth: str = "1000") -> Policy:
    return Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{allowed}"]
max_per_tx = "1"
window = {{ amount = "{window_eth}", seconds = 3600 }}
max_fee = "0.01"
""")


@pytest.fixture
def setup(anvil_eth: Any, tmp_path: Path) -> tuple[Any, wk.Account, wk.Account, Signer]:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 100 * 10**18)
    return anvil_eth, sender, receiver, Signer(_policy(receiver.address), SQLiteStore(tmp_path / "signer.db"))


def test_idempotent_retries_broadcast_once(setup: tuple[Any, wk.Account, wk.Account, Signer]) -> None:
    node, sender, receiver, signer = setup
    txids = {signer.send(sender, node, receiver.address, 10**15, idempotency_key="order-42") for _ in range(1000)}
    assert len(txids) == 1
    assert node.w3.eth.get_transaction_count(sender.address) == 1
    assert node.balance(receiver.address) == 10**15
    with pytest.raises(wk.errors.IdempotencyConflict):
        signer.transfer(sender, receiver.address, 2 * 10**15, idempotency_key="order-42-signed", nonce=0, gas_price=1)
        signer.transfer(sender, receiver.address, 3 * 10**15, idempotency_key="order-42-signed", nonce=0, gas_price=1)


def test_concurrent_sends_respect_limits_and_nonces(anvil_eth: Any, tmp_path: Path) -> None:
    node = anvil_eth
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    node.fund(sender.address, 100 * 10**18)
    store = SQLiteStore(tmp_path / "c.db")
    signer = Signer(_policy(receiver.address, window_eth="0.15"), store)  # room for 150 of the 200 sends
    unit = 10**15
    sent: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()
    client = sender.connect(node).client

    def worker() -> None:
        for _ in range(25):
            try:
                txid = signer.send(sender, client, receiver.address, unit)
                with lock:
                    sent.append(txid)
            except wk.errors.PolicyViolation as e:
                with lock:
                    refused.append(e.rule)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 150 and refused == ["rolling_window"] * 50
    assert node.balance(receiver.address) == 150 * unit  # the window limit was never exceeded
    nonces = sorted(node.w3.eth.get_transaction(t)["nonce"] for t in sent)
    assert nonces == list(range(150))  # contiguous, no duplicate: refusals take no nonce
    assert store.verify_audit()
    decisions = [e["decision"] for e in store.audit_events()]
    assert decisions.count("signed") == 150 and decisions.count("refused") == 50
    # The refused requests gave their nonces back: the next send continues without a gap.
    roomy = Signer(_policy(receiver.address), store)
    txid = roomy.send(sender, client, receiver.address, unit)
    assert node.w3.eth.get_transaction(txid)["nonce"] == 150


def test_audit_chain_detects_an_edit(setup: tuple[Any, wk.Account, wk.Account, Signer]) -> None:
    node, sender, receiver, signer = setup
    signer.send(sender, node, receiver.address, 10**15)
    with pytest.raises(wk.errors.PolicyViolation):
        signer.send(sender, node, "0x" + "12" * 20, 10**15)
    store = signer.store
    events = store.audit_events()
    assert [e["decision"] for e in events] == ["signed", "refused"]
    assert store.verify_audit()
    assert all("private" not in str(e) and sender.export_private_key() not in str(e) for e in events)
    store.execute("UPDATE audit SET event = replace(event, '1000000000000000', '1') WHERE seq = 1")
    assert not store.verify_audit()
