"""BIP39: the reference vectors of every language, NFKD, errors that never echo the phrase."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mnemonic import Mnemonic as Reference

from tests.conftest import load_vectors
from walletkit import bip39
from walletkit.errors import AmbiguousMnemonic, ChecksumMismatch, InvalidEntropy, InvalidMnemonic, UnknownWord
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
    """Failure class 16: BIP39 normalises phrase and passphrase with NFKD (bitcoinj#1493; trezor/python-trezor#150)."""
    vector = JAPANESE[1]
    nfc = unicodedata.normalize("NFC", vector["mnemonic"])
    assert bip39.mnemonic_to_seed(nfc, unicodedata.normalize("NFC", vector["passphrase"])).hex() == vector["seed"]


def test_passphrase_case_is_kept() -> None:
    """Failure class 16: the passphrase is never lower-cased (Electron-Cash#1878)."""
    phrase = "abandon " * 11 + "about"
    assert bip39.mnemonic_to_seed(phrase, "TREZOR") != bip39.mnemonic_to_seed(phrase, "trezor")


def test_unknown_word_names_position_only() -> None:
    phrase = "legal winner thank year wave sausage worth useful legal winner thank yelow"
    with pytest.raises(UnknownWord) as info:
        bip39.Mnemonic.parse(phrase)
    assert info.value.position == 12 and info.value.language == "english"
    assert str(info.value) == "word 12 is not in the BIP39 english word list"


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


# --- issue 16 --------------------------------------------------------------------------------------
# Expected values come from python-mnemonic (the BIP's reference implementation) and the Trezor
# vectors, never from walletkit.

# Found by search: every word is in the English and in the French list, and the checksum holds in both.
ENGLISH_AND_FRENCH = "miracle spatial amateur miracle abandon essence social spatial nation source cycle abandon"


def _ambiguous_phrases(first: str, second: str, count: int, seed: int) -> list[str]:
    """Phrases whose words are all in both lists and whose checksum holds in both (by search)."""
    shared = sorted(set(bip39.wordlist(first).index) & set(bip39.wordlist(second).index))
    rng, found = random.Random(seed), []
    while len(found) < count:
        words = [rng.choice(shared) for _ in range(rng.choice((12, 24)))]
        phrase = " ".join(words)
        if Reference(first).check(phrase) and Reference(second).check(phrase):
            if Reference(first).to_entropy(phrase) != Reference(second).to_entropy(phrase):
                found.append(phrase)
    return found


def test_phrase_valid_in_two_languages_is_ambiguous() -> None:
    assert Reference("english").check(ENGLISH_AND_FRENCH) and Reference("french").check(ENGLISH_AND_FRENCH)
    with pytest.raises(AmbiguousMnemonic, match="english and french") as info:
        bip39.Mnemonic.parse(ENGLISH_AND_FRENCH)
    assert info.value.languages == ("english", "french")
    assert "miracle" not in str(info.value) and "pass language=" in str(info.value)
    for refused in (bip39.validate_mnemonic, bip39.mnemonic_to_seed, wk_wallet_from_mnemonic):
        with pytest.raises(AmbiguousMnemonic):
            refused(ENGLISH_AND_FRENCH)
    assert not bip39.is_valid_mnemonic(ENGLISH_AND_FRENCH)
    for language in ("english", "french"):
        m = bip39.Mnemonic.parse(ENGLISH_AND_FRENCH, language)
        assert m.language == language
        assert m.entropy == bytes(Reference(language).to_entropy(ENGLISH_AND_FRENCH))
        assert bip39.mnemonic_to_seed(ENGLISH_AND_FRENCH, "x", language=language) == Reference.to_seed(
            ENGLISH_AND_FRENCH, "x"
        )


def wk_wallet_from_mnemonic(phrase: str) -> object:
    import walletkit as wk

    return wk.Wallet.from_mnemonic(phrase)


# Every pair of Latin-script lists that share words (English/French share 100, the Turkish list a
# few with five others), searched for phrases that read differently in both.
_PAIRS = [
    (a, b)
    for a, b in itertools.combinations(bip39.LANGUAGES, 2)
    if "chinese" not in a and set(bip39.wordlist(a).index) & set(bip39.wordlist(b).index)
]


@pytest.mark.parametrize(("first", "second"), _PAIRS, ids=[f"{a}-{b}" for a, b in _PAIRS])
def test_phrase_valid_in_two_languages_is_ambiguous_for_every_pair(first: str, second: str) -> None:
    for phrase in _ambiguous_phrases(first, second, 3, seed=len(first) * 31 + len(second)):
        with pytest.raises(AmbiguousMnemonic) as info:
            bip39.Mnemonic.parse(phrase.upper() if "turkish" not in (first, second) else phrase)
        assert set(info.value.languages) == {first, second}
        for language in (first, second):
            assert bip39.Mnemonic.parse(phrase, language).entropy == bytes(Reference(language).to_entropy(phrase))


def test_lists_sharing_words_at_the_same_index_are_not_ambiguous() -> None:
    # Chinese simplified and traditional share 1275 characters, each at the same index in both: a
    # phrase of them has one entropy (and the seed never depends on the language), so it is read.
    simplified, traditional = bip39.wordlist("chinese_simplified"), bip39.wordlist("chinese_traditional")
    shared = [w for w in simplified.index if traditional.index.get(w) == simplified.index[w]]
    assert len(shared) == 1275
    rng = random.Random(7)
    read = 0
    while read < 5:
        phrase = " ".join(rng.choice(shared) for _ in range(12))
        if Reference("chinese_simplified").check(phrase):
            m = bip39.Mnemonic.parse(phrase)
            assert m.entropy == bytes(Reference("chinese_traditional").to_entropy(phrase))
            read += 1


@pytest.mark.parametrize(
    ("language", "entropy", "phrase", "seed"),
    [(lang, v[0], v[1], v[2]) for lang, vectors in TREZOR.items() for v in vectors if lang != "turkish"],
)
def test_upper_case_words_are_normalised(language: str, entropy: str, phrase: str, seed: str) -> None:
    # "ABANDON" is "abandon": every BIP39 list is lower case, and the seed is that of the list's spelling.
    for variant in (phrase.upper(), phrase.title(), phrase.swapcase()):
        m = bip39.Mnemonic.parse(variant, language)
        assert m.entropy.hex() == entropy
        assert m.to_seed("TREZOR").hex() == seed
        assert bip39.mnemonic_to_seed(variant, "TREZOR", language=language).hex() == seed
    assert bip39.Mnemonic.parse(phrase.upper()).entropy.hex() == entropy


def test_upper_case_passphrase_is_not_normalised() -> None:
    phrase = "ABANDON " * 11 + "ABOUT"
    assert bip39.mnemonic_to_seed(phrase, "TREZOR") == bytes(Reference.to_seed("abandon " * 11 + "about", "TREZOR"))
    assert bip39.mnemonic_to_seed(phrase, "TREZOR") != bip39.mnemonic_to_seed(phrase, "trezor")


def _typos(word: str, rng: random.Random) -> str:
    """One keyboard slip: a letter dropped, doubled, swapped or replaced."""
    k = rng.randrange(len(word))
    slips = [
        word[:k] + word[k + 1 :],
        word[:k] + word[k] + word[k:],
        word[:k] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[k + 1 :],
    ]
    if k + 1 < len(word):
        slips.append(word[:k] + word[k + 1] + word[k] + word[k + 2 :])
    return rng.choice(slips)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(min_size=16, max_size=32).filter(lambda b: len(b) % 4 == 0),
    st.sampled_from(["english", "spanish", "french", "italian", "czech", "portuguese"]),
    st.integers(0, 2**32),
)
def test_mistyped_word_is_never_answered_with_close_words(entropy: bytes, language: str, seed: int) -> None:
    words = bip39.entropy_to_mnemonic(entropy, language).split()
    rng = random.Random(seed)
    position = rng.randrange(len(words))
    real = unicodedata.normalize("NFKD", words[position])
    typo = _typos(real, rng)
    assume(typo not in bip39.wordlist(language).index)
    words[position] = typo
    try:
        bip39.Mnemonic.parse(" ".join(words), language)
    except UnknownWord as e:
        # The message is fixed text: position and language, no word of the phrase, no close word.
        assert str(e) == f"word {position + 1} is not in the BIP39 {language} word list"
        assert vars(e) == {"position": position + 1, "language": language}
        assert e.args == (str(e),)
    else:
        pytest.fail("a word outside the list was accepted")


def test_close_words_is_an_explicit_call() -> None:
    assert "yellow" in bip39.close_words("yelow")
    assert bip39.close_words("ABUOT")[0] == "about"


def test_cli_prints_no_close_words_for_a_mistyped_word() -> None:
    # What a user sees (and a log keeps) from the command line: one line, no word.
    bad = "legal winner thank year wave sausage worth useful legal winner thank yelow"
    out = subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "mnemonic", "check"],
        input=bad,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "error: word 12 is not in the BIP39 english word list"
    for word in ("yellow", "yelow", "legal", "elbow", "below"):
        assert word not in out.stdout + out.stderr
