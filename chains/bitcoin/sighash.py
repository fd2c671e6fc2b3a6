"""Signature hashes: legacy (SignatureHash), BIP143 (segwit v0) and BIP341 (taproot key path).

SIGHASH_SINGLE with no output at the input's index signs the constant 1 in legacy
scripts (a known bug); walletkit refuses to sign it.
"""

from __future__ import annotations

import hashlib

from chains.bitcoin.tx import Transaction, TxOut, varbytes
from walletkit.crypto.hashes import double_sha256
from walletkit.errors import InvalidTransaction

SIGHASH_DEFAULT, SIGHASH_ALL, SIGHASH_NONE, SIGHASH_SINGLE, SIGHASH_ANYONECANPAY = 0, 1, 2, 3, 0x80


_new_sha256 = hashlib.sha256


def _dsha(data: bytes) -> bytes:
    # SHA256d without the generic helper's indirection: BIP143 takes four per signature.
    return _new_sha256(_new_sha256(data).digest()).digest()


def _find_and_delete_codesep(script: bytes) -> bytes:
    # Legacy scriptCode drops OP_CODESEPARATOR (0xab) opcodes; walk pushes so data bytes are kept.
    out, i = bytearray(), 0
    while i < len(script):
        op = script[i]
        if 0 < op < 0x4C:
            out += script[i : i + 1 + op]
            i += 1 + op
        elif op in (0x4C, 0x4D, 0x4E):
            size_len = {0x4C: 1, 0x4D: 2, 0x4E: 4}[op]
            n = int.from_bytes(script[i + 1 : i + 1 + size_len], "little")
            out += script[i : i + 1 + size_len + n]
            i += 1 + size_len + n
        else:
            if op != 0xAB:
                out.append(op)
            i += 1
    return bytes(out)


def legacy(tx: Transaction, index: int, script_code: bytes, hash_type: int, *, allow_single_bug: bool = False) -> bytes:
    """Return the legacy signature hash (Bitcoin Core's SignatureHash).

    Raises:
        InvalidTransaction: SIGHASH_SINGLE without a matching output (unless ``allow_single_bug``,
            which returns the constant 1 that Core signs, for vector tests only).
    """
    base = hash_type & 0x1F
    if base == SIGHASH_SINGLE and index >= len(tx.outputs):
        if not allow_single_bug:
            raise InvalidTransaction(
                f"SIGHASH_SINGLE for input {index} has no output {index}: it would sign the constant 1"
            )
        return (1).to_bytes(32, "little")
    script = _find_and_delete_codesep(script_code)
    inputs = []
    for k, txin in enumerate(tx.inputs):
        if hash_type & SIGHASH_ANYONECANPAY and k != index:
            continue
        sequence = txin.sequence
        if k != index and base in (SIGHASH_NONE, SIGHASH_SINGLE):
            sequence = 0
        inputs.append(
            txin.prevout.serialize() + varbytes(script if k == index else b"") + sequence.to_bytes(4, "little")
        )
    if base == SIGHASH_NONE:
        outputs: list[bytes] = []
    elif base == SIGHASH_SINGLE:
        outputs = [TxOut(2**64 - 1, b"").serialize()] * index + [tx.outputs[index].serialize()]
    else:
        outputs = [o.serialize() for o in tx.outputs]
    from chains.bitcoin.tx import varint

    data = (
        tx.version.to_bytes(4, "little")
        + varint(len(inputs))
        + b"".join(inputs)
        + varint(len(outputs))
        + b"".join(outputs)
        + tx.locktime.to_bytes(4, "little")
        + hash_type.to_bytes(4, "little")
    )
    return double_sha256(data)


def bip143(tx: Transaction, index: int, script_code: bytes, amount: int, hash_type: int = SIGHASH_ALL) -> bytes:
    """Return the BIP143 (segwit v0) signature hash."""
    base = hash_type & 0x1F
    anyone = hash_type & SIGHASH_ANYONECANPAY
    zero = bytes(32)
    inputs = tx.inputs
    hash_prevouts = zero if anyone else _dsha(b"".join([i.prevout.serialize() for i in inputs]))
    hash_sequence = (
        zero
        if anyone or base in (SIGHASH_SINGLE, SIGHASH_NONE)
        else _dsha(b"".join([i.sequence.to_bytes(4, "little") for i in inputs]))
    )
    if base not in (SIGHASH_SINGLE, SIGHASH_NONE):
        hash_outputs = _dsha(b"".join([o.serialize() for o in tx.outputs]))
    elif base == SIGHASH_SINGLE and index < len(tx.outputs):
        hash_outputs = _dsha(tx.outputs[index].serialize())
    elif base == SIGHASH_SINGLE:
        raise InvalidTransaction(f"SIGHASH_SINGLE for input {index} has no output {index}")
    else:
        hash_outputs = zero
    txin = inputs[index]
    return _dsha(
        b"".join(
            (
                tx.version.to_bytes(4, "little"),
                hash_prevouts,
                hash_sequence,
                txin.prevout.serialize(),
                varbytes(script_code),
                amount.to_bytes(8, "little"),
                txin.sequence.to_bytes(4, "little"),
                hash_outputs,
                tx.locktime.to_bytes(4, "little"),
                hash_type.to_bytes(4, "little"),
            )
        )
    )


def bip341(tx: Transaction, index: int, spent: list[TxOut], hash_type: int = SIGHASH_DEFAULT) -> bytes:
    """Return the BIP341 key-path signature hash; ``spent`` is every spent output (amount and script).

    Raises:
        InvalidTransaction: not one spent output per input (taproot commits to all of them).
    """
    if len(spent) != len(tx.inputs):
        raise InvalidTransaction(
            f"taproot signing needs every spent output: {len(tx.inputs)} inputs, {len(spent)} given"
        )
    if hash_type not in (0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83):
        raise InvalidTransaction(f"bad taproot sighash type 0x{hash_type:02x}")
    base = hash_type & 3
    anyone = hash_type & SIGHASH_ANYONECANPAY
    sha = _new_sha256
    inputs = tx.inputs
    parts = [bytes((hash_type,)), tx.version.to_bytes(4, "little"), tx.locktime.to_bytes(4, "little")]
    if not anyone:
        parts.append(sha(b"".join([i.prevout.serialize() for i in inputs])).digest())
        parts.append(sha(b"".join([o.value.to_bytes(8, "little") for o in spent])).digest())
        parts.append(sha(b"".join([varbytes(o.script_pubkey) for o in spent])).digest())
        parts.append(sha(b"".join([i.sequence.to_bytes(4, "little") for i in inputs])).digest())
    if base not in (SIGHASH_NONE, SIGHASH_SINGLE):
        parts.append(sha(b"".join([o.serialize() for o in tx.outputs])).digest())
    parts.append(b"\x00")  # spend_type: key path, no annex
    txin = inputs[index]
    if anyone:
        parts += [txin.prevout.serialize(), spent[index].serialize(), txin.sequence.to_bytes(4, "little")]
    else:
        parts.append(index.to_bytes(4, "little"))
    if base == SIGHASH_SINGLE:
        if index >= len(tx.outputs):
            raise InvalidTransaction(f"SIGHASH_SINGLE for input {index} has no output {index}")
        parts.append(sha(tx.outputs[index].serialize()).digest())
    # The tag's two hashes are a fixed 64-byte prefix: hash it once, copy the state per signature.
    h = _TAP_SIGHASH.copy()
    h.update(b"\x00")  # sighash epoch
    h.update(b"".join(parts))
    return h.digest()


_TAP_SIGHASH = hashlib.sha256(hashlib.sha256(b"TapSighash").digest() * 2)
