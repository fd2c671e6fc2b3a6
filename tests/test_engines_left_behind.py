"""Issue 16 item 12, the kind: nothing a local engine made outlives the process that made it.

Real engines in real subprocesses (anvil from npm, the libbitcoinkernel regtest chain), ended
every way a process ends: SIGTERM, SIGHUP, SIGKILL, a normal exit with the engines never
closed, an exception through ``with`` blocks, a failed start, and a pytest run killed with
SIGTERM. Afterwards no anvil runs and the private temp folder (``TMPDIR``) is empty: no
anvil log, no regtest data folder. The examples that used to leave temp folders are run
the same way (to the end, and killed halfway).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

SCRIPT = r"""
import json, os, signal, sys, tempfile
from walletkit.testing import start_engine

mode = sys.argv[1]
if mode == "fail":
    try:
        start_engine("eth", block_time="not-a-number")  # anvil itself refuses this option and exits
    except Exception as e:
        print(json.dumps({"error": type(e).__name__, "message": str(e)}), flush=True)
    sys.exit(0)
anvil = start_engine("bsc" if mode == "with" else "eth")
btc = start_engine("btc")
info = {"anvil": anvil.pid, "watchdog": anvil.watchdog_pid, "log": str(anvil.log_path), "btc": str(btc.datadir)}
if mode == "with":
    with tempfile.TemporaryDirectory() as folder, anvil:
        info["folder"] = folder
        print(json.dumps(info), flush=True)
        sys.stdin.readline()
        raise RuntimeError("an error inside the with blocks")
print(json.dumps(info), flush=True)
if mode == "exit":
    sys.exit(0)  # engines never closed: the atexit hook stops them
sys.stdin.readline()  # wait here for the signal
"""


def gone(pid: int) -> bool:
    """True when the process has exited (reaped, or a zombie no one has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_until_exited(pid: int) -> None:
    """Block until ``pid`` (not our child) exits: its pidfd turns readable. 120 s is a bound, not a timing."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        assert select.select([fd], [], [], 120)[0], f"process {pid} did not exit"
    finally:
        os.close(fd)


def start(mode: str, tmp: Path) -> tuple[subprocess.Popen[str], dict[str, object]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else ""
    return process, json.loads(line)


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


def assert_nothing_left(info: dict[str, object], tmp: Path) -> None:
    assert gone(int(info["anvil"])), "anvil is still running"  # type: ignore[call-overload]
    assert not Path(str(info["log"])).exists(), "anvil's log was left"
    assert not Path(str(info["btc"])).exists(), "the regtest data folder was left"
    assert sorted(p.name for p in tmp.iterdir()) == []


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_signal_stops_every_engine(signame: str, tmp: Path) -> None:
    process, info = start("wait", tmp)
    assert not gone(int(info["anvil"])) and Path(str(info["log"])).exists()  # type: ignore[call-overload]
    assert Path(str(info["btc"])).is_dir()
    process.send_signal(getattr(signal, signame))
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + getattr(signal, signame), err[-2000:]
    wait_until_exited(int(info["watchdog"]))  # type: ignore[call-overload]
    assert_nothing_left(info, tmp)


def test_sigkill_leaves_no_anvil_and_no_log(tmp: Path) -> None:
    # Nothing runs in a process killed with SIGKILL: anvil's watchdog stops it and removes its log.
    # (The in-process regtest chain's data folder is the one thing SIGKILL can leave: no code of
    # the killed process runs, and only a subprocess engine has a watchdog.)
    process, info = start("wait", tmp)
    process.kill()
    process.communicate(timeout=120)
    wait_until_exited(int(info["watchdog"]))  # type: ignore[call-overload]
    assert gone(int(info["anvil"])), "anvil outlived its owner"  # type: ignore[call-overload]
    assert not Path(str(info["log"])).exists()
    assert [p.name for p in tmp.iterdir()] == [Path(str(info["btc"])).name]


def test_exit_without_closing(tmp: Path) -> None:
    process, info = start("exit", tmp)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    wait_until_exited(int(info["watchdog"]))  # type: ignore[call-overload]
    assert_nothing_left(info, tmp)


def test_an_error_through_with_blocks_and_sigterm_inside_them(tmp: Path) -> None:
    process, info = start("with", tmp)
    assert Path(str(info["folder"])).is_dir()
    _, err = process.communicate("\n", timeout=120)  # the script raises inside its with blocks
    assert process.returncode == 1 and "an error inside the with blocks" in err
    assert_nothing_left(info, tmp)
    process, info = start("with", tmp)
    process.terminate()  # SIGTERM unwinds: the with blocks remove the folder and stop anvil
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err[-2000:]
    wait_until_exited(int(info["watchdog"]))  # type: ignore[call-overload]
    assert_nothing_left(info, tmp)


def test_a_failed_start_leaves_no_log(tmp: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-c", SCRIPT, "fail"],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
        timeout=120,
    )
    assert process.returncode == 0, process.stderr[-2000:]
    result = json.loads(process.stdout)
    assert result["error"] == "EngineError" and "anvil exited with" in result["message"]
    assert "--block-time" in result["message"]  # anvil's own reason, read from the log before it went
    assert list(tmp.iterdir()) == []


PYTEST_FILE = r"""
import os, signal

def test_waits(anvil_eth, btc_regtest, wk_progress):
    info = {"anvil": anvil_eth.pid, "watchdog": anvil_eth.watchdog_pid, "log": str(anvil_eth.log_path),
            "btc": str(btc_regtest.datadir)}
    import json
    wk_progress("ENGINES " + json.dumps(info))
    signal.pause()
"""


def test_a_test_run_killed_with_sigterm(tmp: Path, tmp_path: Path) -> None:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_waits.py").write_text(PYTEST_FILE)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path / "suite"),
            str(tmp_path / "suite" / "test_waits.py"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
        cwd=tmp_path / "suite",
    )
    assert process.stdout is not None
    info = None
    for line in process.stdout:
        if "ENGINES " in line:
            info = json.loads(line.split("ENGINES ", 1)[1])
            break
    assert info is not None, "the test never reported its engines"
    process.terminate()
    out, _ = process.communicate(timeout=120)
    assert "KeyboardInterrupt" in out and process.returncode != 0
    wait_until_exited(int(info["watchdog"]))
    assert gone(int(info["anvil"])) and not Path(info["log"]).exists() and not Path(info["btc"]).exists()
    leftovers = [p.name for p in tmp.iterdir() if not p.name.startswith("pytest-of-")]
    assert leftovers == []


@pytest.mark.parametrize("example", ["keystore.py", "backend_signer.py"])
def test_examples_leave_no_temp_folder(example: str, tmp: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / example)],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert list(tmp.iterdir()) == []


def test_an_example_killed_halfway_leaves_nothing(tmp: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "backend_signer.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the first payout is sent: the store and anvil are in use
    assert "payout-1" in first, process.stderr.read() if process.stderr else ""
    anvils = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and (p / "stat").exists() and _parent_and_name(p) == (process.pid, "anvil")
    ]
    assert len(anvils) == 1 and any(tmp.iterdir())
    process.terminate()
    process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM
    assert gone(anvils[0]) and list(tmp.iterdir()) == []


def _parent_and_name(proc: Path) -> tuple[int, str]:
    try:
        stat = (proc / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return (0, "")
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    return int(stat.rsplit(")", 1)[1].split()[1]), name
