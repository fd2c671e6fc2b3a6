"""The PSBT key checks of chains.bitcoin.psbt_map that the mutation run found unpinned (issue 19).

``check_keys`` refuses a known key type whose key data has the wrong length, and a field the
other PSBT version owns. Expected lengths and messages are written out from the BIPs:

- BIP370: PSBT_GLOBAL_UNSIGNED_TX (0x00) "must be excluded" from a PSBTv2, and the v2 fields
  (globals 0x02-0x06, inputs 0x0e-0x12, outputs 0x03-0x04) from a PSBTv0.
- BIP371: PSBT_IN_TAP_LEAF_SCRIPT is ``0x15 || control block``, and BIP341's control block is
  ``33 + 32m`` bytes for a script path of depth m, 0 <= m <= 128: 33, 65, 97, ..., 4129.

The PSBTs below are framed by hand (BIP174: compact-size key, compact-size value, 0x00 ending
each map), so the bytes do not come from walletkit's writer.
"""

from __future__ import annotations

import pytest

import walletkit as wk
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.psbt_map import check_keys


def _compact(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    return b"\xfd" + n.to_bytes(2, "little")


def _map(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(_compact(len(k)) + k + _compact(len(v)) + v for k, v in pairs) + b"\x00"


SPK = bytes.fromhex("0014") + bytes(20)
# A non-witness unsigned transaction by hand: version 2, one input (txid 0x11..11, vout 0, empty
# scriptSig, sequence 0xffffffff), one output (5,000 sat to SPK), locktime 0.
UNSIGNED_TX = bytes.fromhex(
    "02000000" + "01" + "11" * 32 + "00000000" + "00" + "ffffffff" + "01" + "8813000000000000" + "16" + SPK.hex()
) + bytes(4)


def _v0_with_input_key(key: bytes, value: bytes) -> bytes:
    return b"psbt\xff" + _map([(b"\x00", UNSIGNED_TX)]) + _map([(key, value)]) + _map([])


def test_the_hand_framed_v0_psbt_parses() -> None:
    psbt = Psbt.parse(_v0_with_input_key(b"\xfc\x05hello", b"x"))  # a proprietary key: carried through
    assert psbt.tx.inputs[0].prevout.txid == "11" * 32 and psbt.tx.outputs[0].value == 5_000
    assert psbt.inputs == [{b"\xfc\x05hello": b"x"}]


# --- BIP370: a field of the other version --------------------------------------------------------


def test_a_v2_global_map_with_the_unsigned_tx_is_refused_as_a_v0_field() -> None:
    # BIP370: PSBT_GLOBAL_UNSIGNED_TX must be excluded from a PSBTv2; only a PSBTv0 carries it.
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        check_keys({b"\x00": UNSIGNED_TX}, "global", 2)
    assert str(info.value) == "PSBT v2 global map carries key type 0x00, which only a PSBT v0 may carry (BIP370)"


def test_a_v0_map_with_a_v2_field_is_refused_as_a_v2_field() -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        check_keys({b"\x0e": bytes(32)}, "input", 0, 3)
    assert str(info.value) == "PSBT v0 input 3 map carries key type 0x0e, which only a PSBT v2 may carry (BIP370)"


def test_v2_input_and_output_maps_forbid_no_field() -> None:
    # BIP370 excludes no input or output field from a PSBTv2: its own fields pass.
    check_keys({b"\x0e": bytes(32), b"\x0f": bytes(4), b"\x10": bytes(4)}, "input", 2, 0)
    check_keys({b"\x03": bytes(8), b"\x04": SPK}, "output", 2, 0)


# --- BIP371: the taproot leaf script's control block ---------------------------------------------


@pytest.mark.parametrize("depth", [0, 1, 2, 127, 128])
def test_a_control_block_of_33_plus_32m_bytes_is_accepted(depth: int) -> None:
    control = bytes([0xC0]) + bytes(32) + bytes(32 * depth)
    assert len(control) == 33 + 32 * depth
    psbt = Psbt.parse(_v0_with_input_key(b"\x15" + control, b"\x51\xc0"))
    assert psbt.inputs == [{b"\x15" + control: b"\x51\xc0"}]


@pytest.mark.parametrize("length", [0, 32, 34, 64, 66, 33 + 32 * 129])
def test_a_control_block_of_another_length_is_refused_with_the_first_lengths(length: int) -> None:
    # The message lists the first three lengths BIP341 allows: 33 (m = 0), 65 (m = 1), 97 (m = 2).
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        Psbt.parse(_v0_with_input_key(b"\x15" + bytes(length), b"\x51\xc0"))
    assert str(info.value) == (
        f"PSBT input 0 key type 0x15 has {length} bytes of key data; expected key data of [33, 65, 97] bytes"
    )
