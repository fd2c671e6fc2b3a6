"""BIP39 refusals pinned line by line (issue 19's surviving bip39 mutants).

The Electrum phrases below were found by drawing English words at random until Electrum's seed
version, HMAC-SHA512(key="Seed version", phrase) in hex, began with each of Electrum's prefixes
(electrum/version.py: 01 standard, 100 segwit, 101 2FA, 102 2FA segwit) while the BIP39 checksum
failed; the test recomputes both facts with hashlib and the ``mnemonic`` package, not walletkit.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from mnemonic import Mnemonic as ReferenceMnemonic

import walletkit as wk
from walletkit import bip39

ELECTRUM = {
    "100": "sport prison wave choice shock work dream area client project remain flavor",
    "101": "lunar cart derive essay outdoor input ocean glow once shed poverty equal",
    "102": "twist ridge cave couple lecture demise prosper goose orchard ice february banana",
}
VALID = "abandon " * 11 + "about"


@pytest.mark.parametrize("prefix", sorted(ELECTRUM))
def test_electrum_segwit_and_2fa_seeds_are_named(prefix: str) -> None:
    phrase = ELECTRUM[prefix]
    assert hmac.digest(b"Seed version", phrase.encode(), "sha512").hex().startswith(prefix)
    assert not ReferenceMnemonic("english").check(phrase)
    with pytest.raises(wk.errors.InvalidMnemonic, match="Electrum seed"):
        bip39.Mnemonic.parse(phrase)
    with pytest.raises(wk.errors.InvalidMnemonic, match="Electrum seed"):
        bip39.Mnemonic.parse(phrase, "english")


def test_a_plain_checksum_failure_is_not_called_electrum() -> None:
    phrase = "abandon " * 12  # every word known, checksum wrong, Electrum version 52...
    assert not hmac.digest(b"Seed version", phrase.strip().encode(), "sha512").hex().startswith(("01", "10"))
    with pytest.raises(wk.errors.ChecksumMismatch):
        bip39.Mnemonic.parse(phrase)


@pytest.mark.parametrize(
    "phrase",
    [
        "abandon " * 12,  # checksum
        "abandon " * 11,  # word count
        "abandon " * 11 + "abcdefg",  # unknown word
        ELECTRUM["101"],
    ],
)
def test_no_seed_from_an_invalid_phrase(phrase: str) -> None:
    with pytest.raises(wk.errors.InvalidMnemonic):
        bip39.mnemonic_to_seed(phrase)


def test_the_seed_is_bip39s() -> None:
    expected = hashlib.pbkdf2_hmac("sha512", VALID.encode(), b"mnemonicTREZOR", 2048)
    assert bip39.mnemonic_to_seed(VALID, "TREZOR") == expected
    assert bip39.mnemonic_to_seed("  ABANDON " * 11 + "About ", "TREZOR") == expected


@pytest.mark.parametrize("passphrase", [b"TREZOR", 5, None])
def test_a_passphrase_that_is_not_text_is_a_typed_error(passphrase: object) -> None:
    with pytest.raises(wk.errors.InvalidMnemonic, match=f"a passphrase is text, got {type(passphrase).__name__}"):
        bip39.mnemonic_to_seed(VALID, passphrase)  # type: ignore[arg-type]
