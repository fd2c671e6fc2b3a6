"""Signing policy, default deny: it judges the effects a transaction has, never what a request says.

The signer decodes the exact transaction it is about to sign into effects
(:mod:`walletkit.effects`) through the chain's plugin; :meth:`Policy.judge` allows them all or
raises :class:`~walletkit.errors.PolicyViolation` naming the first rule broken. Every effect must
be allowed: value out per recipient and per asset (assets keyed in canonical form), approvals
(one above the token's per-transaction limit counts as unlimited), contract calls (only those a
``[[chains.<chain>.calls]]`` entry names), authority changes (only those an
``[[chains.<chain>.authority]]`` entry names), fees (from what the transaction type really pays),
and typed data (per verifying contract and primary type). A claim the signer could not verify is
refused.

Loaded from code or TOML::

    [chains.eth]
    networks = ["mainnet"]
    recipients = ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]
    max_per_tx = "0.5"              # whole coins (or per token: [chains.eth.tokens."0x..."])
    window = { amount = "2", seconds = 86400 }
    max_fee = "0.01"
    max_fee_ratio = 0.02            # the fee may be at most 2% of the amount
    allow_unlimited_approvals = false
    spenders = ["0x..."]            # who may be approved (default: the recipients allowlist)
    eip712_contracts = ["0x..."]    # typed data for these verifying contracts, any primary type

    [[chains.eth.typed_data]]        # typed data per (verifying contract, primary types)
    contract = "0x..."
    primary_types = ["Permit"]

    [[chains.eth.calls]]             # contract calls a dApp backend may sign
    contract = "0x..."
    functions = ["mint(uint256)", "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"]
    max_value = "0.1"               # native coin the call may carry (default 0)

    [[chains.sol.authority]]         # authority changes allowed (kind, and the new authority)
    kind = "nonce_authority"
    to = "..."
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from walletkit.crypto.hashes import keccak256
from walletkit.effects import (
    NATIVE,
    UNLIMITED_THRESHOLD,
    Approval,
    AuthorityChange,
    ContractCall,
    DataCarrier,
    Effect,
    FeeBound,
    Transfer,
    TypedDataSignature,
    Unverified,
)
from walletkit.errors import InvalidAddress, InvalidInput, PolicyViolation
from walletkit.registry import get_chain
from walletkit.signer.allowlist import Allowlist
from walletkit.signer.approvals import ApprovalRule, Approver, parse_approvers, parse_rules
from walletkit.units import format_units, parse_units


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


@dataclass(frozen=True, slots=True)
class Request:
    """A plain transfer as a request states it (kept for callers that judge a request without a
    transaction; the signer judges decoded effects)."""

    chain: str
    network: str
    to: str
    amount: int
    token: str | None
    fee: int
    approve: bool = False

    def effects(self) -> list[Effect]:
        """Return what the request says it does, as effects."""
        asset = NATIVE if self.token is None else _key(self.chain, self.token)
        main: Effect = (
            Approval(asset, self.to, None if self.amount >= UNLIMITED_THRESHOLD else self.amount)
            if self.approve
            else Transfer(asset, self.to, self.amount)
        )
        return [main, FeeBound(self.fee)]


@dataclass(frozen=True, slots=True)
class Policy:
    """Default deny: a chain not named here may not sign at all."""

    chains: Mapping[str, ChainRules]
    approvers: Mapping[str, Approver] = field(default_factory=dict)
    guard: GuardRules = GuardRules()

    def check(self, request: Request, spent_in_window: int = 0) -> None:
        """Judge a plain request (see :meth:`judge`); ``spent_in_window`` is of the request's asset."""
        asset = NATIVE if request.token is None else _key(request.chain, request.token)
        self.judge(request.chain, request.network, request.effects(), {asset: spent_in_window})

    def rules(self, chain: str, network: str) -> ChainRules:
        """Return the rules of a chain, checking that the chain and the network are allowed.

        Raises:
            PolicyViolation: ``chain_allowed`` or ``network_pinned``.
        """
        rules = self.chains.get(chain)
        if rules is None:
            raise PolicyViolation("chain_allowed", f"{chain} is not allowed by this policy")
        if network not in rules.networks:
            raise PolicyViolation(
                "network_pinned",
                f"{chain} {network} is not an allowed network ({', '.join(sorted(rules.networks))})",
            )
        return rules

    def judge(
        self, chain: str, network: str, effects: Sequence[Effect], spent: Mapping[str, int] | None = None
    ) -> dict[str, int]:
        """Allow every effect or raise; return what the transaction spends per asset (for the windows).

        Args:
            chain, network: where the transaction signs.
            effects: the decoded effects (:mod:`walletkit.effects`), canonical assets and addresses.
            spent: base units already spent per asset in each asset's rolling window.

        Returns:
            Base units per canonical asset that count against the windows: transfers, the value
            calls carry, and approvals (a spender may take what it is approved for).

        Raises:
            PolicyViolation: the first rule broken, named by ``rule``: ``chain_allowed``,
                ``network_pinned``, ``unverified``, ``recipient_allowlist``, ``token_allowed``,
                ``spender_allowlist``, ``no_unlimited_approvals``, ``contract_call``,
                ``authority_change``, ``max_per_tx``, ``rolling_window``, ``max_fee``,
                ``max_fee_ratio``, ``eip712_domain``, ``typed_data``.
        """
        rules = self.rules(chain, network)
        spent = spent or {}
        totals: dict[str, int] = {}
        fee = 0
        for effect in effects:
            if isinstance(effect, Unverified):
                raise PolicyViolation(
                    "unverified",
                    f"the transaction rests on a {effect.kind} claim about {effect.subject} that was not verified "
                    "(connect a client, or give the data that proves it)",
                )
            if isinstance(effect, Transfer):
                self._recipient(rules, chain, effect.to)
                limits = self._limits(rules, chain, effect.asset)
                # In a collection marked nft, transferFrom's third word is a token id: one token moves.
                moved = 1 if limits.nft and effect.token_id is None else effect.amount
                totals[effect.asset] = totals.get(effect.asset, 0) + moved
            elif isinstance(effect, Approval):
                amount = self._approval(rules, chain, effect)
                totals[effect.asset] = totals.get(effect.asset, 0) + amount
            elif isinstance(effect, ContractCall):
                self._call(rules, chain, effect)
                if effect.value:
                    totals[NATIVE] = totals.get(NATIVE, 0) + effect.value
            elif isinstance(effect, AuthorityChange):
                self._authority(rules, effect)
            elif isinstance(effect, FeeBound):
                fee += effect.amount
            elif isinstance(effect, TypedDataSignature):
                self._typed_data(rules, chain, effect)
            elif not isinstance(effect, DataCarrier):
                raise PolicyViolation("unknown_effect", f"an effect of kind {type(effect).__name__} is not judged")
        for asset, amount in totals.items():
            limits = self._limits(rules, chain, asset)
            if limits.max_per_tx is not None and amount > limits.max_per_tx:
                show = _shower(chain, asset, limits)
                raise PolicyViolation(
                    "max_per_tx", f"{show(amount)} is above the per-transaction limit of {show(limits.max_per_tx)}"
                )
            already = spent.get(asset, 0)
            if limits.window_amount is not None and already + amount > limits.window_amount:
                show = _shower(chain, asset, limits)
                raise PolicyViolation(
                    "rolling_window",
                    f"{show(already)} already spent in the last {limits.window_seconds} s; {show(amount)} more would "
                    f"pass the limit of {show(limits.window_amount)}",
                )
        show = _shower(chain, NATIVE, rules.native)
        if rules.max_fee is not None and fee > rules.max_fee:
            raise PolicyViolation("max_fee", f"fee {show(fee)} is above the cap of {show(rules.max_fee)}")
        native = totals.get(NATIVE, 0)
        pays_native = any(isinstance(e, Transfer) and e.asset == NATIVE for e in effects) or native > 0
        if rules.max_fee_ratio is not None and pays_native and fee > rules.max_fee_ratio * native:
            raise PolicyViolation(
                "max_fee_ratio", f"fee {show(fee)} is more than {rules.max_fee_ratio:.2%} of {show(native)}"
            )
        return totals

    # --- one rule each ------------------------------------------------------------------------

    @staticmethod
    def _recipient(rules: ChainRules, chain: str, to: str) -> None:
        if rules.recipients is None:
            return
        try:
            rules.recipients.check(to)
        except InvalidAddress:
            raise PolicyViolation("recipient_allowlist", f"{to} is not on the allowlist") from None

    @staticmethod
    def _limits(rules: ChainRules, chain: str, asset: str) -> Limits:
        if asset == NATIVE:
            return rules.native
        limits = rules.tokens.get(asset)
        if limits is None:
            raise PolicyViolation("token_allowed", f"token {asset} is not allowed on {chain}")
        return limits

    def _approval(self, rules: ChainRules, chain: str, effect: Approval) -> int:
        """Judge an approval; return what it counts against the window (0 for a revocation)."""
        listed = rules.tokens.get(effect.asset)
        # approve(x, 0) revokes an ERC-20 allowance but grants ERC-721 token #0: it is a revocation
        # (allowed for any spender) only on a listed token with decimals that is not an NFT.
        fungible = listed is not None and not listed.nft and bool(listed.decimals)
        nft = listed is not None and not fungible
        if effect.amount == 0 and (effect.all_tokens or fungible):
            return 0  # a revocation takes rights away: allowed for any spender
        limits = self._limits(rules, chain, effect.asset)
        allow = rules.spenders if rules.spenders is not None else rules.recipients
        if allow is not None:
            try:
                allow.check(effect.spender)
            except (PolicyViolation, InvalidAddress):
                raise PolicyViolation(
                    "spender_allowlist", f"{effect.spender} may not be approved to move {effect.asset}"
                ) from None
        if nft and not effect.all_tokens and effect.amount is not None:
            return 1  # approve(spender, tokenId): one token of the collection
        unlimited = (
            effect.amount is None
            or effect.all_tokens
            or effect.amount >= UNLIMITED_THRESHOLD
            or (limits.max_per_tx is not None and effect.amount > limits.max_per_tx)
        )
        if unlimited:
            if not rules.allow_unlimited_approvals:
                raise PolicyViolation(
                    "no_unlimited_approvals",
                    f"an approval of {effect.asset} to {effect.spender} is unlimited (or above the token's "
                    "per-transaction limit), which this policy does not allow",
                )
            return 0  # allowed as unlimited: the window cannot count it
        return int(effect.amount or 0)

    @staticmethod
    def _call(rules: ChainRules, chain: str, effect: ContractCall) -> None:
        for rule in rules.calls:
            if rule.contract != effect.contract:
                continue
            if rule.selectors is not None and (effect.selector or "") not in rule.selectors:
                continue
            if effect.value > rule.max_value:
                raise PolicyViolation(
                    "contract_call",
                    f"the call to {effect.contract} carries {effect.value}, above its limit of {rule.max_value}",
                )
            return
        what = f"function {effect.selector}" if effect.selector else "a call"
        raise PolicyViolation(
            "contract_call", f"{what} of {effect.contract} on {chain} is not on the policy's call allowlist"
        )

    @staticmethod
    def _authority(rules: ChainRules, effect: AuthorityChange) -> None:
        for rule in rules.authority:
            if rule.kind == effect.kind and (rule.to is None or rule.to == effect.new_authority):
                return
        raise PolicyViolation(
            "authority_change",
            f"{effect.kind} of {effect.target} to {effect.new_authority} is not allowed by this policy",
        )

    @staticmethod
    def _typed_data(rules: ChainRules, chain: str, effect: TypedDataSignature) -> None:
        if effect.chain_id is None:
            raise PolicyViolation("eip712_domain", "a typed-data domain without chainId can be replayed on any chain")
        contract = effect.contract
        if rules.eip712_contracts is not None and contract in rules.eip712_contracts:
            return
        if contract is not None and effect.primary_type in rules.typed_data.get(contract, frozenset()):
            return
        if rules.eip712_contracts is None and not rules.typed_data:
            raise PolicyViolation("eip712_domain", "this policy allows no typed-data signing")
        raise PolicyViolation(
            "eip712_domain",
            f"typed data {effect.primary_type} for verifying contract {contract!r} is not allowed on {chain}",
        )

    def check_typed_data(self, chain: str, network: str, domain: Mapping[str, Any], primary_type: str = "") -> None:
        """Raise PolicyViolation unless typed data for this domain's verifying contract is allowed."""
        rules = self.rules(chain, network)
        contract = domain.get("verifyingContract") if isinstance(domain, Mapping) else None
        if rules.eip712_contracts is None and not rules.typed_data:
            raise PolicyViolation("eip712_domain", "this policy allows no typed-data signing")
        try:
            canonical = get_chain(chain).validate_address(str(contract)) if contract else None
        except InvalidAddress:
            canonical = None
        chain_id = domain.get("chainId", 0) if isinstance(domain, Mapping) else None
        self._typed_data(rules, chain, TypedDataSignature(canonical, primary_type, 0 if chain_id is not None else None))

    def window_seconds(self, chain: str, asset: str | None) -> int:
        """The rolling window of an asset (seconds); ``asset`` None or "native" is the chain's coin."""
        rules = self.chains.get(chain)
        if rules is None:
            return 86_400
        if asset is None or asset == NATIVE:
            return rules.native.window_seconds
        try:
            limits = rules.tokens.get(asset) or rules.tokens.get(_key(chain, asset))
        except InvalidAddress:  # an asset no policy can list (an SPL "token-account:..."): judge() refuses it
            return 86_400
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
        known(_mapping(data, "policy"), ("chains", "approvers", "guard"), "")
        approvers = parse_approvers(_mapping(data, "policy").get("approvers"))
        for name, spec in _mapping(_mapping(data, "policy").get("chains", {}), "chains").items():
            plugin = get_chain(str(name))
            chain = plugin.spec.name
            where = f"chains.{name}"
            spec = known(_mapping(spec, where), CHAIN_KEYS, where)
            recipients = spec.get("recipients")
            tokens = {
                _key(chain, str(token)): _token_limits(limits, plugin.spec.decimals, f"{where}.tokens.{token}")
                for token, limits in _mapping(spec.get("tokens", {}), f"{where}.tokens").items()
            }
            contracts = spec.get("eip712_contracts")
            spenders = spec.get("spenders")
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
                typed_data=_typed_data_rules(chain, spec.get("typed_data", []), f"{where}.typed_data"),
                spenders=Allowlist(chain, _strings(spenders, f"{where}.spenders")) if spenders is not None else None,
                calls=_call_rules(chain, spec.get("calls", []), plugin.spec.decimals, f"{where}.calls"),
                authority=_authority_rules(chain, spec.get("authority", []), f"{where}.authority"),
                approvals=parse_rules(
                    spec.get("approvals"),
                    f"{where}.approvals",
                    approvers,
                    lambda asset, c=chain: NATIVE if asset == NATIVE else _key(c, asset),
                    lambda asset, value, here, c=chain, d=plugin.spec.decimals, t=tokens: _asset_amount(
                        c, d, t, asset, value, here
                    ),
                ),
                velocity=_velocity(spec.get("velocity"), f"{where}.velocity"),
            )
        return cls(chains, approvers, _guard(data.get("guard"), approvers))


