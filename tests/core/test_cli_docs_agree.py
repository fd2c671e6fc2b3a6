"""Issue 16 item 15, the kind: what the docs promise is what the code does.

- docs/cli.md's exit-code table is the CLI's :class:`ExitCode`, and each code is produced by
  the real entry point for the reason the table gives (empty input is 3, as documented).
- The commands docs/cli.md and docs/keystore.md list exist with the options they name.
- docs/quickstart.md installs from the source, under the distribution name pyproject.toml
  has, and never says ``pip install walletkit`` (another project on the public index).
- The README starts with exactly two commands (install and demo; install the test extras and
  run the whole suite), .ci/run runs exactly the second, and the README says that
  ``mkdocs serve`` and ``python -m bench`` need the test extras.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from walletkit.cli import main
from walletkit.cli.common import EXIT_MEANINGS, ExitCode
from walletkit.extras import DISTRIBUTION

ROOT = Path(__file__).parent.parent.parent
DOCS = ROOT / "docs"
PHRASE = "abandon " * 11 + "about"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        env={**os.environ, "WK_PHRASE": PHRASE},
        timeout=300,
    )


def documented_exit_codes() -> dict[int, str]:
    text = (DOCS / "cli.md").read_text()
    section = text.split("## Exit codes", 1)[1]
    return {int(m.group(1)): m.group(2).strip() for m in re.finditer(r"^\| (\d+) \| (.+?) \|$", section, re.M)}


def test_exit_code_table_is_the_code() -> None:
    documented = documented_exit_codes()
    assert documented == {int(code): meaning for code, meaning in EXIT_MEANINGS.items()}
    assert sorted(documented) == [0, 1, 2, 3, 4, 130]  # 130: Ctrl-C (tests/core/test_cli_interrupt_and_help.py)


def test_each_exit_code_happens_as_documented(tmp_path: Path) -> None:
    assert run("addresses", "--chain", "eth", "--count", "1", "--phrase-env", "WK_PHRASE").returncode == ExitCode.OK
    assert run("send", "--chain", "eth", "--phrase-env", "WK_PHRASE", "--url", "http://127.0.0.1:9",
               "--to", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--amount", "1").returncode == ExitCode.FAILED  # fmt: skip
    assert run("mnemonic", "check", stdin=PHRASE.replace("about", "zzzz")).returncode == ExitCode.BAD_INPUT
    assert run("addresses", "--chain", "eth", "--bogus-option").returncode == ExitCode.BAD_INPUT
    for empty in ("", "\n"):  # docs/cli.md: empty input is "no secret", 3 (it was 2)
        assert run("mnemonic", "check", stdin=empty).returncode == ExitCode.NO_SECRET
        assert run("addresses", "--chain", "eth", stdin=empty).returncode == ExitCode.NO_SECRET
    verify = run("message", "verify", "--chain", "eth", "--address", "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
                 "--signature", "0x" + "11" * 65, "hello")  # fmt: skip
    assert verify.returncode in (ExitCode.INVALID_SIGNATURE, ExitCode.BAD_INPUT)
    signed = run("message", "sign", "--chain", "eth", "--phrase-env", "WK_PHRASE", "hello")
    import json

    signature = json.loads(signed.stdout)["signature"]
    wrong = run("message", "verify", "--chain", "eth", "--address", "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
                "--signature", signature, "hell0")  # fmt: skip
    assert wrong.returncode == ExitCode.INVALID_SIGNATURE


def _documented_commands(text: str) -> list[list[str]]:
    commands = []
    for block in re.findall(r"```(?:text|bash)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("walletkit "):
                commands.append(line.split("(")[0].split("#")[0].split())
    return commands


@pytest.mark.parametrize("page", ["cli.md", "keystore.md", "quickstart.md"])
def test_documented_commands_and_options_exist(page: str) -> None:
    for words in _documented_commands((DOCS / page).read_text()):
        command: click.Command = main
        path = words[1:]
        while path and isinstance(command, click.Group):
            names = path[0].split("|")
            if not all(n in command.commands for n in names):
                break
            command = command.commands[names[0]] if len(names) == 1 else command
            path = path[1:]
            if len(names) > 1:
                break
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for word in " ".join(words).replace("[", " ").replace("]", " ").replace("(", " ").split():
            flag = word.split("=")[0]
            if flag.startswith("--"):
                assert flag in options, f"{page}: {' '.join(words)}: {flag} is not an option of {command.name}"


def test_quickstart_installs_from_source_under_the_published_name() -> None:
    text = (DOCS / "quickstart.md").read_text()
    assert "pip install walletkit\n" not in text and "pip install walletkit " not in text
    assert 'python -m pip install -e ".[engines]"' in text and "clone" in text
    assert f"`{DISTRIBUTION}`" in text and "another project" in text
    import tomllib

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"] == DISTRIBUTION


def test_readme_commands_and_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)```", readme, re.S)
    first, second = blocks[0], blocks[1]
    assert readme.split("```")[0].strip() == "# walletkit"  # the two commands come first
    assert first[0] == second[0] == "bash"
    install, demo = first[1].strip().split(" && ")
    assert install == 'python -m pip install -e ".[engines]"' and demo == "walletkit demo"
    suite = second[1].strip()
    assert suite.startswith('python -m pip install -q -e ".[test]" && ') and suite.endswith("python -m pytest -q")
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    # The README's command, last; before it only the install of SoftHSM2 (Debian's softhsm2) the HSM tests need.
    assert ci[-1] == suite and all("softhsm2" in line for line in ci[:-1]), ci
    assert re.search(r"`mkdocs serve`[^.]*\(.*?test extras", readme, re.S)
    assert re.search(r"`python -m bench`[^.]*\(it needs the test extras", readme, re.S)
