"""What a TRON transaction does, decoded from the protobuf bytes it signs (not from its JSON view).

A :class:`~chains.tron.transaction.TronTransaction` carries its contract twice: the encoded
``parameter`` (what raw_data holds, so what the signature covers) and ``json_value`` (a view for
the HTTP API). Only the bytes are read here, so a transaction prepared elsewhere cannot show one
recipient and pay another.

- TransferContract: a native :class:`Transfer` (sun).
- TransferAssetContract: a TRC-10 :class:`Transfer`; the asset is the token id in decimal.
- TriggerSmartContract: calldata decoded as TRC-20 / TRC-721 calls by
  :func:`walletkit.effects_abi.decode_call`; ``call_value`` is native value sent to the contract.
  ``call_token_value`` (TRC-10 sent with the call) is a TRC-10 transfer to the contract.
- CreateSmartContract: a :class:`ContractCall` (contract ``CreateSmartContract``) carrying the
  new contract's ``call_value``; ``call_token_value`` is a TRC-10 transfer to the new contract.
- AccountPermissionUpdateContract: an :class:`AuthorityChange` (``tron_permission``) of the owner.
- Anything else (staking, votes): a :class:`ContractCall` named by the contract type
  (``FreezeBalanceV2Contract``...), refused unless the policy names it. The name comes from the
  type number java-tron acts on (Tron.proto ``ContractType``), never from the name the
  transaction carries: a transaction whose type_url names another type is refused.
- Fee bound (sun): ``fee_limit`` (energy), plus bandwidth burnt at 1,000 sun a byte for the
  signed ``Transaction`` message (raw_data and signature, with their protobuf framing, as
  java-tron's BandwidthProcessor counts it) and the 64-byte result java-tron reserves, plus 1 TRX
  when a memo is set (the memo fee, proposal 68), plus 1.1 TRX for a contract that may create an
  account (1 TRX creation fee and 0.1 TRX of creation bandwidth; offline, whether the recipient
  exists is unknown, so the bound assumes it does not), plus the fixed fee of the system contracts
  that burn one (witness creation 9,999 TRX, asset issue and exchange creation 1,024 TRX each,
  permission update 100 TRX: mainnet's chain parameters, which the committee may change).
"""

from __future__ import annotations

from chains.tron.address import to_base58
from chains.tron.transaction import TronTransaction
from walletkit.effects import AuthorityChange, ContractCall, Effect, FeeBound, Transfer
from walletkit.effects_abi import decode_call
from walletkit.errors import InvalidTransaction

BANDWIDTH_SUN_PER_BYTE = 1_000
RESULT_BYTES = 64  # java-tron's MAX_RESULT_SIZE_IN_TX, charged with every transaction
SIGNATURE_BYTES = 67  # a 65-byte signature and its protobuf framing (tag, length)
MEMO_FEE = 1_000_000
ACCOUNT_CREATION = 1_100_000
# Tron.proto Transaction.Contract.ContractType: the number java-tron dispatches on.
_NAMES = {
    0: "AccountCreateContract",
    1: "TransferContract",
    2: "TransferAssetContract",
    3: "VoteAssetContract",
    4: "VoteWitnessContract",
    5: "WitnessCreateContract",
    6: "AssetIssueContract",
    8: "WitnessUpdateContract",
    9: "ParticipateAssetIssueContract",
    10: "AccountUpdateContract",
    11: "FreezeBalanceContract",
    12: "UnfreezeBalanceContract",
    13: "WithdrawBalanceContract",
    14: "UnfreezeAssetContract",
    15: "UpdateAssetContract",
    16: "ProposalCreateContract",
    17: "ProposalApproveContract",
    18: "ProposalDeleteContract",
    19: "SetAccountIdContract",
    20: "CustomContract",
    30: "CreateSmartContract",
    31: "TriggerSmartContract",
    32: "GetContract",
    33: "UpdateSettingContract",
    41: "ExchangeCreateContract",
    42: "ExchangeInjectContract",
    43: "ExchangeWithdrawContract",
    44: "ExchangeTransactionContract",
    45: "UpdateEnergyLimitContract",
    46: "AccountPermissionUpdateContract",
    48: "ClearABIContract",
    49: "UpdateBrokerageContract",
    51: "ShieldedTransferContract",
    52: "MarketSellAssetContract",
    53: "MarketCancelOrderContract",
    54: "FreezeBalanceV2Contract",
    55: "UnfreezeBalanceV2Contract",
    56: "WithdrawExpireUnfreezeContract",
    57: "DelegateResourceContract",
    58: "UnDelegateResourceContract",
    59: "CancelAllUnfreezeV2Contract",
}
# Fees burnt by system contracts (sun), at mainnet's chain parameters: AccountUpgradeCost,
# AssetIssueFee, ExchangeCreateFee, UpdateAccountPermissionFee.
_CONTRACT_FEES = {5: 9_999_000_000, 6: 1_024_000_000, 41: 1_024_000_000, 46: 100_000_000}


def _fields(data: bytes) -> dict[int, list[int | bytes]]:
    """Read a protobuf message into field number -> values (varints as int, length-delimited as bytes).

    Written here because TRON's schema is a handful of fields and the protobuf runtime would need
    generated classes; any other wire type (or a truncated field) makes the message undecodable.
    """
    out: dict[int, list[int | bytes]] = {}
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            out.setdefault(number, []).append(value)
        elif wire == 2:
            size, i = _varint(data, i)
            if i + size > len(data):
                raise InvalidTransaction("a TRON contract parameter is truncated")
            out.setdefault(number, []).append(data[i : i + size])
            i += size
        else:
            raise InvalidTransaction(f"a TRON contract parameter has wire type {wire}, which the decoder does not read")
    return out


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise InvalidTransaction("a TRON contract parameter has a malformed varint")
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        shift += 7
        if not byte & 0x80:
            return value, i


