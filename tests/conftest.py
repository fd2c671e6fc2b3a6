"""Shared test helpers: vector loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent / "vectors"


def load_vectors(name: str) -> Any:
    """Return the ``data`` of tests/vectors/<name>.json (provenance is in the file)."""
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))["data"]
