"""``python -m bench``: every benchmark module's rows in one run, as a table or ``--json``.

Ratios compare walletkit with the anchors (the libraries users would pick instead) and
with the limit (the raw primitive) measured in the same run, on the same machine.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from bench.common import Row

MODULES = ("bench.core", "bench.bitcoin", "bench.evm", "bench.tron", "bench.solana", "bench.signer", "bench.watch")
MODULES += ("bench.hsm",)  # SoftHSM2 (PKCS#11): HSM signing beside in-memory signing


def collect(quick: bool, only: str | None) -> list[Row]:
    """Run every benchmark module (or those whose name contains ``only``) and return the rows."""
    rows: list[Row] = []
    for name in MODULES:
        if only and only not in name:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(module.run(quick))
    return rows


def table(rows: list[Row]) -> str:
    """Format rows grouped by workload, with ratios to walletkit."""
    lines = [f"{'workload':44} {'impl':34} {'kind':9} {'ops/s':>12} {'walletkit x':>12}"]
    workloads: dict[str, list[Row]] = {}
    for r in rows:
        workloads.setdefault(r["workload"], []).append(r)
    for workload, group in workloads.items():
        ours = max((r["ops_per_s"] for r in group if r["kind"] == "walletkit"), default=0.0)
        for r in group:
            ratio = f"{ours / r['ops_per_s']:.2f}x" if ours and r["kind"] != "walletkit" and r["ops_per_s"] else ""
            lines.append(f"{workload:44} {r['impl']:34} {r['kind']:9} {r['ops_per_s']:12,.1f} {ratio:>12}")
        # The ratio column is the fastest walletkit row's; say what the other walletkit rows give too.
        for slower in (r for r in group if r["kind"] == "walletkit" and r["ops_per_s"] < ours):
            for other in (r for r in group if r["kind"] != "walletkit" and r["ops_per_s"]):
                lines.append(
                    f"{'':44} ({slower['impl']}: {slower['ops_per_s'] / other['ops_per_s']:.2f}x {other['impl']})"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print a JSON list of rows")
    parser.add_argument("--quick", action="store_true", help="short timings (a smoke run, not a measurement)")
    parser.add_argument("--only", help="run only modules whose name contains this")
    args = parser.parse_args(argv)
    rows = collect(args.quick, args.only)
    print(json.dumps(rows, indent=1) if args.json else table(rows))


if __name__ == "__main__":
    main()