def _one(fields: dict[int, list[int | bytes]], number: int, kind: type, default: object = None) -> object:
    values = fields.get(number, [])
    if len(values) > 1:
        raise InvalidTransaction(f"a TRON contract parameter repeats field {number}")
    if not values:
        if default is None:
            raise InvalidTransaction(f"a TRON contract parameter lacks field {number}")
        return default
    if not isinstance(values[0], kind):
        raise InvalidTransaction(f"a TRON contract parameter has the wrong type in field {number}")
    return values[0]


def _address(value: object) -> str:
    if not isinstance(value, bytes) or len(value) != 21 or value[0] != 0x41:
        raise InvalidTransaction("a TRON address in a contract is 21 bytes starting 0x41")
    return to_base58(value)


def _varint_size(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


def fee_bound(tx: TronTransaction, *, may_create_account: bool) -> int:
    """Return the most ``tx`` can burn, in sun (see the module docstring)."""
    raw = len(tx.raw_data())
    # Transaction { raw_data = 1; signature = 2 }: each field is a tag, a length and the bytes.
    size = 1 + _varint_size(raw) + raw + SIGNATURE_BYTES + RESULT_BYTES
    bound = tx.fee_limit + size * BANDWIDTH_SUN_PER_BYTE + _CONTRACT_FEES.get(tx.contract.type_number, 0)
    if tx.memo:
        bound += MEMO_FEE
    if may_create_account:
        bound += ACCOUNT_CREATION
    return bound


def effects(account_address: str, tx: object) -> list[Effect]:
    """Return the effects of a :class:`TronTransaction` signed by ``account_address`` (base58).

    Raises:
        InvalidTransaction: not a TronTransaction, or a contract parameter that does not parse.
    """
    if not isinstance(tx, TronTransaction):
        raise InvalidTransaction(f"expected a TronTransaction, got {type(tx).__name__}")
    contract = tx.contract
    expected_name = _NAMES.get(contract.type_number)
    if expected_name is None:
        raise InvalidTransaction(f"contract type {contract.type_number} is not a TRON contract type")
    if contract.type_name != expected_name:
        raise InvalidTransaction(
            f"contract type {contract.type_number} is {expected_name}, but the transaction names {contract.type_name}"
        )
    fields = _fields(contract.parameter)
    out: list[Effect] = []
    if contract.type_number in (1, 2):
        owner_at, to_at, amount_at = (1, 2, 3) if contract.type_number == 1 else (2, 3, 4)
        owner = _address(_one(fields, owner_at, bytes))
        to = _address(_one(fields, to_at, bytes))
        amount = int(_one(fields, amount_at, int, 0))  # type: ignore[call-overload]
        source = None if owner == account_address else owner
        if contract.type_number == 1:
            out.append(Transfer("native", to, amount, source=source))
        else:
            asset = _asset_id(_one(fields, 1, bytes))
            out.append(Transfer(asset, to, amount, source=source))
        out.append(FeeBound(fee_bound(tx, may_create_account=True), contract.type_name))
        return out
    if contract.type_number == 31:
        owner = _address(_one(fields, 1, bytes))
        target = _address(_one(fields, 2, bytes))
        call_value = int(_one(fields, 3, int, 0))  # type: ignore[call-overload]
        data = _one(fields, 4, bytes, b"")
        token_value = int(_one(fields, 5, int, 0))  # type: ignore[call-overload]
        token_id = int(_one(fields, 6, int, 0))  # type: ignore[call-overload]
        assert isinstance(data, bytes)  # _one checked the type
        owner20 = bytes.fromhex(_hex(owner))
        out += decode_call(target, data, call_value, owner20, lambda a: to_base58(b"\x41" + a))
        if owner != account_address:
            out = [_from_owner(e, owner) for e in out]
        if token_value:
            out.append(Transfer(str(token_id), target, token_value))
        out.append(FeeBound(fee_bound(tx, may_create_account=False), contract.type_name))
        return out
    if contract.type_number == 30:
        # CreateSmartContract { owner_address = 1; new_contract = 2; call_token_value = 3; token_id = 4 }
        new_contract = _one(fields, 2, bytes, b"")
        assert isinstance(new_contract, bytes)  # _one checked the type
        call_value = int(_one(_fields(new_contract), 5, int, 0))  # type: ignore[call-overload]  # SmartContract.call_value
        out.append(ContractCall(expected_name, None, call_value, "contract creation"))
        token_value = int(_one(fields, 3, int, 0))  # type: ignore[call-overload]
        if token_value:
            out.append(Transfer(str(int(_one(fields, 4, int, 0))), "create", token_value))  # type: ignore[call-overload]
    elif contract.type_number == 46:
        # AccountPermissionUpdateContract { owner_address = 1; owner = 2; witness = 3; actives = 4 }
        out.append(AuthorityChange("tron_permission", _address(_one(fields, 1, bytes)), None))
    else:
        out.append(ContractCall(expected_name, None, 0, f"TRON contract type {contract.type_number}"))
    out.append(FeeBound(fee_bound(tx, may_create_account=contract.type_number == 0), expected_name))
    return out


def _asset_id(raw: object) -> str:
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else ""
    if not text.isdigit() or len(text) > 19:
        raise InvalidTransaction(f"a TRC-10 asset is named by its numeric id, got {text[:40]!r}")
    return str(int(text))


def _hex(base58: str) -> str:
    from chains.tron.address import parse_address

    return parse_address(base58)[1:].hex()


def _from_owner(effect: Effect, owner: str) -> Effect:
    from dataclasses import replace

    if isinstance(effect, Transfer) and effect.source is None:
        return replace(effect, source=owner)
    return effect
