"""``python -m walletkit.cli``: the ``walletkit`` command."""

from walletkit.cli.app import main

if __name__ == "__main__":  # importing this module (tools that walk every module do) runs nothing
    main(prog_name="walletkit")
