"""PSBT v0 (BIP174): round trips, signing of every kind verified by the kernel, the segwit fee attack, embit interop."""

from __future__ import annotations

import os

import pytest
from embit import ec  # type: ignore[import-untyped]
from embit.finalizer import finalize_psbt  # type: ignore[import-untyped]
from embit.psbt import PSBT as EmbitPsbt  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.bitcoin import kernel
from chains.bitcoin.psbt import I_NON_WITNESS_UTXO, Psbt
from chains.bitcoin.transfer import BitcoinTransfer, sign_psbt
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

WALLET = wk.Wallet.from_mnemonic("legal winner thank year wave sausage worth useful legal winner thank yellow")
KINDS = ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"]


def _transfer(kind: str, values: tuple[int, ...] = (100_000, 30_000)) -> tuple[wk.Account, BitcoinTransfer]:
    account = WALLET.account("btc", kind=kind, network="regtest")
    to = WALLET.account("btc", index=5, network="regtest").address
    utxos = [{"txid": os.urandom(32).hex(), "vout": i, "value": v} for i, v in enumerate(values)]
    transfer = account.transfer(to, 110_000, utxos=utxos, fee_rate=3.0)
    assert isinstance(transfer, BitcoinTransfer)
    return account, transfer


@pytest.mark.parametrize("kind", KINDS)
def test_psbt_sign_finalize_extract_verifies_in_the_kernel(kind: str) -> None:
    account, transfer = _transfer(kind)
    text = transfer.to_psbt(account).to_base64()
    signed = account.sign(text)
    tx = signed.extra["tx"]
    assert isinstance(tx, Transaction)
    assert kernel.verify_all(tx, list(transfer.spent))
    assert signed.txid == account.sign(transfer).txid  # same unsigned transaction either way
    assert signed.extra["fee"] == transfer.fee


@pytest.mark.parametrize("kind", KINDS)
def test_psbt_records_paths_keys_and_change(kind: str) -> None:
    account, transfer = _transfer(kind)
    psbt = transfer.to_psbt(account)
    public = account.public_key.data
    assert account.path is not None
    path = b"".join(i.to_bytes(4, "little") for i in account.path.indexes)
    if kind == "p2tr":
        assert psbt.inputs[0][b"\x17"] == public[1:]
        assert psbt.inputs[0][b"\x16" + public[1:]] == b"\x00" + bytes(4) + path
    else:
        assert psbt.inputs[0][b"\x06" + public] == bytes(4) + path
    assert transfer.change_output is not None
    assert psbt.outputs[transfer.change_output]  # marked as ours


def test_multi_party_sign_psbt_then_finalize() -> None:
    # Two accounts of different kinds spend into one transaction; each signs what it owns.
    a = WALLET.account("btc", index=1, kind="p2tr", network="regtest")
    b = WALLET.account("btc", index=2, kind="p2wpkh", network="regtest")
    spent = [TxOut(60_000, _spk(a)), TxOut(70_000, _spk(b))]
    tx = Transaction(
        (TxIn(OutPoint(os.urandom(32).hex(), 0)), TxIn(OutPoint(os.urandom(32).hex(), 1))), (TxOut(125_000, _spk(a)),)
    )
    psbt = Psbt.create(tx)
    for i, prev in enumerate(spent):
        psbt.update_input(i, prev)
    text = sign_psbt(a, psbt.to_base64()).to_base64()
    with pytest.raises(wk.errors.InvalidTransaction, match="input 1 is not signed"):
        Psbt.from_base64(text).finalize()
    final = b.plugin.sign_psbt(b, text)  # type: ignore[attr-defined]
    final.finalize()
    assert kernel.verify_all(final.extract(), spent)
    assert final.fee() == 5_000


def _spk(account: wk.Account) -> bytes:
    from chains.bitcoin.address import decode

    return decode(account.address).script_pubkey


