"""27,000+ malformed inputs through the public API: only typed errors, also under ``python -O``.

The corpus (tests/hardening/corpus.py) is derived deterministically from valid inputs by
SHA-256-driven mutations: addresses, signatures and private keys of every chain, phrases,
paths, xpubs, amounts, PSBTs (binary and base64), raw Bitcoin transactions, EIP-712
documents, signer policies (TOML and mappings), transfer documents of every chain, and v3
keyfiles. A failure names the input family, the exception and where it was raised.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.hardening.corpus import run


def test_only_typed_errors() -> None:
    refused, accepted, failures = run()
    print(f"\nmalformed corpus: {refused + accepted} inputs, {refused} refused with a typed error, {accepted} accepted")
    assert not failures, "\n".join(f"{family}: {failure}" for family, failure in sorted(failures.items()))
    assert refused + accepted >= 10_000 and refused > (refused + accepted) * 0.6


def test_same_corpus_under_python_O() -> None:
    """Checks written as `assert` vanish under -O (eth-keyfile's PRF check did): the corpus must still pass."""
    script = Path(__file__).parent / "corpus.py"
    out = subprocess.run([sys.executable, "-O", str(script)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    refused, accepted = map(int, out.stdout.split()[:2])
    assert refused + accepted >= 10_000
