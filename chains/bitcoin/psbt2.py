"""PSBT version 2 (BIP370): the transaction spread over the maps instead of one unsigned tx.

globals: 0x02 tx version, 0x03 fallback locktime, 0x04 input count, 0x05 output count,
         0x06 tx modifiable, 0xFB PSBT version (= 2); no 0x00 unsigned transaction
inputs:  0x0e previous txid, 0x0f output index, 0x10 sequence (default 0xffffffff),
         0x11 required time locktime, 0x12 required height locktime
outputs: 0x03 amount, 0x04 script

A :class:`~chains.bitcoin.psbt.Psbt` holds either version the same way (its ``tx`` plus the
maps without the fields derived from ``tx``), so every role works on both; ``version``
decides how it is written, and :func:`convert` turns one into the other.
"""

from __future__ import annotations

import io

from chains.bitcoin.psbt_map import G_UNSIGNED_TX, MAGIC, Map, PsbtMaps, _read_map, _write_map, check_keys
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut, read_varint, varint
from walletkit.errors import InvalidTransaction

G_TX_VERSION, G_FALLBACK_LOCKTIME, G_INPUT_COUNT, G_OUTPUT_COUNT, G_TX_MODIFIABLE, G_VERSION = (
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0xFB,
)
I_PREVIOUS_TXID, I_OUTPUT_INDEX, I_SEQUENCE, I_REQUIRED_TIME, I_REQUIRED_HEIGHT = 0x0E, 0x0F, 0x10, 0x11, 0x12
O_AMOUNT, O_SCRIPT = 0x03, 0x04
_V2_ONLY_GLOBALS = {bytes([G_FALLBACK_LOCKTIME]), bytes([G_TX_MODIFIABLE])}
_V2_ONLY_INPUT = {bytes([I_REQUIRED_TIME]), bytes([I_REQUIRED_HEIGHT])}
_LOCKTIME_THRESHOLD = 500_000_000  # below: a height; at or above: a time


def _u32(value: bytes, what: str) -> int:
    if len(value) != 4:
        raise InvalidTransaction(f"PSBT v2 {what} is 4 bytes, got {len(value)}")
    return int.from_bytes(value, "little")


def _count(value: bytes | None, what: str) -> int:
    if value is None:
        raise InvalidTransaction(f"a PSBT v2 needs the {what} count")
    stream = io.BytesIO(value)
    n = read_varint(stream)
    if stream.read(1) or n > 100_000:
        raise InvalidTransaction(f"bad PSBT v2 {what} count")
    return n


def locktime(inputs: list[Map], fallback: int) -> int:
    """Return the locktime BIP370 determines from the inputs' required locktimes (else ``fallback``).

    Raises:
        InvalidTransaction: some inputs need a height and others a time (no locktime satisfies both);
            a required time below 500,000,000 or a required height of 0 or from 500,000,000 on
            (BIP370's invalid vectors: nLockTime would read it as the other kind).
    """
    needs: list[tuple[int | None, int | None]] = []
    for m in inputs:
        raw_time, raw_height = m.get(bytes([I_REQUIRED_TIME])), m.get(bytes([I_REQUIRED_HEIGHT]))
        time_ = None if raw_time is None else _u32(raw_time, "required time locktime")
        height = None if raw_height is None else _u32(raw_height, "required height locktime")
        if time_ is not None and time_ < _LOCKTIME_THRESHOLD:
            raise InvalidTransaction(
                f"PSBT v2 required time locktime is a Unix time from {_LOCKTIME_THRESHOLD} on, got {time_}"
            )
        if height is not None and not 0 < height < _LOCKTIME_THRESHOLD:
            raise InvalidTransaction(
                f"PSBT v2 required height locktime is a block height from 1 to {_LOCKTIME_THRESHOLD - 1}, got {height}"
            )
        if time_ is not None or height is not None:
            needs.append((time_, height))
    if not needs:
        return fallback
    if all(h is not None for _, h in needs):  # height is preferred when every input accepts one
        return max(h for _, h in needs if h is not None)
    if all(t is not None for t, _ in needs):
        return max(t for t, _ in needs if t is not None)
    raise InvalidTransaction("PSBT v2 inputs require both a height and a time locktime: no locktime satisfies them")


