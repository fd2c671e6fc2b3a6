"""Failure class 22 (tests/hardening/FAILURE-CLASSES.md): a near-miss secret is refused without being echoed.

Moved from tests/hardening/test_failure_classes.py. The canary over every repr, str, error and
log line of the public API is tests/core/test_canary.py::test_canary (all chains, more forms than
the moved test's repr check, which is dropped as a duplicate of it); this keeps the part it does
not hold: near misses of a real export, logged with their traceback.
"""

from __future__ import annotations

import io
import logging

import walletkit as wk

ABANDON = "abandon " * 11 + "about"


def test_fc_22_secrets_in_repr_and_logs() -> None:
    """Failure class 22. btclib-org/btclib#137 (xprv in repr); pyth-network/pyth-crosschain#3858 (loguru diagnose); str(Keypair)."""
    wallet = wk.Wallet.from_mnemonic(ABANDON)
    # A near-miss secret (one character off, padded, truncated) is refused without being echoed,
    # in the message or in a logged traceback.
    stream = io.StringIO()
    log = logging.getLogger("walletkit-fc22")
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    for chain in ("btc", "eth", "tron", "sol"):
        exported = wallet.account(chain).export_private_key()
        last = "A" if exported[-1] != "A" else "B"
        for near in (exported[:-1] + last, exported + "x", exported[1:], exported[:-2], " " + exported + "\x00"):
            try:
                wk.Account.from_private_key(chain, near)
            except wk.errors.WalletKitError:
                log.exception("import failed")
    log.removeHandler(handler)
    text = stream.getvalue()
    assert "import failed" in text
    secrets_seen = [wallet.account(c).export_private_key() for c in ("btc", "eth", "tron", "sol")]
    assert not [x for x in secrets_seen if x[2:18] in text or x[-16:-2] in text]
