"""TIP-712: EIP-712 typed data on TRON, as tronweb's ``signTypedData`` hashes it.

TIP-712 is EIP-712 with two changes: an ``address`` (in the message, or the domain's
``verifyingContract``) may be written in any TRON form (``T...``, ``41...``, ``0x...``) and
is hashed as its 20 bytes, and ``trcToken`` is encoded as a ``uint256`` while keeping its own
name in the type string (so its type hash differs from a ``uint256`` field's). The domain's
``chainId`` is the low 32 bits of the network's genesis block id.

Written by hand: eth-account's encoder (used for EIP-712 by the EVM plugin) does not know
``trcToken``, and no Python library implements TIP-712. The encoding follows EIP-712's
``encodeType`` / ``encodeData`` / ``hashStruct`` and is checked byte for byte against tronweb.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chains.tron.address import parse_address
from chains.tron.messages import recover_address
from walletkit.crypto import secp256k1
from walletkit.crypto.hashes import keccak256
from walletkit.errors import ChainMismatch, InvalidAddress, InvalidMessage
from walletkit.units import integer_from_json

# The last four bytes of each network's genesis block id (TIP-712).
CHAIN_IDS = {"mainnet": 0x2B6653DC, "nile": 0xCD8690DC, "shasta": 0x94A9059E}
_DOMAIN_FIELDS = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
)
_INT = re.compile(r"(u?)int([0-9]*)")
_BYTES_N = re.compile(r"bytes([0-9]+)")
Types = Mapping[str, list[Mapping[str, str]]]


def digest(typed_data: Mapping[str, Any]) -> bytes:
    """Return the TIP-712 digest: keccak256(0x19 0x01 || domainSeparator || hashStruct(message)).

    ``types`` may leave out ``EIP712Domain`` (as tronweb's API does): it is then made from the
    domain's fields, in the order EIP-712 gives them.

    Raises:
        InvalidMessage: not a typed-data document, or a value that does not fit its type.
        InvalidAddress: an ``address`` value that is not a TRON address.
    """
    if not isinstance(typed_data, Mapping):
        raise InvalidMessage(
            f"typed data is a mapping with types, primaryType, domain and message, got {type(typed_data).__name__}"
        )
    types, domain, primary = typed_data.get("types"), typed_data.get("domain", {}), typed_data.get("primaryType")
    if not isinstance(types, Mapping) or not isinstance(domain, Mapping):
        raise InvalidMessage("typed data needs 'types' and 'domain' mappings")
    for name, fields in types.items():
        if not isinstance(fields, list) or not all(
            isinstance(f, Mapping) and isinstance(f.get("name"), str) and isinstance(f.get("type"), str) for f in fields
        ):
            raise InvalidMessage(f"type {name!r} is a list of {{name, type}} fields")
    if not isinstance(primary, str) or primary not in types or primary == "EIP712Domain":
        raise InvalidMessage(f"primaryType must name one of the types, got {primary!r}")
    domain_type = types.get("EIP712Domain") or [{"name": n, "type": t} for n, t in _DOMAIN_FIELDS if n in domain]
    all_types = {**types, "EIP712Domain": domain_type}
    try:
        separator = _hash_struct("EIP712Domain", all_types, domain, "domain")
        message = _hash_struct(primary, all_types, typed_data.get("message"), "message")
    except RecursionError:
        raise InvalidMessage("typed data nests structs or arrays too deeply") from None
    return keccak256(b"\x19\x01" + separator + message)


def sign(secret: bytes, typed_data: Mapping[str, Any], network: str) -> str:
    """Return the 0x-hex signature r || s || v (v 27 or 28), after checking the domain's chainId.

    Raises:
        ChainMismatch: the domain names another TRON network's chain id.
    """
    domain = typed_data.get("domain") if isinstance(typed_data, Mapping) else None
    if isinstance(domain, Mapping) and domain.get("chainId") is not None:
        given = _integer(domain["chainId"], "domain.chainId")
        if given != CHAIN_IDS[network]:
            raise ChainMismatch(
                f"typed data is for chain id {given}, but this account is on TRON {network} ({CHAIN_IDS[network]})"
            )
    return "0x" + secp256k1.sign_rsv(secret, digest(typed_data)).hex()


def recover(typed_data: Mapping[str, Any], signature: str) -> str:
    """Return the base58 address that signed ``typed_data``.

    Raises:
        InvalidSignature: not 65 bytes of hex, or a bad v.
    """
    return recover_address(digest(typed_data), signature, "TIP-712")


def _encode_type(primary: str, types: Types) -> str:
    found: set[str] = set()
    _dependencies(primary, types, found)
    found.discard(primary)
    return "".join(f"{t}({','.join(f['type'] + ' ' + f['name'] for f in types[t])})" for t in [primary, *sorted(found)])


def _dependencies(type_name: str, types: Types, found: set[str]) -> None:
    base = type_name.partition("[")[0]
    if base in found or base not in types:
        return
    found.add(base)
    for f in types[base]:
        _dependencies(f["type"], types, found)


def _hash_struct(type_name: str, types: Types, value: Any, where: str) -> bytes:
    if not isinstance(value, Mapping):
        raise InvalidMessage(f"{where} is a {type_name} struct, so a mapping, got {type(value).__name__}")
    encoded = [keccak256(_encode_type(type_name, types).encode())]
    for f in types[type_name]:
        if f["name"] not in value:
            raise InvalidMessage(f"{where} has no {f['name']!r} ({f['type']})")
        encoded.append(_encode_value(f["type"], types, value[f["name"]], f"{where}.{f['name']}"))
    return keccak256(b"".join(encoded))


def _encode_value(type_name: str, types: Types, value: Any, where: str) -> bytes:
    """Return the 32-byte encoding of one value (EIP-712 encodeData; trcToken as uint256)."""
    if type_name.endswith("]"):
        inner, _, size = type_name[:-1].rpartition("[")
        if not isinstance(value, (list, tuple)) or (size and len(value) != int(size)):
            raise InvalidMessage(f"{where} is a {type_name}, so a list{' of ' + size if size else ''}")
        return keccak256(b"".join(_encode_value(inner, types, v, f"{where}[{i}]") for i, v in enumerate(value)))
    if type_name in types:
        return _hash_struct(type_name, types, value, where)
    if type_name == "string":
        if not isinstance(value, str):
            raise InvalidMessage(f"{where} is a string, got {type(value).__name__}")
        return keccak256(value.encode("utf-8"))
    if type_name == "bytes":
        return keccak256(_bytes(value, where))
    if type_name == "bool":
        if not isinstance(value, bool):
            raise InvalidMessage(f"{where} is a bool, got {value!r}")
        return int(value).to_bytes(32, "big")
    if type_name == "address":
        try:
            return bytes(12) + parse_address(value)[1:]
        except InvalidAddress as e:
            raise InvalidAddress(f"{where}: {e}") from e
    sized = _BYTES_N.fullmatch(type_name)
    if sized and 1 <= int(sized[1]) <= 32:
        raw = _bytes(value, where)
        if len(raw) != int(sized[1]):
            raise InvalidMessage(f"{where} is {type_name}, got {len(raw)} bytes")
        return raw.ljust(32, b"\0")
    number = _INT.fullmatch("uint256" if type_name == "trcToken" else type_name)
    if number and (not number[2] or (int(number[2]) % 8 == 0 and 8 <= int(number[2]) <= 256)):
        bits, signed = int(number[2] or 256), number[1] == ""
        n = _integer(value, where)
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if not low <= n <= high:
            raise InvalidMessage(f"{where} is out of range for {type_name}: {n}")
        return (n % (1 << 256)).to_bytes(32, "big")
    raise InvalidMessage(f"{where} has an unknown type {type_name!r}")


def _bytes(value: Any, where: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise InvalidMessage(f"{where} is bytes: give bytes or 0x-hex text")


def _integer(value: Any, where: str) -> int:
    n = integer_from_json(value)
    if n is None:
        raise InvalidMessage(f"{where} is an integer (or its decimal/hex text), got {value!r}")
    return n