def parse_body(globals_: Map, stream: io.BytesIO) -> tuple[Transaction, list[Map], list[Map]]:
    """Read the input and output maps of a v2 PSBT whose global map was ``globals_``.

    Returns the transaction and the input and output maps; ``globals_`` is left without the
    fields that moved into the transaction.
    """
    if bytes([G_UNSIGNED_TX]) in globals_:
        raise InvalidTransaction("a PSBT v2 must not carry an unsigned transaction (global key 0x00)")
    version_raw = globals_.pop(bytes([G_TX_VERSION]), None)
    if version_raw is None:
        raise InvalidTransaction("a PSBT v2 needs the transaction version (global key 0x02)")
    tx_version = _u32(version_raw, "transaction version")
    n_in = _count(globals_.pop(bytes([G_INPUT_COUNT]), None), "input")
    n_out = _count(globals_.pop(bytes([G_OUTPUT_COUNT]), None), "output")
    globals_.pop(bytes([G_VERSION]))
    inputs, outputs, txins, txouts = [], [], [], []
    check_keys(globals_, "global", 2)
    for k in range(n_in):
        m = _read_map(stream)
        check_keys(m, "input", 2, k)
        txid, index = m.pop(bytes([I_PREVIOUS_TXID]), None), m.pop(bytes([I_OUTPUT_INDEX]), None)
        if txid is None or len(txid) != 32 or index is None:
            raise InvalidTransaction(f"PSBT v2 input {k} needs its previous txid (32 bytes) and output index")
        sequence = m.pop(bytes([I_SEQUENCE]), None)
        seq = 0xFFFFFFFF if sequence is None else _u32(sequence, "sequence")
        txins.append(TxIn(OutPoint(txid[::-1].hex(), _u32(index, "output index")), b"", seq))
        inputs.append(m)
    for k in range(n_out):
        m = _read_map(stream)
        check_keys(m, "output", 2, k)
        amount, script = m.pop(bytes([O_AMOUNT]), None), m.pop(bytes([O_SCRIPT]), None)
        if amount is None or len(amount) != 8 or script is None:
            raise InvalidTransaction(f"PSBT v2 output {k} needs its amount (8 bytes) and script")
        value = int.from_bytes(amount, "little", signed=True)
        if value < 0:
            raise InvalidTransaction(f"PSBT v2 output {k} has a negative amount")
        txouts.append(TxOut(value, script))
        outputs.append(m)
    fallback_raw = globals_.get(bytes([G_FALLBACK_LOCKTIME]))
    fallback = 0 if fallback_raw is None else _u32(fallback_raw, "fallback locktime")
    tx = Transaction(tuple(txins), tuple(txouts), tx_version, locktime(inputs, fallback))
    return tx, inputs, outputs


def serialize(psbt: PsbtMaps) -> bytes:
    """Write ``psbt`` as a v2 PSBT."""
    tx = psbt.tx
    head: Map = {
        bytes([G_TX_VERSION]): tx.version.to_bytes(4, "little"),
        bytes([G_INPUT_COUNT]): varint(len(tx.inputs)),
        bytes([G_OUTPUT_COUNT]): varint(len(tx.outputs)),
    }
    globals_ = {**head, **psbt.globals, bytes([G_VERSION]): (2).to_bytes(4, "little")}
    parts = [MAGIC, _write_map(globals_)]
    for txin, m in zip(tx.inputs, psbt.inputs, strict=True):
        fields: Map = {
            bytes([I_PREVIOUS_TXID]): bytes.fromhex(txin.prevout.txid)[::-1],
            bytes([I_OUTPUT_INDEX]): txin.prevout.vout.to_bytes(4, "little"),
        }
        if txin.sequence != 0xFFFFFFFF:
            fields[bytes([I_SEQUENCE])] = txin.sequence.to_bytes(4, "little")
        parts.append(_write_map({**fields, **m}))
    for txout, m in zip(tx.outputs, psbt.outputs, strict=True):
        fields = {bytes([O_AMOUNT]): txout.value.to_bytes(8, "little"), bytes([O_SCRIPT]): txout.script_pubkey}
        parts.append(_write_map({**fields, **m}))
    return b"".join(parts)


def convert(psbt: PsbtMaps, version: int) -> tuple[Map, list[Map], list[Map]]:
    """Return the global, input and output maps of ``psbt`` as a version ``version`` (0 or 2) PSBT.

    The transaction and signatures are kept (:meth:`chains.bitcoin.psbt.Psbt.convert` builds the PSBT).

    Raises:
        InvalidTransaction: a version other than 0 or 2.
    """
    if version not in (0, 2):
        raise InvalidTransaction(f"PSBT versions are 0 (BIP174) and 2 (BIP370), not {version}")
    inputs = [dict(m) for m in psbt.inputs]
    outputs = [dict(m) for m in psbt.outputs]
    if version == 2:
        globals_ = {k: v for k, v in psbt.globals.items() if k not in (bytes([G_UNSIGNED_TX]), bytes([G_VERSION]))}
        if psbt.tx.locktime:
            globals_[bytes([G_FALLBACK_LOCKTIME])] = psbt.tx.locktime.to_bytes(4, "little")
        return globals_, inputs, outputs
    globals_ = {bytes([G_UNSIGNED_TX]): psbt.tx.serialize(witness=False)}
    globals_.update({k: v for k, v in psbt.globals.items() if k not in _V2_ONLY_GLOBALS and k != bytes([G_VERSION])})
    for m in inputs:
        for key in _V2_ONLY_INPUT & m.keys():
            del m[key]
    return globals_, inputs, outputs
