"""walletkit/signer/typed_data.py pinned line by line (mutation group ``signer``, issue 19)."""
