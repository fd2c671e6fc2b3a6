"""Failure class 1 (tests/hardening/FAILURE-CLASSES.md): every secret the library makes comes from the OS CSPRNG.

Moved from tests/hardening/test_failure_classes.py. The per-phrase draw of bip39 alone is also
pinned by tests/core/test_bip39.py::test_generate_draws_from_secrets; this test follows the
other generators too (keystore salts and nonces, BIP340 auxiliary randomness) and the sources.
"""

from __future__ import annotations

import ast
import os
import secrets
from pathlib import Path

import pytest

from walletkit import bip39
from walletkit.crypto import secp256k1

ROOT = Path(__file__).parent.parent.parent
SOURCES = [p for pkg in ("walletkit", "chains") for p in (ROOT / pkg).rglob("*.py")]
ABANDON = "abandon " * 11 + "about"


class _Spy:
    """Counts the bytes drawn from the OS CSPRNG (os.urandom and secrets.token_bytes) while active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.draws: list[int] = []
        real_urandom, real_token = os.urandom, secrets.token_bytes
        monkeypatch.setattr(os, "urandom", lambda n: self.draws.append(n) or real_urandom(n))
        monkeypatch.setattr(secrets, "token_bytes", lambda n=None: self.draws.append(n or 32) or real_token(n))

    def take(self) -> list[int]:
        drawn, self.draws[:] = list(self.draws), []
        return drawn


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_fc_01_time_seeded_prng(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Failure class 1. Milk Sad, CVE-2023-39910: `bx seed` used MT19937 seeded with 32-bit time (milksad.info)."""
    from walletkit.keystore import KdfParams, Keystore, v3

    spy = _Spy(monkeypatch)
    for words in bip39.WORD_COUNTS:  # every phrase draws its full entropy from the OS
        bip39.generate_mnemonic(words)
        assert spy.take() == [words * 4 // 3]
    secret = bytes(31) + b"\x01"
    v3.encrypt(secret, "pw", n=16, allow_weak=True)  # a 32-byte salt and a 16-byte IV
    assert {16, 32} <= set(spy.take())
    Keystore.create(tmp_path / "k", "pw", mnemonic=ABANDON, kdf=KdfParams.scrypt(n=16, r=1), allow_weak=True)
    assert sum(1 for n in spy.take() if n >= 12) >= 2  # salt and GCM nonce
    secp256k1.sign_schnorr(secret, bytes(32))  # BIP340 auxiliary randomness
    assert spy.take() == [32]
    # The phrase is a function of the OS bytes alone: fixed bytes give the phrase of those bytes.
    monkeypatch.setattr(secrets, "token_bytes", lambda n: bytes(range(n)))
    assert bip39.generate_mnemonic(24) == bip39.entropy_to_mnemonic(bytes(range(32)))
    # No module of the library imports `random` (ruff's banned-api rule in pyproject says the same).
    assert [str(p) for p in SOURCES if "random" in _imports(p)] == []
