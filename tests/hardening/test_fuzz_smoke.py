"""CI's smoke run of every fuzz target (atheris, libFuzzer): no target may crash.

Each target runs a few seconds (``WALLETKIT_FUZZ_SECONDS``, default 6) from its committed seeds
and saved crash inputs, two at a time, so the step takes about 90 s on 2 cores; longer runs:
``python -m fuzz run --seconds 300``. A line per target shows on the terminal as it finishes
(the ``wk_progress`` fixture); the total number of executions is printed (``-s``).
Saved crash inputs (fuzz/crashes/) are also replayed in process, so a known bug fails
this file deterministically until it is fixed, and guards against its return after.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fuzz.__main__ import committed_inputs, replay, run_target
from fuzz.targets import TARGETS

SECONDS = int(os.environ.get("WALLETKIT_FUZZ_SECONDS", "6"))


def test_at_least_fifteen_targets() -> None:
    assert len(TARGETS) >= 15
    assert all(committed_inputs(name) for name in TARGETS), "every target has a committed seed corpus"


def test_committed_inputs_raise_only_typed_errors() -> None:
    failures = replay(sorted(TARGETS))
    assert not failures, "\n".join(failures)


def test_every_target_survives_a_smoke_run(tmp_path: Path, wk_progress: Callable[[str], None]) -> None:
    names = sorted(TARGETS)
    # About 90 s in all: a line per target on the terminal, so the run does not look frozen.
    wk_progress(f"fuzz smoke: {len(names)} targets, {SECONDS} s each, 2 at a time")
    results = []
    with ThreadPoolExecutor(2) as pool:
        for done, result in enumerate(pool.map(lambda name: run_target(name, SECONDS, tmp_path), names), 1):
            name, executions, code, _ = result
            wk_progress(f"fuzz smoke: {done}/{len(names)} {name}: {executions} executions, exit {code}")
            results.append(result)
    total = sum(executions for _, executions, _, _ in results)
    print(f"\nfuzz smoke: {len(results)} targets, {total} executions in total")
    for name, executions, code, _ in results:
        print(f"  {name:22} {executions:>9} executions  {'ok' if code == 0 else f'CRASH (exit {code})'}")
    crashed = [f"{name} (exit {code}):\n{tail}" for name, _, code, tail in results if code != 0]
    assert not crashed, "\n\n".join(crashed)
    assert all(executions > 0 for _, executions, _, _ in results)
