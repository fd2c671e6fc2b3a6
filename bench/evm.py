"""EVM signing: EIP-1559 transactions and EIP-191 messages, walletkit vs eth-account.

The limit is the raw primitive: Keccak-256 of the exact payload walletkit signs plus one
libsecp256k1 recoverable signature, with nothing else around it: through coincurve's API,
and (a stricter limit) through coincurve's cffi binding with no wrapper at all. Neither
builds, serializes or hashes the signed transaction.

Before timing, every implementation's output is checked: the signed transaction bytes of
walletkit and eth-account are identical, and the limits' signatures are walletkit's.
"""

from __future__ import annotations

from collections.abc import Callable

import coincurve
from coincurve._libsecp256k1 import ffi as secp_ffi
from coincurve._libsecp256k1 import lib as secp
from coincurve.context import GLOBAL_CONTEXT
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct

from bench.common import Impl, Row, same_output, timed_rows
from walletkit.account import Account
from walletkit.crypto.hashes import keccak256

KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TO = "0xF0109fC8DF283027b6285cc889F5aA624EaC1F55"


def raw_signer(secret: bytes) -> Callable[[bytes], bytes]:
    """Return libsecp256k1's recoverable signing through cffi with no wrapper: r || s || recid."""
    ctx, new, null, buffer = GLOBAL_CONTEXT.ctx, secp_ffi.new, secp_ffi.NULL, secp_ffi.buffer
    sign, serialize = (
        secp.secp256k1_ecdsa_sign_recoverable,
        secp.secp256k1_ecdsa_recoverable_signature_serialize_compact,
    )

    def signer(digest: bytes) -> bytes:
        sig, out, recid = new("secp256k1_ecdsa_recoverable_signature *"), new("unsigned char[64]"), new("int *")
        sign(ctx, sig, digest, secret, null, null)
        serialize(ctx, out, recid, sig)
        return buffer(out, 64)[:] + bytes([recid[0]])

    return signer


def _rsv_of(raw: bytes) -> bytes:
    """The (r, s, y_parity) a signed EIP-1559 transaction carries, as r || s || y_parity."""
    import rlp

    fields = rlp.decode(raw[1:])
    return fields[-2].rjust(32, b"\0") + fields[-1].rjust(32, b"\0") + (fields[-3] or b"\0")


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
    body = prebuilt._body()  # type: ignore[attr-defined]
    payload = b"\x02" + bytes([0xC0 + len(body)]) + body  # the unsigned EIP-1559 payload (body < 56 bytes)
    secret_bytes = bytes.fromhex(KEY[2:])
    secret = coincurve.PrivateKey(secret_bytes)
    raw_sign = raw_signer(secret_bytes)
    w = "sign an EIP-1559 transfer"
    limit_1559 = lambda: secret.sign_recoverable(keccak256(payload), hasher=None)  # noqa: E731
    raw_1559 = lambda: raw_sign(keccak256(payload))  # noqa: E731
    impls: list[Impl] = [
        (
            "walletkit transfer()+sign()",
            "walletkit",
            lambda: account.sign(account.transfer(TO, 10**18, **fields)).raw,
            1,
        ),
        ("walletkit sign() of a built tx", "walletkit", lambda: account.sign(prebuilt).raw, 1),
        ("eth-account Account.sign_transaction", "anchor", lambda: EthAccount.sign_transaction(eth_tx, KEY), 1),
        ("eth-account LocalAccount.sign_transaction", "anchor", lambda: eth_local.sign_transaction(eth_tx), 1),
        ("keccak + coincurve recoverable sign (limit)", "limit", limit_1559, 1),
        ("keccak + libsecp256k1 via cffi, no wrapper (limit)", "limit", raw_1559, 1),
    ]
    ours = account.sign(account.transfer(TO, 10**18, **fields)).raw
    same_output(
        w,
        {
            "walletkit transfer()+sign()": ours,
            "walletkit sign()": account.sign(prebuilt).raw,
            "eth-account": bytes(EthAccount.sign_transaction(eth_tx, KEY).raw_transaction),
            "eth-account local": bytes(eth_local.sign_transaction(eth_tx).raw_transaction),
        },
    )
    same_output(w + " (signature)", {"walletkit": _rsv_of(ours), "limit": limit_1559(), "raw limit": raw_1559()})
    rows = timed_rows(w, impls, quick)

    message = "Sign in to example.org: nonce 8f2a"
    prefixed = f"\x19Ethereum Signed Message:\n{len(message.encode())}{message}".encode()
    eth_191 = lambda: EthAccount.sign_message(encode_defunct(text=message), KEY).signature  # noqa: E731
    limit_191 = lambda: secret.sign_recoverable(keccak256(prefixed), hasher=None)  # noqa: E731
    impls = [
        ("walletkit sign_message", "walletkit", lambda: account.sign_message(message), 1),
        ("eth-account sign_message(encode_defunct)", "anchor", eth_191, 1),
        ("keccak + coincurve recoverable sign (limit)", "limit", limit_191, 1),
    ]
    signature = bytes.fromhex(account.sign_message(message)[2:])
    same_output(
        "EIP-191",
        {
            "walletkit": signature,
            "eth-account": bytes(eth_191()),
            "limit": limit_191()[:64] + bytes([27 + limit_191()[64]]),
        },
    )
    return rows + timed_rows("sign an EIP-191 message", impls, quick)
