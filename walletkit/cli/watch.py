"""``walletkit watch``: incoming and outgoing transfers as JSON lines (see :mod:`walletkit.watch.cli`)."""

from __future__ import annotations

from walletkit.watch.cli import COMMANDS

__all__ = ["COMMANDS"]
