"""walletkit's evm chain plugin."""
