"""Bitcoin transfer building, checking and signing: behaviours the mutation run found unpinned (issue 19).

Expected values come from outside walletkit: Bitcoin Core's dust thresholds and its wallet's
transaction version, BIP44/84/86 change paths derived by bip-utils, embit's reading of the PSBTs,
libbitcoinkernel for signatures, and weights and fees worked out by hand in the tests.
"""

from __future__ import annotations

import hashlib
import math

import pytest
from bip_utils import Bip32Slip10Secp256k1, Bip39SeedGenerator  # type: ignore[import-untyped]
from embit.psbt import PSBT as EmbitPsbt  # type: ignore[import-untyped]
from embit.transaction import Transaction as EmbitTransaction  # type: ignore[import-untyped]

import walletkit as wk
from chains.bitcoin import kernel, script
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.transfer import MAX_MONEY, BitcoinTransfer, Utxo, sign_psbt, sign_transfer
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
WALLET = wk.Wallet.from_mnemonic(PHRASE)
ACCOUNT = WALLET.account("btc", network="regtest")  # p2wpkh, m/84'/1'/0'/0/0
TO = WALLET.account("btc", index=4, network="regtest").address
TXID = hashlib.sha256(b"transfer mutants").hexdigest()


def _utxo(value: int = 1_000_000, vout: int = 0, **extra: object) -> dict[str, object]:
    return {"txid": TXID, "vout": vout, "value": value, **extra}


def _build(account: wk.Account = ACCOUNT, to: str = TO, amount: int = 100_000, **fields: object) -> BitcoinTransfer:
    fields.setdefault("utxos", [_utxo()])
    fields.setdefault("fee_rate", 2)
    transfer = account.transfer(to, amount, **fields)
    assert isinstance(transfer, BitcoinTransfer)
    return transfer


# --- fields refused, each with its message ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"token": "usdt"}, wk.errors.InvalidInput, r"^Bitcoin has no tokens; leave token=None$"),
        (
            {"nonce": 1, "gas": 2},
            wk.errors.InvalidInput,
            r"^unknown Bitcoin transfer field\(s\) gas, nonce; expected change_index, data, fee_rate, locktime, "
            r"max_fee, max_fee_rate, outputs, rbf, utxos$",
        ),
        (
            {"fee_rate": None},
            wk.errors.InvalidTransaction,
            r"^fee_rate \(sat/vB\) is required offline; connect a client to estimate it$",
        ),
        ({"fee_rate": 0}, wk.errors.InvalidTransaction, r"^fee_rate is a positive number of sat/vB, got 0$"),
        ({"fee_rate": -1.5}, wk.errors.InvalidTransaction, r"^fee_rate is a positive number of sat/vB, got -1.5$"),
        ({"fee_rate": True}, wk.errors.InvalidTransaction, r"^fee_rate is a positive number of sat/vB, got True$"),
        ({"fee_rate": "3"}, wk.errors.InvalidTransaction, r"^fee_rate is a positive number of sat/vB, got '3'$"),
        ({"fee_rate": math.nan}, wk.errors.InvalidTransaction, r"^fee_rate is a positive number of sat/vB, got nan$"),
        ({"max_fee": -1}, wk.errors.InvalidTransaction, r"^max_fee must be a non-negative integer, got -1$"),
        ({"max_fee": True}, wk.errors.InvalidTransaction, r"^max_fee must be a non-negative integer, got True$"),
        ({"max_fee": 1.0}, wk.errors.InvalidTransaction, r"^max_fee must be a non-negative integer, got 1.0$"),
        ({"change_index": -1}, wk.errors.InvalidTransaction, r"^change_index must be a non-negative integer, got -1$"),
        (
            {"fee_rate": 6, "max_fee_rate": 5},
            wk.errors.FeeTooHigh,
            r"^fee rate 6 sat/vB is above the cap of 5 sat/vB$",
        ),
        (
            {"utxos": []},
            wk.errors.InvalidTransaction,
            r"^utxos \(a list of Utxo or dicts\) is required offline; connect a client to fill it$",
        ),
        (
            {"utxos": "abc"},
            wk.errors.InvalidTransaction,
            r"^utxos \(a list of Utxo or dicts\) is required offline; connect a client to fill it$",
        ),
        (
            {"utxos": None},
            wk.errors.InvalidTransaction,
            r"^utxos \(a list of Utxo or dicts\) is required offline; connect a client to fill it$",
        ),
        (
            {"data": 123},
            wk.errors.InvalidTransaction,
            r"^data \(an OP_RETURN payload\) is text or bytes, got int$",
        ),
        ({"data": b"\x01" * 81}, wk.errors.InvalidTransaction, r"^OP_RETURN data is at most 80 bytes, got 81$"),
        ({"locktime": 2**32}, wk.errors.InvalidTransaction, r"^locktime is nLockTime, a 4-byte unsigned integer"),
        ({"locktime": -1}, wk.errors.InvalidTransaction, r"^locktime is nLockTime, a 4-byte unsigned integer"),
    ],
)
def test_bad_fields_are_refused_with_their_message(fields: dict[str, object], error: type, message: str) -> None:
    given = dict(fields)  # the parameter is shared by every run of this test: leave it whole
    token = given.pop("token", None)
    with pytest.raises(error, match=message):
        _build(token=token, **given)  # type: ignore[arg-type]


