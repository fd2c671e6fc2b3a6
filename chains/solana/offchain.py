"""Solana off-chain messages (the format ``solana sign-offchain-message`` uses, header version 0).

    message = "\\xffsolana offchain" || version (0) || format (u8) || length (u16 LE) || text
    format  = 0 restricted ASCII (printable, <= 1212 bytes), 1 limited UTF-8 (<= 1212), 2 extended UTF-8

The signature is ed25519 over the whole serialized message, so it can never be a valid
transaction signature. Raw "sign this text" signing is the plugin's ``sign_message``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chains.solana.keys import parse_address
from walletkit.crypto import ed25519
from walletkit.encoding.base58 import Base58Error, b58decode, b58encode
from walletkit.errors import InvalidMessage, InvalidSignature

if TYPE_CHECKING:
    from walletkit.account import Account

SIGNING_DOMAIN = b"\xffsolana offchain"
MAX_LEDGER_LEN = 1212
MAX_LEN = 65515


def serialize(message: str | bytes) -> bytes:
    """Return the version-0 off-chain message bytes for ``message``.

    >>> serialize("hi")[:20].hex()
    'ff736f6c616e61206f6666636861696e00000200'
    """
    data = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    if not data:
        raise InvalidMessage("an off-chain message is not empty")
    if len(data) > MAX_LEN:
        raise InvalidMessage(f"an off-chain message is at most {MAX_LEN} bytes, got {len(data)}")
    if len(data) <= MAX_LEDGER_LEN and all(0x20 <= b <= 0x7E for b in data):
        fmt = 0
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidMessage("an off-chain message is UTF-8 text") from e
        fmt = 1 if len(data) <= MAX_LEDGER_LEN else 2
    return SIGNING_DOMAIN + bytes([0, fmt]) + len(data).to_bytes(2, "little") + data


def sign(account: Account, message: str | bytes) -> str:
    """Sign an off-chain message; return the base58 signature."""
    return b58encode(account.signing_key().sign_ed25519(serialize(message)))


def verify(address: str, message: str | bytes, signature: str) -> bool:
    """Return True if the base58 signature is the address holder's over the off-chain message."""
    try:
        raw = b58decode(signature)
    except Base58Error as e:
        raise InvalidSignature("a Solana signature is 64 bytes in base58") from e
    return len(raw) == 64 and ed25519.verify(parse_address(address), serialize(message), raw)
