"""walletkit's tron chain plugin."""