def test_segwit_fee_attack_is_refused() -> None:
    account, transfer = _transfer("p2wpkh", (200_000,))
    prev = Transaction((TxIn(OutPoint("33" * 32, 0)),), (transfer.spent[0],))
    tx = Transaction((TxIn(OutPoint(prev.txid, 0)),), transfer.tx.outputs)
    psbt = Psbt.create(tx)
    psbt.update_input(0, TxOut(transfer.spent[0].value - 50_000, transfer.spent[0].script_pubkey), prev_tx=prev)
    with pytest.raises(wk.errors.InvalidTransaction, match="segwit fee attack"):
        account.plugin.sign_psbt(account, psbt)  # type: ignore[attr-defined]
    # A non-witness UTXO that is not the outpoint's transaction is refused too.
    psbt.inputs[0][bytes([I_NON_WITNESS_UTXO])] = Transaction((TxIn(OutPoint("44" * 32, 0)),), ()).serialize()
    with pytest.raises(wk.errors.InvalidTransaction, match="not " + prev.txid):
        account.plugin.sign_psbt(account, psbt)  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", ["not base64!", "cHNidP8=", "AAAA", ""])
def test_bad_psbt_text_is_a_typed_error(bad: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction):
        Psbt.from_base64(bad)


_bytes = st.binary(max_size=40)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(min_size=32, max_size=32), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.tuples(st.integers(0, 2**63 - 1), _bytes), min_size=1, max_size=4),
    st.integers(0, 2**32 - 1),
    # Key types no BIP174/BIP370/BIP371 map defines (0x19+ but 0xfb), proprietary 0xfc included:
    # a known type with malformed key data is refused by the parser, as BIP174 requires.
    st.dictionaries(
        st.binary(min_size=1, max_size=34).filter(lambda k: k[0] > 0x18 and k[0] != 0xFB), _bytes, max_size=3
    ),
)
def test_psbt_parse_serialize_round_trip(
    ins: list[tuple[bytes, int, int]], outs: list[tuple[int, bytes]], locktime: int, unknown: dict[bytes, bytes]
) -> None:
    tx = Transaction(
        tuple(TxIn(OutPoint(t.hex(), v), sequence=s) for t, v, s in ins),
        tuple(TxOut(v, spk) for v, spk in outs),
        2,
        locktime,
    )
    psbt = Psbt.create(tx)
    psbt.globals.update(unknown)  # unknown and proprietary keys travel through unchanged
    psbt.inputs[0].update(unknown)
    psbt.outputs[-1].update(unknown)
    raw = psbt.serialize()
    again = Psbt.parse(raw)
    assert again == psbt and again.serialize() == raw
    assert Psbt.from_base64(psbt.to_base64()) == psbt
    # The same PSBT as version 2 (BIP370), when the unknown keys do not collide with v2 fields.
    v2 = psbt.convert(2)
    if not any(k[:1] in (b"\x02", b"\x03", b"\x04", b"\x05", b"\x06") for k in unknown) and not any(
        k[:1] in (b"\x0e", b"\x0f", b"\x10", b"\x11", b"\x12") for k in unknown
    ):
        again2 = Psbt.parse(v2.serialize())
        assert again2 == v2 and again2.tx == tx and again2.convert(0) == psbt


@pytest.mark.parametrize("kind", ["p2sh-p2wpkh", "p2wpkh", "p2tr"])
def test_embit_signs_our_psbt_and_we_finalize(kind: str) -> None:
    # embit (another implementation) signs the PSBT made here; we finalize and the kernel accepts it.
    account, transfer = _transfer(kind)
    theirs = EmbitPsbt.from_string(transfer.to_psbt(account).to_base64())
    assert theirs.sign_with(ec.PrivateKey(account.signing_key().secret_bytes())) == len(transfer.tx.inputs)
    psbt = Psbt.from_base64(theirs.to_string())
    psbt.finalize()
    tx = psbt.extract()
    assert tx.txid == account.sign(transfer).txid
    assert kernel.verify_all(tx, list(transfer.spent))


