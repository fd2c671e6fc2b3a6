"""The watcher on anvil: 1,000 derived addresses, 300 deposits (native, ERC-20, ERC-721, ERC-1155 single and
batch) from four senders and outgoing sends, each reported once; a reorg by snapshot and revert.

The transfers expected are written down by the lab as it sends them (tests/watch/evm_lab.py);
the events are compared with those, field by field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

import walletkit as wk
from chains.evm.anvil import AnvilEngine
from tests.watch.evm_lab import EvmLab, Expected, deposits, withdrawals
from walletkit.testing import start_engine
from walletkit.watch import ReorgTooDeep, TransferEvent, Watcher

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.fixture(scope="module")
def lab() -> Iterator[EvmLab]:
    engine = start_engine("eth")
    assert isinstance(engine, AnvilEngine)
    with engine:
        made = EvmLab(engine)
        made.setup_tokens()
        yield made


def _seen(events: list[TransferEvent], status: str = "seen") -> Counter[Expected]:
    return Counter(
        Expected(e.txid, e.direction, e.address, e.counterparty or "", e.asset, e.amount)
        for e in events
        if e.status == status
    )


def test_every_deposit_and_withdrawal_once(lab: EvmLab) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    accounts = wallet.accounts("eth", count=1000)
    watcher = Watcher(confirmations={"eth": 3})
    assert watcher.add_wallet(wallet, "eth", count=1000) == [a.address for a in accounts]
    events = watcher.poll(lab.engine)  # the cursor starts at the head: nothing before it is reported
    assert events == []
    start = lab.height() + 1
    expected = deposits(lab, [a.address for a in accounts], count=300)
    assert all(lab.status(e.txid) == 1 for e in expected)
    events += watcher.poll(lab.engine)
    sent = withdrawals(lab, accounts, expected)
    assert {e.asset for e in sent} == {"native", lab.contracts["erc20"]}
    expected += sent
    events += watcher.poll(lab.engine)
    lab.mine(3)
    events += watcher.poll(lab.engine)
    assert sum(1 for e in expected if e.direction == "in") == 300 + 300 // 10  # a batch of two ids is two transfers
    assert {e.asset.split("/")[0] for e in expected} == {"native", *lab.contracts.values()}
    assert _seen(events) == Counter(expected)
    assert _seen(events, "confirmed") == Counter(expected)
    assert len({e.id for e in events}) == len(events) == 2 * len(expected)
    assert all(e.block >= start for e in events)
    assert watcher.poll(lab.engine) == []  # nothing new, nothing twice


def test_reverted_then_replacement_events(lab: EvmLab) -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    targets = [a.address for a in wallet.accounts("eth", count=20, start=2000)]
    watcher = Watcher(confirmations={"eth": 5})
    watcher.add("eth", targets)
    watcher.poll(lab.engine)
    snapshot = lab.rpc("evm_snapshot", [])
    sender = lab.funders[2]
    orphaned = []
    for k in range(3):
        txid = lab.send(sender, targets[k], 10**15 + k)
        orphaned.append(Expected(txid, "in", targets[k], sender.address, "native", 10**15 + k))
        lab.mine()
    first = watcher.poll(lab.engine)
    assert _seen(first) == Counter(orphaned)
    old_height = lab.height()
    assert lab.rpc("evm_revert", [snapshot]) is True
    lab.forget_nonces()
    replacement = []
    for k in range(3, 5):
        txid = lab.send(sender, targets[k], 2 * 10**15 + k)
        replacement.append(Expected(txid, "in", targets[k], sender.address, "native", 2 * 10**15 + k))
        lab.mine()
    lab.mine(old_height - lab.height() + 1)  # the new branch is longer than the old one
    second = watcher.poll(lab.engine)
    reverted = [e for e in second if e.status == "reverted"]
    assert _seen(reverted, "reverted") == Counter(orphaned)
    assert {e.id for e in reverted}.isdisjoint({e.id for e in first})
    assert {e.key for e in reverted} == {e.key for e in first}
    assert _seen(second) == Counter(replacement)
    assert second.index(reverted[-1]) < min(second.index(e) for e in second if e.status == "seen")
    lab.mine(5)
    assert _seen(watcher.poll(lab.engine), "confirmed") == Counter(replacement)


def test_a_reverted_transaction_moves_nothing(lab: EvmLab) -> None:
    account = wk.Wallet.from_mnemonic(PHRASE).account("eth", index=3000)
    lab.engine.fund(account.address, 10**18)
    watcher = Watcher(confirmations={"eth": 1})
    watcher.add("eth", [account.address])
    watcher.poll(lab.engine)
    # TestNft has no payable function: value sent to it reverts, and the value stays with the sender.
    bad = lab.send(account, lab.contracts["erc721"], value=10**17, data=b"\x00\x00\x00\x00", gas=50_000)
    good = lab.send(account, lab.funders[0].address, 5)
    lab.mine()
    assert (lab.status(bad), lab.status(good)) == (0, 1)
    events = watcher.poll(lab.engine)
    assert [(e.txid, e.direction, e.amount, e.status) for e in events] == [
        (good, "out", 5, "seen"),
        (good, "out", 5, "confirmed"),
    ]


def test_a_fork_below_every_kept_hash_is_refused(lab: EvmLab) -> None:
    watcher = Watcher(confirmations={"eth": 1}, keep_blocks=2)  # the hashes of the last 1 + 2 + 1 blocks are kept
    watcher.add("eth", [lab.funders[0].address])
    snapshot = lab.rpc("evm_snapshot", [])
    watcher.poll(lab.engine)
    lab.mine(6)
    watcher.poll(lab.engine)
    assert lab.rpc("evm_revert", [snapshot]) is True
    lab.forget_nonces()
    lab.send(lab.funders[1], lab.funders[2].address, 1)  # the new branch's blocks differ from the old ones
    lab.mine(8)
    with pytest.raises(
        ReorgTooDeep, match=r"eth mainnet: the node's chain differs from every kept block hash \(4 kept"
    ):
        watcher.poll(lab.engine)
