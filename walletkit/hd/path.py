"""BIP32 derivation paths as values: ``m/44'/60'/0'/0/7`` (``h`` and ``H`` mark hardened too).

A :class:`DerivationPath` is parsed once and is valid from then on: every index fits in
31 bits, and a hardened index carries the 2^31 bit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from walletkit.errors import InvalidPath

HARDENED = 0x80000000
MAX_DEPTH = 255


def _parse_segment(segment: str, position: int) -> int:
    hardened = segment[-1:] in ("'", "h", "H")
    digits = segment[:-1] if hardened else segment
    if not digits.isdigit() or not digits.isascii() or (len(digits) > 1 and digits[0] == "0"):
        raise InvalidPath(f"path segment {position} is {segment!r}; expected a decimal index such as 0, 7 or 44'")
    value = int(digits)
    if value >= HARDENED:
        raise InvalidPath(f"path segment {position} is {value}; an index must be below 2^31")
    return value | HARDENED if hardened else value


@dataclass(frozen=True, slots=True)
class DerivationPath:
    """A parsed derivation path: a tuple of 32-bit child indexes below the master.

    >>> p = DerivationPath.parse("m/44h/60'/0'/0/7")
    >>> str(p), p.indexes[-1], p.is_hardened_only
    ("m/44'/60'/0'/0/7", 7, False)
    >>> str(p.parent / 8)
    "m/44'/60'/0'/0/8"
    """

    indexes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if len(self.indexes) > MAX_DEPTH:
            raise InvalidPath(f"a path has at most {MAX_DEPTH} levels, got {len(self.indexes)}")
        for i in self.indexes:
            if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i <= 0xFFFFFFFF:
                raise InvalidPath(f"a child index is an integer in 0..2^32-1, got {i!r}")

    @classmethod
    def parse(cls, text: str | DerivationPath) -> DerivationPath:
        """Parse ``m/…`` text (or return a path unchanged).

        Raises:
            InvalidPath: the text is not a path; the message names the bad segment.
        """
        if isinstance(text, DerivationPath):
            return text
        if not isinstance(text, str):
            raise InvalidPath(f"a derivation path is text such as \"m/44'/0'/0'\", got {type(text).__name__}")
        parts = text.strip().split("/")
        if parts[0] not in ("m", "M"):
            raise InvalidPath(f"a derivation path starts with 'm', got {text[:40]!r}")
        if parts == ["m"] or parts == ["M"]:
            return cls(())
        return cls(tuple(_parse_segment(s, n) for n, s in enumerate(parts[1:], start=1)))

    @classmethod
    def trusted(cls, indexes: tuple[int, ...]) -> DerivationPath:
        """Build a path from indexes derived from an already valid path (skips the checks)."""
        path = object.__new__(cls)
        object.__setattr__(path, "indexes", indexes)
        return path

    @classmethod
    def of(cls, indexes: Iterable[int]) -> DerivationPath:
        """Build a path from raw 32-bit indexes."""
        return cls(tuple(indexes))

    @property
    def depth(self) -> int:
        """Number of levels below the master."""
        return len(self.indexes)

    @property
    def parent(self) -> DerivationPath:
        """The path one level up (the master's parent is the master)."""
        return DerivationPath(self.indexes[:-1])

    @property
    def is_hardened_only(self) -> bool:
        """True when every level is hardened (what SLIP-10 ed25519 requires)."""
        return all(i & HARDENED for i in self.indexes)

    def child(self, index: int, hardened: bool = False) -> DerivationPath:
        """Return this path extended by one level."""
        if not 0 <= index < HARDENED:
            raise InvalidPath(f"a child index is in 0..2^31-1, got {index}")
        return DerivationPath((*self.indexes, index | HARDENED if hardened else index))

    def __truediv__(self, index: int) -> DerivationPath:
        return DerivationPath((*self.indexes, index))

    def __str__(self) -> str:
        return "/".join(["m", *(f"{i & 0x7FFFFFFF}'" if i & HARDENED else str(i) for i in self.indexes)])

    def __repr__(self) -> str:
        return f"DerivationPath({str(self)!r})"
