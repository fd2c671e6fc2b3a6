"""The rules a policy holds, as frozen values: limits per asset, calls, authority changes, velocity,
the guard's triggers, and one chain's rules together (read by :mod:`walletkit.signer.policy_file`,
judged by :class:`walletkit.signer.Policy`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from walletkit.signer.allowlist import Allowlist
from walletkit.signer.approvals import ApprovalRule


@dataclass(frozen=True, slots=True)
class Limits:
    """Spending limits for one asset, in base units."""

    max_per_tx: int | None = None
    window_amount: int | None = None
    window_seconds: int = 86_400
    decimals: int | None = None  # a token's decimals, as the policy lists them
    nft: bool = False  # an ERC-721-style collection: amounts in transferFrom/approve are token ids


@dataclass(frozen=True, slots=True)
class CallRule:
    """A contract (or program, or TRON contract type) the signer may call, which functions, what value."""

    contract: str
    selectors: frozenset[str] | None  # 4-byte selectors as hex; None: any function
    max_value: int = 0


@dataclass(frozen=True, slots=True)
class AuthorityRule:
    """An authority change allowed: its kind and the new authority (None: any)."""

    kind: str
    to: str | None


@dataclass(frozen=True, slots=True)
class Velocity:
    """Velocity rules of one chain: (count, seconds) windows and a cooldown per recipient (seconds)."""

    transactions: tuple[int, int] | None = None
    new_recipients: tuple[int, int] | None = None
    cooldown: int = 0


@dataclass(frozen=True, slots=True)
class GuardRules:
    """When the guard freezes, and who lifts a freeze (``unfreeze_required`` of ``unfreeze_approvers``)."""

    refusal_burst: tuple[int, int] | None = None  # (refusals, seconds) that freeze the account
    freeze_on_foreign_spend: bool = True
    freeze_on_unknown_nonce: bool = True
    freeze_on_unknown_spender: bool = True
    freeze_on_drain: bool = True
    unfreeze_approvers: tuple[str, ...] = ()
    unfreeze_required: int = 1
    scope: str = "account"  # "account" or "all": what a trigger freezes


@dataclass(frozen=True, slots=True)
class ChainRules:
    """What one chain may do."""

    networks: frozenset[str]
    recipients: Allowlist | None
    native: Limits = Limits()
    tokens: Mapping[str, Limits] = field(default_factory=dict)
    max_fee: int | None = None
    max_fee_ratio: float | None = None  # fee <= ratio x native value out
    allow_unlimited_approvals: bool = False
    eip712_contracts: frozenset[str] | None = None  # verifyingContract values allowed, any primary type
    typed_data: Mapping[str, frozenset[str]] = field(default_factory=dict)  # contract -> primary types
    spenders: Allowlist | None = None  # who may be approved (None: the recipients allowlist)
    calls: tuple[CallRule, ...] = ()
    authority: tuple[AuthorityRule, ...] = ()
    approvals: tuple[ApprovalRule, ...] = ()
    velocity: Velocity | None = None
