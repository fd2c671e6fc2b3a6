"""The failure-class table (tests/hardening/FAILURE-CLASSES.md) keeps a test for every row.

Each row's regression test lives beside the tests of the module it guards, and says which row it
holds with a tag in its docstring: the words "failure class" then the row's number (for example
``test_fc_27_nonce_races`` in tests/evm/test_nonces_failure_classes.py). A row may be held by
several tests. These tests read the table and every test file under tests/ (by ``ast``, so
nothing is imported or run): each row must have at least one test function carrying its tag,
and one of its tests must cite the row's source.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).parent.parent
TABLE = Path(__file__).parent / "FAILURE-CLASSES.md"
TAG = re.compile(r"\bfailure class (\d+)\b", re.I)
ROW = re.compile(r"^\| (\d+) \| [^|]+ \| ([^|]+) \|", re.M)
CITATION = re.compile(
    r"CVE-\d{4}-\d+|RUSTSEC-\d{4}-\d+|[\w.-]+/[\w.-]+#\d+|#\d+|eprint \d+/\d+|\w+\.(?:py|rs|h|json|go)\b"
)


@dataclass(frozen=True)
class TaggedTest:
    """A test function whose docstring names one or more rows of the table."""

    where: str  # path::name, as pytest names it
    rows: frozenset[int]
    docstring: str


def read_rows(text: str) -> dict[int, str]:
    """Return row number -> the row's source column, from the table's markdown."""
    return {int(number): source for number, source in ROW.findall(text)}


def tagged_tests(path: Path, source: str) -> list[TaggedTest]:
    """Return the test functions of one file that pytest collects and that carry a row tag.

    Module-level ``test*`` functions and ``test*`` methods of ``Test*`` classes count; a helper,
    a nested function, or a tag outside a docstring (a comment) does not.
    """
    tree = ast.parse(source)
    candidates: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            candidates.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    candidates.append((f"{node.name}::{item.name}", item))
    found = []
    for name, fn in candidates:
        docstring = ast.get_docstring(fn) or ""
        rows = frozenset(int(n) for n in TAG.findall(docstring))
        if fn.name.startswith("test") and rows:
            found.append(TaggedTest(f"{path.relative_to(TESTS.parent)}::{name}", rows, docstring))
    return found


def collect(files: dict[Path, str]) -> list[TaggedTest]:
    """Return every tagged test of the given test files (path -> source)."""
    return [test for path, source in sorted(files.items()) for test in tagged_tests(path, source)]


def rows_without_a_test(rows: dict[int, str], tests: list[TaggedTest]) -> list[int]:
    """Return the rows of the table that no test carries."""
    held = {row for test in tests for row in test.rows}
    return sorted(set(rows) - held)


def rows_without_a_citation(rows: dict[int, str], tests: list[TaggedTest]) -> list[int]:
    """Return the rows none of whose tests cites the row's source.

    The row's identifiers (CVE, issue, file) count when it has any, else its distinctive words.
    """
    uncited = []
    for number, source in rows.items():
        marks = set(CITATION.findall(source)) or {w for w in re.findall(r"[A-Za-z][\w-]{4,}", source)}
        docstrings = [test.docstring for test in tests if number in test.rows]
        if docstrings and not any(mark in doc for mark in marks for doc in docstrings):
            uncited.append(number)
    return uncited


def _test_files() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in TESTS.rglob("test_*.py") if path != Path(__file__)}


ROWS = read_rows(TABLE.read_text(encoding="utf-8"))
FILES = _test_files()
TESTS_TAGGED = collect(FILES)


def test_the_table_has_its_35_rows() -> None:
    assert sorted(ROWS) == list(range(1, 36))


def test_every_row_has_a_test() -> None:
    assert rows_without_a_test(ROWS, TESTS_TAGGED) == []


def test_every_row_has_a_test_citing_its_source() -> None:
    assert rows_without_a_citation(ROWS, TESTS_TAGGED) == []


def test_no_tag_names_a_row_the_table_lacks() -> None:
    assert [(t.where, sorted(t.rows - set(ROWS))) for t in TESTS_TAGGED if t.rows - set(ROWS)] == []


def test_fc_named_tests_carry_their_own_tag() -> None:
    """A ``test_fc_<nn>_`` function is tagged with row nn (a name alone holds no row)."""
    named = []
    for path, source in FILES.items():
        for node in ast.walk(ast.parse(source)):
            match = isinstance(node, ast.FunctionDef) and re.match(r"test_fc_(\d\d)_", node.name)
            if match:
                named.append((f"{path.name}::{node.name}", int(match[1]), ast.get_docstring(node) or ""))  # type: ignore[union-attr]
    assert len(named) >= 20
    assert [(where, row) for where, row, doc in named if row not in {int(n) for n in TAG.findall(doc)}] == []


def test_the_check_fails_when_a_row_loses_its_tests() -> None:
    """Take every test of one row out of the real tree: exactly that row is reported, for each row."""
    for row in ROWS:
        left = [t for t in TESTS_TAGGED if row not in t.rows]
        assert rows_without_a_test(ROWS, left) == [row]
    # A tag in a comment, or on a helper that pytest does not collect, holds no row.
    source = (
        "def helper():\n"
        '    """Failure class 27."""\n'
        "def test_x():\n"
        "    # Failure class 27\n"
        "    pass\n"
        "class Helper:\n"
        "    def test_y(self):\n"
        '        """Failure class 27."""\n'
    )
    assert tagged_tests(TESTS / "t" / "test_z.py", source) == []
    kept = tagged_tests(TESTS / "t" / "test_z.py", 'def test_w():\n    """Failure class 27: web3.js#1301."""\n')
    assert [t.rows for t in kept] == [frozenset({27})]
    assert rows_without_a_citation({27: "web3.js#1301"}, kept) == []
    assert rows_without_a_citation({27: "nucypher#1433"}, kept) == [27]
