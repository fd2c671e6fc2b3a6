"""Canary: a known phrase, seed and key never appear in any repr, str, exception or log line.

Failure class 22 (secrets in repr/logs/tracebacks). The scenarios below exercise the
public API, including its error paths, with logging captured at DEBUG.
"""

from __future__ import annotations

import logging
import pickle

import pytest

import walletkit as wk
from walletkit.bip39 import Mnemonic, mnemonic_to_seed
from walletkit.hd.bip32 import HDNode

PHRASE = "turtle front uncle idea crush write shrug there lottery flower risk shell"
PASSPHRASE = "canary-passphrase-7f3a"


def _secrets(wallet: wk.Wallet) -> list[str]:
    seed = mnemonic_to_seed(PHRASE, PASSPHRASE)
    out = [PHRASE, PASSPHRASE, seed.hex(), " ".join(PHRASE.split()[3:7])]
    for chain in wk.list_chains():
        account = wallet.account(chain)
        out += [account.signing_key().secret_bytes().hex(), account.export_private_key()]
    out.append(HDNode.from_seed(seed).to_xprv())
    return out


def test_canary(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    wallet = wk.Wallet.from_mnemonic(PHRASE, PASSPHRASE)
    texts += [repr(wallet), str(wallet), repr(Mnemonic.parse(PHRASE)), str(Mnemonic.parse(PHRASE))]
    for chain in wk.list_chains():
        account = wallet.account(chain)
        key = account.signing_key()
        texts += [repr(account), str(account), repr(key), str(key), f"{key}", f"{key!r}", f"{account}"]
        # Error paths that handle secrets: a key of the wrong form, a tampered export.
        exported = account.export_private_key()
        for bad in (exported[:-2], exported + "00", exported.upper()[:-1] + "!"):
            try:
                wk.Account.from_private_key(chain, bad)
            except wk.errors.WalletKitError as e:
                texts.append(str(e))
                texts.append(repr(e))
    for bad_phrase in (PHRASE.replace("uncle", "uncel"), PHRASE + " shell", PHRASE.replace("shell", "shelf")):
        try:
            wk.Wallet.from_mnemonic(bad_phrase)
        except wk.errors.WalletKitError as e:
            texts += [str(e), repr(e)]
    for obj in (wallet, wallet.account("eth"), wallet.account("eth").signing_key()):
        try:
            pickle.dumps(obj)
        except TypeError as e:
            texts.append(str(e))
        else:
            pytest.fail(f"{type(obj).__name__} pickled; it must refuse")
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    for secret in _secrets(wallet):
        assert secret not in blob
        assert secret.lower() not in blob.lower()
