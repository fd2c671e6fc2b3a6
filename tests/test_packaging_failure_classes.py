"""Failure classes 2 and 3 (tests/hardening/FAILURE-CLASSES.md): the wheel that ships holds no weak PRNG.

Moved from tests/hardening/test_failure_classes.py. Both rows read the built wheel, so it is
built once for the module.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SOURCES = [p for pkg in ("walletkit", "chains") for p in (ROOT / pkg).rglob("*.py")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the distribution's wheel with the project's own build backend (hatchling)."""
    folder = tmp_path_factory.mktemp("wheel")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(folder),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"building the wheel needs hatchling in the environment: {out.stderr[-1500:]}"
    return next(folder.glob("walletkit_multichain-*.whl"))


def test_fc_02_non_crypto_prng_in_a_build(wheel: Path, tmp_path: Path) -> None:
    """Failure class 2. Trust Wallet extension, CVE-2023-31290: MT19937 with one 32-bit seed (community.trustwallet.com postmortem).

    The spy test runs on the built wheel (walletkit builds one pure-Python wheel, py3-none-any, for
    every platform), and 10^5 phrases generated from the wheel are all distinct.
    """
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import os, secrets, walletkit\n"
        f"assert walletkit.__file__.startswith({str(site)!r}), walletkit.__file__\n"
        "from walletkit import bip39\n"
        "draws = []\n"
        "real = secrets.token_bytes\n"
        "secrets.token_bytes = lambda n: draws.append(n) or real(n)\n"
        "for words in bip39.WORD_COUNTS:\n"
        "    bip39.generate_mnemonic(words)\n"
        "assert draws == [w * 4 // 3 for w in bip39.WORD_COUNTS], draws\n"
        "secrets.token_bytes = real\n"
        "phrases = {bip39.generate_mnemonic(12) for _ in range(100_000)}\n"
        "print(len(phrases))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["100000"]


def test_fc_03_test_only_prng_shipped(wheel: Path) -> None:
    """Failure class 3. Trust Wallet iOS 2018, CVE-2024-23660: trezor-crypto's test PRNG shipped (milksad research-update-5).

    The wheel that ships is searched, not only the source tree: no `random` import, no seeded or
    test PRNG symbol, in any file of it.
    """
    pattern = re.compile(
        rb"\b(random\.(random|seed|randint|randrange|getrandbits|choice)|Random\(|mt19937|numpy\.random|"
        rb"insecure_random|random_buffer|DEBUG_RNG|deterministic_rng)\b",
        re.I,
    )
    assert [str(p) for p in SOURCES if pattern.search(p.read_bytes())] == []
    shipped_wheel = zipfile.ZipFile(wheel)
    shipped = [n for n in shipped_wheel.namelist() if n.endswith(".py")]
    assert any(n.startswith("walletkit/") for n in shipped) and any(n.startswith("chains/") for n in shipped)
    assert [n for n in shipped_wheel.namelist() if pattern.search(shipped_wheel.read(n))] == []
    offenders = []
    for name in shipped:
        tree = ast.parse(shipped_wheel.read(name))
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        if "random" in imported:
            offenders.append(name)
    assert offenders == []
