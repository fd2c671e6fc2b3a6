"""Contracts walletkit's engines deploy: a minimal ERC-20 (source, compiler settings and artifact).

``TestToken.sol`` was compiled with npm ``solc`` 0.8.28 (optimizer 200 runs, EVM paris) into
``TestToken.json``; CI does not compile, it deploys the committed artifact.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def test_token_artifact() -> dict[str, Any]:
    """Return the compiled TestToken artifact (abi, bytecode, compiler)."""
    text = resources.files("chains.evm.contracts").joinpath("TestToken.json").read_text(encoding="utf-8")
    artifact: dict[str, Any] = json.loads(text)
    return artifact
