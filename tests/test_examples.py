"""Every script in examples/ runs to completion (each prints what it did), in lines that fit
100 columns (a terminal, a log, a pasted issue), and examples/README.md lists every one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))
WIDTH = 100
# Scripts whose output is a document printed whole (a value is never cut or wrapped).
WHOLE_DOCUMENTS = {"tron_offline.py": "TRON's broadcast JSON: raw_data_hex runs to 440 hex digits"}


def test_examples_exist() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
    if script.name not in WHOLE_DOCUMENTS:
        wide = [line for line in result.stdout.splitlines() if len(line) >= WIDTH]
        assert wide == [], f"{script.name} prints lines of {WIDTH} columns or more"


def test_examples_readme_lists_every_script() -> None:
    readme = (Path(__file__).parent.parent / "examples" / "README.md").read_text()
    listed = set(re.findall(r"^\| `([\w.]+\.py)` \|", readme, re.M))
    assert listed == {p.name for p in EXAMPLES}
