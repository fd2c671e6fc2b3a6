"""walletkit's solana chain plugin."""
