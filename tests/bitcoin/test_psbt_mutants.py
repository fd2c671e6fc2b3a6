"""PSBT v0 (BIP174) behaviours the mutation run found unpinned (issue 19).

Expected values come from outside walletkit: BIP174's own test vectors (invalid PSBTs, the
creator and extractor roles), BIP341's key-path signing vector (tests/vectors), embit's PSBT
reader, Bitcoin Core's interpreter (libbitcoinkernel) for every signature, and hand-built bytes
written out below.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from embit.psbt import PSBT as EmbitPsbt  # type: ignore[import-untyped]

import walletkit as wk
from chains.bitcoin import kernel, script
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.transfer import BitcoinTransfer
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from walletkit.crypto import secp256k1

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "bip174_bip370_psbt_vectors.json").read_text())
BIP174 = {case["case"]: bytes.fromhex(case["hex"]) for case in VECTORS["bip174"]}
ROLES = dict(zip(VECTORS["bip174_roles"]["names_in_order"], VECTORS["bip174_roles"]["hex_in_order"], strict=True))
WALLET = wk.Wallet.from_mnemonic("legal winner thank year wave sausage worth useful legal winner thank yellow")
KEYS = [hashlib.sha256(f"psbt mutant key {i}".encode()).digest() for i in range(3)]
PUBLICS = [secp256k1.public_from_secret(k) for k in KEYS]
KINDS = ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"]


# --- BIP174's invalid PSBTs: each refused, with the reason --------------------------------------

REFUSED = {
    "Network transaction, not PSBT format": r"^a PSBT starts with the magic bytes 'psbt\\xff'$",
    "PSBT where one input has a filled scriptSig in the unsigned tx": (
        r"^a PSBT's unsigned transaction must have empty scriptSigs and witnesses$"
    ),
    "PSBT where inputs and outputs are provided but without an unsigned tx": (
        r"^the PSBT has no unsigned transaction \(global key 0x00\)$"
    ),
    "PSBT with invalid global transaction typed key": r"^the PSBT has no unsigned transaction \(global key 0x00\)$",
    "PSBT with duplicate keys in an input": r"^PSBT has a duplicate key 0x00$",
    "PSBT missing outputs": r"^truncated transaction",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bip174_invalid_psbts_are_refused_with_their_reason(case: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction, match=REFUSED[case]):
        Psbt.parse(BIP174[case])
    with pytest.raises(wk.errors.InvalidTransaction, match=REFUSED[case]):
        Psbt.from_base64(base64.b64encode(BIP174[case]).decode())


def test_a_psbt_is_bytes() -> None:
    text = base64.b64encode(BIP174["PSBT with one P2PKH input. Outputs are empty"]).decode()
    with pytest.raises(wk.errors.InvalidTransaction, match=r"^a PSBT starts with the magic bytes"):
        Psbt.parse(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "case",
    [
        "PSBT with one P2PKH input. Outputs are empty",
        "PSBT with one P2PKH input and one P2SH-P2WPKH input. First input is signed and finalized. Outputs are empty",
        "PSBT with unknown types in the inputs.",
        "PSBT with `PSBT_GLOBAL_XPUB`.",
    ],
)
def test_bip174_valid_psbts_round_trip_and_refuse_trailing_bytes(case: str) -> None:
    raw = BIP174[case]
    psbt = Psbt.parse(raw)
    assert psbt.serialize() == raw
    assert psbt.tx.txid == EmbitPsbt.parse(raw).tx.txid().hex()
    for extra in (b"\x00", b"\x00\x00", b"\x01\x01"):
        with pytest.raises(wk.errors.InvalidTransaction, match=r"^trailing bytes after the PSBT's last output map$"):
            Psbt.parse(raw + extra)


def test_an_unsigned_tx_that_also_reads_as_segwit_is_read_without_witness() -> None:
    # BIP174: the unsigned tx is in the non-witness format, and Bitcoin Core always reads it so
    # (psbt.h: TX_NO_WITNESS). Version 2, 0 inputs, 1 output of 256 sat to a P2WPKH, locktime 0:
    #   02000000 | 00 (0 inputs) | 01 (1 output) | 0001000000000000 (256) | 16 0014 <20 bytes> | 00000000
    # The same 41 bytes also frame a segwit tx (marker 00, flag 01, 0 inputs, 1 output of
    # 0x0014160000000000 sat paying the 20 bytes, locktime 0), which must not get it refused.
    program = bytes(range(20))
    spk = bytes.fromhex("0014") + program
    raw = bytes.fromhex("02000000" + "00" + "01" + "0001000000000000") + b"\x16" + spk + bytes(4)
    assert len(raw) == 41
    psbt = Psbt.parse(b"psbt\xff" + b"\x01\x00" + bytes([len(raw)]) + raw + b"\x00" + b"\x00")
    assert psbt.tx == Transaction((), (TxOut(256, spk),), 2, 0)
    assert psbt.inputs == [] and psbt.outputs == [{}]


def test_a_v2_psbt_with_trailing_bytes_is_refused() -> None:
    account, transfer = _transfer("p2wpkh", (60_000,))
    raw = transfer.to_psbt(account).convert(2).serialize()
    assert Psbt.parse(raw).version == 2
    with pytest.raises(wk.errors.InvalidTransaction, match=r"^trailing bytes after the PSBT's last output map$"):
        Psbt.parse(raw + b"\x00")


# --- the creator and extractor roles of BIP174 ----------------------------------------------------


def test_bip174_creator_vector() -> None:
    creator = bytes.fromhex(ROLES["creator"])
    unsigned = Psbt.parse(creator).tx
    assert Psbt.create(unsigned).serialize() == creator
    # The creator drops scriptSigs and witnesses of the transaction it is given.
    dressed = Transaction(
        tuple(TxIn(i.prevout, b"\x51", i.sequence, (b"\x01",)) for i in unsigned.inputs),
        unsigned.outputs,
        unsigned.version,
        unsigned.locktime,
    )
    assert Psbt.create(dressed).serialize() == creator


def test_bip174_extractor_vector() -> None:
    # Input 0 is P2SH multisig (scriptSig, no witness), input 1 P2SH-P2WSH (a witness).
    final = Psbt.parse(bytes.fromhex(ROLES["input_finalizer"]))
    assert final.is_finalized()
    tx = final.extract()
    assert tx.serialize().hex() == ROLES["extractor_tx"]
    assert tx == Transaction.parse(bytes.fromhex(ROLES["extractor_tx"]))


@pytest.mark.parametrize("kind", KINDS)
def test_extract_keeps_the_locktime(kind: str) -> None:
    # Every signature commits to nLockTime: the kernel refuses the inputs if extract drops it.
    account = WALLET.account("btc", kind=kind, network="regtest")
    utxos = [{"txid": hashlib.sha256(f"lock{kind}".encode()).hexdigest(), "vout": 0, "value": 80_000}]
    transfer = account.transfer(account.address, 50_000, utxos=utxos, fee_rate=2.0, locktime=700_000)
    assert isinstance(transfer, BitcoinTransfer)
    psbt = transfer.to_psbt(account)
    psbt.sign(account.signing_key(), account.public_key.data)
    psbt.finalize()
    tx = psbt.extract()
    assert tx.locktime == 700_000 == EmbitPsbt.parse(psbt.serialize()).tx.locktime
    assert kernel.verify_all(tx, list(transfer.spent))


def test_extract_refuses_an_input_that_is_not_finalized() -> None:
    psbt = Psbt.parse(bytes.fromhex(ROLES["combiner"]))
    with pytest.raises(wk.errors.InvalidTransaction, match=r"^PSBT input 0 is not finalized; call finalize\(\) first$"):
        psbt.extract()


def test_extract_refuses_maps_that_do_not_match_the_transaction() -> None:
    # One input map for a two-input transaction: extracting must not drop the second input.
    final = Psbt.parse(bytes.fromhex(ROLES["input_finalizer"]))
    short = Psbt(final.tx, final.globals, final.inputs[:1], final.outputs)
    with pytest.raises(ValueError):
        short.extract()


# --- base64 ----------------------------------------------------------------------------------


def test_base64_with_a_stray_character_is_refused() -> None:
    text = base64.b64encode(BIP174["PSBT with one P2PKH input. Outputs are empty"]).decode()
    assert Psbt.from_base64(text).serialize() == BIP174["PSBT with one P2PKH input. Outputs are empty"]
    for bad in (text[:8] + "!" + text[8:], text[:8] + "\n" + text[8:], text[:8] + "-" + text[8:]):
        with pytest.raises(wk.errors.InvalidTransaction, match=r"^a PSBT text is base64: "):
            Psbt.from_base64(bad)
    with pytest.raises(wk.errors.InvalidTransaction, match=r"^a PSBT text is base64: "):
        Psbt.from_base64(None)  # type: ignore[arg-type]


# --- what inputs spend ---------------------------------------------------------------------------


def _one_input(prevout: OutPoint, value: int = 50_000) -> Psbt:
    return Psbt.create(Transaction((TxIn(prevout),), (TxOut(value, script.p2wpkh(PUBLICS[1])),)))


def test_spent_output_needs_a_utxo_and_an_existing_output() -> None:
    prev = Transaction((TxIn(OutPoint("22" * 32, 0)),), (TxOut(70_000, script.p2wpkh(PUBLICS[0])),))
    psbt = _one_input(OutPoint(prev.txid, 0))
    with pytest.raises(
        wk.errors.InvalidTransaction, match=r"^PSBT input 0 has neither a witness nor a non-witness UTXO$"
    ):
        psbt.spent_output(0)
    psbt.update_input(0, prev.outputs[0], prev_tx=prev)
    assert psbt.spent_output(0) == prev.outputs[0] and psbt.fee() == 20_000
    # The outpoint names output 1 of a one-output transaction: output 1 does not exist.
    past = _one_input(OutPoint(prev.txid, 1))
    past.update_input(0, prev.outputs[0], prev_tx=prev)
    with pytest.raises(wk.errors.InvalidTransaction, match=rf"^PSBT input 0: output 1 does not exist in {prev.txid}$"):
        past.spent_output(0)


def test_non_witness_utxo_is_written_without_witness() -> None:
    # Bitcoin Core writes PSBT_IN_NON_WITNESS_UTXO without witness data: the txid is all it is
    # checked against. The previous transaction below, by hand: version 2, marker 00 flag 01,
    # one input, one output, a witness of one item, locktime 0.
    segwit = bytes.fromhex(
        "02000000" + "0001" + "01" + "33" * 32 + "00000000" + "00" + "fdffffff"
        "01" + "70110100" + "00000000" + "16" + "0014" + "44" * 20 + "01" + "02" + "abcd" + "00000000"
    )
    stripped = bytes.fromhex(
        "02000000" + "01" + "33" * 32 + "00000000" + "00" + "fdffffff"
        "01" + "70110100" + "00000000" + "16" + "0014" + "44" * 20 + "00000000"
    )
    prev = Transaction.parse(segwit)
    psbt = _one_input(OutPoint(prev.txid, 0), 10_000)
    psbt.update_input(0, prev.outputs[0], prev_tx=prev)
    assert psbt.inputs[0][b"\x00"] == stripped
    assert prev.txid == hashlib.sha256(hashlib.sha256(stripped).digest()).digest()[::-1].hex()
    assert EmbitPsbt.parse(psbt.serialize()).fee() == 60_000 == psbt.fee()  # 0x011170 = 70,000 in, 10,000 out


# --- signing: sighash types from the PSBT, aux randomness, what is skipped ------------------------


def test_bip341_keypath_vector_signed_through_a_psbt() -> None:
    # BIP341's wallet vector, input 0 (no script tree, SIGHASH_SINGLE): the PSBT carries the
    # hash type as BIP174's 4-byte little-endian PSBT_IN_SIGHASH_TYPE; the vector's signature is
    # made with 32 zero bytes of auxiliary randomness.
    data = json.loads((Path(__file__).parent.parent / "vectors" / "bip341_wallet_test_vectors.json").read_text())
    vector = data["data"]["keyPathSpending"][0]
    case = vector["inputSpending"][0]
    assert case["given"]["merkleRoot"] is None and case["given"]["hashType"] == 3
    psbt = Psbt.create(Transaction.parse(bytes.fromhex(vector["given"]["rawUnsignedTx"])))
    for index, utxo in enumerate(vector["given"]["utxosSpent"]):
        psbt.update_input(index, TxOut(utxo["amountSats"], bytes.fromhex(utxo["scriptPubKey"])))
    psbt.inputs[0][b"\x03"] = (3).to_bytes(4, "little")
    secret = bytes.fromhex(case["given"]["internalPrivkey"])
    assert psbt.sign(secret, secp256k1.public_from_secret(secret), aux=bytes(32)) == 1
    assert psbt.inputs[0][b"\x13"].hex() == case["expected"]["witness"][0]


def _transfer(kind: str, values: tuple[int, ...]) -> tuple[wk.Account, BitcoinTransfer]:
    account = WALLET.account("btc", kind=kind, network="regtest")
    utxos = [
        {"txid": hashlib.sha256(f"{kind}{i}".encode()).hexdigest(), "vout": i, "value": v} for i, v in enumerate(values)
    ]
    transfer = account.transfer(account.address, sum(values) - 15_000, utxos=utxos, fee_rate=2.0)  # every coin
    assert isinstance(transfer, BitcoinTransfer)
    return account, transfer


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hash_type", [0x01, 0x02, 0x03, 0x81, 0x82, 0x83])
def test_the_psbt_sighash_type_is_signed_and_verifies(kind: str, hash_type: int) -> None:
    account, transfer = _transfer(kind, (60_000, 70_000))
    psbt = transfer.to_psbt(account)
    for m in psbt.inputs:
        m[b"\x03"] = hash_type.to_bytes(4, "little")
    key = account.signing_key()
    assert psbt.sign(key, account.public_key.data) == 2  # both inputs, counted once each
    for m in psbt.inputs:
        if kind == "p2tr":
            assert len(m[b"\x13"]) == 65 and m[b"\x13"][-1] == hash_type
        else:
            (signature,) = [v for k, v in m.items() if k[:1] == b"\x02"]
            assert signature[-1] == hash_type
    psbt.finalize()
    tx = psbt.extract()
    assert kernel.verify_all(tx, list(transfer.spent))  # Core computes the digest for that hash type


@pytest.mark.parametrize("kind", ["p2pkh", "p2sh-p2wpkh", "p2wpkh"])
def test_an_ecdsa_hash_type_is_signed_up_to_0xff_and_refused_from_0x100(kind: str) -> None:
    # A legacy or BIP143 signature ends in one hash-type byte, so 0xff is the largest type it can
    # carry: Psbt.sign signs it (Core's interpreter, not walletkit, checks the digest committed to
    # 0xff: base type 0x1f, which it hashes as ALL, with ANYONECANPAY) and refuses 0x100.
    account, transfer = _transfer(kind, (60_000,))
    key = account.signing_key()
    psbt = transfer.to_psbt(account)
    psbt.inputs[0][b"\x03"] = (0xFF).to_bytes(4, "little")
    assert psbt.sign(key, account.public_key.data) == 1
    (signature,) = [v for k, v in psbt.inputs[0].items() if k[:1] == b"\x02"]
    assert signature[-1] == 0xFF
    psbt.finalize()
    assert kernel.verify_all(psbt.extract(), list(transfer.spent))
    refused = transfer.to_psbt(account)
    refused.inputs[0][b"\x03"] = (0x100).to_bytes(4, "little")
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        refused.sign(key, account.public_key.data)
    assert str(info.value) == "PSBT input 0: sighash type 0x100 does not fit the signature's byte"


def test_taproot_default_type_has_no_suffix_and_aux_is_used() -> None:
    account, transfer = _transfer("p2tr", (60_000,))
    first, second = transfer.to_psbt(account), transfer.to_psbt(account)
    key = account.signing_key()
    assert first.sign(key, account.public_key.data, aux=b"\x07" * 32) == 1
    assert second.sign(key, account.public_key.data, aux=b"\x07" * 32) == 1
    assert len(first.inputs[0][b"\x13"]) == 64  # SIGHASH_DEFAULT: no hash type byte (BIP341)
    assert first.inputs[0][b"\x13"] == second.inputs[0][b"\x13"]  # BIP340 is deterministic given aux
    third = transfer.to_psbt(account)
    third.sign(key, account.public_key.data, aux=b"\x08" * 32)
    assert third.inputs[0][b"\x13"] != first.inputs[0][b"\x13"]


def test_sign_counts_only_what_it_signs_and_skips_final_inputs() -> None:
    account, transfer = _transfer("p2wpkh", (60_000, 70_000, 80_000))
    stranger = WALLET.account("btc", index=7, kind="p2wpkh", network="regtest")
    psbt = transfer.to_psbt(account)
    assert psbt.sign(stranger.signing_key(), stranger.public_key.data) == 0
    assert psbt.sign(account.signing_key(), account.public_key.data) == 3
    # Finalize input 0 alone (as another signer would), then sign again: only inputs 1 and 2
    # are not final, and signing twice with the same key signs them again (not input 0).
    psbt.finalize()
    witness_only = Psbt.parse(psbt.serialize())
    for m in witness_only.inputs[1:]:
        for key in [k for k in m if k[:1] == b"\x08"]:
            del m[key]
    assert witness_only.sign(account.signing_key(), account.public_key.data) == 2
    assert [b"\x08" in m for m in witness_only.inputs] == [True, False, False]
    witness_only.finalize()
    assert kernel.verify_all(witness_only.extract(), list(transfer.spent))


def test_a_final_p2sh_input_keeps_its_script_sig_and_is_skipped() -> None:
    account, transfer = _transfer("p2sh-p2wpkh", (60_000, 70_000))
    psbt = transfer.to_psbt(account)
    psbt.sign(account.signing_key(), account.public_key.data)
    psbt.finalize()
    # Keep only the final scriptSig of input 0 (no witness field): it is still final.
    m = psbt.inputs[0]
    del m[b"\x08"]
    before = dict(m)
    assert psbt.sign(account.signing_key(), account.public_key.data) == 0
    assert psbt.inputs[0] == before
    psbt.inputs[1] = {k: v for k, v in psbt.inputs[1].items() if k[:1] not in (b"\x07", b"\x08")}
    psbt.inputs[1][b"\x01"] = transfer.spent[1].serialize()
    assert psbt.sign(account.signing_key(), account.public_key.data) == 1


# --- finalizer ----------------------------------------------------------------------------------


def test_finalize_goes_past_inputs_already_final() -> None:
    account, transfer = _transfer("p2wpkh", (60_000, 70_000))
    psbt = transfer.to_psbt(account)
    psbt.sign(account.signing_key(), account.public_key.data)
    one = Psbt.parse(psbt.serialize())
    partial = {k: v for k, v in one.inputs[1].items()}
    one.finalize()
    one.inputs[1] = partial  # input 0 final, input 1 signed but not finalized
    one.finalize()
    assert one.is_finalized()
    assert kernel.verify_all(one.extract(), list(transfer.spent))


def test_an_unsigned_taproot_input_is_not_finalized() -> None:
    account, transfer = _transfer("p2tr", (60_000,))
    psbt = transfer.to_psbt(account)
    with pytest.raises(
        wk.errors.InvalidTransaction,
        match=r"^PSBT input 0 is not signed \(or needs a script walletkit cannot finalize\)$",
    ):
        psbt.finalize()


def test_a_signature_of_another_key_is_not_finalized() -> None:
    account, transfer = _transfer("p2wpkh", (60_000,))
    psbt = transfer.to_psbt(account)
    psbt.sign(account.signing_key(), account.public_key.data)
    ((key, signature),) = [(k, v) for k, v in psbt.inputs[0].items() if k[:1] == b"\x02"]
    del psbt.inputs[0][key]
    psbt.inputs[0][b"\x02" + PUBLICS[2]] = signature
    with pytest.raises(
        wk.errors.InvalidTransaction, match=r"^PSBT input 0: the signature's key does not own the spent script$"
    ):
        psbt.finalize()


# --- updater: change outputs --------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_change_output_fields_as_embit_reads_them(kind: str) -> None:
    account, transfer = _transfer(kind, (90_000,))
    assert transfer.change_output is not None
    change = account.sibling(change=1, index=0)
    fingerprint = b"\xde\xad\xbe\xef"
    theirs = EmbitPsbt.parse(transfer.to_psbt(account, fingerprint=fingerprint).serialize())
    out = theirs.outputs[transfer.change_output]
    purpose = {"p2pkh": 44, "p2sh-p2wpkh": 49, "p2wpkh": 84, "p2tr": 86}[kind]
    hardened = 0x80000000
    expected_path = [purpose + hardened, 1 + hardened, hardened, 1, 0]  # m/purpose'/1'/0'/1/0 (regtest)
    if kind == "p2tr":
        assert out.taproot_internal_key.xonly() == change.public_key.data[1:]
        ((_, (leaves, derivation)),) = out.taproot_bip32_derivations.items()
        assert leaves == [] and derivation.fingerprint == fingerprint and derivation.derivation == expected_path
        assert not out.bip32_derivations and out.redeem_script is None
    else:
        ((public, derivation),) = out.bip32_derivations.items()
        assert public.sec() == change.public_key.data
        assert derivation.fingerprint == fingerprint and derivation.derivation == expected_path
        assert out.taproot_internal_key is None
        if kind == "p2sh-p2wpkh":
            assert (
                out.redeem_script.data
                == b"\x00\x14" + hashlib.new("ripemd160", hashlib.sha256(change.public_key.data).digest()).digest()
            )
        else:
            assert out.redeem_script is None
    # The recipient output (not ours) carries nothing.
    others = [o for i, o in enumerate(theirs.outputs) if i != transfer.change_output]
    assert all(not o.bip32_derivations and o.taproot_internal_key is None for o in others)
