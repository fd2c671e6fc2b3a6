"""Stake 2.0 and voting from an account: each returns an unsigned :class:`TronTransaction`.

>>> import walletkit as wk
>>> from chains.tron import staking
>>> acct = wk.Account.from_private_key("tron", "01" * 32)
>>> tx = staking.freeze(acct, 1_000_000, "ENERGY", ref_block_bytes="0001", ref_block_hash="00" * 8,
...                     timestamp=1_700_000_000_000)
>>> tx.contract.type_name
'FreezeBalanceV2Contract'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chains.tron import contracts
from chains.tron.address import parse_address
from chains.tron.transaction import TronTransaction
from chains.tron.transfer import build

if TYPE_CHECKING:
    from chains.tron.contracts import Resource
    from walletkit.account import Account


def freeze(account: Account, amount: int, resource: Resource = "BANDWIDTH", **fields: object) -> TronTransaction:
    """Stake ``amount`` sun for bandwidth or energy (FreezeBalanceV2)."""
    return build(contracts.freeze_balance_v2(parse_address(account.address), amount, resource), fields)


def unfreeze(account: Account, amount: int, resource: Resource = "BANDWIDTH", **fields: object) -> TronTransaction:
    """Start unstaking ``amount`` sun (UnfreezeBalanceV2)."""
    return build(contracts.unfreeze_balance_v2(parse_address(account.address), amount, resource), fields)


def withdraw_unfrozen(account: Account, **fields: object) -> TronTransaction:
    """Withdraw unstaked TRX whose waiting period has passed (WithdrawExpireUnfreeze)."""
    return build(contracts.withdraw_expire_unfreeze(parse_address(account.address)), fields)


def delegate(
    account: Account,
    receiver: str,
    amount: int,
    resource: Resource = "BANDWIDTH",
    *,
    lock: bool = False,
    lock_period: int = 0,
    **fields: object,
) -> TronTransaction:
    """Lend staked bandwidth or energy to ``receiver`` (DelegateResource)."""
    contract = contracts.delegate_resource(
        parse_address(account.address), parse_address(receiver), amount, resource, lock, lock_period
    )
    return build(contract, fields)


def undelegate(
    account: Account, receiver: str, amount: int, resource: Resource = "BANDWIDTH", **fields: object
) -> TronTransaction:
    """Take back delegated bandwidth or energy (UnDelegateResource)."""
    return build(
        contracts.undelegate_resource(parse_address(account.address), parse_address(receiver), amount, resource), fields
    )


def vote(account: Account, votes: dict[str, int], **fields: object) -> TronTransaction:
    """Vote for super representatives with TRON Power (VoteWitness)."""
    pairs = [(parse_address(address), count) for address, count in votes.items()]
    return build(contracts.vote_witness(parse_address(account.address), pairs), fields)