@pytest.mark.parametrize("kind", ["p2sh-p2wpkh", "p2wpkh"])  # embit 0.8's finalizer has no taproot
def test_embit_reads_our_signed_psbt_identically(kind: str) -> None:
    # The reverse: embit finalizes the PSBT signed here and extracts the same bytes we do.
    account, transfer = _transfer(kind)
    psbt = sign_psbt(account, transfer.to_psbt(account))
    theirs = EmbitPsbt.from_string(psbt.to_base64())
    assert theirs.fee() == transfer.fee
    final = finalize_psbt(theirs)
    psbt.finalize()
    assert final.serialize() == psbt.extract().serialize()


def _with_prev_tx(account: wk.Account, value: int) -> dict[str, object]:
    spk = _spk(account)
    prev = Transaction((TxIn(OutPoint(os.urandom(32).hex(), 0)),), (TxOut(1_000, b"\x51"), TxOut(value, spk)))
    return {"txid": prev.txid, "vout": 1, "value": value, "prev_tx": prev.serialize().hex()}


@pytest.mark.parametrize("kind", KINDS)
def test_prev_tx_travels_as_non_witness_utxo_and_embit_signs_it(kind: str) -> None:
    # With the previous transactions known, every input carries its non-witness UTXO (what Core
    # needs for P2PKH, and hardware signers for all kinds); embit signs even P2PKH from it.
    account = WALLET.account("btc", kind=kind, network="regtest")
    utxos = [_with_prev_tx(account, 120_000), _with_prev_tx(account, 40_000)]
    transfer = account.transfer(account.address, 130_000, utxos=utxos, fee_rate=2.0)
    assert isinstance(transfer, BitcoinTransfer)
    psbt = transfer.to_psbt(account)
    assert all(bytes([I_NON_WITNESS_UTXO]) in m for m in psbt.inputs)
    assert (b"\x01" in psbt.inputs[0]) == (kind != "p2pkh")  # witness UTXO for segwit kinds only
    theirs = EmbitPsbt.from_string(psbt.to_base64())
    assert theirs.sign_with(ec.PrivateKey(account.signing_key().secret_bytes())) == len(transfer.tx.inputs)
    signed = Psbt.from_base64(theirs.to_string())
    signed.finalize()
    assert kernel.verify_all(signed.extract(), list(transfer.spent))
    if kind != "p2tr":  # ECDSA is deterministic (RFC6979): both of our signing routes give the same bytes
        assert account.sign(psbt.to_base64()).raw == account.sign(transfer).raw


def test_a_utxo_that_disagrees_with_its_prev_tx_is_refused() -> None:
    account = WALLET.account("btc", network="regtest")
    utxo = _with_prev_tx(account, 50_000)
    with pytest.raises(wk.errors.InvalidInput, match="says 40000 sat but its prev_tx says 50000"):
        account.transfer(account.address, 10_000, utxos=[{**utxo, "value": 40_000}], fee_rate=2.0)
    with pytest.raises(wk.errors.InvalidInput, match="no output"):
        account.transfer(account.address, 10_000, utxos=[{**utxo, "txid": "00" * 32}], fee_rate=2.0)


BDK_DESCRIPTORS = {"p2pkh": "new_bip44", "p2sh-p2wpkh": "new_bip49", "p2wpkh": "new_bip84", "p2tr": "new_bip86"}


