"""EIP-712: the hash of typed structured data, strict, one encoder for every chain that signs it.

    encodeType(T) = T "(" type₁ " " name₁ "," … ")" ‖ encodeType of each struct T references,
                    sorted by name (each once, T itself first)
    typeHash(T)   = keccak256(encodeType(T))
    hashStruct(s) = keccak256(typeHash(T) ‖ enc(s.name₁) ‖ enc(s.name₂) ‖ …)
    enc: bool, address, uintN, intN, bytesN -> one 32-byte word; string, bytes -> keccak256
         of the bytes; a struct -> hashStruct; an array -> keccak256 of its items' enc
    digest        = keccak256(0x19 ‖ 0x01 ‖ hashStruct(domain) ‖ hashStruct(message))

Written by hand (no library is strict enough, and TRON's TIP-712 dialect is in none):
eth-account signs ``uint8[2]`` holding three values and pads ``bytes32`` given ``0x01``, so
the user sees one value and a contract another; ethers refuses both, but also refuses what
the spec allows (a struct not reachable from ``primaryType``, or a ``primaryType`` used
inside another type), which MetaMask's eth-sig-util signs. This encoder refuses every input
ethers refuses for its form (sizes, ranges, checksums, duplicate or unknown names, domain
keys), and signs what the spec allows with the digest eth-sig-util's ``signTypedData`` V4
gives. Where those two disagree on a document, it is refused: a ``uint`` without a size,
an address without ``0x``, negative hex text, ``bytes`` given plain text, a ``bool`` given text.

Two choices the references leave open, and what is done here:

- ``types`` without ``EIP712Domain``: the domain type is made from the domain's keys, in
  EIP-712's order (as ethers, eth-account and tronweb do; eth-sig-util would hash an empty
  domain type, which no contract's separator matches).
- keys of the domain that its type does not list are refused (a verifying contract shown but
  not signed); keys of the message that its type does not list are ignored, as both
  references ignore them.

A chain supplies a :class:`Dialect`: how an ``address`` is read (EVM: 0x and EIP-55; TRON:
any TRON form), and atomic types of its own (TIP-712's ``trcToken``, encoded as ``uint256``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from walletkit.crypto.hashes import keccak256
from walletkit.errors import InvalidAddress, InvalidMessage

DOMAIN_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_FIELD_TYPE = re.compile(r"([A-Za-z_$][A-Za-z0-9_$]*)((?:\[(?:[1-9][0-9]*)?\])*)")
_INT = re.compile(
    r"(u?)int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)"
)
_BYTES_N = re.compile(r"bytes([1-9]|[12][0-9]|3[0-2])")
_DECIMAL = re.compile(r"[+-]?[0-9]+")
_HEX_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+")  # never signed: eth-sig-util refuses "-0x5", ethers reads -5
_HEX_BYTES = re.compile(r"0[xX](?:[0-9a-fA-F]{2})*")
Types = Mapping[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one chain writes typed data: its spec's name, its address reader, its own atomic types.

    ``address`` takes a document's value and returns the 20 address bytes, or raises
    :class:`~walletkit.errors.InvalidAddress`. ``aliases`` maps an atomic type of the chain's
    own to the standard type it is encoded as (its own name stays in ``encodeType``).
    """

    name: str
    address: Callable[[object], bytes]
    aliases: Mapping[str, str] = field(default_factory=dict)


