"""TRON system contracts: each encodes its protobuf message and names its type.

Numbers and field layouts follow TRON's protocol (core/contract/*.proto, Tron.proto).
Addresses are 21 bytes (0x41 || 20); amounts in sun (1 TRX = 10^6 sun).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chains.tron import protobuf as pb
from walletkit.errors import InvalidAmount, InvalidTransaction

Resource = Literal["BANDWIDTH", "ENERGY", "TRON_POWER"]
_RESOURCE = {"BANDWIDTH": 0, "ENERGY": 1, "TRON_POWER": 2}
INT64_MAX = (1 << 63) - 1
TRX_PRECISION = 1_000_000  # sun per TRX: java-tron's least stake or delegation
MIN_TOKEN_ID = 1_000_000  # java-tron VMConstant.MIN_TOKEN_ID: TRC-10 ids are above it
MAX_VOTE_NUMBER = 30  # java-tron ChainConstant.MAX_VOTE_NUMBER
_LENDABLE = ("BANDWIDTH", "ENERGY")  # DelegateResource and UnDelegateResource take no TRON_POWER

# Each builder refuses what java-tron's actuator for the contract refuses on its own fields
# (actuator/src/main/java/org/tron/core/actuator/*Actuator.java, validate()); the quoted
# text is java-tron's. What depends on chain state (balances, existing accounts, network
# parameters such as the longest delegation lock) is the network's to judge.


def _int64(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise InvalidTransaction(f"{name} must be an integer in 0..2^63-1, got {value!r}")
    return value


def _amount(name: str, value: int, least: int, refusal: str) -> int:
    """An int64 amount of at least ``least`` sun (or token units); ``refusal`` is java-tron's text."""
    _int64(name, value)
    if value < least:
        raise InvalidAmount(f"{name} must be at least {least}, got {value} (java-tron: {refusal!r})")
    return value


def _not_self(owner: bytes, other: bytes, refusal: str) -> None:
    if owner == other:
        raise InvalidTransaction(f"the recipient is the sender's own address (java-tron: {refusal!r})")


def _resource(value: str, allowed: tuple[str, ...] = tuple(_RESOURCE)) -> int:
    if value not in allowed:
        raise InvalidTransaction(f"resource must be {' or '.join(allowed)}, got {value!r}")
    return _RESOURCE[value]


def trc10_id(value: object) -> int:
    """Return a TRC-10 token id given as ``"1002000"`` or ``1002000``: an integer above 1,000,000.

    Raises:
        InvalidTransaction: not a decimal integer in 1,000,001..2^63-1 (java-tron numbers
            TRC-10 tokens from 1,000,001; its VM: "tokenId must be > 1000000").
    """
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(text, str)
        or not (text.isascii() and text.isdigit())
        or not MIN_TOKEN_ID < int(text) <= INT64_MAX
    ):
        raise InvalidTransaction(f"a TRC-10 token id is a decimal integer above {MIN_TOKEN_ID}, got {value!r}")
    return int(text)


@dataclass(frozen=True, slots=True)
class Contract:
    """One contract of a transaction: its type number, type name and encoded parameter."""

    type_number: int
    type_name: str
    parameter: bytes
    json_value: dict[str, object]

    def encode(self) -> bytes:
        """Return the Transaction.Contract message."""
        any_message = pb.message([(1, f"type.googleapis.com/protocol.{self.type_name}".encode()), (2, self.parameter)])
        return pb.message([(1, self.type_number), (2, any_message)])


def transfer(owner: bytes, to: bytes, amount: int) -> Contract:
    """TransferContract (type 1): send ``amount`` sun of TRX.

    Raises:
        InvalidAmount: an amount of 0 (java-tron: "Amount must be greater than 0.").
        InvalidTransaction: ``to`` is ``owner`` (java-tron: "Cannot transfer TRX to yourself.").
    """
    amount = _amount("a TRX amount", amount, 1, "Amount must be greater than 0.")
    _not_self(owner, to, "Cannot transfer TRX to yourself.")
    return Contract(
        1,
        "TransferContract",
        pb.message([(1, owner), (2, to), (3, amount)]),
        {"owner_address": owner.hex(), "to_address": to.hex(), "amount": amount},
    )