# A policy arrives from a file someone edited: every field is checked for its type here, so a
# mistake is an InvalidInput naming the field, never a TypeError, and never a rule silently off.


CHAIN_KEYS = (
    "networks",
    "recipients",
    "max_per_tx",
    "window",
    "max_fee",
    "max_fee_ratio",
    "allow_unlimited_approvals",
    "eip712_contracts",
    "tokens",
    "typed_data",
    "spenders",
    "calls",
    "authority",
    "approvals",
    "velocity",
)
GUARD_KEYS = (
    "refusal_burst",
    "freeze_on_foreign_spend",
    "freeze_on_unknown_nonce",
    "freeze_on_unknown_spender",
    "freeze_on_drain",
    "unfreeze",
    "scope",
)


def _shower(chain: str, asset: str, limits: Limits) -> Callable[[int], str]:
    """How a refusal names an amount: whole coins as the policy is written, and the base units.

    >>> _shower("eth", "native", Limits())(15 * 10**17)
    '1.5 ETH (1500000000000000000 base units)'
    """
    if asset == NATIVE:
        spec = get_chain(chain).spec
        decimals, unit = spec.decimals, spec.symbol
    elif limits.decimals is not None and not limits.nft:
        decimals, unit = limits.decimals, f"of {asset}"
    else:
        return lambda amount: f"{amount} of {asset}"
    return lambda amount: f"{format_units(amount, decimals)} {unit} ({amount} base units)"


