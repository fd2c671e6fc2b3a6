"""Partially Signed Bitcoin Transactions, version 0 (BIP174), with the BIP371 taproot fields.

psbt = "psbt" 0xff || global map || one map per input || one map per output
map  = (varbytes(key) || varbytes(value))* || 0x00,  key = type byte || key data

Maps are kept as ordered ``{key: value}`` dicts, so fields walletkit does not interpret
(proprietary, xpubs, script paths) travel through unchanged. Roles: :meth:`Psbt.create`,
:meth:`Psbt.update_input`, :func:`sign`, :meth:`Psbt.finalize`, :meth:`Psbt.extract`.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field

from chains.bitcoin import psbt2, script, sighash, signer
from chains.bitcoin.psbt_map import G_UNSIGNED_TX as G_UNSIGNED_TX
from chains.bitcoin.psbt_map import MAGIC as MAGIC
from chains.bitcoin.psbt_map import Map as Map
from chains.bitcoin.psbt_map import _read_map, _write_map, check_keys
from chains.bitcoin.tx import Transaction, TxIn, TxOut, read_varbytes, read_varint, varbytes, varint
from walletkit.errors import InvalidTransaction
from walletkit.keys import SigningKey, sign_der, sign_taproot

# Global / input / output key types used here (BIP174, BIP371); MAGIC, G_UNSIGNED_TX and the
# map codec are in chains.bitcoin.psbt_map, below this module and psbt2.
I_NON_WITNESS_UTXO, I_WITNESS_UTXO, I_PARTIAL_SIG, I_SIGHASH_TYPE = 0x00, 0x01, 0x02, 0x03
I_REDEEM_SCRIPT, I_BIP32_DERIVATION, I_FINAL_SCRIPTSIG, I_FINAL_SCRIPTWITNESS = 0x04, 0x06, 0x07, 0x08
I_TAP_KEY_SIG, I_TAP_BIP32_DERIVATION, I_TAP_INTERNAL_KEY = 0x13, 0x16, 0x17
O_REDEEM_SCRIPT, O_BIP32_DERIVATION, O_TAP_INTERNAL_KEY, O_TAP_BIP32_DERIVATION = 0x00, 0x02, 0x05, 0x07
# What a finalized input keeps (BIP174: everything else is cleared).
_KEPT_AFTER_FINAL = {I_NON_WITNESS_UTXO, I_WITNESS_UTXO, I_FINAL_SCRIPTSIG, I_FINAL_SCRIPTWITNESS}


def _segwit_format(raw: bytes) -> bool:
    """True when ``raw`` parses as a transaction with BIP144's segwit format allowed.

    Called once the non-witness reading has failed, so True means marker 0x00 and flag 0x01.
    """
    try:
        Transaction.parse(raw)
    except InvalidTransaction:
        return False
    return True


def _derivation(fingerprint: bytes, path: tuple[int, ...]) -> bytes:
    return fingerprint + b"".join(i.to_bytes(4, "little") for i in path)


@dataclass(slots=True)
class Psbt:
    """A PSBT: the unsigned transaction and one key-value map per global, input and output.

    ``version`` is 0 (BIP174) or 2 (BIP370, see :mod:`chains.bitcoin.psbt2`); it decides only
    how the PSBT is written. :meth:`convert` turns one version into the other.
    """

    tx: Transaction
    globals: Map = field(default_factory=dict)
    inputs: list[Map] = field(default_factory=list)
    outputs: list[Map] = field(default_factory=list)
    version: int = 0

    # --- creator ------------------------------------------------------------------

    @classmethod
    def create(cls, tx: Transaction) -> Psbt:
        """Return an empty PSBT for ``tx`` (scriptSigs and witnesses are dropped).

        >>> from chains.bitcoin.tx import OutPoint, TxIn, TxOut
        >>> p = Psbt.create(Transaction((TxIn(OutPoint("11" * 32, 0)),), (TxOut(1000, b"\\x51"),)))
        >>> Psbt.from_base64(p.to_base64()) == p
        True
        """
        bare = Transaction(
            tuple(TxIn(i.prevout, b"", i.sequence) for i in tx.inputs), tx.outputs, tx.version, tx.locktime
        )
        return cls(
            bare,
            {bytes([G_UNSIGNED_TX]): bare.serialize(witness=False)},
            [{} for _ in tx.inputs],
            [{} for _ in tx.outputs],
        )

    # --- serialization ------------------------------------------------------------

    def serialize(self) -> bytes:
        """Return the binary PSBT (in its ``version``)."""
        if self.version == 2:
            return psbt2.serialize(self)
        parts = [MAGIC, _write_map(self.globals)]
        parts += [_write_map(m) for m in self.inputs]
        parts += [_write_map(m) for m in self.outputs]
        return b"".join(parts)

    def to_base64(self) -> str:
        """Return the base64 text Bitcoin Core, Sparrow and hardware signers exchange."""
        return base64.b64encode(self.serialize()).decode("ascii")

    @classmethod
    def parse(cls, data: bytes) -> Psbt:
        """Parse a binary PSBT, version 0 or 2.

        Raises:
            InvalidTransaction: bad magic, no unsigned transaction (v0), missing v2 fields, a
                signed transaction, wrong map counts, an unknown version.
        """
        if not isinstance(data, (bytes, bytearray)) or not bytes(data).startswith(MAGIC):
            raise InvalidTransaction("a PSBT starts with the magic bytes 'psbt\\xff'")
        stream = io.BytesIO(bytes(data[len(MAGIC) :]))
        try:
            globals_ = _read_map(stream)
            version_raw = globals_.get(b"\xfb")
            version = int.from_bytes(version_raw, "little") if version_raw is not None else 0
            if version_raw is not None and (len(version_raw) != 4 or version not in (0, 2)):
                raise InvalidTransaction(f"PSBT version {version} is not supported (0 and 2 are)")
            if version == 2:
                tx, inputs, outputs = psbt2.parse_body(globals_, stream)
                if stream.read(1):
                    raise InvalidTransaction("trailing bytes after the PSBT's last output map")
                return cls(tx, globals_, inputs, outputs, version=2)
            raw = globals_.get(bytes([G_UNSIGNED_TX]))
            if raw is None:
                raise InvalidTransaction("the PSBT has no unsigned transaction (global key 0x00)")
            check_keys(globals_, "global", 0)
            try:
                # Always the non-witness format, as Bitcoin Core reads it (psbt.h, TX_NO_WITNESS): bytes
                # that read both ways (0 inputs, and outputs that also frame a segwit tx) are that tx.
                tx = Transaction.parse(raw, witness=False)
            except InvalidTransaction as e:
                if _segwit_format(raw):  # only BIP144's reading works: name the mistake
                    raise InvalidTransaction(
                        "a PSBT's unsigned transaction is in segwit format; expected the non-witness format (BIP174)"
                    ) from e
                raise
            if any(i.script_sig or i.witness for i in tx.inputs):
                raise InvalidTransaction("a PSBT's unsigned transaction must have empty scriptSigs and witnesses")
            inputs = [_read_map(stream) for _ in tx.inputs]
            outputs = [_read_map(stream) for _ in tx.outputs]
            for k, m in enumerate(inputs):
                check_keys(m, "input", 0, k)
            for k, m in enumerate(outputs):
                check_keys(m, "output", 0, k)
        except (KeyError, IndexError) as e:
            raise InvalidTransaction(f"malformed PSBT: {e}") from e
        if stream.read(1):
            raise InvalidTransaction("trailing bytes after the PSBT's last output map")
        return cls(tx, globals_, inputs, outputs)

    @classmethod
    def from_base64(cls, text: str) -> Psbt:
        """Parse a base64 PSBT.

        Raises:
            InvalidTransaction: not base64, or not a PSBT.
        """
        try:
            data = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError, AttributeError) as e:
            raise InvalidTransaction(f"a PSBT text is base64: {e}") from e
        return cls.parse(data)

    def convert(self, version: int) -> Psbt:
        """Return this PSBT as version 0 (BIP174) or 2 (BIP370), signatures kept."""
        globals_, inputs, outputs = psbt2.convert(self, version)
        return Psbt(self.tx, globals_, inputs, outputs, version=version)

    # --- updater ------------------------------------------------------------------

    def update_input(
        self,
        index: int,
        spent: TxOut,
        *,
        prev_tx: Transaction | None = None,
        public: bytes | None = None,
        fingerprint: bytes = bytes(4),
        path: tuple[int, ...] | None = None,
    ) -> None:
        """Record what input ``index`` spends, and (with ``public``) which key and path sign it.

        A P2SH-P2WPKH input gets its redeem script, a P2TR input its internal key (BIP371).
        """
        m = self.inputs[index]
        if prev_tx is not None:
            m[bytes([I_NON_WITNESS_UTXO])] = prev_tx.serialize(witness=False)
        if prev_tx is None or spent.script_pubkey[:1] != b"\x76":
            # Segwit inputs carry it by BIP174; a P2PKH input without its previous transaction
            # carries it too, so the fee stays computable (legacy sighashes ignore amounts).
            m[bytes([I_WITNESS_UTXO])] = spent.serialize()
        if public is None:
            return
        kind = signer.input_kind(spent.script_pubkey, public)
        if kind == "p2sh-p2wpkh":
            m[bytes([I_REDEEM_SCRIPT])] = script.p2wpkh(public)
        if kind == "p2tr":
            m[bytes([I_TAP_INTERNAL_KEY])] = public[1:]
            if path is not None:
                m[bytes([I_TAP_BIP32_DERIVATION]) + public[1:]] = b"\x00" + _derivation(fingerprint, path)
        elif path is not None:
            m[bytes([I_BIP32_DERIVATION]) + public] = _derivation(fingerprint, path)

    def update_output(
        self, index: int, public: bytes, *, fingerprint: bytes = bytes(4), path: tuple[int, ...] = ()
    ) -> None:
        """Mark output ``index`` as paying ``public`` (change), so a signer can show it as such."""
        m = self.outputs[index]
        if self.tx.outputs[index].script_pubkey == script.p2tr(public):
            m[bytes([O_TAP_INTERNAL_KEY])] = public[1:]
            m[bytes([O_TAP_BIP32_DERIVATION]) + public[1:]] = b"\x00" + _derivation(fingerprint, path)
        else:
            if self.tx.outputs[index].script_pubkey == script.p2sh_p2wpkh(public):
                m[bytes([O_REDEEM_SCRIPT])] = script.p2wpkh(public)
            m[bytes([O_BIP32_DERIVATION]) + public] = _derivation(fingerprint, path)

    # --- what inputs spend ------------------------------------------------------------

    def spent_output(self, index: int) -> TxOut:
        """Return the output input ``index`` spends, cross-checked between the two UTXO fields.

        Raises:
            InvalidTransaction: no UTXO recorded; a non-witness UTXO that is not the outpoint's
                transaction; a witness UTXO whose amount or script disagrees with it (the
                segwit fee attack: a signer shown a smaller amount would overpay the fee).
        """
        m = self.inputs[index]
        prevout = self.tx.inputs[index].prevout
        witness_utxo = m.get(bytes([I_WITNESS_UTXO]))
        full = m.get(bytes([I_NON_WITNESS_UTXO]))
        from_witness = None
        if witness_utxo is not None:
            stream = io.BytesIO(witness_utxo)
            from_witness = TxOut(int.from_bytes(stream.read(8), "little"), read_varbytes(stream))
        if full is None:
            if from_witness is None:
                raise InvalidTransaction(f"PSBT input {index} has neither a witness nor a non-witness UTXO")
            return from_witness
        prev = Transaction.parse(full)
        if prev.txid != prevout.txid:
            raise InvalidTransaction(
                f"PSBT input {index}: its non-witness UTXO is transaction {prev.txid}, not {prevout.txid}"
            )
        if prevout.vout >= len(prev.outputs):
            raise InvalidTransaction(f"PSBT input {index}: output {prevout.vout} does not exist in {prev.txid}")
        actual = prev.outputs[prevout.vout]
        if from_witness is not None and from_witness != actual:
            raise InvalidTransaction(
                f"PSBT input {index}: witness UTXO says {from_witness.value} sat but the previous transaction "
                f"says {actual.value} sat; refusing to sign (segwit fee attack)"
            )
        return actual

    def spent_outputs(self) -> list[TxOut]:
        """Return every spent output (each cross-checked by :meth:`spent_output`)."""
        return [self.spent_output(i) for i in range(len(self.inputs))]

    def fee(self) -> int:
        """Return inputs minus outputs, in satoshis."""
        return sum(o.value for o in self.spent_outputs()) - sum(o.value for o in self.tx.outputs)

    # --- signer, finalizer, extractor -------------------------------------------------

    def is_input_finalized(self, index: int) -> bool:
        """True when input ``index`` carries its final scriptSig or witness (BIP174: not signed again)."""
        m = self.inputs[index]
        return bytes([I_FINAL_SCRIPTSIG]) in m or bytes([I_FINAL_SCRIPTWITNESS]) in m

    def requested_sighash_type(self, index: int) -> int | None:
        """Input ``index``'s PSBT_IN_SIGHASH_TYPE (4 bytes, little endian), or None when it asks none."""
        raw = self.inputs[index].get(bytes([I_SIGHASH_TYPE]))
        return int.from_bytes(raw, "little") if raw else None

    def sighash_type(self, index: int, kind: str) -> int:
        """The sighash type input ``index`` is signed with: the one it asks for, else SIGHASH_DEFAULT
        (0) for a ``"p2tr"`` input and SIGHASH_ALL (1) for the others (BIP174, BIP371)."""
        requested = self.requested_sighash_type(index)
        if requested is not None:
            return requested
        return sighash.SIGHASH_DEFAULT if kind == "p2tr" else sighash.SIGHASH_ALL

    def sign(self, secret: bytes | SigningKey, public: bytes, aux: bytes | None = None) -> int:
        """Sign every input ``public`` can spend; return how many were signed.

        ``secret`` is a :class:`~walletkit.keys.SigningKey` or the raw 32-byte secret of ``public``.

        Raises:
            InvalidTransaction: a UTXO is missing or inconsistent; a forbidden sighash type (one past
                a byte on an ECDSA input, a bad taproot type, SINGLE without its output).
            UnsupportedOperation: the key's backend cannot make a signature (an HSM and taproot).
        """
        spent: list[TxOut] | None = None
        signed = 0
        for index, m in enumerate(self.inputs):
            if self.is_input_finalized(index):
                continue
            prev = self.spent_output(index)
            kind = signer.input_kind(prev.script_pubkey, public)
            if kind is None:
                continue
            ht = self.sighash_type(index, kind)
            if kind == "p2tr":
                spent = spent or self.spent_outputs()  # taproot commits to every spent output
                digest = sighash.bip341(self.tx, index, spent, ht)
                sig = sign_taproot(secret, digest, aux)
                m[bytes([I_TAP_KEY_SIG])] = sig if ht == 0 else sig + bytes([ht])
            else:
                if ht > 0xFF:  # an ECDSA signature carries one hash-type byte; the digest would commit to four
                    raise InvalidTransaction(
                        f"PSBT input {index}: sighash type {ht:#x} does not fit the signature's byte"
                    )
                if kind == "p2pkh":
                    digest = sighash.legacy(self.tx, index, prev.script_pubkey, ht)
                else:
                    digest = sighash.bip143(self.tx, index, script.p2pkh(public), prev.value, ht)
                m[bytes([I_PARTIAL_SIG]) + public] = sign_der(secret, digest) + bytes([ht])
            signed += 1
        return signed

    def finalize(self) -> None:
        """Turn signatures into final scriptSigs/witnesses (single-key kinds).

        Raises:
            InvalidTransaction: an input has no signature, or spends a script walletkit cannot finalize.
        """
        for index, m in enumerate(self.inputs):
            if bytes([I_FINAL_SCRIPTSIG]) in m or bytes([I_FINAL_SCRIPTWITNESS]) in m:
                continue
            prev = self.spent_output(index)
            tap_sig = m.get(bytes([I_TAP_KEY_SIG]))
            partial = [(k[1:], v) for k, v in m.items() if k[0] == I_PARTIAL_SIG]
            if prev.script_pubkey[:2] == b"\x51\x20" and tap_sig is not None:
                m[bytes([I_FINAL_SCRIPTWITNESS])] = varint(1) + varbytes(tap_sig)
            elif len(partial) == 1:
                public, sig = partial[0]
                kind = signer.input_kind(prev.script_pubkey, public)
                if kind == "p2pkh":
                    m[bytes([I_FINAL_SCRIPTSIG])] = script.push(sig) + script.push(public)
                elif kind in ("p2wpkh", "p2sh-p2wpkh"):
                    m[bytes([I_FINAL_SCRIPTWITNESS])] = varint(2) + varbytes(sig) + varbytes(public)
                    if kind == "p2sh-p2wpkh":
                        m[bytes([I_FINAL_SCRIPTSIG])] = script.push(script.p2wpkh(public))
                else:
                    raise InvalidTransaction(f"PSBT input {index}: the signature's key does not own the spent script")
            else:
                raise InvalidTransaction(
                    f"PSBT input {index} is not signed (or needs a script walletkit cannot finalize)"
                )
            for key in [k for k in m if k[0] not in _KEPT_AFTER_FINAL]:
                del m[key]

    def is_finalized(self) -> bool:
        """True when every input has a final scriptSig or witness."""
        return all(bytes([I_FINAL_SCRIPTSIG]) in m or bytes([I_FINAL_SCRIPTWITNESS]) in m for m in self.inputs)

    def extract(self) -> Transaction:
        """Return the network transaction of a finalized PSBT.

        Raises:
            InvalidTransaction: an input is not finalized.
        """
        inputs = []
        for index, (txin, m) in enumerate(zip(self.tx.inputs, self.inputs, strict=True)):
            script_sig = m.get(bytes([I_FINAL_SCRIPTSIG]), b"")
            raw_witness = m.get(bytes([I_FINAL_SCRIPTWITNESS]))
            if raw_witness is None and not script_sig:
                raise InvalidTransaction(f"PSBT input {index} is not finalized; call finalize() first")
            witness: tuple[bytes, ...] = ()
            if raw_witness is not None:
                stream = io.BytesIO(raw_witness)
                witness = tuple(read_varbytes(stream) for _ in range(read_varint(stream)))
            inputs.append(TxIn(txin.prevout, script_sig, txin.sequence, witness))
        return Transaction(tuple(inputs), self.tx.outputs, self.tx.version, self.tx.locktime)
