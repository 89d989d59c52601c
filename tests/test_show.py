"""``show PLANFILE`` renders a saved plan exactly as ``plan`` showed it, anywhere; and
``apply PLANFILE`` shows the plan it applies."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.errors import ExitCode

EXAMPLES = Path(__file__).resolve().parent.parent / "employers"
RunCli = Callable[..., Result]


@pytest.fixture
def saved(tmp_path: Path, run_cli: RunCli) -> tuple[Path, dict[str, Path], dict[str, str]]:
    """A repository, and per format a saved plan and what `plan` printed saving it."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "employers")
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    assert run_cli("-C", repo, "sandbox", "seed", "--reset").exit_code == 0
    printed, files = {}, {}
    for fmt in ("text", "markdown", "json"):
        files[fmt] = tmp_path / f"plan-{fmt}.json"
        result = run_cli("-C", repo, "plan", "--format", fmt, "--out", files[fmt])
        assert result.exit_code == 0, result.output
        printed[fmt] = result.stdout
    return repo, files, printed


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_renders_the_saved_plan_as_plan_did(
    run_cli: RunCli,
    saved: tuple[Path, dict[str, Path], dict[str, str]],
    fmt: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, files, printed = saved
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no repository needed
    result = run_cli("show", files[fmt], "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout == printed[fmt]
    assert '"live"' not in result.stdout, "the live state the plan was based on stays out"


def test_show_refuses_what_is_not_a_saved_plan(run_cli: RunCli, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text("{}", encoding="utf-8")
    result = run_cli("show", other)
    assert result.exit_code == ExitCode.ERROR
    assert "not a plan saved with `plan --out`" in result.stderr


def test_apply_of_a_saved_plan_shows_it_first(
    run_cli: RunCli, saved: tuple[Path, dict[str, Path], dict[str, str]]
) -> None:
    repo, files, printed = saved
    result = run_cli("-C", repo, "apply", files["text"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(printed["text"])
    assert result.stdout.index("Applying") > len(printed["text"]) - 1
