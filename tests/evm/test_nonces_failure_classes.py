"""Failure class 27 (tests/hardening/FAILURE-CLASSES.md): nonce races under concurrency, on a real node.

Rewritten from tests/hardening/test_failure_classes.py, where a stub stood in for the node. Here
anvil (walletkit.testing, chain id 1) is the judge: it refuses a nonce already used, leaves a
transaction queued (never mined) behind a nonce gap, and counts the account's transactions.
tests/evm/test_anvil.py::test_concurrent_sends_have_contiguous_nonces sends 8 x 25 from a fresh
account with every broadcast accepted; this test adds what that one does not reach: a nonce floor
read from the node, broadcasts the node refuses in the middle of the race, and a second client
whose view of the nonce went stale.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import walletkit as wk

ETHER = 10**18
THREADS, SENDS = 8, 10
REFUSED_AT = (2, 7)  # each thread's 3rd and 8th send offer a fee the node refuses; its last sends are good


def test_fc_27_nonce_races(anvil_eth: Any) -> None:
    """Failure class 27. geth: nonce assignment is racy (go-ethereum#1482); web3.js#1301; web3j#91; nucypher#1433.

    K x M concurrent sends on a dev node: 8 threads x 10 sends through one client,
    some of them refused by the node after their nonce was taken.
    """
    node = anvil_eth
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender, receiver = wallet.accounts("eth", count=2)
    node.fund(sender.address, 10 * ETHER)

    # Another client (another process, say) sends first: the node's count, not 0, is the floor.
    other = sender.connect(wk.connect("eth", node.url))
    before = [other.send(receiver.address, 1) for _ in range(3)]
    assert node.w3.eth.get_transaction_count(sender.address) == 3

    connected = sender.connect(wk.connect("eth", node.url))  # a fresh client: it knows no nonce yet
    txids: list[str] = []
    refusals: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for i in range(SENDS):
                if i in REFUSED_AT:
                    # A fee under the block's base fee: the nonce is reserved, then the node refuses.
                    # (EIP-1559's base fee never falls below 7 wei: its decrease rounds to 0 there.)
                    with pytest.raises(wk.errors.BroadcastRejected) as refused:
                        connected.send(receiver.address, 1, max_fee_per_gas=1, max_priority_fee_per_gas=1)
                    with lock:
                        refusals.append(str(refused.value))
                    continue
                txid = connected.send(receiver.address, 1)
                with lock:
                    txids.append(txid)
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    good = THREADS * (SENDS - len(REFUSED_AT))
    assert len(refusals) == THREADS * len(REFUSED_AT)
    assert all("base fee" in text for text in refusals), refusals[:3]  # the node's own reason
    assert len(set(txids)) == len(txids) == good
    # The node's view: no nonce used twice, none skipped (a gap would leave the rest queued, unmined).
    nonces = sorted(node.w3.eth.get_transaction(t)["nonce"] for t in txids)
    assert nonces == list(range(3, 3 + good))
    assert all(node.w3.eth.get_transaction_receipt(t)["status"] == 1 for t in before + txids)
    assert node.w3.eth.get_transaction_count(sender.address) == 3 + good
    assert node.w3.eth.get_transaction_count(sender.address, "pending") == 3 + good
    assert node.balance(receiver.address) == 3 + good  # only the accepted sends moved value

    # The first client's view is stale now (it would hand out nonce 3): the node says "nonce too
    # low", the client re-reads the node's count, and the retry takes the next free nonce.
    with pytest.raises(wk.errors.BroadcastRejected, match="nonce too low"):
        other.send(receiver.address, 1)
    retried = other.send(receiver.address, 1)
    assert node.w3.eth.get_transaction(retried)["nonce"] == 3 + good
    assert node.w3.eth.get_transaction_count(sender.address) == 4 + good
