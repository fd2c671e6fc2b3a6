"""Issue 16 item 21, the kind: an optional part comes with its own extra, and its absence says what to install.

- pyproject.toml: the core install leaves out what only the local engines (libbitcoinkernel)
  and the PostgreSQL store (psycopg) need; each has its extra; ``test`` pulls in both; the
  extras and their imports agree with ``walletkit.extras``; the installed metadata says so too.
- The core works without them: a process in which those imports are absent derives, signs a
  Bitcoin transaction and runs the CLI, and never imports them.
- Where they are needed and absent, the error is ``MissingExtra`` naming the extra and the
  ``pip install`` to run: the regtest engine, the kernel's script check, PostgresStore, and
  ``walletkit demo`` (which goes on with the other chains and says what it skipped).

Absent here means the import fails in a fresh subprocess (``sys.modules[name] = None``, the
interpreter's own way to make ``import name`` raise ModuleNotFoundError).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest

from walletkit.extras import DISTRIBUTION, EXTRAS, install_command

ROOT = Path(__file__).parent.parent
PACKAGES = {"engines": {"py-bitcoinkernel"}, "postgres": {"psycopg"}, "hsm": {"python-pkcs11"}}  # by name


def pyproject() -> dict[str, object]:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[\[<>=;! ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_core_install_leaves_out_the_optional_parts() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    assert project["name"] == DISTRIBUTION == "walletkit-multichain"
    core = names(project["dependencies"])
    extras = project["optional-dependencies"]
    for extra, packages in PACKAGES.items():
        assert not packages & core, f"{packages} must not be a core dependency"
        assert names(extras[extra]) == packages
    assert set(EXTRAS) == set(PACKAGES)
    assert f"{DISTRIBUTION}[engines,postgres]" in extras["test"]  # the README's test command gets both


def test_installed_metadata_marks_them_optional() -> None:
    required = requires(DISTRIBUTION) or []
    for extra, packages in PACKAGES.items():
        for package in packages:
            lines = [r.replace('"', "'") for r in required if r.lower().startswith(package)]
            assert lines and all("extra == '" in r for r in lines), lines  # never unconditional
            assert any(f"extra == '{extra}'" in r for r in lines) and any("extra == 'test'" in r for r in lines)


def absent(*modules: str) -> str:
    return "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_the_core_works_without_the_extras() -> None:
    code = (
        absent("pbk", "psycopg")
        + r"""
import walletkit as wk, walletkit.cli, walletkit.signer, walletkit.testing
wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
btc = wallet.account("btc")
assert btc.address == "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
utxo = {"txid": "11" * 32, "vout": 0, "value": 100_000}
signed = btc.sign(btc.transfer("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", 50_000, utxos=[utxo], fee_rate=2))
print(len(signed.txid), sorted(m for m in ("pbk", "psycopg") if sys.modules.get(m) is not None))
"""
    )
    out = run(code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["64", "[]"]


@pytest.mark.parametrize(
    ("code", "extra", "said"),
    [
        (
            "from walletkit.testing import start_engine\nstart_engine('btc')",
            "engines",
            "The Bitcoin regtest engine (libbitcoinkernel)",
        ),
        (
            "from chains.bitcoin import kernel\nkernel.verify_input(None, 0, [])",
            "engines",
            "Checking scripts with libbitcoinkernel",
        ),
        (
            "from walletkit.signer import PostgresStore\nPostgresStore('postgresql://127.0.0.1:9/x')",
            "postgres",
            "PostgresStore",
        ),
    ],
    ids=["regtest-engine", "kernel-check", "postgres-store"],
)
def test_a_missing_extra_names_the_pip_install(code: str, extra: str, said: str) -> None:
    module = EXTRAS[extra][0]
    out = run(
        absent(module)
        + f"""
from walletkit.errors import MissingExtra, WalletKitError
try:
    exec({code!r})
except MissingExtra as e:
    assert isinstance(e, WalletKitError) and isinstance(e, ImportError)
    print(e.extra, e.module)
    print(e)
"""
    )
    assert out.returncode == 0, out.stderr[-3000:]
    first, message = out.stdout.strip().splitlines()
    assert first == f"{extra} {module}"
    assert message.startswith(f"{said} needs the '{extra}' extra: {module} is not installed; run: ")
    assert message.endswith(install_command(extra))
    assert f'python -m pip install "walletkit-multichain[{extra}]"' in message
    assert f'python -m pip install -e ".[{extra}]"' in message


def test_demo_without_engines_says_what_to_install() -> None:
    out = run(absent("pbk") + "from walletkit.cli import main\nmain(['demo', '--json'], prog_name='walletkit')")
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout)
    assert {r["chain"] for r in data["rows"]} == {"eth", "bsc", "sol", "tron"}
    (skipped,) = data["skipped"]
    assert skipped.startswith("btc: The Bitcoin regtest engine (libbitcoinkernel) needs the 'engines' extra")
    assert install_command("engines") in skipped


def test_a_broken_install_is_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A module that is there but fails to import (a missing shared library, say) is told apart
    # from one that is not installed, and still names the install to run.
    from walletkit.errors import MissingExtra
    from walletkit.extras import require

    package = tmp_path / "wk_broken_probe"
    package.mkdir()
    (package / "__init__.py").write_text("from wk_broken_probe._native import engine\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingExtra) as caught:
        require("wk_broken_probe", "engines", "A probe")
    message = str(caught.value)
    assert message.startswith(
        "A probe needs the 'engines' extra: wk_broken_probe is installed but cannot be imported ("
    )
    assert "_native" in message and message.endswith(install_command("engines"))
    with pytest.raises(MissingExtra, match="wk_absent_probe is not installed"):
        require("wk_absent_probe", "postgres", "Another probe")