def digest(typed_data: Mapping[str, Any], dialect: Dialect) -> bytes:
    """Return keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)) of a typed-data document.

    Args:
        typed_data: ``{"types", "primaryType", "domain", "message"}`` as ``eth_signTypedData_v4``
            takes it; integers as JSON numbers or decimal / 0x-hex text, bytes as 0x-hex.
        dialect: the chain's :class:`Dialect`.

    Raises:
        InvalidMessage: not a document, a malformed type, or a value that does not fit its
            type exactly (each message names the field, e.g. ``message.to[1].wallet``).
        InvalidAddress: an ``address`` value the dialect does not read.
    """
    if not isinstance(typed_data, Mapping):
        raise InvalidMessage(
            f"typed data is a mapping with types, primaryType, domain and message, got {type(typed_data).__name__}"
        )
    raw_types, domain, primary = typed_data.get("types"), typed_data.get("domain"), typed_data.get("primaryType")
    if not isinstance(raw_types, Mapping):
        raise InvalidMessage("typed data needs 'types': a mapping of struct names to their fields")
    if not isinstance(domain, Mapping):
        raise InvalidMessage("typed data needs 'domain': a mapping (name, version, chainId, verifyingContract, salt)")
    types = _check_types(raw_types, dialect)
    if not isinstance(primary, str) or primary not in types or primary == "EIP712Domain":
        raise InvalidMessage(f"primaryType must name one of the struct types (not EIP712Domain), got {primary!r}")
    if "EIP712Domain" in types:
        listed = {name for _, name in types["EIP712Domain"]}
        unlisted = sorted(map(repr, set(domain) - listed))
        if unlisted:
            raise InvalidMessage(
                f"the domain has {', '.join(unlisted)}, which EIP712Domain does not list: "
                "it would be shown but not signed"
            )
    else:
        unknown = sorted(map(repr, set(domain) - {name for name, _ in DOMAIN_FIELDS}))
        if unknown:
            raise InvalidMessage(
                f"domain key(s) {', '.join(unknown)} are not EIP-712 domain fields "
                f"({', '.join(name for name, _ in DOMAIN_FIELDS)})"
            )
        types = {**types, "EIP712Domain": tuple((t, n) for n, t in DOMAIN_FIELDS if n in domain)}
    encoder = _Encoder(types, dialect)
    try:
        separator = encoder.hash_struct("EIP712Domain", domain, "domain")
        message = encoder.hash_struct(primary, typed_data.get("message"), "message")
    except RecursionError:
        raise InvalidMessage("typed data nests structs or arrays too deeply") from None
    return keccak256(b"\x19\x01" + separator + message)


def encode_type(primary: str, types: Types) -> str:
    """Return EIP-712's ``encodeType``: ``primary`` first, then every struct it references, sorted.

    ``types`` maps a struct name to its ``(type, name)`` fields, already checked.

    >>> encode_type("Mail", {"Mail": (("Person", "from"), ("string", "contents")),
    ...                      "Person": (("string", "name"),)})
    'Mail(Person from,string contents)Person(string name)'
    """
    found: set[str] = set()
    _dependencies(primary, types, found)
    found.discard(primary)
    return "".join(f"{t}({','.join(f'{ft} {fn}' for ft, fn in types[t])})" for t in [primary, *sorted(found)])


def _dependencies(type_name: str, types: Types, found: set[str]) -> None:
    base = type_name.partition("[")[0]
    if base in found or base not in types:
        return
    found.add(base)
    for field_type, _ in types[base]:
        _dependencies(field_type, types, found)


def _is_atomic(name: str, dialect: Dialect) -> bool:
    return (
        name in ("address", "bool", "string", "bytes")
        or name in dialect.aliases
        or _INT.fullmatch(name) is not None
        or _BYTES_N.fullmatch(name) is not None
    )


def _check_types(raw: Mapping[Any, Any], dialect: Dialect) -> dict[str, tuple[tuple[str, str], ...]]:
    """Check every struct of ``types`` (reachable or not) and return it as (type, name) pairs."""
    types: dict[str, tuple[tuple[str, str], ...]] = {}
    for name, fields in raw.items():
        if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
            raise InvalidMessage(f"a struct name is an identifier, got {name!r}")
        if _is_atomic(name, dialect):
            raise InvalidMessage(f"a struct cannot be named {name!r}, which is an atomic type")
        if not isinstance(fields, (list, tuple)):
            raise InvalidMessage(f"type {name!r} is a list of {{name, type}} fields, got {type(fields).__name__}")
        pairs: list[tuple[str, str]] = []
        for f in fields:
            field_name, field_type = (f.get("name"), f.get("type")) if isinstance(f, Mapping) else (None, None)
            if not isinstance(field_name, str) or not isinstance(field_type, str):
                raise InvalidMessage(f"type {name!r} is a list of {{name, type}} fields, got {f!r}")
            if not _IDENTIFIER.fullmatch(field_name):
                raise InvalidMessage(f"a field name of {name!r} is an identifier, got {field_name!r}")
            if any(field_name == other for _, other in pairs):
                raise InvalidMessage(f"type {name!r} names field {field_name!r} twice")
            pairs.append((field_type, field_name))
        types[name] = tuple(pairs)
    for name, checked in types.items():
        for field_type, field_name in checked:
            shape = _FIELD_TYPE.fullmatch(field_type)
            if shape is None:
                raise InvalidMessage(f"{name}.{field_name} has a malformed type {field_type!r}")
            base = shape[1]
            if base not in types and not _is_atomic(base, dialect):
                hint = " (write uint256 or int256: EIP-712 has no size-less integer)" if base in ("uint", "int") else ""
                raise InvalidMessage(f"{name}.{field_name} has an unknown type {base!r}{hint}")
    domain = types.get("EIP712Domain")
    if domain is not None:
        allowed = dict(DOMAIN_FIELDS)
        for field_type, field_name in domain:
            if allowed.get(field_name) != field_type:
                raise InvalidMessage(
                    f"EIP712Domain field {field_type} {field_name} is not an EIP-712 domain field "
                    f"({', '.join(f'{t} {n}' for n, t in DOMAIN_FIELDS)})"
                )
    return types


