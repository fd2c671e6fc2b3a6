"""Signature hashes for every hash type: BIP143 (SIGHASH_NONE and SINGLE hash sequences and
outputs differently from ALL) against embit; legacy and BIP341 (only the seven defined types)
by signing over walletkit's digest and letting Bitcoin Core's interpreter (libbitcoinkernel)
check each signature. Issue 19's surviving sighash mutants.

The transactions are drawn from a fixed-seed SHA-256 stream, so every run checks the same ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from embit.script import Script
from embit.transaction import Transaction as EmbitTransaction

import walletkit as wk
from chains.bitcoin import kernel, script, sighash
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from walletkit.crypto import secp256k1

LEGACY_TYPES = [0x01, 0x02, 0x03, 0x81, 0x82, 0x83]
TAPROOT_TYPES = [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83]


def _stream(seed: str) -> Iterator[int]:
    counter = 0
    while True:
        yield from hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1


def _tx(seed: str, inputs: int, outputs: int) -> Transaction:
    s = _stream(seed)

    def take(n: int) -> bytes:
        return bytes(next(s) for _ in range(n))

    return Transaction(
        inputs=tuple(
            TxIn(OutPoint(take(32).hex(), int.from_bytes(take(1), "big")), sequence=int.from_bytes(take(4), "little"))
            for _ in range(inputs)
        ),
        outputs=tuple(TxOut(int.from_bytes(take(4), "little"), b"\x00\x14" + take(20)) for _ in range(outputs)),
        version=2,
        locktime=int.from_bytes(take(3), "little"),
    )


def _embit(tx: Transaction) -> EmbitTransaction:
    return EmbitTransaction.parse(tx.serialize(witness=False))


SHAPES = [(1, 1), (2, 3), (3, 2), (3, 1)]
SCRIPT_CODE = bytes.fromhex("76a914") + bytes(range(20)) + bytes.fromhex("88ac")


@pytest.mark.parametrize(("inputs", "outputs"), SHAPES)
@pytest.mark.parametrize("hash_type", LEGACY_TYPES)
def test_bip143_against_embit(inputs: int, outputs: int, hash_type: int) -> None:
    tx = _tx(f"bip143-{inputs}-{outputs}", inputs, outputs)
    reference = _embit(tx)
    for index in range(inputs):
        amount = 10_000 + index
        if hash_type & 3 == 3 and index >= outputs:
            with pytest.raises(wk.errors.InvalidTransaction, match="no output"):
                sighash.bip143(tx, index, SCRIPT_CODE, amount, hash_type)
            continue
        expected = reference.sighash_segwit(index, Script(SCRIPT_CODE), amount, hash_type)
        assert sighash.bip143(tx, index, SCRIPT_CODE, amount, hash_type) == expected, (index, hash(hash_type))


def _push(data: bytes) -> bytes:
    assert len(data) < 0x4C
    return bytes([len(data)]) + data


KEYS = [hashlib.sha256(f"sighash key {i}".encode()).digest() for i in range(3)]


@pytest.mark.parametrize(("inputs", "outputs"), SHAPES)
@pytest.mark.parametrize("hash_type", LEGACY_TYPES)
def test_legacy_signatures_verify_in_the_kernel(inputs: int, outputs: int, hash_type: int) -> None:
    # P2PKH inputs signed over walletkit's legacy digest; Bitcoin Core's interpreter
    # (libbitcoinkernel) computes its own digest for the hash type and checks each signature.
    tx = _tx(f"legacy-{inputs}-{outputs}", inputs, outputs)
    publics = [secp256k1.public_from_secret(k) for k in KEYS[:inputs]]
    spent = [TxOut(20_000 + i, script.p2pkh(p)) for i, p in enumerate(publics)]
    for index in range(inputs):
        if hash_type & 3 == 3 and index >= outputs:
            with pytest.raises(wk.errors.InvalidTransaction, match="constant 1"):
                sighash.legacy(tx, index, spent[index].script_pubkey, hash_type)
            digest = sighash.legacy(tx, index, spent[index].script_pubkey, hash_type, allow_single_bug=True)
            assert digest == b"\x01" + bytes(31)  # Core's uint256 one, little-endian
        else:
            digest = sighash.legacy(tx, index, spent[index].script_pubkey, hash_type)
        signature = secp256k1.sign_der(KEYS[index], digest) + bytes([hash_type])
        tx = tx.with_input(index, script_sig=_push(signature) + _push(publics[index]))
    assert [kernel.verify_input(tx, i, spent) for i in range(inputs)] == [True] * inputs
    other = 0x01 if hash_type != 0x01 else 0x02
    wrong = secp256k1.sign_der(KEYS[0], sighash.legacy(tx, 0, spent[0].script_pubkey, other)) + bytes([hash_type])
    assert not kernel.verify_input(tx.with_input(0, script_sig=_push(wrong) + _push(publics[0])), 0, spent)


@pytest.mark.parametrize(
    ("script", "kept"),
    [
        # OP_CODESEPARATOR (0xab) opcodes go; 0xab bytes inside pushes stay (worked out by hand).
        ("ab76ab", "76"),
        ("02abab" + "ab", "02abab"),
        ("4c02abab" + "ab" + "51", "4c02abab51"),  # OP_PUSHDATA1
        ("4d0200abab" + "ab", "4d0200abab"),  # OP_PUSHDATA2
        ("4e02000000abab" + "ab" + "ac", "4e02000000ababac"),  # OP_PUSHDATA4
        ("4b" + "ab" * 75 + "ab", "4b" + "ab" * 75),  # the longest direct push (0x4b)
        ("00ab51", "0051"),  # OP_0 is not a push of data
        ("01ab" + "ab", "01ab"),  # the shortest direct push (0x01)
        ("4c01ab" + "51" + "ab", "4c01ab51"),  # the opcode right after a PUSHDATA1 is read
        ("4cab" + "ab" * 0xAB + "ab", "4cab" + "ab" * 0xAB),  # PUSHDATA1's length byte is 0xab
        # A PUSHDATA1 after another opcode: its data (ending in 0x05) is skipped whole, so the
        # 0xab after it goes and 52..56 stay.
        ("51" + "4c05" + "0102030405" + "ab" + "5253545556", "514c0501020304055253545556"),
    ],
)
def test_legacy_drops_code_separators_outside_pushes(script: str, kept: str) -> None:
    tx = _tx("codesep", 1, 1)
    reference = _embit(tx)
    assert sighash.legacy(tx, 0, bytes.fromhex(script), 0x01) == reference.sighash_legacy(
        0, Script(bytes.fromhex(kept)), 0x01
    )


@pytest.mark.parametrize(("inputs", "outputs"), SHAPES)
@pytest.mark.parametrize("hash_type", TAPROOT_TYPES)
def test_bip341_signatures_verify_in_the_kernel(inputs: int, outputs: int, hash_type: int) -> None:
    # P2TR key-path inputs signed over walletkit's BIP341 digest, checked by libbitcoinkernel.
    tx = _tx(f"bip341-{inputs}-{outputs}", inputs, outputs)
    publics = [secp256k1.public_from_secret(k) for k in KEYS[:inputs]]
    spent = [TxOut(50_000 + i, script.p2tr(p)) for i, p in enumerate(publics)]
    suffix = bytes([hash_type]) if hash_type else b""
    signable = [i for i in range(inputs) if not (hash_type & 3 == 3 and i >= outputs)]
    for index in range(inputs):
        if index not in signable:  # SINGLE with no output at this index: BIP341 defines no hash
            with pytest.raises(wk.errors.InvalidTransaction, match="no output"):
                sighash.bip341(tx, index, spent, hash_type)
            continue
        digest = sighash.bip341(tx, index, spent, hash_type)
        tweaked = secp256k1.taproot_tweak_secret(KEYS[index])
        tx = tx.with_input(index, witness=(secp256k1.sign_schnorr(tweaked, digest, bytes(32)) + suffix,))
    assert [kernel.verify_input(tx, i, spent) for i in signable] == [True] * len(signable)
    other = 0x01 if hash_type != 0x01 else 0x02
    wrong = secp256k1.sign_schnorr(secp256k1.taproot_tweak_secret(KEYS[0]), sighash.bip341(tx, 0, spent, other))
    assert not kernel.verify_input(tx.with_input(0, witness=(wrong + suffix,)), 0, spent)


@pytest.mark.parametrize("hash_type", [0x04, 0x20, 0x40, 0x80, 0x84, 0xC1, 0xFF])
def test_bip341_refuses_undefined_hash_types(hash_type: int) -> None:
    tx = _tx("bad-type", 1, 1)
    spent = [TxOut(1, b"\x51\x20" + bytes(32))]
    with pytest.raises(wk.errors.InvalidTransaction, match=f"bad taproot sighash type 0x{hash_type:02x}"):
        sighash.bip341(tx, 0, spent, hash_type)


def test_bip341_needs_every_spent_output() -> None:
    tx = _tx("spent", 2, 1)
    with pytest.raises(wk.errors.InvalidTransaction, match="every spent output: 2 inputs, 1 given"):
        sighash.bip341(tx, 0, [TxOut(1, b"\x51\x20" + bytes(32))], 0)
