"""Import circles (issue 16 item 19): none among walletkit's and chains' modules.

The graph counts every import statement, wherever it is: at module level, inside a
function (a "lazy" import) and under ``if TYPE_CHECKING:``. A lazy or typing-only import
still ties two modules together (the reader, mypy and a refactor must hold both at once),
so a circle through one is still a circle.

The graph is built by grimp (the engine under import-linter, which CI runs), over the
source tree of this checkout. Cycles are the strongly connected components of that graph
(Tarjan's algorithm, written out below so that no graph library decides the answer).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]

# The circles issue 16 named, each of which was broken: none of these modules may be in one.
NAMED = (
    "chains.bitcoin.psbt",
    "chains.bitcoin.psbt2",
    "chains.evm.plugin",
    "chains.evm.anvil",
    "chains.evm.client",
    "chains.evm.transfer",
    "chains.evm.typed_data",
    "walletkit.account",
    "walletkit.chain",
    "walletkit.registry",
    "walletkit.units",
)

# Circles that remain elsewhere (none now): the whole-tree test fails on
# any other circle, and also when one of these is broken (remove it from here then).
REMAINING: frozenset[frozenset[str]] = frozenset()


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """Return {module: modules it imports} for every module of walletkit and chains."""
    sys.path.insert(0, str(ROOT))
    try:
        g = grimp.build_graph("walletkit", "chains", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    return {m: set(g.find_modules_directly_imported_by(m)) for m in g.modules}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(edges) + 100))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def test_tarjan_finds_a_circle_and_only_a_circle() -> None:
    # a -> b -> c -> a is one circle; d -> a hangs off it; e <-> f is another; g imports nothing.
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"f"}, "f": {"e"}, "g": set()}
    assert circles(edges) == [["a", "b", "c"], ["e", "f"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_counts_lazy_and_type_checking_imports(graph: dict[str, set[str]]) -> None:
    # Known imports of each kind (if the graph lost a kind, the circle tests below would pass blind):
    # units.py imports the registry inside _decimals(); chains/evm/transfer.py imports the
    # EvmPlugin protocol only under `if TYPE_CHECKING:`; psbt.py imports psbt2 at module level.
    assert "walletkit.registry" in graph["walletkit.units"]
    assert "chains.evm.protocol" in graph["chains.evm.transfer"]
    assert "walletkit.account" in graph["chains.evm.transfer"]
    assert "chains.bitcoin.psbt2" in graph["chains.bitcoin.psbt"]
    assert len(graph) > 100  # every module of both packages, not one folder


def test_no_named_module_is_in_a_circle(graph: dict[str, set[str]]) -> None:
    caught = [c for c in circles(graph) if set(c) & set(NAMED)]
    assert not caught, "import circles through modules issue 16 untangled:\n" + "\n".join(
        " <-> ".join(c) for c in caught
    )


def test_no_circle_anywhere_but_the_listed_ones(graph: dict[str, set[str]]) -> None:
    found = {frozenset(c) for c in circles(graph)}
    new = sorted(sorted(c) for c in found - REMAINING)
    gone = sorted(sorted(c) for c in REMAINING - found)
    assert not new, "new import circles in walletkit/ or chains/:\n" + "\n".join(" <-> ".join(c) for c in new)
    assert not gone, "these circles are broken now: remove them from REMAINING:\n" + "\n".join(
        " <-> ".join(c) for c in gone
    )
