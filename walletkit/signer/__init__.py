"""Server-side safety around signing: policy rules that run before a key is used.

So far: :class:`Allowlist` (exact recipients, look-alikes named as such).
"""

from __future__ import annotations

from walletkit.signer.allowlist import Allowlist

__all__ = ["Allowlist"]
