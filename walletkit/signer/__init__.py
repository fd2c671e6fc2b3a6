"""Server-side safety around signing: a default-deny policy, idempotency and a hash-chained audit log.

- :class:`Policy` (from code or TOML), :class:`Allowlist` (exact recipients, look-alikes named),
- :class:`SQLiteStore` and :class:`PostgresStore` (idempotency, EVM nonces, spend ledger, audit log),
- :class:`Signer`: ``transfer`` and ``send`` through the policy.
"""

from __future__ import annotations

from walletkit.signer.allowlist import Allowlist
from walletkit.signer.policy import Policy, Request
from walletkit.signer.signer import Signer
from walletkit.signer.store import PostgresStore, SQLiteStore

__all__ = ["Allowlist", "Policy", "PostgresStore", "Request", "SQLiteStore", "Signer"]
