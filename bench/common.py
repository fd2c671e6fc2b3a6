"""Timing helpers shared by every benchmark module.

Each benchmark module exposes ``run(quick: bool) -> list[Row]``. A row's ``kind`` is
``walletkit`` (ours), ``anchor`` (the library a user would pick instead) or ``limit``
(the raw primitive: nothing can be faster than it).

Before a workload is timed, :func:`same_output` checks that its implementations give the
same bytes (a transaction, a signature, an address): a faster row that computed something
else would be no row at all.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import TypedDict


class Row(TypedDict):
    """One measured workload of one implementation."""

    workload: str
    impl: str
    kind: str
    ops_per_s: float


def _calibrate(fn: Callable[[], object], target: float) -> int:
    """Return how many calls of ``fn`` take about ``target`` seconds."""
    fn()  # warm caches and lazy imports
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= target / 4 or calls >= 1 << 20:
            break
        calls *= 2
    return max(1, int(calls * target / max(elapsed, 1e-9)))


def measure_together(
    fns: Sequence[Callable[[], object]], ops_per_call: int | Sequence[int] = 1, quick: bool = False, repeat: int = 15
) -> list[float]:
    """Return the best ops/s of each of ``fns``, timed in turns (A B C A B C ...).

    Taking turns puts every implementation through the same stretches of a shared machine's
    load, so the ratios between them hold even when the absolute figures drift.
    """
    target = 0.02 if quick else 0.1  # many short turns: each implementation meets some quiet ones
    ops = [ops_per_call] * len(fns) if isinstance(ops_per_call, int) else list(ops_per_call)
    calls = [_calibrate(fn, target) for fn in fns]
    best = [0.0] * len(fns)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(2 if quick else repeat):
            for i, fn in enumerate(fns):
                t0 = time.perf_counter()
                for _ in range(calls[i]):
                    fn()
                elapsed = time.perf_counter() - t0
                best[i] = max(best[i], calls[i] * ops[i] / elapsed)
    finally:
        if gc_was:
            gc.enable()
    return best


def measure(fn: Callable[[], object], ops_per_call: int = 1, quick: bool = False, repeat: int = 15) -> float:
    """Return the best ops/s of ``repeat`` timed batches of ``fn`` (each ~0.1 s, ~0.02 s if quick).

    The best of several batches is the least disturbed by other work on a shared machine.
    """
    return measure_together([fn], ops_per_call, quick, repeat)[0]


class OutputMismatch(AssertionError):
    """Two implementations of one workload gave different outputs."""


def same_output(workload: str, outputs: dict[str, object]) -> None:
    """Raise :class:`OutputMismatch` unless every implementation's output (bytes, text...) is equal."""
    first_name, first = next(iter(outputs.items()))
    for name, value in outputs.items():
        if value != first:
            raise OutputMismatch(f"{workload}: {name} gave {value!r:.120}, {first_name} gave {first!r:.120}")


def row(workload: str, impl: str, kind: str, ops_per_s: float) -> Row:
    """Build one result row."""
    return Row(workload=workload, impl=impl, kind=kind, ops_per_s=round(ops_per_s, 1))


Impl = tuple[str, str, Callable[[], object], int]  # name, kind, one call, operations per call


def timed_rows(workload: str, impls: Sequence[Impl], quick: bool) -> list[Row]:
    """Time the implementations of one workload in turns; return one row each."""
    speeds = measure_together([fn for _, _, fn, _ in impls], [ops for *_, ops in impls], quick=quick)
    return [row(workload, name, kind, speed) for (name, kind, _, _), speed in zip(impls, speeds)]