@pytest.mark.parametrize("kind", KINDS)
def test_bdk_signs_our_psbt_byte_identically(kind: str) -> None:
    # BDK (bdkpython), holding the same mnemonic as a BIP44/49/84/86 descriptor wallet, finds its
    # inputs by master fingerprint and path in the PSBT made here, signs and finalizes them.
    import bdkpython as bdk  # type: ignore[import-untyped]

    from walletkit.bip39 import mnemonic_to_seed
    from walletkit.hd.bip32 import HDNode

    phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    fingerprint = HDNode.from_seed(mnemonic_to_seed(phrase)).fingerprint
    account = WALLET.account("btc", kind=kind, network="regtest")
    secret = bdk.DescriptorSecretKey(bdk.NetworkKind.TEST, bdk.Mnemonic.from_string(phrase), None)
    make = getattr(bdk.Descriptor, BDK_DESCRIPTORS[kind])
    wallet = bdk.Wallet(
        make(secret, bdk.KeychainKind.EXTERNAL, bdk.NetworkKind.TEST),
        make(secret, bdk.KeychainKind.INTERNAL, bdk.NetworkKind.TEST),
        bdk.Network.REGTEST,
        bdk.Persister.new_in_memory(),
    )
    assert str(wallet.peek_address(bdk.KeychainKind.EXTERNAL, 0).address) == account.address
    transfer = account.transfer(account.address, 90_000, utxos=[_with_prev_tx(account, 150_000)], fee_rate=2.0)
    assert isinstance(transfer, BitcoinTransfer)
    theirs = bdk.Psbt(transfer.to_psbt(account, fingerprint=fingerprint).to_base64())
    options = bdk.SignOptions(
        trust_witness_utxo=False,  # BDK checks the non-witness UTXO, as the fee attack demands
        assume_height=None,
        allow_all_sighashes=False,
        try_finalize=True,
        sign_with_tap_internal_key=True,
        allow_grinding=False,  # plain RFC6979, as walletkit signs
    )
    assert wallet.sign(theirs, options)
    final = Psbt.from_base64(theirs.serialize())
    assert final.is_finalized()
    tx = final.extract()
    assert kernel.verify_all(tx, list(transfer.spent))
    if kind != "p2tr":  # BIP340 signatures take fresh auxiliary randomness; ECDSA ones are deterministic
        assert tx.serialize() == account.sign(transfer).raw
    assert final.fee() == transfer.fee == theirs.fee()


@pytest.mark.parametrize("kind", KINDS)
def test_psbt_v2_sign_and_interop(kind: str) -> None:
    account, transfer = _transfer(kind)
    v2 = transfer.to_psbt(account).convert(2)
    text = v2.to_base64()
    assert b"\x00" not in [k[:1] for k in Psbt.from_base64(text).globals]  # no unsigned tx in v2
    signed = account.sign(text)
    assert kernel.verify_all(signed.extra["tx"], list(transfer.spent))  # type: ignore[arg-type]
    theirs = EmbitPsbt.from_string(text)  # embit reads BIP370 too
    assert theirs.version == 2 and theirs.tx.txid().hex() == transfer.tx.txid
    if kind != "p2pkh":  # (no previous transactions here: embit signs P2PKH only from them)
        assert theirs.sign_with(ec.PrivateKey(account.signing_key().secret_bytes())) == len(transfer.tx.inputs)
        back = Psbt.from_base64(theirs.to_string())
        assert back.version == 2
        back.finalize()
        assert kernel.verify_all(back.extract(), list(transfer.spent))


def test_psbt_v2_locktime_rules() -> None:
    from chains.bitcoin.psbt2 import locktime

    height, time_ = (700_000).to_bytes(4, "little"), (1_700_000_000).to_bytes(4, "little")
    assert locktime([{}, {}], 5) == 5  # no requirement: the fallback
    assert locktime([{b"\x12": height}, {b"\x11": time_, b"\x12": (800_000).to_bytes(4, "little")}], 0) == 800_000
    assert locktime([{b"\x11": time_}, {}], 0) == 1_700_000_000
    with pytest.raises(wk.errors.InvalidTransaction, match="both a height and a time"):
        locktime([{b"\x11": time_}, {b"\x12": height}], 0)


def test_psbt_v2_malformed() -> None:
    _, transfer = _transfer("p2wpkh")
    v2 = transfer.to_psbt().convert(2)
    raw = v2.serialize()
    assert Psbt.parse(raw) == v2
    with pytest.raises(wk.errors.InvalidTransaction, match="not supported"):
        Psbt.parse(raw.replace(b"\x01\xfb\x04\x02\x00\x00\x00", b"\x01\xfb\x04\x01\x00\x00\x00"))
    with pytest.raises(wk.errors.InvalidTransaction, match="not 3"):
        v2.convert(3)
