"""Fuzz targets (atheris) for every parser that takes outside input.

A target passes when the only exceptions it raises are WalletKitError subclasses.
``python -m fuzz run --seconds 300`` runs them longer than CI's smoke run.
"""