def known(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> Mapping[str, Any]:
    """Return ``table`` if it holds only ``allowed`` keys: a misspelt key is an error, never a rule
    silently off (a policy is default deny; ``max_per_txn`` must not mean "no limit")."""
    unknown = sorted(str(k) for k in table if k not in allowed)
    if unknown:
        raise InvalidInput(
            f"policy {where or 'file'} has unknown key(s) {', '.join(unknown)}; expected {', '.join(allowed)}"
        )
    return table


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
    window = known(_mapping(spec.get("window", {}), f"{where}.window"), ("amount", "seconds"), f"{where}.window")
    return Limits(
        max_per_tx=_amount(spec, "max_per_tx", decimals, where),
        window_amount=_amount(window, "amount", decimals, f"{where}.window"),
        window_seconds=_int(window.get("seconds", 86_400), f"{where}.window.seconds", low=1),
    )


def _token_limits(spec: Any, default_decimals: int, where: str) -> Limits:
    spec = known(_mapping(spec, where), ("decimals", "max_per_tx", "window", "nft"), where)
    decimals = _int(spec.get("decimals", default_decimals), f"{where}.decimals", high=77)
    nft = _bool(spec.get("nft", False), f"{where}.nft")
    return replace(_limits(spec, 0 if nft else decimals, where), decimals=0 if nft else decimals, nft=nft)


def _tables(value: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(f"policy {where} must be a list of tables ([[{where}]])")
    return [_mapping(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _address_or_name(chain: str, text: str) -> str:
    """A contract address in canonical form, or a name that is not an address (``create``, a TRON
    contract type such as ``FreezeBalanceV2Contract``)."""
    try:
        return get_chain(chain).validate_address(text)
    except InvalidAddress:
        if text.isidentifier():
            return text
        raise


def selector(signature: str) -> str:
    """Return the 4-byte selector of a function signature, as hex (``transfer(address,uint256)`` -> a9059cbb).

    >>> selector("transfer(address,uint256)")
    'a9059cbb'
    """
    compact = signature.replace(" ", "")
    if "(" not in compact or not compact.endswith(")"):
        raise InvalidInput(f"a function signature looks like name(type,type), got {signature!r}")
    return keccak256(compact.encode()).hex()[:8]


def _call_rules(chain: str, value: Any, decimals: int, where: str) -> tuple[CallRule, ...]:
    rules = []
    for i, entry in enumerate(_tables(value, where)):
        here = f"{where}[{i}]"
        known(entry, ("contract", "functions", "max_value"), here)
        contract = entry.get("contract")
        if not isinstance(contract, str):
            raise InvalidInput(f"policy {here}.contract must be an address (or a contract type name)")
        functions = entry.get("functions")
        selectors = None
        if functions is not None:
            selectors = frozenset(
                f[2:].lower() if f.startswith("0x") and len(f) == 10 else selector(f)
                for f in _strings(functions, f"{here}.functions")
            )
        rules.append(
            CallRule(_address_or_name(chain, contract), selectors, _amount(entry, "max_value", decimals, here) or 0)
        )
    return tuple(rules)


def _authority_rules(chain: str, value: Any, where: str) -> tuple[AuthorityRule, ...]:
    kinds = {
        "eip7702_delegation",
        "eip7702_delegation_any_chain",
        "nonce_authority",
        "spl_authority",
        "spl_close_account",
        "system_assign",
    }
    rules = []
    for i, entry in enumerate(_tables(value, where)):
        known(entry, ("kind", "to"), f"{where}[{i}]")
        kind = entry.get("kind")
        if kind not in kinds:
            raise InvalidInput(f"policy {where}[{i}].kind must be one of {', '.join(sorted(kinds))}, not {kind!r}")
        to = entry.get("to")
        if to is not None and not isinstance(to, str):
            raise InvalidInput(f"policy {where}[{i}].to must be an address")
        rules.append(AuthorityRule(kind, get_chain(chain).validate_address(to) if to else None))
    return tuple(rules)


def _typed_data_rules(chain: str, value: Any, where: str) -> Mapping[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for i, entry in enumerate(_tables(value, where)):
        known(entry, ("contract", "primary_types"), f"{where}[{i}]")
        contract = entry.get("contract")
        if not isinstance(contract, str):
            raise InvalidInput(f"policy {where}[{i}].contract must be the verifying contract's address")
        types = frozenset(_strings(entry.get("primary_types"), f"{where}[{i}].primary_types"))
        key = get_chain(chain).validate_address(contract)
        out[key] = out.get(key, frozenset()) | types
    return out


def _pair(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    table = known(_mapping(value, where), ("count", "seconds"), where)
    return (_int(table.get("count"), f"{where}.count", low=1), _int(table.get("seconds"), f"{where}.seconds", low=1))


def _velocity(value: Any, where: str) -> Velocity | None:
    if value is None:
        return None
    table = known(_mapping(value, where), ("transactions", "new_recipients", "cooldown"), where)
    return Velocity(
        transactions=_pair(table.get("transactions"), f"{where}.transactions"),
        new_recipients=_pair(table.get("new_recipients"), f"{where}.new_recipients"),
        cooldown=_int(table.get("cooldown", 0), f"{where}.cooldown"),
    )


def _guard(value: Any, approvers: Mapping[str, Approver]) -> GuardRules:
    if value is None:
        return GuardRules()
    table = known(_mapping(value, "guard"), GUARD_KEYS, "guard")
    unfreeze = known(_mapping(table.get("unfreeze", {}), "guard.unfreeze"), ("approvers", "required"), "guard.unfreeze")
    names = tuple(_strings(unfreeze.get("approvers", []), "guard.unfreeze.approvers"))
    unknown = [n for n in names if n not in approvers]
    if unknown:
        raise InvalidInput(f"policy guard.unfreeze.approvers names unknown approvers: {', '.join(unknown)}")
    required = _int(unfreeze.get("required", 1 if names else 0), "guard.unfreeze.required", high=max(len(names), 1))
    scope = table.get("scope", "account")
    if scope not in ("account", "all"):
        raise InvalidInput(f'policy guard.scope must be "account" or "all", not {scope!r}')
    return GuardRules(
        refusal_burst=_pair(table.get("refusal_burst"), "guard.refusal_burst"),
        freeze_on_foreign_spend=_bool(table.get("freeze_on_foreign_spend", True), "guard.freeze_on_foreign_spend"),
        freeze_on_unknown_nonce=_bool(table.get("freeze_on_unknown_nonce", True), "guard.freeze_on_unknown_nonce"),
        freeze_on_unknown_spender=_bool(
            table.get("freeze_on_unknown_spender", True), "guard.freeze_on_unknown_spender"
        ),
        freeze_on_drain=_bool(table.get("freeze_on_drain", True), "guard.freeze_on_drain"),
        unfreeze_approvers=names,
        unfreeze_required=required,
        scope=str(scope),
    )


def _asset_amount(chain: str, decimals: int, tokens: Mapping[str, Limits], asset: str, value: Any, where: str) -> int:
    """An amount in whole coins of the native coin or of a listed token (its policy decimals)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f'policy {where}.{asset} must be an amount in whole coins, as a string ("0.5")')
    if asset != NATIVE:
        key = _key(chain, asset)
        if key not in tokens:
            raise InvalidInput(f"policy {where}.{asset}: list the token under tokens first (its decimals)")
        listed = tokens[key].decimals
        decimals = listed if listed is not None else decimals
    return parse_units(str(value), decimals)


def _key(chain: str, token: str) -> str:
    """The canonical key of a token: its address in the chain's canonical form, or a TRC-10 id in decimal."""
    text = token.strip()
    return str(int(text)) if text.isdigit() else get_chain(chain).validate_address(text)