def test_amount_bound_is_21_million_btc() -> None:
    with pytest.raises(wk.errors.InvalidAmount, match=r"^2100000000000001 sat is more than 21 million BTC$"):
        _build(amount=MAX_MONEY + 1)
    # Exactly 21 million BTC is an amount; these coins just cannot pay it.
    with pytest.raises(wk.errors.InsufficientFunds):
        _build(amount=MAX_MONEY)


# --- what is built ------------------------------------------------------------------------------


def test_fee_rate_at_the_cap_is_allowed() -> None:
    assert _build(fee_rate=5, max_fee_rate=5).fee > 0


def test_exact_weight_and_fee_of_a_taproot_spend() -> None:
    # P2TR key path, one input, a P2TR recipient and P2TR change, at 1 sat/vB. By hand:
    # non-witness bytes 4 (version) + 1 + 41 (input) + 1 + 43 + 43 (outputs) + 4 (locktime) = 137;
    # witness bytes 2 (marker, flag) + 1 + 1 + 64 (one 64-byte signature) = 68;
    # weight 137 * 4 + 68 = 616 = 154 vB, so the fee is 154 sat.
    account = WALLET.account("btc", kind="p2tr", network="regtest")
    to = WALLET.account("btc", index=4, kind="p2tr", network="regtest").address
    transfer = _build(account, to, fee_rate=1)
    assert transfer.fee == 154 and transfer.change_output == 1
    assert transfer.tx.outputs[1].value == 1_000_000 - 100_000 - 154
    signed = account.sign(transfer)
    theirs = EmbitTransaction.parse(signed.raw)
    stripped = len(theirs.serialize()) - 68
    assert stripped == 137 and stripped * 4 + 68 == 616
    # Version 2, as Bitcoin Core's wallet writes; no locktime unless asked.
    assert theirs.version == 2 and theirs.locktime == 0
    # A fee of exactly max_fee is allowed, one sat less is not.
    assert _build(account, to, fee_rate=1, max_fee=154).fee == 154
    with pytest.raises(wk.errors.FeeTooHigh, match=r"^fee 154 sat is above the cap of 153 sat$"):
        _build(account, to, fee_rate=1, max_fee=153)


@pytest.mark.parametrize(
    ("kind", "dust"),
    [("p2pkh", 546), ("p2sh-p2wpkh", 540), ("p2wpkh", 294), ("p2tr", 330)],  # Core's GetDustThreshold
)
def test_an_output_at_the_dust_threshold_is_allowed(kind: str, dust: int) -> None:
    to = WALLET.account("btc", index=4, kind=kind, network="regtest").address
    assert _build(to=to, amount=dust).tx.outputs[0].value == dust
    with pytest.raises(
        wk.errors.DustOutput, match=rf"^{dust - 1} sat to {to} is below the dust threshold of {dust} sat$"
    ):
        _build(to=to, amount=dust - 1)


