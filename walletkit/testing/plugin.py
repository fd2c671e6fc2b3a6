"""pytest plugin (entry point ``pytest11``): walletkit's local engines as fixtures.

Fixtures start the real engines (anvil, LiteSVM, the libbitcoinkernel regtest chain)
once per test session and stop them at the end:

- ``wk_engine``: a factory, ``wk_engine("eth", chain_id=1)``; engines with the same
  arguments are shared for the session.
- ``anvil_eth``, ``anvil_bsc``, ``btc_regtest``, ``solana_svm``: the common ones.
- ``wk_progress``: ``wk_progress("text")`` prints ``walletkit: text`` on pytest's terminal
  at once, past output capture: a long step (a fuzz run, a soak) shows it is alive.

An engine that cannot start fails the test with the engine's message; it is never a skip.

The plugin also routes walletkit's progress lines (the first npm download of anvil or
tronweb) to the terminal, and turns SIGTERM into a KeyboardInterrupt for the run, so a
killed test run tears its fixtures down and stops its engines (pytest's own handling of
Ctrl-C) instead of leaving them running.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from types import FrameType
from typing import Any

import pytest

from walletkit.testing import start_engine
from walletkit.testing.progress import Reporter, announce, set_reporter

_saved: dict[str, Any] = {}


def _terminal_reporter(config: pytest.Config) -> Reporter:
    def report(text: str) -> None:
        terminal = config.pluginmanager.getplugin("terminalreporter")
        capture = config.pluginmanager.getplugin("capturemanager")
        if terminal is None:
            import sys

            sys.stderr.write(f"walletkit: {text}\n")
            return
        with capture.global_and_fixture_disabled() if capture is not None else nullcontext():
            terminal.write_line(f"walletkit: {text}")
            terminal.flush()

    return report


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Route progress lines to the terminal; make SIGTERM tear the run down as Ctrl-C does."""
    _saved["reporter"] = set_reporter(_terminal_reporter(config))
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        _saved["sigterm"] = signal.signal(signal.SIGTERM, _interrupt)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Undo :func:`pytest_configure`."""
    set_reporter(_saved.pop("reporter", None))
    if "sigterm" in _saved and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _saved.pop("sigterm"))


@pytest.fixture
def wk_progress() -> Reporter:
    """Return a function that prints one progress line on pytest's terminal now (not captured)."""
    return announce


EngineFactory = Callable[..., Any]


@pytest.fixture(scope="session")
def wk_engine() -> Iterator[EngineFactory]:
    """Start (or reuse) a local engine by chain name and options; all stop at session end."""
    started: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}

    def factory(chain: str, **options: Any) -> Any:
        key = (chain, tuple(sorted(options.items())))
        engine = started.get(key)
        if engine is None:
            engine = started[key] = start_engine(chain, **options)
        return engine

    try:
        yield factory
    finally:
        for engine in started.values():
            engine.__exit__(None, None, None)


@pytest.fixture(scope="session")
def anvil_eth(wk_engine: EngineFactory) -> Any:
    """anvil with chain id 1."""
    return wk_engine("eth", chain_id=1)


@pytest.fixture(scope="session")
def anvil_bsc(wk_engine: EngineFactory) -> Any:
    """anvil with chain id 56."""
    return wk_engine("bsc", chain_id=56)


@pytest.fixture(scope="session")
def btc_regtest(wk_engine: EngineFactory) -> Any:
    """A regtest chain validated by libbitcoinkernel."""
    return wk_engine("btc")


@pytest.fixture(scope="session")
def solana_svm(wk_engine: EngineFactory) -> Any:
    """The Solana runtime in-process (LiteSVM)."""
    return wk_engine("sol")
