"""Local engines and funded accounts for scripts and test suites.

Each chain plugin that has a local engine exposes ``local_engine(**options)``; this
package starts them by chain name, so the core never imports a plugin.
"""

from __future__ import annotations

from typing import Any

from walletkit.errors import UnsupportedOperation
from walletkit.registry import get_chain


def start_engine(chain: str, **options: Any) -> Any:
    """Start the local engine of ``chain`` (anvil, LiteSVM, the kernel regtest chain).

    The returned engine is a client for that chain (``account.connect(engine)``) and a
    context manager that stops it.

    Raises:
        UnsupportedOperation: the chain has no local engine (TRON).
        EngineError: the engine could not start; the message says how to get it.
    """
    plugin = get_chain(chain)
    starter = getattr(plugin, "local_engine", None)
    if starter is None:
        raise UnsupportedOperation(f"{plugin.spec.name} has no local engine")
    return starter(**options)


__all__ = ["start_engine"]
