"""EVM transactions: legacy with EIP-155, EIP-2930 (type 1), EIP-1559 (type 2), EIP-7702 (type 4).

legacy  rlp([nonce, gasPrice, gas, to, value, data, v, r, s]),  v = recid + 35 + 2*chainId
typed   type || rlp([chainId, nonce, ..., accessList, (authorizationList,) yParity, r, s])
signing hash = keccak256(payload without the signature; legacy adds [chainId, 0, 0])
7702 authorization: keccak256(0x05 || rlp([chainId, address, nonce]))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chains.evm import rlp
from walletkit.chain import SignedTransaction
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256
from walletkit.errors import InvalidTransaction

LEGACY, ACCESS_LIST, DYNAMIC_FEE, SET_CODE = 0, 1, 2, 4
TX_TYPES = (LEGACY, ACCESS_LIST, DYNAMIC_FEE, SET_CODE)

AccessList = tuple[tuple[bytes, tuple[bytes, ...]], ...]


@dataclass(frozen=True, slots=True)
class Authorization:
    """A signed EIP-7702 authorization: this account delegates its code to ``address``."""

    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int

    def rlp_item(self) -> list[rlp.Item]:
        """Return the authorization as an RLP list."""
        return [self.chain_id, self.address, self.nonce, self.y_parity, self.r, self.s]


def sign_authorization(secret: bytes, chain_id: int, address: bytes, nonce: int) -> Authorization:
    """Sign an EIP-7702 authorization (chain id 0 means any chain)."""
    digest = keccak256(b"\x05" + rlp.encode([chain_id, address, nonce]))
    r, s, rec = secp256k1.sign_recoverable(secret, digest)
    return Authorization(chain_id, address, nonce, rec, r, s)


@dataclass(frozen=True, slots=True)
class EvmTransaction:
    """An unsigned EVM transaction; amounts in wei, ``to`` None creates a contract."""

    chain_id: int
    nonce: int
    gas: int
    to: bytes | None
    value: int = 0
    data: bytes = b""
    tx_type: int = DYNAMIC_FEE
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    access_list: AccessList = ()
    authorization_list: tuple[Authorization, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.tx_type not in TX_TYPES:
            raise InvalidTransaction(f"tx_type must be one of 0, 1, 2, 4, got {self.tx_type!r}")
        for name, value in (
            ("chain_id", self.chain_id),
            ("nonce", self.nonce),
            ("gas", self.gas),
            ("value", self.value),
        ):
            if type(value) is not int or not 0 <= value < 1 << 256:  # bool and other int subclasses too
                raise InvalidTransaction(f"{name} must be an integer in 0..2^256-1, got {value!r}")
        if self.tx_type in (LEGACY, ACCESS_LIST):
            if self.gas_price is None:
                raise InvalidTransaction(f"a type {self.tx_type} transaction needs gas_price")
        else:
            if self.max_fee_per_gas is None or self.max_priority_fee_per_gas is None:
                raise InvalidTransaction(
                    f"a type {self.tx_type} transaction needs max_fee_per_gas and max_priority_fee_per_gas"
                )
            if self.max_priority_fee_per_gas > self.max_fee_per_gas:
                raise InvalidTransaction("max_priority_fee_per_gas must not exceed max_fee_per_gas")
        if self.to is not None and len(self.to) != 20:
            raise InvalidTransaction(f"to must be 20 bytes, got {len(self.to)}")
        if self.tx_type == SET_CODE and (self.to is None or not self.authorization_list):
            raise InvalidTransaction("an EIP-7702 transaction needs a destination and at least one authorization")
        if self.tx_type == LEGACY and self.access_list:
            raise InvalidTransaction("a legacy transaction cannot carry an access list; use tx_type=1")

    def _fields(self) -> list[rlp.Item]:
        to: bytes = self.to or b""
        access: list[rlp.Item] = [[a, list(keys)] for a, keys in self.access_list] if self.access_list else []
        if self.tx_type == LEGACY:
            return [self.nonce, self.gas_price or 0, self.gas, to, self.value, self.data]
        if self.tx_type == ACCESS_LIST:
            return [self.chain_id, self.nonce, self.gas_price or 0, self.gas, to, self.value, self.data, access]
        base: list[rlp.Item] = [
            self.chain_id,
            self.nonce,
            self.max_priority_fee_per_gas or 0,
            self.max_fee_per_gas or 0,
            self.gas,
            to,
            self.value,
            self.data,
            access,
        ]
        if self.tx_type == SET_CODE:
            base.append([a.rlp_item() for a in self.authorization_list])
        return base

    def _body(self) -> bytes:
        # The encoded fields, shared by the signing payload and the signed transaction.
        return b"".join([rlp.encode(x) for x in self._fields()])

    def signing_hash(self, body: bytes | None = None) -> bytes:
        """Return the hash the sender signs."""
        body = self._body() if body is None else body
        if self.tx_type == LEGACY:
            tail = rlp.encode(self.chain_id) + b"\x80\x80"
            return keccak256(rlp.list_prefix(len(body) + len(tail)) + body + tail)
        return keccak256(bytes([self.tx_type]) + rlp.list_prefix(len(body)) + body)

    def encode_signed(self, recovery_id: int, r: int | bytes, s: int | bytes, body: bytes | None = None) -> bytes:
        """Return the network serialization with a signature (legacy v = recid + 35 + 2*chainId).

        ``r`` and ``s`` are integers, or their big-endian bytes without leading zeros.
        """
        body = self._body() if body is None else body
        v = recovery_id + 35 + 2 * self.chain_id if self.tx_type == LEGACY else recovery_id
        tail = rlp.encode(v) + rlp.encode(r) + rlp.encode(s)
        encoded = rlp.list_prefix(len(body) + len(tail)) + body + tail
        return encoded if self.tx_type == LEGACY else bytes([self.tx_type]) + encoded

    def sign(self, secret: bytes, chain: str, extra: Mapping[str, object] | None = None) -> SignedTransaction:
        """Sign with a private key; return the raw transaction and its hash (``extra`` adds views)."""
        body = self._body()
        sig = secp256k1.sign_recoverable_compact(secret, self.signing_hash(body))
        raw = self.encode_signed(sig[64], sig[:32].lstrip(b"\0"), sig[32:64].lstrip(b"\0"), body)
        views: dict[str, object] = {"tx": self}
        if extra:
            views.update(extra)
        return SignedTransaction(chain, raw, "0x" + keccak256(raw).hex(), views)


def _storage_key(key: object) -> bytes:
    """One access-list storage key: 32 bytes, or their hex text (0x optional)."""
    if isinstance(key, str):
        try:
            raw = bytes.fromhex(key.removeprefix("0x"))
        except ValueError:
            raise InvalidTransaction(f"an access list storage key is 32 bytes of hex, got {key[:80]!r}") from None
    elif isinstance(key, (bytes, bytearray)):
        raw = bytes(key)
    else:
        raise InvalidTransaction(f"an access list storage key is hex text or bytes, got {type(key).__name__}")
    if len(raw) != 32:
        raise InvalidTransaction(f"an access list storage key is 32 bytes, got {len(raw)}")
    return raw


def parse_access_list(value: object) -> AccessList:
    """Accept web3-style access lists: [{"address": "0x..", "storageKeys": ["0x.."]}] or pairs."""
    from chains.evm.address import parse_address

    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise InvalidTransaction("access_list is a list of {address, storageKeys} entries")
    out = []
    for entry in value:
        if isinstance(entry, dict):
            address, keys = entry.get("address"), entry.get("storageKeys", entry.get("storage_keys", []))
        elif isinstance(entry, (list, tuple)) and len(entry) == 2:
            address, keys = entry
        else:
            raise InvalidTransaction("access_list entries are {address, storageKeys} or (address, keys)")
        if not isinstance(address, str) or not isinstance(keys, (list, tuple)):
            raise InvalidTransaction("an access list entry is an address (text) and a list of storage keys")
        out.append((parse_address(address), tuple(_storage_key(key) for key in keys)))
    return tuple(out)
