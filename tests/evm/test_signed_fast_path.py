"""The EIP-1559 signing fast path (issue 18) gives what eth-account gives, under threads too.

- A signed EVM transaction computes its ``txid`` when first read: it is eth-account's hash
  of the same transaction, and the object still behaves as a frozen, comparable, picklable
  :class:`walletkit.SignedTransaction` (``dataclasses.replace``, ``asdict``, ``copy``).
- Recoverable signing reuses one set of output buffers per thread: many threads signing
  different digests at once each get coincurve's own signature of their digest.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from typing import Any

import coincurve
import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from walletkit.crypto import secp256k1

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TO = "0xF0109fC8DF283027b6285cc889F5aA624EaC1F55"
FEES: dict[str, Any] = {"gas": 21000, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}


def _eth_account(nonce: int, value: int) -> tuple[bytes, str]:
    tx = {
        "to": TO,
        "value": value,
        "nonce": nonce,
        "gas": 21000,
        "maxFeePerGas": 30 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "chainId": 1,
        "type": 2,
    }
    signed = EthAccount.sign_transaction(tx, KEY)
    return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


@pytest.mark.parametrize("nonce,value", [(0, 0), (7, 10**18), (2**32, 1)])
def test_lazy_txid_is_eth_accounts_hash(nonce: int, value: int) -> None:
    account = wk.Account.from_private_key("eth", KEY)
    signed = account.sign(account.transfer(TO, value, nonce=nonce, **FEES))
    raw, txid = _eth_account(nonce, value)
    assert signed.raw == raw
    assert signed.txid == txid
    assert signed.txid == txid  # read twice: the kept value
    assert isinstance(signed, wk.SignedTransaction)


def test_lazy_txid_behaves_as_a_signed_transaction() -> None:
    account = wk.Account.from_private_key("eth", KEY)
    first = account.sign(account.transfer(TO, 5, nonce=1, **FEES))
    second = account.sign(account.transfer(TO, 5, nonce=1, **FEES))
    raw, txid = _eth_account(1, 5)
    # Equal by value, whether or not the other's txid was read yet.
    assert first == second
    unread = account.sign(account.transfer(TO, 5, nonce=1, **FEES))
    assert pickle.loads(pickle.dumps(unread)).txid == txid  # noqa: S301 (our own bytes)
    assert copy.copy(unread).txid == txid
    assert copy.deepcopy(unread).raw == raw
    assert dataclasses.asdict(unread)["txid"] == txid
    assert dataclasses.replace(unread, chain="eth").txid == txid
    assert txid in repr(unread)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.txid = "0x00"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.raw = b""  # type: ignore[misc]
    assert first.txid == txid
    assert first.extra["from"] == account.address and first.extra["tx"] is not None
    # A different transaction is not equal, and its hash differs.
    other = account.sign(account.transfer(TO, 6, nonce=1, **FEES))
    assert other != first and other.txid == _eth_account(1, 6)[1]


def test_recoverable_signing_buffers_are_per_thread() -> None:
    secrets = [bytes(31) + bytes([n + 1]) for n in range(8)]
    digests = [bytes([n]) * 32 for n in range(1, 41)]
    errors: list[BaseException] = []
    mismatches: list[tuple[int, int]] = []
    start = threading.Barrier(len(secrets))

    def work(index: int) -> None:
        try:
            secret = secrets[index]
            reference = coincurve.PrivateKey(secret)
            start.wait()
            for _ in range(25):
                for d, digest in enumerate(digests):
                    ours = secp256k1.sign_recoverable_compact(secret, digest)
                    if ours != reference.sign_recoverable(digest, hasher=None):
                        mismatches.append((index, d))
        except BaseException as e:  # reported below, in the test's own thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(secrets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert not mismatches


def test_recoverable_signing_refuses_bad_sizes_with_a_typed_error() -> None:
    with pytest.raises(wk.errors.InvalidKey, match="32-byte"):
        secp256k1.sign_recoverable_compact(bytes(31) + b"\x01", bytes(31))
    with pytest.raises(wk.errors.InvalidKey, match="refused"):
        secp256k1.sign_recoverable_compact(bytes(32), bytes(32))  # zero is not a secret
