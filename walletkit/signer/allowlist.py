"""Recipient allowlists: exact full-address matches only, and look-alikes refused by name.

Address poisoning sends a victim a zero-value transfer from an address that shares the
first and last characters of one they use, hoping they copy it from their history. An
allowlist that compared prefixes or suffixes would let it through; this one compares
canonical full addresses, and names a near miss as a look-alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from walletkit.errors import PolicyViolation
from walletkit.registry import get_chain


class Allowlist:
    """Allowed recipients on one chain, in canonical form.

    >>> allow = Allowlist("eth", ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"])
    >>> allow.check("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    """

    def __init__(self, chain: str, addresses: Iterable[str], network: str | None = None) -> None:
        self.plugin = get_chain(chain)
        self.network = network
        self.addresses = frozenset(self.plugin.validate_address(a, network) for a in addresses)

    def check(self, address: str) -> str:
        """Return the canonical address if allowed.

        Raises:
            PolicyViolation: rule ``recipient_allowlist``; a look-alike of an allowed address
                (same first and last four characters) is named as such.
        """
        canonical = self.plugin.validate_address(address, self.network)
        if canonical in self.addresses:
            return canonical
        for allowed in self.addresses:
            if _looks_alike(canonical, allowed):
                raise PolicyViolation(
                    "recipient_allowlist",
                    f"{canonical} is a look-alike of allowed {allowed} (same first and last characters, "
                    "different address): possible address poisoning",
                )
        raise PolicyViolation("recipient_allowlist", f"{canonical} is not on the allowlist")


def _looks_alike(a: str, b: str, n: int = 4) -> bool:
    body_a, body_b = a.lower().removeprefix("0x"), b.lower().removeprefix("0x")
    return body_a != body_b and body_a[:n] == body_b[:n] and body_a[-n:] == body_b[-n:]
