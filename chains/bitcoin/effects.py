"""What a Bitcoin transaction does: every output that leaves, and the fee with every input proven.

Read from the unsigned transaction about to be signed (a :class:`BitcoinTransfer` or a PSBT):

- Each output is a native :class:`Transfer` to its address (``script:<hex>`` when the script has
  no address form; ``op_return`` when an OP_RETURN output carries value), except outputs proven
  to be the account's own: the account's script or one of its first 20 change addresses
  (m/.../1/0..19, the BIP44 gap limit), derived here from the account's keys, not taken from the
  request. Another receive address of the same wallet is another account, and is judged.
- A zero-value OP_RETURN is a :class:`DataCarrier`.
- The fee bound is inputs minus outputs (sat). An input's value is proven when every signature
  commits to it (taproot, BIP341) or when the previous transaction is given and matches
  (``prev_tx``, a PSBT non-witness UTXO). Any other input (legacy, and segwit v0, whose BIP143
  signature commits to its own amount only) with only a claimed value is :class:`Unverified`
  (``input_value``): the signer checks it through a client or refuses, as BIP174 and hardware
  signers require the previous transaction for such inputs.
- A PSBT input the account signs may ask only for a sighash type that commits to every output:
  SIGHASH_ALL, ALL|ANYONECANPAY (others may add inputs, never change outputs) or, for taproot,
  SIGHASH_DEFAULT. NONE and SINGLE sign away the outputs: whoever holds the signed transaction
  could send the account's coins anywhere, so such a PSBT is refused (InvalidTransaction), since
  the outputs judged here would not be the ones the signature holds to.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from chains.bitcoin import script
from chains.bitcoin.network import PARAMS
from chains.bitcoin.psbt import I_NON_WITNESS_UTXO, I_SIGHASH_TYPE, Psbt
from chains.bitcoin.signer import input_kind
from chains.bitcoin.transfer import BitcoinTransfer
from chains.bitcoin.tx import Transaction, TxOut
from walletkit.effects import NATIVE, DataCarrier, Effect, FeeBound, Transfer, Unverified
from walletkit.encoding import bech32
from walletkit.encoding.base58 import b58check_encode
from walletkit.errors import InvalidTransaction

if TYPE_CHECKING:
    from walletkit.account import Account

GAP_LIMIT = 20
SIGHASH_ALL, SIGHASH_ALL_ANYONECANPAY, SIGHASH_DEFAULT = 0x01, 0x81, 0x00  # BIP143 / BIP341 hash types


def address_of_script(spk: bytes, network: str) -> str:
    """Return the address of a scriptPubKey on ``network``, or ``script:<hex>`` for one with no address.

    >>> address_of_script(bytes.fromhex("0014751e76e8199196d454941c45d1b3a323f1433bd6"), "mainnet")
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    """
    params = PARAMS[network]
    if len(spk) == 25 and spk[:3] == b"\x76\xa9\x14" and spk[23:] == b"\x88\xac":
        return b58check_encode(bytes([params.p2pkh]) + spk[3:23])
    if len(spk) == 23 and spk[:2] == b"\xa9\x14" and spk[22:] == b"\x87":
        return b58check_encode(bytes([params.p2sh]) + spk[2:22])
    if 4 <= len(spk) <= 42 and (spk[0] == 0 or 0x51 <= spk[0] <= 0x60) and spk[1] == len(spk) - 2:
        version = 0 if spk[0] == 0 else spk[0] - 0x50
        program = spk[2:]
        if (version == 0 and len(program) in (20, 32)) or (version > 0 and 2 <= len(program) <= 40):
            return bech32.encode_segwit(params.hrp, version, program)
    return "script:" + spk.hex()


def _is_committed(spk: bytes) -> bool:
    """True when a signature for this script commits to every spent amount: taproot only (BIP341).

    A segwit v0 signature (P2WPKH, P2SH-P2WPKH; BIP143) commits to its own input's amount alone:
    two transactions over the same inputs, each understating a different one, give signatures that
    combine into one paying the difference as fee (the 2020 segwit fee attack). So, as BIP174 and
    hardware signers require, such an input's value is proven by its previous transaction.
    """
    return spk[:2] == b"\x51\x20"


class OwnScripts:
    """The scripts an account is proven to own: its own and its first 20 change addresses."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.known = {script.script_pubkey(account.public_key.data, account.kind)}
        self._derived = False

    def __contains__(self, spk: object) -> bool:
        if spk in self.known:
            return True
        if not self._derived:
            self._derived = True
            for index in range(GAP_LIMIT):
                sibling = self.account.sibling(change=1, index=index)
                self.known.add(script.script_pubkey(sibling.public_key.data, self.account.kind))
        return spk in self.known


