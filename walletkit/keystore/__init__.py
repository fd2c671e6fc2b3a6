"""Keys at rest: an encrypted, crash-safe wallet file, and the formats other wallets use.

- :class:`Keystore`: walletkit's file (scrypt or Argon2id, AES-256-GCM, authenticated header,
  atomic and durable writes, mode 0600).
- :mod:`walletkit.keystore.v3`: Ethereum Web3 Secret Storage v3 (geth, MetaMask, eth-account).
"""

from __future__ import annotations

from walletkit.keystore.kdf import KdfParams
from walletkit.keystore.store import Keystore

__all__ = ["KdfParams", "Keystore"]
