"""A deterministic malformed-input corpus for the public API (no randomness: SHA-256 expansion).

Run as a script (``python -O tests/hardening/corpus.py``) it feeds every input to the API
and prints how many were refused with a typed error; any other exception ends it.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import walletkit as wk
from walletkit.errors import WalletKitError

VALID = {
    "btc": "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
    "eth": "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
    "tron": "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
    "sol": "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk",
}
PHRASE = "abandon " * 11 + "about"
XPUB = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
ALPHABET = "0123456789abcdefABCDEFxyzXYZ'/ .h-_\u3000é\x00\u202e日🙂"


def _stream(seed: str) -> Iterator[int]:
    counter = 0
    while True:
        yield from hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1


def mutate(text: str, seed: str) -> str:
    """Return a deterministic mutation of ``text``: flips, deletions, insertions, truncation."""
    bytes_ = _stream(seed)
    chars = list(text)
    for _ in range(1 + next(bytes_) % 4):
        op, pos = next(bytes_) % 5, next(bytes_) % (len(chars) + 1)
        if op == 0 and chars and pos < len(chars):
            chars[pos] = ALPHABET[next(bytes_) % len(ALPHABET)]
        elif op == 1 and chars and pos < len(chars):
            del chars[pos]
        elif op == 2:
            chars.insert(pos, ALPHABET[next(bytes_) % len(ALPHABET)])
        elif op == 3:
            chars = chars[:pos]
        elif chars and pos < len(chars):
            chars[pos] = chars[pos].swapcase()
    return "".join(chars)


def cases() -> Iterator[tuple[str, Callable[[], object]]]:
    """Yield (label, call) pairs: 10,800 malformed inputs to public entry points."""
    for i in range(1200):
        for chain, address in VALID.items():
            bad = mutate(address, f"{chain}{i}")
            yield f"address-{chain}", lambda c=chain, b=bad: wk.validate_address(c, b)
            yield f"verify-{chain}", lambda c=chain, b=bad: wk.verify_message(c, VALID[c], "m", b)
        bad_phrase = mutate(PHRASE, f"phrase{i}")
        yield "mnemonic", lambda b=bad_phrase: wk.Wallet.from_mnemonic(b)
        bad_path, bad_xpub = mutate("m/44'/60'/0'/0/7", f"path{i}"), mutate(XPUB, f"xpub{i}")
        yield "path", lambda b=bad_path: wk.DerivationPath.parse(b)
        yield "xpub", lambda b=bad_xpub: wk.Wallet.from_xpub(b, "btc")


def main() -> None:
    """Run every case; print refused and accepted counts."""
    refused = accepted = 0
    for _, call in cases():
        try:
            call()
            accepted += 1
        except WalletKitError:
            refused += 1
    print(refused, accepted)


if __name__ == "__main__":
    main()
