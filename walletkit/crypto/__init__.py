"""Cryptographic primitives, one swap point each: hashes, secp256k1, ed25519."""
