"""What a transaction does, as chain-agnostic values: the signer judges these, never the request.

Each chain plugin decodes the exact transaction it is about to sign into a list of effects
(``Chain.effects(account, tx)``); :class:`walletkit.signer.Policy` judges only that list. The
types are small frozen values, and every address and asset in them is in the chain's canonical
form (EIP-55 for EVM, base58 ``T…`` for TRON, base58 for Solana, the address or ``script:<hex>``
for Bitcoin), so one token written five ways is still one asset.

Effect kinds:

=====================  =====================================================================
:class:`Transfer`      value that leaves, per recipient: native coin (``asset="native"``), a
                       fungible token (asset = its canonical contract, mint or TRC-10 id), or
                       an NFT (``token_id`` set). ``source`` is set when the account moves
                       someone else's tokens (ERC-20 ``transferFrom``, Permit2 transfer-from).
:class:`Approval`      a spender may move the account's tokens: ERC-20 ``approve`` and
                       ``increaseAllowance``, ``setApprovalForAll`` (``all_tokens``), SPL
                       ``Approve``, EIP-2612 / DAI / Permit2 permits. ``amount`` None is unlimited.
:class:`ContractCall`  a call the decoder does not understand: contract and 4-byte selector
                       (EVM, TRON) or program id (Solana), with the native ``value`` it carries.
:class:`AuthorityChange` a change of who controls something: EIP-7702 delegation, a durable-
                       nonce authority, SPL ``SetAuthority``, SPL ``CloseAccount``, a System
                       ``Assign``.
:class:`FeeBound`      the most the transaction can pay in fees, from what its type really pays.
:class:`DataCarrier`   data with no value: a zero-value Bitcoin OP_RETURN, a memo.
:class:`Unverified`    a claim the decoder cannot check offline (a lookup table's contents, a
                       legacy input's value): the signer resolves it through a client or refuses.
:class:`TypedDataSignature` an EIP-712 / TIP-712 signature: verifying contract and primary type.
=====================  =====================================================================

Amounts are integers in base units (sat, wei, sun, lamports, token base units).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

NATIVE = "native"
UNLIMITED_THRESHOLD = (1 << 256) - 1  # an approval of 2^256-1 (or more) is unlimited everywhere


@dataclass(frozen=True, slots=True)
class Transfer:
    """Value leaving: ``amount`` base units of ``asset`` to ``to`` (``token_id`` for an NFT).

    >>> Transfer("native", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 10**15).amount
    1000000000000000
    """

    asset: str
    to: str
    amount: int
    token_id: int | None = None
    source: str | None = None  # None: the account's own holdings


@dataclass(frozen=True, slots=True)
class Approval:
    """``spender`` may move ``amount`` of ``asset`` (None: unlimited; with ``all_tokens`` every NFT, and
    amount 0 with ``all_tokens`` revokes that: ``setApprovalForAll(spender, false)``)."""

    asset: str
    spender: str
    amount: int | None
    all_tokens: bool = False
    token_id: int | None = None
    deadline: int | None = None  # seconds since the epoch, when the approval says


@dataclass(frozen=True, slots=True)
class ContractCall:
    """A call not decoded into transfers: ``contract`` (or program), its ``selector`` (hex, no 0x; None
    for a Solana program or a call with no data), and the native ``value`` it carries."""

    contract: str
    selector: str | None
    value: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuthorityChange:
    """``target`` (an account, a nonce account, a token account) gets ``new_authority`` for ``kind``.

    Kinds: ``eip7702_delegation``, ``eip7702_delegation_any_chain`` (an authorization for chain id 0,
    valid on every EVM chain), ``nonce_authority``, ``spl_authority``, ``spl_close_account``
    (``new_authority`` receives the closed account's lamports), ``system_assign``,
    ``tron_permission``.
    """

    kind: str
    target: str
    new_authority: str | None


@dataclass(frozen=True, slots=True)
class FeeBound:
    """The most the transaction can pay in fees, in native base units."""

    amount: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DataCarrier:
    """Data attached with no value (a zero-value OP_RETURN, a memo); ``size`` in bytes."""

    kind: str
    size: int


@dataclass(frozen=True, slots=True)
class Unverified:
    """A claim the transaction rests on that cannot be checked offline.

    ``kind`` is ``lookup_table`` (``subject`` the table address, ``claim`` the addresses it is
    said to hold at the indexes used) or ``input_value`` (``subject`` the outpoint, ``claim``
    the value in sat as text).
    """

    kind: str
    subject: str
    claim: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TypedDataSignature:
    """An EIP-712 (or TIP-712) signature for ``contract`` over a ``primary_type`` message."""

    contract: str | None
    primary_type: str
    chain_id: int | None
    fields: Mapping[str, str] = field(default_factory=dict)


Effect = Union[Transfer, Approval, ContractCall, AuthorityChange, FeeBound, DataCarrier, Unverified, TypedDataSignature]
EFFECT_TYPES = (
    Transfer,
    Approval,
    ContractCall,
    AuthorityChange,
    FeeBound,
    DataCarrier,
    Unverified,
    TypedDataSignature,
)


def describe(effect: Effect) -> dict[str, str]:
    """Return an effect as a flat text mapping (the audit trail records these).

    >>> describe(FeeBound(21000))
    {'effect': 'fee', 'amount': '21000', 'detail': ''}
    """
    name = {
        Transfer: "transfer",
        Approval: "approval",
        ContractCall: "call",
        AuthorityChange: "authority",
        FeeBound: "fee",
        DataCarrier: "data",
        Unverified: "unverified",
        TypedDataSignature: "typed_data",
    }[type(effect)]
    out = {"effect": name}
    for key in effect.__slots__:  # type: ignore[union-attr]
        value = getattr(effect, key)
        out[key] = ",".join(value) if isinstance(value, tuple) else ("" if value is None else str(value))
    return out


def outflows(effects: list[Effect]) -> dict[str, int]:
    """Return the total leaving per asset (transfers, call values and fees), in base units.

    >>> outflows([Transfer("native", "a", 5), FeeBound(2), Transfer("native", "b", 1)])
    {'native': 8}
    """
    total: dict[str, int] = {}
    for e in effects:
        if isinstance(e, Transfer):  # NFTs count one per token; a transfer-from counts like our own
            total[e.asset] = total.get(e.asset, 0) + e.amount
        elif isinstance(e, ContractCall) and e.value:
            total[NATIVE] = total.get(NATIVE, 0) + e.value
        elif isinstance(e, FeeBound):
            total[NATIVE] = total.get(NATIVE, 0) + e.amount
    return total
