"""Every valid and invalid PSBT test vector of BIP174 and BIP370, parsed by walletkit.

Vectors: tests/vectors/bip174_bip370_psbt_vectors.json (copied from the bitcoin/bips repository,
bip-0174.mediawiki and bip-0370.mediawiki, see its ``_provenance``). Valid vectors are also
parsed by embit, an independent implementation, and the input/output counts and outputs compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from embit.psbt import PSBT as EmbitPsbt

from chains.bitcoin.psbt import Psbt
from walletkit.errors import InvalidTransaction

_DATA = json.loads((Path(__file__).parent.parent / "vectors" / "bip174_bip370_psbt_vectors.json").read_text())


def _cases(kind: str) -> list[Any]:
    out = []
    for bip in ("bip174", "bip370"):
        for n, v in enumerate(_DATA[bip]):
            group = v["group"].lower()
            is_invalid = group.startswith("the following are invalid")
            is_valid = group.startswith("the following are valid")
            if (kind == "invalid" and is_invalid) or (kind == "valid" and is_valid):
                out.append(pytest.param(v, id=f"{bip}-{n}-{v['case'][:80]}"))
    return out


_ZERO_INPUTS = {
    "PSBT with global unsigned tx that has 0 inputs and 0 outputs": (0, 0),
    "PSBT with 0 inputs": (0, 2),  # unsigned tx 02000000 00 02 ...: 0 inputs, 2 outputs
}
VALID = _cases("valid")
INVALID = _cases("invalid")


def test_vector_counts() -> None:
    # BIP174 lists 10 valid and 20 invalid PSBTs, BIP370 14 valid and 24 invalid (counted in the BIPs).
    assert (len(VALID), len(INVALID)) == (24, 44)


@pytest.mark.parametrize("vector", VALID)
def test_valid_vector_parses_and_agrees_with_embit(vector: dict[str, str]) -> None:
    raw = bytes.fromhex(vector["hex"])
    psbt = Psbt.parse(raw)
    assert Psbt.from_base64(vector["base64"]) == psbt
    if vector["case"] in _ZERO_INPUTS:
        # embit reads the 0x00 input count as a segwit marker and refuses these two; the
        # expected counts are the BIP's own description of the case.
        assert (len(psbt.tx.inputs), len(psbt.tx.outputs)) == _ZERO_INPUTS[vector["case"]]
        return
    other = EmbitPsbt.parse(raw)
    assert len(psbt.inputs) == len(other.inputs)
    assert len(psbt.outputs) == len(other.outputs)
    assert [(o.value, o.script_pubkey) for o in psbt.tx.outputs] == [
        (o.value, o.script_pubkey.data) for o in other.outputs
    ]
    assert [(i.prevout.txid, i.prevout.vout) for i in psbt.tx.inputs] == [(i.txid.hex(), i.vout) for i in other.inputs]


@pytest.mark.parametrize("vector", INVALID)
def test_invalid_vector_is_refused(vector: dict[str, str]) -> None:
    with pytest.raises(InvalidTransaction) as info:
        Psbt.parse(bytes.fromhex(vector["hex"]))
    assert str(info.value)
