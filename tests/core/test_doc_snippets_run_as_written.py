"""The kind: a code snippet in the docs runs as written.

A new user copied snippets that used names no earlier block defined (``other``, ``account``,
``wallet``), a pytest example without ``import walletkit as wk``, and a "Send" against
127.0.0.1:8545 where nothing runs. On the pages below every Python snippet is now a ``>>>``
doctest (the suite runs docs/*.md as doctests; engines start inside a ``with`` block), except
testing.md's pytest file, which is run here by pytest itself. A static check holds the kind for
any snippet that is not a doctest: every name it uses is defined by it or by an earlier block of
its page.
"""

from __future__ import annotations

import ast
import builtins
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent.parent / "docs"
PAGES = [
    "quickstart.md",
    "concepts.md",
    "testing.md",
    "keystore.md",
    "cli.md",
    "chains/bitcoin.md",
    "chains/evm.md",
    "chains/solana.md",
    "chains/tron.md",
]
RUN_HERE = {("testing.md", "def test_pays(anvil_eth):")}  # (page, a line of the snippet)


def snippets(page: str) -> list[tuple[bool, str]]:
    """(is a doctest, code) of each ```python block of ``page``, in order."""
    out = []
    for body in re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S):
        if ">>>" in body:
            lines = [line[4:] for line in body.splitlines() if line.startswith((">>> ", "... "))]
            out.append((True, "\n".join(lines)))
        else:
            out.append((False, body))
    return out


def undefined_names(page: str) -> list[tuple[str, list[str]]]:
    """Names each non-doctest snippet of ``page`` uses that neither it nor an earlier block defines."""
    defined = set(dir(builtins))
    found = []
    for doctest, code in snippets(page):
        tree = ast.parse(code)
        loaded = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    loaded.append(node.id)
                else:
                    defined.add(node.id)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                defined.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
        missing = sorted({n for n in loaded if n not in defined})
        if not doctest and missing:
            found.append((code.splitlines()[0], missing))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_every_snippet_is_a_doctest_or_run_here(page: str) -> None:
    for doctest, code in snippets(page):
        if not doctest:
            assert any(p == page and line in code for p, line in RUN_HERE), f"{page}: not run by any test:\n{code}"


@pytest.mark.parametrize("page", PAGES)
def test_snippets_use_only_names_they_define(page: str) -> None:
    assert undefined_names(page) == []


def test_the_name_check_finds_an_undefined_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "page.md").write_text(
        "```python\n>>> acct = 1\n\n```\n\n```python\nwith start(acct) as chain:\n    chain.send(other, 5)\n```\n"
        "\n```python\nfrom x import start\n```\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "DOCS", tmp_path)
    assert undefined_names("page.md") == [("with start(acct) as chain:", ["other", "start"])]


def test_testing_md_pytest_example_runs(tmp_path: Path) -> None:
    (code,) = [c for d, c in snippets("testing.md") if not d]
    assert code.startswith("import walletkit as wk\n")
    (tmp_path / "test_pays.py").write_text(code)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_pays.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "1 passed" in out.stdout
