"""Failure class 23 (tests/hardening/FAILURE-CLASSES.md): EIP-155 replay protection and the pinned chain id.

Moved from tests/hardening/test_failure_classes.py. The EIP-155 example itself (chain id 1) is
tests/evm/test_vectors.py::test_eip155_example; this pins v on another chain (BSC, 56) and the
refusal of a transaction built or edited for another chain id.
"""

from __future__ import annotations

import pytest

import walletkit as wk


def test_fc_23_eip155_replay() -> None:
    """Failure class 23. MetaMask#897; raiden#6898 (signed without chainId); MEW #1921."""
    account = wk.Account.from_private_key("bsc", "0x" + "46" * 32)
    tx = account.transfer("0x3535353535353535353535353535353535353535", 1, nonce=0, gas=21000, gas_price=1)
    import rlp

    v = rlp.decode(account.sign(tx).raw)[6]
    assert int.from_bytes(v, "big") in (2 * 56 + 35, 2 * 56 + 36)
    with pytest.raises(wk.errors.ChainMismatch):
        account.transfer("0x3535353535353535353535353535353535353535", 1, nonce=0, gas_price=1, chain_id=1)
    from dataclasses import replace

    with pytest.raises(wk.errors.ChainMismatch):
        account.sign(replace(tx, chain_id=1))  # type: ignore[type-var]
