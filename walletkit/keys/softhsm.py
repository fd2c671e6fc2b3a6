"""SoftHSM2 in a temporary token directory: the PKCS#11 token walletkit's tests, example and bench start.

SoftHSM (OpenDNSSEC's software HSM; Debian package ``softhsm2``) is a PKCS#11 library that
keeps its tokens as files in the directory its configuration file names; the library reads
the file named by the ``SOFTHSM2_CONF`` environment variable when it is initialized
(``C_Initialize``). :class:`SoftHsm` writes such a file for a fresh temporary directory,
initializes the tokens asked for with ``softhsm2-util --init-token``, points
``SOFTHSM2_CONF`` at it, and removes everything on close.

A process has one initialized copy of the library, so one SoftHSM at a time: starting one
re-initializes the library (refused while a key store on it is open). The directory goes at
:meth:`SoftHsm.close`, at the end of a ``with`` block (also when SIGTERM or SIGHUP unwinds
it, as :func:`walletkit.testing.start_engine` arranges), or at exit if never closed.

Not for production keys: SoftHSM keeps keys in files, encrypted under the PIN, and the
PINs given here pass on ``softhsm2-util``'s command line.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from walletkit.errors import EngineError

LIBRARY_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",  # Debian, Ubuntu
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",  # Fedora
    "/usr/local/lib/softhsm/libsofthsm2.so",  # built from source
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",  # Homebrew
)
INSTALL_HINT = "install SoftHSM2 (Debian/Ubuntu: apt-get install softhsm2)"


def find_library() -> str:
    """Return the path of SoftHSM2's PKCS#11 library (``$SOFTHSM2_LIBRARY`` first, then the usual places).

    Raises:
        EngineError: it is in none of them; the message says what to install.
    """
    named = os.environ.get("SOFTHSM2_LIBRARY")
    for path in ((named,) if named else ()) + LIBRARY_PATHS:
        if os.path.isfile(path):
            return path
    raise EngineError(
        f"SoftHSM2's library libsofthsm2.so was not found (looked in {', '.join(LIBRARY_PATHS)}); {INSTALL_HINT}"
    )


def find_util() -> str:
    """Return the path of ``softhsm2-util``.

    Raises:
        EngineError: it is not on PATH; the message says what to install.
    """
    found = shutil.which("softhsm2-util")
    if found is None:
        raise EngineError(f"softhsm2-util is not on PATH; {INSTALL_HINT}")
    return found


class SoftHsm:
    """SoftHSM2 with fresh tokens in a temporary directory, for a test session, an example or a bench.

    Args:
        tokens: token label -> user PIN, one token each.

    >>> SoftHsm({}).tokens
    {}
    """

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.tokens = dict(tokens)
        self.library_path = ""
        self.directory: Path | None = None
        self._previous_conf: str | None = None

    def start(self) -> SoftHsm:
        """Make the token directory and configuration, initialize every token, point ``SOFTHSM2_CONF`` at it.

        Raises:
            EngineError: softhsm2-util or the library is missing, or a token could not be initialized.
            HsmError: a key store on the library is still open.
        """
        util, self.library_path = find_util(), find_library()
        from walletkit.keys import pkcs11

        pkcs11.reset_library(self.library_path)  # the next use reads the new configuration
        self.directory = Path(tempfile.mkdtemp(prefix="walletkit-softhsm-"))
        atexit.register(self._remove)  # a program that never closes it still leaves no token files
        tokens = self.directory / "tokens"
        tokens.mkdir()
        conf = self.directory / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
        self._previous_conf = os.environ.get("SOFTHSM2_CONF")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        try:
            for label, pin in self.tokens.items():
                so_pin = secrets.token_hex(8)
                command = [util, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin]
                done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=os.environ.copy())
                if done.returncode != 0:
                    reason = (done.stderr or done.stdout).strip().replace(pin, "<pin>").replace(so_pin, "<so-pin>")
                    raise EngineError(f"softhsm2-util could not initialize token {label!r}: {reason}")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Finalize the library, remove the token directory and restore ``SOFTHSM2_CONF`` (idempotent).

        Raises:
            HsmError: a key store on the library is still open (close it first); the
                directory is removed all the same.
        """
        if self.directory is None:
            return
        from walletkit.keys import pkcs11

        try:
            if self.library_path:
                pkcs11.reset_library(self.library_path)
        finally:
            self._remove()
            if self._previous_conf is None:
                os.environ.pop("SOFTHSM2_CONF", None)
            else:
                os.environ["SOFTHSM2_CONF"] = self._previous_conf

    def _remove(self) -> None:
        atexit.unregister(self._remove)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> SoftHsm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SoftHsm({self.library_path or 'not started'}, tokens={sorted(self.tokens)})"
