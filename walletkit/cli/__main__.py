"""``python -m walletkit.cli``: the ``walletkit`` command."""

from walletkit.cli.app import main

main(prog_name="walletkit")
