"""``python -m fuzz run [--seconds N] [--jobs J] [targets...]``: run atheris on each target.

Each target runs in its own process with libFuzzer flags; its corpus is fuzz/corpus/<name>/
(committed seeds; new finds are written to a temp copy, not to the repo). Crashes are saved
under fuzz/crashes/. Prints executions per target and the total.
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
        from fuzz.targets import run_one

    atheris.Setup([sys.argv[0], *args], lambda data: run_one(name, data))
    atheris.Fuzz()


def run_target(name: str, seconds: int) -> tuple[str, int, int, str]:
    """Run one target; return (name, executions, exit code, last lines of output)."""
    seeds = HERE / "corpus" / name
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus"
        shutil.copytree(seeds, corpus) if seeds.exists() else corpus.mkdir()
        crashes = HERE / "crashes"
        crashes.mkdir(exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "fuzz",
            "_child",
            name,
            f"-max_total_time={seconds}",
            "-rss_limit_mb=2048",
            "-timeout=10",
            f"-artifact_prefix={crashes}/{name}-",
            str(corpus),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, timeout=seconds + 120)
    text = out.stdout + out.stderr
    runs = re.findall(r"Done (\d+) runs|#(\d+)\s+DONE", text)
    executions = max((int(a or b) for a, b in runs), default=0)
    if not executions:
        counts = re.findall(r"^#(\d+)\s", text, re.M)
        executions = int(counts[-1]) if counts else 0
    return name, executions, out.returncode, "\n".join(text.strip().splitlines()[-15:])


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        _child(argv[1], argv[2:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m fuzz")
    parser.add_argument("command", choices=["run", "list"])
    parser.add_argument("targets", nargs="*")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_intermixed_args(argv)
    from fuzz.targets import TARGETS

    names = args.targets or sorted(TARGETS)
    if args.command == "list":
        print("\n".join(names))
        return 0
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
