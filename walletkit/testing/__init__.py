"""Local engines and funded accounts for scripts and test suites.

Each chain plugin that has a local engine exposes ``local_engine(**options)``; this
package starts them by chain name, so the core never imports a plugin.

Engines are stopped on every path out of the process that started them, not only at the
end of a ``with`` block:

- normal exit (an engine never closed): an ``atexit`` hook stops it;
- SIGTERM or SIGHUP (a CI timeout, ``kill``, a closed terminal): a handler stops every
  engine, then ends the program the way Ctrl-C does, by unwinding: it raises
  ``SystemExit(128 + signal)``, so ``with`` blocks and ``finally`` clauses run (a temporary
  folder is removed) and the exit status is 143 for SIGTERM. It is installed by the first
  :func:`start_engine` in the main thread, only where the signal's handler is the default; a
  Python handler already installed (pytest's, through walletkit's plugin) is called after
  the engines are stopped, and an ignored signal stays ignored;
- SIGKILL, ``os._exit``, a crash: an engine that runs as a subprocess (anvil) has a
  watchdog process (:mod:`walletkit.testing.watchdog`) that stops it and removes its log.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from types import FrameType
from typing import Any

from walletkit.errors import UnsupportedOperation
from walletkit.registry import get_chain

_live: list[tuple[int, Any]] = []  # (the process that started it, the engine)
_lock = threading.Lock()
_hooked = False
_hook_pid = 0
_CLEAN_ON = ("SIGTERM", "SIGHUP")


def start_engine(chain: str, **options: Any) -> Any:
    """Start the local engine of ``chain`` (anvil, LiteSVM, the kernel regtest chain).

    The returned engine is a client for that chain (``account.connect(engine)``) and a
    context manager that stops it. It is also stopped at exit, on SIGTERM/SIGHUP, and (a
    subprocess engine) by its watchdog if this process is killed.

    Args:
        chain: a chain name or alias with a local engine (``btc``, ``eth``, ``bsc``, ``sol``).
        options: the engine's options (``chain_id=56`` for anvil, ``automine=False``...).

    Raises:
        UnsupportedOperation: the chain has no local engine (TRON).
        EngineError: the engine could not start; the message says how to get it.
        MissingExtra: the engine needs an extra that is not installed; the message names the pip install.
    """
    plugin = get_chain(chain)
    starter = getattr(plugin, "local_engine", None)
    if starter is None:
        raise UnsupportedOperation(f"{plugin.spec.name} has no local engine")
    _hook()
    engine = starter(**options)
    with _lock:
        _live.append((os.getpid(), engine))
    return engine


def stop_all_engines() -> None:
    """Stop every engine this process started and has not stopped (each at most once here).

    Called at exit and on SIGTERM/SIGHUP; safe to call at any time. Engines started by
    another process (before a fork) are left to that process.
    """
    me = os.getpid()
    with _lock:
        engines = [engine for owner, engine in reversed(_live) if owner == me]
        _live[:] = [(owner, engine) for owner, engine in _live if owner != me]
    for engine in engines:
        try:
            engine.__exit__(None, None, None)
        except Exception:  # noqa: S112 - an engine the caller closed already may refuse a second close
            continue


def _hook() -> None:
    global _hooked, _hook_pid
    if _hooked:
        return
    with _lock:
        if _hooked:
            return
        atexit.register(stop_all_engines)
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers are set from the main thread: the next start there sets them
        for name in _CLEAN_ON:
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            previous = signal.getsignal(signum)
            if previous in (signal.SIG_IGN, None):
                continue  # ignored (or set outside Python): the signal does not end the process
            signal.signal(signum, _make_handler(signum, previous))
        _hooked = True
        _hook_pid = os.getpid()


def _make_handler(signum: int, previous: Any) -> Any:
    def handler(received: int, frame: FrameType | None) -> None:
        if os.getpid() != _hook_pid:  # a forked child: the signal does what it did before
            signal.signal(signum, previous if callable(previous) or previous == signal.SIG_DFL else signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        stop_all_engines()
        if callable(previous):
            previous(received, frame)
            return
        # The default action ends the process where it stands; unwinding lets the program's own
        # cleanup (with blocks, finally, atexit) run first. A second signal ends it at once.
        signal.signal(signum, signal.SIG_DFL)
        raise SystemExit(128 + signum)

    return handler


__all__ = ["start_engine", "stop_all_engines"]
