"""EIP-712 / TIP-712 typed data decoded into effects: what a signature over the document lets others do.

Specs followed:

- EIP-712: ``encodeType`` (a struct's fields, in order, then its referenced structs sorted by
  name), the ``EIP712Domain`` fields ``name``, ``version``, ``chainId``, ``verifyingContract``,
  ``salt`` in that order, and the user agent's duty to refuse a domain of another chain.
- EIP-2612 ``Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)``.
- DAI's permit ``Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)``.
- Uniswap Permit2, type strings as in its ``PermitHash.sol``: AllowanceTransfer ``PermitSingle`` /
  ``PermitBatch`` over ``PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)``,
  SignatureTransfer ``PermitTransferFrom`` / ``PermitBatchTransferFrom`` over
  ``TokenPermissions(address token,uint256 amount)``, and their witness variants (one more field).
- EIP-3009 ``TransferWithAuthorization`` / ``ReceiveWithAuthorization(address from,address to,
  uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)``.
- TIP-712 (TRON): the same structure; addresses in any TRON form, ``trcToken`` a uint256.

A permit is recognised by its primary type *and* its exact definition, because the contract
checks a signature against ``keccak256(encodeType)`` of its own type string: under any other
definition the document is not that permit, and a reader (or another encoder) could disagree about
which fields are signed. A document that uses a permit's name with another definition is refused
(:class:`~walletkit.errors.InvalidMessage`), never treated as harmless.

Values are read more strictly than eth-account reads them, so that the decoded fields are
exactly what is hashed: integers are JSON ints or decimal / 0x-hex text (never floats or bools),
a ``bool`` is a JSON bool (eth-account hashes the text ``"no"`` as true), bytes are 0x-hex of
the exact size, every field is present and not null, and the domain's fields are the ones its
``EIP712Domain`` type declares (TIP-712 hashes only those, so a ``chainId`` left out of the type
would be shown but not signed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from walletkit.effects import UNLIMITED_THRESHOLD, Approval, Effect, Transfer, TypedDataSignature
from walletkit.errors import ChainMismatch, InvalidAddress, InvalidMessage, PolicyViolation
from walletkit.units import integer_from_json

__all__ = ["MAX_DEPTH", "MAX_FIELDS", "MAX_TEXT", "PERMIT2_UNLIMITED", "PERMIT_TYPES", "typed_data_effects"]

MAX_FIELDS = 64  # flat fields kept for the audit; the rest are counted, not shown
MAX_TEXT = 256  # characters kept of one field's text
MAX_DEPTH = 32  # nested structs and arrays read; a deeper document is refused
PERMIT2_UNLIMITED = (1 << 160) - 1  # Permit2 never decreases an allowance of type(uint160).max

Field = tuple[str, str]  # (name, type) as the type string writes "type name"
Types = Mapping[str, tuple[Field, ...]]
Value = object  # a decoded value: int, bool, str (text or canonical address), bytes, list, dict

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_ARRAY = re.compile(r"(.+)\[([1-9][0-9]*)?\]")
_INT = re.compile(r"(u?)int([1-9][0-9]*)")
_BYTES_N = re.compile(r"bytes([1-9][0-9]*)")
_DOMAIN: tuple[Field, ...] = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
)

# --- the permits, as their contracts hash them -----------------------------------------------------

_EIP2612: tuple[Field, ...] = (
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
)
_DAI: tuple[Field, ...] = (
    ("holder", "address"),
    ("spender", "address"),
    ("nonce", "uint256"),
    ("expiry", "uint256"),
    ("allowed", "bool"),
)
_PERMIT_DETAILS: tuple[Field, ...] = (
    ("token", "address"),
    ("amount", "uint160"),
    ("expiration", "uint48"),
    ("nonce", "uint48"),
)
_TOKEN_PERMISSIONS: tuple[Field, ...] = (("token", "address"), ("amount", "uint256"))
_EIP3009: tuple[Field, ...] = (
    ("from", "address"),
    ("to", "address"),
    ("value", "uint256"),
    ("validAfter", "uint256"),
    ("validBefore", "uint256"),
    ("nonce", "bytes32"),
)


@dataclass(frozen=True, slots=True)
class _Permit:
    """One permit kind: its exact definition, the structs it references, and its decoder."""

    title: str
    fields: tuple[Field, ...]
    structs: Mapping[str, tuple[Field, ...]]
    decode: Callable[[Mapping[str, Value], str | None], list[Effect]]
    witness: bool = False  # Permit2's witness variants add exactly one field of any name and type

    def matches(self, defined: tuple[Field, ...], types: Types) -> bool:
        head = defined[: len(self.fields)] if self.witness else defined
        size = len(self.fields) + (1 if self.witness else 0)
        return (
            len(defined) == size
            and head == self.fields
            and all(types.get(n) == fields for n, fields in self.structs.items())
        )

    def type_string(self, primary: str) -> str:
        witness = ",<Witness> witness" if self.witness else ""
        own = f"{primary}({','.join(f'{t} {n}' for n, t in self.fields)}{witness})"
        return own + "".join(_struct_string(n, f) for n, f in sorted(self.structs.items()))


def _eip2612(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    value = _int(m, "value")
    amount = None if value >= UNLIMITED_THRESHOLD else value
    return [Approval(_token(contract, "Permit"), _str(m, "spender"), amount, deadline=_int(m, "deadline"))]


def _dai(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    # DAI: allowed -> allowance uint(-1), else 0; expiry 0 never expires (require(expiry == 0 || now <= expiry)).
    expiry = _int(m, "expiry")
    amount = None if _bool(m, "allowed") else 0
    return [Approval(_token(contract, "Permit"), _str(m, "spender"), amount, deadline=expiry or None)]


def _permit2_approval(details: Mapping[str, Value], spender: str, sig_deadline: int) -> Approval:
    # Permit2 stores expiration 0 as block.timestamp: the allowance then lives only in the block
    # that submits the permit, which is no later than sigDeadline.
    amount = _int(details, "amount")
    expiration = _int(details, "expiration")
    return Approval(
        _str(details, "token"),
        spender,
        None if amount == PERMIT2_UNLIMITED else amount,
        deadline=expiration or sig_deadline,
    )


def _permit_single(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    return [_permit2_approval(_struct(m, "details"), _str(m, "spender"), _int(m, "sigDeadline"))]


def _permit_batch(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    spender, deadline = _str(m, "spender"), _int(m, "sigDeadline")
    return [_permit2_approval(d, spender, deadline) for d in _structs(m, "details")]


def _permit_transfer(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    # The spender names the recipient when it calls Permit2, so the tokens go wherever it says.
    permitted = _struct(m, "permitted")
    return [Transfer(_str(permitted, "token"), _str(m, "spender"), _int(permitted, "amount"))]


def _permit_batch_transfer(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    spender = _str(m, "spender")
    return [Transfer(_str(p, "token"), spender, _int(p, "amount")) for p in _structs(m, "permitted")]


def _eip3009(m: Mapping[str, Value], contract: str | None) -> list[Effect]:
    return [Transfer(_token(contract, "an EIP-3009 authorization"), _str(m, "to"), _int(m, "value"))]


_DETAILS = {"PermitDetails": _PERMIT_DETAILS}
_PERMISSIONS = {"TokenPermissions": _TOKEN_PERMISSIONS}
_TRANSFER_FROM = (
    ("permitted", "TokenPermissions"),
    ("spender", "address"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
)
_BATCH_TRANSFER_FROM = (("permitted", "TokenPermissions[]"), *_TRANSFER_FROM[1:])

PERMIT_TYPES: Mapping[str, tuple[_Permit, ...]] = {
    "Permit": (
        _Permit("EIP-2612", _EIP2612, {}, _eip2612),
        _Permit("DAI", _DAI, {}, _dai),
    ),
    "PermitSingle": (
        _Permit(
            "Permit2",
            (("details", "PermitDetails"), ("spender", "address"), ("sigDeadline", "uint256")),
            _DETAILS,
            _permit_single,
        ),
    ),
    "PermitBatch": (
        _Permit(
            "Permit2",
            (("details", "PermitDetails[]"), ("spender", "address"), ("sigDeadline", "uint256")),
            _DETAILS,
            _permit_batch,
        ),
    ),
    "PermitTransferFrom": (_Permit("Permit2", _TRANSFER_FROM, _PERMISSIONS, _permit_transfer),),
    "PermitBatchTransferFrom": (_Permit("Permit2", _BATCH_TRANSFER_FROM, _PERMISSIONS, _permit_batch_transfer),),
    "PermitWitnessTransferFrom": (_Permit("Permit2", _TRANSFER_FROM, _PERMISSIONS, _permit_transfer, witness=True),),
    "PermitBatchWitnessTransferFrom": (
        _Permit("Permit2", _BATCH_TRANSFER_FROM, _PERMISSIONS, _permit_batch_transfer, witness=True),
    ),
    "TransferWithAuthorization": (_Permit("EIP-3009", _EIP3009, {}, _eip3009),),
    "ReceiveWithAuthorization": (_Permit("EIP-3009", _EIP3009, {}, _eip3009),),
}
"""Primary type -> the permit definitions it may have (decoded into Approval or Transfer effects)."""


# --- the decoder ---------------------------------------------------------------------------------


def typed_data_effects(
    typed_data: Mapping[str, object], canonical: Callable[[str], str], chain_id: int
) -> list[Effect]:
    """Return what signing an EIP-712 / TIP-712 document does, as effects the policy judges.

    The first effect is always a :class:`~walletkit.effects.TypedDataSignature`: the canonical
    ``verifyingContract`` (None when the domain has none), the primary type, the domain's chain
    id, and ``fields``, the flat text of the signed values (``domain.name``, ``message.spender``,
    ``message.details[0].token``, ...; at most :data:`MAX_FIELDS` entries of at most
    :data:`MAX_TEXT` characters, addresses canonical, integers in decimal, bytes in 0x-hex).
    A permit (see :data:`PERMIT_TYPES`) adds what it allows:

    - EIP-2612 ``Permit``: ``Approval(verifyingContract, spender, value, deadline=deadline)``,
      a value of 2^256-1 unlimited (None).
    - DAI ``Permit``: ``Approval(verifyingContract, spender, None if allowed else 0,
      deadline=expiry)``, expiry 0 none.
    - Permit2 ``PermitSingle`` / ``PermitBatch``: per ``details`` entry ``Approval(token,
      spender, amount, deadline=expiration)``, an amount of 2^160-1 unlimited, an expiration of 0
      (the permit's own block) bounded by ``sigDeadline``.
    - Permit2 ``PermitTransferFrom`` / ``PermitBatchTransferFrom`` and their witness variants: per
      ``permitted`` entry ``Transfer(token, spender, amount)`` (the spender picks the recipient).
    - EIP-3009 ``TransferWithAuthorization`` / ``ReceiveWithAuthorization``:
      ``Transfer(verifyingContract, to, value)``.

    Permit2 kinds are decoded whatever the verifying contract (another deployment, or a contract
    that reuses Permit2's types, is judged the same way). The owner (``owner``, ``holder``,
    ``from``; Permit2: the signer) is not compared with the account: it is in ``fields``, and a
    permit signed by someone else is invalid on chain. Any other primary type gives the
    TypedDataSignature alone (allowed per contract and type).
    For the deadlines of EIP-2612 and DAI permits: they bound when the permit can be submitted;
    the allowance it sets does not expire.

    Args:
        typed_data: the document as ``eth_signTypedData_v4`` takes it: ``types``,
            ``primaryType``, ``domain``, ``message``.
        canonical: turns an address into the chain's canonical text (the plugin's
            ``validate_address``); raises InvalidAddress.
        chain_id: the account's chain id (EVM chain id; TRON: the genesis block id's low 32 bits).

    Returns:
        ``[TypedDataSignature, *approvals_or_transfers]``; amounts in the token's base units,
        deadlines in seconds since the epoch.

    Raises:
        PolicyViolation: rule ``eip712_domain``: the domain has no chainId (a signature valid
            on every chain).
        ChainMismatch: the domain's chainId is not ``chain_id``.
        InvalidMessage: the document is malformed; a value does not fit its type (floats,
            out-of-range or non-integer numbers, non-bool bools, bytes of the wrong size, a
            missing or null field); the domain's values and its ``EIP712Domain`` type disagree;
            a permit's primary type with another definition; a token permit whose domain names
            no verifying contract.
        InvalidAddress: an address that ``canonical`` refuses (its location is named).

    >>> doc = {
    ...     "types": {"Note": [{"name": "text", "type": "string"}]},
    ...     "primaryType": "Note",
    ...     "domain": {"name": "demo", "chainId": 1},
    ...     "message": {"text": "hello"},
    ... }
    >>> typed_data_effects(doc, str.lower, 1)
    [TypedDataSignature(contract=None, primary_type='Note', chain_id=1, fields={'domain.name': 'demo', 'domain.chainId': '1', 'message.text': 'hello'})]
    """
    if not isinstance(typed_data, Mapping):
        raise InvalidMessage(
            f"typed data is a mapping with types, primaryType, domain and message, got {type(typed_data).__name__}"
        )
    types = _types(typed_data.get("types"))
    primary = typed_data.get("primaryType")
    if not isinstance(primary, str) or primary not in types or primary == "EIP712Domain":
        raise InvalidMessage(f"primaryType must name one of the message's struct types, got {primary!r}")
    reader = _Reader(types, canonical)
    domain = _domain(reader, typed_data.get("domain"), chain_id)
    kind = _permit_kind(primary, types)
    message = reader.struct(primary, typed_data.get("message"), "message", 0)
    fields: dict[str, str] = {}
    hidden = _flatten(domain, "domain", fields) + _flatten(message, "message", fields)
    if hidden:
        fields["truncated"] = f"{hidden} more fields not shown"
    contract = domain.get("verifyingContract")
    contract = contract if isinstance(contract, str) else None
    effects: list[Effect] = [TypedDataSignature(contract, primary, chain_id, fields)]
    if kind is not None:
        effects.extend(kind.decode(message, contract))
    return effects


def _permit_kind(primary: str, types: Types) -> _Permit | None:
    """The permit a primary type is, None if its name is no permit's; refuse a permit's name misdefined."""
    kinds = PERMIT_TYPES.get(primary)
    if kinds is None:
        return None
    kind = next((k for k in kinds if k.matches(types[primary], types)), None)
    if kind is None:
        expected = " or ".join(f"{k.title} {k.type_string(primary)}" for k in kinds)
        raise InvalidMessage(
            f"primaryType {primary} is a permit's name, but the document defines it as "
            f"{_type_string(primary, types)}; a permit is signed only under its exact definition: {expected}"
        )
    return kind


def _types(raw: object) -> dict[str, tuple[Field, ...]]:
    """Parse ``types``: struct name -> fields; every name an identifier, every field type known."""
    if not isinstance(raw, Mapping):
        raise InvalidMessage("typed data needs 'types': a mapping of struct name to [{name, type}, ...]")
    types: dict[str, tuple[Field, ...]] = {}
    for name, fields in raw.items():
        if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or _is_atomic(name):
            raise InvalidMessage(f"struct name {name!r} must be an identifier that is not an atomic type")
        if not isinstance(fields, (list, tuple)):
            raise InvalidMessage(f"type {name} is a list of {{name, type}} fields, got {type(fields).__name__}")
        parsed: list[Field] = []
        for f in fields:
            if not (isinstance(f, Mapping) and isinstance(f.get("name"), str) and isinstance(f.get("type"), str)):
                raise InvalidMessage(f"type {name} has a field that is not {{name: text, type: text}}: {f!r}")
            if not _IDENTIFIER.fullmatch(f["name"]):
                raise InvalidMessage(f"type {name} has a field name that is not an identifier: {f['name']!r}")
            if any(f["name"] == seen for seen, _ in parsed):
                raise InvalidMessage(f"type {name} has two fields named {f['name']!r}")
            parsed.append((f["name"], f["type"]))
        types[name] = tuple(parsed)
    for name, fields in types.items():
        if name == "EIP712Domain":
            continue
        for field_name, field_type in fields:
            base = _base(field_type)
            if not (_is_atomic(base) or (base in types and base != "EIP712Domain")):
                raise InvalidMessage(f"{name}.{field_name} has an unknown type {field_type!r}")
    return types


def _domain(reader: _Reader, raw: object, chain_id: int) -> dict[str, Value]:
    """Parse the domain: the fields that are hashed, chainId required and equal to ``chain_id``."""
    if not isinstance(raw, Mapping):
        raise InvalidMessage(f"typed data needs a 'domain' mapping, got {type(raw).__name__}")
    if raw.get("chainId") is None:
        raise PolicyViolation("eip712_domain", "a typed-data domain without chainId can be replayed on any chain")
    unknown = [k for k in raw if k not in dict(_DOMAIN)]
    if unknown:
        raise InvalidMessage(
            f"domain has fields EIP-712 does not define: {unknown}; expected some of {list(dict(_DOMAIN))}"
        )
    standard = tuple(f for f in _DOMAIN if f[0] in raw)
    declared = reader.types.get("EIP712Domain")
    if declared is not None and declared != standard:
        raise InvalidMessage(
            f"types.EIP712Domain must declare exactly the domain's fields in EIP-712's order, "
            f"{_struct_string('EIP712Domain', standard)}; got {_struct_string('EIP712Domain', declared)}"
        )
    domain = {n: reader.value(t, raw[n], f"domain.{n}", 0) for n, t in standard}
    given = domain["chainId"]
    if given != chain_id:
        raise ChainMismatch(f"typed data is for chain id {given}, but this account is on chain id {chain_id}")
    return domain


class _Reader:
    """Reads values against their EIP-712 types, strictly, into plain Python values."""

    def __init__(self, types: Types, canonical: Callable[[str], str]) -> None:
        self.types = types
        self.canonical = canonical

    def struct(self, name: str, value: object, where: str, depth: int) -> dict[str, Value]:
        if not isinstance(value, Mapping):
            raise InvalidMessage(f"{where} is a {name} struct, so a mapping, got {type(value).__name__}")
        out: dict[str, Value] = {}
        for field_name, field_type in self.types[name]:
            if value.get(field_name) is None:
                raise InvalidMessage(f"{where} has no {field_name!r} ({field_type})")
            out[field_name] = self.value(field_type, value[field_name], f"{where}.{field_name}", depth + 1)
        return out

    def value(self, type_name: str, value: object, where: str, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise InvalidMessage(f"typed data nests structs or arrays more than {MAX_DEPTH} deep, at {where:.200}")
        array = _ARRAY.fullmatch(type_name)
        if array:
            size = int(array[2]) if array[2] else None
            if not isinstance(value, (list, tuple)) or (size is not None and len(value) != size):
                raise InvalidMessage(
                    f"{where} is a {type_name}, so a list{f' of {size}' if size else ''}, got {value!r:.80}"
                )
            return [self.value(array[1], v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if type_name in self.types and type_name != "EIP712Domain":
            return self.struct(type_name, value, where, depth)
        if type_name == "address":
            if not isinstance(value, str):
                raise InvalidMessage(f"{where} is an address, so text, got {type(value).__name__}")
            try:
                return self.canonical(value)
            except InvalidAddress as e:
                raise InvalidAddress(f"{where}: {e}") from e
        if type_name == "string":
            if not isinstance(value, str):
                raise InvalidMessage(f"{where} is a string, got {type(value).__name__}")
            return value
        if type_name == "bool":
            if not isinstance(value, bool):
                raise InvalidMessage(f"{where} is a bool (JSON true or false), got {value!r:.80}")
            return value
        if type_name == "bytes" or _BYTES_N.fullmatch(type_name):
            raw = _hex_bytes(value, where, type_name)
            if type_name != "bytes" and len(raw) != int(type_name[5:]):
                raise InvalidMessage(f"{where} is {type_name}, got {len(raw)} bytes")
            return raw
        bits, signed = _int_type("uint256" if type_name == "trcToken" else type_name)
        n = integer_from_json(value)
        if n is None:
            raise InvalidMessage(
                f"{where} is {type_name}: a JSON integer or its decimal/0x-hex text, got {value!r:.80}"
            )
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if not low <= n <= high:
            raise InvalidMessage(f"{where} is out of range for {type_name}: {n}")
        return n


def _flatten(value: Value, key: str, out: dict[str, str]) -> int:
    """Add ``value`` to ``out`` as flat text under ``key``; return how many leaves did not fit."""
    if isinstance(value, dict):
        return sum(_flatten(v, f"{key}.{k}", out) for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return _leaf(out, key, "[]")
        return sum(_flatten(v, f"{key}[{i}]", out) for i, v in enumerate(value))
    if isinstance(value, bool):
        return _leaf(out, key, "true" if value else "false")
    if isinstance(value, bytes):
        return _leaf(out, key, "0x" + value.hex())
    return _leaf(out, key, str(value))


def _leaf(out: dict[str, str], key: str, text: str) -> int:
    if len(out) >= MAX_FIELDS:
        return 1
    out[key] = text if len(text) <= MAX_TEXT else f"{text[: MAX_TEXT - 1]}…"
    return 0


# --- small readers -------------------------------------------------------------------------------


def _is_atomic(type_name: str) -> bool:
    if type_name in ("address", "bool", "string", "bytes", "trcToken"):
        return True
    sized = _BYTES_N.fullmatch(type_name)
    if sized:
        return 1 <= int(sized[1]) <= 32
    number = _INT.fullmatch(type_name)
    return number is not None and int(number[2]) % 8 == 0 and int(number[2]) <= 256


def _base(type_name: str) -> str:
    while True:
        array = _ARRAY.fullmatch(type_name)
        if not array:
            return type_name
        type_name = array[1]


def _int_type(type_name: str) -> tuple[int, bool]:
    number = _INT.fullmatch(type_name)
    if not number or not _is_atomic(type_name):
        raise InvalidMessage(f"unknown EIP-712 type {type_name!r}")  # _types() let no such type through
    return int(number[2]), number[1] == ""


def _hex_bytes(value: object, where: str, type_name: str) -> bytes:
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise InvalidMessage(f"{where} is {type_name}: 0x-hex text, got {value!r:.80}")


def _struct_string(name: str, fields: Sequence[Field]) -> str:
    return f"{name}({','.join(f'{t} {n}' for n, t in fields)})"


def _type_string(primary: str, types: Types) -> str:
    """EIP-712 encodeType: the primary struct, then the structs it references, sorted by name."""
    found: set[str] = set()
    pending = [primary]
    while pending:
        for _, field_type in types[pending.pop()]:
            base = _base(field_type)
            if base in types and base not in found and base != primary:
                found.add(base)
                pending.append(base)
    return "".join(_struct_string(n, types[n]) for n in [primary, *sorted(found)])


def _token(contract: str | None, what: str) -> str:
    if contract is None:
        raise InvalidMessage(f"{what} names its token by domain.verifyingContract, and this domain has none")
    return contract


def _int(m: Mapping[str, Value], name: str) -> int:
    value = m[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidMessage(f"{name} is not an integer")  # the definition check makes this unreachable
    return value


def _bool(m: Mapping[str, Value], name: str) -> bool:
    value = m[name]
    if not isinstance(value, bool):
        raise InvalidMessage(f"{name} is not a bool")
    return value


def _str(m: Mapping[str, Value], name: str) -> str:
    value = m[name]
    if not isinstance(value, str):
        raise InvalidMessage(f"{name} is not an address")
    return value


def _struct(m: Mapping[str, Value], name: str) -> Mapping[str, Value]:
    value = m[name]
    if not isinstance(value, dict):
        raise InvalidMessage(f"{name} is not a struct")
    return value


def _structs(m: Mapping[str, Value], name: str) -> list[Mapping[str, Value]]:
    value = m[name]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidMessage(f"{name} is not a list of structs")
    return list(value)
