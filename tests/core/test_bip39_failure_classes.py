"""Failure classes 4 and 15 (tests/hardening/FAILURE-CLASSES.md) through the public API.

Moved from tests/hardening/test_failure_classes.py. The parser-level checks are in
tests/core/test_bip39.py (test_entropy_sizes_refused, test_electrum_seed_is_named); these pin
the same refusals where a user meets them: Wallet.from_seed and Wallet.from_mnemonic.
Row 16 (NFKD) is held by test_bip39.py::test_nfc_and_nfkd_inputs_give_one_seed and
::test_passphrase_case_is_kept.
"""

from __future__ import annotations

import pytest

import walletkit as wk
from walletkit import bip39


def test_fc_04_low_entropy_seed() -> None:
    """Failure class 4. Profanity vanity keys (Wintermute, $160M) and bip3x MT19937 (Safeheron write-up; milksad research-update-4)."""
    for short in (bytes(8), bytes(15), bytes(17)):
        with pytest.raises(wk.errors.InvalidEntropy):
            bip39.entropy_to_mnemonic(short)
    with pytest.raises(wk.errors.InvalidKey):
        wk.Wallet.from_seed(bytes(15))
    public_names = {n.lower() for n in dir(wk) + dir(wk.Wallet) + dir(wk.Account)}
    assert not any(w in n for n in public_names for w in ("vanity", "from_int", "brain", "from_password"))


def test_fc_15_electrum_seed() -> None:
    """Failure class 15. Electrum seeds are not BIP39 (bitcoinjs/bip39#136; Bit-Wasp/bitcoin-php#859)."""
    with pytest.raises(wk.errors.InvalidMnemonic, match="Electrum seed"):
        wk.Wallet.from_mnemonic("wild father tree among universe such mobile favorite target dynamic credit identify")
