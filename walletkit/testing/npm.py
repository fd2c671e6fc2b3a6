"""npm packages the local engines need (anvil, tronweb), installed on first use into a cache.

The cache is ``~/.cache/walletkit/npm`` (or ``$WALLETKIT_CACHE/npm``). A missing npm or a
failed install is an :class:`~walletkit.errors.EngineError` that says what to run. A download
says so on stderr (or pytest's terminal) before it starts and when it is done: the first
anvil is about 30 MB and would otherwise look like a hang.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from walletkit.errors import EngineError
from walletkit.testing.progress import announce


def cache_dir() -> Path:
    """Return the folder npm packages are installed into."""
    return Path(os.environ.get("WALLETKIT_CACHE", Path.home() / ".cache" / "walletkit")) / "npm"


def ensure_package(spec: str, name: str, inside: str) -> Path:
    """Return ``node_modules/<name>/<inside>``, installing ``spec`` (e.g. ``tronweb@6.5.1``) if missing.

    Args:
        spec: what to give ``npm install`` (a name, ``name@version``, or a local folder or tarball).
        name: the package's folder under ``node_modules``.
        inside: the file wanted inside the package (``bin/anvil``).

    Raises:
        EngineError: npm is missing or the install failed; the message says what to run.
    """
    target = cache_dir() / "node_modules" / name / inside
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise EngineError(f"{name} comes from npm, which is not installed; install Node.js and npm, then retry")
    cache_dir().mkdir(parents=True, exist_ok=True)
    announce(f"installing {spec} from npm into {cache_dir()} (first use only; this can take a minute)...")
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache_dir()), spec],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0 or not target.exists():
        raise EngineError(
            f"npm install {spec} failed (exit {result.returncode}): {result.stderr.strip()[-400:]}; "
            f"run: npm install --prefix {cache_dir()} {spec}"
        )
    announce(f"installed {spec}")
    return target
