"""Step-up approvals: which decoded effects need M of N people, and how an approval is checked.

Rules sit in the policy under ``[[chains.<chain>.approvals]]``; each names its approvers and how
many must approve (M of N)::

    [approvers.alice]
    ed25519 = "<32-byte public key, hex>"     # signs the request digest
    [approvers.bob]
    secp256k1 = "<33-byte compressed public key, hex>"
    [approvers.carol]
    totp = true                               # RFC 6238 codes; the secret is given to the Signer

    [[chains.eth.approvals]]
    name = "large"
    above = { native = "1", "0xdAC17F958D2ee523a2206206994597C13D831ec7" = "10000" }
    approvers = ["alice", "bob", "carol"]
    required = 2
    expires = 3600                            # seconds a request waits (default 3600)

    [[chains.eth.approvals]]
    name = "new recipient"
    new_recipient = true                      # a recipient this signer never paid on this chain
    approvers = ["alice", "bob"]
    required = 1

    [[chains.eth.approvals]]
    new_contract = true                       # a contract call (contract, selector) never signed before
    effects = ["approval", "authority"]       # anything else the policy names, by effect kind
    approvers = ["alice", "bob"]
    required = 2

An approval is an :class:`ApproverSignature` (ed25519, or secp256k1 ECDSA, over the 32-byte
request digest) or a :class:`TotpCode` (RFC 6238, checked by ``pyotp``). The digest binds the
chain, the network, the account, the decoded effects, the request and the expiry, so an
approval of one request cannot approve another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from walletkit.effects import NATIVE, Approval, AuthorityChange, ContractCall, Effect, Transfer, describe
from walletkit.errors import InvalidInput

EFFECT_KINDS = ("transfer", "approval", "call", "authority", "data", "typed_data")


@dataclass(frozen=True, slots=True)
class Approver:
    """A registered approver: a public key (``ed25519`` or ``secp256k1``) or a TOTP holder."""

    name: str
    scheme: str  # "ed25519", "secp256k1" or "totp"
    public_key: bytes = b""


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """When a request needs approval, and from whom (``required`` of ``approvers``)."""

    name: str
    approvers: tuple[str, ...]
    required: int
    above: Mapping[str, int] = field(default_factory=dict)  # asset -> base units
    new_recipient: bool = False
    new_contract: bool = False
    effects: frozenset[str] = frozenset()
    expires: int = 3600

    def triggered(self, effects: Sequence[Effect], paid: frozenset[str], called: frozenset[str]) -> bool:
        """True when this rule applies to ``effects`` (``paid``: recipients paid before; ``called``:
        ``contract:selector`` pairs signed before)."""
        totals: dict[str, int] = {}
        for e in effects:
            if isinstance(e, Transfer):
                totals[e.asset] = totals.get(e.asset, 0) + e.amount
                if self.new_recipient and e.to not in paid:
                    return True
            elif isinstance(e, ContractCall):
                if e.value:
                    totals[NATIVE] = totals.get(NATIVE, 0) + e.value
                if self.new_contract and f"{e.contract}:{e.selector}" not in called:
                    return True
            elif isinstance(e, Approval):
                if self.new_recipient and e.amount != 0 and e.spender not in paid:
                    return True
                if e.asset in self.above and (e.amount is None or (e.all_tokens and e.amount != 0)):
                    return True  # an unlimited approval is above every threshold
                totals[e.asset] = totals.get(e.asset, 0) + (e.amount or 0)
            if describe(e)["effect"] in self.effects:
                return True
        return any(amount > self.above[asset] for asset, amount in totals.items() if asset in self.above)


@dataclass(frozen=True, slots=True)
class ApproverSignature:
    """An approver's signature over a request digest: ed25519 (64 bytes) or secp256k1 ECDSA (DER, or
    64-byte r || s)."""

    approver: str
    signature: bytes


@dataclass(frozen=True, slots=True)
class TotpCode:
    """A one-time code (RFC 6238) from an approver registered with ``totp = true``."""

    approver: str
    code: str

    def __repr__(self) -> str:
        return f"TotpCode({self.approver!r}, <redacted>)"


ApprovalProof = Union[ApproverSignature, TotpCode]


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A request waiting for approvals.

    ``id`` names it; ``digest`` (hex) is what approvers sign; ``expires_at`` in seconds since the
    epoch; ``needs`` maps each triggered rule to how many approvals it still needs; ``approvals``
    are the approvers counted so far.
    """

    id: str
    digest: str
    expires_at: float
    needs: Mapping[str, int]
    approvals: tuple[str, ...]
    kind: str = "transfer"
    status: str = "pending"

    @property
    def ready(self) -> bool:
        """True when every triggered rule has its quorum."""
        return all(n <= 0 for n in self.needs.values())


