"""ERC-20 calls: ``transfer``, ``approve``, ``balanceOf``, ``decimals`` (ABI-encoded by hand:
four fixed-size signatures, 4-byte selector plus 32-byte words)."""

from __future__ import annotations

from walletkit.errors import InvalidAmount

TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
APPROVE = bytes.fromhex("095ea7b3")  # approve(address,uint256)
BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
DECIMALS = bytes.fromhex("313ce567")  # decimals()
MAX_UINT256 = (1 << 256) - 1


def _word(value: int) -> bytes:
    if not 0 <= value <= MAX_UINT256:
        raise InvalidAmount(f"a uint256 is in 0..2^256-1, got {value}")
    return value.to_bytes(32, "big")


def transfer_data(to: bytes, amount: int) -> bytes:
    """Return calldata for ``transfer(to, amount)``.

    >>> transfer_data(bytes(20), 1).hex()[:8]
    'a9059cbb'
    """
    return TRANSFER + bytes(12) + to + _word(amount)


def approve_data(spender: bytes, amount: int) -> bytes:
    """Return calldata for ``approve(spender, amount)``."""
    return APPROVE + bytes(12) + spender + _word(amount)


def balance_of_data(owner: bytes) -> bytes:
    """Return calldata for ``balanceOf(owner)``."""
    return BALANCE_OF + bytes(12) + owner
