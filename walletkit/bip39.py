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

from walletkit.errors import AmbiguousMnemonic, ChecksumMismatch, InvalidEntropy, InvalidMnemonic, UnknownWord

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


class Mnemonic:
    """A checked BIP39 phrase: its words (in the list's spelling) and language.

    A secret, held as :class:`~walletkit.keys.PrivateKey` holds a key: the repr never shows
    the words; ``dir()`` (so ``rich.inspect``, debuggers and IDEs) does not list them; it is
    not a dataclass (``dataclasses.asdict`` refuses it); pickling and copying are refused.
    The words are reached only by name: :attr:`phrase`, :attr:`words`, :attr:`entropy`.

    >>> m = Mnemonic.parse("abandon " * 11 + "about")
    >>> m
    Mnemonic(english, 12 words, <redacted>)
    >>> m.entropy.hex()
    '00000000000000000000000000000000'
    """

    __slots__ = ("_words", "language")

    _words: tuple[str, ...]
    language: str

    def __init__(self, words: tuple[str, ...], language: str) -> None:
        """Check words already split and normalized (use :meth:`parse` for a phrase).

        Raises:
            InvalidMnemonic, UnknownWord, ChecksumMismatch: as :meth:`parse`.
        """
        wl = wordlist(language)
        if not isinstance(words, tuple) or len(words) not in WORD_COUNTS:
            raise InvalidMnemonic("expected a tuple of 12, 15, 18, 21 or 24 words")
        _indexes_to_entropy(_indexes(list(words), wl))
        object.__setattr__(self, "_words", tuple(wl.words[wl.index[_nfkd(w)]] for w in words))
        object.__setattr__(self, "language", language)

    @classmethod
    def parse(cls, phrase: str, language: str | None = None) -> Mnemonic:
        """Check a phrase (any whitespace, any Unicode normalization, any case) and return it.

        Words are compared in lower case (every BIP39 list is lower case), so ``ABANDON``
        is ``abandon``; the seed is that of the list's spelling.

        Args:
            phrase: the mnemonic sentence.
            language: a language from :data:`LANGUAGES`, or None to detect it.

        Raises:
            InvalidMnemonic: wrong word count, not text, an Electrum seed.
            AmbiguousMnemonic: no ``language`` was given and the phrase is valid in two or
                more lists with different entropy (English and French share 100 words).
            UnknownWord: a word is not in the list; names its position only (never the word,
                nor the closest valid words: in a log they would give the real word away).
            ChecksumMismatch: the words are known but the checksum fails.
        """
        if not isinstance(phrase, str):
            raise InvalidMnemonic(f"a mnemonic is text, got {type(phrase).__name__}")
        words = [_nfkd(w.lower()) for w in _nfkd(phrase).split()]
        if len(words) not in WORD_COUNTS:
            raise InvalidMnemonic(f"expected 12, 15, 18, 21 or 24 words, got {len(words)}")
        if language is not None:
            wl = wordlist(language)  # validates the language name
            _checksum(words, _indexes(words, wl))
            return cls._trusted(words, wl)
        candidates = [lang for lang in LANGUAGES if all(w in wordlist(lang).index for w in words)]
        if not candidates:
            # No list has every word: report against the list that has the most of them.
            best = max(LANGUAGES, key=lambda lang: sum(w in wordlist(lang).index for w in words))
            _indexes(words, wordlist(best))
        valid: dict[str, bytes] = {}
        for lang in candidates:
            try:
                valid[lang] = _indexes_to_entropy(_indexes(words, wordlist(lang)))
            except ChecksumMismatch:
                continue
        if not valid:  # every list holding the words fails the checksum: raise it (or name an Electrum seed)
            _checksum(words, _indexes(words, wordlist(candidates[0])))
        if len(set(valid.values())) > 1:
            raise AmbiguousMnemonic(tuple(valid))
        # One reading, or lists that share these words at the same indexes (Chinese simplified
        # and traditional): one entropy, one seed, whichever list is named.
        return cls._trusted(words, wordlist(next(iter(valid))))

    @classmethod
    def _trusted(cls, words: list[str], wl: WordList) -> Mnemonic:
        m = object.__new__(cls)
        object.__setattr__(m, "_words", tuple(wl.words[wl.index[w]] for w in words))
        object.__setattr__(m, "language", wl.language)
        return m

    @property
    def word_count(self) -> int:
        """How many words the phrase has (12, 15, 18, 21 or 24); not a secret."""
        return len(self._words)

    @property
    def words(self) -> tuple[str, ...]:
        """The words in the list's spelling (a secret: handle with care)."""
        return self._words

    @property
    def entropy(self) -> bytes:
        """The entropy the phrase encodes (a secret: it is the phrase)."""
        wl = wordlist(self.language)
        return _indexes_to_entropy([wl.index[_nfkd(w)] for w in self._words])

    @property
    def phrase(self) -> str:
        """The phrase, words joined by the language's separator (a secret: handle with care)."""
        return wordlist(self.language).separator.join(self._words)

    def to_seed(self, passphrase: str = "") -> bytes:
        """Return the 64-byte BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds)."""
        return mnemonic_to_seed(self.phrase, passphrase, _checked=True)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Mnemonic is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Mnemonic is immutable")

    def __repr__(self) -> str:
        return f"Mnemonic({self.language}, {len(self._words)} words, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mnemonic):
            return NotImplemented
        return self.language == other.language and hmac.compare_digest(
            self.phrase.encode("utf-8"), other.phrase.encode("utf-8")
        )

    def __hash__(self) -> int:
        return hash((Mnemonic, self.language, self._words))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Mnemonic cannot be pickled or copied; keep the phrase in a keystore")

    def __getstate__(self) -> object:
        raise TypeError("a Mnemonic has no state to export; read .phrase explicitly if you must")

    def __dir__(self) -> list[str]:
        # Inspectors (rich.inspect, debuggers, IDEs) list what dir() names and read each
        # attribute: the words and what is made from them are left out.
        return [name for name in object.__dir__(self) if name not in _SECRET_ATTRIBUTES]


