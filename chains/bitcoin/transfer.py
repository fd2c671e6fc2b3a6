"""Building and signing Bitcoin transfers from an account.

Fields (offline): ``utxos`` (``Utxo`` values or dicts with ``txid``, ``vout``, ``value`` and,
when not the account's own output, ``script_pubkey``), ``fee_rate`` (sat/vB), ``outputs``
(more recipients: ``[(address, amount), ...]``), ``data`` (an OP_RETURN payload),
``rbf`` (default True: nSequence 0xfffffffd; False: 0xfffffffe with a ``locktime``, so that it
binds, else 0xffffffff), ``locktime`` (nLockTime: a height below 500,000,000 or a Unix time),
``change_index`` (default 0: change goes to m/.../1/change_index of the same kind),
``max_fee`` (default 0.1 BTC) and
``max_fee_rate`` (default 0.1 BTC/kvB = 10,000 sat/vB), as Bitcoin Core caps them. A UTXO
may carry ``prev_tx`` (the raw transaction that made it): it is checked, and PSBTs carry it.

Signing: ``account.sign(transfer)`` (or a :class:`~chains.bitcoin.psbt.Psbt`, or base64 PSBT
text) returns the final :class:`~walletkit.chain.SignedTransaction`; ``transfer.to_psbt(account,
fingerprint=...)`` exports a PSBT for other signers; ``account.plugin.sign_psbt(account, psbt)``
adds this account's signatures to a multi-party PSBT. Fee bumping is in :mod:`chains.bitcoin.rbf`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chains.bitcoin import address as addr
from chains.bitcoin import coinselect, script, sighash, signer
from chains.bitcoin.psbt import Psbt
from chains.bitcoin.tx import (
    LOCKTIME_THRESHOLD,
    MAX_BIP125_RBF_SEQUENCE,
    MAX_SEQUENCE_NONFINAL,
    SEQUENCE_FINAL,
    UINT32_MAX,
    OutPoint,
    Transaction,
    TxIn,
    TxOut,
)
from walletkit.chain import SignedTransaction
from walletkit.errors import DustOutput, FeeTooHigh, InvalidAmount, InvalidInput, InvalidTransaction

if TYPE_CHECKING:
    from walletkit.account import Account

MAX_MONEY = 21_000_000 * 100_000_000  # consensus: no value above 21 million BTC
MAX_FEE = 10_000_000  # 0.1 BTC, Core's -maxtxfee
MAX_FEE_RATE = 10_000  # sat/vB = 0.1 BTC/kvB, Core's maxfeerate
_FIELDS = {"utxos", "fee_rate", "outputs", "data", "rbf", "locktime", "change_index", "max_fee", "max_fee_rate"}


@dataclass(frozen=True, slots=True)
class Utxo:
    """A spendable output: where it is, its value, its script (the account's own by default) and,
    optionally, the raw transaction that made it (``prev_tx``: PSBTs then carry the
    non-witness UTXO that Bitcoin Core needs for P2PKH and hardware signers want for every kind).
    """

    txid: str
    vout: int
    value: int
    script_pubkey: bytes | None = None
    prev_tx: bytes | None = None

    @classmethod
    def coerce(cls, value: object) -> Utxo:
        """Accept a Utxo or a dict with txid, vout, value (and script_pubkey, prev_tx as hex or bytes).

        Raises:
            InvalidInput: a missing or malformed field; a ``prev_tx`` that is not the transaction
                ``txid``, or whose output ``vout`` disagrees with ``value`` or ``script_pubkey``.
        """
        if isinstance(value, Utxo):
            return value
        if not isinstance(value, Mapping):
            raise InvalidInput(f"a UTXO is a Utxo or a dict with txid, vout and value, got {type(value).__name__}")
        try:
            txid, vout, amount = str(value["txid"]), value["vout"], value["value"]
        except KeyError as e:
            raise InvalidInput(f"a UTXO dict needs txid, vout and value; {e.args[0]!r} is missing") from None
        if len(txid) != 64 or not all(c in "0123456789abcdefABCDEF" for c in txid):
            raise InvalidInput(f"a UTXO txid is 64 hex digits, got {txid!r}")
        for name, n, top in (("vout", vout, 0xFFFF_FFFF), ("value", amount, MAX_MONEY)):
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= top:
                raise InvalidInput(f"a UTXO {name} is an integer from 0 to {top}, got {n!r}")
        spk, prev = value.get("script_pubkey"), value.get("prev_tx")
        try:
            spk = bytes.fromhex(spk) if isinstance(spk, str) else spk
            prev = bytes.fromhex(prev) if isinstance(prev, str) else prev
        except ValueError as e:
            raise InvalidInput(f"a UTXO's script_pubkey and prev_tx are hex or bytes: {e}") from None
        utxo = cls(txid.lower(), vout, amount, spk, prev)
        return utxo.checked() if prev is not None else utxo

    def checked(self) -> Utxo:
        """Return the UTXO after checking it against ``prev_tx`` (filling in the script from it)."""
        if self.prev_tx is None:
            return self
        try:
            prev = Transaction.parse(self.prev_tx)
        except InvalidTransaction as e:
            raise InvalidInput(f"the prev_tx of UTXO {self.txid}:{self.vout} does not parse: {e}") from e
        if prev.txid != self.txid or self.vout >= len(prev.outputs):
            raise InvalidInput(f"prev_tx is transaction {prev.txid}, which has no output {self.txid}:{self.vout}")
        out = prev.outputs[self.vout]
        if out.value != self.value or (self.script_pubkey is not None and out.script_pubkey != self.script_pubkey):
            raise InvalidInput(
                f"UTXO {self.txid}:{self.vout} says {self.value} sat but its prev_tx says {out.value} sat "
                f"(or another script); refusing it (a wrong amount would misstate the fee)"
            )
        return Utxo(self.txid, self.vout, self.value, out.script_pubkey, self.prev_tx)


@dataclass(frozen=True, slots=True)
class BitcoinTransfer:
    """An unsigned transaction with the outputs it spends, its fee and which output is change."""

    tx: Transaction
    spent: tuple[TxOut, ...]
    fee: int
    change_output: int | None
    prev_txs: tuple[bytes | None, ...] = ()  # the raw transactions that made the spent outputs, when known

    def __post_init__(self) -> None:
        # A transfer built directly (a backend's sign_transaction) is checked as a built one is:
        # the decoder, the signer and to_psbt index spent, prev_txs and outputs by input and output.
        if not isinstance(self.tx, Transaction):
            raise InvalidTransaction(f"a transfer's tx is a Transaction, got {type(self.tx).__name__}")
        n_in, n_out = len(self.tx.inputs), len(self.tx.outputs)
        if not isinstance(self.spent, (tuple, list)) or not all(isinstance(o, TxOut) for o in self.spent):
            raise InvalidTransaction("a transfer's spent outputs are TxOut values, one per input")
        if len(self.spent) != n_in:
            raise InvalidTransaction(
                f"a transfer has one spent output per input: {n_in} inputs, {len(self.spent)} given"
            )
        change = self.change_output
        if change is not None and (type(change) is not int or not 0 <= change < n_out):
            raise InvalidTransaction(f"change output {change!r} is not one of the {n_out} outputs")
        prev_txs = self.prev_txs
        if not isinstance(prev_txs, (tuple, list)) or len(prev_txs) > n_in:
            raise InvalidTransaction(f"a transfer has at most one previous transaction per input ({n_in})")
        if not all(p is None or isinstance(p, (bytes, bytearray)) for p in prev_txs):
            raise InvalidTransaction("a transfer's previous transactions are raw bytes or None")

    @property
    def fee_rate(self) -> float:
        """The fee rate in sat/vB at the estimated signed size."""
        return self.fee / max(1, self.estimated_vsize)

    @property
    def estimated_vsize(self) -> int:
        """The virtual size once signed (72-byte ECDSA signatures)."""
        unsigned_inputs = 41 * len(self.tx.inputs)  # outpoint, empty scriptSig, sequence
        weight = (len(self.tx.serialize(witness=False)) - unsigned_inputs) * 4 + 2
        weight += sum(coinselect.INPUT_WEIGHT[_kind_of(prev.script_pubkey)] for prev in self.spent)
        return (weight + 3) // 4

    def to_psbt(self, account: Account | None = None, *, fingerprint: bytes = bytes(4)) -> Psbt:
        """Return the transfer as a PSBT v0: every spent output, and (given the account) its keys and paths.

        Inputs carry ``witness_utxo`` (the amount and script; P2PKH inputs too, since the
        previous transactions are not known offline); the change output is marked as the
        account's own (when it pays the account's key or its first change key), so a hardware
        signer can show it as change.

        Args:
            account: the account whose keys and derivation paths to record.
            fingerprint: the wallet's master key fingerprint (4 bytes; zeros if unknown): hardware
                signers, Core and BDK find their inputs by fingerprint and path.
        """
        if not isinstance(fingerprint, bytes) or len(fingerprint) != 4:
            raise InvalidInput(f"a master fingerprint is 4 bytes, got {fingerprint!r}")
        psbt = Psbt.create(self.tx)
        owners = _owners(account) if account is not None else []
        for index, prev in enumerate(self.spent):
            owner = next((a for a in owners if signer.input_kind(prev.script_pubkey, a.public_key.data)), None)
            raw_prev = self.prev_txs[index] if index < len(self.prev_txs) else None
            prev_tx = Transaction.parse(raw_prev) if raw_prev is not None else None
            if owner is None:
                psbt.update_input(index, prev, prev_tx=prev_tx)
            else:
                path = owner.path.indexes if owner.path is not None else None
                psbt.update_input(
                    index, prev, prev_tx=prev_tx, public=owner.public_key.data, fingerprint=fingerprint, path=path
                )
        if account is not None and self.change_output is not None:
            # Only a key that pays the change script is named: change to another index (change_index)
            # stays unmarked rather than carrying another key's path, which a signer would believe.
            change_script = self.tx.outputs[self.change_output].script_pubkey
            change = next(
                (c for c in _owners(account) if script.script_pubkey(c.public_key.data, account.kind) == change_script),
                None,
            )
            if change is not None:
                psbt.update_output(
                    self.change_output,
                    change.public_key.data,
                    fingerprint=fingerprint,
                    path=change.path.indexes if change.path is not None else (),
                )
        return psbt


def _owners(account: Account) -> list[Account]:
    """The account and its first change sibling: the keys a transfer from it may spend with."""
    change = account.sibling(change=1, index=0)
    return [account] if change is account else [account, change]


def _kind_of(spk: bytes) -> str:
    if spk[:2] == b"\x00\x14":
        return "p2wpkh"
    if spk[:2] == b"\x51\x20":
        return "p2tr"
    if spk[:1] == b"\xa9":
        return "p2sh-p2wpkh"
    return "p2pkh"


def _extra_outputs(value: object) -> list[tuple[str, int]]:
    """The ``outputs`` field: (address, amount in sat) pairs; a float, a text or a bool amount is refused."""
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise InvalidInput(f"outputs is a list of (address, amount in sat) pairs, got {type(value).__name__}")
    out = []
    for item in value:
        if not isinstance(item, Sequence) or isinstance(item, (str, bytes)) or len(item) != 2:
            raise InvalidInput(f"outputs holds (address, amount in sat) pairs, got {item!r}")
        address, sats = item
        if not isinstance(address, str):
            raise InvalidInput(f"an output's address is text, got {type(address).__name__}")
        if isinstance(sats, bool) or not isinstance(sats, int) or not 0 <= sats <= MAX_MONEY:
            raise InvalidAmount(f"an output's amount is an integer of sat from 0 to {MAX_MONEY}, got {sats!r}")
        out.append((address, sats))
    return out


def _int(fields: Mapping[str, object], name: str, default: int) -> int:
    value = fields.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidTransaction(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _locktime(fields: Mapping[str, object]) -> int:
    """nLockTime: 0, a block height below 500,000,000, or a Unix time from it on (4 bytes)."""
    value = fields.get("locktime", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT32_MAX:
        raise InvalidTransaction(
            f"locktime is nLockTime, a 4-byte unsigned integer: a block height below {LOCKTIME_THRESHOLD} "
            f"or a Unix time from it up to {UINT32_MAX}; got {value!r}"
        )
    return value


def build_transfer(
    account: Account, to: str, amount: int, token: str | None, fields: Mapping[str, object]
) -> BitcoinTransfer:
    """Select coins, add change unless dust, and return the unsigned transfer.

    Raises:
        WrongNetwork, InvalidAddress: a recipient of another network, or not an address.
        DustOutput: an output below Core's dust threshold for its kind.
        InsufficientFunds: the UTXOs cannot pay amount plus fee (needed and available named).
        FeeTooHigh: the fee or rate is above the caps; nothing is built.
        InvalidTransaction: a missing or malformed field, such as a ``locktime`` past 4 bytes.
    """
    if token is not None:
        raise InvalidInput("Bitcoin has no tokens; leave token=None")
    if amount > MAX_MONEY:
        raise InvalidAmount(f"{amount} sat is more than 21 million BTC")
    unknown = set(fields) - _FIELDS
    if unknown:
        raise InvalidInput(
            f"unknown Bitcoin transfer field(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(_FIELDS))}"
        )
    fee_rate = fields.get("fee_rate")
    if fee_rate is None:
        raise InvalidTransaction("fee_rate (sat/vB) is required offline; connect a client to estimate it")
    if isinstance(fee_rate, bool) or not isinstance(fee_rate, (int, float)) or not 0 < fee_rate:  # NaN fails too
        raise InvalidTransaction(f"fee_rate is a positive number of sat/vB, got {fee_rate!r}")
    max_fee, max_rate = _int(fields, "max_fee", MAX_FEE), _int(fields, "max_fee_rate", MAX_FEE_RATE)
    if fee_rate > max_rate:
        raise FeeTooHigh(f"fee rate {fee_rate} sat/vB is above the cap of {max_rate} sat/vB")
    raw_utxos = fields.get("utxos")
    if not isinstance(raw_utxos, Sequence) or isinstance(raw_utxos, (str, bytes)) or not raw_utxos:
        raise InvalidTransaction("utxos (a list of Utxo or dicts) is required offline; connect a client to fill it")
    utxos = [Utxo.coerce(u) for u in raw_utxos]
    own = script.script_pubkey(account.public_key.data, account.kind)
    recipients = [(to, amount), *_extra_outputs(fields.get("outputs"))]
    outputs = []
    for address, value in recipients:
        dest = addr.decode(address, account.network)
        if value < coinselect.dust_threshold(dest.script_pubkey):
            raise DustOutput(
                f"{value} sat to {address} is below the dust threshold of {coinselect.dust_threshold(dest.script_pubkey)} sat"
            )
        outputs.append(TxOut(value, dest.script_pubkey))
    data = fields.get("data")
    if data is not None:
        if not isinstance(data, (str, bytes, bytearray)):
            raise InvalidTransaction(f"data (an OP_RETURN payload) is text or bytes, got {type(data).__name__}")
        payload = data.encode() if isinstance(data, str) else bytes(data)
        if len(payload) > 80:
            raise InvalidTransaction(f"OP_RETURN data is at most 80 bytes, got {len(payload)}")
        outputs.append(TxOut(0, b"\x6a" + script.push(payload)))
    change_account = account.sibling(change=1, index=_int(fields, "change_index", 0))
    change_script = script.script_pubkey(change_account.public_key.data, account.kind)
    candidates = [
        coinselect.Candidate(k, u.value, coinselect.INPUT_WEIGHT[_kind_of(u.script_pubkey or own)])
        for k, u in enumerate(utxos)
    ]
    base_weight = (4 + 1 + 1 + 4) * 4 + 2 + sum(coinselect.output_weight(len(o.script_pubkey)) for o in outputs)
    target = sum(o.value for o in outputs)
    chosen = coinselect.select(
        candidates,
        target,
        base_weight,
        coinselect.output_weight(len(change_script)),
        coinselect.dust_threshold(change_script),
        float(fee_rate),
    )
    if chosen.fee > max_fee:
        raise FeeTooHigh(f"fee {chosen.fee} sat is above the cap of {max_fee} sat")
    locktime, rbf = _locktime(fields), fields.get("rbf", True)
    if not isinstance(rbf, bool):
        raise InvalidTransaction(f"rbf is True or False, got {rbf!r}")
    # As Core's wallet (ConstructTransaction): BIP125 signal, else a non-final sequence when a
    # locktime is set (with every input final, nLockTime would not bind), else final.
    sequence = MAX_BIP125_RBF_SEQUENCE if rbf else MAX_SEQUENCE_NONFINAL if locktime else SEQUENCE_FINAL
    inputs = tuple(TxIn(OutPoint(utxos[k].txid, utxos[k].vout), sequence=sequence) for k in chosen.chosen)
    spent = tuple(TxOut(utxos[k].value, utxos[k].script_pubkey or own) for k in chosen.chosen)
    change_output = None
    if chosen.change:
        change_output = len(outputs)
        outputs.append(TxOut(chosen.change, change_script))
    tx = Transaction(inputs, tuple(outputs), 2, locktime)
    prev_txs = tuple(utxos[k].prev_tx for k in chosen.chosen)
    return BitcoinTransfer(tx, spent, chosen.fee, change_output, prev_txs if any(prev_txs) else ())


def sign_transfer(account: Account, transfer: object) -> SignedTransaction:
    """Sign every input with the account's key (or its change key) and return the final transaction.

    Raises:
        InvalidTransaction: not a BitcoinTransfer, or an input this account cannot sign.
    """
    if isinstance(transfer, (Psbt, str)):
        # A Psbt is signed on a copy: the caller's value is what was judged and what a retry sends again
        # (sign_psbt signs in place, for multi-party PSBTs passed from signer to signer).
        psbt = sign_psbt(account, Psbt.parse(transfer.serialize()) if isinstance(transfer, Psbt) else transfer)
        psbt.finalize()
        tx = psbt.extract()
        return SignedTransaction("btc", tx.serialize(), tx.txid, {"tx": tx, "fee": psbt.fee(), "psbt": psbt})
    if not isinstance(transfer, BitcoinTransfer):
        raise InvalidTransaction(
            f"expected a BitcoinTransfer (from account.transfer), a Psbt or base64 PSBT text, got {type(transfer).__name__}"
        )
    keys = _owners(account)
    tx = transfer.tx
    spent = list(transfer.spent)
    for index, prev in enumerate(spent):
        signer_account = next((k for k in keys if signer.input_kind(prev.script_pubkey, k.public_key.data)), None)
        if signer_account is None:
            raise InvalidTransaction(
                f"input {index} ({tx.inputs[index].prevout.txid}:{tx.inputs[index].prevout.vout}) is not this account's"
            )
        tx = signer.sign_input(tx, index, signer_account.signing_key(), signer_account.public_key.data, spent)
    return SignedTransaction("btc", tx.serialize(), tx.txid, {"tx": tx, "fee": transfer.fee, "spent": tuple(spent)})


def sign_psbt(account: Account, psbt: Psbt | str) -> Psbt:
    """Sign every PSBT input the account (or its first change key) can spend; return the PSBT.

    A base64 text is parsed first and a new :class:`Psbt` returned; a :class:`Psbt` is signed
    in place and returned. Inputs of other keys are left for other signers.

    Raises:
        InvalidTransaction: a UTXO is missing, or a witness UTXO disagrees with its
            non-witness UTXO (the segwit fee attack); an input of these keys asks for a sighash
            type other than ALL, ALL|ANYONECANPAY or (taproot) DEFAULT, checked before any signature.
    """
    if isinstance(psbt, str):
        psbt = Psbt.from_base64(psbt)
    if not isinstance(psbt, Psbt):
        raise InvalidTransaction(f"expected a Psbt or base64 PSBT text, got {type(psbt).__name__}")
    owners = _owners(account)
    _refuse_open_hash_types(psbt, [owner.public_key.data for owner in owners])
    for owner in owners:
        psbt.sign(owner.signing_key(), owner.public_key.data)
    return psbt


# The hash types an account signs a PSBT with: every output committed (BIP143 / BIP341).
_COMMITTING = frozenset({sighash.SIGHASH_ALL, 0x81})  # and ALL|ANYONECANPAY; taproot's DEFAULT (0) too


def _refuse_open_hash_types(psbt: Psbt, publics: list[bytes]) -> None:
    # As Core's walletprocesspsbt, which signs only the type its caller names: a PSBT asking NONE or
    # SINGLE for one of these keys' inputs would get a signature its holder can send anywhere.
    for index in range(len(psbt.inputs)):
        hash_type = psbt.requested_sighash_type(index)  # none asked: Psbt.sign uses ALL / DEFAULT
        if hash_type is None or psbt.is_input_finalized(index):  # finalized inputs are not signed again
            continue
        spk = psbt.spent_output(index).script_pubkey
        kinds = {signer.input_kind(spk, public) for public in publics} - {None}
        if hash_type in _COMMITTING or (hash_type == sighash.SIGHASH_DEFAULT and kinds <= {"p2tr"}):
            continue
        if kinds:
            raise InvalidTransaction(
                f"PSBT input {index} asks for sighash type {hash_type:#x}, which does not commit to every output "
                "(whoever holds the signature could send the coins anywhere); an account signs SIGHASH_ALL, "
                "ALL|ANYONECANPAY or taproot's DEFAULT only (Psbt.sign signs other types on purpose)"
            )
