"""EVM transactions: legacy with EIP-155, EIP-2930 (type 1), EIP-1559 (type 2), EIP-7702 (type 4).

legacy  rlp([nonce, gasPrice, gas, to, value, data, v, r, s]),  v = recid + 35 + 2*chainId
typed   type || rlp([chainId, nonce, ..., accessList, (authorizationList,) yParity, r, s])
signing hash = keccak256(payload without the signature; legacy adds [chainId, 0, 0])
7702 authorization: keccak256(0x05 || rlp([chainId, address, nonce]))

Integer bounds, checked when a value is built (each refused with the rule it breaks):
nonce < 2^64 - 1 (EIP-2681); gas < 2^64 (a uint64 in EIP-4844/7702 payloads, as in every
client); chain id, value, gas price and both EIP-1559 fees < 2^256 (EIP-1559's asserts).
An EIP-7702 authorization: chain id < 2^256, nonce < 2^64 - 1 (a tuple at 2^64 - 1 is
skipped by the chain), y_parity 0 or 1, 0 < r < n and 0 < s <= n/2 (EIP-2): an authorization
outside them could never take effect, so walletkit neither signs nor carries one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chains.evm import rlp
from walletkit.chain import SignedTransaction
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256, new_keccak256
from walletkit.errors import InvalidTransaction
from walletkit.keys import SigningKey
from walletkit.keys import sign_recoverable as _sign_with

LEGACY, ACCESS_LIST, DYNAMIC_FEE, SET_CODE = 0, 1, 2, 4
TX_TYPES = (LEGACY, ACCESS_LIST, DYNAMIC_FEE, SET_CODE)
_TYPE_BYTE = {ACCESS_LIST: b"\x01", DYNAMIC_FEE: b"\x02", SET_CODE: b"\x04"}

U64_MAX = (1 << 64) - 1
U256_MAX = (1 << 256) - 1
NONCE_MAX = (1 << 64) - 2  # EIP-2681: a nonce of 2^64 - 1 or more makes a transaction invalid

AccessList = tuple[tuple[bytes, tuple[bytes, ...]], ...]

_uint, _bytes, _list_prefix = rlp.encode_uint, rlp.encode_bytes, rlp.list_prefix
_sign, _keccak, _new_keccak = secp256k1.sign_recoverable_compact, keccak256, new_keccak256
_RECOVERY_ID = (b"\x80", b"\x01", b"\x02", b"\x03")  # RLP of a recovery id 0..3
_LIST_PREFIX = rlp.LIST_PREFIXES  # a list header by payload length (under 256 bytes), looked up


def check_uint(name: str, value: object, top: int, rule: str) -> int:
    """Return ``value`` if it is an int (not a bool) in 0..``top``; raise naming the field and the rule.

    >>> check_uint("nonce", 7, NONCE_MAX, "EIP-2681")
    7

    Raises:
        InvalidTransaction: not an int, or out of range.
    """
    if type(value) is not int:
        raise InvalidTransaction(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if not 0 <= value <= top:
        bound = {U64_MAX: "2^64-1", NONCE_MAX: "2^64-2", U256_MAX: "2^256-1"}.get(top, str(top))
        raise InvalidTransaction(f"{name} must be from 0 to {bound} ({rule}), got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Authorization:
    """A signed EIP-7702 authorization: this account delegates its code to ``address``."""

    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int

    def __post_init__(self) -> None:
        check_uint("authorization chain_id", self.chain_id, U256_MAX, "EIP-7702")
        if type(self.address) is not bytes or len(self.address) != 20:
            raise InvalidTransaction(f"an authorization's address is 20 bytes, got {self.address!r}")
        check_uint("authorization nonce", self.nonce, NONCE_MAX, "EIP-7702 skips a tuple at 2^64-1")
        if type(self.y_parity) is not int or self.y_parity not in (0, 1):
            raise InvalidTransaction(f"an authorization's y_parity is 0 or 1 (EIP-7702), got {self.y_parity!r}")
        if type(self.r) is not int or not 0 < self.r < secp256k1.N:
            raise InvalidTransaction(f"an authorization's r must be in 1..n-1 (EIP-7702 ecrecover), got {self.r!r}")
        if type(self.s) is not int or not 0 < self.s <= secp256k1.HALF_N:
            raise InvalidTransaction(
                f"an authorization's s must be in 1..n/2 (EIP-7702 refuses a high s, EIP-2), got {self.s!r}"
            )

    def rlp_item(self) -> list[rlp.Item]:
        """Return the authorization as an RLP list."""
        return [self.chain_id, self.address, self.nonce, self.y_parity, self.r, self.s]


def sign_authorization(secret: bytes | SigningKey, chain_id: int, address: bytes, nonce: int) -> Authorization:
    """Sign an EIP-7702 authorization (chain id 0 means any chain): ``address``'s code for this account.

    Args:
        secret: the authority's key: a :class:`~walletkit.keys.SigningKey` or its 32 secp256k1 bytes.
        chain_id: 0..2^256-1; 0 lets the authorization act on every chain.
        address: the 20-byte delegate contract.
        nonce: the authority's account nonce when the authorization is processed, 0..2^64-2.

    Raises:
        InvalidTransaction: a field out of its EIP-7702 bounds (checked before anything is signed).
    """
    check_uint("authorization chain_id", chain_id, U256_MAX, "EIP-7702")
    check_uint("authorization nonce", nonce, NONCE_MAX, "EIP-7702 skips a tuple at 2^64-1")
    if type(address) is not bytes or len(address) != 20:
        raise InvalidTransaction(f"an authorization's address is 20 bytes, got {address!r}")
    digest = keccak256(b"\x05" + rlp.encode([chain_id, address, nonce]))
    sig = _sign_with(secret, digest)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")
    return Authorization(chain_id, address, nonce, sig[64], r, s)


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
        tx_type = self.tx_type
        if type(tx_type) is not int or tx_type not in TX_TYPES:
            raise InvalidTransaction(f"tx_type must be one of 0, 1, 2, 4, got {tx_type!r}")
        chain_id, nonce, gas, value = self.chain_id, self.nonce, self.gas, self.value
        if not (  # the usual case at once; the checks below name what is wrong
            type(chain_id) is int
            and type(nonce) is int
            and type(gas) is int
            and type(value) is int
            and 0 <= chain_id <= U256_MAX
            and 0 <= nonce <= NONCE_MAX
            and 0 <= gas <= U64_MAX
            and 0 <= value <= U256_MAX
        ):
            check_uint("chain_id", chain_id, U256_MAX, "a 256-bit integer")
            check_uint("nonce", nonce, NONCE_MAX, "EIP-2681")
            check_uint("gas", gas, U64_MAX, "a 64-bit integer")
            check_uint("value", value, U256_MAX, "a 256-bit integer")
        if tx_type == LEGACY or tx_type == ACCESS_LIST:
            if self.gas_price is None:
                raise InvalidTransaction(f"a type {tx_type} transaction needs gas_price")
            check_uint("gas_price", self.gas_price, U256_MAX, "a 256-bit integer")
        else:
            max_fee, priority = self.max_fee_per_gas, self.max_priority_fee_per_gas
            if max_fee is None or priority is None:
                raise InvalidTransaction(
                    f"a type {tx_type} transaction needs max_fee_per_gas and max_priority_fee_per_gas"
                )
            if not (type(max_fee) is int and type(priority) is int and 0 <= priority <= max_fee <= U256_MAX):
                check_uint("max_fee_per_gas", max_fee, U256_MAX, "EIP-1559")
                check_uint("max_priority_fee_per_gas", priority, U256_MAX, "EIP-1559")
                raise InvalidTransaction("max_priority_fee_per_gas must not exceed max_fee_per_gas")
        if type(self.data) is not bytes:
            raise InvalidTransaction(f"data must be bytes, got {type(self.data).__name__}")
        if self.to is not None and (type(self.to) is not bytes or len(self.to) != 20):
            raise InvalidTransaction(f"to must be 20 bytes, got {self.to!r}")
        if tx_type == SET_CODE and (self.to is None or not self.authorization_list):
            raise InvalidTransaction("an EIP-7702 transaction needs a destination and at least one authorization")
        if tx_type == LEGACY and self.access_list:
            raise InvalidTransaction("a legacy transaction cannot carry an access list; use tx_type=1")
        if self.authorization_list and tx_type != SET_CODE:
            raise InvalidTransaction("only an EIP-7702 (type 4) transaction carries authorizations")
        if self.access_list:
            _check_access_list(self.access_list)
        if self.authorization_list and (
            not isinstance(self.authorization_list, (tuple, list))
            or not all(type(a) is Authorization for a in self.authorization_list)
        ):
            raise InvalidTransaction("an authorization list holds Authorization values (from sign_authorization)")

    @classmethod
    def checked(
        cls,
        chain_id: int,
        nonce: int,
        gas: int,
        to: bytes | None,
        value: int,
        data: bytes,
        tx_type: int,
        gas_price: int | None,
        max_fee_per_gas: int | None,
        max_priority_fee_per_gas: int | None,
        access_list: AccessList,
        authorization_list: tuple[Authorization, ...],
    ) -> EvmTransaction:
        """Build a transaction from every field in order, with the constructor's checks (the builders' fast path).

        Raises:
            InvalidTransaction: as the constructor.
        """
        tx = object.__new__(cls)
        _set_chain_id(tx, chain_id)
        _set_nonce(tx, nonce)
        _set_gas(tx, gas)
        _set_to(tx, to)
        _set_value(tx, value)
        _set_data(tx, data)
        _set_tx_type(tx, tx_type)
        _set_gas_price(tx, gas_price)
        _set_max_fee(tx, max_fee_per_gas)
        _set_max_priority(tx, max_priority_fee_per_gas)
        _set_access_list(tx, access_list)
        _set_authorization_list(tx, authorization_list)
        tx.__post_init__()
        return tx

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
        # The encoded fields, shared by the signing payload and the signed transaction. Fields are
        # validated ints and bytes, so each is encoded by its own fast path (rlp.encode is the reference).
        tx_type = self.tx_type
        to = b"\x94" + self.to if self.to is not None else b"\x80"
        if tx_type == DYNAMIC_FEE and not self.access_list:
            return b"".join(
                (
                    _uint(self.chain_id),
                    _uint(self.nonce),
                    _uint(self.max_priority_fee_per_gas or 0),
                    _uint(self.max_fee_per_gas or 0),
                    _uint(self.gas),
                    to,
                    _uint(self.value),
                    _bytes(self.data),
                    b"\xc0",
                )
            )
        if tx_type == LEGACY:
            return b"".join(
                (
                    _uint(self.nonce),
                    _uint(self.gas_price or 0),
                    _uint(self.gas),
                    to,
                    _uint(self.value),
                    _bytes(self.data),
                )
            )
        return b"".join([rlp.encode(x) for x in self._fields()])

    def signing_hash(self, body: bytes | None = None) -> bytes:
        """Return the hash the sender signs."""
        body = self._body() if body is None else body
        if self.tx_type == LEGACY:
            tail = _uint(self.chain_id) + b"\x80\x80"
            return keccak256(rlp.list_prefix(len(body) + len(tail)) + body + tail)
        return keccak256(_TYPE_BYTE[self.tx_type] + rlp.list_prefix(len(body)) + body)

    def encode_signed(self, recovery_id: int, r: int | bytes, s: int | bytes, body: bytes | None = None) -> bytes:
        """Return the network serialization with a signature (legacy v = recid + 35 + 2*chainId).

        ``r`` and ``s`` are integers, or their big-endian bytes without leading zeros.
        """
        body = self._body() if body is None else body
        v = recovery_id + 35 + 2 * self.chain_id if self.tx_type == LEGACY else recovery_id
        tail = (
            _uint(v)
            + (_bytes(r) if type(r) is bytes else rlp.encode(r))
            + (_bytes(s) if type(s) is bytes else rlp.encode(s))
        )
        encoded = rlp.list_prefix(len(body) + len(tail)) + body + tail
        return encoded if self.tx_type == LEGACY else _TYPE_BYTE[self.tx_type] + encoded

    def sign(self, key: bytes | SigningKey, chain: str, extra: Mapping[str, object] | None = None) -> SignedTransaction:
        """Sign with a key; return the raw transaction and its hash (``extra`` adds views).

        ``key`` is a :class:`~walletkit.keys.SigningKey` (in memory or in an HSM) or a raw
        32-byte secp256k1 secret.

        Raises:
            InvalidKey: not a valid secp256k1 key.
            UnsupportedOperation: the key's backend cannot sign this.
        """
        return self.signed_with_views(key, chain, {"tx": self, **extra} if extra else {"tx": self})

    def signed_with_views(self, key: bytes | SigningKey, chain: str, views: dict[str, object]) -> SignedTransaction:
        """:meth:`sign` with ``views`` as the signed transaction's ``extra`` as given (``"tx"`` included).

        Raises:
            InvalidKey, UnsupportedOperation: as :meth:`sign`.
        """
        body = self._body()
        tx_type = self.tx_type
        if tx_type == LEGACY:
            sig = _sign_with(key, self.signing_hash(body))
            raw = self.encode_signed(sig[64], sig[:32].lstrip(b"\0"), sig[32:64].lstrip(b"\0"), body)
        else:  # typed: the signing payload and the signed transaction share type || list prefix || body
            type_byte, n = _TYPE_BYTE[tx_type], len(body)
            digest = _new_keccak(type_byte + (_LIST_PREFIX[n] if n < 256 else _list_prefix(n)) + body).digest()
            sig = _sign(key, digest) if isinstance(key, bytes) else key.sign_recoverable(digest)
            r, s = sig[:32], sig[32:64]
            # y_parity, then r and s as RLP strings without leading zeros (32 bytes: 0xa0 prefix).
            tail = _RECOVERY_ID[sig[64]] + (b"\xa0" + r if r[0] else _bytes(r.lstrip(b"\0")))
            tail += b"\xa0" + s if s[0] else _bytes(s.lstrip(b"\0"))
            n += len(tail)
            raw = type_byte + (_LIST_PREFIX[n] if n < 256 else _list_prefix(n)) + body + tail
        signed = _new_signed(EvmSignedTransaction)
        _set_chain(signed, chain)
        _set_raw(signed, raw)
        _set_extra(signed, views)
        return signed


class EvmSignedTransaction(SignedTransaction):
    """A signed EVM transaction whose ``txid`` (``0x`` + hex of keccak256(raw)) is computed when first read.

    Signing does not need the hash of the signed bytes; a broadcast, a lookup or a log line
    does, and reads it once. Everything else is :class:`~walletkit.chain.SignedTransaction`'s:
    the same fields, frozen, equal by value, pickled and copied by value. A txid given with the
    bytes (the constructor, ``dataclasses.replace``, unpickling) must be their hash.

    Raises:
        InvalidTransaction: a given txid that is not keccak256(raw).
    """

    __slots__ = ()

    @property  # type: ignore[override]
    def txid(self) -> str:
        """The transaction hash: ``0x`` + 64 hex digits of keccak256(raw) (the node's ``hash``)."""
        try:
            return _get_txid(self)  # type: ignore[no-any-return]
        except AttributeError:
            txid = "0x" + _keccak(self.raw).hex()
            _set_txid(self, txid)
            return txid

    @txid.setter
    def txid(self, value: str) -> None:  # the dataclass's own __init__, replace() and unpickling set it
        # raw is set first (field order), so a txid given with the bytes must be their hash: replace(raw=...)
        # must not keep the old bytes' hash, nor a pickle or a caller carry another.
        txid = "0x" + _keccak(self.raw).hex()
        if not isinstance(value, str) or value.lower() != txid:
            raise InvalidTransaction(f"txid {value!r:.80} is not keccak256 of its bytes ({txid})")
        _set_txid(self, txid)

    def __eq__(self, other: object) -> bool:
        # Equal by value to any SignedTransaction with the same fields, as before this subclass
        # existed (the dataclass's __eq__ compares only objects of one class). Python tries this
        # reflected method first for `base == evm` too, since the subclass overrides __eq__.
        if not isinstance(other, SignedTransaction):
            return NotImplemented
        return (self.chain, self.raw, self.txid, self.extra) == (other.chain, other.raw, other.txid, other.extra)

    __hash__ = SignedTransaction.__hash__  # unchanged: unhashable, as its extra is a dict


_signed_slot = SignedTransaction.__dict__
_new_signed = object.__new__
_set_chain, _set_raw, _set_extra = (_signed_slot[n].__set__ for n in ("chain", "raw", "extra"))
_get_txid, _set_txid = _signed_slot["txid"].__get__, _signed_slot["txid"].__set__


# The slots' own setters: a frozen dataclass refuses setattr, and its generated __init__ takes
# keywords one object.__setattr__ at a time; EvmTransaction.checked sets each slot directly.
_slot = EvmTransaction.__dict__
_set_chain_id, _set_nonce, _set_gas = (_slot[n].__set__ for n in ("chain_id", "nonce", "gas"))
_set_to, _set_value, _set_data, _set_tx_type = (_slot[n].__set__ for n in ("to", "value", "data", "tx_type"))
_set_gas_price, _set_max_fee, _set_max_priority = (
    _slot[n].__set__ for n in ("gas_price", "max_fee_per_gas", "max_priority_fee_per_gas")
)
_set_access_list, _set_authorization_list = (_slot[n].__set__ for n in ("access_list", "authorization_list"))


def _check_access_list(access: object) -> None:
    """Refuse an access list that is not EIP-2930's [(20-byte address, [32-byte storage key, ...]), ...].

    A transaction built directly (not through :func:`parse_access_list`) gets the same bytes-only
    check: anything else would not encode, or would encode into bytes no node decodes.
    """
    if not isinstance(access, (tuple, list)):
        raise InvalidTransaction(f"an access list is a tuple of (address, storage keys), got {type(access).__name__}")
    for entry in access:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise InvalidTransaction(f"an access list entry is (20-byte address, storage keys), got {entry!r:.80}")
        address, keys = entry
        if type(address) is not bytes or len(address) != 20:
            raise InvalidTransaction(f"an access list address is 20 bytes (EIP-2930), got {address!r:.80}")
        if not isinstance(keys, (tuple, list)) or not all(type(k) is bytes and len(k) == 32 for k in keys):
            raise InvalidTransaction(f"an access list's storage keys are 32-byte values (EIP-2930), got {keys!r:.80}")


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
