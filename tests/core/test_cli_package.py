"""Issue 16 item 19 (the CLI part), the kind: the command is a package, one module per command group.

``walletkit/cli/`` replaces the ``cli_*.py`` files; every command group lives in its own
module, which exposes ``COMMANDS``; :data:`walletkit.cli.app.COMMAND_MODULES` is the one
place they join. The entry point ``walletkit = "walletkit.cli:main"`` and
``python -m walletkit.cli`` keep working, and a new group (``watch``, ``approve``...) is one
module plus one line.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import walletkit
from walletkit.cli import main
from walletkit.cli.app import COMMAND_MODULES, register

PACKAGE = Path(walletkit.__file__).parent


def test_the_old_modules_are_gone() -> None:
    assert sorted(p.name for p in PACKAGE.glob("cli*.py")) == []
    assert (PACKAGE / "cli" / "__init__.py").is_file() and (PACKAGE / "cli" / "__main__.py").is_file()


def test_each_command_comes_from_exactly_one_listed_module() -> None:
    owner: dict[str, str] = {}
    for module in COMMAND_MODULES:
        commands = importlib.import_module(module).COMMANDS
        assert commands, module
        for command in commands:
            assert isinstance(command, click.Command)
            assert command.name not in owner, (command.name, module, owner.get(command.name or ""))
            owner[command.name or ""] = module
    assert set(owner) == set(main.commands)
    listed = {m.rsplit(".", 1)[1] for m in COMMAND_MODULES}
    on_disk = {p.stem for p in (PACKAGE / "cli").glob("*.py")} - {"__init__", "__main__", "app", "common", "output"}
    assert listed == on_disk, "every command module is listed in COMMAND_MODULES, and only those"


def test_a_new_group_is_one_module_and_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "wk_cli_watch_probe.py").write_text(
        "import click\n\n@click.group()\ndef probe():\n    'A probe group.'\n\n"
        "@probe.command('list')\ndef probe_list():\n    click.echo('probing')\n\nCOMMANDS = (probe,)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    group = click.Group("walletkit")
    register(group, (*COMMAND_MODULES, "wk_cli_watch_probe"))
    assert set(group.commands) == {*main.commands, "probe"}
    from click.testing import CliRunner

    assert CliRunner().invoke(group, ["probe", "list"]).output == "probing\n"
    with pytest.raises(RuntimeError, match="another command module has"):
        register(group, ("wk_cli_watch_probe",))


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "walletkit.cli"], [shutil.which("walletkit") or "walletkit"]],
    ids=["python -m walletkit.cli", "console script"],
)
def test_entry_points(command: list[str]) -> None:
    out = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Usage: walletkit ")
    for name in main.commands:
        assert f"  {name} " in out.stdout
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120)
    assert version.stdout.strip() == f"walletkit, version {walletkit.__version__}"