def transfer_asset(owner: bytes, to: bytes, asset_name: bytes, amount: int) -> Contract:
    """TransferAssetContract (type 2): send a TRC-10 token named by its id (e.g. b"1000959").

    Raises:
        InvalidAmount: an amount of 0 (java-tron: "Amount must be greater than 0.").
        InvalidTransaction: ``to`` is ``owner`` (java-tron: "Cannot transfer asset to yourself."),
            or ``asset_name`` is not a token id.
    """
    amount = _amount("a TRC-10 amount", amount, 1, "Amount must be greater than 0.")
    _not_self(owner, to, "Cannot transfer asset to yourself.")
    canonical = str(trc10_id(asset_name.decode("ascii", "replace"))).encode("ascii")
    if asset_name != canonical:  # java-tron looks the asset up by these exact bytes
        raise InvalidTransaction(f"asset_name {asset_name!r} names no token; its id is written {canonical!r}")
    return Contract(
        2,
        "TransferAssetContract",
        pb.message([(1, asset_name), (2, owner), (3, to), (4, amount)]),
        {"asset_name": asset_name.hex(), "owner_address": owner.hex(), "to_address": to.hex(), "amount": amount},
    )


def vote_witness(owner: bytes, votes: list[tuple[bytes, int]], support: bool = False) -> Contract:
    """VoteWitnessContract (type 4): vote with TRON Power for super representatives.

    Raises:
        InvalidTransaction: no vote or more than 30 (java-tron: "VoteNumber must more than 0",
            "VoteNumber more than maxVoteNumber 30").
        InvalidAmount: a vote count of 0 (java-tron: "vote count must be greater than 0").
    """
    if not 1 <= len(votes) <= MAX_VOTE_NUMBER:
        raise InvalidTransaction(f"a vote names 1 to {MAX_VOTE_NUMBER} super representatives, got {len(votes)}")
    counts = [_amount("vote_count", count, 1, "vote count must be greater than 0") for _, count in votes]
    encoded = [pb.message([(1, address), (2, count)]) for (address, _), count in zip(votes, counts)]
    return Contract(
        4,
        "VoteWitnessContract",
        pb.message([(1, owner), *pb.repeated(2, encoded), (3, support)]),
        {
            "owner_address": owner.hex(),
            "votes": [{"vote_address": a.hex(), "vote_count": c} for (a, _), c in zip(votes, counts)],
            **({"support": True} if support else {}),
        },
    )


def trigger_smart_contract(
    owner: bytes, contract: bytes, data: bytes, call_value: int = 0, call_token_value: int = 0, token_id: int = 0
) -> Contract:
    """TriggerSmartContract (type 31): call a contract (a TRC-20 transfer, for one).

    Raises:
        InvalidTransaction: a ``token_id`` that is neither 0 nor above 1,000,000 (java-tron:
            "tokenId must be > 1000000"), or a ``call_token_value`` with no token id.
    """
    call_value = _int64("call_value", call_value)
    call_token_value = _int64("call_token_value", call_token_value)
    token_id = _int64("token_id", token_id)
    if token_id and token_id <= MIN_TOKEN_ID:
        raise InvalidTransaction(f"token_id is 0 or above {MIN_TOKEN_ID} (java-tron: 'tokenId must be > 1000000')")
    if call_token_value and not token_id:
        raise InvalidTransaction(f"call_token_value {call_token_value} needs the token_id of the TRC-10 token it sends")
    return Contract(
        31,
        "TriggerSmartContract",
        pb.message([(1, owner), (2, contract), (3, call_value), (4, data), (5, call_token_value), (6, token_id)]),
        {
            "owner_address": owner.hex(),
            "contract_address": contract.hex(),
            "data": data.hex(),
            **({"call_value": call_value} if call_value else {}),
            **({"call_token_value": call_token_value} if call_token_value else {}),
            **({"token_id": token_id} if token_id else {}),
        },
    )


def freeze_balance_v2(owner: bytes, amount: int, resource: Resource = "BANDWIDTH") -> Contract:
    """FreezeBalanceV2Contract (type 54): stake TRX for bandwidth, energy or TRON Power (Stake 2.0).

    Raises:
        InvalidAmount: less than 1 TRX (java-tron: "frozenBalance must be greater than or equal to 1 TRX").
    """
    amount = _amount("frozen_balance", amount, TRX_PRECISION, "frozenBalance must be greater than or equal to 1 TRX")
    return Contract(
        54,
        "FreezeBalanceV2Contract",
        pb.message([(1, owner), (2, amount), (3, _resource(resource))]),
        {
            "owner_address": owner.hex(),
            "frozen_balance": amount,
            **({"resource": resource} if resource != "BANDWIDTH" else {}),
        },
    )


