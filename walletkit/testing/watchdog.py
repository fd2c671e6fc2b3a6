"""A watchdog process that stops an engine's subprocess and removes its files when its owner dies.

An engine that runs as a subprocess (anvil) outlives a Python process that dies without
running its cleanup: SIGKILL, ``os._exit`` (pytest-timeout's thread method), a crash. So
each such engine gets a watchdog: a tiny separate Python process (stdlib only, its own
session) that holds a pipe from the owner. When the pipe closes, because the owner stopped
the engine or because the owner died, the watchdog sends the engine SIGTERM (SIGKILL after
10 s), waits for it to exit, and removes the files it was given (the engine's log).

The engine is named by a pidfd (Linux 5.3+), so a recycled process id is never signalled.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_GRACE_SECONDS = 10.0


class Watchdog:
    """The owner's end of a watchdog: :meth:`release` after stopping the engine yourself."""

    def __init__(self, pid: int, files: Sequence[Path | str]) -> None:
        """Start a watchdog for process ``pid`` that will remove ``files`` when released or orphaned.

        Args:
            pid: the engine's process id (a child of this process).
            files: paths to remove once the engine has exited (its log).
        """
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", __file__, str(pid), *(str(f) for f in files)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a signal to the owner's process group does not reach it
        )

    @property
    def pid(self) -> int:
        """The watchdog's own process id."""
        return self._process.pid

    def release(self) -> None:
        """Close the pipe (the engine is stopped, or must be now) and wait for the watchdog to finish."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=_GRACE_SECONDS + 5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _main(argv: list[str]) -> None:
    pid, files = int(argv[0]), argv[1:]
    pidfd: int | None = None
    gone = False
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        gone = True
    except (AttributeError, OSError):
        pidfd = None  # no pidfd on this system: fall back to the process id
    while os.read(0, 4096):  # until the owner closes the pipe, or dies
        pass
    if not gone:
        try:
            if pidfd is not None:
                signal.pidfd_send_signal(pidfd, signal.SIGTERM)
                if not select.select([pidfd], [], [], _GRACE_SECONDS)[0]:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    select.select([pidfd], [], [], _GRACE_SECONDS)
            else:
                os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for name in files:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    _main(sys.argv[1:])
