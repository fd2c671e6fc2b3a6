"""EVM signing: EIP-1559 transactions and EIP-191 messages, walletkit vs eth-account.

The limit is the raw primitive: Keccak-256 of the payload plus one libsecp256k1
recoverable signature (coincurve), with nothing else around it.
"""

from __future__ import annotations

from collections.abc import Callable

import coincurve
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct

from bench.common import Row, measure_together, row
from walletkit.account import Account
from walletkit.crypto.hashes import keccak256

KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TO = "0xF0109fC8DF283027b6285cc889F5aA624EaC1F55"


def run(quick: bool) -> list[Row]:
    """Measure EIP-1559 and EIP-191 signing."""
    account = Account.from_private_key("eth", KEY)
    fields = {"nonce": 7, "gas": 21000, "max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}
    prebuilt = account.transfer(TO, 10**18, **fields)
    eth_tx = {
        "to": TO,
        "value": 10**18,
        "nonce": 7,
        "gas": 21000,
        "maxFeePerGas": 30 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "chainId": 1,
        "type": 2,
    }
    eth_local = EthAccount.from_key(KEY)
    payload = bytes([2]) + bytes(110)
    secret = coincurve.PrivateKey(bytes.fromhex(KEY[2:]))
    w = "sign an EIP-1559 transfer"
    impls = [
        ("walletkit transfer()+sign()", "walletkit", lambda: account.sign(account.transfer(TO, 10**18, **fields))),
        ("walletkit sign() of a built tx", "walletkit", lambda: account.sign(prebuilt)),
        ("eth-account Account.sign_transaction", "anchor", lambda: EthAccount.sign_transaction(eth_tx, KEY)),
        ("eth-account LocalAccount.sign_transaction", "anchor", lambda: eth_local.sign_transaction(eth_tx)),
        (
            "keccak + coincurve recoverable sign (limit)",
            "limit",
            lambda: secret.sign_recoverable(keccak256(payload), hasher=None),
        ),
    ]
    rows = _rows(w, impls, quick)
    message = "Sign in to example.org: nonce 8f2a"
    impls = [
        ("walletkit sign_message", "walletkit", lambda: account.sign_message(message)),
        (
            "eth-account sign_message(encode_defunct)",
            "anchor",
            lambda: EthAccount.sign_message(encode_defunct(text=message), KEY),
        ),
        (
            "keccak + coincurve recoverable sign (limit)",
            "limit",
            lambda: secret.sign_recoverable(keccak256(message.encode()), hasher=None),
        ),
    ]
    return rows + _rows("sign an EIP-191 message", impls, quick)


def _rows(workload: str, impls: list[tuple[str, str, Callable[[], object]]], quick: bool) -> list[Row]:
    """Time the implementations of one workload in turns; one row each."""
    speeds = measure_together([fn for _, _, fn in impls], quick=quick)
    return [row(workload, name, kind, speed) for (name, kind, _), speed in zip(impls, speeds)]
