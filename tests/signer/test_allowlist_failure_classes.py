"""Failure class 26 (tests/hardening/FAILURE-CLASSES.md): address poisoning, on the Allowlist itself.

Moved from tests/hardening/test_failure_classes.py. The policy matrix refuses a look-alike
recipient through Policy.check (tests/signer/test_policy.py::test_lookalike_is_named); this pins
the Allowlist's own answer: the canonical address for an exact match in any case, the named
refusal for an address sharing the first and last four characters.
"""

from __future__ import annotations

import pytest

import walletkit as wk


def test_fc_26_address_poisoning() -> None:
    """Failure class 26. Tsuchiya et al., USENIX Security 2025: 270M poisoning attacks on ETH/BSC."""
    from walletkit.signer import Allowlist

    allowed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    lookalike = "0x5aae" + "0" * 32 + "eaed"  # same first and last four characters
    allow = Allowlist("eth", [allowed])
    assert allow.check(allowed.lower()) == allowed
    with pytest.raises(wk.errors.PolicyViolation, match="look-alike"):
        allow.check(lookalike)
