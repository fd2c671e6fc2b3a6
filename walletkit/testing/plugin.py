"""pytest plugin (entry point ``pytest11``): fixtures for walletkit's local engines."""

from __future__ import annotations
