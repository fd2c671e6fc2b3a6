"""10,800 malformed inputs through the public API: only typed errors, also under ``python -O``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.hardening.corpus import cases
from walletkit.errors import WalletKitError


def test_only_typed_errors() -> None:
    seen = 0
    refused = 0
    for label, call in cases():
        seen += 1
        try:
            call()
        except WalletKitError:
            refused += 1
        except Exception as e:  # the failure this test exists to catch: report which input family
            raise AssertionError(f"{label}: {type(e).__name__}: {e}") from e
    assert seen >= 10_000 and refused > seen * 0.6


def test_same_corpus_under_python_O() -> None:
    script = Path(__file__).parent / "corpus.py"
    out = subprocess.run([sys.executable, "-O", str(script)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    refused, accepted = map(int, out.stdout.split())
    assert refused + accepted >= 10_000
