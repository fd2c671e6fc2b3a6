"""EVM signing: EIP-1559 transactions and EIP-191 messages, walletkit vs eth-account.

The limit is the raw primitive: Keccak-256 of the payload plus one libsecp256k1
recoverable signature (coincurve), with nothing else around it.
"""

from __future__ import annotations

import coincurve
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct

from bench.common import Row, measure, row
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
    rows = [
        row(
            w,
            "walletkit transfer()+sign()",
            "walletkit",
            measure(lambda: account.sign(account.transfer(TO, 10**18, **fields)), quick=quick),
        ),
        row(w, "walletkit sign() of a built tx", "walletkit", measure(lambda: account.sign(prebuilt), quick=quick)),
        row(
            w,
            "eth-account Account.sign_transaction",
            "anchor",
            measure(lambda: EthAccount.sign_transaction(eth_tx, KEY), quick=quick),
        ),
        row(
            w,
            "eth-account LocalAccount.sign_transaction",
            "anchor",
            measure(lambda: eth_local.sign_transaction(eth_tx), quick=quick),
        ),
        row(
            w,
            "keccak + coincurve recoverable sign (limit)",
            "limit",
            measure(lambda: secret.sign_recoverable(keccak256(payload), hasher=None), quick=quick),
        ),
    ]
    w = "sign an EIP-191 message"
    message = "Sign in to example.org: nonce 8f2a"
    rows += [
        row(w, "walletkit sign_message", "walletkit", measure(lambda: account.sign_message(message), quick=quick)),
        row(
            w,
            "eth-account sign_message(encode_defunct)",
            "anchor",
            measure(lambda: EthAccount.sign_message(encode_defunct(text=message), KEY), quick=quick),
        ),
        row(
            w,
            "keccak + coincurve recoverable sign (limit)",
            "limit",
            measure(lambda: secret.sign_recoverable(keccak256(message.encode()), hasher=None), quick=quick),
        ),
    ]
    return rows
