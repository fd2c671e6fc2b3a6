"""Fee bumping by BIP125 replace-by-fee: the same inputs, a higher fee taken from the change.

A replacement must pay the replaced fee plus the incremental relay fee (1 sat/vB) for its own
size (BIP125 rule 4); the change shrinks, and is dropped when it would become dust. When the
change cannot pay, given ``utxos`` are added as inputs (largest first) and the rest comes
back as change, as wallets do; BIP125 rule 2 wants them confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence

from chains.bitcoin import coinselect
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.transfer import MAX_FEE, MAX_FEE_RATE, BitcoinTransfer, Utxo
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from walletkit.errors import FeeTooHigh, InsufficientFunds, InvalidInput, InvalidTransaction

INCREMENTAL_RELAY_FEE = 1  # sat/vB, Core's -incrementalrelayfee (BIP125 rule 4)


def bump_fee(
    transfer: BitcoinTransfer, fee_rate: float, utxos: Sequence[object] = (), change_script: bytes | None = None
) -> BitcoinTransfer:
    """Return the BIP125 replacement of ``transfer`` paying ``fee_rate`` sat/vB, taken from its change.

    The inputs stay the same (so the replacement conflicts with the original); the change
    shrinks, and is dropped when it would become dust. If the change cannot pay, coins from
    ``utxos`` (dicts or :class:`Utxo` with ``script_pubkey``) are added, and what they bring
    beyond the fee goes to the change output (or a new one: ``change_script``, else the
    script of the first added coin).

    Raises:
        InvalidTransaction: the original does not signal RBF, or the new rate is not higher.
        InsufficientFunds: the change (and the given coins) cannot pay the new fee.
        FeeTooHigh: the new rate is above the default cap.
    """
    if not isinstance(transfer, BitcoinTransfer):
        raise InvalidTransaction(f"bump_fee takes a BitcoinTransfer, got {type(transfer).__name__}")
    if not any(i.sequence < 0xFFFFFFFE for i in transfer.tx.inputs):
        raise InvalidTransaction(
            "the original transaction does not signal replaceability (BIP125); it cannot be bumped"
        )
    if fee_rate > MAX_FEE_RATE:
        raise FeeTooHigh(f"fee rate {fee_rate} sat/vB is above the cap of {MAX_FEE_RATE} sat/vB")
    if fee_rate <= transfer.fee_rate:
        raise InvalidTransaction(f"the new fee rate {fee_rate} sat/vB must exceed the current {transfer.fee_rate:.2f}")
    try:
        return _from_change(transfer, fee_rate)
    except InsufficientFunds:
        if not utxos:
            raise
    return _with_more_inputs(transfer, fee_rate, [Utxo.coerce(u) for u in utxos], change_script)


def _from_change(transfer: BitcoinTransfer, fee_rate: float) -> BitcoinTransfer:
    if transfer.change_output is None:
        raise InsufficientFunds(transfer.fee + 1, transfer.fee, "sat (fee; no change output to take more from)")
    vsize = transfer.estimated_vsize
    new_fee = max(-(-int(fee_rate * vsize * 1000) // 1000), transfer.fee + INCREMENTAL_RELAY_FEE * vsize)
    change = transfer.tx.outputs[transfer.change_output]
    extra = new_fee - transfer.fee
    outputs = list(transfer.tx.outputs)
    change_index: int | None = transfer.change_output
    if change.value - extra < coinselect.dust_threshold(change.script_pubkey):
        # Dropping the change makes the transaction smaller; the whole change becomes fee.
        del outputs[transfer.change_output]
        change_index = None
        without = transfer.fee + change.value
        smaller = vsize - coinselect.output_weight(len(change.script_pubkey)) // 4
        if without < fee_rate * smaller:
            raise InsufficientFunds(
                -(-int(fee_rate * smaller * 1000) // 1000), without, "sat (fee: old fee plus change)"
            )
        new_fee = without
    else:
        outputs[transfer.change_output] = TxOut(change.value - extra, change.script_pubkey)
    if new_fee > MAX_FEE:
        raise FeeTooHigh(f"fee {new_fee} sat is above the cap of {MAX_FEE} sat")
    tx = Transaction(transfer.tx.inputs, tuple(outputs), transfer.tx.version, transfer.tx.locktime)
    return BitcoinTransfer(tx, transfer.spent, new_fee, change_index, transfer.prev_txs)


def _with_more_inputs(
    transfer: BitcoinTransfer, fee_rate: float, coins: list[Utxo], change_script: bytes | None
) -> BitcoinTransfer:
    spending = {(i.prevout.txid, i.prevout.vout) for i in transfer.tx.inputs}
    coins = sorted((c for c in coins if (c.txid, c.vout) not in spending), key=lambda c: -c.value)
    if not coins:
        raise InsufficientFunds(transfer.fee + 1, transfer.fee, "sat (no coins given beyond the ones spent)")
    if any(c.script_pubkey is None for c in coins):
        raise InvalidInput("coins added to a fee bump need their script_pubkey (the bump has no account)")
    outputs = list(transfer.tx.outputs)
    change_index = transfer.change_output
    if change_index is None:
        outputs.append(TxOut(0, change_script or coins[0].script_pubkey or b""))
        change_index = len(outputs) - 1
    paid = sum(o.value for k, o in enumerate(outputs) if k != change_index)
    inputs, spent, prev_txs = list(transfer.tx.inputs), list(transfer.spent), list(transfer.prev_txs)
    prev_txs += [None] * (len(spent) - len(prev_txs))
    for coin in coins:
        assert coin.script_pubkey is not None  # checked above
        inputs.append(TxIn(OutPoint(coin.txid, coin.vout)))
        spent.append(TxOut(coin.value, coin.script_pubkey))
        prev_txs.append(coin.prev_tx)
        draft = BitcoinTransfer(
            Transaction(tuple(inputs), tuple(outputs), transfer.tx.version, transfer.tx.locktime),
            tuple(spent),
            0,
            change_index,
        )
        vsize = draft.estimated_vsize
        fee = max(-(-int(fee_rate * vsize * 1000) // 1000), transfer.fee + INCREMENTAL_RELAY_FEE * vsize)
        change = sum(o.value for o in spent) - paid - fee
        if change >= coinselect.dust_threshold(outputs[change_index].script_pubkey):
            if fee > MAX_FEE:
                raise FeeTooHigh(f"fee {fee} sat is above the cap of {MAX_FEE} sat")
            outputs[change_index] = TxOut(change, outputs[change_index].script_pubkey)
            tx = Transaction(tuple(inputs), tuple(outputs), transfer.tx.version, transfer.tx.locktime)
            return BitcoinTransfer(tx, tuple(spent), fee, change_index, tuple(prev_txs))
    available = sum(o.value for o in spent) - paid
    raise InsufficientFunds(paid + transfer.fee + 1, paid + available, "sat (the change and the given coins)")


_SIGNATURE_KEYS = {0x02, 0x07, 0x08, 0x13, 0x14}  # partial sig, final scriptSig/witness, taproot sigs
_CHANGE_KEYS = {0x02, 0x05, 0x07}  # an output whose key origin is recorded is the signer's own (change)


def bump_psbt(psbt: Psbt, fee_rate: float) -> Psbt:
    """Return the BIP125 replacement of a PSBT at ``fee_rate`` sat/vB, as an unsigned PSBT of the same version.

    The change is the output whose key origin the PSBT records (as :meth:`BitcoinTransfer.to_psbt`
    marks it); the inputs keep their UTXOs, scripts and key origins, and lose their signatures.

    Raises:
        InvalidTransaction: no UTXO for an input, no RBF signal, or a rate not higher.
        InsufficientFunds: no change output, or one too small for the new fee.
    """
    change = next((k for k, m in enumerate(psbt.outputs) if any(key[0] in _CHANGE_KEYS for key in m)), None)
    transfer = BitcoinTransfer(psbt.tx, tuple(psbt.spent_outputs()), psbt.fee(), change)
    bumped = bump_fee(transfer, fee_rate)
    result = Psbt.create(bumped.tx)
    if psbt.version == 2:
        result = result.convert(2)
    result.globals.update({k: v for k, v in psbt.globals.items() if k not in result.globals and k[0] != 0})
    for old, new in zip(psbt.inputs, result.inputs, strict=True):
        new.update({k: v for k, v in old.items() if k[0] not in _SIGNATURE_KEYS})
    kept = [m for k, m in enumerate(psbt.outputs) if k != change or bumped.change_output is not None]
    for old, new in zip(kept, result.outputs, strict=True):
        new.update(old)
    return result