_SECRET_ATTRIBUTES = frozenset({"_words", "words", "phrase", "entropy"})


def _indexes(words: list[str], wl: WordList) -> list[int]:
    """Return the word indexes in ``wl``; the error names a position, never a word."""
    indexes = []
    for position, word in enumerate(words, start=1):
        i = wl.index.get(word)
        if i is None:
            raise UnknownWord(position, wl.language)
        indexes.append(i)
    return indexes


def _checksum(words: list[str], indexes: list[int]) -> None:
    """Check the checksum of ``indexes``, naming an Electrum seed for what it is."""
    try:
        _indexes_to_entropy(indexes)
    except ChecksumMismatch:
        if _looks_like_electrum(words):
            raise InvalidMnemonic(
                "this is an Electrum seed, not a BIP39 mnemonic; Electrum derives keys differently"
            ) from None
        raise


def close_words(word: str, language: str = "english", count: int = 3) -> list[str]:
    """Return up to ``count`` list words closest to ``word``, for a person typing a phrase.

    Parsing never suggests words (a suggestion in a log gives the real word away). An
    interactive prompt may call this for the one word it just read, and show the answer
    to the person at the keyboard only.

    >>> close_words("abuot")
    ['about', 'boat', 'auto']

    Raises:
        InvalidMnemonic: an unknown language.
    """
    wl = wordlist(language)
    return difflib.get_close_matches(_nfkd(str(word).lower()), list(wl.index), n=count, cutoff=0.6)


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
    """Check a phrase and return it as a :class:`Mnemonic` (see :meth:`Mnemonic.parse`).

    >>> validate_mnemonic("ABANDON " * 11 + "About").word_count
    12

    Raises:
        InvalidMnemonic, AmbiguousMnemonic, UnknownWord, ChecksumMismatch: as :meth:`Mnemonic.parse`.
    """
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


def mnemonic_to_seed(
    phrase: str, passphrase: str = "", *, language: str | None = None, _checked: bool = False
) -> bytes:
    """Return the 64-byte BIP39 seed of a phrase; the phrase is checked first.

    Both phrase and passphrase are NFKD-normalized; the passphrase keeps its case. The
    phrase is read as :meth:`Mnemonic.parse` reads it (``language`` as there), and the seed
    is that of the list's spelling.

    >>> mnemonic_to_seed("abandon " * 11 + "about", "TREZOR").hex()[:16]
    'c55257c360c07c72'

    Raises:
        InvalidMnemonic, AmbiguousMnemonic, UnknownWord, ChecksumMismatch: as :meth:`Mnemonic.parse`.
    """
    if not isinstance(passphrase, str):
        raise InvalidMnemonic(f"a passphrase is text, got {type(passphrase).__name__}")
    if not _checked:
        phrase = Mnemonic.parse(phrase, language).phrase
    sentence = " ".join(_nfkd(phrase).split())
    salt = "mnemonic" + _nfkd(passphrase)
    return hashlib.pbkdf2_hmac("sha512", sentence.encode("utf-8"), salt.encode("utf-8"), 2048)
