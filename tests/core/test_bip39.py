"""BIP39: the reference vectors of every language, NFKD, errors that never echo the phrase."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import load_vectors
from walletkit import bip39
from walletkit.errors import ChecksumMismatch, InvalidEntropy, InvalidMnemonic, UnknownWord
from walletkit.hd.bip32 import HDNode

TREZOR = load_vectors("bip39_trezor_vectors")
JAPANESE = load_vectors("bip39_japanese_bip32JP_vectors")
NON_ENGLISH = load_vectors("bip_utils_vectors")["bip39"]["TEST_VECT_non_english"]


def nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


@pytest.mark.parametrize(
    ("language", "entropy", "phrase", "seed", "xprv"),
    [(lang, *v) for lang, vectors in TREZOR.items() for v in vectors],
)
def test_trezor_vectors(language: str, entropy: str, phrase: str, seed: str, xprv: str) -> None:
    m = bip39.Mnemonic.parse(phrase)
    assert m.entropy.hex() == entropy
    assert nfkd(bip39.entropy_to_mnemonic(bytes.fromhex(entropy), language)) == nfkd(phrase)
    assert bip39.mnemonic_to_seed(phrase, "TREZOR").hex() == seed
    assert HDNode.from_seed(bytes.fromhex(seed)).to_xprv() == xprv
    # Chinese simplified and traditional share characters; detection may pick either
    # only when both lists hold every word with a valid checksum.
    assert m.language == language or {m.language, language} == {"chinese_simplified", "chinese_traditional"}


@pytest.mark.parametrize("vector", JAPANESE, ids=lambda v: v["entropy"][:8])
def test_japanese_vectors_nfkd_passphrase(vector: dict[str, str]) -> None:
    seed = bip39.mnemonic_to_seed(vector["mnemonic"], vector["passphrase"])
    assert seed.hex() == vector["seed"]
    assert HDNode.from_seed(seed).to_xprv() == vector["bip32_xprv"]
    assert nfkd(bip39.entropy_to_mnemonic(bytes.fromhex(vector["entropy"]), "japanese")) == nfkd(vector["mnemonic"])


@pytest.mark.parametrize("vector", NON_ENGLISH, ids=lambda v: v["lang"])
def test_bip_utils_non_english(vector: dict[str, str]) -> None:
    assert bip39.Mnemonic.parse(vector["mnemonic"]).entropy.hex() == vector["entropy"]
    assert bip39.mnemonic_to_seed(vector["mnemonic"], "TREZOR").hex() == vector["seed"]


def test_japanese_phrase_uses_ideographic_space() -> None:
    phrase = bip39.entropy_to_mnemonic(bytes(16), "japanese")
    assert "\u3000" in phrase and " " not in phrase


def test_nfc_and_nfkd_inputs_give_one_seed() -> None:
    vector = JAPANESE[1]
    nfc = unicodedata.normalize("NFC", vector["mnemonic"])
    assert bip39.mnemonic_to_seed(nfc, unicodedata.normalize("NFC", vector["passphrase"])).hex() == vector["seed"]


def test_passphrase_case_is_kept() -> None:
    phrase = "abandon " * 11 + "about"
    assert bip39.mnemonic_to_seed(phrase, "TREZOR") != bip39.mnemonic_to_seed(phrase, "trezor")


def test_unknown_word_names_position_and_suggestions_not_the_phrase() -> None:
    phrase = "legal winner thank year wave sausage worth useful legal winner thank yelow"
    with pytest.raises(UnknownWord) as info:
        bip39.Mnemonic.parse(phrase)
    assert info.value.position == 12
    assert "yellow" in info.value.suggestions
    message = str(info.value)
    assert message == "word 12 is not in the BIP39 english word list; closest valid words: yellow, elbow, below"
    assert "legal" not in message and "yelow" not in message


def test_checksum_mismatch() -> None:
    with pytest.raises(ChecksumMismatch, match="checksum"):
        bip39.Mnemonic.parse("abandon " * 12)


@pytest.mark.parametrize("count", [0, 1, 11, 13, 25])
def test_word_count(count: int) -> None:
    with pytest.raises(InvalidMnemonic, match=f"expected 12, 15, 18, 21 or 24 words, got {count}"):
        bip39.Mnemonic.parse("abandon " * count)


def test_electrum_seed_is_named() -> None:
    # An Electrum "standard" seed (electrum/version.py prefix 01): not BIP39.
    electrum = "wild father tree among universe such mobile favorite target dynamic credit identify"
    with pytest.raises(InvalidMnemonic, match="Electrum seed"):
        bip39.Mnemonic.parse(electrum)


@pytest.mark.parametrize("size", [0, 15, 17, 33, 64])
def test_entropy_sizes_refused(size: int) -> None:
    with pytest.raises(InvalidEntropy, match="16, 20, 24, 28 or 32 bytes"):
        bip39.entropy_to_mnemonic(bytes(size))


def test_generate_draws_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = bip39.secrets.token_bytes

    def spy(n: int) -> bytes:
        calls.append(n)
        return real(n)

    monkeypatch.setattr(bip39.secrets, "token_bytes", spy)
    for words, nbytes in ((12, 16), (15, 20), (18, 24), (21, 28), (24, 32)):
        phrase = bip39.generate_mnemonic(words, "spanish")
        assert len(phrase.split()) == words
        assert bip39.Mnemonic.parse(phrase).language == "spanish"
        assert calls[-1] == nbytes


def test_repr_redacts() -> None:
    m = bip39.Mnemonic.parse("abandon " * 11 + "about")
    assert "abandon" not in repr(m) and "abandon" not in str(m) and "abandon" not in f"{m}"


@given(st.binary(min_size=16, max_size=32).filter(lambda b: len(b) % 4 == 0), st.sampled_from(bip39.LANGUAGES))
def test_entropy_phrase_round_trip(entropy: bytes, language: str) -> None:
    phrase = bip39.entropy_to_mnemonic(entropy, language)
    assert bip39.Mnemonic.parse(phrase, language).entropy == entropy
