"""CI's smoke run of every fuzz target (atheris, libFuzzer): no target may crash.

Each target runs a few seconds from its committed seed corpus, two at a time; longer runs:
``python -m fuzz run --seconds 300``. The total number of executions is printed.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from fuzz.__main__ import run_target
from fuzz.targets import TARGETS

SECONDS = int(os.environ.get("WALLETKIT_FUZZ_SECONDS", "6"))


def test_at_least_fifteen_targets() -> None:
    assert len(TARGETS) >= 15


def test_every_target_survives_a_smoke_run() -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda name: run_target(name, SECONDS), sorted(TARGETS)))
    crashed = [(name, tail) for name, _, code, tail in results if code != 0]
    total = sum(executions for _, executions, _, _ in results)
    print(f"\nfuzz smoke: {len(results)} targets, {total} executions in total")
    assert not crashed, crashed
    assert all(executions > 0 for _, executions, _, _ in results)
