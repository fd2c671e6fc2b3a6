"""One line for the person waiting, when a step is slow: an npm download, a long test step.

:func:`announce` writes ``walletkit: <text>`` to stderr; under pytest, walletkit's plugin
routes it to pytest's terminal instead, past output capture, so a long step does not look
frozen (tests reach it through the ``wk_progress`` fixture).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

Reporter = Callable[[str], None]

_reporter: Reporter | None = None


def announce(text: str) -> None:
    """Show one line of progress (``walletkit: <text>``) to whoever is watching.

    >>> previous = set_reporter(print)
    >>> announce("installing anvil from npm (first use)")
    installing anvil from npm (first use)
    >>> set_reporter(previous) is print
    True
    """
    reporter = _reporter
    if reporter is not None:
        reporter(text)
        return
    stream = sys.stderr
    if stream is not None:
        stream.write(f"walletkit: {text}\n")
        stream.flush()


def set_reporter(reporter: Reporter | None) -> Reporter | None:
    """Send progress lines to ``reporter`` (None: back to stderr); return the previous one."""
    global _reporter
    previous, _reporter = _reporter, reporter
    return previous
