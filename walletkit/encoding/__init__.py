"""Text encodings: base58(check), bech32/bech32m."""
