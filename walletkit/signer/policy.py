"""Signing policy, default deny: which chains and networks, which recipients, how much, what fees.

Loaded from code or TOML::

    [chains.eth]
    networks = ["mainnet"]
    recipients = ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]
    max_per_tx = "0.5"              # whole coins (or per token: [chains.eth.tokens."0x..."])
    window = { amount = "2", seconds = 86400 }
    max_fee = "0.01"
    max_fee_ratio = 0.02            # the fee may be at most 2% of the amount
    allow_unlimited_approvals = false
    eip712_contracts = ["0x..."]    # typed data only for these verifying contracts (chain id pinned)
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from walletkit.errors import InvalidInput, PolicyViolation
from walletkit.registry import get_chain
from walletkit.signer.allowlist import Allowlist
from walletkit.units import parse_units


@dataclass(frozen=True, slots=True)
class Limits:
    """Spending limits for one asset, in base units."""

    max_per_tx: int | None = None
    window_amount: int | None = None
    window_seconds: int = 86_400


@dataclass(frozen=True, slots=True)
class ChainRules:
    """What one chain may do."""

    networks: frozenset[str]
    recipients: Allowlist | None
    native: Limits = Limits()
    tokens: Mapping[str, Limits] = field(default_factory=dict)
    max_fee: int | None = None
    max_fee_ratio: float | None = None  # fee <= ratio x amount (native transfers)
    allow_unlimited_approvals: bool = False
    eip712_contracts: frozenset[str] | None = None  # verifyingContract values allowed (None: no typed data)


@dataclass(frozen=True, slots=True)
class Request:
    """What a signing request would do, as the policy sees it."""

    chain: str
    network: str
    to: str
    amount: int
    token: str | None
    fee: int
    approve: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    """Default deny: a chain not named here may not sign at all."""

    chains: Mapping[str, ChainRules]

    def check(self, request: Request, spent_in_window: int = 0) -> None:
        """Raise PolicyViolation naming the first rule the request breaks."""
        rules = self.chains.get(request.chain)
        if rules is None:
            raise PolicyViolation("chain_allowed", f"{request.chain} is not allowed by this policy")
        if request.network not in rules.networks:
            raise PolicyViolation(
                "network_pinned",
                f"{request.chain} {request.network} is not an allowed network ({', '.join(sorted(rules.networks))})",
            )
        if rules.recipients is not None:
            rules.recipients.check(request.to)
        limits = rules.native if request.token is None else rules.tokens.get(_key(request.chain, request.token))
        if request.token is not None and limits is None:
            raise PolicyViolation("token_allowed", f"token {request.token} is not allowed on {request.chain}")
        assert limits is not None  # narrowed above for tokens; native limits always exist
        if request.approve and request.amount >= (1 << 256) - 1 and not rules.allow_unlimited_approvals:
            raise PolicyViolation("no_unlimited_approvals", "an unlimited ERC-20 approval is not allowed")
        if limits.max_per_tx is not None and request.amount > limits.max_per_tx:
            raise PolicyViolation(
                "max_per_tx", f"{request.amount} is above the per-transaction limit of {limits.max_per_tx}"
            )
        if limits.window_amount is not None and spent_in_window + request.amount > limits.window_amount:
            raise PolicyViolation(
                "rolling_window",
                f"{spent_in_window} already spent in the last {limits.window_seconds} s; {request.amount} more would pass "
                f"the limit of {limits.window_amount}",
            )
        if rules.max_fee is not None and request.fee > rules.max_fee:
            raise PolicyViolation("max_fee", f"fee {request.fee} is above the cap of {rules.max_fee}")
        if (
            rules.max_fee_ratio is not None
            and request.token is None
            and request.fee > rules.max_fee_ratio * request.amount
        ):
            raise PolicyViolation(
                "max_fee_ratio", f"fee {request.fee} is more than {rules.max_fee_ratio:.2%} of {request.amount}"
            )

    def check_typed_data(self, chain: str, network: str, domain: Mapping[str, Any]) -> None:
        """Raise PolicyViolation unless EIP-712 signing is allowed for this domain's verifying contract."""
        rules = self.chains.get(chain)
        if rules is None:
            raise PolicyViolation("chain_allowed", f"{chain} is not allowed by this policy")
        if network not in rules.networks:
            raise PolicyViolation("network_pinned", f"{chain} {network} is not an allowed network")
        contract = domain.get("verifyingContract")
        if rules.eip712_contracts is None:
            raise PolicyViolation("eip712_domain", "this policy allows no typed-data signing")
        canonical = get_chain(chain).validate_address(str(contract)) if contract else None
        if canonical not in rules.eip712_contracts:
            raise PolicyViolation("eip712_domain", f"verifying contract {contract!r} is not on the EIP-712 allowlist")

    def window_seconds(self, chain: str, token: str | None) -> int:
        """The rolling window of an asset (seconds)."""
        rules = self.chains.get(chain)
        limits = None if rules is None else (rules.native if token is None else rules.tokens.get(_key(chain, token)))
        return limits.window_seconds if limits else 86_400

    @classmethod
    def from_toml(cls, source: str | Path) -> Policy:
        """Load a policy from TOML text or a file path."""
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        text = Path(source).read_text() if isinstance(source, Path) else source
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InvalidInput(f"policy TOML does not parse: {e}") from e
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build a policy from nested mappings (the TOML layout).

        Raises:
            InvalidInput: a field of the wrong type or out of range, naming the field.
            UnknownChain: a chain no plugin provides.
        """
        chains: dict[str, ChainRules] = {}
        for name, spec in _mapping(_mapping(data, "policy").get("chains", {}), "chains").items():
            plugin = get_chain(str(name))
            chain = plugin.spec.name
            spec = _mapping(spec, f"chains.{name}")
            where = f"chains.{name}"
            recipients = spec.get("recipients")
            tokens = {
                _key(chain, str(token)): _token_limits(limits, plugin.spec.decimals, f"{where}.tokens.{token}")
                for token, limits in _mapping(spec.get("tokens", {}), f"{where}.tokens").items()
            }
            contracts = spec.get("eip712_contracts")
            chains[chain] = ChainRules(
                networks=frozenset(_strings(spec.get("networks", [plugin.spec.default_network]), f"{where}.networks")),
                recipients=Allowlist(chain, _strings(recipients, f"{where}.recipients"))
                if recipients is not None
                else None,
                native=_limits(spec, plugin.spec.decimals, where),
                tokens=tokens,
                max_fee=_amount(spec, "max_fee", plugin.spec.decimals, where),
                max_fee_ratio=_ratio(spec.get("max_fee_ratio"), f"{where}.max_fee_ratio"),
                allow_unlimited_approvals=_bool(
                    spec.get("allow_unlimited_approvals", False), f"{where}.allow_unlimited_approvals"
                ),
                eip712_contracts=(
                    frozenset(plugin.validate_address(a) for a in _strings(contracts, f"{where}.eip712_contracts"))
                    if contracts is not None
                    else None
                ),
            )
        return cls(chains)


# A policy arrives from a file someone edited: every field is checked for its type here, so a
# mistake is an InvalidInput naming the field, never a TypeError, and never a rule silently off.


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"policy {where or 'entry'} must be a table, not {type(value).__name__}")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"policy {where} must be a list of strings")
    return list(value)


def _int(value: Any, where: str, *, low: int = 0, high: int = 10**12) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"policy {where} must be a whole number from {low} to {high}, not {value!r}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"policy {where} must be true or false, not {value!r}")
    return value


def _ratio(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        # NaN fails every comparison, so a NaN ratio would switch the fee cap off: it is refused here.
        raise InvalidInput(f"policy {where} must be a number from 0 to 1 (a fraction of the amount), not {value!r}")
    return float(value)


def _amount(spec: Mapping[str, Any], key: str, decimals: int, where: str) -> int | None:
    if key not in spec:
        return None
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f'policy {where}.{key} must be an amount in whole coins, as a string ("0.5"), not {value!r}')
    return parse_units(str(value), decimals)


def _limits(spec: Mapping[str, Any], decimals: int, where: str) -> Limits:
    window = _mapping(spec.get("window", {}), f"{where}.window")
    return Limits(
        max_per_tx=_amount(spec, "max_per_tx", decimals, where),
        window_amount=_amount(window, "amount", decimals, f"{where}.window"),
        window_seconds=_int(window.get("seconds", 86_400), f"{where}.window.seconds", low=1),
    )


def _token_limits(spec: Any, default_decimals: int, where: str) -> Limits:
    spec = _mapping(spec, where)
    decimals = _int(spec.get("decimals", default_decimals), f"{where}.decimals", high=77)
    return _limits(spec, decimals, where)


def _key(chain: str, token: str) -> str:
    return get_chain(chain).validate_address(token) if not token.isdigit() else token
