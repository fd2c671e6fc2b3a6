"""walletkit/signer/guard.py pinned line by line (mutation group ``signer``, issue 19)."""
