"""Failure class 24 (tests/hardening/FAILURE-CLASSES.md): EIP-712 domain misuse.

Moved from tests/hardening/test_failure_classes.py, without what other tests already pin:
- a typed-data domain whose chainId is not the account's is refused:
  tests/evm/test_vectors.py::test_eip712_refuses_another_chain_id (pins the message, on the
  EIP-712 Mail example);
- the signer's policy signs typed data only for allowlisted verifying contracts (any case of
  the allowed address, refused for another contract, for none, and when the policy names none):
  tests/signer/test_policy.py::test_eip712_domain_allowlist and
  ::test_signer_signs_allowed_typed_data_only.
What is left here is the row's last clause: raw-hash signing is off by default.
"""

from __future__ import annotations

import walletkit as wk


def test_fc_24_eip712_domain() -> None:
    """Failure class 24. EIP-712 domain misuse (hubble-contracts#587; sherlock kyber-swap #94): no raw-hash signing by default."""
    assert not hasattr(wk.Account, "sign_hash")  # raw hashes only through the plugin's unsafe_sign_hash