def request_digest(
    request_id: str, chain: str, network: str, account: str, effects: Sequence[Effect], request: str, expires_at: float
) -> str:
    """Return the hex SHA-256 digest approvers sign: it binds the chain, the account, the decoded
    effects, the request and the expiry (seconds since the epoch, whole)."""
    text = json.dumps(
        {
            "walletkit": "approval-request/1",
            "id": request_id,
            "chain": chain,
            "network": network,
            "account": account,
            "effects": [describe(e) for e in effects],
            "request": request,
            "expires_at": int(expires_at),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def effects_digest(effects: Sequence[Effect]) -> str:
    """Return a digest of the effects alone (execute re-decodes and must find the same effects)."""
    text = json.dumps([describe(e) for e in effects], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def verify_signature(approver: Approver, digest_hex: str, signature: bytes) -> bool:
    """Return True if ``signature`` is ``approver``'s over the digest (the 32 digest bytes)."""
    digest = bytes.fromhex(digest_hex)
    if approver.scheme == "ed25519":
        from walletkit.crypto import ed25519

        return len(signature) == 64 and ed25519.verify(approver.public_key, digest, signature)
    if approver.scheme == "secp256k1":
        from walletkit.crypto import secp256k1

        der = signature if len(signature) != 64 else _der(signature)
        return secp256k1.verify_der(approver.public_key, der, digest)
    return False


def _der(compact: bytes) -> bytes:
    def integer(b: bytes) -> bytes:
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b

    body = integer(compact[:32]) + integer(compact[32:])
    return b"\x30" + bytes([len(body)]) + body


def check_totp(secret: str, code: str, at: float, digits: int = 6, digest: str = "sha1") -> int | None:
    """Return the RFC 6238 time step ``code`` is valid for at time ``at`` (seconds), or None.

    The current step and the one before are accepted (30 s steps), as authenticator apps drift.
    """
    import pyotp

    algorithm = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}[digest]
    totp = pyotp.TOTP(secret, digits=digits, digest=algorithm)
    if not isinstance(code, str) or not code.isdigit() or len(code) != digits:
        return None
    step = int(at) // 30
    for candidate in (step, step - 1):
        if totp.at(candidate * 30) == code:
            return candidate
    return None


# --- reading the policy's approval tables --------------------------------------------------------


def parse_approvers(data: Any) -> dict[str, Approver]:
    """Read ``[approvers.<name>]`` tables (public keys as hex; ``totp = true``).

    Raises:
        InvalidInput: a malformed entry, naming it.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidInput("policy approvers must be a table of [approvers.<name>] tables")
    out: dict[str, Approver] = {}
    for name, spec in data.items():
        if not isinstance(spec, Mapping):
            raise InvalidInput(f"policy approvers.{name} must be a table")
        unknown = sorted(str(k) for k in spec if k not in ("ed25519", "secp256k1", "totp"))
        if unknown:
            raise InvalidInput(
                f"policy approvers.{name} has unknown key(s) {', '.join(unknown)}; expected ed25519, secp256k1 or totp"
            )
        schemes = [s for s in ("ed25519", "secp256k1", "totp") if s in spec]
        if len(schemes) != 1:
            raise InvalidInput(f"policy approvers.{name} needs exactly one of ed25519, secp256k1 or totp")
        scheme = schemes[0]
        if scheme == "totp":
            if spec["totp"] is not True:
                raise InvalidInput(f"policy approvers.{name}.totp must be true (the secret is given to the Signer)")
            out[str(name)] = Approver(str(name), "totp")
            continue
        try:
            key = bytes.fromhex(str(spec[scheme]).removeprefix("0x"))
        except ValueError:
            raise InvalidInput(f"policy approvers.{name}.{scheme} must be a hex public key") from None
        size = 32 if scheme == "ed25519" else 33
        if len(key) != size:
            raise InvalidInput(f"policy approvers.{name}.{scheme} is {size} bytes, got {len(key)}")
        out[str(name)] = Approver(str(name), scheme, key)
    return out


def parse_rules(
    data: Any, where: str, approvers: Mapping[str, Approver], asset_key: Any, amount: Any
) -> tuple[ApprovalRule, ...]:
    """Read ``[[chains.<chain>.approvals]]`` entries (``asset_key`` canonicalises a token, ``amount``
    reads whole coins of an asset into base units).

    Raises:
        InvalidInput: a malformed rule, an unknown approver, or ``required`` outside 1..N.
    """
    if data is None:
        return ()
    if not isinstance(data, (list, tuple)):
        raise InvalidInput(f"policy {where} must be a list of tables ([[{where}]])")
    rules = []
    for i, spec in enumerate(data):
        here = f"{where}[{i}]"
        if not isinstance(spec, Mapping):
            raise InvalidInput(f"policy {here} must be a table")
        allowed = ("name", "above", "approvers", "required", "expires", "new_recipient", "new_contract", "effects")
        unknown = sorted(str(k) for k in spec if k not in allowed)
        if unknown:
            raise InvalidInput(f"policy {here} has unknown key(s) {', '.join(unknown)}; expected {', '.join(allowed)}")
        names = spec.get("approvers")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InvalidInput(f"policy {here}.approvers must be a list of approver names")
        unknown = [n for n in names if n not in approvers]
        if unknown:
            raise InvalidInput(f"policy {here}.approvers names unknown approvers: {', '.join(unknown)}")
        required = spec.get("required", 1)
        if isinstance(required, bool) or not isinstance(required, int) or not 1 <= required <= len(set(names)):
            raise InvalidInput(f"policy {here}.required must be from 1 to {len(set(names))}, not {required!r}")
        above = spec.get("above", {})
        if not isinstance(above, Mapping):
            raise InvalidInput(f"policy {here}.above must be a table of asset = amount")
        kinds = spec.get("effects", [])
        if not isinstance(kinds, list) or any(k not in EFFECT_KINDS for k in kinds):
            raise InvalidInput(f"policy {here}.effects must list effect kinds from {', '.join(EFFECT_KINDS)}")
        expires = spec.get("expires", 3600)
        if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= 30 * 86_400:
            raise InvalidInput(f"policy {here}.expires must be seconds from 1 to 2592000, not {expires!r}")
        flags = {}
        for flag in ("new_recipient", "new_contract"):
            value = spec.get(flag, False)
            if not isinstance(value, bool):
                raise InvalidInput(f"policy {here}.{flag} must be true or false")
            flags[flag] = value
        rules.append(
            ApprovalRule(
                name=str(spec.get("name", f"rule {i}")),
                approvers=tuple(dict.fromkeys(names)),
                required=required,
                above={asset_key(str(a)): amount(str(a), v, f"{here}.above") for a, v in above.items()},
                new_recipient=flags["new_recipient"],
                new_contract=flags["new_contract"],
                effects=frozenset(kinds),
                expires=expires,
            )
        )
    return tuple(rules)


def triggered_rules(
    rules: Sequence[ApprovalRule], effects: Sequence[Effect], paid: frozenset[str], called: frozenset[str]
) -> list[ApprovalRule]:
    """Return the rules ``effects`` trigger (a revocation or a data-only effect triggers only by kind)."""
    return [r for r in rules if r.triggered(effects, paid, called)]


def counterparties(effects: Sequence[Effect]) -> tuple[set[str], set[str]]:
    """Return the recipients (and spenders) and the ``contract:selector`` calls of ``effects``."""
    paid = {e.to for e in effects if isinstance(e, Transfer)} | {
        e.spender for e in effects if isinstance(e, Approval) and e.amount != 0
    }
    called = {f"{e.contract}:{e.selector}" for e in effects if isinstance(e, ContractCall)}
    return paid, called


__all__ = [
    "ApprovalProof",
    "ApprovalRule",
    "Approver",
    "ApproverSignature",
    "AuthorityChange",
    "PendingRequest",
    "TotpCode",
]