def effects(account: Account, tx: object) -> list[Effect]:
    """Return the effects of a :class:`BitcoinTransfer`, a :class:`Psbt` or base64 PSBT text.

    Raises:
        InvalidTransaction: another type, or a PSBT input with no recorded UTXO.
    """
    if isinstance(tx, str):
        tx = Psbt.from_base64(tx)
    if isinstance(tx, BitcoinTransfer):
        spent = list(tx.spent)
        proven = [_proves(tx, i) for i in range(len(spent))]
        unsigned = tx.tx
    elif isinstance(tx, Psbt):
        spent = tx.spent_outputs()
        proven = [bytes([I_NON_WITNESS_UTXO]) in m for m in tx.inputs]
        unsigned = tx.tx
        _check_sighash_types(account, tx, spent)
    else:
        raise InvalidTransaction(f"expected a BitcoinTransfer, a Psbt or base64 PSBT text, got {type(tx).__name__}")
    return _effects(account, unsigned, spent, proven)


def _proves(transfer: BitcoinTransfer, index: int) -> bool:
    """True when the transfer carries the previous transaction of input ``index`` and it holds the spent output.

    Raises:
        InvalidTransaction: a previous transaction that is another transaction, or whose output differs
            from the value or script the transfer claims (a smaller claimed value would hide a fee).
    """
    raw = transfer.prev_txs[index] if index < len(transfer.prev_txs) else None
    if raw is None:
        return False
    prevout = transfer.tx.inputs[index].prevout
    try:
        prev = Transaction.parse(raw)
    except InvalidTransaction as e:
        raise InvalidTransaction(f"input {index}: its previous transaction does not parse: {e}") from e
    claimed = transfer.spent[index]
    if prev.txid != prevout.txid or prevout.vout >= len(prev.outputs) or prev.outputs[prevout.vout] != claimed:
        raise InvalidTransaction(
            f"input {index} ({prevout.txid}:{prevout.vout}) claims {claimed.value} sat, but the previous transaction "
            "given for it is another transaction or holds another output there"
        )
    return True


def _check_sighash_types(account: Account, psbt: Psbt, spent: list[TxOut]) -> None:
    """Refuse a PSBT asking the account to sign an input with a hash type that leaves outputs open.

    An input is the account's when one of its keys can spend it in any address kind (the PSBT
    signer signs every input its keys can: the account's and its change keys', whatever the kind).
    """
    keys: list[bytes] | None = None
    for index, (m, prev) in enumerate(zip(psbt.inputs, spent)):
        raw = m.get(bytes([I_SIGHASH_TYPE]))
        if raw is None:
            continue
        hash_type = int.from_bytes(raw, "little")  # as the PSBT signer reads it
        allowed = {SIGHASH_ALL, SIGHASH_ALL_ANYONECANPAY}
        if prev.script_pubkey[:2] == b"\x51\x20":
            allowed.add(SIGHASH_DEFAULT)
        if hash_type in allowed:
            continue
        if keys is None:
            keys = [account.public_key.data] + [
                account.sibling(change=1, index=i).public_key.data for i in range(GAP_LIMIT)
            ]
        if any(input_kind(prev.script_pubkey, key) for key in keys):
            raise InvalidTransaction(
                f"PSBT input {index} asks for sighash type {hash_type:#x}, which does not commit to every output "
                "(whoever holds the signature could change where the coins go); the signer signs SIGHASH_ALL "
                "(or ALL|ANYONECANPAY, or taproot's DEFAULT) only"
            )


_own: weakref.WeakKeyDictionary[Account, OwnScripts] = weakref.WeakKeyDictionary()


def own_scripts(account: Account) -> OwnScripts:
    """Return the (remembered) scripts ``account`` is proven to own."""
    found = _own.get(account)
    if found is None:
        found = _own[account] = OwnScripts(account)
    return found


def _effects(account: Account, tx: Transaction, spent: list[TxOut], proven: list[bool]) -> list[Effect]:
    own = own_scripts(account)
    out: list[Effect] = []
    for index, (prev, known) in enumerate(zip(spent, proven)):
        if not known and not _is_committed(prev.script_pubkey):
            prevout = tx.inputs[index].prevout
            out.append(Unverified("input_value", f"{prevout.txid}:{prevout.vout}", (str(prev.value),)))
    for output in tx.outputs:
        spk = output.script_pubkey
        if spk[:1] == b"\x6a":
            if output.value == 0:
                out.append(DataCarrier("op_return", len(spk)))
            else:
                out.append(Transfer(NATIVE, "op_return", output.value))
        elif spk not in own:
            out.append(Transfer(NATIVE, address_of_script(spk, account.network), output.value))
    fee = sum(p.value for p in spent) - sum(o.value for o in tx.outputs)
    if fee < 0:
        raise InvalidTransaction(f"the outputs spend {-fee} sat more than the inputs hold")
    out.append(FeeBound(fee, f"{len(spent)} input(s), {len(tx.outputs)} output(s)"))
    return out