@pytest.mark.parametrize("payload", [b"\x00\xff", bytearray(b"\x00\xff"), b"\x07" * 80, "hi"])
def test_op_return_payloads(payload: bytes | bytearray | str) -> None:
    data = payload.encode() if isinstance(payload, str) else bytes(payload)
    transfer = _build(data=payload)
    # OP_RETURN <push>: a direct push below 76 bytes, OP_PUSHDATA1 (0x4c) for 76 to 80.
    push = bytes([len(data)]) if len(data) < 0x4C else b"\x4c" + bytes([len(data)])
    assert transfer.tx.outputs[1] == TxOut(0, b"\x6a" + push + data)


def test_change_index_picks_the_change_key() -> None:
    seed = Bip39SeedGenerator(PHRASE).Generate()
    public = Bip32Slip10Secp256k1.FromSeed(seed).DerivePath("m/84'/1'/0'/1/3").PublicKey().RawCompressed().ToBytes()
    transfer = _build(change_index=3)
    assert transfer.change_output is not None
    program = hashlib.new("ripemd160", hashlib.sha256(public).digest()).digest()
    assert transfer.tx.outputs[transfer.change_output].script_pubkey == b"\x00\x14" + program


def test_no_locktime_and_no_prev_txs_unless_given() -> None:
    transfer = _build()
    assert transfer.tx.locktime == 0 and transfer.prev_txs == ()
    assert _build(locktime=0xFFFFFFFF).tx.locktime == 0xFFFFFFFF


# --- the outputs field --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outputs", "error", "message"),
    [
        ("abc", wk.errors.InvalidInput, r"^outputs is a list of \(address, amount in sat\) pairs, got str$"),
        (b"ab", wk.errors.InvalidInput, r"^outputs is a list of \(address, amount in sat\) pairs, got bytes$"),
        (5, wk.errors.InvalidInput, r"^outputs is a list of \(address, amount in sat\) pairs, got int$"),
        (["ab"], wk.errors.InvalidInput, r"^outputs holds \(address, amount in sat\) pairs, got 'ab'$"),
        ([5], wk.errors.InvalidInput, r"^outputs holds \(address, amount in sat\) pairs, got 5$"),
        ([(TO, 1, 2)], wk.errors.InvalidInput, r"^outputs holds \(address, amount in sat\) pairs, got \("),
        ([(b"addr", 1_000)], wk.errors.InvalidInput, r"^an output's address is text, got bytes$"),
        (
            [(TO, 1.5)],
            wk.errors.InvalidAmount,
            r"^an output's amount is an integer of sat from 0 to 2100000000000000, got 1.5$",
        ),
        (
            [(TO, True)],
            wk.errors.InvalidAmount,
            r"^an output's amount is an integer of sat from 0 to 2100000000000000, got True$",
        ),
        (
            [(TO, -1)],
            wk.errors.InvalidAmount,
            r"^an output's amount is an integer of sat from 0 to 2100000000000000, got -1$",
        ),
        ([(TO, MAX_MONEY + 1)], wk.errors.InvalidAmount, r"got 2100000000000001$"),
        ([(TO, 0)], wk.errors.DustOutput, r"^0 sat to .* is below the dust threshold of 294 sat$"),
        ([(TO, MAX_MONEY)], wk.errors.InsufficientFunds, r"insufficient funds"),
    ],
)
def test_the_outputs_field(outputs: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        _build(outputs=outputs)


# --- UTXOs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utxo", "message"),
    [
        (5, r"^a UTXO is a Utxo or a dict with txid, vout and value, got int$"),
        ({"txid": TXID, "value": 1}, r"^a UTXO dict needs txid, vout and value; 'vout' is missing$"),
        ({"vout": 0, "value": 1}, r"^a UTXO dict needs txid, vout and value; 'txid' is missing$"),
        (_utxo(txid=TXID[:63]), r"^a UTXO txid is 64 hex digits, got '" + TXID[:63] + "'$"),
        (_utxo(txid="X" * 64), r"^a UTXO txid is 64 hex digits, got 'X{64}'$"),
        (_utxo(txid="g" * 64), r"^a UTXO txid is 64 hex digits, got 'g{64}'$"),
        (_utxo(vout=-1), r"^a UTXO vout is an integer from 0 to 4294967295, got -1$"),
        (_utxo(vout=2**32), r"^a UTXO vout is an integer from 0 to 4294967295, got 4294967296$"),
        (_utxo(vout=True), r"^a UTXO vout is an integer from 0 to 4294967295, got True$"),
        (_utxo(vout="1"), r"^a UTXO vout is an integer from 0 to 4294967295, got '1'$"),
        (_utxo(value=MAX_MONEY + 1), r"^a UTXO value is an integer from 0 to 2100000000000000, got 2100000000000001$"),
        (_utxo(value=1.0), r"^a UTXO value is an integer from 0 to 2100000000000000, got 1.0$"),
        (_utxo(script_pubkey="zz"), r"^a UTXO's script_pubkey and prev_tx are hex or bytes: "),
        (_utxo(prev_tx="0g"), r"^a UTXO's script_pubkey and prev_tx are hex or bytes: "),
        (_utxo(prev_tx="00"), rf"^the prev_tx of UTXO {TXID}:0 does not parse: truncated transaction"),
    ],
)
def test_bad_utxos_are_named(utxo: object, message: str) -> None:
    with pytest.raises(wk.errors.InvalidInput, match=message):
        Utxo.coerce(utxo)


