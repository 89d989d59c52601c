"""The command line's edges: exit codes with one meaning each, file-system errors the
user caused, and finding the configuration repository from any folder inside it."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "employers"
RunCli = Callable[..., Result]


@pytest.fixture
def repo(tmp_path: Path, run_cli: RunCli) -> Path:
    """A configuration repository (config file, the example employers, a seeded sandbox)
    that is not a git repository, so that only the configuration file marks it."""
    root = tmp_path / "config"
    shutil.copytree(EXAMPLES, root / "employers")
    (root / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    seeded = run_cli("-C", root, "sandbox", "seed", "--reset")
    assert seeded.exit_code == 0, seeded.output
    return root


def _readme_exit_codes() -> dict[int, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1]
    return {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| ([^|]+) \|", table, re.M)}


# --- exit codes -------------------------------------------------------------------------


def test_every_exit_code_has_one_name_and_one_readme_row() -> None:
    values = [code.value for code in ExitCode]
    assert len(values) == len(set(values)), "two names for one exit code"
    assert ExitCode.CHANGES.name == "CHANGES" and int(ExitCode.USAGE) == 64
    documented = _readme_exit_codes()
    assert sorted(documented) == sorted(values)
    assert "usage" in documented[ExitCode.USAGE]
    assert "changes are pending" in documented[ExitCode.CHANGES]


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--detailed-exitcode", "--allow-downgarde"),  # the typo from the issue
        ("plan", "--format", "yaml"),
        ("--no-such-global-option", "plan"),
        ("plna",),
        ("sandbox", "sede"),
        ("import",),  # neither --all nor --employer: a UsageError raised by the command
    ],
)
def test_usage_errors_never_exit_with_the_changes_code(
    run_cli: RunCli, repo: Path, args: tuple[str, ...]
) -> None:
    result = run_cli("-C", repo, *args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.exit_code != ExitCode.CHANGES


def test_mistyped_commands_get_a_suggestion(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("-C", repo, "valdiate")
    assert result.exit_code == ExitCode.USAGE
    assert "No such command 'valdiate'. Did you mean 'validate'?" in result.stderr
    nothing = run_cli("-C", repo, "xyzzy")
    assert "No such command 'xyzzy'." in nothing.stderr and "Did you mean" not in nothing.stderr


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (("plan", "--format", "mardown"), "'markdown'"),
        (("validate", "--format", "sarf"), "'sarif'"),
        (("show", "--format", "jsn", "plan.json"), "'json'"),
        (("journal", "--format", "txt"), "'text'"),
        (("catalog", "--format", "jsno"), "'json'"),
        (("schema", "employr"), "'employer'"),
        (("sandbox", "show", "--format", "jason"), "'json'"),
    ],
)
def test_mistyped_values_get_a_suggestion(
    run_cli: RunCli, repo: Path, args: tuple[str, ...], suggestion: str
) -> None:
    (repo / "plan.json").write_text("{}", encoding="utf-8")
    result = run_cli("-C", repo, *args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"Did you mean {suggestion}?" in result.stderr, result.stderr


def test_apply_help_names_the_unit_of_its_durations(run_cli: RunCli) -> None:
    help_text = run_cli("apply", "--help").output
    assert "--timeout SECONDS" in help_text and "--poll-interval SECONDS" in help_text
    assert "FLOAT RANGE" not in help_text


# --- file-system errors the user caused -------------------------------------------------


def _user_error(result: Result, path: str, reason: str) -> None:
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "internal error" not in result.output and "bug" not in result.output
    assert path in result.stderr and reason in result.stderr, result.stderr


def test_init_into_a_file(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("x", encoding="utf-8")
    _user_error(run_cli("init", target), str(target), "Not a directory")


def test_init_where_employers_is_a_file(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    (target / "employers").write_text("x", encoding="utf-8")
    result = run_cli("init", target)
    _user_error(result, "employers", "exists")
    assert "hint: a file is in the way" in result.stderr


def test_plan_out_below_a_file(run_cli: RunCli, repo: Path) -> None:
    (repo / "afile").write_text("x", encoding="utf-8")
    result = run_cli("-C", repo, "plan", "--out", "afile/plan.json")
    _user_error(result, "afile", "File exists")


def test_plan_out_never_replaces_what_is_not_a_regular_file(run_cli: RunCli, repo: Path) -> None:
    """As root, ``plan --out /dev/full`` once replaced the device with a plan file."""
    target = repo / "in-the-way"
    os.mkfifo(target)
    result = run_cli("-C", repo, "plan", "--out", "in-the-way")
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "in-the-way: exists and is not a regular file" in result.stderr
    assert target.is_fifo()


def test_schema_output_dir_below_a_file(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = run_cli("schema", "--output-dir", tmp_path / "afile" / "x")
    _user_error(result, str(tmp_path / "afile" / "x"), "Not a directory")
    assert "a part of this path is a file" in result.stderr


def test_unwritable_plan_file_names_path_and_reason(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(repo / "plan.json"))

    monkeypatch.setattr("mijnloket_gitops.cli.plan_cmd.write_plan", full_disk)
    result = run_cli("-C", repo, "plan", "--out", "plan.json")
    _user_error(result, "plan.json", "No space left on device")
    assert "the disk is full" in result.stderr


def test_plan_names_an_employers_dir_that_is_not_a_folder(run_cli: RunCli, repo: Path) -> None:
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\nemployers_dir: nope\n", "utf-8")
    result = run_cli("-C", repo, "plan")
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "mijnloket-gitops.yaml:2:16: employers_dir: 'nope' is not a folder" in result.stderr
    assert "No changes" not in result.output and "file-read" not in result.output


def test_plan_counts_invalid_files_in_english(run_cli: RunCli, repo: Path) -> None:
    (repo / "employers" / "broken.yaml").write_text("version: [\n", encoding="utf-8")
    one = run_cli("-C", repo, "plan")
    assert "1 invalid employer file left out of the plan" in one.stderr, one.stderr
    (repo / "employers" / "broken2.yaml").write_text("version: [\n", encoding="utf-8")
    two = run_cli("-C", repo, "plan")
    assert "2 invalid employer files left out of the plan" in two.stderr, two.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_an_invalid_file_never_hides_behind_no_changes(
    run_cli: RunCli, repo: Path, fmt: str
) -> None:
    """A pull request with one broken file got a "No changes" comment: the plan itself
    (not only stderr) must name what it left out."""
    applied = run_cli("-C", repo, "apply", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    (repo / "employers" / "broken.yaml").write_text("version: [\n", encoding="utf-8")
    result = run_cli("-C", repo, "plan", "--format", fmt)
    assert result.exit_code == ExitCode.ERROR, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["invalid"] == ["employers/broken.yaml"]
        return
    assert "Live state matches" not in result.stdout
    assert "No changes in the valid files." in result.stdout
    assert "Invalid, so not planned" in result.stdout
    assert "employers/broken.yaml" in result.stdout


def test_plan_shows_the_broken_file_not_every_warning(run_cli: RunCli, repo: Path) -> None:
    """Onboarding leaves hundreds of evidence-pending warnings; plan shows the file that
    blocks itself, and only counts the warnings (validate lists them)."""
    for path in sorted((repo / "employers").glob("*.yaml"))[:3]:
        text = path.read_text(encoding="utf-8")
        if "status: signed" in text:
            path.write_text(text.replace("status: signed", "status: signed\n  evidence: pending"))
    (repo / "employers" / "broken.yaml").write_text("version: [\n", encoding="utf-8")
    result = run_cli("-C", repo, "plan")
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "broken.yaml:" in result.stderr and "evidence-pending" not in result.stderr
    assert "warnings in other files: `mijnloket-gitops validate` lists them" in result.stderr
    assert "1 invalid employer file left out of the plan" in result.stderr
    assert "Fix it;" in result.stderr


def test_readme_teaches_dash_c_not_the_deprecated_repo_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    uses = [line for line in readme.splitlines() if "--repo" in line]
    assert len(uses) == 1 and "still works for one release" in readme, uses


# --- repository discovery ---------------------------------------------------------------


def test_every_command_runs_from_a_subdirectory(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = repo / "employers" / "deeper"
    deep.mkdir()
    at_root = run_cli("-C", repo, "plan", "--format", "json")
    monkeypatch.chdir(deep)
    for args in (("validate",), ("fmt", "--check"), ("sandbox", "show"), ("catalog",)):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
    validated = run_cli("validate")
    assert "8 files valid" in validated.output
    from_below = run_cli("plan", "--format", "json")
    assert from_below.exit_code == 0, from_below.output
    # The same plan; only the paths differ: they are shown from where the user stands.
    assert "../../employers/" in from_below.output

    # ... and the moment it was made, which may tick over a second between the two runs.
    def timeless(text: str) -> str:
        return re.sub(r'"(created_at|serial_read_at)": "[^"]*"', r'"\1": ""', text)

    assert timeless(from_below.output.replace("../../employers/", "employers/")) == timeless(
        at_root.output
    )


def test_validate_dot_in_employers_uses_the_repository_configuration(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\ncatalog:\n  products:\n    Loonstrook Plus:\n      tier: none\n",
        encoding="utf-8",
    )
    extra = (EXAMPLES / "bakkerij-de-vries.yaml").read_text(encoding="utf-8")
    extra = extra.replace("  - MijnLoket\n", "  - MijnLoket\n  - Loonstrook Plus\n", 1)
    assert "Loonstrook Plus" in extra
    (repo / "employers" / "bakkerij-de-vries.yaml").write_text(extra, encoding="utf-8")
    monkeypatch.chdir(repo / "employers")
    result = run_cli("validate", ".")
    assert result.exit_code == 0, result.output
    assert "unknown-product" not in result.output


def test_dash_c_runs_as_if_started_there(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    result = run_cli("-C", repo / "employers", "validate", "bakkerij-de-vries.yaml")
    assert result.exit_code == 0, result.output
    assert Path.cwd() != repo / "employers", "-C must not leak into the caller's directory"
    missing = run_cli("-C", tmp_path / "nope", "validate")
    assert missing.exit_code == ExitCode.USAGE


def test_several_dash_c_are_taken_one_from_the_other_as_git_does(
    run_cli: RunCli, repo: Path
) -> None:
    inside = run_cli("-C", repo, "-C", "employers", "validate", "bakkerij-de-vries.yaml")
    assert inside.exit_code == 0 and "1 file valid" in inside.output, inside.output
    back = run_cli("-C", repo / "employers", "-C", "..", "validate")
    assert back.exit_code == 0 and "8 files valid" in back.output, back.output
    missing = run_cli("-C", repo, "-C", "nope", "validate")
    assert missing.exit_code == ExitCode.USAGE
    assert "Invalid value for '-C'" in missing.stderr and "nope" in missing.stderr


def test_repo_option_is_a_hidden_alias(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("validate", "--repo", repo)
    assert result.exit_code == 0 and "8 files valid" in result.output
    assert "--repo" not in run_cli("validate", "--help").output
    assert "-C DIR" in run_cli("--help").output


def test_outside_any_repository_says_so_and_how_to_start_one(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    for args in (("validate",), ("plan",), ("import", "--all"), ("sandbox", "seed")):
        result = run_cli(*args)
        assert result.exit_code == ExitCode.ERROR, (args, result.output)
        assert "not inside a configuration repository" in result.stderr
        assert "mijnloket-gitops init" in result.stderr
    assert not (empty / ".mijnloket").exists(), "nothing is created outside a repository"
    assert run_cli("catalog").exit_code == 0, "the catalog needs no repository"


def test_the_git_root_is_the_repository_without_a_configuration_file(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "mijnloket-gitops.yaml").unlink()
    (repo / ".git").mkdir()  # discovery looks for the folder, as git does
    monkeypatch.chdir(repo / "employers")
    result = run_cli("validate")
    assert result.exit_code == 0 and "8 files valid" in result.output


def test_a_mistyped_option_in_ci_is_a_failure_not_changes_pending(
    repo: Path, tmp_path: Path
) -> None:
    """The issue's own case: `INPUT_COMMAND=drift INPUT_ARGS=--allow-downgarde`."""
    from click.testing import CliRunner

    from mijnloket_gitops.cli.main import cli

    outputs = tmp_path / "outputs"
    env = {
        "INPUT_COMMAND": "drift",
        "INPUT_ARGS": "--allow-downgarde",
        "INPUT_WORKING_DIRECTORY": str(repo),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ACTIONS": "true",
    }
    result = CliRunner().invoke(cli, ["github", "run-action"], env=env)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    assert values["exit-code"] == str(int(ExitCode.USAGE))
    assert values.get("has-changes") != "true"
    assert result.exit_code != 0, "CI must go red"
    summary = (tmp_path / "summary").read_text(encoding="utf-8")
    assert "exit 64 (usage error: a bad command, option or argument)" in summary
