"""EIP-712 typed structured data: the hash a wallet signs.

    digest = keccak256(0x19 0x01 || domainSeparator || hashStruct(message))

Encoding is walletkit's strict EIP-712 encoder (:mod:`walletkit.eip712`), shared with TRON's
TIP-712: it refuses a value that does not fit its type exactly (an array of the wrong
length, a ``bytes32`` of fewer bytes, an integer out of range, a bad EIP-55 checksum) and
signs what the spec allows with MetaMask's (eth-sig-util V4) digest. walletkit adds the
check EIP-712 asks of a user agent: refuse a domain whose chainId is not the account's chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chains.evm.address import parse_address
from walletkit import eip712
from walletkit.errors import ChainMismatch, InvalidMessage
from walletkit.units import integer_from_json

if TYPE_CHECKING:
    from chains.evm.protocol import EvmPlugin
    from walletkit.account import Account


# An address is 0x + 40 hex digits (or 20 bytes); mixed case must carry its EIP-55 checksum, as ethers asks.
EIP712 = eip712.Dialect("EIP-712", parse_address)


def encode(typed_data: Mapping[str, object]) -> bytes:
    """Return the EIP-712 digest of a full typed-data message.

    >>> doc = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}],
    ...                  "Hi": [{"name": "to", "type": "address"}]},
    ...        "primaryType": "Hi", "domain": {"name": "x"},
    ...        "message": {"to": "0x" + "11" * 20}}
    >>> encode(doc).hex()[:16]
    '01302337ca222072'

    Raises:
        InvalidMessage: the typed data is malformed, or a value does not fit its type exactly.
        InvalidAddress: an ``address`` that is not 0x + 40 hex digits with a valid checksum.
    """
    return eip712.digest(typed_data, EIP712)


def typed_data_hash(plugin: EvmPlugin, account: Account, typed_data: Mapping[str, Any]) -> bytes:
    """Return the digest, after checking the domain's chainId against the account's chain.

    Raises:
        ChainMismatch: the domain names another chain id than the account's.
        InvalidMessage, InvalidAddress: as :func:`encode`.
    """
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
