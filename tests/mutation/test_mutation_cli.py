"""python -m mutation (the developer tool of docs/mutation.md): refusals of a group that is not configured."""

from __future__ import annotations

import pytest

from mutation.__main__ import main


@pytest.mark.parametrize("argv", [["report", "nosuch"], ["report", "units", "nosuch"], ["show", "nosuch", "m"]])
def test_an_unknown_group_is_named_with_the_groups_and_exit_code_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "unknown group 'nosuch'; groups: " in err
    assert "units" in err.split("groups: ")[1]
