"""SoftHSM2 for the HSM tests: one temporary token directory per session, removed at the end.

SoftHSM2 comes from Debian's ``softhsm2`` package (``.ci/run`` installs it). Without it the
session fixture fails with what to install: these tests never skip.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from walletkit.keys.pkcs11 import Pkcs11KeyStore
from walletkit.keys.softhsm import SoftHsm

TOKEN = "walletkit-test"
PIN = "pin-ZQ81734-secret"  # distinctive: every refusal test asserts it appears in no message
SPARE = "walletkit-spare"  # a second token, for refusals that must not disturb the first's login
SPARE_PIN = "pin-XK55210-spare"


@pytest.fixture(scope="session")
def softhsm() -> Iterator[SoftHsm]:
    """SoftHSM2 started in a temp token directory with two fresh tokens; closed and removed at the end."""
    hsm = SoftHsm({TOKEN: PIN, SPARE: SPARE_PIN})
    hsm.start()  # EngineError (softhsm2-util or libsofthsm2.so missing): every test here errors, none skips
    try:
        yield hsm
    finally:
        hsm.close()


@pytest.fixture(scope="session")
def hsm_store(softhsm: SoftHsm) -> Iterator[Pkcs11KeyStore]:
    """The session's logged-in store on the test token."""
    store = Pkcs11KeyStore(softhsm.library_path, TOKEN, PIN)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def label() -> str:
    """A fresh key label."""
    return "key-" + secrets.token_hex(6)
