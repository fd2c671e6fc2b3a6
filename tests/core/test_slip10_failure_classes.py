"""Failure class 13 (tests/hardening/FAILURE-CLASSES.md): a normal ed25519 child is refused, never hardened.

Moved from tests/hardening/test_failure_classes.py. SLIP-10 itself refusing normal indexes is
tests/core/test_slip10.py::test_ed25519_refuses_normal_index; this pins that the account
layer passes the path through rather than hardening it on the way.
"""

from __future__ import annotations

import pytest

import walletkit as wk

ABANDON = "abandon " * 11 + "about"


def test_fc_13_non_hardened_ed25519() -> None:
    """Failure class 13. SLIP-0010: 'If curve is ed25519 fail' for normal children (satoshilabs/slips slip-0010.md)."""
    with pytest.raises(wk.errors.InvalidPath, match="hardened"):
        wk.Wallet.from_mnemonic(ABANDON).account("sol", path="m/44'/501'/0'/0")