def test_utxo_bounds_and_hex_case() -> None:
    upper = Utxo.coerce(_utxo(txid=TXID.upper(), vout=0xFFFFFFFF, value=MAX_MONEY))
    assert upper == Utxo(TXID, 0xFFFFFFFF, MAX_MONEY)
    assert Utxo.coerce(upper) is upper


def _prev(outputs: tuple[TxOut, ...]) -> Transaction:
    return Transaction((TxIn(OutPoint("55" * 32, 3), sequence=0xFFFFFFFF),), outputs, 2, 0)


def test_a_utxo_is_checked_against_its_prev_tx() -> None:
    foreign = script.p2wpkh(b"\x02" + bytes(32))
    prev = _prev((TxOut(10_000, foreign), TxOut(20_000, b"\x51")))
    raw = prev.serialize()
    # The script comes from the previous transaction when the UTXO does not name it.
    filled = Utxo.coerce({"txid": prev.txid, "vout": 0, "value": 10_000, "prev_tx": raw.hex()})
    assert filled == Utxo(prev.txid, 0, 10_000, foreign, raw)
    assert (
        Utxo.coerce({"txid": prev.txid, "vout": 0, "value": 10_000, "script_pubkey": foreign, "prev_tx": raw}) == filled
    )
    with pytest.raises(
        wk.errors.InvalidInput, match=rf"^UTXO {prev.txid}:0 says 10000 sat but its prev_tx says 10000 sat"
    ):
        Utxo.coerce({"txid": prev.txid, "vout": 0, "value": 10_000, "script_pubkey": b"\x51", "prev_tx": raw})
    # Output 2 of a two-output transaction does not exist.
    with pytest.raises(
        wk.errors.InvalidInput, match=rf"^prev_tx is transaction {prev.txid}, which has no output {prev.txid}:2$"
    ):
        Utxo.coerce({"txid": prev.txid, "vout": 2, "value": 10_000, "prev_tx": raw})


# --- PSBT export --------------------------------------------------------------------------------


def test_to_psbt_records_the_fingerprint_and_prev_txs() -> None:
    prev = _prev((TxOut(1_000_000, script.script_pubkey(ACCOUNT.public_key.data, "p2wpkh")),))
    transfer = _build(utxos=[{"txid": prev.txid, "vout": 0, "value": 1_000_000, "prev_tx": prev.serialize()}])
    fingerprint = b"\x01\x02\x03\x04"
    theirs = EmbitPsbt.parse(transfer.to_psbt(ACCOUNT, fingerprint=fingerprint).serialize())
    ((_, derivation),) = theirs.inputs[0].bip32_derivations.items()
    assert derivation.fingerprint == fingerprint
    assert derivation.derivation == [84 + 2**31, 1 + 2**31, 2**31, 0, 0]  # m/84'/1'/0'/0/0
    # Without an account nothing is known about keys, but the previous transaction still travels.
    bare = transfer.to_psbt()
    assert bare.inputs[0][b"\x00"] == prev.serialize(witness=False)
    assert not any(k[:1] == b"\x06" for k in bare.inputs[0]) and bare.outputs == [{}, {}]
    with pytest.raises(wk.errors.InvalidInput, match=r"^a master fingerprint is 4 bytes, got b'abc'$"):
        transfer.to_psbt(ACCOUNT, fingerprint=b"abc")
    with pytest.raises(wk.errors.InvalidInput, match=r"^a master fingerprint is 4 bytes, got 'abcd'$"):
        transfer.to_psbt(ACCOUNT, fingerprint="abcd")  # type: ignore[arg-type]


