"""Derivation: paths, BIP32 (secp256k1), SLIP-10 (ed25519)."""
