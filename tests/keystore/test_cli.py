"""``walletkit keystore`` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def run(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", "keystore", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_create_import_list_export_passwd(tmp_path: Path) -> None:
    path = str(tmp_path / "k.json")
    env = {"WK_PW": "s3cret-pw", "WK_PHRASE": PHRASE, "WK_KEY": "0x" + "46" * 32, "WK_NEW": "n3w-pw"}
    out = run("create", path, "--mnemonic-env", "WK_PHRASE", "--password-env", "WK_PW", env=env)
    assert out.returncode == 0, out.stderr
    out = run(
        "import", path, "--name", "hot", "--chain", "eth", "--key-env", "WK_KEY", "--password-env", "WK_PW", env=env
    )
    assert out.returncode == 0, out.stderr
    listed = json.loads(run("list", path, "--json").stdout)
    assert listed == [{"name": "hot", "chain": "eth", "path": None, "label": ""}]
    v3_path = str(tmp_path / "hot.json")
    out = run("export", path, "--name", "hot", "--v3", v3_path, "--password-env", "WK_PW", env=env)
    assert out.returncode == 0, out.stderr
    assert bytes(Account.decrypt(Path(v3_path).read_text(), "s3cret-pw")).hex() == "46" * 32
    out = run("passwd", path, "--password-env", "WK_PW", "--new-password-env", "WK_NEW", env=env)
    assert out.returncode == 0, out.stderr
    wrong = run("list", path)  # no password needed to list
    assert wrong.returncode == 0
    bad = run("export", path, "--name", "hot", "--v3", v3_path + "2", "--password-env", "WK_PW", env=env)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: the password does not open this keystore"
    for text in (out.stdout, out.stderr, bad.stderr):
        assert "s3cret" not in text and "legal" not in text and "46" * 32 not in text
