"""Failure classes 8 and 9 (tests/hardening/FAILURE-CLASSES.md): ed25519 signing and verification.

Moved from tests/hardening/test_failure_classes.py. The signing core's own half of row 8 (a key
built with another public key still signs as its own secret) is
tests/core/test_expanded_keys.py::test_the_signature_commits_to_the_secrets_own_public_key.
"""

from __future__ import annotations

import inspect
import secrets

import pytest

import walletkit as wk
from tests.core.signing_api import signing_callables
from walletkit.crypto import ed25519


def test_fc_08_ed25519_double_public_key() -> None:
    """Failure class 8. MystenLabs/ed25519-unsafe-libs; RUSTSEC-2022-0093: signing APIs that take a separate public key."""
    ed_signers = [
        (name, fn)
        for name, fn in signing_callables()
        if name.startswith(("chains.solana.", "walletkit.crypto.ed25519."))
    ]
    assert len(ed_signers) >= 5
    for name, fn in ed_signers:
        params = set(inspect.signature(fn).parameters)  # type: ignore[arg-type]
        assert not params & {"public", "public_key", "pubkey", "pk", "keypair", "verifying_key"}, name
    assert list(inspect.signature(ed25519.sign).parameters) == ["seed", "message"]
    seed, other = secrets.token_bytes(32), ed25519.public_from_seed(secrets.token_bytes(32))
    with pytest.raises(wk.errors.InvalidKey, match="public half"):
        wk.Account.from_private_key("sol", seed + other)
    # Two signatures of one message never share R with a different S: signing is deterministic.
    account = wk.Account.from_private_key("sol", seed)
    assert len({account.sign_message("m") for _ in range(100)}) == 1
    assert len({ed25519.sign(seed, b"m") for _ in range(100)}) == 1


def test_fc_09_ed25519_verify_edge_cases() -> None:
    """Failure class 9. ed25519-dalek validation criteria: small-order keys and non-canonical S (tests/validation_criteria.rs).

    Untrusted signatures (wk.verify_message on Solana, off-chain messages) go through
    walletkit.crypto.ed25519.verify, which is libsodium's crypto_sign_verify_detached: S < L,
    canonical A, small-order A and R refused.
    """
    from walletkit.encoding.base58 import b58decode, b58encode

    seed = secrets.token_bytes(32)
    public, message = ed25519.public_from_seed(seed), b"m"
    sig = ed25519.sign(seed, message)
    order = 2**252 + 27742317777372353535851937790883648493
    non_canonical = sig[:32] + (int.from_bytes(sig[32:], "little") + order).to_bytes(32, "little")
    assert ed25519.verify(public, message, sig)
    assert not ed25519.verify(public, message, non_canonical)  # libsodium: S must be < L
    identity = bytes([1]) + bytes(31)  # a small-order point
    assert not ed25519.verify(identity, message, identity + bytes(32))
    non_canonical_a = (1 + 2**255 - 19).to_bytes(32, "little")  # y = 1 + p: a non-canonical encoding of y = 1
    assert not ed25519.verify(non_canonical_a, message, identity + bytes(32))
    # The public verification path refuses the malleated signature too.
    account = wk.Account.from_private_key("sol", seed)
    good = account.sign_message("hello")
    raw = b58decode(good)
    malleated = raw[:32] + (int.from_bytes(raw[32:], "little") + order).to_bytes(32, "little")
    assert wk.verify_message("sol", account.address, "hello", good)
    assert not wk.verify_message("sol", account.address, "hello", b58encode(malleated))
