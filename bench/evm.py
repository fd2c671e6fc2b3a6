"""EVM signing: EIP-1559 transactions and EIP-191 messages, walletkit vs eth-account.

The limit is the raw primitive: Keccak-256 of the payload plus one libsecp256k1
recoverable signature (coincurve), with nothing else around it.
"""

from __future__ import annotations

import coincurve
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct

from bench.common import Impl, Row, timed_rows
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
    limit_1559 = lambda: secret.sign_recoverable(keccak256(payload), hasher=None)  # noqa: E731
    impls: list[Impl] = [
        ("walletkit transfer()+sign()", "walletkit", lambda: account.sign(account.transfer(TO, 10**18, **fields)), 1),
        ("walletkit sign() of a built tx", "walletkit", lambda: account.sign(prebuilt), 1),
        ("eth-account Account.sign_transaction", "anchor", lambda: EthAccount.sign_transaction(eth_tx, KEY), 1),
        ("eth-account LocalAccount.sign_transaction", "anchor", lambda: eth_local.sign_transaction(eth_tx), 1),
        ("keccak + coincurve recoverable sign (limit)", "limit", limit_1559, 1),
    ]
    rows = timed_rows(w, impls, quick)
    message = "Sign in to example.org: nonce 8f2a"
    eth_191 = lambda: EthAccount.sign_message(encode_defunct(text=message), KEY)  # noqa: E731
    limit_191 = lambda: secret.sign_recoverable(keccak256(message.encode()), hasher=None)  # noqa: E731
    impls = [
        ("walletkit sign_message", "walletkit", lambda: account.sign_message(message), 1),
        ("eth-account sign_message(encode_defunct)", "anchor", eth_191, 1),
        ("keccak + coincurve recoverable sign (limit)", "limit", limit_191, 1),
    ]
    return rows + timed_rows("sign an EIP-191 message", impls, quick)
