"""The watcher's values and refusals: typed errors for bad input, event identity, and the EVM log decoder on
well-formed and malformed logs (topics written out here from the event signatures)."""

from __future__ import annotations

import pytest

import walletkit as wk
from chains.evm.watch import TRANSFER, TRANSFER_BATCH, TRANSFER_SINGLE, decode_log
from walletkit.crypto.hashes import keccak256
from walletkit.watch import Outbox, TransferEvent, Watcher, event_id
from walletkit.watch.events import Transfer

A, B, C = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20
CONTRACT = wk.validate_address("eth", C)


def topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:]


def word(n: int) -> str:
    return n.to_bytes(32, "big").hex()


def test_topics_are_the_event_signatures() -> None:
    assert TRANSFER == "0x" + keccak256(b"Transfer(address,address,uint256)").hex()
    assert TRANSFER_SINGLE == "0x" + keccak256(b"TransferSingle(address,address,address,uint256,uint256)").hex()
    assert TRANSFER_BATCH == "0x" + keccak256(b"TransferBatch(address,address,address,uint256[],uint256[])").hex()


def test_decode_log_each_standard() -> None:
    erc20 = {"address": C, "topics": [TRANSFER, topic(A), topic(B)], "data": "0x" + word(7)}
    erc721 = {"address": C, "topics": [TRANSFER, topic(A), topic(B), "0x" + word(9)], "data": "0x"}
    single = {"address": C, "topics": [TRANSFER_SINGLE, topic(C), topic(A), topic(B)], "data": "0x" + word(3) + word(4)}
    batch_data = word(64) + word(160) + word(2) + word(10) + word(11) + word(2) + word(5) + word(6)
    batch = {"address": C, "topics": [TRANSFER_BATCH, topic(C), topic(A), topic(B)], "data": "0x" + batch_data}
    assert decode_log(erc20) == [(A, B, CONTRACT, 7)]
    assert decode_log(erc721) == [(A, B, f"{CONTRACT}/9", 1)]
    assert decode_log(single) == [(A, B, f"{CONTRACT}/3", 4)]
    assert decode_log(batch) == [(A, B, f"{CONTRACT}/10", 5), (A, B, f"{CONTRACT}/11", 6)]


@pytest.mark.parametrize(
    "log",
    [
        {"address": C, "topics": [], "data": "0x"},
        {"address": C, "topics": [TRANSFER, topic(A)], "data": "0x" + word(1)},  # too few topics
        {"address": C, "topics": [TRANSFER, topic(A), topic(B)], "data": "0x" + word(1) + word(2)},  # 64 bytes
        {"address": C, "topics": [TRANSFER, topic(A), topic(B)], "data": "0x1234"},  # not whole words
        {"address": C, "topics": [TRANSFER, topic(A), topic(B), "0x" + word(1)], "data": "0x" + word(1)},
        {"address": C, "topics": [TRANSFER_SINGLE, topic(C), topic(A), topic(B)], "data": "0x" + word(1)},
        {"address": C, "topics": [TRANSFER_BATCH, topic(C), topic(A), topic(B)], "data": "0x" + word(64) + word(4096)},
        {
            "address": C,
            "topics": [TRANSFER_BATCH, topic(C), topic(A), topic(B)],
            "data": "0x" + word(64) + word(96) + word(1) + word(1),
        },
        {"address": C, "topics": ["0x" + "11" * 32, topic(A), topic(B)], "data": "0x" + word(1)},
    ],
)
def test_malformed_logs_decode_to_nothing(log: dict[str, object]) -> None:
    assert decode_log(log) == []


def test_bad_arguments_are_typed() -> None:
    with pytest.raises(wk.errors.InvalidInput, match=r"confirmations\['eth'\] is a positive integer of blocks, got 0"):
        Watcher(confirmations={"eth": 0})
    with pytest.raises(wk.errors.UnknownChain):
        Watcher(confirmations={"nochain": 3})
    with pytest.raises(wk.errors.InvalidInput, match="consumers are non-empty names"):
        Watcher(consumers=())
    watcher = Watcher()
    with pytest.raises(wk.errors.InvalidAddress):
        watcher.add("eth", ["0x1234"])
    with pytest.raises(wk.errors.WrongNetwork):
        watcher.add("btc", ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"], network="regtest")
    xpub = "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"
    with pytest.raises(wk.errors.InvalidInput, match="gap_limit is a positive integer, got 0"):
        watcher.add_xpub("btc", xpub, gap_limit=0)
    with pytest.raises(wk.errors.InvalidInput, match="add_xpub takes kind= and network=, not account"):
        watcher.add_xpub("btc", xpub, account=1)
    with pytest.raises(wk.errors.InvalidExtendedKey):
        watcher.add_xpub("btc", "xpub-not-a-key")
    with pytest.raises(wk.errors.InvalidInput, match="a client names its chain"):
        watcher.poll(object())
    with pytest.raises(wk.errors.InvalidInput, match="a consumer name is non-empty text"):
        Outbox(watcher.store, "")


def test_event_identity_and_json() -> None:
    t = Transfer("0xab", 2, "in", A, B, "native", 5)
    key = t.key("eth", "mainnet")
    assert key == f"eth:mainnet:0xab:2:in:{A}:native"
    ids = {event_id(key, "0x01", s) for s in ("seen", "confirmed", "reverted")} | {event_id(key, "0x02", "seen")}
    assert len(ids) == 4 and event_id(key, "0x01", "seen", 1) not in ids
    event = TransferEvent(
        event_id(key, "0x01", "seen"), "eth", "mainnet", "0xab", 2, "in", A, B, "native", 2**70, 9, "0x01", 1, "seen"
    )
    assert event.key == key
    assert TransferEvent.from_json(event.to_json()) == event
    assert '"amount":"1180591620717411303424"' in event.to_json()
    with pytest.raises(wk.errors.InvalidInput, match="a TransferEvent is JSON"):
        TransferEvent.from_json("{")
    with pytest.raises(
        wk.errors.InvalidInput, match="direction is in/out and status seen/confirmed/reverted, got up/seen"
    ):
        TransferEvent.from_dict({**event.to_dict(), "direction": "up"})
    with pytest.raises(wk.errors.InvalidInput, match="not a TransferEvent: KeyError"):
        TransferEvent.from_dict({"id": "x"})
