"""A malformed-file corpus (truncated, bit-flipped, wrong types, huge numbers): only typed errors,
also under ``python -O`` (where an ``assert`` would vanish)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from walletkit.errors import WalletKitError
from walletkit.keystore import KdfParams, Keystore, v3

CORPUS_SCRIPT = r"""
import json, sys
from pathlib import Path
from walletkit.errors import WalletKitError
from walletkit.keystore import Keystore, v3

folder = Path(sys.argv[1])
typed = opened = 0
for path in sorted(folder.iterdir()):
    try:
        if path.name.startswith("v3-"):
            v3.decrypt(path.read_bytes(), "pw", allow_weak=True)
        else:
            Keystore.open(path, "pw", allow_weak=True)
        opened += 1
    except WalletKitError:
        typed += 1
print(typed, opened)
"""


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    good = tmp_path / "good.json"
    Keystore.create(
        good, "pw", mnemonic="abandon " * 11 + "about", kdf=KdfParams.scrypt(n=1 << 4, r=1), allow_weak=True
    )
    raw = good.read_bytes()
    document = json.loads(raw)
    keyfile = json.dumps(v3.encrypt(bytes(31) + b"\x07", "pw", n=1 << 4, allow_weak=True)).encode()
    cases: list[tuple[str, bytes]] = []
    for n in range(0, len(raw), max(1, len(raw) // 40)):
        cases.append((f"trunc-{n}", raw[:n]))
        cases.append((f"v3-trunc-{n}", keyfile[: n % len(keyfile)]))
    for n in range(0, len(raw), 3):
        flipped = bytearray(raw)
        flipped[n] ^= 0x20
        cases.append((f"flip-{n}", bytes(flipped)))
    for key in ("kdf", "cipher", "ciphertext", "id", "accounts", "check", "walletkit_keystore"):
        for value in (None, 1, -1, 2**70, "", "zz", [], {}, True, 1e308):
            cases.append((f"type-{key}-{value!r}", json.dumps(dict(document, **{key: value})).encode()))
    for key in ("n", "r", "p", "salt", "name"):
        for value in (None, 0, -5, 2**64, 3, "x", 1.5):
            cases.append(
                (f"kdf-{key}-{value!r}", json.dumps(dict(document, kdf=dict(document["kdf"], **{key: value}))).encode())
            )
    cases += [("empty", b""), ("nul", b"\x00" * 100), ("array", b"[]"), ("deep", b"[" * 10000), ("huge", b"9" * 5000)]
    for name, data in cases:
        (folder / name.replace("/", "_")).write_bytes(data)
    return folder


def test_corpus_gives_only_typed_errors(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    files = sorted(folder.iterdir())
    assert len(files) >= 300
    for path in files:
        try:
            if path.name.startswith("v3-"):
                v3.decrypt(path.read_bytes(), "pw", allow_weak=True)
            else:
                Keystore.open(path, "pw", allow_weak=True)
        except WalletKitError:
            continue


def test_corpus_under_python_O(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    out = subprocess.run(
        [sys.executable, "-O", "-c", CORPUS_SCRIPT, str(folder)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    typed, opened = map(int, out.stdout.split())
    # Any other exception would have ended the script; a flip that only changes a hex digit's case still opens.
    assert typed + opened == len(list(folder.iterdir())) and typed > opened
