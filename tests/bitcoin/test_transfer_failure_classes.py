"""Failure classes 31 and 34 (tests/hardening/FAILURE-CLASSES.md): Bitcoin fee caps and dust.

Moved from tests/hardening/test_failure_classes.py. Already pinned elsewhere, so not repeated:
the rate cap (tests/bitcoin/test_transfer.py::test_errors, "above the cap of 10000 sat/vB"),
a policy file's NaN fee ratio (tests/signer/test_policy.py::test_mistyped_policy_field_is_named), the sighash
committing to every amount (tests/bitcoin/test_kernel.py::test_tampering_fails).
"""

from __future__ import annotations

import pytest

import walletkit as wk

ABANDON = "abandon " * 11 + "about"


def _btc() -> tuple[wk.Account, str, list[dict[str, object]]]:
    account = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="regtest")
    to = wk.Wallet.from_mnemonic(ABANDON).account("btc", index=1, network="regtest").address
    return account, to, [{"txid": "ab" * 32, "vout": 0, "value": 10**9}]


def test_fc_31_fee_overpayment() -> None:
    """Failure class 31. Paxos paid 19.89 BTC in fees on 2023-09-10 (nobsbitcoin.com; mononaut)."""
    account, to, utxos = _btc()
    # The rate cap (0.1 BTC/kvB) with its message: tests/bitcoin/test_transfer.py::test_errors.
    transfer = account.transfer(to, 10_000, utxos=utxos, fee_rate=10)
    assert sum(o.value for o in transfer.spent) - sum(o.value for o in transfer.tx.outputs) == transfer.fee  # type: ignore[attr-defined]
    # The absolute cap (0.1 BTC, as Core's -maxtxfee): twenty inputs at a rate under the rate cap.
    many = [{"txid": f"{i:064x}", "vout": 0, "value": 3_000_000} for i in range(1, 21)]
    with pytest.raises(wk.errors.FeeTooHigh):
        account.transfer(to, 45_000_000, utxos=many, fee_rate=9_000)
    # A policy file's NaN fee ratio (a cap turned off silently) is refused by name:
    # tests/signer/test_policy.py::test_mistyped_policy_field_is_named ("max_fee_ratio = nan").


def test_fc_34_dust_outputs() -> None:
    """Failure class 34. Core policy DUST_RELAY_TX_FEE = 3000 sat/kvB (src/policy/policy.h)."""
    account, _, utxos = _btc()
    wallet = wk.Wallet.from_mnemonic(ABANDON)
    # GetDustThreshold at 3 sat/vB: the cost of spending the output, per kind of recipient.
    for kind, threshold in (("p2pkh", 546), ("p2sh-p2wpkh", 540), ("p2wpkh", 294), ("p2tr", 330)):
        to = wallet.account("btc", index=2, kind=kind, network="regtest").address
        with pytest.raises(wk.errors.DustOutput, match=str(threshold)):
            account.transfer(to, threshold - 1, utxos=utxos, fee_rate=1)
        account.transfer(to, threshold, utxos=utxos, fee_rate=1)
