"""Signing one input of each kind: P2PKH (legacy), P2SH-P2WPKH and P2WPKH (BIP143), P2TR key path (BIP341).

Every spent output (amount and script) is required: segwit v0 commits to the amount,
taproot to all amounts and scripts, and a wrong amount must not be signable.
"""

from __future__ import annotations

from chains.bitcoin import script, sighash
from chains.bitcoin.tx import Transaction, TxOut
from walletkit.crypto.hashes import hash160
from walletkit.errors import InvalidTransaction
from walletkit.keys import SigningKey, sign_der, sign_taproot


def _candidate_kind(script_pubkey: bytes) -> str | None:
    # The shape of the script names the only kind worth computing (a taproot tweak is costly).
    n = len(script_pubkey)
    if n == 25 and script_pubkey[:3] == b"\x76\xa9\x14":
        return "p2pkh"
    if n == 22 and script_pubkey[:2] == b"\x00\x14":
        return "p2wpkh"
    if n == 23 and script_pubkey[:2] == b"\xa9\x14":
        return "p2sh-p2wpkh"
    if n == 34 and script_pubkey[:2] == b"\x51\x20":
        return "p2tr"
    return None


_HASH160: dict[bytes, bytes] = {}  # public key -> HASH160, for the keys a wallet signs with (bounded)


def _hash160(public: bytes) -> bytes:
    h = _HASH160.get(public)
    if h is None:
        h = hash160(public)
        if len(_HASH160) >= 256:
            _HASH160.pop(next(iter(_HASH160)))
        _HASH160[public] = h
    return h


def input_kind(script_pubkey: bytes, public: bytes) -> str | None:
    """Return the kind of ``script_pubkey`` if ``public`` can spend it, else None."""
    kind = _candidate_kind(script_pubkey)
    if kind == "p2wpkh" or kind == "p2pkh":
        program = script_pubkey[2:22] if kind == "p2wpkh" else script_pubkey[3:23]
        return kind if _hash160(public) == program else None
    if kind is not None and script.SCRIPT_OF[kind](public) == script_pubkey:
        return kind
    return None


def sign_input(
    tx: Transaction,
    index: int,
    secret: bytes | SigningKey,
    public: bytes,
    spent: list[TxOut],
    hash_type: int = sighash.SIGHASH_ALL,
    aux: bytes | None = None,
) -> Transaction:
    """Return ``tx`` with input ``index`` signed by the key (its kind read from the spent script).

    ``secret`` is a :class:`~walletkit.keys.SigningKey` (in memory or in an HSM) or the raw
    32-byte secret; ``public`` its 33-byte compressed public key.

    Raises:
        InvalidTransaction: the key cannot spend that output, or a spent output is missing.
        UnsupportedOperation: the key's backend cannot make the signature (an HSM and taproot).
    """
    if len(spent) != len(tx.inputs):
        raise InvalidTransaction(f"signing needs every spent output: {len(tx.inputs)} inputs, {len(spent)} given")
    prev = spent[index]
    kind = input_kind(prev.script_pubkey, public)
    if kind is None:
        raise InvalidTransaction(f"input {index} spends a script this key does not control")
    if kind == "p2tr":
        ht = sighash.SIGHASH_DEFAULT if hash_type == sighash.SIGHASH_ALL else hash_type
        digest = sighash.bip341(tx, index, spent, ht)
        signature = sign_taproot(secret, digest, aux)
        return tx.with_signature(index, b"", (signature if ht == 0 else signature + bytes([ht]),))
    if kind == "p2pkh":
        digest = sighash.legacy(tx, index, prev.script_pubkey, hash_type)
        signature = sign_der(secret, digest) + bytes([hash_type])
        return tx.with_signature(index, script.push(signature) + script.push(public), ())
    script_code = b"\x76\xa9\x14" + _hash160(public) + b"\x88\xac"  # BIP143: P2WPKH's scriptCode is P2PKH's
    digest = sighash.bip143(tx, index, script_code, prev.value, hash_type)
    signature = sign_der(secret, digest) + bytes([hash_type])
    script_sig = script.push(script.p2wpkh(public)) if kind == "p2sh-p2wpkh" else b""
    return tx.with_signature(index, script_sig, (signature, public))
