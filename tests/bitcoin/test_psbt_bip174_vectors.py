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


# What each invalid vector gets wrong, in the words of the refusal (reviewed case by case
# against the BIP's description of the case: the key type, the key-data length in the vector's
# bytes, the field of the other version).
_REASONS = {
    "Network transaction, not PSBT format": "a PSBT starts with the magic bytes 'psbt\\xff'",
    "PSBT missing outputs": "truncated transaction: wanted 1 more bytes, got 0",
    "PSBT where one input has a filled scriptSig in the unsigned tx": "a PSBT's unsigned transaction must have empty scriptSigs and witnesses",
    "PSBT where inputs and outputs are provided but without an unsigned tx": "the PSBT has no unsigned transaction (global key 0x00)",
    "PSBT with duplicate keys in an input": "PSBT has a duplicate key 0x00",
    "PSBT with invalid global transaction typed key": "the PSBT has no unsigned transaction (global key 0x00)",
    "PSBT with invalid input witness utxo typed key": "PSBT input 0 key type 0x01 has 1 bytes of key data; expected no key data",
    "PSBT with invalid pubkey length for input partial signature typed key": "PSBT input 0 key type 0x02 has 32 bytes of key data; expected key data of [33, 65] bytes",
    "PSBT with invalid redeemscript typed key": "PSBT input 0 key type 0x04 has 1 bytes of key data; expected no key data",
    "PSBT with invalid witnessscript typed key": "PSBT input 0 key type 0x05 has 1 bytes of key data; expected no key data",
    "PSBT with invalid pubkey in input BIP 32 derivation paths typed key": "PSBT input 0 key type 0x06 has 32 bytes of key data; expected key data of [33, 65] bytes",
    "PSBT with invalid non-witness utxo typed key": "PSBT input 0 key type 0x00 has 1 bytes of key data; expected no key data",
    "PSBT with invalid final scriptsig typed key": "PSBT input 0 key type 0x07 has 1 bytes of key data; expected no key data",
    "PSBT with invalid final script witness typed key": "PSBT input 1 key type 0x08 has 1 bytes of key data; expected no key data",
    "PSBT with invalid pubkey in output BIP 32 derivation paths typed key": "PSBT output 0 key type 0x02 has 32 bytes of key data; expected key data of [33, 65] bytes",
    "PSBT with invalid input sighash type typed key": "PSBT input 0 key type 0x03 has 1 bytes of key data; expected no key data",
    "PSBT with invalid output redeemScript typed key": "PSBT output 0 key type 0x00 has 1 bytes of key data; expected no key data",
    "PSBT with invalid output witnessScript typed key": "PSBT output 1 key type 0x01 has 32 bytes of key data; expected no key data",
    "PSBT with unsigned tx serialized with witness serialization format": "a PSBT's unsigned transaction is in segwit format; expected the non-witness format (BIP174)",
    "PSBT with an invalid value data due to its size being not the stated size": "trailing bytes after the transaction",
    "PSBTv0 but with PSBT_GLOBAL_VERSION set to 2.": "a PSBT v2 must not carry an unsigned transaction (global key 0x00)",
    "PSBTv0 but with PSBT_GLOBAL_TX_VERSION.": "PSBT v0 global map carries key type 0x02, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_GLOBAL_FALLBACK_LOCKTIME.": "PSBT v0 global map carries key type 0x03, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_GLOBAL_INPUT_COUNT.": "PSBT v0 global map carries key type 0x04, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_GLOBAL_OUTPUT_COUNT.": "PSBT v0 global map carries key type 0x05, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_GLOBAL_TX_MODIFIABLE.": "PSBT v0 global map carries key type 0x06, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_IN_PREVIOUS_TXID.": "PSBT v0 input 0 map carries key type 0x0e, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_IN_OUTPUT_INDEX.": "PSBT v0 input 0 map carries key type 0x0f, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_IN_SEQUENCE.": "PSBT v0 input 0 map carries key type 0x10, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_IN_REQUIRED_TIME_LOCKTIME.": "PSBT v0 input 0 map carries key type 0x11, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME.": "PSBT v0 input 0 map carries key type 0x12, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_OUT_AMOUNT.": "PSBT v0 output 0 map carries key type 0x03, which only a PSBT v2 may carry (BIP370)",
    "PSBTv0 but with PSBT_OUT_SCRIPT.": "PSBT v0 output 0 map carries key type 0x04, which only a PSBT v2 may carry (BIP370)",
    "PSBTv2 but with PSBT_GLOBAL_UNSIGNED_TX.": "a PSBT v2 must not carry an unsigned transaction (global key 0x00)",
    "PSBTv2 missing PSBT_GLOBAL_INPUT_COUNT.": "a PSBT v2 needs the input count",
    "PSBTv2 missing PSBT_GLOBAL_OUTPUT_COUNT.": "a PSBT v2 needs the output count",
    "PSBTv2 missing PSBT_GLOBAL_TX_VERSION.": "a PSBT v2 needs the transaction version (global key 0x02)",
    "PSBTv2 missing PSBT_IN_PREVIOUS_TXID.": "PSBT v2 input 0 needs its previous txid (32 bytes) and output index",
    "PSBTv2 missing PSBT_IN_OUTPUT_INDEX.": "PSBT v2 input 0 needs its previous txid (32 bytes) and output index",
    "PSBTv2 missing PSBT_OUT_AMOUNT.": "PSBT v2 output 0 needs its amount (8 bytes) and script",
    "PSBTv2 missing PSBT_OUT_SCRIPT.": "PSBT v2 output 0 needs its amount (8 bytes) and script",
    "PSBTv2 with PSBT_IN_REQUIRED_TIME_LOCKTIME less than 500000000.": "PSBT v2 required time locktime is a Unix time from 500000000 on, got 499999999",
    "PSBTv2 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME greater than or equal to 500000000.": "PSBT v2 required height locktime is a block height from 1 to 499999999, got 500000000",
    "PSBTv2 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME of 0.": "PSBT v2 required height locktime is a block height from 1 to 499999999, got 0",
}


@pytest.mark.parametrize("vector", INVALID)
def test_invalid_vector_is_refused(vector: dict[str, str]) -> None:
    with pytest.raises(InvalidTransaction) as info:
        Psbt.parse(bytes.fromhex(vector["hex"]))
    assert str(info.value) == _REASONS[vector["case"]]
