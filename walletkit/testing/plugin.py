"""pytest plugin (entry point ``pytest11``): walletkit's local engines as fixtures.

Fixtures start the real engines (anvil, LiteSVM, the libbitcoinkernel regtest chain)
once per test session and stop them at the end:

- ``wk_engine``: a factory, ``wk_engine("eth", chain_id=1)``; engines with the same
  arguments are shared for the session.
- ``anvil_eth``, ``anvil_bsc``, ``btc_regtest``, ``solana_svm``: the common ones.
- ``funded_wallet``: a throwaway wallet whose index-0 accounts on ``eth`` and ``sol``
  are funded on those engines.

An engine that cannot start fails the test with the engine's message; it is never a skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from walletkit.testing import start_engine

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
