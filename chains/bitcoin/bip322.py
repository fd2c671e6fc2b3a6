"""BIP322 "simple" generic signed messages for P2WPKH and P2TR (and verification of any script).

    message_hash = tagged_hash("BIP0322-signed-message", message)
    to_spend = v0, in: 00..00:0xFFFFFFFF scriptSig OP_0 <message_hash> seq 0, out: 0 sat to the address
    to_sign  = v0, in: to_spend:0 seq 0 (the witness is the signature), out: 0 sat OP_RETURN
    simple signature = base64(witness stack of to_sign's input)

The 2026 revision of BIP322 prefixes the base64 with ``smp``; :func:`sign` writes the
unprefixed form most verifiers deployed today read (``prefix=True`` for the new one), and
:func:`verify` reads both. P2WPKH and P2TR key-path signatures are checked here; any
other script (P2WSH multisig, ...) is checked by libbitcoinkernel's interpreter.
"""

from __future__ import annotations

import base64
import binascii
import io

from chains.bitcoin import address as addr
from chains.bitcoin import script, sighash
from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut, read_varbytes, read_varint, varbytes, varint
from walletkit.chain import message_bytes
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import hash160, tagged_hash
from walletkit.errors import InvalidSignature, InvalidTransaction, UnsupportedOperation
from walletkit.keys import SigningKey, sign_der, sign_taproot

TAG = "BIP0322-signed-message"
PREFIX = "smp"


def message_hash(message: str | bytes) -> bytes:
    """Return the BIP340-tagged hash of the message (no length prefix).

    >>> message_hash("").hex()
    'c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1'
    """
    return tagged_hash(TAG, message_bytes(message))


def to_spend(script_pubkey: bytes, message: str | bytes) -> Transaction:
    """Return the virtual transaction whose output the signature spends."""
    script_sig = b"\x00" + script.push(message_hash(message))
    return Transaction(
        (TxIn(OutPoint("00" * 32, 0xFFFFFFFF), script_sig, 0),), (TxOut(0, script_pubkey),), version=0, locktime=0
    )


def to_sign(spend: Transaction, witness: tuple[bytes, ...] = ()) -> Transaction:
    """Return the virtual transaction that spends ``to_spend`` (its witness is the signature)."""
    return Transaction((TxIn(OutPoint(spend.txid, 0), b"", 0, witness),), (TxOut(0, b"\x6a"),), version=0, locktime=0)


def sign(secret: bytes | SigningKey, public: bytes, kind: str, message: str | bytes, *, prefix: bool = False) -> str:
    """Return the BIP322 simple signature of ``message`` by the key's ``kind`` address.

    ``secret`` is a :class:`~walletkit.keys.SigningKey` or the raw 32-byte secret of ``public``.

    Raises:
        UnsupportedOperation: a kind other than p2wpkh or p2tr (BIP322 simple needs a witness;
            use BIP137 for p2pkh and p2sh-p2wpkh).
    """
    if kind == "p2wpkh":
        spend = to_spend(script.p2wpkh(public), message)
        digest = sighash.bip143(to_sign(spend), 0, script.p2pkh(public), 0, sighash.SIGHASH_ALL)
        witness: tuple[bytes, ...] = (sign_der(secret, digest) + b"\x01", public)
    elif kind == "p2tr":
        spend = to_spend(script.p2tr(public), message)
        digest = sighash.bip341(to_sign(spend), 0, [spend.outputs[0]], sighash.SIGHASH_DEFAULT)
        witness = (sign_taproot(secret, digest),)
    else:
        raise UnsupportedOperation(f"BIP322 simple signatures are for p2wpkh and p2tr, not {kind}; use BIP137")
    encoded = base64.b64encode(varint(len(witness)) + b"".join(varbytes(w) for w in witness)).decode("ascii")
    return PREFIX + encoded if prefix else encoded


def decode_signature(signature: str) -> tuple[bytes, ...]:
    """Return the witness stack of a simple signature (with or without the ``smp`` prefix).

    Raises:
        InvalidSignature: not base64, a full or proof-of-funds signature, or not a witness stack.
    """
    if not isinstance(signature, str):
        raise InvalidSignature(f"a BIP322 signature is base64 text, got {type(signature).__name__}")
    text = signature.strip()
    if text[:3] in ("ful", "pof"):
        raise InvalidSignature("only BIP322 simple signatures are read; this is a full or proof-of-funds one")
    if text.startswith(PREFIX):
        text = text[len(PREFIX) :]
    try:
        raw = base64.b64decode(text, validate=True)
        stream = io.BytesIO(raw)
        witness = tuple(read_varbytes(stream) for _ in range(read_varint(stream)))
    except (binascii.Error, ValueError, IndexError) as e:  # InvalidTransaction (truncated) is a ValueError
        raise InvalidSignature(f"a BIP322 simple signature is a base64 witness stack: {e}") from e
    if stream.read(1) or not witness:
        raise InvalidSignature("a BIP322 simple signature is one complete, non-empty witness stack")
    return witness


def verify(address: str, message: str | bytes, signature: str, network: str | None = None) -> bool:
    """Return True if ``signature`` is a valid BIP322 simple signature of ``message`` by ``address``.

    Raises:
        InvalidAddress, WrongNetwork: a bad address, or one of another network.
        InvalidSignature: the signature does not decode.
    """
    dest = addr.decode(address, network)
    witness = decode_signature(signature)
    spk = dest.script_pubkey
    spend = to_spend(spk, message)
    signing = to_sign(spend, witness)
    if dest.kind == "p2wpkh":
        if len(witness) != 2 or hash160(witness[1]) != spk[2:] or len(witness[0]) < 9:
            return False
        der, ht = witness[0][:-1], witness[0][-1]
        try:
            digest = sighash.bip143(signing, 0, script.p2pkh(witness[1]), 0, ht)
        except InvalidTransaction:  # a sighash type that cannot be signed
            return False
        return secp256k1.verify_der(witness[1], der, digest)
    if dest.kind == "p2tr" and len(witness) == 1 and len(witness[0]) in (64, 65):
        ht = witness[0][64] if len(witness[0]) == 65 else sighash.SIGHASH_DEFAULT
        if len(witness[0]) == 65 and ht == 0:
            return False
        try:
            digest = sighash.bip341(signing, 0, [spend.outputs[0]], ht)
        except InvalidTransaction:  # a sighash type that cannot be signed
            return False
        return secp256k1.verify_schnorr(spk[2:], witness[0][:64], digest)
    from chains.bitcoin import kernel  # any other script: Core's interpreter decides

    return kernel.verify_input(signing, 0, [spend.outputs[0]])
