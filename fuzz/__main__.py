"""``python -m fuzz run [--seconds N] [--jobs J] [targets...]``: run atheris on each target.

``python -m fuzz replay [targets...]`` runs the committed inputs (seeds and saved crashes) in
process and prints each one that raises anything but WalletKitError; ``list`` names the targets.

Each target runs in its own process with libFuzzer flags; its corpus is fuzz/corpus/<name>/
(committed seeds; new finds are written to a temp copy, not to the repo). Crashes are saved
under fuzz/crashes/<target>-crash-...; saved crash inputs are fed first on every later run, so
a target keeps failing until its bug is fixed (and they guard against its return after).
Prints executions per target and the total.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent


def _child(name: str, args: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["walletkit", "chains"]):
        from fuzz.targets import preload, run_one

        preload()  # chain modules load lazily; import them here so their branches are instrumented too

    atheris.Setup([sys.argv[0], *args], lambda data: run_one(name, data))
    atheris.Fuzz()


def committed_inputs(name: str) -> list[Path]:
    """The committed inputs of a target: its seed corpus and the crash inputs saved for it."""
    seeds = sorted((HERE / "corpus" / name).glob("*"))
    return seeds + sorted((HERE / "crashes").glob(f"{name}-*"))


def run_target(name: str, seconds: int, crashes: Path | None = None) -> tuple[str, int, int, str]:
    """Run one target; return (name, executions, exit code, the Python traceback or last lines of output).

    A crashing input is written to ``crashes`` (default fuzz/crashes/) as <name>-crash-<sha1>.
    """
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for seed in committed_inputs(name):  # known crashers first: a target fails while its bug exists
            shutil.copy(seed, corpus / f"{seed.parent.name}-{seed.name}")
        crashes = crashes or HERE / "crashes"
        crashes.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "fuzz",
            "_child",
            name,
            f"-max_total_time={seconds}",
            "-rss_limit_mb=2048",
            "-timeout=10",
            "-print_final_stats=1",
            f"-artifact_prefix={crashes}/{name}-",
            str(corpus),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, timeout=seconds + 120)
    text = out.stdout + out.stderr
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)|Done (\d+) runs|#(\d+)\s+DONE", text)
    executions = max((int(a or b or c) for a, b, c in runs), default=0)
    if not executions:
        counts = re.findall(r"^#(\d+)\s", text, re.M)
        executions = int(counts[-1]) if counts else 0
    for written in re.findall(r"Test unit written to (\S+)", text):
        artifact = Path(written)
        known = [p for p in committed_inputs(name) if p != artifact and p.read_bytes() == artifact.read_bytes()]
        if known:  # a saved crash input crashed again: keep one copy, under its committed name
            artifact.unlink()
            text += f"\nknown crash input: {known[0].relative_to(HERE.parent)}"
    start = text.find("=== Uncaught Python exception: ===")
    tail = text[start:] if start >= 0 else text
    lines = [line for line in tail.strip().splitlines() if not line.startswith(("INFO:", "#", "MS:", "WARNING:"))]
    return name, executions, out.returncode, "\n".join(lines[:45])


def replay(names: list[str]) -> list[str]:
    """Run every committed input of ``names`` in this process; return one line per input that crashes."""
    import traceback

    from fuzz.targets import run_one

    failures = []
    for name in names:
        for path in committed_inputs(name):
            try:
                run_one(name, path.read_bytes())
            except Exception as e:  # anything but WalletKitError is what fuzzing looks for
                frame = traceback.extract_tb(e.__traceback__)[-1]
                where = f"{Path(frame.filename).resolve().relative_to(HERE.parent.resolve())}:{frame.lineno}"
                failures.append(f"{path.relative_to(HERE.parent)}: {type(e).__name__}: {e} at {where}")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        _child(argv[1], argv[2:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m fuzz")
    parser.add_argument("command", choices=["run", "list", "replay"])
    parser.add_argument("targets", nargs="*")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_intermixed_args(argv)
    from fuzz.targets import TARGETS

    names = args.targets or sorted(TARGETS)
    if args.command == "list":
        print("\n".join(names))
        return 0
    if args.command == "replay":
        failures = replay(names)
        print("\n".join(failures) or "every committed input raises only WalletKitError")
        return 1 if failures else 0
    failed = 0
    total = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, executions, code, tail in pool.map(lambda n: run_target(n, args.seconds), names):
            total += executions
            status = "ok" if code == 0 else f"CRASH (exit {code})"
            print(f"{name:22} {executions:>10} executions  {status}")
            if code:
                failed += 1
                print(tail)
    print(f"total {total} executions over {len(names)} targets")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