def test_to_psbt_names_no_wrong_key_for_change_at_another_index() -> None:
    # The change pays m/84'/1'/0'/1/3: the PSBT must not claim it for the key at 1/0 (which a
    # hardware signer would then show as the wallet's own).
    transfer = _build(change_index=3)
    assert transfer.change_output is not None
    theirs = EmbitPsbt.parse(transfer.to_psbt(ACCOUNT).serialize())
    assert not theirs.outputs[transfer.change_output].bip32_derivations


def test_a_single_key_account_exports_and_signs() -> None:
    # An account from a private key has no derivation path and no change sibling.
    single = wk.Account.from_private_key("btc", hashlib.sha256(b"single key").digest(), network="regtest")
    transfer = _build(single, fee_rate=1)
    psbt = transfer.to_psbt(single)
    assert list(psbt.inputs[0]) == [b"\x01"]  # the witness UTXO; no BIP32 derivation: there is no path
    assert psbt.outputs[transfer.change_output or 0][b"\x02" + single.public_key.data] == bytes(4)
    signed = single.sign(transfer)
    assert kernel.verify_all(signed.extra["tx"], list(transfer.spent))  # type: ignore[arg-type]


# --- signing ------------------------------------------------------------------------------------


def test_sign_transfer_results() -> None:
    transfer = _build()
    signed = sign_transfer(ACCOUNT, transfer)
    assert signed.chain == "btc" and signed.extra["spent"] == transfer.spent and signed.extra["fee"] == transfer.fee
    assert kernel.verify_all(signed.extra["tx"], list(transfer.spent))  # type: ignore[arg-type]


def test_signing_a_psbt_leaves_the_callers_psbt_alone() -> None:
    transfer = _build()
    psbt = transfer.to_psbt(ACCOUNT)
    before = psbt.serialize()
    signed = sign_transfer(ACCOUNT, psbt)
    assert psbt.serialize() == before and not psbt.is_finalized()
    assert signed.chain == "btc" and signed.extra["fee"] == transfer.fee
    assert signed.raw == sign_transfer(ACCOUNT, transfer).raw  # RFC6979: the same bytes either way


def test_what_cannot_be_signed_is_named() -> None:
    with pytest.raises(
        wk.errors.InvalidTransaction,
        match=r"^expected a BitcoinTransfer \(from account.transfer\), a Psbt or base64 PSBT text, got int$",
    ):
        sign_transfer(ACCOUNT, 5)
    with pytest.raises(wk.errors.InvalidTransaction, match=r"^expected a Psbt or base64 PSBT text, got int$"):
        sign_psbt(ACCOUNT, 5)  # type: ignore[arg-type]
    stranger = WALLET.account("btc", index=8, network="regtest")
    transfer = _build(stranger)
    with pytest.raises(wk.errors.InvalidTransaction, match=rf"^input 0 \({TXID}:0\) is not this account's$"):
        sign_transfer(ACCOUNT, transfer)


def test_sign_psbt_signs_in_place_for_both_keys() -> None:
    # The account's own coin and one on its first change address, in one PSBT.
    change = ACCOUNT.sibling(change=1, index=0)
    spent = [
        TxOut(60_000, script.p2wpkh(ACCOUNT.public_key.data)),
        TxOut(70_000, script.p2wpkh(change.public_key.data)),
    ]
    tx = Transaction((TxIn(OutPoint(TXID, 0)), TxIn(OutPoint(TXID, 1))), (TxOut(125_000, spent[0].script_pubkey),))
    psbt = Psbt.create(tx)
    for i, prev in enumerate(spent):
        psbt.update_input(i, prev)
    assert sign_psbt(ACCOUNT, psbt) is psbt
    psbt.finalize()
    assert kernel.verify_all(psbt.extract(), spent)


# --- sign_psbt's hash-type gate (79d5a31): which inputs it reads, and its refusal -----------------

NONE_TYPE, ALL_TYPE = (0x02).to_bytes(4, "little"), (0x01).to_bytes(4, "little")  # BIP174: 4 bytes LE


