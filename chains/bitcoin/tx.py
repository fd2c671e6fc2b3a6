"""Bitcoin transactions: the model and its serialization (legacy and BIP144 segwit).

tx = version(4) || [0x00 0x01] || vin || vout || [witnesses] || locktime(4)
txin = prevout(32 + 4) || scriptSig || nSequence(4)

Every 4-byte field (version, vout, nSequence, nLockTime) is checked when the value is built:
a number that does not fit is refused there, not found when serializing.
txid = SHA256d(serialization without witnesses), shown byte-reversed
vsize = ceil((3 * base_size + total_size) / 4)
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace

from walletkit.crypto.hashes import double_sha256
from walletkit.errors import InvalidTransaction


def varint(n: int) -> bytes:
    """Encode a CompactSize integer."""
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def varbytes(data: bytes) -> bytes:
    """Encode bytes with a CompactSize length prefix."""
    return varint(len(data)) + data


def read_varint(stream: io.BytesIO) -> int:
    """Read a CompactSize integer."""
    first = _read(stream, 1)[0]
    if first < 0xFD:
        return first
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    return int.from_bytes(_read(stream, size), "little")


def _read(stream: io.BytesIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise InvalidTransaction(f"truncated transaction: wanted {n} more bytes, got {len(data)}")
    return data


UINT32_MAX = 0xFFFFFFFF
SEQUENCE_FINAL = 0xFFFFFFFF  # CTxIn::SEQUENCE_FINAL: the input opts out of nLockTime (and of RBF)
MAX_SEQUENCE_NONFINAL = 0xFFFFFFFE  # CTxIn::MAX_SEQUENCE_NONFINAL: nLockTime binds, no RBF signal
MAX_BIP125_RBF_SEQUENCE = 0xFFFFFFFD  # BIP125: at most this on one input signals replaceability
LOCKTIME_THRESHOLD = 500_000_000  # nLockTime below it is a block height, from it on a Unix time


def _uint32(owner: str, name: str, value: object) -> None:
    # Core serializes each of these as a 4-byte unsigned integer: a value past it cannot be written.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT32_MAX:
        raise InvalidTransaction(f"{owner} {name} is a 4-byte unsigned integer (0..{UINT32_MAX}), got {value!r}")


def read_varbytes(stream: io.BytesIO) -> bytes:
    """Read bytes with a CompactSize length prefix."""
    n = read_varint(stream)
    if n > 4_000_000:
        raise InvalidTransaction(f"a field of {n} bytes is larger than a block")
    return _read(stream, n)


_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class OutPoint:
    """A reference to an output: txid (display order, hex) and index."""

    txid: str
    vout: int

    def __post_init__(self) -> None:
        if not isinstance(self.txid, str) or len(self.txid) != 64 or not _HEX.issuperset(self.txid):
            raise InvalidTransaction(f"an outpoint's txid is 64 hex digits, got {self.txid!r}")
        _uint32("an outpoint's", "vout", self.vout)

    def serialize(self) -> bytes:
        """Return the 36-byte outpoint (txid in internal byte order)."""
        return bytes.fromhex(self.txid)[::-1] + self.vout.to_bytes(4, "little")


@dataclass(frozen=True, slots=True)
class TxIn:
    """A transaction input."""

    prevout: OutPoint
    script_sig: bytes = b""
    sequence: int = MAX_BIP125_RBF_SEQUENCE  # RBF signalled (BIP125) by default
    witness: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        _uint32("an input's", "nSequence", self.sequence)


@dataclass(frozen=True, slots=True)
class TxOut:
    """A transaction output."""

    value: int
    script_pubkey: bytes

    def serialize(self) -> bytes:
        """Return value(8) || varbytes(scriptPubKey)."""
        return self.value.to_bytes(8, "little") + varbytes(self.script_pubkey)


@dataclass(frozen=True, slots=True)
class Transaction:
    """A Bitcoin transaction."""

    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    version: int = 2
    locktime: int = 0
    _cache: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _uint32("a transaction's", "version", self.version)
        _uint32("a transaction's", "nLockTime", self.locktime)

    @property
    def has_witness(self) -> bool:
        """True when any input carries witness data."""
        return any(i.witness for i in self.inputs)

    def serialize(self, witness: bool = True) -> bytes:
        """Return the network serialization (BIP144 when ``witness`` and any input has a witness)."""
        # The signing hot path serializes every transaction at least twice: plain loops and
        # direct length bytes (scripts and witness items under 253 bytes) keep it lean.
        inputs = self.inputs
        use_witness = witness and any(i.witness for i in inputs)
        n_in = len(inputs)
        parts = [
            self.version.to_bytes(4, "little"),
            b"\x00\x01" if use_witness else b"",
            varint(n_in) if n_in >= 0xFD else bytes((n_in,)),
        ]
        append = parts.append
        for i in inputs:
            script = i.script_sig
            append(i.prevout.serialize())
            append(bytes((len(script),)) + script if len(script) < 0xFD else varbytes(script))
            append(i.sequence.to_bytes(4, "little"))
        n_out = len(self.outputs)
        append(varint(n_out) if n_out >= 0xFD else bytes((n_out,)))
        for o in self.outputs:
            spk = o.script_pubkey
            append(o.value.to_bytes(8, "little"))
            append(bytes((len(spk),)) + spk if len(spk) < 0xFD else varbytes(spk))
        if use_witness:
            for i in inputs:
                append(bytes((len(i.witness),)) if len(i.witness) < 0xFD else varint(len(i.witness)))
                for item in i.witness:
                    append(bytes((len(item),)) + item if len(item) < 0xFD else varbytes(item))
        append(self.locktime.to_bytes(4, "little"))
        return b"".join(parts)

    @property
    def txid(self) -> str:
        """The txid (hex, display order)."""
        return double_sha256(self.serialize(witness=False))[::-1].hex()

    @property
    def wtxid(self) -> str:
        """The witness txid (hex, display order)."""
        return double_sha256(self.serialize())[::-1].hex()

    @property
    def vsize(self) -> int:
        """Virtual size in vbytes."""
        base, total = len(self.serialize(witness=False)), len(self.serialize())
        return (3 * base + total + 3) // 4

    def with_input(self, index: int, **changes: object) -> Transaction:
        """Return a copy with input ``index`` changed (script_sig, witness, sequence)."""
        inputs = list(self.inputs)
        inputs[index] = replace(inputs[index], **changes)  # type: ignore[arg-type]
        return Transaction(tuple(inputs), self.outputs, self.version, self.locktime)

    def with_signature(self, index: int, script_sig: bytes, witness: tuple[bytes, ...]) -> Transaction:
        """Return a copy with input ``index``'s scriptSig and witness set (the signer's fast path)."""
        inputs = list(self.inputs)
        old = inputs[index]
        inputs[index] = TxIn(old.prevout, script_sig, old.sequence, witness)
        return Transaction(tuple(inputs), self.outputs, self.version, self.locktime)

    @classmethod
    def parse(cls, data: bytes, *, witness: bool = True) -> Transaction:
        """Parse a serialized transaction (legacy or segwit).

        With ``witness=False`` the bytes are read as the non-witness format only, so a 0x00
        input count means zero inputs rather than the BIP144 segwit marker (a PSBT's unsigned
        transaction, BIP174).

        Raises:
            InvalidTransaction: truncated, trailing bytes, or malformed fields.
        """
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidTransaction(f"a raw transaction is bytes, got {type(data).__name__}")
        stream = io.BytesIO(bytes(data))
        version = int.from_bytes(_read(stream, 4), "little")
        count = read_varint(stream)
        segwit = False
        if count == 0 and witness:
            if _read(stream, 1) != b"\x01":
                raise InvalidTransaction("bad segwit marker/flag")
            segwit = True
            count = read_varint(stream)
        if count > 100_000:
            raise InvalidTransaction(f"{count} inputs is more than a block can hold")
        inputs = []
        for _ in range(count):
            txid = _read(stream, 32)[::-1].hex()
            vout = int.from_bytes(_read(stream, 4), "little")
            script = read_varbytes(stream)
            sequence = int.from_bytes(_read(stream, 4), "little")
            inputs.append(TxIn(OutPoint(txid, vout), script, sequence))
        n_out = read_varint(stream)
        if n_out > 100_000:
            raise InvalidTransaction(f"{n_out} outputs is more than a block can hold")
        outputs = [TxOut(int.from_bytes(_read(stream, 8), "little"), read_varbytes(stream)) for _ in range(n_out)]
        if segwit:
            for k in range(len(inputs)):
                items = tuple(read_varbytes(stream) for _ in range(read_varint(stream)))
                inputs[k] = replace(inputs[k], witness=items)
        locktime = int.from_bytes(_read(stream, 4), "little")
        if stream.read(1):
            raise InvalidTransaction("trailing bytes after the transaction")
        return cls(tuple(inputs), tuple(outputs), version, locktime)