class _Encoder:
    """encodeData for one document's checked types."""

    def __init__(self, types: Types, dialect: Dialect) -> None:
        self.types = types
        self.dialect = dialect
        self.type_hashes: dict[str, bytes] = {}

    def hash_struct(self, type_name: str, value: Any, where: str) -> bytes:
        if not isinstance(value, Mapping):
            raise InvalidMessage(f"{where} is a {type_name} struct, so a mapping, got {type(value).__name__}")
        type_hash = self.type_hashes.get(type_name)
        if type_hash is None:
            type_hash = self.type_hashes[type_name] = keccak256(encode_type(type_name, self.types).encode())
        encoded = [type_hash]
        for field_type, field_name in self.types[type_name]:
            if field_name not in value:
                raise InvalidMessage(f"{where} has no {field_name!r} ({field_type})")
            encoded.append(self.encode_value(field_type, value[field_name], f"{where}.{field_name}"))
        return keccak256(b"".join(encoded))

    def encode_value(self, type_name: str, value: Any, where: str) -> bytes:
        """Return the 32-byte encoding of one value of a checked type."""
        if type_name.endswith("]"):
            inner, _, size = type_name[:-1].rpartition("[")
            if not isinstance(value, (list, tuple)):
                raise InvalidMessage(f"{where} is a {type_name}, so a list, got {type(value).__name__}")
            if size and len(value) != int(size):
                raise InvalidMessage(f"{where} is a {type_name}: {size} items, got {len(value)}")
            return keccak256(b"".join(self.encode_value(inner, v, f"{where}[{i}]") for i, v in enumerate(value)))
        if type_name in self.types:
            return self.hash_struct(type_name, value, where)
        type_name = self.dialect.aliases.get(type_name, type_name)
        if type_name == "string":
            if not isinstance(value, str):
                raise InvalidMessage(f"{where} is a string, got {type(value).__name__}")
            try:
                return keccak256(value.encode("utf-8"))
            except UnicodeEncodeError:
                raise InvalidMessage(f"{where} is not valid Unicode text (a lone surrogate)") from None
        if type_name == "bytes":
            return keccak256(_bytes(value, where))
        if type_name == "bool":
            if not isinstance(value, bool):
                raise InvalidMessage(f"{where} is a bool (true or false), got {value!r}")
            return int(value).to_bytes(32, "big")
        if type_name == "address":
            try:
                raw = self.dialect.address(value)
            except InvalidAddress as e:
                raise InvalidAddress(f"{where}: {e}") from e
            return bytes(12) + raw
        sized = _BYTES_N.fullmatch(type_name)
        if sized:
            raw = _bytes(value, where)
            if len(raw) != int(sized[1]):
                raise InvalidMessage(f"{where} is {type_name}, exactly {sized[1]} bytes; got {len(raw)} (never padded)")
            return raw.ljust(32, b"\0")
        number = _INT.fullmatch(type_name)
        if number:
            bits, signed = int(number[2]), number[1] == ""
            n = _integer(value, where)
            low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
            if not low <= n <= high:
                raise InvalidMessage(f"{where} is out of range for {type_name} ({low}..{high}): {n}")
            return (n % (1 << 256)).to_bytes(32, "big")
        raise InvalidMessage(f"{where} has an unknown type {type_name!r}")  # _check_types lets none through


def _bytes(value: Any, where: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and _HEX_BYTES.fullmatch(value):
        return bytes.fromhex(value[2:])
    raise InvalidMessage(f"{where} is bytes: give bytes or 0x-hex text with an even number of digits, got {value!r}")


def _integer(value: Any, where: str) -> int:
    """An integer as a JSON document writes one: a number, or decimal or 0x-hex text.

    The text forms are those ethers and eth-sig-util both read, and read alike; text with
    spaces around it, which both also read, is refused: a field is its value, nothing else.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        if len(value) > 80:  # int256 has 78 digits; Python refuses to read past 4300
            raise InvalidMessage(f"{where} has {len(value)} digits, more than any EIP-712 integer holds")
        return int(value, 10)
    if isinstance(value, str) and _HEX_NUMBER.fullmatch(value):
        return int(value, 16)
    raise InvalidMessage(f"{where} is an integer (a number, or decimal or 0x-hex text), got {value!r}")
