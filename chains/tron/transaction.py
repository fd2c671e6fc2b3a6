"""TRON transactions: raw_data (protobuf), txID = SHA-256(raw_data), a 65-byte recoverable signature.

raw { ref_block_bytes=1, ref_block_hash=4, expiration=8, data=10, contract=11,
      timestamp=14, fee_limit=18 }
Transaction { raw_data=1, signature=2 }
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chains.tron import protobuf as pb
from chains.tron.contracts import INT64_MAX, Contract
from walletkit.chain import SignedTransaction
from walletkit.crypto.hashes import sha256
from walletkit.errors import InvalidTransaction
from walletkit.keys import SigningKey, sign_recoverable


def _hex_bytes(name: str, value: object, size: int) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    elif isinstance(value, str):
        try:
            raw = bytes.fromhex(value[2:] if value[:2] in ("0x", "0X") else value)
        except ValueError:
            raise InvalidTransaction(f"{name} must be hex, got {value!r}") from None
    else:
        raise InvalidTransaction(f"{name} is required offline as hex ({size} bytes); connect a client to fill it")
    if len(raw) != size:
        raise InvalidTransaction(f"{name} is {size} bytes ({2 * size} hex digits), got {len(raw)}")
    return raw


MAX_TRANSACTION_SIZE = 500 * 1024  # java-tron Constant.TRANSACTION_MAX_BYTE_SIZE
_RESULTS = 2 * 64  # java-tron counts room for two results (MAX_RESULT_SIZE_IN_TX) in validateCommon
_SMALL = 400 * 1024


def _signed_size(raw_data_size: int) -> int:
    """Bytes java-tron weighs: Transaction{raw_data=1, signature=2 (65 bytes)} plus two results."""
    return 1 + len(pb.varint(raw_data_size)) + raw_data_size + 2 + 65 + _RESULTS


def _ms(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT64_MAX:
        raise InvalidTransaction(f"{name} is a time in milliseconds (an integer), got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class TronTransaction:
    """An unsigned TRON transaction: one contract plus the reference block and times."""

    contract: Contract
    ref_block_bytes: bytes
    ref_block_hash: bytes
    expiration: int
    timestamp: int
    fee_limit: int = 0
    memo: bytes = b""

    @classmethod
    def build(
        cls,
        contract: Contract,
        *,
        ref_block_bytes: object,
        ref_block_hash: object,
        expiration: object = None,
        timestamp: object,
        fee_limit: object = 0,
        memo: object = b"",
    ) -> TronTransaction:
        """Check the header fields (hex strings and milliseconds, as in raw_data) and build.

        ``expiration`` defaults to ``timestamp`` + 60 s, as tronweb does. Each integer is an
        int64 of the protocol: ``timestamp`` and ``expiration`` in 1..2^63-1 ms, ``fee_limit``
        in 0..2^63-1 sun (0 is valid; the network's own ceiling, maxFeeLimit, is a chain
        parameter). java-tron judges ``expiration`` against its head block time (no later than
        24 h after it), which an offline builder cannot know; ``timestamp`` it does not judge.

        Raises:
            InvalidTransaction: a field of the wrong type, size or range, or a signed transaction
                larger than java-tron's 500 KiB.
        """
        ts = _ms("timestamp", timestamp)
        exp = _ms("expiration", expiration if expiration is not None else ts + 60_000)
        if isinstance(fee_limit, bool) or not isinstance(fee_limit, int) or not 0 <= fee_limit <= INT64_MAX:
            raise InvalidTransaction(f"fee_limit is an integer of sun, got {fee_limit!r}")
        if isinstance(memo, str):
            memo = memo.encode("utf-8")
        if not isinstance(memo, (bytes, bytearray)):
            raise InvalidTransaction(f"memo is text or bytes, got {type(memo).__name__}")
        tx = cls(
            contract,
            _hex_bytes("ref_block_bytes", ref_block_bytes, 2),
            _hex_bytes("ref_block_hash", ref_block_hash, 8),
            exp,
            ts,
            fee_limit,
            bytes(memo),
        )
        if len(memo) + len(contract.parameter) > _SMALL:  # only a large memo or call can come near the limit
            size = _signed_size(len(tx.raw_data()))
            if size > MAX_TRANSACTION_SIZE:
                raise InvalidTransaction(
                    f"the signed transaction would be {size} bytes with its results; java-tron refuses more "
                    f"than {MAX_TRANSACTION_SIZE} ('Too big transaction'): shorten the memo or the call data"
                )
        return tx

    def raw_data(self) -> bytes:
        """Return the protobuf raw_data bytes (what the txID hashes)."""
        return pb.message(
            [
                (1, self.ref_block_bytes),
                (4, self.ref_block_hash),
                (8, self.expiration),
                (10, self.memo),
                (11, self.contract.encode()),
                (14, self.timestamp),
                (18, self.fee_limit),
            ]
        )

    def txid(self) -> str:
        """Return the transaction id, hex of SHA-256(raw_data)."""
        return sha256(self.raw_data()).hex()

    def raw_data_json(self) -> dict[str, object]:
        """Return raw_data as the HTTP API shows it."""
        out: dict[str, object] = {
            "contract": [
                {
                    "parameter": {
                        "value": self.contract.json_value,
                        "type_url": f"type.googleapis.com/protocol.{self.contract.type_name}",
                    },
                    "type": self.contract.type_name,
                }
            ],
            "ref_block_bytes": self.ref_block_bytes.hex(),
            "ref_block_hash": self.ref_block_hash.hex(),
            "expiration": self.expiration,
            "timestamp": self.timestamp,
        }
        if self.fee_limit:
            out["fee_limit"] = self.fee_limit
        if self.memo:
            out["data"] = self.memo.hex()
        return out

    def sign(self, secret: bytes | SigningKey) -> SignedTransaction:
        """Sign txID with a recoverable signature (r || s || v, v = 27 + recid, as tronweb and TronLink write it).

        ``secret`` is a :class:`~walletkit.keys.SigningKey` (in memory or in an HSM) or a raw
        32-byte secp256k1 secret.

        ``raw`` is the serialized Transaction protobuf (what /wallet/broadcasthex takes);
        ``extra["json"]`` is what /wallet/broadcasttransaction takes.
        """
        raw_data = self.raw_data()
        digest = sha256(raw_data)
        sig = sign_recoverable(secret, digest)
        signature = sig[:64] + bytes([27 + sig[64]])
        raw = pb.message([(1, raw_data), (2, signature)])
        txid = digest.hex()
        broadcast = {
            "visible": False,
            "txID": txid,
            "raw_data": self.raw_data_json(),
            "raw_data_hex": raw_data.hex(),
            "signature": [signature.hex()],
        }
        return SignedTransaction("tron", raw, txid, {"json": broadcast, "tx": self})


def broadcast_json(signed: SignedTransaction) -> str:
    """Return the JSON body for /wallet/broadcasttransaction."""
    return json.dumps(signed.extra["json"], separators=(",", ":"))
