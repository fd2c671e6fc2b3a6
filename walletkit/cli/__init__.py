"""The ``walletkit`` command (entry point ``walletkit.cli:main``; also ``python -m walletkit.cli``).

Secrets (mnemonic, passphrase, keystore password) are read from a hidden prompt, standard
input, a file or an environment variable: never from argv, and never echoed back.
``--keystore FILE`` on every command that takes a phrase uses a keystore's wallet instead.

Exit codes (:class:`walletkit.cli.common.ExitCode`; docs/cli.md): 0 success; 1 an operation
failed (network, engine, wrong password); 2 bad input (a wrong word, a bad address, an amount
with too many decimals); 3 a secret was needed and none was given; 4 ``message verify``
found the signature invalid; 130 interrupted (Ctrl-C).

One module per command group (``mnemonic``, ``addresses``, ``chainlist``, ``demo``,
``message``, ``tx``, ``keystore``, ``guard``, ``watch``, ``xpub``), each exposing ``COMMANDS``;
they join the group in :data:`walletkit.cli.app.COMMAND_MODULES`.
"""

from __future__ import annotations

from walletkit.cli.app import main

__all__ = ["main"]
