"""BIP39 refusals pinned line by line (issue 19's surviving bip39 mutants).

The Electrum phrases below were found by drawing English words at random until Electrum's seed
version, HMAC-SHA512(key="Seed version", phrase) in hex, began with each of Electrum's prefixes
(electrum/version.py: 01 standard, 100 segwit, 101 2FA, 102 2FA segwit) while the BIP39 checksum
failed; the test recomputes both facts with hashlib and the ``mnemonic`` package, not walletkit.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import pytest
from mnemonic import Mnemonic as ReferenceMnemonic

import walletkit as wk
from walletkit import bip39

ELECTRUM = {
    "01": "rose notable tuna fitness fashion release tape typical dutch close toilet young",
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
    message = "this is an Electrum seed, not a BIP39 mnemonic; Electrum derives keys differently"
    for language in (None, "english"):
        with pytest.raises(wk.errors.InvalidMnemonic) as info:
            bip39.Mnemonic.parse(phrase, language)
        assert str(info.value) == message


def test_a_plain_checksum_failure_is_not_called_electrum() -> None:
    phrase = "abandon " * 12  # every word known, checksum wrong, Electrum version 52...
    assert not hmac.digest(b"Seed version", phrase.strip().encode(), "sha512").hex().startswith(("01", "10"))
    for language in (None, "english"):
        with pytest.raises(wk.errors.ChecksumMismatch) as info:
            bip39.Mnemonic.parse(phrase, language)
        assert str(info.value) == "every word is in the word list, but the BIP39 checksum does not match"


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


# English and French share 100 words. Checked below with the reference implementation: this phrase
# reads differently in both lists (from tests/core/test_bip39.py), and the second reads only in French.
ENGLISH_AND_FRENCH = "miracle spatial amateur miracle abandon essence social spatial nation source cycle abandon"
FRENCH_ONLY = "surprise surface position noble miracle simple badge label caution immense nation label"


def test_a_phrase_is_read_in_the_one_list_whose_checksum_holds() -> None:
    assert ReferenceMnemonic("french").check(FRENCH_ONLY) and not ReferenceMnemonic("english").check(FRENCH_ONLY)
    assert all(w in ReferenceMnemonic("english").wordlist for w in FRENCH_ONLY.split())
    m = bip39.Mnemonic.parse(FRENCH_ONLY)
    assert m.language == "french"
    assert m.entropy == bytes(ReferenceMnemonic("french").to_entropy(FRENCH_ONLY))


def test_a_named_language_is_passed_through() -> None:
    english, french = ReferenceMnemonic("english"), ReferenceMnemonic("french")
    assert english.check(ENGLISH_AND_FRENCH) and french.check(ENGLISH_AND_FRENCH)
    assert english.to_entropy(ENGLISH_AND_FRENCH) != french.to_entropy(ENGLISH_AND_FRENCH)
    assert bip39.validate_mnemonic(ENGLISH_AND_FRENCH, "french").language == "french"
    assert bip39.validate_mnemonic(ENGLISH_AND_FRENCH, "english").language == "english"
    assert bip39.is_valid_mnemonic(ENGLISH_AND_FRENCH, "english") is True
    assert bip39.is_valid_mnemonic(ENGLISH_AND_FRENCH, "french") is True
    assert bip39.is_valid_mnemonic(ENGLISH_AND_FRENCH) is False  # ambiguous without one
    assert bip39.is_valid_mnemonic(VALID) is True
    assert bip39.is_valid_mnemonic(VALID, "english") is True


def test_a_mnemonic_read_in_one_language_gives_its_seed_without_asking_again() -> None:
    expected = hashlib.pbkdf2_hmac("sha512", ENGLISH_AND_FRENCH.encode(), b"mnemonic", 2048)
    for language in ("english", "french"):
        m = bip39.Mnemonic.parse(ENGLISH_AND_FRENCH, language)
        assert m.to_seed() == expected  # the seed of the sentence; no AmbiguousMnemonic from a second parse
        assert m.to_seed("pw") == hashlib.pbkdf2_hmac("sha512", ENGLISH_AND_FRENCH.encode(), b"mnemonicpw", 2048)


def test_the_default_passphrase_is_empty() -> None:
    expected = hashlib.pbkdf2_hmac("sha512", VALID.encode(), b"mnemonic", 2048)
    assert expected.hex().startswith("5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1")  # BIP39 vector
    assert bip39.mnemonic_to_seed(VALID) == expected
    assert bip39.Mnemonic.parse(VALID).to_seed() == expected


def test_refusal_messages_name_what_came() -> None:
    with pytest.raises(wk.errors.InvalidMnemonic) as info:
        bip39.Mnemonic.parse(12)  # type: ignore[arg-type]
    assert str(info.value) == "a mnemonic is text, got int"
    with pytest.raises(wk.errors.InvalidMnemonic) as info:
        bip39.generate_mnemonic(13)
    assert str(info.value) == "expected 12, 15, 18, 21 or 24 words, got 13"
    with pytest.raises(wk.errors.InvalidEntropy) as entropy_info:
        bip39.entropy_to_mnemonic(bytes(15))
    assert str(entropy_info.value) == "BIP39 entropy is 16, 20, 24, 28 or 32 bytes (128-256 bits), got 15"
    with pytest.raises(wk.errors.InvalidEntropy) as entropy_info:
        bip39.entropy_to_mnemonic("00" * 16)  # type: ignore[arg-type]
    assert str(entropy_info.value) == "BIP39 entropy is 16, 20, 24, 28 or 32 bytes (128-256 bits), got str"


def test_generate_defaults_to_twelve_words() -> None:
    phrase = bip39.generate_mnemonic()
    assert len(phrase.split()) == 12 and ReferenceMnemonic("english").check(phrase)


def test_close_words_gives_count_words() -> None:
    # The three closest to "abuot" are 'about', 'boat', 'auto' in that order (close_words' doctest).
    assert bip39.close_words("abuot", count=1) == ["about"]
    assert bip39.close_words("abuot", count=2) == ["about", "boat"]


def test_format_is_the_redacted_repr() -> None:
    m = bip39.Mnemonic.parse(VALID)
    assert format(m) == f"{m:>40}" == "Mnemonic(english, 12 words, <redacted>)"


def test_the_constructor_checks_words_already_split() -> None:
    words = tuple(VALID.split())
    m = bip39.Mnemonic(words, "english")
    assert m.words == words and m.language == "english" and m == bip39.Mnemonic.parse(VALID)
    assert m.entropy == bytes(16)
    # Accented words (the Spanish list is written in NFKD, the form parse() hands over) are read too.
    spanish = ReferenceMnemonic("spanish").to_mnemonic(bytes(range(16)))
    nfkd = tuple(unicodedata.normalize("NFKD", w) for w in spanish.split())
    s = bip39.Mnemonic(nfkd, "spanish")
    assert s.words == tuple(spanish.split()) and s.language == "spanish"
    assert s.entropy == bytes(range(16))
    for bad, error in [
        (list(words), "expected a tuple of 12, 15, 18, 21 or 24 words"),
        (words[:11], "expected a tuple of 12, 15, 18, 21 or 24 words"),
    ]:
        with pytest.raises(wk.errors.InvalidMnemonic) as info:
            bip39.Mnemonic(bad, "english")  # type: ignore[arg-type]
        assert str(info.value) == error
    with pytest.raises(wk.errors.UnknownWord):
        bip39.Mnemonic((*words[:11], "abcdefg"), "english")
    with pytest.raises(wk.errors.ChecksumMismatch):
        bip39.Mnemonic(("abandon",) * 12, "english")


def test_equality_needs_the_same_language_and_words() -> None:
    english = bip39.Mnemonic.parse(ENGLISH_AND_FRENCH, "english")
    french = bip39.Mnemonic.parse(ENGLISH_AND_FRENCH, "french")
    assert english != french  # one sentence, two entropies
    assert english == bip39.Mnemonic.parse(ENGLISH_AND_FRENCH.upper(), "english")
    assert english != bip39.Mnemonic.parse(VALID)
    assert english.__eq__(ENGLISH_AND_FRENCH) is NotImplemented and english != ENGLISH_AND_FRENCH
    assert hash(english) != hash(french)
    assert hash(english) == hash(bip39.Mnemonic.parse(ENGLISH_AND_FRENCH, "english"))
    assert len({english, french, bip39.Mnemonic.parse(VALID)}) == 3


def test_dir_lists_every_name_but_the_secret_ones() -> None:
    m = bip39.Mnemonic.parse(VALID)
    listed = dir(m)
    assert set(listed) == set(object.__dir__(m)) - {"_words", "words", "phrase", "entropy"}
    assert {"language", "word_count", "to_seed", "__eq__"} <= set(listed)


def test_refused_operations_say_why() -> None:
    m = bip39.Mnemonic.parse(VALID)
    for action in (lambda: setattr(m, "language", "french"), lambda: delattr(m, "language")):
        with pytest.raises(AttributeError) as info:
            action()
        assert str(info.value) == "Mnemonic is immutable"
    with pytest.raises(TypeError) as type_info:
        m.__reduce__()
    assert str(type_info.value) == "a Mnemonic cannot be pickled or copied; keep the phrase in a keystore"
    with pytest.raises(TypeError) as type_info:
        m.__getstate__()
    assert str(type_info.value) == "a Mnemonic has no state to export; read .phrase explicitly if you must"
