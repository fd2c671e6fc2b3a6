"""Mutation testing of walletkit's safety-critical modules, one group at a time (see docs/mutation.md)."""
