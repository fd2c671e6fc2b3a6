"""TIP-712: EIP-712 typed data on TRON, as tronweb's ``signTypedData`` hashes it.

TIP-712 is EIP-712 with two changes: an ``address`` (in the message, or the domain's
``verifyingContract``) may be written in any TRON form (``T...``, ``41...``, ``0x...``) and
is hashed as its 20 bytes, and ``trcToken`` is encoded as a ``uint256`` while keeping its own
name in the type string (so its type hash differs from a ``uint256`` field's). The domain's
``chainId`` is the low 32 bits of the network's genesis block id.

The encoding is walletkit's strict EIP-712 encoder (:mod:`walletkit.eip712`, shared with the
EVM plugin) in its TIP-712 dialect, checked byte for byte against tronweb.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chains.tron.address import parse_address
from chains.tron.messages import recover_address
from walletkit import eip712
from walletkit.errors import ChainMismatch, InvalidMessage
from walletkit.keys import SigningKey, sign_recoverable
from walletkit.units import integer_from_json

# The last four bytes of each network's genesis block id (TIP-712).
CHAIN_IDS = {"mainnet": 0x2B6653DC, "nile": 0xCD8690DC, "shasta": 0x94A9059E}


def _address(value: object) -> bytes:
    return parse_address(value)[1:]  # T..., 41... or 0x...: hashed as the 20 bytes after 0x41


TIP712 = eip712.Dialect("TIP-712", _address, {"trcToken": "uint256"})


def digest(typed_data: Mapping[str, Any]) -> bytes:
    """Return the TIP-712 digest: keccak256(0x19 0x01 || domainSeparator || hashStruct(message)).

    ``types`` may leave out ``EIP712Domain`` (as tronweb's API does): it is then made from the
    domain's fields, in the order EIP-712 gives them.

    Raises:
        InvalidMessage: not a typed-data document, or a value that does not fit its type.
        InvalidAddress: an ``address`` value that is not a TRON address.
    """
    return eip712.digest(typed_data, TIP712)


def sign(secret: bytes | SigningKey, typed_data: Mapping[str, Any], network: str) -> str:
    """Return the 0x-hex signature r || s || v (v 27 or 28), after checking the domain's chainId.

    ``secret`` is a :class:`~walletkit.keys.SigningKey` or a raw 32-byte secp256k1 secret.

    Raises:
        ChainMismatch: the domain names another TRON network's chain id.
    """
    domain = typed_data.get("domain") if isinstance(typed_data, Mapping) else None
    if isinstance(domain, Mapping) and domain.get("chainId") is not None:
        given = _integer(domain["chainId"], "domain.chainId")
        if given != CHAIN_IDS[network]:
            raise ChainMismatch(
                f"typed data is for chain id {given}, but this account is on TRON {network} ({CHAIN_IDS[network]})"
            )
    sig = sign_recoverable(secret, digest(typed_data))
    return "0x" + (sig[:64] + bytes([27 + sig[64]])).hex()


def recover(typed_data: Mapping[str, Any], signature: str) -> str:
    """Return the base58 address that signed ``typed_data``.

    Raises:
        InvalidSignature: not 65 bytes of hex, or a bad v.
    """
    return recover_address(digest(typed_data), signature, "TIP-712")


def _integer(value: Any, where: str) -> int:
    n = integer_from_json(value)
    if n is None:
        raise InvalidMessage(f"{where} is an integer (or its decimal/hex text), got {value!r}")
    return n
