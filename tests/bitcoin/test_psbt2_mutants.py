"""PSBT v2 (BIP370) behaviours the mutation run found unpinned (issue 19).

Expected values come from BIP370's own test vectors (tests/vectors), embit's reading of the
same bytes, and PSBTs framed by hand below (BIP174's map framing: compact-size key, compact-size
value, a 0x00 byte ending each map), so the bytes do not come from walletkit's own writer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from embit.psbt import PSBT as EmbitPsbt  # type: ignore[import-untyped]

import walletkit as wk
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.psbt2 import locktime
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "bip174_bip370_psbt_vectors.json").read_text())
BIP370 = VECTORS["bip370"]


def _case(name: str) -> bytes:
    (case,) = [c for c in BIP370 if c["case"] == name]
    return bytes.fromhex(case["hex"])


# --- BIP370's invalid PSBTs --------------------------------------------------------------------

REFUSED = {
    "PSBTv0 but with PSBT_GLOBAL_VERSION set to 2.": (
        r"^a PSBT v2 must not carry an unsigned transaction \(global key 0x00\)$"
    ),
    "PSBTv2 but with PSBT_GLOBAL_UNSIGNED_TX.": r"^a PSBT v2 must not carry an unsigned transaction \(global key 0x00\)$",
    "PSBTv2 missing PSBT_GLOBAL_INPUT_COUNT.": r"^a PSBT v2 needs the input count$",
    "PSBTv2 missing PSBT_GLOBAL_OUTPUT_COUNT.": r"^a PSBT v2 needs the output count$",
    "PSBTv2 missing PSBT_GLOBAL_TX_VERSION.": r"^a PSBT v2 needs the transaction version \(global key 0x02\)$",
    "PSBTv2 missing PSBT_IN_PREVIOUS_TXID.": r"^PSBT v2 input 0 needs its previous txid \(32 bytes\) and output index$",
    "PSBTv2 missing PSBT_IN_OUTPUT_INDEX.": r"^PSBT v2 input 0 needs its previous txid \(32 bytes\) and output index$",
    "PSBTv2 missing PSBT_OUT_AMOUNT.": r"^PSBT v2 output 0 needs its amount \(8 bytes\) and script$",
    "PSBTv2 missing PSBT_OUT_SCRIPT.": r"^PSBT v2 output 0 needs its amount \(8 bytes\) and script$",
    "PSBTv2 with PSBT_IN_REQUIRED_TIME_LOCKTIME less than 500000000.": (
        r"^PSBT v2 required time locktime is a Unix time from 500000000 on, got 499999999$"
    ),
    "PSBTv2 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME greater than or equal to 500000000.": (
        r"^PSBT v2 required height locktime is a block height from 1 to 499999999, got 500000000$"
    ),
    "PSBTv2 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME of 0.": (
        r"^PSBT v2 required height locktime is a block height from 1 to 499999999, got 0$"
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bip370_invalid_psbts_are_refused_with_their_reason(case: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction, match=REFUSED[case]):
        Psbt.parse(_case(case))


# --- BIP370's valid PSBTs, as embit reads them --------------------------------------------------

VALID = [c["case"] for c in BIP370 if c["group"].startswith("The following are valid PSBTs")]


@pytest.mark.parametrize("case", VALID)
def test_bip370_valid_psbts_read_as_embit_reads_them(case: str) -> None:
    raw = _case(case)
    ours, theirs = Psbt.parse(raw), EmbitPsbt.parse(raw)
    assert ours.version == theirs.version == 2
    tx, ref = ours.tx, theirs.tx
    assert tx.version == ref.version
    assert [(i.prevout.txid, i.prevout.vout, i.sequence) for i in tx.inputs] == [
        (i.txid.hex(), i.vout, i.sequence) for i in ref.vin
    ]
    assert [(o.value, o.script_pubkey) for o in tx.outputs] == [(o.value, o.script_pubkey.data) for o in ref.vout]
    again = Psbt.parse(ours.serialize())
    assert again == ours and again.serialize() == ours.serialize()
    if "PSBT_IN_SEQUENCE" not in case and "all PSBTv2 fields" not in case:
        assert [i.sequence for i in tx.inputs] == [0xFFFFFFFF]  # BIP370: an omitted sequence is final


def test_required_fields_only_is_written_back_byte_for_byte() -> None:
    raw = _case("1 input, 2 output PSBTv2, required fields only.")
    assert Psbt.parse(raw).serialize() == raw  # no PSBT_IN_SEQUENCE written for a final sequence


def _expected_locktime(group: str) -> int | None:
    found = re.search(r"computed to be (\d+)", group)
    return int(found.group(1)) if found else None


LOCKTIMES = [c for c in BIP370 if c["group"].startswith("The timelock for the following PSBTs")]


@pytest.mark.parametrize("case", LOCKTIMES, ids=[c["case"][:80] for c in LOCKTIMES])
def test_bip370_locktime_vectors(case: dict[str, str]) -> None:
    expected = _expected_locktime(case["group"])
    raw = bytes.fromhex(case["hex"])
    if expected is None:
        assert "cannot be computed" in case["group"]
        with pytest.raises(
            wk.errors.InvalidTransaction,
            match=r"^PSBT v2 inputs require both a height and a time locktime: no locktime satisfies them$",
        ):
            Psbt.parse(raw)
    else:
        assert Psbt.parse(raw).tx.locktime == expected


# --- hand-framed PSBTs: each field's length and bounds ------------------------------------------


def _compact(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    return b"\xfe" + n.to_bytes(4, "little")


def _map(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(_compact(len(k)) + k + _compact(len(v)) + v for k, v in pairs) + b"\x00"


TXID = bytes(range(32))
SPK = bytes.fromhex("0014") + bytes(20)


def _v2(
    globals_: dict[int, bytes] | None = None,
    input_: dict[int, bytes] | None = None,
    output: dict[int, bytes] | None = None,
    drop_input: tuple[int, ...] = (),
    drop_output: tuple[int, ...] = (),
) -> bytes:
    g = {0x02: (2).to_bytes(4, "little"), 0x04: b"\x01", 0x05: b"\x01", 0xFB: (2).to_bytes(4, "little")}
    i = {0x0E: TXID, 0x0F: (1).to_bytes(4, "little")}
    o = {0x03: (5_000).to_bytes(8, "little"), 0x04: SPK}
    for table, extra, drop in ((g, globals_, ()), (i, input_, drop_input), (o, output, drop_output)):
        table.update(extra or {})
        for key in drop:
            del table[key]
    return (
        b"psbt\xff"
        + _map([(bytes([k]), v) for k, v in g.items()])
        + _map([(bytes([k]), v) for k, v in i.items()])
        + _map([(bytes([k]), v) for k, v in o.items()])
    )


def test_the_hand_framed_base_reads_as_embit_reads_it() -> None:
    tx = Psbt.parse(_v2()).tx
    ref = EmbitPsbt.parse(_v2()).tx
    assert tx.serialize() == ref.serialize()
    assert tx == Transaction((TxIn(OutPoint(TXID[::-1].hex(), 1), sequence=0xFFFFFFFF),), (TxOut(5_000, SPK),), 2, 0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"globals_": {0x02: b"\x02\x00\x00"}}, r"^PSBT v2 transaction version is 4 bytes, got 3$"),
        ({"globals_": {0x03: b"\x01\x00\x00"}}, r"^PSBT v2 fallback locktime is 4 bytes, got 3$"),
        ({"input_": {0x0F: b"\x01\x00\x00"}}, r"^PSBT v2 output index is 4 bytes, got 3$"),
        ({"input_": {0x10: b"\xfd\xff\xff"}}, r"^PSBT v2 sequence is 4 bytes, got 3$"),
        ({"input_": {0x11: b"\x00\x65\xcd"}}, r"^PSBT v2 required time locktime is 4 bytes, got 3$"),
        ({"input_": {0x12: b"\x10\x27\x00"}}, r"^PSBT v2 required height locktime is 4 bytes, got 3$"),
        ({"input_": {0x0E: TXID[:31]}}, r"^PSBT v2 input 0 needs its previous txid \(32 bytes\) and output index$"),
        ({"drop_input": (0x0E,)}, r"^PSBT v2 input 0 needs its previous txid \(32 bytes\) and output index$"),
        ({"drop_input": (0x0F,)}, r"^PSBT v2 input 0 needs its previous txid \(32 bytes\) and output index$"),
        ({"output": {0x03: bytes(7)}}, r"^PSBT v2 output 0 needs its amount \(8 bytes\) and script$"),
        ({"drop_output": (0x03,)}, r"^PSBT v2 output 0 needs its amount \(8 bytes\) and script$"),
        ({"drop_output": (0x04,)}, r"^PSBT v2 output 0 needs its amount \(8 bytes\) and script$"),
        ({"output": {0x03: b"\xff" * 8}}, r"^PSBT v2 output 0 has a negative amount$"),
        ({"output": {0x03: b"\x00" * 7 + b"\x80"}}, r"^PSBT v2 output 0 has a negative amount$"),
        ({"globals_": {0x04: b"\x01\x00"}}, r"^bad PSBT v2 input count$"),
        ({"globals_": {0x05: b"\x01\x00"}}, r"^bad PSBT v2 output count$"),
        ({"globals_": {0x04: b"\xfe" + (100_001).to_bytes(4, "little")}}, r"^bad PSBT v2 input count$"),
        ({"globals_": {0x05: b"\xfe" + (100_001).to_bytes(4, "little")}}, r"^bad PSBT v2 output count$"),
    ],
)
def test_malformed_fields_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction, match=message):
        Psbt.parse(_v2(**fields))  # type: ignore[arg-type]


def test_counts_up_to_100000_are_read() -> None:
    # 100,000 inputs are within the bound: the parser goes on to read their maps (the output map
    # is read as input 1's, which has no previous txid).
    with pytest.raises(wk.errors.InvalidTransaction, match=r"^PSBT v2 input 1 needs its previous txid"):
        Psbt.parse(_v2(globals_={0x04: b"\xfe" + (100_000).to_bytes(4, "little")}))


def test_an_amount_of_the_largest_signed_value_is_kept() -> None:
    # BIP370's PSBT_OUT_AMOUNT is a signed 64-bit integer: 0x7fff...ff is its largest value.
    assert Psbt.parse(_v2(output={0x03: b"\xff" * 7 + b"\x7f"})).tx.outputs[0].value == 2**63 - 1


def test_sequence_and_fallback_locktime_are_read() -> None:
    psbt = Psbt.parse(_v2(globals_={0x03: (654_321).to_bytes(4, "little")}, input_={0x10: b"\xfd\xff\xff\xff"}))
    assert psbt.tx.locktime == 654_321 and psbt.tx.inputs[0].sequence == 0xFFFFFFFD
    ref = EmbitPsbt.parse(_v2(input_={0x10: b"\xfd\xff\xff\xff"})).tx
    assert ref.vin[0].sequence == 0xFFFFFFFD


# --- locktime(): the boundaries of the fix ------------------------------------------------------


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "little")


def test_required_locktime_bounds() -> None:
    assert locktime([{b"\x11": _u32(500_000_000)}], 0) == 500_000_000
    assert locktime([{b"\x12": _u32(1)}], 0) == 1
    assert locktime([{b"\x12": _u32(499_999_999)}], 0) == 499_999_999
    assert locktime([{}, {b"\x12": _u32(7)}, {b"\x11": _u32(600_000_000), b"\x12": _u32(9)}], 3) == 9
    with pytest.raises(wk.errors.InvalidTransaction, match=r"from 500000000 on, got 499999999$"):
        locktime([{b"\x11": _u32(499_999_999), b"\x12": _u32(5)}], 0)
    with pytest.raises(wk.errors.InvalidTransaction, match=r"from 1 to 499999999, got 0$"):
        locktime([{b"\x11": _u32(600_000_000), b"\x12": _u32(0)}], 0)


# --- writer and converter -----------------------------------------------------------------------


def test_serialize_refuses_maps_that_do_not_match_the_transaction() -> None:
    psbt = Psbt.parse(_case("1 input, 2 output PSBTv2, required fields only."))
    with pytest.raises(ValueError):
        Psbt(psbt.tx, psbt.globals, [*psbt.inputs, {}], psbt.outputs, version=2).serialize()
    with pytest.raises(ValueError):
        Psbt(psbt.tx, psbt.globals, psbt.inputs, psbt.outputs[:1], version=2).serialize()


def test_convert_to_v0_writes_the_transaction_without_witness() -> None:
    # A Psbt built around a signed transaction: version 0's unsigned transaction (global 0x00)
    # is its serialization without witness (by hand: version, one input, one output, locktime).
    signed = Transaction((TxIn(OutPoint("33" * 32, 0), b"", 0xFFFFFFFD, (b"\xab\xcd",)),), (TxOut(70_000, SPK),), 2, 0)
    stripped = bytes.fromhex(
        "02000000"
        + "01"
        + "33" * 32
        + "00000000"
        + "00"
        + "fdffffff"
        + "01"
        + "7011010000000000"
        + "16"
        + SPK.hex()
        + "00000000"
    )
    v0 = Psbt(signed, {}, [{}], [{}], version=2).convert(0)
    assert v0.version == 0 and v0.globals[b"\x00"] == stripped
    assert v0.serialize() == b"psbt\xff" + _map([(b"\x00", stripped)]) + b"\x00" + b"\x00"


# --- malformed known keys: the map that carries them is named -----------------------------------


def _v2_two_inputs(input_1: list[tuple[bytes, bytes]], output_0: list[tuple[bytes, bytes]]) -> bytes:
    # Two inputs (vout 0 and 1 of TXID) and one output; extra entries go in input 1 and output 0.
    g = [(b"\x02", _u32(2)), (b"\x04", b"\x02"), (b"\x05", b"\x01"), (b"\xfb", _u32(2))]
    i0 = [(b"\x0e", TXID), (b"\x0f", _u32(0))]
    i1 = [(b"\x0e", TXID), (b"\x0f", _u32(1)), *input_1]
    o0 = [(b"\x03", (5_000).to_bytes(8, "little")), (b"\x04", SPK), *output_0]
    return b"psbt\xff" + _map(g) + _map(i0) + _map(i1) + _map(o0)


def test_the_two_input_base_reads_as_embit_reads_it() -> None:
    raw = _v2_two_inputs([], [])
    assert Psbt.parse(raw).tx.serialize() == EmbitPsbt.parse(raw).tx.serialize()


def test_a_malformed_input_key_names_its_input() -> None:
    # BIP174: PSBT_IN_PARTIAL_SIG's key is 0x02 || the 33-byte (or 65-byte) public key; 32 bytes is not one.
    raw = _v2_two_inputs([(b"\x02" + bytes(32), b"\x30")], [])
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        Psbt.parse(raw)
    assert str(info.value) == "PSBT input 1 key type 0x02 has 32 bytes of key data; expected key data of [33, 65] bytes"


def test_a_malformed_output_key_names_its_output() -> None:
    # BIP371: PSBT_OUT_TAP_INTERNAL_KEY (0x05) has no key data; here it has one byte.
    raw = _v2_two_inputs([], [(b"\x05\x00", bytes(32))])
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        Psbt.parse(raw)
    assert str(info.value) == "PSBT output 0 key type 0x05 has 1 bytes of key data; expected no key data"
