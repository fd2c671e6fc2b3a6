"""Reading a policy file (TOML, or the same nested mappings): every table and field checked.

A policy arrives from a file someone edited: every field is checked for its type here, so a
mistake is an InvalidInput naming the field (or the unknown key), never a TypeError, and never a
rule silently off. :meth:`walletkit.signer.Policy.from_toml` and ``from_dict`` call
:func:`read_policy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from walletkit.crypto.hashes import keccak256
from walletkit.effects import NATIVE
from walletkit.errors import InvalidAddress, InvalidInput
from walletkit.registry import get_chain
from walletkit.signer.allowlist import Allowlist
from walletkit.signer.approvals import Approver, parse_approvers, parse_rules
from walletkit.signer.rules import AuthorityRule, CallRule, ChainRules, GuardRules, Limits, Velocity
from walletkit.units import parse_units


def read_policy(data: Mapping[str, Any]) -> tuple[dict[str, ChainRules], Mapping[str, Approver], GuardRules]:
    """Return the chains' rules, the approvers and the guard's rules of a policy's nested mappings.

    Raises:
        InvalidInput: a field of the wrong type or out of range, or an unknown key, naming it.
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
    return chains, approvers, _guard(data.get("guard"), approvers)


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