def _two_input_psbt(account: wk.Account) -> Psbt:
    utxos = [_utxo(60_000, vout=0), _utxo(70_000, vout=1)]
    return _build(account, amount=100_000, utxos=utxos).to_psbt(account)


@pytest.mark.parametrize("first", [None, ALL_TYPE])
def test_a_none_hash_type_after_an_input_that_passes_is_refused_by_message(first: bytes | None) -> None:
    # Input 0 asks nothing (Psbt.sign uses ALL) or ALL: the gate goes on to input 1, which asks NONE.
    psbt = _two_input_psbt(ACCOUNT)
    if first is not None:
        psbt.inputs[0][b"\x03"] = first
    psbt.inputs[1][b"\x03"] = NONE_TYPE
    before = psbt.serialize()
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        sign_psbt(ACCOUNT, psbt)
    assert str(info.value) == (
        "PSBT input 1 asks for sighash type 0x2, which does not commit to every output (whoever holds the "
        "signature could send the coins anywhere); an account signs SIGHASH_ALL, ALL|ANYONECANPAY or taproot's "
        "DEFAULT only (Psbt.sign signs other types on purpose)"
    )
    assert psbt.serialize() == before  # refused before any signature


@pytest.mark.parametrize(
    ("kind", "final_keys"),
    [("p2pkh", {0x07}), ("p2wpkh", {0x08}), ("p2sh-p2wpkh", {0x07, 0x08})],
)
def test_a_finalized_input_is_not_judged_by_a_stale_hash_type(kind: str, final_keys: set[int]) -> None:
    # BIP174: a finalized input keeps PSBT_IN_FINAL_SCRIPTSIG (0x07) and/or PSBT_IN_FINAL_SCRIPTWITNESS
    # (0x08): P2PKH only the first, P2WPKH only the second, P2SH-P2WPKH both. It is not signed again,
    # so a leftover NONE type on it asks for no signature and is not refused.
    account = WALLET.account("btc", kind=kind, network="regtest")
    transfer = _build(account, amount=50_000, utxos=[_utxo(80_000)])
    psbt = transfer.to_psbt(account)
    sign_psbt(account, psbt)
    psbt.finalize()
    assert {k[0] for k in psbt.inputs[0]} & {0x07, 0x08} == final_keys
    psbt.inputs[0][b"\x03"] = NONE_TYPE
    before = psbt.serialize()
    assert sign_psbt(account, psbt) is psbt
    assert psbt.serialize() == before
    assert kernel.verify_all(psbt.extract(), list(transfer.spent))  # the ALL signature made before


# --- a BitcoinTransfer built directly (9473ea8): what it refuses, by message, and change at 0 ----


def _direct(**fields: object) -> BitcoinTransfer:
    # One input (TXID:0, 80,000 sat to ACCOUNT's script), outputs 0 (10,000 sat) and 1 (69,000 sat).
    spent = TxOut(80_000, script.p2wpkh(ACCOUNT.public_key.data))
    tx = Transaction(
        (TxIn(OutPoint(TXID, 0)),), (TxOut(10_000, spent.script_pubkey), TxOut(69_000, spent.script_pubkey)), 2, 0
    )
    values: dict[str, object] = {"tx": tx, "spent": (spent,), "fee": 1_000, "change_output": None}
    values.update(fields)
    return BitcoinTransfer(**values)  # type: ignore[arg-type]


def test_a_direct_transfer_may_have_its_change_at_output_0() -> None:
    assert _direct(change_output=0).change_output == 0
    assert _direct(change_output=1).change_output == 1
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        _direct(change_output=2)
    assert str(info.value) == "change output 2 is not one of the 2 outputs"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tx": "02000000"}, "a transfer's tx is a Transaction, got str"),
        ({"spent": ("80000",)}, "a transfer's spent outputs are TxOut values, one per input"),
        ({"prev_txs": ("0200",)}, "a transfer's previous transactions are raw bytes or None"),
    ],
)
def test_a_direct_transfer_of_the_wrong_types_is_refused_by_message(fields: dict[str, object], message: str) -> None:
    with pytest.raises(wk.errors.InvalidTransaction) as info:
        _direct(**fields)
    assert str(info.value) == message
