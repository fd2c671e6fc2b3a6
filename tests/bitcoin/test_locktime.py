"""nSequence and nLockTime: bounded as Core serializes them, and a locktime that binds (issue 16, item 2).

The kind: every integer field of a Bitcoin transaction is checked against its spec's bounds
when it is built. version, vout, nSequence and nLockTime are 4-byte unsigned integers in
Core's serialization (``CTxIn::nSequence``, ``CTransaction::nLockTime``); a value past them
used to be found only by ``int.to_bytes`` when signing, or not at all. And a locktime is a
promise only while some input is non-final: with ``rbf=False`` every input was 0xffffffff, so
Core ignored nLockTime and the transaction was valid at once. Core's wallet writes 0xfffffffe
then (``ConstructTransaction``); so does walletkit. Serialization is read back by embit, and
finality is judged by libbitcoinkernel on a regtest chain, never by walletkit itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from embit.transaction import Transaction as EmbitTransaction
from hypothesis import given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from walletkit.errors import BroadcastRejected, InvalidTransaction

WALLET = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
ACCOUNT = WALLET.account("btc", network="regtest")
TO = WALLET.account("btc", index=9, network="regtest").address
BTC = 10**8


def _utxos() -> list[dict[str, object]]:
    return [{"txid": os.urandom(32).hex(), "vout": 0, "value": 2 * BTC}]


@pytest.mark.parametrize("locktime", [-1, 2**32, 2**64, True, "5", 5.0, None])
def test_bitcoin_refuses_sequence_and_locktime_past_their_bounds(locktime: object) -> None:
    with pytest.raises(InvalidTransaction, match="locktime is nLockTime, a 4-byte unsigned integer"):
        ACCOUNT.transfer(TO, BTC, utxos=_utxos(), fee_rate=2, locktime=locktime)


@pytest.mark.parametrize(
    "build",
    [
        lambda: TxIn(OutPoint("11" * 32, 0), sequence=2**32),
        lambda: TxIn(OutPoint("11" * 32, 0), sequence=-1),
        lambda: TxIn(OutPoint("11" * 32, 0), sequence=True),
        lambda: OutPoint("11" * 32, 2**32),
        lambda: OutPoint("11" * 32, -1),
        lambda: OutPoint("11" * 31, 0),
        lambda: OutPoint("zz" * 32, 0),
        lambda: Transaction((TxIn(OutPoint("11" * 32, 0)),), (TxOut(1, b"\x51"),), locktime=2**32),
        lambda: Transaction((TxIn(OutPoint("11" * 32, 0)),), (TxOut(1, b"\x51"),), version=-1),
    ],
    ids=[
        "sequence 2^32",
        "sequence -1",
        "sequence bool",
        "vout 2^32",
        "vout -1",
        "txid 31 bytes",
        "txid not hex",
        "locktime 2^32",
        "version -1",
    ],
)
def test_bitcoin_refuses_sequence_and_locktime_past_their_bounds_in_the_model(build: Any) -> None:
    with pytest.raises(InvalidTransaction, match=r"txid is 64 hex digits|4-byte unsigned integer"):
        build()


def test_rbf_is_a_bool() -> None:
    with pytest.raises(InvalidTransaction, match="rbf is True or False"):
        ACCOUNT.transfer(TO, BTC, utxos=_utxos(), fee_rate=2, rbf="no")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_sequence_and_locktime_at_every_value_serialize_as_embit_reads_them(locktime: int, rbf: bool) -> None:
    transfer = ACCOUNT.transfer(TO, BTC, utxos=_utxos(), fee_rate=2, locktime=locktime, rbf=rbf)
    raw = ACCOUNT.sign(transfer).raw
    theirs = EmbitTransaction.parse(raw)
    assert theirs.locktime == locktime
    expected = 0xFFFFFFFD if rbf else 0xFFFFFFFE if locktime else 0xFFFFFFFF  # Core's ConstructTransaction
    assert [txin.sequence for txin in theirs.vin] == [expected] * len(theirs.vin)


@pytest.fixture(scope="module")
def kernel_log() -> Iterator[list[str]]:
    """What libbitcoinkernel logs (its reject reasons, such as bad-txns-nonfinal), read through its own API."""
    import pbk

    lines: list[str] = []
    connection = pbk.LoggingConnection(lines.append)
    yield lines
    del connection


def _refused_as_nonfinal(chain: Any, tx: Transaction, log: list[str]) -> None:
    log.clear()
    with pytest.raises(BroadcastRejected, match="refused block"):
        chain.mine(1, txs=[tx])
    assert any("bad-txns-nonfinal" in line for line in log), log[-5:]
    assert tx.txid not in chain.confirmed


@pytest.fixture(scope="module")
def funded(wk_engine: Any) -> tuple[Any, wk.Account]:
    chain = wk_engine("btc")
    account = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    for _ in range(4):
        chain.mine(1, to=account.address)
    chain.mine(100)  # coinbase maturity
    return chain, account


def _signed(chain: Any, account: wk.Account, coin: int, **fields: object) -> Transaction:
    c = chain.utxos(account.address)[coin]
    utxo = {"txid": c.outpoint.txid, "vout": c.outpoint.vout, "value": c.output.value}
    signed = account.sign(account.transfer(TO, BTC, utxos=[utxo], fee_rate=2, **fields))
    tx = signed.extra["tx"]
    assert isinstance(tx, Transaction)
    return tx


@pytest.mark.parametrize("rbf", [False, True])
def test_a_height_locktime_binds_whether_or_not_rbf_is_signalled(
    funded: tuple[Any, wk.Account], kernel_log: list[str], rbf: bool
) -> None:
    chain, account = funded
    locktime = chain.height + 3
    tx = _signed(chain, account, 0, locktime=locktime, rbf=rbf)
    assert all(txin.sequence != 0xFFFFFFFF for txin in tx.inputs)
    _refused_as_nonfinal(chain, tx, kernel_log)
    while chain.height < locktime:
        chain.mine(1)
    chain.mine(1, txs=[tx])  # block locktime + 1: nLockTime < height, final now
    assert chain.confirmed[tx.txid] == locktime + 1


def test_a_time_locktime_binds_against_median_time_past(funded: tuple[Any, wk.Account], kernel_log: list[str]) -> None:
    chain, account = funded
    future = _signed(chain, account, 0, locktime=2_000_000_000, rbf=False)  # 2033; regtest time is 2011
    _refused_as_nonfinal(chain, future, kernel_log)
    past = _signed(chain, account, 0, locktime=500_000_000, rbf=False)  # 1985: already past
    chain.mine(1, txs=[past])
    assert past.txid in chain.confirmed


def test_final_sequences_would_have_ignored_the_locktime(funded: tuple[Any, wk.Account]) -> None:
    # What rbf=False used to build: every input 0xffffffff. The kernel mines it at once,
    # however far the locktime; this is the silent no-op the builder no longer makes.
    chain, account = funded
    from chains.bitcoin import signer

    c = chain.utxos(account.address)[0]
    utxo = {"txid": c.outpoint.txid, "vout": c.outpoint.vout, "value": c.output.value}
    transfer = account.transfer(TO, BTC, utxos=[utxo], fee_rate=2, locktime=chain.height + 1000, rbf=False)
    tx = transfer.tx.with_input(0, sequence=0xFFFFFFFF)  # type: ignore[attr-defined]
    tx = signer.sign_input(
        tx,
        0,
        account.signing_key().secret_bytes(),
        account.public_key.data,
        list(transfer.spent),  # type: ignore[attr-defined]
    )
    chain.mine(1, txs=[tx])
    assert tx.txid in chain.confirmed
