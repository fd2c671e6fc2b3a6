"""TRON's own JavaScript SDK (npm ``tronweb``) run by node, as an independent oracle.

No TRON node can run here, so walletkit's bytes are proven against tronweb's: it builds
and signs offline (all four block-header fields plus ``txLocal: true``). One node
process answers many JSON-line requests. tronweb is installed with npm on first use
into the same cache as anvil (``~/.cache/walletkit/npm`` or ``$WALLETKIT_CACHE``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

from walletkit.errors import EngineError
from walletkit.testing.npm import ensure_package

NPM_PACKAGE = "tronweb@6.5.1"


def tronweb_path() -> Path:
    """Return the installed tronweb package folder, installing it with npm on first use."""
    return ensure_package(NPM_PACKAGE, "tronweb", "package.json").parent


class TronWebOracle:
    """A node process running tronweb; ``request(dict) -> dict`` over JSON lines."""

    def __init__(self) -> None:
        script = resources.files("chains.tron").joinpath("js/tronweb_oracle.js")
        env = dict(os.environ, TRONWEB_PATH=str(tronweb_path()))
        node = shutil.which("node")
        if node is None:
            raise EngineError("the tronweb cross-check needs node; install Node.js, then retry")
        self._process = subprocess.Popen(
            [node, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one request and return tronweb's answer; raise EngineError on its error."""
        assert self._process.stdin is not None and self._process.stdout is not None  # pipes set in __init__
        self._process.stdin.write(json.dumps(payload) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise EngineError(f"tronweb's node process exited ({self._process.poll()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise EngineError(f"tronweb refused the request: {answer['error']}")
        return answer

    def close(self) -> None:
        """Stop the node process."""
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def __enter__(self) -> TronWebOracle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
