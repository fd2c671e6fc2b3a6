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
from walletkit.errors import (
    ChainMismatch,
    InvalidAddress,
    InvalidInput,
    InvalidMessage,
    PolicyViolation,
    UnsupportedOperation,
)
from walletkit.registry import get_chain
from walletkit.signer.approvals import Approver
from walletkit.signer.policy_file import _key as _key
from walletkit.signer.policy_file import known as known
from walletkit.signer.policy_file import read_policy
from walletkit.signer.policy_file import selector as selector  # kept importable from here
from walletkit.signer.rules import AuthorityRule as AuthorityRule
from walletkit.signer.rules import CallRule as CallRule
from walletkit.signer.rules import ChainRules, GuardRules, Limits
from walletkit.signer.rules import Velocity as Velocity
from walletkit.units import format_units


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
    guard: GuardRules = field(default_factory=GuardRules)

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

    def resolved(self, chain: str, effects: Sequence[Effect]) -> list[Effect]:
        """Return ``effects`` with each token id of a collection marked ``nft`` read as one token.

        ERC-721's ``transferFrom(from, to, id)`` and ``approve(spender, id)`` decode as an amount
        (the decoder cannot tell a collection from an ERC-20); in an entry marked ``nft`` they are
        ``Transfer``/``Approval`` of 1 with ``token_id`` id, as the policy counts them. Every rule
        after the policy (approval rules, velocity, counterparties) then reads token #0 as a token,
        not as a revocation or as nothing moved. Other effects are returned as they are.
        """
        rules = self.chains.get(chain)
        if rules is None or not any(limits.nft for limits in rules.tokens.values()):
            return list(effects)
        out: list[Effect] = []
        for e in effects:
            if isinstance(e, (Transfer, Approval)) and e.token_id is None and e.amount is not None:
                listed = rules.tokens.get(e.asset)
                if listed is not None and listed.nft and not (isinstance(e, Approval) and e.all_tokens):
                    e = replace(e, amount=1, token_id=e.amount)
            out.append(e)
        return out

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
        # Amounts are token ids only in an entry marked nft (as for transfers): a fungible token
        # with 0 decimals is not a collection, or approve(x, n) would count 1 whatever n.
        nft = listed is not None and listed.nft
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
        """Raise PolicyViolation unless typed data for this domain's verifying contract is allowed.

        ``domain["chainId"]`` is an integer, or its decimal or ``0x`` hex text (as
        ``eth_signTypedData_v4`` takes it); it must be the chain id of ``chain`` on ``network``
        (EVM: EIP-155's; TRON: TIP-712's, the genesis block id's low 32 bits).

        Raises:
            PolicyViolation: ``chain_allowed``, ``network_pinned``, or ``eip712_domain`` (no typed data
                allowed, a verifying contract or primary type not allowed, or a domain without
                ``chainId``, which can be replayed on any chain).
            ChainMismatch: the domain's ``chainId`` is another chain's.
            InvalidMessage: a ``chainId`` that is not a non-negative integer.
            UnsupportedOperation: the chain has no typed data.
        """
        rules = self.rules(chain, network)
        contract = domain.get("verifyingContract") if isinstance(domain, Mapping) else None
        if rules.eip712_contracts is None and not rules.typed_data:
            raise PolicyViolation("eip712_domain", "this policy allows no typed-data signing")
        try:
            canonical = get_chain(chain).validate_address(str(contract)) if contract else None
        except InvalidAddress:
            canonical = None
        # A domain without chainId can be replayed on any chain: it is judged as such (refused), as
        # Signer.sign_typed_data refuses it; one with another chain's id is that chain's, refused too.
        given = domain.get("chainId") if isinstance(domain, Mapping) else None
        chain_id = None if given is None else _domain_chain_id(given)
        if chain_id is not None:
            expected = _typed_data_chain_id(chain, network)
            if chain_id != expected:
                raise ChainMismatch(
                    f"typed data is for chain id {chain_id}, but {chain} {network} is chain id {expected}"
                )
        self._typed_data(rules, chain, TypedDataSignature(canonical, primary_type, chain_id))

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
        chains, approvers, guard = read_policy(data)
        return cls(chains, approvers, guard)


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


def _domain_chain_id(given: object) -> int:
    """An EIP-712 domain's ``chainId``: an int, or its decimal or ``0x`` hex text (eth_signTypedData_v4)."""
    if type(given) is int and given >= 0:
        return given
    if isinstance(given, str):
        text = given.strip()
        digits, base = (text[2:], 16) if text[:2].lower() == "0x" else (text, 10)
        if digits and digits.isascii() and digits.isalnum():
            try:
                return int(digits, base)
            except ValueError:
                pass
    raise InvalidMessage(f"a typed-data domain's chainId is a non-negative integer or its text, got {given!r}")


def _typed_data_chain_id(chain: str, network: str) -> int:
    """The chain id typed data signed on ``chain`` ``network`` must carry (the plugin's)."""
    of = getattr(get_chain(chain), "typed_data_chain_id", None)
    if not callable(of):
        raise UnsupportedOperation(f"{chain} has no typed-data signing")
    return int(of(network))
