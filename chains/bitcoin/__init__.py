"""walletkit's bitcoin chain plugin."""
