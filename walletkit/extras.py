"""Optional parts of walletkit and the extras that install them.

The core install (``pip install walletkit-multichain``) derives, signs, stores keys and
talks to nodes. What only some users need comes with an extra:

| extra | what it adds | imports |
| --- | --- | --- |
| ``engines`` | the local Bitcoin regtest engine (libbitcoinkernel), for ``walletkit demo`` and tests | ``pbk`` |
| ``postgres`` | the signer's PostgreSQL store (:class:`walletkit.signer.PostgresStore`) | ``psycopg`` |
| ``hsm`` | keys in a hardware security module through PKCS#11 (:mod:`walletkit.keys.pkcs11`) | ``pkcs11`` |
| ``test`` | everything the test suite needs: the extras above, the linters, the oracles | |

(anvil and tronweb are npm packages, installed into a cache on first use; LiteSVM ships in
``solders``, a core dependency.) Code that needs an optional import calls :func:`require`,
which raises :class:`~walletkit.errors.MissingExtra` naming the ``pip install`` to run.

The distribution is published as ``walletkit-multichain`` (``walletkit`` on the public
index is another project); the import name is ``walletkit``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from walletkit.errors import MissingExtra

DISTRIBUTION = "walletkit-multichain"
"""The name walletkit is published under; the import name is ``walletkit``."""

EXTRAS: dict[str, tuple[str, ...]] = {
    "engines": ("pbk",),
    "postgres": ("psycopg",),
    "hsm": ("pkcs11",),
}
"""Each extra and the top-level modules it provides (pyproject.toml lists the packages; a test holds them equal)."""


PACKAGES: dict[str, tuple[str, ...]] = {
    "engines": ("py-bitcoinkernel",),
    "postgres": ("psycopg",),
    "hsm": ("python-pkcs11",),
}
"""The package-index names each extra installs (its import names differ: pbk, psycopg, pkcs11)."""


def install_command(extra: str) -> str:
    """Return the command that installs ``extra``, from the index and from a clone, and what it installs.

    >>> install_command("engines")
    'python -m pip install "walletkit-multichain[engines]" (from a clone: python -m pip install -e ".[engines]"), which installs py-bitcoinkernel'
    """
    command = f'python -m pip install "{DISTRIBUTION}[{extra}]" (from a clone: python -m pip install -e ".[{extra}]")'
    packages = PACKAGES.get(extra)
    return f"{command}, which installs {', '.join(packages)}" if packages else command


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, which the ``extra`` installs, for ``purpose``; or say what to install.

    Args:
        module: the import name (``pbk``, ``psycopg``).
        extra: the extra that provides it (a key of :data:`EXTRAS`).
        purpose: what needs it, for the message ("the Bitcoin regtest engine").

    Raises:
        MissingExtra: the module is not installed (or cannot be imported); the message names
            the extra, the pip install to run and the package it installs (``pbk`` is
            py-bitcoinkernel's import name), and chains the ImportError.

    >>> require("json", "engines", "a test").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        if isinstance(e, ModuleNotFoundError) and e.name in (module, top):
            problem = f"{top} is not installed"
        else:
            problem = f"{top} is installed but cannot be imported ({e})"
        raise MissingExtra(
            f"{purpose} needs the '{extra}' extra: {problem}; run: {install_command(extra)}", extra, module
        ) from e
