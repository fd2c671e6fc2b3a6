"""Bitcoin Core's tx_valid.json: every transaction parses, re-serializes byte for byte, and names its prevouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chains.bitcoin.tx import Transaction

_DATA: list[Any] = json.loads((Path(__file__).parent.parent / "vectors" / "bitcoin_core_tx_valid.json").read_text())[
    "data"
]
CASES = [c for c in _DATA if isinstance(c, list) and len(c) == 3]


def test_there_are_cases() -> None:
    assert len(CASES) == 121


@pytest.mark.parametrize("case", CASES, ids=[c[1][:16] + str(i) for i, c in enumerate(CASES)])
def test_round_trip_and_prevouts(case: list[Any]) -> None:
    prevouts, raw_hex, _flags = case
    raw = bytes.fromhex(raw_hex)
    tx = Transaction.parse(raw)
    assert tx.serialize() == raw
    listed = {(p[0], p[1] if p[1] >= 0 else p[1] + 2**32) for p in prevouts}  # -1 is 0xffffffff
    assert {(i.prevout.txid, i.prevout.vout) for i in tx.inputs} <= listed
    if not tx.has_witness:
        assert tx.vsize == len(raw)