def unfreeze_balance_v2(owner: bytes, amount: int, resource: Resource = "BANDWIDTH") -> Contract:
    """UnfreezeBalanceV2Contract (type 55): start unstaking (Stake 2.0).

    Raises:
        InvalidAmount: an amount of 0 (java-tron: "Invalid unfreeze_balance, [0] is error").
    """
    amount = _amount("unfreeze_balance", amount, 1, "Invalid unfreeze_balance, [0] is error")
    return Contract(
        55,
        "UnfreezeBalanceV2Contract",
        pb.message([(1, owner), (2, amount), (3, _resource(resource))]),
        {
            "owner_address": owner.hex(),
            "unfreeze_balance": amount,
            **({"resource": resource} if resource != "BANDWIDTH" else {}),
        },
    )


def withdraw_expire_unfreeze(owner: bytes) -> Contract:
    """WithdrawExpireUnfreezeContract (type 56): withdraw unstaked TRX whose wait has passed."""
    return Contract(56, "WithdrawExpireUnfreezeContract", pb.message([(1, owner)]), {"owner_address": owner.hex()})


def delegate_resource(
    owner: bytes,
    receiver: bytes,
    amount: int,
    resource: Resource = "BANDWIDTH",
    lock: bool = False,
    lock_period: int = 0,
) -> Contract:
    """DelegateResourceContract (type 57): lend staked bandwidth or energy to another account.

    ``lock_period`` (in blocks) is read by the network only with ``lock``.

    Raises:
        InvalidAmount: less than 1 TRX (java-tron: "delegateBalance must be greater than or equal to 1 TRX").
        InvalidTransaction: ``receiver`` is ``owner`` (java-tron: "receiverAddress must not be the
            same as ownerAddress"), a resource other than BANDWIDTH or ENERGY, or a ``lock_period``
            without ``lock`` (the network would ignore it).
    """
    amount = _amount("balance", amount, TRX_PRECISION, "delegateBalance must be greater than or equal to 1 TRX")
    _not_self(owner, receiver, "receiverAddress must not be the same as ownerAddress")
    lock_period = _int64("lock_period", lock_period)
    if not isinstance(lock, bool):
        raise InvalidTransaction(f"lock is True or False, got {lock!r}")
    if lock_period and not lock:
        raise InvalidTransaction(
            f"lock_period {lock_period} is read only with lock=True; without it the network ignores the period"
        )
    return Contract(
        57,
        "DelegateResourceContract",
        pb.message(
            [
                (1, owner),
                (2, _resource(resource, _LENDABLE)),
                (3, amount),
                (4, receiver),
                (5, bool(lock)),
                (6, lock_period),
            ]
        ),
        {
            "owner_address": owner.hex(),
            "receiver_address": receiver.hex(),
            "balance": amount,
            **({"resource": resource} if resource != "BANDWIDTH" else {}),
            **({"lock": True} if lock else {}),
            **({"lock_period": lock_period} if lock_period else {}),
        },
    )


def undelegate_resource(owner: bytes, receiver: bytes, amount: int, resource: Resource = "BANDWIDTH") -> Contract:
    """UnDelegateResourceContract (type 58): take back delegated bandwidth or energy.

    Raises:
        InvalidAmount: an amount of 0 (java-tron: "unDelegateBalance must be more than 0 TRX").
        InvalidTransaction: ``receiver`` is ``owner``, or a resource other than BANDWIDTH or ENERGY.
    """
    amount = _amount("balance", amount, 1, "unDelegateBalance must be more than 0 TRX")
    _not_self(owner, receiver, "receiverAddress must not be the same as ownerAddress")
    return Contract(
        58,
        "UnDelegateResourceContract",
        pb.message([(1, owner), (2, _resource(resource, _LENDABLE)), (3, amount), (4, receiver)]),
        {
            "owner_address": owner.hex(),
            "receiver_address": receiver.hex(),
            "balance": amount,
            **({"resource": resource} if resource != "BANDWIDTH" else {}),
        },
    )
