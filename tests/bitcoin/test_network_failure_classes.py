"""Failure class 35 (tests/hardening/FAILURE-CLASSES.md): a Bitcoin key or address of the wrong network.

Moved from tests/hardening/test_failure_classes.py. Extended keys carry their network in their
version bytes; a vpub refused on mainnet and read on testnet is
tests/core/test_xpub_export.py::test_xpub_export_network_of_a_bitcoin_key_is_checked (and its
addresses ::test_xpub_export_slip132_prefix_names_the_kind), so it is not repeated here.
"""

from __future__ import annotations

import pytest

import walletkit as wk

ABANDON = "abandon " * 11 + "about"


def test_fc_35_wrong_network() -> None:
    """Failure class 35. Core blocks cross-chain wallet reuse (test/functional/wallet_crosschain.py)."""
    mainnet = wk.Wallet.from_mnemonic(ABANDON).account("btc")
    testnet_address = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="testnet").address
    with pytest.raises(wk.errors.WrongNetwork, match="not a mainnet address"):
        mainnet.transfer(testnet_address, 10_000, utxos=[{"txid": "ab" * 32, "vout": 0, "value": 10**6}], fee_rate=1)
    testnet_wif = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="testnet").export_private_key()
    with pytest.raises(wk.errors.WrongNetwork, match="for testnet, not mainnet"):
        wk.Account.from_private_key("btc", testnet_wif, network="mainnet")
