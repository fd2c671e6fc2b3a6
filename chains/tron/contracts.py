"""TRON system contracts: each encodes its protobuf message and names its type.

Numbers and field layouts follow TRON's protocol (core/contract/*.proto, Tron.proto).
Addresses are 21 bytes (0x41 || 20); amounts in sun (1 TRX = 10^6 sun).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chains.tron import protobuf as pb
from walletkit.errors import InvalidTransaction

Resource = Literal["BANDWIDTH", "ENERGY", "TRON_POWER"]
_RESOURCE = {"BANDWIDTH": 0, "ENERGY": 1, "TRON_POWER": 2}
INT64_MAX = (1 << 63) - 1


def _int64(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise InvalidTransaction(f"{name} must be an integer in 0..2^63-1, got {value!r}")
    return value


def _resource(value: str) -> int:
    try:
        return _RESOURCE[value]
    except KeyError:
        raise InvalidTransaction(f"resource must be BANDWIDTH, ENERGY or TRON_POWER, got {value!r}") from None


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
    """TransferContract (type 1): send ``amount`` sun of TRX."""
    amount = _int64("amount", amount)
    return Contract(
        1,
        "TransferContract",
        pb.message([(1, owner), (2, to), (3, amount)]),
        {"owner_address": owner.hex(), "to_address": to.hex(), "amount": amount},
    )


def transfer_asset(owner: bytes, to: bytes, asset_name: bytes, amount: int) -> Contract:
    """TransferAssetContract (type 2): send a TRC-10 token named by its id (e.g. b"1000959")."""
    amount = _int64("amount", amount)
    return Contract(
        2,
        "TransferAssetContract",
        pb.message([(1, asset_name), (2, owner), (3, to), (4, amount)]),
        {"asset_name": asset_name.hex(), "owner_address": owner.hex(), "to_address": to.hex(), "amount": amount},
    )


def vote_witness(owner: bytes, votes: list[tuple[bytes, int]], support: bool = False) -> Contract:
    """VoteWitnessContract (type 4): vote with TRON Power for super representatives."""
    encoded = [pb.message([(1, address), (2, _int64("vote_count", count))]) for address, count in votes]
    return Contract(
        4,
        "VoteWitnessContract",
        pb.message([(1, owner), *pb.repeated(2, encoded), (3, support)]),
        {
            "owner_address": owner.hex(),
            "votes": [{"vote_address": a.hex(), "vote_count": c} for a, c in votes],
            **({"support": True} if support else {}),
        },
    )


def trigger_smart_contract(
    owner: bytes, contract: bytes, data: bytes, call_value: int = 0, call_token_value: int = 0, token_id: int = 0
) -> Contract:
    """TriggerSmartContract (type 31): call a contract (a TRC-20 transfer, for one)."""
    call_value = _int64("call_value", call_value)
    call_token_value = _int64("call_token_value", call_token_value)
    token_id = _int64("token_id", token_id)
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
    """FreezeBalanceV2Contract (type 54): stake TRX for bandwidth or energy (Stake 2.0)."""
    amount = _int64("frozen_balance", amount)
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
    """UnfreezeBalanceV2Contract (type 55): start unstaking (Stake 2.0)."""
    amount = _int64("unfreeze_balance", amount)
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
    """DelegateResourceContract (type 57): lend staked bandwidth or energy to another account."""
    amount = _int64("balance", amount)
    lock_period = _int64("lock_period", lock_period)
    return Contract(
        57,
        "DelegateResourceContract",
        pb.message(
            [(1, owner), (2, _resource(resource)), (3, amount), (4, receiver), (5, bool(lock)), (6, lock_period)]
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
    """UnDelegateResourceContract (type 58): take back delegated bandwidth or energy."""
    amount = _int64("balance", amount)
    return Contract(
        58,
        "UnDelegateResourceContract",
        pb.message([(1, owner), (2, _resource(resource)), (3, amount), (4, receiver)]),
        {
            "owner_address": owner.hex(),
            "receiver_address": receiver.hex(),
            "balance": amount,
            **({"resource": resource} if resource != "BANDWIDTH" else {}),
        },
    )
