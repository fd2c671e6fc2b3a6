"""Issue 16 item 17, the kind: a slow step says what it is doing while it does it.

- A long test step (the fuzz smoke run, about 90 s) prints a line per target through the
  ``wk_progress`` fixture, which reaches pytest's terminal at once, past output capture.
- The first npm download (anvil, tronweb) prints a line before it starts and when it ends.

Both run for real: a pytest subprocess with capture on, and a real ``npm install`` of a
package made here (a local folder, so no registry is needed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUITE = r"""
def test_long_step(wk_progress):
    print("captured, shown only on failure")
    for i in range(3):
        wk_progress(f"step {i + 1}/3 done")
"""


def test_long_test_steps_report_to_the_terminal_through_capture(tmp_path: Path) -> None:
    (tmp_path / "test_long.py").write_text(SUITE)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "."],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:]
    lines = out.stdout.splitlines()
    steps = [i for i, line in enumerate(lines) if line.startswith("walletkit: step ")]
    assert [lines[i] for i in steps] == [f"walletkit: step {n}/3 done" for n in (1, 2, 3)]
    summary = next(i for i, line in enumerate(lines) if "1 passed" in line)
    assert steps[-1] < summary  # shown while the test ran, not in a report after it
    assert "captured, shown only on failure" not in out.stdout  # capture itself is still on


def test_the_fuzz_smoke_run_reports_each_target() -> None:
    source = (Path(__file__).parent / "hardening" / "test_fuzz_smoke.py").read_text()
    assert "wk_progress(" in source and "for done, result in enumerate(pool.map(" in source


PACKAGE = {"name": "wk-progress-probe", "version": "1.0.0", "bin": {"wk-progress-probe": "bin/probe"}}

INSTALL = r"""
import sys
from walletkit.testing.npm import ensure_package
print(ensure_package(sys.argv[1], "wk-progress-probe", "bin/probe"))
"""


def test_a_first_npm_install_says_so_on_stderr(tmp_path: Path) -> None:
    package = tmp_path / "probe"
    (package / "bin").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps(PACKAGE))
    (package / "bin" / "probe").write_text("#!/bin/sh\necho probe\n")
    env = {**os.environ, "WALLETKIT_CACHE": str(tmp_path / "cache")}
    first = subprocess.run(
        [sys.executable, "-c", INSTALL, str(package)], capture_output=True, text=True, env=env, timeout=300
    )
    assert first.returncode == 0, first.stderr[-2000:]
    said = first.stderr.splitlines()
    assert said[0].startswith(f"walletkit: installing {package} from npm into {tmp_path / 'cache' / 'npm'}")
    assert "first use only" in said[0] and said[-1] == f"walletkit: installed {package}"
    assert Path(first.stdout.strip()).read_text().startswith("#!/bin/sh")
    again = subprocess.run(
        [sys.executable, "-c", INSTALL, str(package)], capture_output=True, text=True, env=env, timeout=300
    )
    assert again.returncode == 0 and again.stderr == ""  # installed already: nothing to say
