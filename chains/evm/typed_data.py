"""EIP-712 typed structured data: the hash a wallet signs.

    digest = keccak256(0x19 0x01 || domainSeparator || hashStruct(message))

Encoding is eth-account's ``encode_typed_data`` (nested structs and arrays); walletkit
adds the check EIP-712 asks of a user agent: refuse a domain whose chainId is not the
account's chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from walletkit.crypto.hashes import keccak256
from walletkit.errors import ChainMismatch, InvalidMessage
from walletkit.units import integer_from_json

if TYPE_CHECKING:
    from chains.evm.plugin import EvmChain
    from walletkit.account import Account


def encode(typed_data: Mapping[str, object]) -> bytes:
    """Return the EIP-712 digest of a full typed-data message.

    Raises:
        InvalidMessage: the typed data is malformed (types, primaryType, domain, message).
    """
    from eth_account.messages import encode_typed_data

    if not isinstance(typed_data, Mapping):
        raise InvalidMessage(
            f"typed data is a mapping with types, primaryType, domain and message, got {type(typed_data).__name__}"
        )
    try:
        signable = encode_typed_data(full_message=dict(typed_data))
    except Exception as e:  # eth-account raises many types for malformed input; name it ours
        raise InvalidMessage(f"malformed EIP-712 typed data: {type(e).__name__}: {e}") from e
    return keccak256(b"\x19" + signable.version + signable.header + signable.body)


def typed_data_hash(plugin: EvmChain, account: Account, typed_data: Mapping[str, Any]) -> bytes:
    """Return the digest, after checking the domain's chainId against the account's chain."""
    domain = typed_data.get("domain") if isinstance(typed_data, Mapping) else None
    if isinstance(domain, Mapping) and domain.get("chainId") is not None:
        expected = plugin.chain_id(account.network)
        given = _chain_id(domain["chainId"])
        if given != expected:
            raise ChainMismatch(f"typed data is for chain id {given}, but this account is on chain id {expected}")
    return encode(typed_data)


def _chain_id(value: object) -> int:
    """A domain chainId as JSON gives it: an integer, or its decimal or 0x-hex text (never a float)."""
    chain_id = integer_from_json(value)
    if chain_id is None:
        raise InvalidMessage(f"domain chainId must be an integer or its decimal/hex text, got {value!r}")
    return chain_id
