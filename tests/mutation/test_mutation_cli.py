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


@pytest.mark.parametrize("jobs", ["auto", "0", "-1", "1.5"])
def test_a_jobs_setting_that_is_no_worker_count_is_refused_by_run_alone(
    jobs: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JOBS", jobs)
    assert main(["list"]) == 0  # JOBS means nothing to the other commands
    assert "units: mutate walletkit/units.py" in capsys.readouterr().out
    with pytest.raises(SystemExit) as raised:
        main(["run", "units"])
    assert raised.value.code == 2
    assert f"JOBS: the number of workers is a whole number of at least 1, got {jobs!r}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "units", "-j", "0"])
    assert "argument -j/--jobs: the number of workers is a whole number of at least 1, got '0'" in (
        capsys.readouterr().err
    )
