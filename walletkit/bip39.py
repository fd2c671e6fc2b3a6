"""BIP39: mnemonic sentences, their checksum, and the seed they give.

    ENT bits of entropy || CS = SHA256(entropy)[:ENT/32] bits  ->  11-bit word indexes
    seed = PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" || NFKD(passphrase), 2048)

Word lists are the ten of the BIP (plus Russian and Turkish, which some wallets use),
read from the ``mnemonic`` package (the reference implementation's lists). Entropy comes
from :mod:`secrets` only. Errors say which word position is wrong; they never echo the
phrase.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from walletkit.errors import ChecksumMismatch, InvalidEntropy, InvalidMnemonic, UnknownWord

LANGUAGES: tuple[str, ...] = (
    "english",
    "japanese",
    "korean",
    "spanish",
    "chinese_simplified",
    "chinese_traditional",
    "french",
    "italian",
    "czech",
    "portuguese",
    "russian",
    "turkish",
)
WORD_COUNTS: tuple[int, ...] = (12, 15, 18, 21, 24)
_IDEOGRAPHIC_SPACE = "\u3000"


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


@dataclass(frozen=True, slots=True)
class WordList:
    """One BIP39 word list: 2048 words and their NFKD index."""

    language: str
    words: tuple[str, ...]
    index: dict[str, int]

    @property
    def separator(self) -> str:
        """The separator a phrase in this language is written with."""
        return _IDEOGRAPHIC_SPACE if self.language == "japanese" else " "


@cache
def wordlist(language: str) -> WordList:
    """Return the word list of ``language`` (one of :data:`LANGUAGES`).

    >>> wordlist("english").words[:3]
    ('abandon', 'ability', 'able')
    """
    if language not in LANGUAGES:
        raise InvalidMnemonic(f"unknown BIP39 language {language!r}; expected one of {', '.join(LANGUAGES)}")
    text = resources.files("mnemonic").joinpath(f"wordlist/{language}.txt").read_text(encoding="utf-8")
    words = tuple(w.strip() for w in text.splitlines() if w.strip())
    if len(words) != 2048:  # a broken install, not user input
        raise InvalidMnemonic(f"the {language} word list has {len(words)} words, expected 2048")
    return WordList(language, words, {_nfkd(w): i for i, w in enumerate(words)})


@dataclass(frozen=True, slots=True, repr=False)
class Mnemonic:
    """A checked BIP39 phrase: its words (in the list's spelling) and language.

    The repr never shows the words.

    >>> m = Mnemonic.parse("abandon " * 11 + "about")
    >>> m
    Mnemonic(english, 12 words, <redacted>)
    >>> m.entropy.hex()
    '00000000000000000000000000000000'
    """

    words: tuple[str, ...]
    language: str

    @classmethod
    def parse(cls, phrase: str, language: str | None = None) -> Mnemonic:
        """Check a phrase (any whitespace, any Unicode normalization) and return it.

        Args:
            phrase: the mnemonic sentence.
            language: a language from :data:`LANGUAGES`, or None to detect it.

        Raises:
            InvalidMnemonic: wrong word count or not text.
            UnknownWord: a word is not in the list; names its position and close words.
            ChecksumMismatch: the words are known but the checksum fails.
        """
        if not isinstance(phrase, str):
            raise InvalidMnemonic(f"a mnemonic is text, got {type(phrase).__name__}")
        words = _nfkd(phrase).split()
        if len(words) not in WORD_COUNTS:
            raise InvalidMnemonic(f"expected 12, 15, 18, 21 or 24 words, got {len(words)}")
        candidates = [language] if language is not None else _detect(words)
        if language is not None:
            wordlist(language)  # validates the language name
        last_error: InvalidMnemonic | None = None
        for lang in candidates:
            wl = wordlist(lang)
            indexes = []
            for position, word in enumerate(words, start=1):
                i = wl.index.get(word)
                if i is None:
                    raise UnknownWord(position, _suggest(word, wl), lang)
                indexes.append(i)
            try:
                _indexes_to_entropy(indexes)
            except ChecksumMismatch as e:
                last_error = e
                continue
            return cls(tuple(wl.words[i] for i in indexes), lang)
        if last_error is not None and _looks_like_electrum(words):
            raise InvalidMnemonic(
                "this is an Electrum seed, not a BIP39 mnemonic; Electrum derives keys differently"
            ) from None
        raise last_error or InvalidMnemonic("no BIP39 word list contains every word")

    @property
    def entropy(self) -> bytes:
        """The entropy the phrase encodes."""
        wl = wordlist(self.language)
        return _indexes_to_entropy([wl.index[_nfkd(w)] for w in self.words])

    @property
    def phrase(self) -> str:
        """The phrase, words joined by the language's separator (a secret: handle with care)."""
        return wordlist(self.language).separator.join(self.words)

    def to_seed(self, passphrase: str = "") -> bytes:
        """Return the 64-byte BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds)."""
        return mnemonic_to_seed(self.phrase, passphrase, _checked=True)

    def __repr__(self) -> str:
        return f"Mnemonic({self.language}, {len(self.words)} words, <redacted>)"

    __str__ = __repr__


def _detect(words: list[str]) -> list[str]:
    """Return the languages whose list holds every word (first word decides when none does)."""
    full = [lang for lang in LANGUAGES if all(w in wordlist(lang).index for w in words)]
    if full:
        return full
    # No list has every word: report against the list that has the most of them.
    best = max(LANGUAGES, key=lambda lang: sum(w in wordlist(lang).index for w in words))
    return [best]


def _suggest(word: str, wl: WordList) -> list[str]:
    return difflib.get_close_matches(word, list(wl.index), n=3, cutoff=0.6)


def _looks_like_electrum(words: list[str]) -> bool:
    # Electrum's seed version: HMAC-SHA512("Seed version", phrase) starts with 01/100/101/102.
    digest = hmac.digest(b"Seed version", " ".join(words).encode(), "sha512").hex()
    return digest.startswith(("01", "100", "101", "102"))


def _indexes_to_entropy(indexes: list[int]) -> bytes:
    total_bits = len(indexes) * 11
    cs_bits = total_bits // 33
    ent_bits = total_bits - cs_bits
    value = 0
    for i in indexes:
        value = (value << 11) | i
    entropy = (value >> cs_bits).to_bytes(ent_bits // 8, "big")
    checksum = value & ((1 << cs_bits) - 1)
    if hashlib.sha256(entropy).digest()[0] >> (8 - cs_bits) != checksum:
        raise ChecksumMismatch("every word is in the word list, but the BIP39 checksum does not match")
    return entropy


def entropy_to_mnemonic(entropy: bytes, language: str = "english") -> str:
    """Encode 16, 20, 24, 28 or 32 bytes of entropy as a phrase.

    >>> entropy_to_mnemonic(bytes(16)).split()[-1]
    'about'

    Raises:
        InvalidEntropy: a length BIP39 does not allow.
    """
    if not isinstance(entropy, (bytes, bytearray)) or len(entropy) not in (16, 20, 24, 28, 32):
        got = len(entropy) if isinstance(entropy, (bytes, bytearray)) else type(entropy).__name__
        raise InvalidEntropy(f"BIP39 entropy is 16, 20, 24, 28 or 32 bytes (128-256 bits), got {got}")
    wl = wordlist(language)
    ent_bits = len(entropy) * 8
    cs_bits = ent_bits // 32
    value = (int.from_bytes(entropy, "big") << cs_bits) | (hashlib.sha256(entropy).digest()[0] >> (8 - cs_bits))
    count = (ent_bits + cs_bits) // 11
    words = [wl.words[(value >> (11 * (count - 1 - k))) & 0x7FF] for k in range(count)]
    return wl.separator.join(words)


def generate_mnemonic(words: int = 12, language: str = "english") -> str:
    """Return a new random phrase of ``words`` words, entropy from the OS CSPRNG.

    >>> len(generate_mnemonic(24).split())
    24

    Raises:
        InvalidMnemonic: a word count other than 12, 15, 18, 21 or 24, or an unknown language.
    """
    if words not in WORD_COUNTS:
        raise InvalidMnemonic(f"expected 12, 15, 18, 21 or 24 words, got {words}")
    return entropy_to_mnemonic(secrets.token_bytes(words * 4 // 3), language)


def validate_mnemonic(phrase: str, language: str | None = None) -> Mnemonic:
    """Check a phrase and return it as a :class:`Mnemonic` (see :meth:`Mnemonic.parse`)."""
    return Mnemonic.parse(phrase, language)


def is_valid_mnemonic(phrase: str, language: str | None = None) -> bool:
    """Return True if ``phrase`` is a valid BIP39 mnemonic.

    >>> is_valid_mnemonic("abandon " * 12)
    False
    """
    try:
        Mnemonic.parse(phrase, language)
    except InvalidMnemonic:
        return False
    return True


def mnemonic_to_seed(phrase: str, passphrase: str = "", *, _checked: bool = False) -> bytes:
    """Return the 64-byte BIP39 seed of a phrase; the phrase is checked first.

    Both phrase and passphrase are NFKD-normalized; case is preserved.

    >>> mnemonic_to_seed("abandon " * 11 + "about", "TREZOR").hex()[:16]
    'c55257c360c07c72'
    """
    if not isinstance(passphrase, str):
        raise InvalidMnemonic(f"a passphrase is text, got {type(passphrase).__name__}")
    if not _checked:
        phrase = Mnemonic.parse(phrase).phrase
    sentence = " ".join(_nfkd(phrase).split())
    salt = "mnemonic" + _nfkd(passphrase)
    return hashlib.pbkdf2_hmac("sha512", sentence.encode("utf-8"), salt.encode("utf-8"), 2048)
